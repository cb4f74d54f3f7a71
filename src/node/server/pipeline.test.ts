import { describe, expect, it } from 'vitest';
import { OpCode } from '../proto/opcodes.js';
import type { LoggedTxn } from '../proto/types.js';
import { deferred, type Deferred } from '../../shared/deferred.js';
import { Pipeline, type Committer } from './pipeline.js';

const txnAt = (zxid: bigint): LoggedTxn => ({
  header: { clientId: 1n, cxid: Number(zxid), zxid, time: 0, type: OpCode.setData },
  txn: { type: OpCode.setData, path: '/a', data: null, version: 1 },
});

/** A pipeline whose committer hands out the promise `promiseFor` picks for each txn. */
function harness(promiseFor: (zxid: bigint) => Promise<void>) {
  const events: string[] = [];
  const rolledBack: bigint[] = [];
  const committer: Committer = { commit: (t) => promiseFor(t.header.zxid) };
  const pipeline = new Pipeline(committer, {
    lastZxid: () => 0n,
    prepared: () => undefined,
    rolledBack: (z) => rolledBack.push(z),
  });
  const write = (): void => {
    pipeline.submit({
      kind: 'write',
      prepare: txnAt,
      apply: (t) => events.push(`apply ${t.header.zxid}`),
      fail: (e) => events.push(`fail ${e.message}`),
    });
  };
  const read = (name: string): void => {
    pipeline.submit({ kind: 'read', run: () => events.push(`read ${name}`) });
  };
  return { pipeline, events, rolledBack, write, read };
}

const settled = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Pipeline', () => {
  it('applies a group commit (one promise for many txns) in order, reads after the writes before them', async () => {
    const batch = deferred();
    const h = harness(() => batch.promise);
    h.write();
    h.write();
    h.read('r');
    h.write();
    expect(h.events).toEqual([]);
    batch.resolve();
    await settled();
    expect(h.events).toEqual(['apply 1', 'apply 2', 'read r', 'apply 3']);
    expect(h.pipeline.outstanding).toBe(0);
  });

  it('keeps zxid order when separate commits complete out of order', async () => {
    const commits = new Map<bigint, Deferred>();
    const h = harness((z) => {
      const d = deferred();
      commits.set(z, d);
      return d.promise;
    });
    h.write();
    h.write();
    h.write();
    commits.get(3n)!.resolve();
    commits.get(2n)!.resolve();
    await settled();
    expect(h.events).toEqual([]);
    commits.get(1n)!.resolve();
    await settled();
    expect(h.events).toEqual(['apply 1', 'apply 2', 'apply 3']);
  });

  it('a failed group commit fails every txn in it and rolls back once, then takes zxids again', async () => {
    const first = deferred();
    const later = deferred();
    let n = 0;
    const h = harness(() => (++n <= 2 ? first.promise : later.promise));
    h.write();
    h.write();
    h.write(); // another batch, still waiting: it was validated against the failed ones
    first.reject(new Error('disk full'));
    await settled();
    expect(h.events).toEqual(['fail disk full', 'fail disk full', 'fail disk full']);
    expect(h.rolledBack).toEqual([0n]);
    later.resolve(); // too late: its txn was already failed
    await settled();
    expect(h.events).toHaveLength(3);
    h.write(); // zxids are handed out again from the last durable one
    await settled();
    expect(h.events.slice(3)).toEqual(['apply 1']);
  });
});

/**
 * Differential: the same seeded script (≥300 random ops between hand-written edge cases that
 * reach every opcode) against a fresh Apache ZooKeeper 3.8 and a fresh server of the kind
 * ZK_DIFF_TARGET names (default zkts). Every reply (error, zxid, data, sorted children, every
 * stat field but times) and every watch event must match; the first difference is printed.
 * The script is first run on two fresh Apache servers, which must agree with each other, so a
 * difference is never the script's own nondeterminism.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OpCode } from '../../src/node/proto/opcodes.js';
import { differentialScript } from '../support/differential/script.js';
import { firstDifference, runScript } from '../support/differential/runner.js';
import { startTarget, targetKind, type Target, type TargetKind } from '../support/target.js';

const seed = Number(process.env.ZK_DIFF_SEED ?? 20261125);
const other: TargetKind = targetKind(process.env.ZK_DIFF_TARGET ?? 'zkts');
// Short ticks so the expiring session (1 s) expires quickly; TTL nodes need extended types.
const config = { tickTime: '500', extendedTypesEnabled: 'true', maxClientCnxns: '60' };
const started: Target[] = [];

afterEach(async () => {
  for (const t of started.splice(0)) await t.stop();
});

async function transcript(kind: TargetKind): Promise<string[]> {
  const t = await startTarget({ config }, kind);
  started.push(t);
  try {
    return await runScript(t.host, t.port, differentialScript(seed));
  } finally {
    await t.stop();
  }
}

describe('differential script', () => {
  it('reaches every client opcode with ≥300 requests', () => {
    const steps = differentialScript(seed);
    const used = new Set<number>();
    let requests = 0;
    for (const s of steps) {
      if (s.kind === 'close') used.add(OpCode.closeSession);
      if (s.kind !== 'req') continue;
      requests++;
      used.add(s.req.type);
      if (s.req.type === OpCode.multi || s.req.type === OpCode.multiRead)
        for (const op of s.req.request.ops) used.add(op.type);
    }
    const wanted = Object.entries(OpCode)
      .filter(
        ([k]) =>
          !['notification', 'ping', 'createSession', 'error', 'sasl', 'deleteContainer'].includes(
            k,
          ),
      )
      .map(([k, v]) => [k, used.has(v)]);
    expect(Object.fromEntries(wanted)).toEqual(Object.fromEntries(wanted.map(([k]) => [k, true])));
    expect(requests).toBeGreaterThanOrEqual(300);
  });

  it('gives the same transcript on two fresh Apache servers', async () => {
    const a = await transcript('apache');
    const b = await transcript('apache');
    expect(a.length).toBeGreaterThan(300);
    expect(firstDifference(a, b, ['apache#1', 'apache#2'])).toBeNull();
  });

  it(`gives the same transcript on ${other} as on Apache`, async () => {
    const a = await transcript('apache');
    const b = await transcript(other);
    const diff = firstDifference(a, b, ['apache', other]);
    if (diff) {
      // Both transcripts whole, for `diff` by whoever fixes the server.
      const dir = mkdtempSync(join(tmpdir(), 'zkts-differential-'));
      writeFileSync(join(dir, 'apache.txt'), a.join('\n') + '\n');
      writeFileSync(join(dir, `${other}.txt`), b.join('\n') + '\n');
      console.log(`transcripts in ${dir}`);
    }
    expect(diff).toBeNull();
  });
});

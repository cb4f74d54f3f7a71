/**
 * Issue 4 acceptance: leadership handoff under write load (zkts only: Apache has no such
 * command). Clients on every server write sequentially; the leader is told `ydld`; another
 * server becomes leader, no acknowledged write is lost, and the pause (the longest time
 * without any acknowledged write around the handoff) is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/node/proto/errors.js';
import { startEnsemble, type Ensemble, type EnsembleMember } from '../support/ensemble.js';
import {
  childrenAfterSync,
  closeAll,
  connectWhenServing,
  createNode,
  sleep,
  waitUntil,
  ZkClient,
} from '../support/ensemble-client.js';

let e: Ensemble;

beforeAll(async () => {
  e = await startEnsemble({ kind: 'zkts', config: { tickTime: '500' } });
  await e.waitForQuorum();
});

afterAll(async () => {
  await e?.stop();
});

/** Writes one node after another and records when each was acknowledged. */
class TimedWriter {
  readonly acked: Array<{ path: string; atMs: number }> = [];
  private stopping = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly client: ZkClient,
    private readonly name: string,
  ) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    for (let n = 0; !this.stopping; n++) {
      const path = `/handoff/${this.name}-${String(n).padStart(6, '0')}`;
      const r = await this.client.create(path, Buffer.from(this.name));
      if (r.header.err === ErrorCode.ok) this.acked.push({ path, atMs: performance.now() });
      else await sleep(5);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
  }
}

function startingAt(first: EnsembleMember): string {
  return [first, ...e.members.filter((m) => m !== first)].map((m) => m.address).join(',');
}

describe('leadership handoff (4lw ydld) under write load', () => {
  it('moves leadership to another server, loses no acknowledged write, and reports the pause', async () => {
    const leader = await e.waitForQuorum();
    const setup = await connectWhenServing(leader);
    await createNode(setup, '/handoff');
    await closeAll(setup);

    const clients = await Promise.all(
      e.members.map((m) => ZkClient.connect(startingAt(m), { sessionTimeoutMs: 10_000 })),
    );
    const writers = clients.map((c, i) => new TimedWriter(c, `w${i + 1}`));
    let yieldedAtMs = 0;
    let newLeader: EnsembleMember | undefined;
    try {
      await waitUntil('warm-up writes', () => writers.every((w) => w.acked.length >= 50), 30_000);
      yieldedAtMs = performance.now();
      expect(await leader.fourLetter('ydld')).toBe('Yielding leadership\n');
      await waitUntil(
        'a new leader',
        async () => {
          for (const m of e.members) {
            if (m === leader) continue;
            if ((await m.mode()) === 'leader') newLeader = m;
          }
          return newLeader !== undefined;
        },
        30_000,
        20,
      );
      const settled = writers.map((w) => w.acked.length);
      await waitUntil(
        'writes after the handoff',
        () => writers.every((w, i) => w.acked.length >= settled[i]! + 50),
        30_000,
      );
    } finally {
      await Promise.all(writers.map((w) => w.stop()));
      await closeAll(...clients);
    }
    expect(newLeader).not.toBe(leader);
    expect(await e.waitForQuorum()).toBe(newLeader);

    // The pause: the longest stretch after the ydld with no acknowledged write from anyone.
    const times = writers
      .flatMap((w) => w.acked.map((a) => a.atMs))
      .filter((t) => t >= yieldedAtMs)
      .sort((a, b) => a - b);
    let pauseMs = times[0]! - yieldedAtMs;
    for (let i = 1; i < times.length; i++) pauseMs = Math.max(pauseMs, times[i]! - times[i - 1]!);
    console.log(`handoff pause: ${pauseMs.toFixed(1)} ms (longest gap in acknowledged writes)`);

    const acked = writers.flatMap((w) => w.acked.map((a) => a.path.slice('/handoff/'.length)));
    for (const m of e.members) {
      const c = await connectWhenServing(m);
      try {
        const have = new Set(await childrenAfterSync(c, '/handoff'));
        expect(
          acked.filter((p) => !have.has(p)),
          `acknowledged writes missing on member ${m.sid}`,
        ).toEqual([]);
      } finally {
        await closeAll(c);
      }
    }
  });

  it('answers that a follower cannot hand off leadership', async () => {
    const leader = await e.waitForQuorum();
    const follower = e.members.find((m) => m !== leader)!;
    expect(await follower.fourLetter('ydld')).toBe('This server is not the leader\n');
  });
});

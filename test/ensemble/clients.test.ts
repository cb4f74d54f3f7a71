/**
 * Issue 4 acceptance: real clients keep their sessions across a server failure. A client given
 * the full connect string is connected to one server; that server is SIGKILLed; the client
 * moves to another one and keeps its session id and its ephemerals. node-zookeeper-client, and
 * kazoo's Lock and Election recipes (the holder stays the holder, the leader stays the leader,
 * and both hand over normally afterwards).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnsemble, type Ensemble, type EnsembleMember } from '../support/ensemble.js';
import {
  closeAll,
  connectWhenServing,
  readAfterSync,
  waitUntil,
} from '../support/ensemble-client.js';
import { call, callStat, connectClient, zk, type NodeZkClient } from '../support/node-zk.js';

let e: Ensemble;

beforeAll(async () => {
  e = await startEnsemble({ config: { tickTime: '1000' } });
  await e.waitForQuorum();
});

afterAll(async () => {
  await e?.stop();
});

/** The running member whose `cons` lists the session (Apache: `sid=0x<hex>` per connection). */
async function memberHolding(sessionId: bigint): Promise<EnsembleMember | undefined> {
  for (const m of e.members.filter((x) => x.running)) {
    const cons = await m.fourLetter('cons');
    for (const match of cons.matchAll(/sid=0x([0-9a-f]+)/g))
      if (BigInt(`0x${match[1]}`) === sessionId) return m;
  }
  return undefined;
}

async function waitHolder(sessionId: bigint, not?: EnsembleMember): Promise<EnsembleMember> {
  let holder: EnsembleMember | undefined;
  try {
    await waitUntil(`a server holding session 0x${sessionId.toString(16)}`, async () => {
      holder = await memberHolding(sessionId);
      return holder !== undefined && holder !== not;
    });
  } catch (err) {
    const cons = await Promise.all(
      e.members.map(
        async (m) => `member ${m.sid}: ${m.running ? await m.fourLetter('cons') : 'down'}`,
      ),
    );
    throw new Error(`${(err as Error).message}\n${cons.join('\n')}`);
  }
  return holder!;
}

/** Brings a killed member back and waits for the full quorum, for the next test. */
async function restore(m: EnsembleMember): Promise<void> {
  if (!m.running) await m.start();
  await waitUntil('all three members serving', async () => {
    await e.waitForQuorum();
    return (await Promise.all(e.members.map((x) => x.mode()))).every((x) => x !== null);
  });
}

describe('node-zookeeper-client across the loss of its server', () => {
  let client: NodeZkClient | undefined;
  afterAll(() => client?.close());

  it('reconnects elsewhere with the same session and keeps its ephemeral', async () => {
    client = await connectClient(e.connectString, { sessionTimeout: 15_000, spinDelay: 100 });
    const c = client;
    const sessionId = c.getSessionId().readBigUInt64BE(0);
    await call((cb) => c.mkdirp('/nzk', cb));
    await call((cb) => c.create('/nzk/eph', Buffer.from('mine'), zk.CreateMode.EPHEMERAL ?? 1, cb));
    const server = await waitHolder(sessionId);

    const states: string[] = [];
    c.on('disconnected', () => states.push('disconnected'));
    const reconnected = new Promise<void>((resolve) => {
      c.on('connected', () => {
        states.push('connected');
        resolve();
      });
    });
    await server.kill();
    await reconnected;
    expect(states).toEqual(['disconnected', 'connected']);
    expect(c.getSessionId().readBigUInt64BE(0)).toBe(sessionId);
    const moved = await waitHolder(sessionId, server);
    expect(moved).not.toBe(server);

    // The ephemeral is still the session's, seen through the client and through another server.
    const { stat } = await callStat<Buffer>((cb) => c.getData('/nzk/eph', cb));
    expect(stat?.ephemeralOwner.readBigUInt64BE(0)).toBe(sessionId);
    const other = e.members.find((m) => m.running && m !== moved)!;
    const o = await connectWhenServing(other);
    try {
      expect(await readAfterSync(o, '/nzk/eph')).toBe('mine');
      const r = await o.exists('/nzk/eph');
      expect(r.response?.kind === 'stat' ? r.response.stat.ephemeralOwner : undefined).toBe(
        sessionId,
      );
    } finally {
      await closeAll(o);
    }
    // And the session goes on writing.
    await call((cb) => c.create('/nzk/after', Buffer.from('x'), cb));
    c.close();
    client = undefined;
    await restore(server);
  });
});

describe('kazoo Lock and Election across the loss of the lock holder’s server', () => {
  it('keeps the session, the lock and the leadership, then hands both over', async () => {
    await e.waitForQuorum();
    const py = spawn(
      '/usr/bin/python3',
      [join(import.meta.dirname, 'python/kazoo_failover.py'), e.connectString],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    py.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      py.once('exit', (code) => resolve(code)),
    );
    const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
    // Each phase of the script is bounded (its own waits total well under this).
    const next = async (): Promise<Record<string, unknown>> => {
      let timer: NodeJS.Timeout | undefined;
      const l = await Promise.race([
        lines.next(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`kazoo script silent for 150 s:\n${stderr}`)),
            150_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      if (l.done) throw new Error(`kazoo script ended early (${await exited}):\n${stderr}`);
      return JSON.parse(l.value) as Record<string, unknown>;
    };
    try {
      const ready = await next();
      expect(ready.phase).toBe('ready');
      const sessionId = BigInt(`0x${String(ready.session)}`);
      const server = await waitHolder(sessionId);
      await server.kill();
      py.stdin.write('killed\n');
      const done = await next();
      expect(await exited, stderr).toBe(0);
      expect(done).toMatchObject({
        phase: 'done',
        lock_contenders_before: ['a', 'b'],
        election_contenders_before: ['a', 'b'],
        suspended: true,
        reconnected: true,
        same_session: true,
        lock_a_is_acquired: true,
        lock_contenders_after: ['a', 'b'],
        b_got_lock_while_a_held_it: false,
        election_contenders_after: ['a', 'b'],
        leaders_after_failover: ['a'],
        a_write_after: true,
        b_got_lock_after_release: true,
        b_led_after_a_quit: true,
        leaders_final: ['a', 'b'],
      });
      expect(done.a_states).not.toContain('LOST');
      // (The script has closed its sessions by now; its server was down, so a reconnected
      // with the same session through another one.)
      await restore(server);
    } finally {
      if (py.exitCode === null) py.kill('SIGKILL');
    }
  });
});

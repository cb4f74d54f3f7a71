/**
 * `zkts ensemble up` as a user runs it: three zkts servers on <prefix>1..3 with the standard
 * ports, a leader, the connect string printed, a write through one member read on another, a
 * member killed behind its back restarted, and on SIGINT every member gone and exit 0. A port
 * already taken stops it before anything starts. The prefix is ENSEMBLE_HOST_PREFIX (default
 * 127.0.0., as CI has it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../src/client/zk-client.js';
import { fourLetterWord } from '../support/fourlw.js';
import { trackServerPid, untrackServerPid } from '../support/process-group.js';
import { repoRoot } from '../support/zkts-server.js';

const prefix = process.env.ENSEMBLE_HOST_PREFIX ?? '127.0.0.';
const expectedConnect = [1, 2, 3].map((i) => `${prefix}${i}:2181`).join(',');

interface Up {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function ensembleUp(dir: string): Up {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin/zkts'), 'ensemble', 'up', '--host-prefix', prefix, '--dir', dir],
    // Its own process group, so that the test can Ctrl-C it as a terminal does (the whole group).
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  trackServerPid(child.pid!);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      untrackServerPid(child.pid!);
      r(code);
    }),
  );
  return { child, out: () => text, exited };
}

async function waitFor(up: Up, re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = re.exec(up.out());
    if (m) return m;
    if (up.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`no ${re} in the output of zkts ensemble up:\n${up.out().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls srvr until the server reports leader or follower; returns the last mode seen. */
async function waitMode(host: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let mode = '';
  while (Date.now() < deadline) {
    mode = /^Mode: (\S+)/m.exec(await fourLetterWord(host, 2181, 'srvr', 1_000))?.[1] ?? '';
    if (mode === 'leader' || mode === 'follower') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return mode;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes whose command line names `dir` (the members' zoo.cfg paths do). */
function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids.filter((p) => p !== process.pid);
}

function memberPids(text: string): Map<string, number> {
  const pids = new Map<string, number>();
  for (const m of text.matchAll(/^ {2}(server\.\d): \S+:2181, pid (\d+)$/gm))
    pids.set(m[1]!, Number(m[2]));
  return pids;
}

describe('zkts ensemble up', () => {
  let dir: string;
  let up: Up | undefined;

  beforeAll(() => {
    if (!existsSync(join(repoRoot, 'dist/src/cli/ensemble-up.js')))
      throw new Error('zkts is not built: run `npm run build` first');
    dir = mkdtempSync(join(tmpdir(), 'zkts-ensemble-up-'));
  });

  afterAll(async () => {
    if (up && up.child.exitCode === null) {
      up.child.kill('SIGKILL');
      await up.exited;
    }
    for (const pid of processesUsing(dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts three members, elects a leader, serves, restarts a killed member and stops on SIGINT', async () => {
    up = ensembleUp(dir);
    const connect = await waitFor(up, /Connect string:\n(\S+)\n/, 120_000);
    expect(connect[1]).toBe(expectedConnect);
    const modes = [...up.out().matchAll(/^ {2}server\.\d: (leader|follower)$/gm)].map((m) => m[1]);
    expect(modes.sort()).toEqual(['follower', 'follower', 'leader']);
    const pids = memberPids(up.out());
    expect([...pids.keys()].sort()).toEqual(['server.1', 'server.2', 'server.3']);
    for (const pid of pids.values()) expect(alive(pid)).toBe(true);
    for (const sid of [1, 2, 3]) {
      expect(readFileSync(join(dir, `server.${sid}/data/myid`), 'utf8').trim()).toBe(String(sid));
      expect(readFileSync(join(dir, `server.${sid}/zoo.cfg`), 'utf8')).toContain(
        `clientPortAddress=${prefix}${sid}`,
      );
    }
    expect(up.out()).toMatch(/^\[server\.[123]\] /m);

    // A write through the first member is read on the third after sync().
    const a = await ZkClient.connect(`${prefix}1:2181`, { sessionTimeoutMs: 10_000 });
    const b = await ZkClient.connect(`${prefix}3:2181`, { sessionTimeoutMs: 10_000 });
    try {
      expect((await a.create('/ensemble-up', Buffer.from('hello'))).header.err).toBe(0);
      expect((await b.sync('/ensemble-up')).header.err).toBe(0);
      const r = await b.getData('/ensemble-up');
      expect(r.header.err).toBe(0);
      expect(r.response?.kind === 'getData' && r.response.data?.toString()).toBe('hello');
    } finally {
      await a.close();
      await b.close();
    }

    // A member that dies is reported and started again.
    const victim = pids.get('server.2')!;
    process.kill(victim, 'SIGKILL');
    const restarted = await waitFor(up, /server\.2 restarted, pid (\d+)/, 30_000);
    expect(up.out()).toContain('server.2 exited unexpectedly (SIGKILL)');
    const newPid = Number(restarted[1]);
    expect(newPid).not.toBe(victim);
    expect(alive(newPid)).toBe(true);
    expect(await waitMode(`${prefix}2`, 60_000)).toMatch(/^(leader|follower)$/);

    const members = [pids.get('server.1')!, newPid, pids.get('server.3')!];
    // Ctrl-C: SIGINT to the whole process group, members included.
    process.kill(-up.child.pid!, 'SIGINT');
    expect(await up.exited).toBe(0);
    for (const pid of members) expect(alive(pid), `member pid ${pid}`).toBe(false);
    expect(processesUsing(dir)).toEqual([]);
    // Each member shut down cleanly (on the SIGINT or on our SIGTERM), none needed SIGKILL,
    // and none was taken for a crash.
    expect(up.out()).toMatch(
      /server\.1 (stopped|already exited), server\.2 (stopped|already exited), server\.3 (stopped|already exited)/,
    );
    expect(up.out().match(/exited unexpectedly/g)).toHaveLength(1);
    expect(up.out()).toContain('zkts ensemble up: stopped');
  });

  it('refuses to start when one of its ports is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(7000, `${prefix}2`, r));
    try {
      const busy = ensembleUp(dir);
      expect(await busy.exited).toBe(1);
      expect(busy.out()).toContain(`${prefix}2:7000 is already in use`);
      expect(processesUsing(dir)).toEqual([]);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});

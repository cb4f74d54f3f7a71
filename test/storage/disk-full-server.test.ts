/**
 * Issue 3 disk-full test, through the real server. NEEDS ROOT: it mounts a 4 MiB tmpfs as the
 * dataDir (`mount -t tmpfs -o size=4m`), fills it with creates until the txn log hits ENOSPC
 * and checks: writes get an error reply (no hang), reads on an existing session keep working,
 * the server log says ENOSPC. Then space is freed (a filler file placed before the start is
 * deleted) and the server must either resume acknowledging writes or exit by itself so a
 * supervisor restarts it. Finally a restart on the same dataDir must hold every acknowledged
 * node with its data.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZkClient, type Reply } from '../../src/client/zk-client.js';
import { ErrorCode } from '../../src/node/proto/errors.js';
import { freePort } from '../support/ports.js';
import { spawnServer, type ServerHandle } from '../support/process-group.js';
import { repoRoot } from '../support/zkts-server.js';

const tmpfsBytes = 4 * 1024 * 1024;
const fillerBytes = 2 * 1024 * 1024;
const payload = Buffer.alloc(1024, 0x61);
/** Longer than any honest reply takes here: a write that is not answered by then hangs. */
const replyDeadlineMs = 10_000;

const workDir = mkdtempSync(join(tmpdir(), 'zkts-diskfull-'));
const mountDir = join(workDir, 'mnt');
const dataDir = join(mountDir, 'data');
const fillerFile = join(mountDir, 'filler');
const logFile = join(workDir, 'server.log');
let mounted = false;
let server: ServerHandle | undefined;

afterAll(async () => {
  await server?.stop();
  if (mounted) execFileSync('umount', [mountDir]);
  rmSync(workDir, { recursive: true, force: true });
});

function mountTmpfs(): void {
  if (process.getuid?.() !== 0)
    throw new Error(
      'disk-full-server.test.ts needs root: it mounts a 4 MiB tmpfs (mount -t tmpfs -o size=4m). Run it as root (sudo npx vitest run test/storage/disk-full-server.test.ts).',
    );
  mkdirSync(mountDir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${tmpfsBytes}`, 'tmpfs', mountDir]);
  } catch (err) {
    throw new Error(
      `disk-full-server.test.ts needs root with CAP_SYS_ADMIN to mount a tmpfs: ${String(err)}`,
    );
  }
  mounted = true;
}

async function startServer(port: number): Promise<ServerHandle> {
  const entry = join(repoRoot, 'dist/src/node/server/main.js');
  if (!existsSync(entry)) throw new Error('zkts is not built: run `npm run build` first');
  const cfgFile = join(workDir, 'zoo.cfg');
  writeFileSync(
    cfgFile,
    [
      'tickTime=2000',
      `dataDir=${dataDir}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      '4lw.commands.whitelist=*',
      'admin.enableServer=false',
      // Small preallocation steps (KiB): the tmpfs is only 4 MiB.
      'preAllocSize=64',
      '',
    ].join('\n'),
  );
  return spawnServer({
    name: 'zkts',
    command: process.execPath,
    args: [join(repoRoot, 'bin/zkts'), 'server', '--config', cfgFile],
    host: '127.0.0.1',
    port,
    dataDir,
    logFile,
    cleanup: [],
    startTimeoutMs: 30_000,
  });
}

/** The reply, or a failure naming the request when none comes in time (a hang). */
async function answered(what: string, p: Promise<Reply>): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no reply within ${replyDeadlineMs} ms (hang)`)),
      replyDeadlineMs,
    );
  });
  try {
    return await Promise.race([p, hang]);
  } finally {
    clearTimeout(timer);
  }
}

const gone = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

/** Every acknowledged node must hold the payload. */
async function lostOf(port: number, acked: Set<string>): Promise<string[]> {
  const check = await ZkClient.connect(`127.0.0.1:${port}`, { reconnect: false });
  try {
    const paths = [...acked];
    const replies = await Promise.all(paths.map((p) => check.getData(p)));
    return paths.filter(
      (p, i) =>
        replies[i]!.header.err !== ErrorCode.ok ||
        !(replies[i]!.response?.kind === 'getData' && replies[i]!.response.data?.equals(payload)),
    );
  } finally {
    await check.close();
  }
}

/** Fills the rest of the tmpfs with a file (a partial write stops at ENOSPC). */
function fillDisk(): void {
  try {
    writeFileSync(fillerFile, Buffer.alloc(tmpfsBytes, 1));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
}

describe('disk full: zkts refuses writes, keeps reads, loses nothing', () => {
  const acked = new Set<string>();
  let port = 0;

  it('refuses writes with an error reply, keeps reads, logs ENOSPC; a restart after space returns holds every acked node', async () => {
    mountTmpfs();
    writeFileSync(fillerFile, Buffer.alloc(fillerBytes, 1));
    mkdirSync(dataDir);
    port = await freePort();
    server = await startServer(port);
    const c = await ZkClient.connect(`127.0.0.1:${port}`, { reconnect: false });

    // Fill: 16 creates of 1 KiB in flight until one is refused.
    let refused: Reply | undefined;
    let n = 0;
    while (refused === undefined) {
      const batch = Array.from({ length: 16 }, () => `/n${n++}`);
      const replies = await Promise.all(
        batch.map((p) => answered(`create ${p} while filling`, c.create(p, payload))),
      );
      replies.forEach((r, i) => {
        if (r.header.err === ErrorCode.ok) acked.add(batch[i]!);
        else refused ??= r;
      });
      expect(n, 'the 4 MiB disk never filled').toBeLessThan(10_000);
    }
    expect(
      refused.header.err,
      'a refused write must be an error reply, not a lost connection',
    ).not.toBe(ErrorCode.connectionLoss);
    console.log(
      `disk full after ${acked.size} acknowledged creates; refused with err ${refused.header.err}`,
    );
    expect(acked.size).toBeGreaterThan(100);

    // While full: further writes are refused with an error reply, reads keep working.
    const again = await answered('create while full', c.create('/while-full', payload));
    expect(again.header.err).not.toBe(ErrorCode.ok);
    expect(again.header.err).not.toBe(ErrorCode.connectionLoss);
    const set = await answered('setData while full', c.setData('/n0', payload, -1));
    expect(set.header.err).not.toBe(ErrorCode.ok);
    expect(set.header.err).not.toBe(ErrorCode.connectionLoss);
    for (const p of [...acked].slice(0, 50)) {
      const r = await answered(`getData ${p} while full`, c.getData(p));
      expect(r.header.err, `read ${p} while the disk is full`).toBe(ErrorCode.ok);
      expect(r.response?.kind === 'getData' && r.response.data?.equals(payload)).toBe(true);
    }
    const kids = await answered('getChildren while full', c.getChildren('/'));
    expect(kids.header.err).toBe(ErrorCode.ok);
    expect(readFileSync(logFile, 'utf8'), 'a server log line names ENOSPC').toMatch(/ENOSPC/);
    c.close(100).catch(() => undefined);

    // Space returns; a supervisor-style crash restart on the same dataDir: the log is readable
    // (no corruption error) and holds every acknowledged node; writes work again.
    rmSync(fillerFile);
    await server.kill();
    server = await startServer(port);
    const lost = await lostOf(port, acked);
    console.log(`disk full, restart: ${acked.size} acknowledged writes, ${lost.length} lost`);
    expect(lost).toEqual([]);
    const c2 = await ZkClient.connect(`127.0.0.1:${port}`, { reconnect: false });
    for (let i = 0; i < 20; i++) {
      const p = `/restarted-${i}`;
      const r = await answered(`create ${p} after restart`, c2.create(p, payload));
      expect(r.header.err, `create ${p} after restart`).toBe(ErrorCode.ok);
      acked.add(p);
    }
    await c2.close();
  });

  it('resumes acknowledging writes (or exits for a supervisor) once space returns, with no outside restart', async () => {
    expect(server, 'the first test started the server').toBeDefined();
    let c = await ZkClient.connect(`127.0.0.1:${port}`, { reconnect: false });
    fillDisk();
    let refused = false;
    for (let i = 0; i < 200 && !refused; i++) {
      const p = `/fill2-${i}`;
      const r = await answered(`create ${p} while refilling`, c.create(p, payload));
      if (r.header.err === ErrorCode.ok) acked.add(p);
      else refused = true;
    }
    expect(refused, 'writes were refused once the disk was filled again').toBe(true);

    rmSync(fillerFile);
    const deadline = Date.now() + 20_000;
    let resumed = false;
    let exited = false;
    for (let i = 0; Date.now() < deadline; i++) {
      if (gone(server!.pid)) {
        exited = true;
        break;
      }
      const p = `/after-${i}`;
      const r = await answered(`create ${p} after space returned`, c.create(p, payload));
      if (r.header.err === ErrorCode.ok) {
        acked.add(p);
        resumed = true;
        break;
      }
      if (r.header.err === ErrorCode.connectionLoss) {
        // The server may be on its way out.
        await new Promise((res) => setTimeout(res, 1000));
        if (gone(server!.pid)) {
          exited = true;
          break;
        }
        throw new Error('connection lost after space returned, yet the server is still running');
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(
      resumed || exited,
      'after space returned the server neither acknowledged a write nor exited within 20 s; it must retry the disk (storage.retry()) and resume, or exit, once the disk is writable',
    ).toBe(true);
    if (exited) {
      // The supervisor's part: start it again on the same dataDir.
      await server!.kill();
      server = await startServer(port);
      c.close(100).catch(() => undefined);
      c = await ZkClient.connect(`127.0.0.1:${port}`, { reconnect: false });
    }
    for (let i = 0; i < 20; i++) {
      const p = `/resumed-${i}`;
      const r = await answered(`create ${p} after recovery`, c.create(p, payload));
      expect(r.header.err, `create ${p} after recovery`).toBe(ErrorCode.ok);
      acked.add(p);
    }
    await c.close();

    await server!.kill();
    server = await startServer(port);
    const lost = await lostOf(port, acked);
    console.log(`disk full, resume: ${acked.size} acknowledged writes, ${lost.length} lost`);
    expect(lost).toEqual([]);
  });
});

/**
 * Disk faults through the real server, with real errors from the kernel. NEEDS ROOT: the
 * dataDir is an ext4 filesystem (no journal, no reserved blocks, errors=continue) on a loop
 * device over a sparse 64 MiB image file.
 *
 * - EIO: the loop device's size limit is cut to 1 MiB (LOOP_SET_STATUS64, via python3's
 *   fcntl.ioctl), so every write to the filesystem's data blocks fails in the block layer
 *   and the kernel returns EIO to the server's log write. Restoring the limit makes the
 *   device whole again.
 * - ENOSPC: a filler file takes the filesystem's free space; deleting it gives it back.
 *
 * For each: writes get an error reply (not a dropped connection), reads keep working, the
 * server log names the error, the `disk_fault` gauge on /metrics is 1; when the disk works
 * again the server resumes acknowledging writes by itself (it probes the disk every second)
 * and the gauge is 0. Finally a crash restart holds every acknowledged node with its data.
 */
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZkClient, type Reply } from '../../src/client/zk-client.js';
import { ErrorCode } from '../../src/node/proto/errors.js';
import { freePort } from '../support/ports.js';
import { spawnServer, type ServerHandle } from '../support/process-group.js';
import { repoRoot } from '../support/zkts-server.js';

const imageBytes = 64 * 1024 * 1024;
const payload = Buffer.alloc(512, 0x62);
const replyDeadlineMs = 10_000;
/** The server probes every second; allow for a loaded machine. */
const recoverWithinMs = 20_000;

const workDir = mkdtempSync(join(tmpdir(), 'zkts-diskfault-'));
const image = join(workDir, 'disk.img');
const mountDir = join(workDir, 'mnt');
const dataDir = join(mountDir, 'data');
const fillerFile = join(mountDir, 'filler');
const logFile = join(workDir, 'server.log');
let loopDevice: string | undefined;
let mounted = false;
let server: ServerHandle | undefined;

// LOOP_GET_STATUS64 / LOOP_SET_STATUS64 on struct loop_info64 (lo_sizelimit at byte 32).
const setLoopLimit = `
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDWR)
info = bytearray(232)
fcntl.ioctl(fd, 0x4C05, info)
struct.pack_into('=Q', info, 32, int(sys.argv[2]))
fcntl.ioctl(fd, 0x4C04, bytes(info))
os.close(fd)
`;

function loopLimit(bytes: number): void {
  execFileSync('python3', ['-c', setLoopLimit, loopDevice!, String(bytes)]);
}

afterAll(async () => {
  await server?.stop();
  if (loopDevice) loopLimit(0);
  if (mounted) execFileSync('umount', [mountDir]);
  if (loopDevice) execFileSync('losetup', ['-d', loopDevice]);
  rmSync(workDir, { recursive: true, force: true });
});

function mountLoopFs(): void {
  if (process.getuid?.() !== 0)
    throw new Error(
      'disk-fault.test.ts needs root: it makes an ext4 filesystem on a loop device and changes the device size (sudo npx vitest run test/storage/disk-fault.test.ts).',
    );
  execFileSync('truncate', ['-s', String(imageBytes), image]);
  // No blocks reserved for root: full must mean full for the server too.
  execFileSync('mkfs.ext4', ['-q', '-F', '-m', '0', '-O', '^has_journal', image]);
  loopDevice = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
  mkdirSync(mountDir);
  execFileSync('mount', ['-o', 'errors=continue', loopDevice, mountDir]);
  mounted = true;
  // ext4 keeps 2% of a small filesystem for its own use, and a sparse log file's writes may
  // draw on it after ordinary writes get ENOSPC: with it, "full" would not be full.
  writeFileSync(`/sys/fs/ext4/${basename(loopDevice)}/reserved_clusters`, '0');
}

async function startServer(port: number, metricsPort: number): Promise<ServerHandle> {
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
      'metricsProvider.httpHost=127.0.0.1',
      `metricsProvider.httpPort=${metricsPort}`,
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

async function diskFaultGauge(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('disk_fault '));
  if (!line) throw new Error('/metrics has no disk_fault sample');
  return Number(line.slice('disk_fault '.length));
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + recoverWithinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${recoverWithinMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

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

describe('disk faults (EIO from the block device, ENOSPC from the filesystem)', () => {
  it('refuses writes with an error reply, keeps reads, sets disk_fault, resumes and clears it, loses nothing', async () => {
    mountLoopFs();
    mkdirSync(dataDir);
    const port = await freePort();
    const metricsPort = await freePort();
    server = await startServer(port, metricsPort);
    const c = await ZkClient.connect(`127.0.0.1:${port}`, { reconnect: false });
    const acked = new Set<string>();
    let n = 0;
    const writeSome = async (count: number): Promise<Reply[]> => {
      const paths = Array.from({ length: count }, () => `/n${n++}`);
      const replies = await Promise.all(
        paths.map((p) => answered(`create ${p}`, c.create(p, payload))),
      );
      replies.forEach((r, i) => {
        if (r.header.err === ErrorCode.ok) acked.add(paths[i]!);
      });
      return replies;
    };
    const expectRefusedButReadable = async (what: string): Promise<void> => {
      const refused = await writeSome(8);
      for (const r of refused) {
        expect(r.header.err, `${what}: a write must be refused`).not.toBe(ErrorCode.ok);
        expect(r.header.err, `${what}: refused with a reply`).not.toBe(ErrorCode.connectionLoss);
      }
      for (const p of [...acked].slice(0, 20)) {
        const r = await answered(`getData ${p}`, c.getData(p));
        expect(r.header.err, `${what}: read ${p}`).toBe(ErrorCode.ok);
      }
      await eventually(
        `${what}: disk_fault = 1`,
        async () => (await diskFaultGauge(metricsPort)) === 1,
      );
    };
    const expectResumes = async (what: string): Promise<void> => {
      await eventually(
        `${what}: a write is acknowledged again`,
        async () => (await writeSome(1))[0]!.header.err === ErrorCode.ok,
      );
      expect(await diskFaultGauge(metricsPort), `${what}: disk_fault after recovery`).toBe(0);
      for (const r of await writeSome(20)) expect(r.header.err).toBe(ErrorCode.ok);
    };

    for (const r of await writeSome(200)) expect(r.header.err).toBe(ErrorCode.ok);
    expect(await diskFaultGauge(metricsPort)).toBe(0);

    // EIO: the device shrinks under the filesystem.
    loopLimit(1024 * 1024);
    await expectRefusedButReadable('EIO');
    expect(readFileSync(logFile, 'utf8'), 'a server log line names EIO').toMatch(/EIO/);
    loopLimit(0);
    await expectResumes('EIO');

    // ENOSPC: a filler file takes the free space. The log may still have preallocated room,
    // and a failed write may give some back, so top the filler up until writes are refused.
    const topUp = (): void => {
      // Big writes, then page by page: ext4 refuses a large buffered write while small
      // ones still fit.
      for (const chunk of [imageBytes, 4096]) {
        for (;;) {
          try {
            appendFileSync(fillerFile, Buffer.alloc(chunk, 1));
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
            break;
          }
        }
      }
    };
    for (let round = 0; ; round++) {
      expect(round, 'the filesystem never filled up').toBeLessThan(20);
      topUp();
      const replies = await writeSome(8);
      if (replies.every((r) => r.header.err !== ErrorCode.ok)) break;
    }
    topUp();
    await expectRefusedButReadable('ENOSPC');
    expect(readFileSync(logFile, 'utf8'), 'a server log line names ENOSPC').toMatch(/ENOSPC/);
    rmSync(fillerFile);
    await expectResumes('ENOSPC');
    await c.close();

    await server.kill();
    server = await startServer(port, metricsPort);
    const lost = await lostOf(port, acked);
    console.log(
      `disk faults (EIO, ENOSPC): ${acked.size} acknowledged writes, ${lost.length} lost`,
    );
    expect(lost).toEqual([]);
    expect(await diskFaultGauge(metricsPort)).toBe(0);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LoggedTxn, StatPersisted } from '../../src/node/proto/types.js';
import { loadEpochs } from '../../src/node/storage/epoch-files.js';
import { DiskFaultError, StorageCorruptionError } from '../../src/node/storage/errors.js';
import type { RecoveryTarget } from '../../src/node/storage/recovery.js';
import type { DecodedSnapshot } from '../../src/node/storage/snapshot-format.js';
import type { SnapshotData, SnapshotNode } from '../../src/node/storage/snapshot-types.js';
import { openStorage, type SnapshotSource } from '../../src/node/storage/storage.js';
import { scanLogFile, truncateLogFile } from '../../src/node/storage/txn-log-file.js';
import { setDataTxn, testCodec } from './test-codec.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'zkts-storage-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const stat0: StatPersisted = {
  czxid: 0n,
  mzxid: 0n,
  ctime: 0,
  mtime: 0,
  version: 0,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  pzxid: 0n,
};

/** A flat stand-in tree: children of the root only, setData creates or updates. */
class MiniTree implements RecoveryTarget, SnapshotSource {
  nodes = new Map<string, SnapshotNode>([
    ['', { path: '', data: Buffer.alloc(0), aclIndex: -1n, stat: stat0 }],
  ]);
  last = 0n;
  applied: bigint[] = [];
  loadSnapshot(s: DecodedSnapshot, zxid: bigint): void {
    this.nodes = new Map(s.nodes.map((n) => [n.path, n]));
    this.last = zxid;
  }
  apply(t: LoggedTxn): void {
    if (t.txn.type !== 5) throw new Error('setData only');
    const { path, data, version } = t.txn;
    this.nodes.set(path, {
      path,
      data,
      aclIndex: -1n,
      stat: { ...stat0, mzxid: t.header.zxid, version },
    });
    this.applied.push(t.header.zxid);
    if (t.header.zxid > this.last) this.last = t.header.zxid;
  }
  lastProcessedZxid(): bigint {
    return this.last;
  }
  exportSnapshot(): SnapshotData {
    return { sessions: new Map([[0x100n, 30000]]), acls: new Map(), nodes: this.nodes.values() };
  }
}

const txn = (z: number) =>
  setDataTxn(BigInt(z), `/k${z % 7}`, Buffer.alloc(50 + (z % 13), z & 0xff), z);

async function writeLog(dataDir: string, count: number, preAllocBytes = 64 * 1024) {
  const s = await openStorage({ dataDir, codec: testCodec, preAllocBytes, snapCount: 1_000_000 });
  await s.takeSnapshot(new MiniTree());
  const acks = await Promise.all(Array.from({ length: count }, (_, i) => s.append(txn(i + 1))));
  expect(acks.length).toBe(count);
  const stats = s.stats;
  await s.close();
  return stats;
}

describe('txn log on disk', () => {
  it('group commit: concurrent appends share fsyncs; every acknowledged txn is recovered', async () => {
    const dataDir = await tempDir();
    const stats = await writeLog(dataDir, 500);
    expect(stats.txnsWritten).toBe(500);
    expect(stats.fsyncCount).toBeLessThan(500);
    expect(stats.txnsPerFsync).toBeGreaterThan(1);
    const files = (await readdir(join(dataDir, 'version-2'))).sort();
    expect(files).toEqual(['log.1', 'snapshot.0']);
    // 16-byte header, then sparse preallocation in 64 KiB steps.
    expect((await stat(join(dataDir, 'version-2', 'log.1'))).size % (64 * 1024)).toBe(16);
    const s = await openStorage({ dataDir, codec: testCodec });
    const tree = new MiniTree();
    const r = await s.recover(tree);
    expect(r.lastZxid).toBe(500n);
    expect(r.txnsReplayed).toBe(500);
    expect(tree.applied).toEqual(Array.from({ length: 500 }, (_, i) => BigInt(i + 1)));
    await s.close();
  });

  it('rolls and snapshots in the background after about snapCount txns; restart replays only after the snapshot', async () => {
    const dataDir = await tempDir();
    const s = await openStorage({
      dataDir,
      codec: testCodec,
      preAllocBytes: 4096,
      snapCount: 20,
      random: () => 0.5,
    });
    const tree = new MiniTree();
    await s.recover(tree);
    await s.takeSnapshot(tree);
    expect(s.stats.lastSnapshotSynced).toBe(true);
    let started = 0;
    for (let z = 1; z <= 100; z++) {
      const t = txn(z);
      await s.append(t);
      tree.apply(t);
      if (s.maybeSnapshot(tree)) started++;
      if (z % 7 === 0) await s.snapshotDone();
    }
    await s.snapshotDone();
    expect(started).toBeGreaterThanOrEqual(3);
    // Background snapshots are not fsynced, as Apache's are not: the log holds their txns.
    expect(s.stats.lastSnapshotSynced).toBe(false);
    const names = await readdir(s.snapDir);
    await s.close();
    expect(names.filter((n) => n.startsWith('log.')).length).toBeGreaterThanOrEqual(4);
    const s2 = await openStorage({ dataDir, codec: testCodec });
    const t2 = new MiniTree();
    const r = await s2.recover(t2);
    expect(r.lastZxid).toBe(100n);
    expect(r.snapshotZxid).toBeGreaterThan(0n);
    expect(r.txnsReplayed).toBe(Number(100n - r.snapshotZxid!));
    expect([...t2.nodes.entries()].sort()).toEqual([...tree.nodes.entries()].sort());
    await s2.close();
  });

  it('torn tail at random offsets: recovery keeps exactly the whole entries and truncates the file', async () => {
    const src = await tempDir();
    await writeLog(src, 60, 0);
    const log = join(src, 'version-2', 'log.1');
    const full = await readFile(log);
    const ends = (await scanLogFile(log)).entries.map((e) => e.offset + 13 + e.payload.length);
    expect(ends.length).toBe(60);
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 40; i++) {
      const cut = 16 + Math.floor(rand() * (full.length - 16));
      const padded = i % 2 === 0; // half the cases leave preallocated zeros after the cut
      const dataDir = await tempDir();
      await writeLog(dataDir, 0);
      const target = join(dataDir, 'version-2', 'log.1');
      await writeFile(
        target,
        padded ? Buffer.concat([full.subarray(0, cut), Buffer.alloc(8192)]) : full.subarray(0, cut),
      );
      const whole = ends.filter((e) => e <= cut).length;
      const s = await openStorage({ dataDir, codec: testCodec });
      const tree = new MiniTree();
      const r = await s.recover(tree);
      expect(r.txnsReplayed).toBe(whole);
      expect(tree.applied).toEqual(Array.from({ length: whole }, (_, k) => BigInt(k + 1)));
      const lastGood = whole === 0 ? 16 : ends[whole - 1]!;
      if (cut !== lastGood) expect((await stat(target)).size).toBe(lastGood);
      // Writing continues after the repaired tail and survives another restart.
      await s.append(txn(whole + 1));
      await s.close();
      const s2 = await openStorage({ dataDir, codec: testCodec });
      const r2 = await s2.recover(new MiniTree());
      expect(r2.lastZxid).toBe(BigInt(whole + 1));
      await s2.close();
    }
  });

  it('a log file cut inside its header (crash right after creating it) is removed and writing goes on', async () => {
    const dataDir = await tempDir();
    await writeLog(dataDir, 5, 0);
    const v2 = join(dataDir, 'version-2');
    const header = (await readFile(join(v2, 'log.1'))).subarray(0, 16);
    await writeFile(join(v2, 'log.6'), header.subarray(0, 7));
    const s = await openStorage({ dataDir, codec: testCodec });
    const r = await s.recover(new MiniTree());
    expect(r.lastZxid).toBe(5n);
    expect(r.truncated.map((t) => t.offset)).toEqual([0]);
    expect((await readdir(v2)).sort()).toEqual(['log.1', 'snapshot.0']);
    await s.append(txn(6));
    await s.close();
    const s2 = await openStorage({ dataDir, codec: testCodec });
    expect((await s2.recover(new MiniTree())).lastZxid).toBe(6n);
    await s2.close();
  });

  it('a flipped byte mid-log stops recovery with the file, offset and the truncate command', async () => {
    const dataDir = await tempDir();
    await writeLog(dataDir, 30, 0);
    const log = join(dataDir, 'version-2', 'log.1');
    const entries = (await scanLogFile(log)).entries;
    const victim = entries[10]!;
    const bytes = await readFile(log);
    bytes[victim.offset + 20]! ^= 0x40;
    await writeFile(log, bytes);
    const s = await openStorage({ dataDir, codec: testCodec });
    const err = await s.recover(new MiniTree()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StorageCorruptionError);
    const ce = err as StorageCorruptionError;
    expect(ce.file).toBe(log);
    expect(ce.offset).toBe(victim.offset);
    expect(ce.message).toContain(`zkts txnlog truncate ${log} --offset ${victim.offset}`);
    expect(ce.message).toContain('CRC');
    await s.close();
    // Following the advice keeps the 10 entries before the damage.
    await truncateLogFile(log, ce.offset);
    const s2 = await openStorage({ dataDir, codec: testCodec });
    const r = await s2.recover(new MiniTree());
    expect(r.txnsReplayed).toBe(10);
    await s2.close();
  });

  it('a snapshot with a bad seal falls back to the older one', async () => {
    const dataDir = await tempDir();
    const s = await openStorage({ dataDir, codec: testCodec, preAllocBytes: 0 });
    const tree = new MiniTree();
    await s.takeSnapshot(tree);
    for (let z = 1; z <= 10; z++) {
      await s.append(txn(z));
      tree.apply(txn(z));
    }
    const newest = await s.takeSnapshot(tree);
    await s.close();
    const b = await readFile(newest);
    b[30]! ^= 1;
    await writeFile(newest, b);
    const s2 = await openStorage({ dataDir, codec: testCodec });
    const t2 = new MiniTree();
    const r = await s2.recover(t2);
    expect(r.snapshotZxid).toBe(0n);
    expect(r.lastZxid).toBe(10n);
    expect([...t2.nodes.entries()].sort()).toEqual([...tree.nodes.entries()].sort());
    await s2.close();
  });

  it('writes currentEpoch/acceptedEpoch atomically as decimal text', async () => {
    const dataDir = await tempDir();
    const s = await openStorage({ dataDir, codec: testCodec });
    expect(await s.readCurrentEpoch()).toBeNull();
    await s.writeCurrentEpoch(5n);
    await s.writeAcceptedEpoch(6n);
    expect(await readFile(join(dataDir, 'version-2', 'currentEpoch'), 'utf8')).toBe('5');
    expect(await s.readAcceptedEpoch()).toBe(6n);
    await s.close();
  });

  it('applies the startup epoch rules', async () => {
    const dir = join(await tempDir(), 'version-2');
    await mkdir(dir);
    // Missing files are created from the last zxid's epoch.
    expect(await loadEpochs(dir, 0x300000005n)).toEqual({ currentEpoch: 3n, acceptedEpoch: 3n });
    expect(await readFile(join(dir, 'acceptedEpoch'), 'utf8')).toBe('3');
    // A newer zxid epoch than currentEpoch is fatal unless currentEpoch.tmp holds it.
    await expect(loadEpochs(dir, 0x400000001n)).rejects.toThrow(
      /older than the last zxid's epoch 4/,
    );
    await writeFile(join(dir, 'currentEpoch.tmp'), '4');
    await writeFile(join(dir, 'acceptedEpoch'), '4');
    expect(await loadEpochs(dir, 0x400000001n)).toEqual({ currentEpoch: 4n, acceptedEpoch: 4n });
    await writeFile(join(dir, 'acceptedEpoch'), '2');
    await expect(loadEpochs(dir, 0x400000001n)).rejects.toThrow(/accepted epoch 2 is less/);
  });
});

const isRoot = process.getuid?.() === 0;

describe('disk full (needs root to mount a 2 MiB tmpfs)', () => {
  it('refuses writes with DiskFaultError, keeps every acknowledged txn, resumes when space returns', async () => {
    if (!isRoot)
      throw new Error(
        'this test needs root: it mounts a 2 MiB tmpfs (run the integration tests as root)',
      );
    const mnt = await tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
    try {
      const s = await openStorage({ dataDir: mnt, codec: testCodec, preAllocBytes: 64 * 1024 });
      const tree = new MiniTree();
      await s.recover(tree);
      await s.takeSnapshot(tree);
      // Leave about 256 KiB free.
      const filler = join(mnt, 'filler');
      await writeFile(filler, Buffer.alloc(2 * 1024 * 1024 - 256 * 1024 - 8192)).catch(
        () => undefined,
      );
      const acked: bigint[] = [];
      let fault: unknown = null;
      let z = 0;
      while (fault === null && z < 100_000) {
        const batch = Array.from({ length: 20 }, () => txn(++z));
        const results = await Promise.allSettled(batch.map((t) => s.append(t)));
        results.forEach((res, i) => {
          if (res.status === 'fulfilled') acked.push(batch[i]!.header.zxid);
          else fault = res.reason;
        });
      }
      expect(fault).toBeInstanceOf(DiskFaultError);
      expect((fault as DiskFaultError).code).toBe('ENOSPC');
      expect(s.failed).toBe(true);
      expect(s.stats.diskFaults).toBe(1);
      await expect(s.append(txn(++z))).rejects.toBeInstanceOf(DiskFaultError);
      expect(await s.retry()).toBe(false);
      // Space returns.
      await rm(filler);
      expect(await s.retry()).toBe(true);
      const after = ++z;
      await s.append(txn(after));
      acked.push(BigInt(after));
      await s.close();
      const s2 = await openStorage({ dataDir: mnt, codec: testCodec });
      const t2 = new MiniTree();
      const r = await s2.recover(t2);
      for (const a of acked) expect(t2.applied).toContain(a);
      expect(r.lastZxid).toBe(BigInt(after));
      await s2.close();
      console.log(`disk full: ${acked.length} acknowledged txns, 0 lost`);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});

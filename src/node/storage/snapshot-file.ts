/**
 * Snapshot files (persistence.md §3): background fuzzy writer, reader with the tail check
 * and .gz support, and the newest-valid-first search that restore uses.
 */
import { open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip, gunzipSync } from 'node:zlib';
import { errnoCode, fsyncDir, writeFully } from './fs-util.js';
import { snapshotFileName, SNAPSHOT_PREFIX, zxidFromName, type NamedFile } from './file-names.js';
import {
  decodeSnapshot,
  decodeSnapshotForLoad,
  encodeSnapshotChunks,
  hasValidTail,
  type DecodedSnapshot,
  type LoadableSnapshot,
} from './snapshot-format.js';
import { scanSnapshotFile } from './snapshot-scan.js';
import type { SnapshotData, SnapshotTail } from './snapshot-types.js';

export interface WriteSnapshotOptions {
  /** Bytes per chunk; the writer yields to the event loop after each. */
  chunkBytes?: number;
  compression?: 'gz' | null;
  fsync?: boolean;
}

/**
 * Writes snapshot.<zxid> in dir. zxid must be the tree's lastProcessedZxid read before this
 * call; nodes are walked lazily between awaits, so writes continue while it runs (fuzzy).
 * Returns the file path.
 */
export async function writeSnapshotFile(
  dir: string,
  zxid: bigint,
  data: SnapshotData,
  tail: () => SnapshotTail,
  opts: WriteSnapshotOptions = {},
): Promise<string> {
  const suffix = opts.compression === 'gz' ? '.gz' : '';
  const path = join(dir, snapshotFileName(zxid, suffix));
  const fh = await open(path, 'w');
  let ok = false;
  try {
    let pos = 0;
    const write = async (b: Buffer) => {
      await writeFully(fh, b, pos);
      pos += b.length;
    };
    const chunks = encodeSnapshotChunks(data, tail, opts.chunkBytes);
    if (opts.compression === 'gz') {
      const gz = createGzip();
      const out: Buffer[] = [];
      gz.on('data', (b: Buffer) => out.push(b));
      const drainOut = async () => {
        while (out.length > 0) await write(out.shift()!);
      };
      for (const chunk of chunks) {
        await new Promise<void>((r) => gz.write(chunk, () => r()));
        await drainOut();
      }
      await new Promise<void>((r) => gz.end(() => r()));
      await new Promise<void>((r) => (gz.readableEnded ? r() : gz.once('end', () => r())));
      await drainOut();
    } else {
      for (const chunk of chunks) {
        await write(chunk);
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    if (opts.fsync !== false) await fh.sync();
    ok = true;
  } finally {
    await fh.close();
    if (!ok) await unlink(path).catch(() => undefined);
  }
  if (opts.fsync !== false) await fsyncDir(dir);
  return path;
}

async function readImage(path: string): Promise<Buffer> {
  let buf = await readFile(path);
  if (path.endsWith('.gz')) buf = gunzipSync(buf);
  else if (path.endsWith('.snappy')) throw new Error(`${path}: snappy snapshots are not supported`);
  if (!hasValidTail(buf))
    throw new Error(`${path}: incomplete snapshot (does not end with the "/" seal marker)`);
  return buf;
}

/** Reads a snapshot file (plain or .gz by suffix); throws on a bad tail, magic or seal. */
export async function readSnapshotFile(path: string): Promise<DecodedSnapshot> {
  return decodeSnapshot(await readImage(path));
}

/**
 * Reads a snapshot file for loading into a tree: checked like readSnapshotFile, with the node
 * records left encoded for DataTree.fromSnapshot (no object per node).
 */
export async function readSnapshotFileForLoad(path: string): Promise<LoadableSnapshot> {
  if (path.endsWith('.gz') || path.endsWith('.snappy'))
    return decodeSnapshotForLoad(await readImage(path));
  if (!(await isValidSnapshotFile(path)))
    throw new Error(`${path}: incomplete snapshot (does not end with the "/" seal marker)`);
  return scanSnapshotFile(path);
}

/** Cheap pre-check (FileSnap.isValidSnapshot): size and the last 5 bytes, or the gzip magic. */
export async function isValidSnapshotFile(path: string): Promise<boolean> {
  try {
    if (path.endsWith('.gz')) {
      const fh = await open(path, 'r');
      try {
        const b = Buffer.alloc(2);
        const { bytesRead } = await fh.read(b, 0, 2, 0);
        return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
      } finally {
        await fh.close();
      }
    }
    if (path.endsWith('.snappy')) return false;
    const st = await stat(path);
    if (st.size < 10) return false;
    const fh = await open(path, 'r');
    try {
      const b = Buffer.alloc(5);
      await fh.read(b, 0, 5, st.size - 5);
      return hasValidTail(Buffer.concat([Buffer.alloc(5), b]));
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** snapshot.* files in dir, newest first (name zxid descending), parseable names only. */
export async function listSnapshots(dir: string): Promise<NamedFile[]> {
  const names = await readdir(dir).catch((e: unknown) => {
    if (errnoCode(e) === 'ENOENT') return [] as string[];
    throw e;
  });
  return names
    .filter((n) => n.startsWith(`${SNAPSHOT_PREFIX}.`))
    .map((name) => ({ name, zxid: zxidFromName(name, SNAPSHOT_PREFIX) }))
    .filter((f) => f.zxid >= 0n)
    .sort((a, b) => (a.zxid > b.zxid ? -1 : a.zxid < b.zxid ? 1 : 0));
}

/** The newest n snapshots that pass the tail check (FileTxnSnapLog.findNValidSnapshots). */
export async function findValidSnapshots(dir: string, n: number): Promise<NamedFile[]> {
  const out: NamedFile[] = [];
  for (const f of await listSnapshots(dir)) {
    if (out.length >= n) break;
    if (await isValidSnapshotFile(join(dir, f.name))) out.push(f);
  }
  return out;
}

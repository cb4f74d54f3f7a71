/**
 * Startup restore (persistence.md §5): newest valid snapshot, then every logged txn after
 * it. A torn last entry (a crash mid-write; never acknowledged) is cut off with a warning;
 * damage with whole entries behind it stops startup with StorageCorruptionError.
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoggedTxn } from '../proto/types.js';
import { StorageCorruptionError } from './errors.js';
import { logsAfter } from './file-names.js';
import type { StorageLogger } from './logger.js';
import type { LoadableSnapshot } from './snapshot-format.js';
import { findValidSnapshots, readSnapshotFileForLoad } from './snapshot-file.js';
import { peekTxnZxid } from '../proto/txn-codec.js';
import { LogReadAhead } from './log-read-ahead.js';
import { listLogs, MAX_ENTRY_PAYLOAD_BYTES, truncateLogFile } from './txn-log-file.js';
import { scanLog, TXNLOG_HEADER_BYTES } from './txn-log-format.js';

/** Apache considers at most this many snapshot candidates. */
export const MAX_SNAPSHOT_CANDIDATES = 100;
/** Log files read ahead of replay (each up to 64 MiB preallocated, held until replayed). */
const LOG_READ_AHEAD_FILES = 2;

export interface RecoveryTarget {
  /**
   * Replace the tree with this snapshot (DataTree.fromSnapshot, which reads `s.raw`). Not
   * called when there is none. Throwing makes recovery try an older snapshot.
   */
  loadSnapshot(s: LoadableSnapshot, zxid: bigint): void;
  /** Apply one logged txn (tree.apply). */
  apply(t: LoggedTxn): void;
}

export interface RecoverOptions {
  snapDir: string;
  logDir: string;
  decode: (payload: Buffer) => LoggedTxn;
  logger: StorageLogger;
  /** zookeeper.snapshot.trust.empty: replay logs onto an empty tree when no snapshot exists. */
  trustEmptySnapshot?: boolean;
  maxPayloadBytes?: number;
}

export interface RecoverResult {
  /** The zxid of the last txn restored (snapshot zxid when the log adds none); 0 when empty. */
  lastZxid: bigint;
  snapshotZxid: bigint | null;
  snapshotFile: string | null;
  txnsReplayed: number;
  logFiles: string[];
  /** Torn tails cut off during recovery. */
  truncated: { file: string; offset: number; reason: string }[];
  /** No snapshot existed: the caller should write snapshot.0 (or one at lastZxid) now. */
  needsSnapshot: boolean;
}

export async function recover(
  target: RecoveryTarget,
  opts: RecoverOptions,
): Promise<RecoverResult> {
  const { logger } = opts;
  const maxPayload = opts.maxPayloadBytes ?? MAX_ENTRY_PAYLOAD_BYTES;
  const candidates = await findValidSnapshots(opts.snapDir, MAX_SNAPSHOT_CANDIDATES);
  const logs = await listLogs(opts.logDir);
  // The newest snapshot is nearly always the one loaded: read its logs while it loads.
  const readAhead = new LogReadAhead(
    logsAfter(logs, candidates[0]?.zxid ?? 0n).map((f) => join(opts.logDir, f.name)),
    LOG_READ_AHEAD_FILES,
  );
  let snapshotZxid: bigint | null = null;
  let snapshotFile: string | null = null;
  for (const c of candidates) {
    const path = join(opts.snapDir, c.name);
    try {
      const s = await readSnapshotFileForLoad(path);
      s.zxid = c.zxid;
      target.loadSnapshot(s, c.zxid);
      snapshotZxid = c.zxid;
      snapshotFile = path;
      break;
    } catch (err) {
      logger.warn(
        { file: path, err: String(err) },
        'problem reading snapshot; trying an older one',
      );
    }
  }
  if (candidates.length > 0 && snapshotZxid === null)
    throw new StorageCorruptionError(
      opts.snapDir,
      0,
      `not able to find a valid snapshot among ${candidates.length} candidates`,
      'Move the damaged snapshot files away (an older valid snapshot plus the logs after it, or an empty dataDir, will be used).',
    );
  if (snapshotZxid === null && logs.length > 0 && !opts.trustEmptySnapshot)
    throw new StorageCorruptionError(
      opts.snapDir,
      0,
      `no valid snapshot but ${logs.length} txn log file(s) exist`,
      'Restore the snapshot files, or set zookeeper.snapshot.trust.empty=true to rebuild the tree from the logs alone.',
    );

  const base = snapshotZxid ?? 0n;
  if (base !== (candidates[0]?.zxid ?? 0n)) readAhead.drop();
  let lastZxid = base;
  let txnsReplayed = 0;
  const truncated: RecoverResult['truncated'] = [];
  const files = logsAfter(logs, base);
  for (const f of files) {
    const path = join(opts.logDir, f.name);
    const scan = scanLog(await readAhead.take(path), maxPayload);
    for (const e of scan.entries) {
      // Txns the snapshot holds are skipped undecoded: the first log usually has many.
      const peeked = peekTxnZxid(e.payload);
      if (peeked !== null && peeked <= base) continue;
      let t: LoggedTxn;
      try {
        t = opts.decode(e.payload);
      } catch (err) {
        throw new StorageCorruptionError(
          path,
          e.offset,
          `entry passes its checksum but does not decode (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      const zxid = t.header.zxid;
      if (zxid <= base) continue;
      if (zxid <= lastZxid && txnsReplayed > 0)
        logger.warn(
          { file: path, zxid: `0x${zxid.toString(16)}`, after: `0x${lastZxid.toString(16)}` },
          'out of order zxid in txn log',
        );
      target.apply(t);
      txnsReplayed++;
      if (zxid > lastZxid) lastZxid = zxid;
    }
    const end = scan.end;
    if (end.kind === 'corrupt' || end.kind === 'bad-header') {
      throw new StorageCorruptionError(
        path,
        end.offset,
        end.reason,
        end.kind === 'bad-header'
          ? `This is not a txn log file. Move it out of ${opts.logDir} (txns in it are lost) and start again.`
          : undefined,
      );
    }
    if (end.kind === 'torn') {
      logger.warn(
        { file: path, offset: end.offset, reason: end.reason },
        `txn log ${path} ends with a partial entry at offset ${end.offset} (${end.reason}); it was never acknowledged, truncating the file there (removing it when not even its header is whole)`,
      );
      if (end.offset < TXNLOG_HEADER_BYTES) await unlink(path);
      else await truncateLogFile(path, end.offset);
      truncated.push({ file: path, offset: end.offset, reason: end.reason });
    }
  }
  logger.info(
    {
      snapshot: snapshotFile,
      snapshotZxid: snapshotZxid === null ? null : `0x${snapshotZxid.toString(16)}`,
      txnsReplayed,
      lastZxid: `0x${lastZxid.toString(16)}`,
    },
    'storage recovered',
  );
  return {
    lastZxid,
    snapshotZxid,
    snapshotFile,
    txnsReplayed,
    logFiles: files.map((f) => join(opts.logDir, f.name)),
    truncated,
    needsSnapshot: snapshotZxid === null,
  };
}

/**
 * The storage facade the server wires in: recover at start, append each txn (resolves once
 * durable), snapshot in the background every ~snapCount txns, epoch files, fault state.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { limits } from '../../shared/limits.js';
import type { LoggedTxn } from '../proto/types.js';
import {
  ACCEPTED_EPOCH_FILE,
  CURRENT_EPOCH_FILE,
  readEpochFile,
  writeEpochFile,
} from './epoch-files.js';
import { StorageCorruptionError, type DiskFaultError } from './errors.js';
import { LOG_PREFIX, SNAPSHOT_PREFIX, VERSION_DIR } from './file-names.js';
import { silentLogger, type StorageLogger } from './logger.js';
import { recover, type RecoverResult, type RecoveryTarget } from './recovery.js';
import { writeSnapshotFile } from './snapshot-file.js';
import type { SnapshotData, ZxidDigest } from './snapshot-types.js';
import { knownTxnPayload } from '../proto/txn-codec.js';
import { defaultTxnCodec, loadTxnCodec, type TxnCodec } from './txn-codec-loader.js';
import { TxnLog, type TxnLogStats } from './txn-log.js';

export interface StorageOptions {
  dataDir: string;
  /** Defaults to dataDir. */
  dataLogDir?: string;
  snapCount?: number;
  /** zookeeper.snapSizeLimitInKb in bytes (default 4 GiB; 0 or less disables). */
  snapSizeLimitBytes?: number;
  preAllocBytes?: number;
  forceSync?: boolean;
  logger?: StorageLogger;
  /** Payload codec; defaults to proto/txn-codec.ts. */
  codec?: TxnCodec;
  /** Source of randomness for the snapshot trigger (defaults to Math.random). */
  random?: () => number;
  snapshotCompression?: 'gz' | null;
  trustEmptySnapshot?: boolean;
  onFsync?: (durationMs: number, txns: number) => void;
  /** Called when the txn log enters (a DiskFaultError) or leaves (null) the failed state. */
  onFault?: (err: DiskFaultError | null) => void;
}

/** What a snapshot is taken from: the tree (DataTree satisfies this). */
export interface SnapshotSource {
  /** Read before serialization starts; names the file. */
  lastProcessedZxid(): bigint;
  exportSnapshot(): SnapshotData;
  /** The last applied txn's zxid and tree digest, read after the node walk. */
  zxidDigest?(): ZxidDigest | null;
}

export interface StorageStats extends TxnLogStats {
  snapshotsTaken: number;
  snapshotInProgress: boolean;
  lastSnapshotFile: string | null;
  lastSnapshotMs: number;
  /** Whether the last snapshot written was fsynced (only takeSnapshot's are). */
  lastSnapshotSynced: boolean;
  txnsSinceRoll: number;
}

export interface Storage {
  readonly snapDir: string;
  readonly logDir: string;
  recover(target: RecoveryTarget): Promise<RecoverResult>;
  append(t: LoggedTxn): Promise<void>;
  /**
   * Starts a background snapshot when the randomised snapCount is reached; true if started.
   * Like Apache's (ZooKeeperServer.takeSnapshot(false)) it is not fsynced: the txn log holds
   * every txn in it, and recovery falls back to an older snapshot when one does not verify.
   */
  maybeSnapshot(source: SnapshotSource): boolean;
  /**
   * Rolls the log and writes a snapshot now, fsynced (startup, a learner's SNAP sync, whose
   * txns are in no local log; tests); resolves with its path.
   */
  takeSnapshot(source: SnapshotSource): Promise<string>;
  /** Resolves when a running background snapshot has finished. */
  snapshotDone(): Promise<void>;
  /** After a DiskFaultError: probe the disk, resume if writable. */
  retry(): Promise<boolean>;
  readonly failed: boolean;
  readonly stats: StorageStats;
  readCurrentEpoch(): Promise<bigint | null>;
  writeCurrentEpoch(epoch: bigint): Promise<void>;
  readAcceptedEpoch(): Promise<bigint | null>;
  writeAcceptedEpoch(epoch: bigint): Promise<void>;
  close(): Promise<void>;
}

async function mustNotContain(dir: string, prefix: string, what: string): Promise<void> {
  const names = await readdir(dir);
  const bad = names.find((n) => n.startsWith(`${prefix}.`));
  if (bad)
    throw new StorageCorruptionError(
      join(dir, bad),
      0,
      `${what} directory contains ${prefix} files`,
      'dataDir and dataLogDir are different: move log.* files to dataLogDir/version-2 and snapshot.* files to dataDir/version-2.',
    );
}

export async function openStorage(opts: StorageOptions): Promise<Storage> {
  const logger = opts.logger ?? silentLogger;
  const snapDir = join(opts.dataDir, VERSION_DIR);
  const logDir = join(opts.dataLogDir ?? opts.dataDir, VERSION_DIR);
  await mkdir(snapDir, { recursive: true });
  await mkdir(logDir, { recursive: true });
  if (snapDir !== logDir) {
    await mustNotContain(snapDir, LOG_PREFIX, 'snapshot');
    await mustNotContain(logDir, SNAPSHOT_PREFIX, 'txn log');
  }
  const codec = opts.codec ?? (await loadTxnCodec());
  const snapCount = Math.max(2, opts.snapCount ?? limits.snapCount);
  const snapSizeLimit = opts.snapSizeLimitBytes ?? 4 * 1024 * 1024 * 1024;
  const random = opts.random ?? Math.random;
  const log = new TxnLog({
    dir: logDir,
    preAllocBytes: opts.preAllocBytes ?? limits.txnLogPreallocBytes,
    forceSync: opts.forceSync ?? true,
    logger,
    onFsync: opts.onFsync,
    onFault: opts.onFault,
  });

  // SyncRequestProcessor: snapshot after snapCount/2 + rand[0, snapCount/2) txns (or bytes likewise).
  const half = Math.floor(snapCount / 2);
  let randRoll = 0;
  let randSize = 0;
  const reseed = () => {
    randRoll = Math.floor(random() * half);
    randSize = snapSizeLimit > 0 ? Math.floor(random() * (snapSizeLimit / 2)) : 0;
  };
  reseed();
  let txnsSinceRoll = 0;
  let bytesSinceRoll = 0;
  let snapshotting: Promise<string> | null = null;
  let snapshotsTaken = 0;
  let lastSnapshotFile: string | null = null;
  let lastSnapshotMs = 0;
  let lastSnapshotSynced = false;

  const snapshotNow = (source: SnapshotSource, fsync: boolean): Promise<string> => {
    log.roll();
    txnsSinceRoll = 0;
    bytesSinceRoll = 0;
    reseed();
    const zxid = source.lastProcessedZxid();
    const started = performance.now();
    const p = writeSnapshotFile(
      snapDir,
      zxid,
      source.exportSnapshot(),
      () => ({
        zxidDigest: source.zxidDigest?.() ?? null,
        lastProcessedZxid: source.lastProcessedZxid(),
      }),
      { compression: opts.snapshotCompression ?? null, fsync },
    ).then((path) => {
      snapshotsTaken++;
      lastSnapshotFile = path;
      lastSnapshotSynced = fsync;
      lastSnapshotMs = performance.now() - started;
      logger.info({ file: path, ms: Math.round(lastSnapshotMs) }, 'snapshot written');
      return path;
    });
    snapshotting = p;
    const clear = () => {
      if (snapshotting === p) snapshotting = null;
    };
    p.then(clear, clear);
    return p;
  };

  return {
    snapDir,
    logDir,
    recover: (target) =>
      recover(target, {
        snapDir,
        logDir,
        decode: codec.decode,
        logger,
        trustEmptySnapshot: opts.trustEmptySnapshot,
      }),
    append(t) {
      const known = codec === defaultTxnCodec ? knownTxnPayload(t) : undefined;
      const done =
        known !== undefined
          ? log.append(t.header.zxid, known)
          : codec.encodeInto !== undefined
            ? log.appendWith(t.header.zxid, codec.encodeInto, t)
            : log.append(t.header.zxid, codec.encode(t));
      txnsSinceRoll++;
      bytesSinceRoll += log.lastEntryBytes;
      return done;
    },
    maybeSnapshot(source) {
      const byCount = txnsSinceRoll > half + randRoll;
      const bySize = snapSizeLimit > 0 && bytesSinceRoll > snapSizeLimit / 2 + randSize;
      if (!byCount && !bySize) return false;
      if (snapshotting) {
        // Apache rolls anyway and skips the snapshot while one is still running.
        log.roll();
        txnsSinceRoll = 0;
        bytesSinceRoll = 0;
        reseed();
        logger.warn({}, 'too busy to snapshot, skipping');
        return false;
      }
      snapshotNow(source, false).catch((err: unknown) =>
        logger.error({ err: String(err) }, 'background snapshot failed'),
      );
      return true;
    },
    async takeSnapshot(source) {
      while (snapshotting) await snapshotting.catch(() => undefined);
      return snapshotNow(source, true);
    },
    async snapshotDone() {
      while (snapshotting) await snapshotting.catch(() => undefined);
    },
    retry: () => log.retry(),
    get failed() {
      return log.isFailed;
    },
    get stats() {
      return {
        ...log.stats,
        snapshotsTaken,
        snapshotInProgress: snapshotting !== null,
        lastSnapshotFile,
        lastSnapshotMs,
        lastSnapshotSynced,
        txnsSinceRoll,
      };
    },
    readCurrentEpoch: () => readEpochFile(snapDir, CURRENT_EPOCH_FILE),
    writeCurrentEpoch: (e) => writeEpochFile(snapDir, CURRENT_EPOCH_FILE, e),
    readAcceptedEpoch: () => readEpochFile(snapDir, ACCEPTED_EPOCH_FILE),
    writeAcceptedEpoch: (e) => writeEpochFile(snapDir, ACCEPTED_EPOCH_FILE, e),
    async close() {
      await log.close();
      while (snapshotting) await snapshotting.catch(() => undefined);
    },
  };
}

/**
 * Purging old snapshots and logs (persistence.md §7; PurgeTxnLog / DatadirCleanupManager).
 * selectPurge is pure; purgeDataDir does the deleting.
 */
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from './fs-util.js';
import { LOG_PREFIX, SNAPSHOT_PREFIX, zxidFromName } from './file-names.js';
import type { StorageLogger } from './logger.js';
import { findValidSnapshots } from './snapshot-file.js';

export const MIN_SNAP_RETAIN_COUNT = 3;

export interface PurgeSelection {
  /** The oldest retained snapshot's zxid; null when there is no valid snapshot (nothing is deleted). */
  retainFromZxid: bigint | null;
  snapshots: string[];
  logs: string[];
}

/**
 * Which files to delete, given the names in the snapshot and log dirs and the zxids of the
 * newest N valid snapshots (oldest of them = Z): every snapshot.* below Z, and every log.*
 * below Z except the newest log whose name-zxid ≤ Z (it may hold txns after Z).
 */
export function selectPurge(
  snapNames: readonly string[],
  logNames: readonly string[],
  retainedSnapshotZxids: readonly bigint[],
): PurgeSelection {
  if (retainedSnapshotZxids.length === 0) return { retainFromZxid: null, snapshots: [], logs: [] };
  let z = retainedSnapshotZxids[0]!;
  for (const x of retainedSnapshotZxids) if (x < z) z = x;
  const logs = logNames
    .map((name) => ({ name, zxid: zxidFromName(name, LOG_PREFIX) }))
    .filter((f) => f.zxid >= 0n);
  let keepLog: bigint | null = null;
  for (const l of logs) if (l.zxid <= z && (keepLog === null || l.zxid > keepLog)) keepLog = l.zxid;
  return {
    retainFromZxid: z,
    snapshots: snapNames.filter((n) => {
      const zx = zxidFromName(n, SNAPSHOT_PREFIX);
      return zx >= 0n && zx < z;
    }),
    logs: logs.filter((l) => l.zxid < z && l.zxid !== keepLog).map((l) => l.name),
  };
}

/** Clamp as Apache does: fewer than 3 becomes 3 (with a warning from the caller). */
export function effectiveRetainCount(n: number): number {
  return Number.isFinite(n) && n >= MIN_SNAP_RETAIN_COUNT ? Math.floor(n) : MIN_SNAP_RETAIN_COUNT;
}

export interface PurgeResult extends PurgeSelection {
  errors: string[];
}

/** Deletes what selectPurge picks in two version-2 dirs; returns what was removed. */
export async function purgeDataDir(
  snapDir: string,
  logDir: string,
  retainCount: number,
  logger?: StorageLogger,
): Promise<PurgeResult> {
  const list = async (d: string) =>
    readdir(d).catch((e: unknown) => {
      if (errnoCode(e) === 'ENOENT') return [] as string[];
      throw e;
    });
  const retained = await findValidSnapshots(snapDir, retainCount);
  const sel = selectPurge(
    await list(snapDir),
    await list(logDir),
    retained.map((f) => f.zxid),
  );
  const errors: string[] = [];
  const remove = async (dir: string, name: string) => {
    try {
      await unlink(join(dir, name));
      logger?.info({ file: join(dir, name) }, 'purged old file');
    } catch (err) {
      errors.push(`${join(dir, name)}: ${errnoCode(err)}`);
    }
  };
  for (const n of sel.snapshots) await remove(snapDir, n);
  for (const n of sel.logs) await remove(logDir, n);
  return { ...sel, errors };
}

/**
 * autopurge: purge now, then every intervalHours (0 = disabled). Returns a stop function.
 */
export function startAutoPurge(
  snapDir: string,
  logDir: string,
  snapRetainCount: number,
  purgeIntervalHours: number,
  logger: StorageLogger,
): () => void {
  if (!(purgeIntervalHours > 0)) {
    logger.info({}, 'autopurge disabled (autopurge.purgeInterval is 0)');
    return () => undefined;
  }
  const count = effectiveRetainCount(snapRetainCount);
  if (count !== snapRetainCount)
    logger.warn({ snapRetainCount, used: count }, 'autopurge.snapRetainCount below 3; using 3');
  const run = () => {
    purgeDataDir(snapDir, logDir, count, logger).catch((err: unknown) =>
      logger.error({ err: String(err) }, 'autopurge failed'),
    );
  };
  run();
  const timer = setInterval(run, purgeIntervalHours * 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * TRUNC from a leader (quorum-protocol.md §4.4): drop every logged txn after `zxid`, as
 * FileTxnSnapLog.truncateLog does: log files wholly after it are removed, the one holding it is
 * cut after its entry, and snapshots newer than it are removed so a restart cannot resurrect
 * the dropped txns. Runs while the storage is closed.
 */
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeTxnPayload } from '../proto/txn-codec.js';
import { SNAPSHOT_PREFIX, sortedByZxid } from './file-names.js';
import { fsyncDir } from './fs-util.js';
import { listLogs, scanLogFile, truncateLogFile } from './txn-log-file.js';

export interface TruncateResult {
  removedLogs: string[];
  cutLog: { file: string; offset: number } | null;
  removedSnapshots: string[];
}

export async function truncateLogAfter(
  dirs: { snapDir: string; logDir: string },
  zxid: bigint,
): Promise<TruncateResult> {
  const result: TruncateResult = { removedLogs: [], cutLog: null, removedSnapshots: [] };
  for (const f of await listLogs(dirs.logDir)) {
    const path = join(dirs.logDir, f.name);
    if (f.zxid > zxid) {
      await unlink(path);
      result.removedLogs.push(path);
      continue;
    }
    const scan = await scanLogFile(path);
    const cut = scan.entries.find((e) => decodeTxnPayload(e.payload).header.zxid > zxid);
    if (cut !== undefined) {
      await truncateLogFile(path, cut.offset);
      result.cutLog = { file: path, offset: cut.offset };
    }
  }
  const snaps = sortedByZxid(await readdir(dirs.snapDir), SNAPSHOT_PREFIX);
  for (const s of snaps) {
    if (s.zxid <= zxid) continue;
    const path = join(dirs.snapDir, s.name);
    await unlink(path);
    result.removedSnapshots.push(path);
  }
  await fsyncDir(dirs.logDir);
  if (dirs.snapDir !== dirs.logDir) await fsyncDir(dirs.snapDir);
  return result;
}

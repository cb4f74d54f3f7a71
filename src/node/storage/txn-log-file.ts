/** Reading and repairing whole log files on disk (recovery, dump and truncate tools). */
import { open, readdir } from 'node:fs/promises';
import { limits } from '../../shared/limits.js';
import { errnoCode, readWholeFile } from './fs-util.js';
import { LOG_PREFIX, sortedByZxid, type NamedFile } from './file-names.js';
import { scanLog, TXNLOG_HEADER_BYTES, type ScanResult } from './txn-log-format.js';

/** Largest payload a reader accepts (jute.maxbuffer + extrasize, as Apache's reader). */
export const MAX_ENTRY_PAYLOAD_BYTES = limits.juteMaxBufferBytes * 2;

export async function scanLogFile(
  path: string,
  maxPayloadBytes = MAX_ENTRY_PAYLOAD_BYTES,
): Promise<ScanResult> {
  return scanLog(await readWholeFile(path), maxPayloadBytes);
}

/** log.* files in dir, ascending by name zxid. */
export async function listLogs(dir: string): Promise<NamedFile[]> {
  const names = await readdir(dir).catch((e: unknown) => {
    if (errnoCode(e) === 'ENOENT') return [] as string[];
    throw e;
  });
  return sortedByZxid(names, LOG_PREFIX);
}

/**
 * Cuts a log file at offset (the start of the first bad entry) and fsyncs it. An offset
 * inside the header leaves an empty file with just a header, which readers accept.
 */
export async function truncateLogFile(path: string, offset: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.truncate(Math.max(offset, TXNLOG_HEADER_BYTES));
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** File names in version-2 dirs (persistence.md §1): prefix + "." + lowercase hex zxid. */

export const LOG_PREFIX = 'log';
export const SNAPSHOT_PREFIX = 'snapshot';
export const VERSION_DIR = 'version-2';

export function logFileName(zxid: bigint): string {
  return `${LOG_PREFIX}.${zxid.toString(16)}`;
}

export function snapshotFileName(zxid: bigint, suffix = ''): string {
  return `${SNAPSHOT_PREFIX}.${zxid.toString(16)}${suffix}`;
}

/**
 * The zxid in a file name with this prefix, or -1n when the name does not parse
 * (Apache's Util.getZxidFromName: the part after the first dot, up to any further dot).
 */
export function zxidFromName(name: string, prefix: string): bigint {
  const parts = name.split('.');
  if (parts.length < 2 || parts[0] !== prefix) return -1n;
  const hex = parts[1]!;
  if (!/^[0-9a-fA-F]{1,16}$/.test(hex)) return -1n;
  return BigInt.asIntN(64, BigInt(`0x${hex}`));
}

export interface NamedFile {
  name: string;
  zxid: bigint;
}

/** Files with this prefix and a parseable zxid, ascending by zxid. */
export function sortedByZxid(names: readonly string[], prefix: string): NamedFile[] {
  return names
    .map((name) => ({ name, zxid: zxidFromName(name, prefix) }))
    .filter((f) => f.zxid >= 0n)
    .sort((x, y) => (x.zxid < y.zxid ? -1 : x.zxid > y.zxid ? 1 : 0));
}

/**
 * Log files needed to replay everything after snapZxid: the newest whose name-zxid ≤ snapZxid
 * plus all newer (FileTxnLog.getLogFiles).
 */
export function logsAfter(logs: readonly NamedFile[], snapZxid: bigint): NamedFile[] {
  let start = 0;
  for (let i = 0; i < logs.length; i++) if (logs[i]!.zxid <= snapZxid) start = i;
  return logs.slice(start);
}

/** Quota bookkeeping nodes (Quotas, StatsTrack): /zookeeper/quota/<path>/zookeeper_{limits,stats}. */

export const QUOTA_ROOT = '/zookeeper/quota';
export const LIMIT_NODE = 'zookeeper_limits';
export const STAT_NODE = 'zookeeper_stats';

export function statPath(path: string): string {
  return `${QUOTA_ROOT}${path}/${STAT_NODE}`;
}

export function limitPath(path: string): string {
  return `${QUOTA_ROOT}${path}/${LIMIT_NODE}`;
}

/** StatsTrack: `count=N,bytes=M[,key=value…]`; missing count/bytes read as -1 like Java. */
export function parseStats(data: Buffer | null): Map<string, number> {
  const m = new Map<string, number>();
  const s = data ? data.toString('utf8') : '';
  if (s.length === 0) return m;
  for (const part of s.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const v = Number(part.slice(eq + 1));
    if (Number.isFinite(v)) m.set(part.slice(0, eq), v);
  }
  return m;
}

export function formatStats(m: Map<string, number>): string {
  const rest = [...m.keys()].filter((k) => k !== 'count' && k !== 'bytes').sort();
  let s = `count=${m.get('count') ?? -1},bytes=${m.get('bytes') ?? -1}`;
  for (const k of rest) s += `,${k}=${m.get(k)}`;
  return s;
}

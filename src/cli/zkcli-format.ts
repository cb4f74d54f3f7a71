/**
 * zkCli.sh's text formats (Apache 3.8 ZooKeeperMain and its commands): stats, ACLs, watch
 * events and error messages, so `zkts cli` output can be compared with the real thing.
 */
import { ErrorCode } from '../node/proto/errors.js';
import type { ACL, Stat } from '../node/proto/types.js';

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Java Date.toString() in UTC: `Wed Nov 25 08:44:36 UTC 2026`. */
export function javaDate(ms: number): string {
  const d = new Date(ms);
  return (
    `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`
  );
}

/** Long.toHexString with the 0x prefix zkCli prints (two's complement for negatives). */
export function hexLong(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16);
}

export function formatStat(s: Stat): string {
  return [
    `cZxid = ${hexLong(s.czxid)}`,
    `ctime = ${javaDate(s.ctime)}`,
    `mZxid = ${hexLong(s.mzxid)}`,
    `mtime = ${javaDate(s.mtime)}`,
    `pZxid = ${hexLong(s.pzxid)}`,
    `cversion = ${s.cversion}`,
    `dataVersion = ${s.version}`,
    `aclVersion = ${s.aversion}`,
    `ephemeralOwner = ${hexLong(s.ephemeralOwner)}`,
    `dataLength = ${s.dataLength}`,
    `numChildren = ${s.numChildren}`,
    '',
  ].join('\n');
}

export function permString(perms: number): string {
  let p = '';
  if (perms & 4) p += 'c';
  if (perms & 8) p += 'd';
  if (perms & 1) p += 'r';
  if (perms & 2) p += 'w';
  if (perms & 16) p += 'a';
  return p;
}

export function formatAcl(acl: readonly ACL[]): string {
  return acl.map((a) => `'${a.id.scheme},'${a.id.id}\n: ${permString(a.perms)}\n`).join('');
}

/**
 * Parse zkCli's ACL syntax `scheme:id:perms[,…]` (AclParser). Bad entries are reported through
 * `warn` and skipped, as zkCli does.
 */
export function parseAcl(text: string, warn: (line: string) => void): ACL[] {
  const out: ACL[] = [];
  for (const entry of text.split(',')) {
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    if (first === -1 || first === last) {
      warn(`${entry} does not have the form scheme:id:perm`);
      continue;
    }
    let perms = 0;
    for (const ch of entry.slice(last + 1)) {
      const bit = { r: 1, w: 2, c: 4, d: 8, a: 16 }[ch];
      if (bit === undefined) warn(`Unknown perm type: ${ch}`);
      else perms |= bit;
    }
    out.push({ perms, id: { scheme: entry.slice(0, first), id: entry.slice(first + 1, last) } });
  }
  return out;
}

const eventTypeNames: Record<number, string> = {
  [-1]: 'None',
  1: 'NodeCreated',
  2: 'NodeDeleted',
  3: 'NodeDataChanged',
  4: 'NodeChildrenChanged',
  5: 'DataWatchRemoved',
  6: 'ChildWatchRemoved',
  7: 'PersistentWatchRemoved',
};
const stateNames: Record<number, string> = {
  [-1]: 'Unknown',
  0: 'Disconnected',
  1: 'NoSyncConnected',
  3: 'SyncConnected',
  4: 'AuthFailed',
  5: 'ConnectedReadOnly',
  6: 'SaslAuthenticated',
  [-112]: 'Expired',
  7: 'Closed',
};

/** What zkCli's watcher prints for one event (stdout). */
export function formatWatchedEvent(type: number, state: number, path: string | null): string {
  return `\nWATCHER::\n\nWatchedEvent state:${stateNames[state] ?? state} type:${eventTypeNames[type] ?? type} path:${path ?? 'null'}\n`;
}

/** KeeperException.Code messages ("KeeperErrorCode = <msg>"). */
const codeMessages: Record<number, string> = {
  [ErrorCode.ok]: 'ok',
  [ErrorCode.systemError]: 'SystemError',
  [ErrorCode.runtimeInconsistency]: 'RuntimeInconsistency',
  [ErrorCode.dataInconsistency]: 'DataInconsistency',
  [ErrorCode.connectionLoss]: 'ConnectionLoss',
  [ErrorCode.marshallingError]: 'MarshallingError',
  [ErrorCode.unimplemented]: 'Unimplemented',
  [ErrorCode.operationTimeout]: 'OperationTimeout',
  [ErrorCode.badArguments]: 'BadArguments',
  [ErrorCode.newConfigNoQuorum]: 'NewConfigNoQuorum',
  [ErrorCode.reconfigInProgress]: 'ReconfigInProgress',
  [ErrorCode.unknownSession]: 'Unknown session',
  [ErrorCode.apiError]: 'APIError',
  [ErrorCode.noNode]: 'NoNode',
  [ErrorCode.noAuth]: 'NoAuth',
  [ErrorCode.badVersion]: 'BadVersion',
  [ErrorCode.noChildrenForEphemerals]: 'NoChildrenForEphemerals',
  [ErrorCode.nodeExists]: 'NodeExists',
  [ErrorCode.invalidAcl]: 'InvalidACL',
  [ErrorCode.authFailed]: 'AuthFailed',
  [ErrorCode.notEmpty]: 'Directory not empty',
  [ErrorCode.sessionExpired]: 'Session expired',
  [ErrorCode.invalidCallback]: 'Invalid callback',
  [ErrorCode.sessionMoved]: 'Session moved',
  [ErrorCode.notReadOnly]: 'Not a read-only call',
  [ErrorCode.ephemeralOnLocalSession]: 'Ephemeral node on local session',
  [ErrorCode.noWatcher]: 'No such watcher',
  [ErrorCode.requestTimeout]: 'Request timeout',
  [ErrorCode.reconfigDisabled]: 'Reconfig is disabled',
  [ErrorCode.sessionClosedRequireSaslAuth]: 'Session closed because client failed to authenticate',
  [ErrorCode.quotaExceeded]: 'Quota has exceeded',
  [ErrorCode.throttledOp]: 'Op throttled due to high load',
};

/** The line zkCli prints (stderr) for a failed request (CliWrapperException). */
export function keeperErrorMessage(code: number, path: string | null): string {
  const p = path ?? '';
  switch (code) {
    case ErrorCode.noNode:
      return `Node does not exist: ${p}`;
    case ErrorCode.noChildrenForEphemerals:
      return `Ephemerals cannot have children: ${p}`;
    case ErrorCode.nodeExists:
      return `Node already exists: ${p}`;
    case ErrorCode.notEmpty:
      return `Node not empty: ${p}`;
    case ErrorCode.notReadOnly:
      return `Not a read-only call: ${p}`;
    case ErrorCode.invalidAcl:
      return `Acl is not valid : ${p}`;
    case ErrorCode.noAuth:
      return `Insufficient permission : ${p}`;
    case ErrorCode.badArguments:
      return `Arguments are not valid : ${p}`;
    case ErrorCode.badVersion:
      return `version No is not valid : ${p}`;
    case ErrorCode.reconfigInProgress:
      return 'Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)';
    default: {
      const msg = codeMessages[code] ?? `Unknown error ${code}`;
      return path === null ? `KeeperErrorCode = ${msg}` : `KeeperErrorCode = ${msg} for ${path}`;
    }
  }
}

/**
 * Split a command line like zkCli does: whitespace-separated words, where a word may be
 * wrapped in double or single quotes (quotes removed).
 */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  const re = /\s*([^"'\s]\S*|"[^"]*"|'[^']*')\s*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) {
    if (m[1] === undefined) break;
    let w = m[1];
    if ((w.startsWith('"') && w.endsWith('"')) || (w.startsWith("'") && w.endsWith("'")))
      w = w.slice(1, -1);
    out.push(w);
  }
  return out;
}

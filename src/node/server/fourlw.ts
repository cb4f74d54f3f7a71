/**
 * The four-letter words (client-protocol.md §15), formatted exactly as Apache ZooKeeper 3.8
 * prints them; golden outputs captured from Apache live in testdata/apache-3.8.0/.
 * The connection layer recognises a word from the first 4 bytes of a fresh connection
 * (fourLetterWordOf), writes what runFourLetterWord returns, then closes.
 */
import type { Clock } from '../../shared/clock.js';
import { monitorValues } from './fourlw-monitor.js';
import {
  formatJavaDouble,
  type ConnectionInfo,
  type ExpiryBucket,
  type ServerView,
} from './stats.js';

export const fourLetterWords = [
  'ruok',
  'dump',
  'conf',
  'cons',
  'crst',
  'envi',
  'srvr',
  'stat',
  'srst',
  'gtmk',
  'stmk',
  'mntr',
  'wchs',
  'wchc',
  'wchp',
  'dirs',
  'isro',
  'hash',
  // Not Apache's: leadership handoff (ClickHouse Keeper's word). Answers at once; the leader
  // then stops taking writes, waits for a follower to hold every txn and steps down for it.
  'ydld',
] as const;
export type FourLetterWord = (typeof fourLetterWords)[number];

const byCode = new Map<number, FourLetterWord>(
  fourLetterWords.map((w) => [Buffer.from(w, 'latin1').readInt32BE(0), w]),
);

/** The word whose bytes form this frame length, if it is one (NIOServerCnxn.checkFourLetterWord). */
export function fourLetterWordOf(frameLength: number): FourLetterWord | undefined {
  return byCode.get(frameLength | 0);
}

export const notServingMessage = 'This ZooKeeper instance is not currently serving requests\n';

export function notWhitelistedMessage(word: string): string {
  return `${word} is not executed because it is not in the whitelist.\n`;
}

/**
 * `4lw.commands.whitelist`: comma-separated words or `*`. Unset: `srvr` only, plus `isro`
 * when read-only mode is enabled (FourLetterCommands.resetWhiteList). Unknown words are dropped.
 */
export function parseFourLetterWhitelist(
  value: string | undefined,
  readOnlyModeEnabled = false,
): Set<string> | '*' {
  if (value === undefined || value.trim() === '') {
    const dflt = new Set<string>(['srvr']);
    if (readOnlyModeEnabled) dflt.add('isro');
    return dflt;
  }
  const words = value.split(',').map((w) => w.trim());
  if (words.includes('*')) return '*';
  return new Set(words.filter((w) => (fourLetterWords as readonly string[]).includes(w)));
}

/** What the words need besides the server: the clock, the process environment, the trace mask. */
export interface FourLetterEnv {
  clock: Clock;
  /** `envi` lines after `Environment:` (see fourlw-env.ts). */
  environment(): Array<[string, string]>;
  /** gtmk/stmk state (ZooTrace mask; Apache's default is 306). */
  traceMask: { get(): bigint; set(mask: bigint): void };
  /** The 8-byte argument that followed `stmk`, if any. */
  stmkArgument?: bigint;
}

export function isWhitelisted(word: string, whitelist: Set<string> | '*'): boolean {
  return whitelist === '*' || whitelist.has(word);
}

/**
 * Runs one word. `view` is undefined when no server is running yet (then most words answer
 * "not currently serving"; ruok still says imok and isro says null, as in Apache).
 */
export function runFourLetterWord(
  word: string,
  view: ServerView | undefined,
  whitelist: Set<string> | '*',
  env: FourLetterEnv,
): string {
  if (!isWhitelisted(word, whitelist)) return notWhitelistedMessage(word);
  const running = view !== undefined && view.serving();
  switch (word) {
    case 'ruok':
      return 'imok';
    case 'isro':
      if (!running) return 'null';
      return view.mode() === 'read-only' ? 'ro' : 'rw';
    case 'envi':
      return ['Environment:', ...env.environment().map(([k, v]) => `${k}=${v}`)].join('\n') + '\n';
    case 'gtmk':
      return env.traceMask.get().toString();
    case 'stmk':
      if (env.stmkArgument !== undefined) env.traceMask.set(env.stmkArgument);
      return env.traceMask.get().toString();
  }
  if (!running) return notServingMessage;
  switch (word) {
    case 'ydld':
      return `${view.yieldLeadership?.() ?? 'This server cannot hand off leadership'}\n`;
    case 'srvr':
      return statText(view, false);
    case 'stat':
      return statText(view, true);
    case 'conf':
      return confText(view);
    case 'cons':
      return view
        .connections()
        .map((c) => connectionLine(c, false) + '\n')
        .concat('\n')
        .join('');
    case 'crst':
      view.resetConnectionStats();
      return 'Connection stats reset.\n';
    case 'srst':
      view.stats.reset();
      return 'Server stats reset.\n';
    case 'mntr':
      return monitorValues(view)
        .map(([k, v]) => `zk_${k}\t${String(v)}\n`)
        .join('');
    case 'wchs': {
      const s = view.watchSummary();
      return `${s.connections} connections watching ${s.paths} paths\nTotal watches:${s.totalWatches}\n`;
    }
    case 'wchc': {
      let out = '';
      for (const [sid, paths] of view.watchesBySession()) {
        out += `0x${hex64(sid)}\n` + paths.map((p) => `\t${p}\n`).join('');
      }
      return out + '\n';
    }
    case 'wchp': {
      let out = '';
      for (const [path, sids] of view.watchesByPath()) {
        out += `${path}\n` + sids.map((s) => `\t0x${hex64(s)}\n`).join('');
      }
      return out + '\n';
    }
    case 'dump':
      return dumpText(view, env.clock);
    case 'dirs':
      return `datadir_size: ${view.dataDirSizeBytes()}\nlogdir_size: ${view.logDirSizeBytes()}\n`;
    case 'hash':
      return view
        .digests()
        .map((d) => `${d.zxid.toString(16)}: ${d.digest}\n`)
        .join('');
  }
  // Unknown words never get here: the connection layer closes on them.
  return '';
}

/** Java Long.toHexString: unsigned two's complement, lower case, no padding. */
export function hex64(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16);
}

function statText(view: ServerView, withClients: boolean): string {
  const lines = [`Zookeeper version: ${view.version()}`];
  if (view.mode() === 'read-only') lines.push('READ-ONLY mode; serving only read-only clients');
  if (withClients) {
    lines.push('Clients:');
    for (const c of view.connections()) lines.push(connectionLine(c, true));
    lines.push('');
  }
  const lat = view.stats.latency.snapshot();
  lines.push(
    `Latency min/avg/max: ${lat.min}/${formatJavaDouble(lat.avg)}/${lat.max}`,
    `Received: ${view.stats.packetsReceived()}`,
    `Sent: ${view.stats.packetsSent()}`,
    `Connections: ${view.connections().length}`,
    `Outstanding: ${view.outstandingRequests()}`,
    `Zxid: 0x${hex64(view.lastZxid())}`,
    `Mode: ${view.mode()}`,
    `Node count: ${view.nodeCount()}`,
  );
  const leader = view.quorum?.()?.leader;
  if (view.mode() === 'leader' && leader) {
    lines.push(`Proposal sizes last/min/max: ${leader.proposalSizes.toString()}`);
  }
  return lines.join('\n') + '\n';
}

/** ServerCnxn.dumpConnectionInfo (brief: stat; long: cons). */
export function connectionLine(c: ConnectionInfo, brief: boolean): string {
  let s =
    ` /${c.remoteAddress}[${c.interestOps === 0 ? '0' : c.interestOps.toString(16)}]` +
    `(queued=${c.outstandingRequests},recved=${c.packetsReceived},sent=${c.packetsSent}`;
  if (!brief && c.sessionId !== undefined && c.sessionId !== 0n) {
    s += `,sid=0x${hex64(c.sessionId)},lop=${c.lastOperation ?? 'null'},est=${c.establishedWallMs}`;
    s += `,to=${c.sessionTimeoutMs}`;
    if (c.lastCxid >= 0) s += `,lcxid=0x${(c.lastCxid >>> 0).toString(16)}`;
    s += `,lzxid=0x${hex64(c.lastZxid)},lresp=${c.lastResponseMonotonicMs}`;
    s += `,llat=${c.lastLatencyMs},minlat=${c.minLatencyMs},avglat=${c.avgLatencyMs}`;
    s += `,maxlat=${c.maxLatencyMs}`;
  }
  return s + ')';
}

function confText(view: ServerView): string {
  const c = view.conf();
  const lines = [
    `clientPort=${c.clientPort}`,
    `secureClientPort=${c.secureClientPort}`,
    `dataDir=${c.dataDir}`,
    `dataDirSize=${view.dataDirSizeBytes()}`,
    `dataLogDir=${c.dataLogDir}`,
    `dataLogSize=${view.logDirSizeBytes()}`,
    `tickTime=${c.tickTimeMs}`,
    `maxClientCnxns=${c.maxClientCnxns}`,
    `minSessionTimeout=${c.minSessionTimeoutMs}`,
    `maxSessionTimeout=${c.maxSessionTimeoutMs}`,
    `clientPortListenBacklog=${c.clientPortListenBacklog}`,
    `serverId=${c.serverId}`,
  ];
  let out = lines.join('\n') + '\n';
  if (c.quorum) {
    const q = c.quorum;
    out +=
      `initLimit=${q.initLimit}\nsyncLimit=${q.syncLimit}\nelectionAlg=${q.electionAlg}\n` +
      `electionPort=${q.electionPorts.join('|')}\nquorumPort=${q.quorumPorts.join('|')}\n` +
      `peerType=${q.peerType}\nmembership: \n${q.membership}`;
  }
  return out;
}

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** java.util.Date.toString() in UTC: `Wed Nov 25 07:43:06 UTC 2026`. */
export function javaDateString(wallMs: number): string {
  const d = new Date(wallMs);
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`
  );
}

function expiryText<T>(
  title: string,
  buckets: ExpiryBucket<T>[],
  clock: Clock,
  member: (m: T) => string,
): string {
  const elements = buckets.reduce((n, b) => n + b.members.length, 0);
  const offset = clock.wallMs() - clock.monotonicMs();
  let out = `${title} Sets (${buckets.length})/(${elements}):\n`;
  for (const b of buckets) {
    out += `${b.members.length} expire at ${javaDateString(b.expiryMonotonicMs + offset)}:\n`;
    out += b.members.map((m) => `\t${member(m)}\n`).join('');
  }
  return out;
}

function dumpText(view: ServerView, clock: Clock): string {
  let out = 'SessionTracker dump:\n';
  out += expiryText('Session', view.sessionExpiryBuckets(), clock, (sid) => `0x${hex64(sid)}`);
  out += 'ephemeral nodes dump:\n';
  const eph = view.ephemeralsBySession();
  out += `Sessions with Ephemerals (${eph.size}):\n`;
  for (const [sid, paths] of eph) {
    out += `0x${hex64(sid)}:\n` + paths.map((p) => `\t${p}\n`).join('');
  }
  const cx = view.connectionExpiryBuckets?.();
  if (cx) {
    out += 'Connections dump:\n';
    out += expiryText(
      'Connections',
      cx,
      clock,
      (c) => `ip: /${c.remoteAddress} sessionId: 0x${hex64(c.sessionId)}`,
    );
  }
  return out;
}

/**
 * What a running server shows to operators. The four-letter words, the admin HTTP server and
 * the Prometheus endpoint all read one ServerView, so `mntr`, `/commands/monitor` and `/metrics`
 * report the same numbers. The runtime implements ServerView and feeds a ServerStatsRecorder
 * (server-wide counters) and one ConnectionStatsRecorder per client connection.
 *
 * Semantics follow Apache ZooKeeper 3.8 (ServerStats, ServerCnxn, AvgMinMaxCounter), including
 * its quirks, because tools compare the numbers: see the notes on each recorder.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  advancedSummaryNames,
  basicSummaryNames,
  counterNames,
  summarySetNames,
  type CounterName,
  type SummaryName,
  type SummarySetName,
} from '../../metrics/catalog.js';

export type ServerMode = 'standalone' | 'leader' | 'follower' | 'observer' | 'read-only';

/** A Java `double` in output: printed as Java's Double.toString does (`0.0`, `1.6923`, `5.0E-4`). */
export class JavaDouble {
  constructor(readonly value: number) {}
  toString(): string {
    return formatJavaDouble(this.value);
  }
  toJSON(): number {
    return this.value;
  }
}

/** Values in mntr / monitor: integers are Java longs (number or bigint), JavaDouble otherwise. */
export type MetricValue = number | bigint | string | JavaDouble;

export function formatJavaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  // Java: computerized scientific notation, mantissa always has a fraction digit.
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${Number(exponent)}`;
}

/** Apache rounds averages to 4 decimals, half up (BigDecimal.setScale(4, HALF_UP)). */
export function roundAverage(total: number, count: number): number {
  if (count === 0) return 0;
  return Math.round((total / count) * 10_000) / 10_000;
}

/** Window of samples kept for p50/p95/p99/p999 of "advanced" summaries. */
const percentileWindowSamples = 1024;

/**
 * Apache's AvgMinMaxCounter (and, windowed, AvgMinMaxPercentileCounter). Reading
 * min with no samples gives 0, as Apache does.
 */
export class AvgMinMax {
  private count = 0;
  private total = 0;
  private min = Number.MAX_SAFE_INTEGER;
  private max = 0;
  private readonly window: number[] | undefined;
  private windowNext = 0;

  /** `windowed`: keep recent samples for percentiles (summaries; not the server latency). */
  constructor(windowed = false) {
    this.window = windowed ? [] : undefined;
  }

  /** Apache's counters hold longs: fractional samples (sub-ms clocks) are truncated. */
  add(sample: number): void {
    const value = Math.max(0, Math.floor(sample));
    this.count += 1;
    this.total += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.window) {
      if (this.window.length < percentileWindowSamples) this.window.push(value);
      else this.window[this.windowNext] = value;
      this.windowNext = (this.windowNext + 1) % percentileWindowSamples;
    }
  }

  reset(): void {
    this.count = 0;
    this.total = 0;
    this.min = Number.MAX_SAFE_INTEGER;
    this.max = 0;
    if (this.window) this.window.length = 0;
    this.windowNext = 0;
  }

  snapshot(): SummarySnapshot {
    const s: SummarySnapshot = {
      count: this.count,
      sum: this.total,
      min: this.count === 0 ? 0 : this.min,
      max: this.max,
      avg: roundAverage(this.total, this.count),
    };
    if (this.window) {
      const sorted = [...this.window].sort((a, b) => a - b);
      s.percentiles = {
        p50: percentile(sorted, 0.5),
        p90: percentile(sorted, 0.9),
        p95: percentile(sorted, 0.95),
        p99: percentile(sorted, 0.99),
        p999: percentile(sorted, 0.999),
      };
    }
    return s;
  }
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export interface SummarySnapshot {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Rounded to 4 places. */
  avg: number;
  percentiles?: { p50: number; p90: number; p95: number; p99: number; p999: number };
}

/** Apache BufferStats: last/min/max sizes, -1 until the first sample. */
export class BufferSizeStats {
  last = -1;
  min = -1;
  max = -1;
  add(sizeBytes: number): void {
    this.last = sizeBytes;
    if (this.min === -1 || sizeBytes < this.min) this.min = sizeBytes;
    if (sizeBytes > this.max) this.max = sizeBytes;
  }
  reset(): void {
    this.last = -1;
    this.min = -1;
    this.max = -1;
  }
  toString(): string {
    return `${this.last}/${this.min}/${this.max}`;
  }
}

/**
 * Server-wide counters the runtime updates per request (Apache ServerStats + ServerMetrics).
 * `srst` resets latency, packet counts, client response sizes and the auth failure count
 * (ServerStats.reset); the ServerMetrics counters and summaries are never reset, as in Apache.
 */
export class ServerStatsRecorder {
  readonly latency = new AvgMinMax();
  readonly clientResponseSizes = new BufferSizeStats();
  private received = 0;
  private sent = 0;
  private authFailures = 0;
  private fsyncThresholdExceededCount = 0;
  private readonly counters = new Map<string, number>();
  private readonly summaries = new Map<string, AvgMinMax>();
  private readonly summarySets = new Map<SummarySetName, Map<string, AvgMinMax>>(
    summarySetNames.map((n) => [n, new Map()]),
  );

  constructor() {
    for (const n of counterNames) this.counters.set(n, 0);
    // Basic summaries keep a window too: Prometheus shows their median.
    for (const n of basicSummaryNames) this.summaries.set(n, new AvgMinMax(true));
    for (const n of advancedSummaryNames) this.summaries.set(n, new AvgMinMax(true));
  }

  /** One client packet read (requests, pings, the connect request, a four-letter word). */
  packetReceived(): void {
    this.received += 1;
  }
  /** One packet written (replies and watch notifications). */
  packetSent(responseSizeBytes?: number): void {
    this.sent += 1;
    if (responseSizeBytes !== undefined) this.clientResponseSizes.add(responseSizeBytes);
  }
  /** A request finished; latency from arrival to reply. */
  requestCompleted(latencyMs: number, kind?: 'read' | 'update'): void {
    this.latency.add(latencyMs);
    if (kind === 'read') this.observe('readlatency', latencyMs);
    else if (kind === 'update') this.observe('updatelatency', latencyMs);
  }
  authFailed(): void {
    this.authFailures += 1;
  }
  fsyncThresholdExceeded(): void {
    this.fsyncThresholdExceededCount += 1;
  }
  /** Adds to one of Apache's named counters (ServerMetrics), e.g. `snap_count`. */
  count(name: CounterName, delta = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + delta);
  }
  /** Records one sample in one of Apache's named summaries, e.g. `fsynctime` (ms). */
  observe(name: SummaryName, value: number): void {
    this.summaries.get(name)?.add(value);
  }

  /**
   * Per-namespace bytes (Apache's read_per_namespace / write_per_namespace summary sets):
   * the namespace is the first path segment ("app" for /app/config).
   */
  observeNamespace(name: SummarySetName, path: string, bytes: number): void {
    const key = path.split('/')[1] ?? '';
    if (key === '') return;
    const set = this.summarySets.get(name)!;
    let s = set.get(key);
    if (s === undefined) {
      s = new AvgMinMax(true);
      set.set(key, s);
    }
    s.add(bytes);
  }
  /** Snapshots of one summary set, by namespace, in first-seen order. */
  summarySet(name: SummarySetName): Array<[string, SummarySnapshot]> {
    return [...(this.summarySets.get(name) ?? new Map<string, AvgMinMax>())].map(([k, s]) => [
      k,
      s.snapshot(),
    ]);
  }

  packetsReceived(): number {
    return this.received;
  }
  packetsSent(): number {
    return this.sent;
  }
  authFailedCount(): number {
    return this.authFailures;
  }
  fsyncThresholdExceedCount(): number {
    return this.fsyncThresholdExceededCount;
  }
  counter(name: string): number {
    return this.counters.get(name) ?? 0;
  }
  summary(name: string): SummarySnapshot {
    return (this.summaries.get(name) ?? new AvgMinMax()).snapshot();
  }
  isAdvancedSummary(name: string): boolean {
    return (advancedSummaryNames as readonly string[]).includes(name);
  }

  /** `srst`. */
  reset(): void {
    this.latency.reset();
    this.received = 0;
    this.sent = 0;
    this.clientResponseSizes.reset();
    this.authFailures = 0;
    this.fsyncThresholdExceededCount = 0;
  }
}

/**
 * Per-connection statistics (Apache ServerCnxn). Quirks kept on purpose: min latency starts
 * at 0, so it stays 0 until `crst` installs the "no data" sentinel; the average is an integer
 * division; `crst` sets lastCxid and lastZxid to -1 and lastOp to "NA".
 */
export class ConnectionStatsRecorder {
  private received = 0;
  private sent = 0;
  private minLatency = 0;
  private maxLatency = 0;
  private totalLatency = 0;
  private latencyCount = 0;
  private lastLatency = 0;
  private lastOp: string | null = null;
  private lastCxid = 0;
  private lastZxid = 0n;
  private lastResponseMs = 0;

  packetReceived(): void {
    this.received += 1;
  }
  packetSent(): void {
    this.sent += 1;
  }
  /** A reply left: its op short name (PING, GETD, …), cxid, zxid, latency and the monotonic time. */
  responded(op: string, cxid: number, zxid: bigint, latency: number, nowMonotonic: number): void {
    // Apache keeps whole milliseconds; our monotonic clock has sub-ms precision.
    const latencyMs = Math.max(0, Math.floor(latency));
    const nowMonotonicMs = Math.floor(nowMonotonic);
    this.lastOp = op;
    this.lastCxid = cxid;
    this.lastZxid = zxid;
    this.lastResponseMs = nowMonotonicMs;
    this.lastLatency = latencyMs;
    if (latencyMs < this.minLatency) this.minLatency = latencyMs;
    if (latencyMs > this.maxLatency) this.maxLatency = latencyMs;
    this.totalLatency += latencyMs;
    this.latencyCount += 1;
  }
  /** `crst` */
  reset(): void {
    this.received = 0;
    this.sent = 0;
    this.lastCxid = -1;
    this.lastZxid = -1n;
    this.lastResponseMs = 0;
    this.lastLatency = 0;
    this.minLatency = Number.MAX_SAFE_INTEGER;
    this.maxLatency = 0;
    this.totalLatency = 0;
    this.latencyCount = 0;
    this.lastOp = 'NA';
  }
  snapshot(): ConnectionCounters {
    return {
      packetsReceived: this.received,
      packetsSent: this.sent,
      lastOperation: this.lastOp,
      lastCxid: this.lastCxid,
      lastZxid: this.lastZxid,
      lastResponseMonotonicMs: this.lastResponseMs,
      lastLatencyMs: this.lastLatency,
      minLatencyMs: this.minLatency === Number.MAX_SAFE_INTEGER ? 0 : this.minLatency,
      avgLatencyMs: this.latencyCount === 0 ? 0 : Math.floor(this.totalLatency / this.latencyCount),
      maxLatencyMs: this.maxLatency,
    };
  }
}

export interface ConnectionCounters {
  packetsReceived: number;
  packetsSent: number;
  /** Short op name of the last reply; null before any reply, "NA" after a reset. */
  lastOperation: string | null;
  /** -1 after a reset (then not printed by cons). */
  lastCxid: number;
  /** -1n after a reset. */
  lastZxid: bigint;
  lastResponseMonotonicMs: number;
  lastLatencyMs: number;
  minLatencyMs: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
}

export interface ConnectionInfo extends ConnectionCounters {
  /** "127.0.0.1:51234" (4lw prints it with a leading "/", admin JSON without). */
  remoteAddress: string;
  /** Selector interest ops: 1 read, 4 write, 5 both, 0 none (e.g. throttled or 4lw). */
  interestOps: number;
  /** Requests read but not yet answered. */
  outstandingRequests: number;
  /** Undefined until the handshake assigned a session (then cons prints the short form). */
  sessionId: bigint | undefined;
  sessionTimeoutMs: number;
  /** Wall-clock ms when the connection was accepted. */
  establishedWallMs: number;
  secure?: boolean;
}

export interface WatchSummary {
  connections: number;
  paths: number;
  totalWatches: number;
}

export interface ExpiryBucket<T> {
  /** Monotonic ms at which the bucket expires. */
  expiryMonotonicMs: number;
  members: T[];
}

/** zoo.cfg values as `conf` reports them. */
export interface ServerConfView {
  clientPort: number;
  secureClientPort: number;
  clientPortAddress?: string;
  /** The snapshot dir including `version-2`. */
  dataDir: string;
  /** The txn log dir including `version-2`. */
  dataLogDir: string;
  tickTimeMs: number;
  maxClientCnxns: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  clientPortListenBacklog: number;
  serverId: number;
  quorum?: {
    initLimit: number;
    syncLimit: number;
    electionAlg: number;
    electionPorts: number[];
    quorumPorts: number[];
    /** 0 participant, 1 observer (LearnerType ordinal). */
    peerType: number;
    /** The dynamic config text: `server.N=…` lines and `version=<hex>`, each ending in "\n". */
    membership: string;
  };
}

export interface QuorumView {
  /** Voting members. */
  size: number;
  /** e.g. "leading - broadcast", "following - broadcast", "looking - election". */
  peerState: string;
  leaderId: number | undefined;
  leaderAddress: string | undefined;
  /** sid -> "host:quorumPort:electionPort:participant;clientHost:clientPort". */
  votingView: Map<number, string>;
  /** Zab phase for `zabstate` ("broadcast", "synchronization", …). */
  zabState: string;
  /** Leader only. */
  leader?: {
    learners: number;
    syncedFollowers: number;
    syncedNonVotingFollowers: number;
    syncedObservers: number;
    pendingSyncs: number;
    leaderUptimeMs: number;
    proposalSizes: BufferSizeStats;
  };
  /** Follower only. */
  syncedObservers?: number;
}

/** The observation surface of a running server. All methods are cheap reads, called on demand. */
export interface ServerView {
  /** Apache-style version string; see reportedVersion(). */
  version(): string;
  mode(): ServerMode;
  /** Ensemble leader: start handing leadership off; says what happens (or why not). */
  yieldLeadership?(): string;
  /** False while starting, syncing or shutting down: most 4lw then say "not currently serving". */
  serving(): boolean;
  lastZxid(): bigint;
  /** Size of the node map, counting the root twice as Apache does (fresh server: 5). */
  nodeCount(): number;
  approximateDataSize(): number;
  ephemeralsCount(): number;
  /** Data + child watches (mntr zk_watch_count). */
  watchCount(): number;
  outstandingRequests(): number;
  globalSessions(): number;
  localSessions(): number;
  uptimeMs(): number;
  stats: ServerStatsRecorder;
  /** Every open client connection, including one running a four-letter word. */
  connections(): ConnectionInfo[];
  /** `crst`: reset every connection's ConnectionStatsRecorder. */
  resetConnectionStats(): void;
  /** Data watches only (`wchs`). */
  watchSummary(): WatchSummary;
  /** Data watches per session, in registry order (`wchc`). */
  watchesBySession(): Map<bigint, string[]>;
  /** Data watches per path (`wchp`). */
  watchesByPath(): Map<string, bigint[]>;
  /** Session expiry buckets, oldest first, empty ones included (`dump`). */
  sessionExpiryBuckets(): ExpiryBucket<bigint>[];
  /** Connection expiry buckets; omit when the runtime has none (Apache's Netty factory). */
  connectionExpiryBuckets?(): ExpiryBucket<{ remoteAddress: string; sessionId: bigint }>[];
  ephemeralsBySession(): Map<bigint, string[]>;
  conf(): ServerConfView;
  /** The zoo.cfg text the server was started with (admin initial_configuration). */
  initialConfiguration(): string;
  dataDirSizeBytes(): number;
  logDirSizeBytes(): number;
  openFileDescriptorCount(): number;
  maxFileDescriptorCount(): number;
  /** Last snapshot written or loaded: its zxid and wall-clock seconds. */
  lastSnapshot(): { zxid: bigint; timestampSeconds: number } | undefined;
  /** Tree digests kept for `hash` (Apache's digest log); empty when none. */
  digests(): Array<{ zxid: bigint; digest: bigint }>;
  /** Present when running as an ensemble member. */
  quorum?(): QuorumView | undefined;
}

/** Recursive size of a directory's files in bytes; 0 if it does not exist. */
export function directorySizeBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    try {
      if (e.isDirectory()) total += directorySizeBytes(p);
      else if (e.isFile()) total += statSync(p).size;
    } catch {
      // A file removed while we walk (log purge) simply does not count.
    }
  }
  return total;
}

/** Open file descriptors of this process (Linux /proc/self/fd); -1 where unknown. */
export function openFileDescriptorCount(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

/** The soft limit on open files (Linux /proc/self/limits); -1 where unknown. */
export function maxFileDescriptorCount(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? -1 : Number(soft);
  } catch {
    return -1;
  }
}

/**
 * The Apache ZooKeeper release whose client protocol, 4lw and admin output zkts matches.
 * Tools read the numeric prefix of the version (kazoo's server_version splits at the first
 * "-"), so zkts reports this and puts its own name and version where Apache puts the git hash.
 * See docs/adr/0001-reported-version.md.
 */
export const compatibleZooKeeperVersion = '3.8.0';

/** `3.8.0-zkts-0.1.0, built on 2026-11-25 07:00 UTC` (Apache: `<x.y.z>-<hash>, built on <date>`). */
export function reportedVersion(zktsVersion: string, builtOnMs: number): string {
  return `${compatibleZooKeeperVersion}-zkts-${zktsVersion}, built on ${formatBuildTime(builtOnMs)}`;
}

/** Apache's build.time pattern `yyyy-MM-dd HH:mm` in UTC, suffixed `UTC`. */
export function formatBuildTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`
  );
}

/**
 * The version this installation reports: zkts's package.json version, and as build time the
 * modification time of this compiled module (what `npm run build` last wrote).
 */
export function installedVersion(): string {
  const here = fileURLToPath(import.meta.url);
  let pkgVersion = '0.0.0';
  // Walk up: the module sits in src/node/server (vitest, tsx) or dist/src/node/server (built).
  for (let dir = dirname(here), i = 0; i < 6; dir = dirname(dir), i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'zkts' && pkg.version) {
        pkgVersion = pkg.version;
        break;
      }
    } catch {
      // no package.json at this level
    }
  }
  let builtOn = 0;
  try {
    builtOn = statSync(here).mtimeMs;
  } catch {
    builtOn = 0;
  }
  return reportedVersion(pkgVersion, builtOn);
}

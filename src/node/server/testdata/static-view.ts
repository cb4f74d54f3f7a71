/**
 * A ServerView over fixed data, shaped like the Apache capture in apache-3.8.0/: two kazoo
 * sessions (one owning an ephemeral, both watching /app/config) plus the connection running
 * the four-letter word. Used by the formatter tests, which compare against the captures.
 */
import {
  BufferSizeStats,
  ConnectionStatsRecorder,
  ServerStatsRecorder,
  type ConnectionInfo,
  type ExpiryBucket,
  type QuorumView,
  type ServerConfView,
  type ServerMode,
  type ServerView,
} from '../stats.js';

export const sidA = 0x10000100e1e0000n;
export const sidB = 0x10000100e1e0001n;

interface Cnx {
  remoteAddress: string;
  sessionId: bigint | undefined;
  timeoutMs: number;
  establishedWallMs: number;
  stats: ConnectionStatsRecorder;
  interestOps: number;
}

export class StaticView implements ServerView {
  modeValue: ServerMode = 'standalone';
  servingValue = true;
  readonly stats = new ServerStatsRecorder();
  quorumValue: QuorumView | undefined;
  readonly cnxs: Cnx[];

  constructor() {
    const a = new ConnectionStatsRecorder();
    const b = new ConnectionStatsRecorder();
    const self = new ConnectionStatsRecorder();
    for (let i = 0; i < 9; i++) a.packetReceived();
    for (let i = 0; i < 9; i++) a.packetSent();
    a.responded('PING', 7, 5n, 0, 1079010);
    for (let i = 0; i < 4; i++) b.packetReceived();
    for (let i = 0; i < 4; i++) b.packetSent();
    b.responded('PING', 2, 5n, 1, 1075796);
    self.packetReceived();
    this.cnxs = [
      {
        remoteAddress: '127.0.0.1:54828',
        sessionId: sidB,
        timeoutMs: 20000,
        establishedWallMs: 1795592566051,
        stats: b,
        interestOps: 1,
      },
      {
        remoteAddress: '127.0.0.1:54818',
        sessionId: sidA,
        timeoutMs: 30000,
        establishedWallMs: 1795592566036,
        stats: a,
        interestOps: 1,
      },
      {
        remoteAddress: '127.0.0.1:38242',
        sessionId: undefined,
        timeoutMs: 0,
        establishedWallMs: 1795592580000,
        stats: self,
        interestOps: 0,
      },
    ];
    for (const l of [1, 6, 0, 2, 1, 3, 0, 1, 2, 1, 2, 0, 3]) this.stats.requestCompleted(l);
    for (let i = 0; i < 15; i++) this.stats.packetReceived();
    for (let i = 0; i < 14; i++) this.stats.packetSent(16);
    this.stats.clientResponseSizes.add(93);
    this.stats.clientResponseSizes.add(16);
    this.stats.observe('fsynctime', 0);
    this.stats.observe('updatelatency', 6);
    this.stats.observe('updatelatency', 1);
    this.stats.count('snap_count', 0);
    for (const b of [82, 84, 84])
      this.stats.observeNamespace('read_per_namespace', '/app/config', b);
    for (const b of [4, 10, 16]) this.stats.observeNamespace('write_per_namespace', '/app', b);
  }

  version(): string {
    return '3.8.0-zkts-0.1.0, built on 2026-11-25 07:00 UTC';
  }
  mode(): ServerMode {
    return this.modeValue;
  }
  serving(): boolean {
    return this.servingValue;
  }
  lastZxid(): bigint {
    return 5n;
  }
  nodeCount(): number {
    return 8;
  }
  approximateDataSize(): number {
    return 74;
  }
  ephemeralsCount(): number {
    return 1;
  }
  watchCount(): number {
    return 4;
  }
  outstandingRequests(): number {
    return 0;
  }
  globalSessions(): number {
    return 2;
  }
  localSessions(): number {
    return 0;
  }
  uptimeMs(): number {
    return 27955;
  }
  connections(): ConnectionInfo[] {
    return this.cnxs.map((c) => ({
      ...c.stats.snapshot(),
      remoteAddress: c.remoteAddress,
      interestOps: c.interestOps,
      outstandingRequests: 0,
      sessionId: c.sessionId,
      sessionTimeoutMs: c.timeoutMs,
      establishedWallMs: c.establishedWallMs,
    }));
  }
  resetConnectionStats(): void {
    for (const c of this.cnxs) c.stats.reset();
  }
  watchSummary() {
    return { connections: 2, paths: 2, totalWatches: 3 };
  }
  watchesBySession(): Map<bigint, string[]> {
    return new Map([
      [sidB, ['/app/missing', '/app/config']],
      [sidA, ['/app/config']],
    ]);
  }
  watchesByPath(): Map<string, bigint[]> {
    return new Map([
      ['/app/missing', [sidB]],
      ['/app/config', [sidA, sidB]],
    ]);
  }
  /** Monotonic clock of the fixture is wall - 1795591500000 (see clock below). */
  sessionExpiryBuckets(): ExpiryBucket<bigint>[] {
    return [
      { expiryMonotonicMs: 1086000, members: [] },
      { expiryMonotonicMs: 1092000, members: [sidB] },
      { expiryMonotonicMs: 1096000, members: [] },
      { expiryMonotonicMs: 1106000, members: [sidA] },
    ];
  }
  connectionExpiryBuckets(): ExpiryBucket<{ remoteAddress: string; sessionId: bigint }>[] {
    return [
      { expiryMonotonicMs: 1076000, members: [] },
      {
        expiryMonotonicMs: 1086000,
        members: [{ remoteAddress: '127.0.0.1:38288', sessionId: 0n }],
      },
      {
        expiryMonotonicMs: 1096000,
        members: [{ remoteAddress: '127.0.0.1:54828', sessionId: sidB }],
      },
      {
        expiryMonotonicMs: 1106000,
        members: [{ remoteAddress: '127.0.0.1:54818', sessionId: sidA }],
      },
    ];
  }
  ephemeralsBySession(): Map<bigint, string[]> {
    return new Map([[sidA, ['/app/lock']]]);
  }
  conf(): ServerConfView {
    return {
      clientPort: 43811,
      secureClientPort: -1,
      dataDir: '/tmp/ops-zk/data/version-2',
      dataLogDir: '/tmp/ops-zk/data/version-2',
      tickTimeMs: 2000,
      maxClientCnxns: 60,
      minSessionTimeoutMs: 4000,
      maxSessionTimeoutMs: 40000,
      clientPortListenBacklog: -1,
      serverId: 0,
    };
  }
  initialConfiguration(): string {
    return 'tickTime=2000\ndataDir=/tmp/ops-zk/data\nclientPort=43811\n';
  }
  dataDirSizeBytes(): number {
    return 67109337;
  }
  logDirSizeBytes(): number {
    return 67109337;
  }
  openFileDescriptorCount(): number {
    return 48;
  }
  maxFileDescriptorCount(): number {
    return 20000;
  }
  lastSnapshot() {
    return { zxid: 0n, timestampSeconds: 1795592548 };
  }
  digests() {
    return [];
  }
  quorum(): QuorumView | undefined {
    return this.quorumValue;
  }
}

/** A leader's quorum figures, for the leader-only lines. */
export function leaderQuorum(): QuorumView {
  const sizes = new BufferSizeStats();
  sizes.add(120);
  sizes.add(36);
  return {
    size: 3,
    peerState: 'leading - broadcast',
    leaderId: 1,
    leaderAddress: '127.0.0.1',
    votingView: new Map([
      [1, '127.0.0.1:2888:3888:participant;0.0.0.0:2181'],
      [2, '127.0.0.2:2888:3888:participant;0.0.0.0:2181'],
      [3, '127.0.0.3:2888:3888:participant;0.0.0.0:2181'],
    ]),
    zabState: 'broadcast',
    leader: {
      learners: 2,
      syncedFollowers: 2,
      syncedNonVotingFollowers: 0,
      syncedObservers: 0,
      pendingSyncs: 0,
      leaderUptimeMs: 12345,
      proposalSizes: sizes,
    },
  };
}

/** Wall = monotonic + 1795591500000 for the fixture. */
export const fixtureClock = {
  wallMs: () => 1795592590000,
  monotonicMs: () => 1090000,
};

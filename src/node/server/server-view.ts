/**
 * The ServerView of a running standalone server: what the four-letter words, the admin HTTP
 * server and /metrics read. Every figure comes from the live objects at call time.
 */
import type { Clock } from '../../shared/clock.js';
import type { ZkServer } from './zk-server.js';
import {
  directorySizeBytes,
  maxFileDescriptorCount,
  openFileDescriptorCount,
  type ConnectionInfo,
  type ServerConfView,
  type QuorumView,
  type ServerMode,
  type ServerView,
} from './stats.js';

export interface ServerViewOptions {
  version: string;
  mode: () => ServerMode;
  conf: ServerConfView;
  initialConfiguration: string;
  startedMonotonicMs: number;
  lastSnapshot: () => { zxid: bigint; timestampSeconds: number } | undefined;
  /** Ensemble members only. */
  quorum?: () => QuorumView | undefined;
  yieldLeadership?: () => string;
}

export function createServerView(zk: ZkServer, clock: Clock, opts: ServerViewOptions): ServerView {
  return {
    version: () => opts.version,
    mode: opts.mode,
    ...(opts.quorum ? { quorum: opts.quorum } : {}),
    ...(opts.yieldLeadership ? { yieldLeadership: opts.yieldLeadership } : {}),
    serving: () => zk.isServing(),
    lastZxid: () => zk.lastZxid,
    nodeCount: () => zk.tree.nodeCount(),
    approximateDataSize: () => zk.tree.approximateDataSize(),
    ephemeralsCount: () => zk.tree.ephemeralCount(),
    watchCount: () => zk.watches.watchCount(),
    outstandingRequests: () => zk.outstandingRequests,
    globalSessions: () => zk.sessions.size,
    localSessions: () => 0,
    uptimeMs: () => clock.monotonicMs() - opts.startedMonotonicMs,
    stats: zk.stats,
    connections: () =>
      [...zk.connections.values()].map((c): ConnectionInfo => {
        const counters = c.stats.snapshot();
        return {
          ...counters,
          remoteAddress: `${c.remoteAddress}:${c.remotePort}`,
          interestOps: c.interestOps(),
          outstandingRequests: c.outstanding,
          sessionId: c.sessionId === 0n ? undefined : c.sessionId,
          sessionTimeoutMs: c.sessionTimeoutMs,
          establishedWallMs: c.establishedWallMs,
        };
      }),
    resetConnectionStats: () => {
      for (const c of zk.connections.values()) c.stats.reset();
    },
    watchSummary: () => zk.watches.summary(),
    watchesBySession: () => {
      const bySession = new Map<bigint, string[]>();
      for (const [watcher, paths] of zk.watches.byWatcher()) {
        const conn = zk.connections.get(watcher);
        if (!conn) continue;
        bySession.set(conn.sessionId, [...(bySession.get(conn.sessionId) ?? []), ...paths]);
      }
      return bySession;
    },
    watchesByPath: () => {
      const byPath = new Map<string, bigint[]>();
      for (const [path, watchers] of zk.watches.byPath()) {
        byPath.set(
          path,
          watchers.map((w) => zk.connections.get(w)?.sessionId ?? 0n),
        );
      }
      return byPath;
    },
    sessionExpiryBuckets: () =>
      zk.sessions
        .dump((ms) => String(ms))
        .buckets.map((b) => ({ expiryMonotonicMs: b.expiryMs, members: b.sessionIds })),
    ephemeralsBySession: () => zk.tree.ephemeralsBySession(),
    conf: () => opts.conf,
    initialConfiguration: () => opts.initialConfiguration,
    dataDirSizeBytes: () => directorySizeBytes(opts.conf.dataDir),
    logDirSizeBytes: () => directorySizeBytes(opts.conf.dataLogDir),
    openFileDescriptorCount,
    maxFileDescriptorCount,
    lastSnapshot: opts.lastSnapshot,
    digests: () => [{ zxid: zk.lastZxid, digest: zk.tree.digest() }],
  };
}

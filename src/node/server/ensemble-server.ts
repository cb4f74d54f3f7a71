/**
 * `zkts server` with server.N lines: the same client-facing server as standalone, started not
 * serving, with a QuorumPeer that elects, leads or follows and switches the request path.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { seededRandom } from '../../shared/prng.js';
import { limits } from '../../shared/limits.js';
import type { LoggedTxn } from '../proto/types.js';
import { majorityVerifier } from '../quorum/quorum-verifier.js';
import { openStorage, type Storage } from '../storage/storage.js';
import { DataTree } from '../tree/data-tree.js';
import { ConfigError, type ZkConfig } from './config.js';
import { formatQuorumConfig, formatServerSpec, type QuorumServerSpec } from './config-servers.js';
import { QuorumPeer, type PeerMember } from './quorum-peer.js';
import type { TxnStore } from './server.js';
import type { QuorumView, ServerMode } from './stats.js';
import { BufferSizeStats, type ServerStatsRecorder } from './stats.js';
import { systemClock } from './system-clock.js';
import { writeDynamicConfigFiles, writeNextDynamicConfig } from './dynamic-config-file.js';

/** dataDir/myid: the server's id, as Apache reads it (one decimal number). */
export function readMyId(config: ZkConfig, file: string): number {
  const path = join(config.dataDir, 'myid');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(
      file,
      undefined,
      'dataDir',
      `${path} is missing: an ensemble member needs its server id (a server.N number) in dataDir/myid`,
    );
  }
  const id = Number(text.trim());
  if (!Number.isInteger(id) || id < 1 || !config.servers.some((s) => s.id === id))
    throw new ConfigError(
      file,
      undefined,
      'dataDir',
      `${path} holds "${text.trim()}", which is not the N of any server.N line`,
    );
  return id;
}

export interface EnsembleParts {
  store: TxnStore;
  ensemble: {
    attach(zk: import('./zk-server.js').ZkServer): Promise<void>;
    detach(): Promise<void>;
    mode(): ServerMode;
    quorum(): QuorumView | undefined;
    yieldLeadership(): string;
    /** The committed config as /zookeeper/config and the `conf` membership show it. */
    configText(): string;
  };
}

/** Where a committed config goes (reconfigEnabled): zoo.cfg and the version it was read at. */
export interface DynamicConfigSource {
  staticFile: string;
  /** From the dynamicConfigFile name's suffix; 0 when the servers came from zoo.cfg. */
  version: bigint;
}

function member(spec: QuorumServerSpec): PeerMember {
  const a = spec.addresses[0]!;
  return {
    sid: BigInt(spec.id),
    role: spec.role,
    quorum: { host: a.host, port: a.quorumPort },
    election: { host: a.host, port: a.electionPort },
  };
}

/** The storage, the TxnStore startServer recovers from, and the peer that runs the roles. */
export async function ensembleParts(
  config: ZkConfig,
  myId: number,
  clientAddress: string,
  log: Logger,
  dynamic?: DynamicConfigSource,
): Promise<EnsembleParts> {
  const open = (): Promise<Storage> =>
    openStorage({
      dataDir: config.dataDir,
      dataLogDir: config.dataLogDir,
      snapCount: config.snapCount,
      preAllocBytes: config.preAllocSizeBytes,
      forceSync: config.forceSync,
      logger: log,
      // Apache's SyncRequestProcessor figures (mntr zk_*_fsynctime, *_sync_processor_batch_size).
      onFsync: (ms, txns) => {
        stats?.observe('fsynctime', ms);
        stats?.observe('sync_processor_batch_size', txns);
      },
    });
  let stats: ServerStatsRecorder | undefined;
  const storage = await open();
  const recent: LoggedTxn[] = [];
  let servers = config.servers;
  let configVersion = dynamic?.version ?? 0n;
  const configText = formatQuorumConfig(servers, configVersion);
  const verifier = majorityVerifier(
    configVersion,
    servers.map((s) => [BigInt(s.id), s.role] as [bigint, 'participant' | 'observer']),
  );
  let peer: QuorumPeer | undefined;
  let tree: DataTree | undefined;
  let leaderSince = 0;
  const proposalSizes = new BufferSizeStats();

  const store: TxnStore = {
    recover: async () => {
      let t = new DataTree();
      const result = await storage.recover({
        loadSnapshot: (s) => {
          t = DataTree.fromSnapshot(s);
        },
        apply: (txn) => {
          t.apply(txn);
          recent.push(txn);
          if (recent.length > limits.committedLogCount * 2)
            recent.splice(0, recent.length - limits.committedLogCount);
        },
      });
      if (result.needsSnapshot)
        await storage.takeSnapshot({
          lastProcessedZxid: () => t.lastProcessedZxid,
          exportSnapshot: () => t.exportSnapshot(),
          zxidDigest: () => ({ zxid: t.lastProcessedZxid, digestVersion: 2, digest: t.digest() }),
        });
      tree = t;
      return t;
    },
    append: () => Promise.reject(new Error('an ensemble member commits through its quorum peer')),
    applied: (t) => peer?.applied(t),
    lastSnapshot: () => undefined,
    close: async () => undefined,
  };

  const modeOf = (): ServerMode => {
    switch (peer?.role) {
      case 'leading':
        return 'leader';
      case 'observing':
        return 'observer';
      default:
        return 'follower';
    }
  };

  return {
    store,
    ensemble: {
      attach: async (zk) => {
        stats = zk.stats;
        peer = new QuorumPeer({
          self: BigInt(myId),
          members: servers.map(member),
          verifier,
          configText,
          timing: {
            tickTimeMs: config.tickTimeMs,
            initLimit: config.initLimit,
            syncLimit: config.syncLimit,
          },
          zk,
          storage,
          openStorage: open,
          clock: systemClock,
          random: seededRandom(randomInt(0x7fffffff)),
          log,
          listenOnAllIps: config.quorumListenOnAllIPs,
          onRole: (role) => {
            if (role === 'leading') leaderSince = systemClock.monotonicMs();
          },
          ...(config.reconfigEnabled
            ? {
                reconfig: {
                  config: { servers, version: configVersion },
                  standaloneEnabled: config.standaloneEnabled,
                  onCommitted: (next) => {
                    servers = next.servers;
                    configVersion = next.version;
                    if (dynamic !== undefined)
                      writeDynamicConfigFiles(dynamic.staticFile, next, myId);
                  },
                  onLastSeen: (next) => {
                    if (dynamic !== undefined) writeNextDynamicConfig(dynamic.staticFile, next);
                  },
                },
              }
            : {}),
        });
        await peer.start(tree ?? zk.tree, recent.slice(-limits.committedLogCount));
        log.info({ myid: myId, clientAddress, servers: servers.length }, 'ensemble member started');
      },
      detach: async () => {
        await peer?.stop();
        await peer?.closeStorage();
      },
      mode: modeOf,
      yieldLeadership: () => peer?.yieldLeadership() ?? 'This server is not running yet',
      configText: () => formatQuorumConfig(servers, configVersion),
      quorum: () => {
        if (peer === undefined) return undefined;
        const leaderId = peer.currentLeader;
        const leaderSpec = servers.find((s) => BigInt(s.id) === leaderId);
        const votingView = new Map<number, string>();
        for (const s of servers)
          if (s.role === 'participant') votingView.set(s.id, formatServerSpec(s));
        const phase = peer.zabPhase();
        const view: QuorumView = {
          size: servers.filter((s) => s.role === 'participant').length,
          peerState: `${peer.role} - ${phase}`,
          leaderId: leaderId === null ? undefined : Number(leaderId),
          leaderAddress:
            leaderSpec === undefined
              ? undefined
              : `${leaderSpec.addresses[0]!.host}:${leaderSpec.addresses[0]!.quorumPort}`,
          votingView,
          zabState: phase,
        };
        if (peer.role === 'leading') {
          const c = peer.learnerCounts();
          view.leader = {
            learners: c.followers + c.observers,
            syncedFollowers: c.syncedFollowers,
            syncedNonVotingFollowers: 0,
            syncedObservers: c.syncedObservers,
            pendingSyncs: 0,
            leaderUptimeMs: systemClock.monotonicMs() - leaderSince,
            proposalSizes,
          };
        }
        return view;
      },
    },
  };
}

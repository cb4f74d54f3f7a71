/**
 * Assembles a standalone server: recovered tree, committer (the txn log), the client port,
 * timers for session expiry and container reaping, admin HTTP and /metrics.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../shared/clock.js';
import { limits } from '../../shared/limits.js';
import { DataTree } from '../tree/data-tree.js';
import type { LoggedTxn } from '../proto/types.js';
import { startClientListener, type ClientListener } from './client-listener.js';
import { collectRecoveryGarbageSoon } from './recovery-gc.js';
import { fourLetterWordOf, runFourLetterWord, type FourLetterEnv } from './fourlw.js';
import { startOpsEndpoints, type OpsSettings, type RunningOpsEndpoints } from './admin-settings.js';
import { createServerView } from './server-view.js';
import type { Committer } from './pipeline.js';
import type { ServerStatsRecorder } from './stats.js';
import {
  installedVersion,
  type QuorumView,
  type ServerConfView,
  type ServerMode,
  type ServerView,
} from './stats.js';
import { ZkServer, type ZkServerSettings } from './zk-server.js';

/** Where committed txns go. Standalone: the txn log; tests may pass a memory-only one. */
export interface TxnStore {
  /** Loads the last snapshot and replays the log after it. */
  recover(): Promise<DataTree>;
  /** Resolves once `t` is durable. */
  append(t: LoggedTxn): Promise<void>;
  /** Called after each applied txn; may start a background snapshot. */
  applied(tree: DataTree): void;
  lastSnapshot(): { zxid: bigint; timestampSeconds: number } | undefined;
  close(): Promise<void>;
  /** Where the log reports each fsync (mntr's fsynctime and sync_processor_batch_size). */
  attachStats?(stats: ServerStatsRecorder): void;
}

/** Keeps nothing: for tests of the request path alone. */
export function memoryTxnStore(): TxnStore {
  return {
    recover: async () => new DataTree(),
    append: async () => undefined,
    applied: () => undefined,
    lastSnapshot: () => undefined,
    close: async () => undefined,
  };
}

export interface StartServerOptions {
  settings: ZkServerSettings;
  clientHost: string | undefined;
  clientPort: number;
  maxClientCnxnsPerIp: number;
  ops: OpsSettings;
  conf: ServerConfView;
  initialConfiguration: string;
  store: TxnStore;
  clock: Clock;
  log: Logger;
  fourLetterEnv: FourLetterEnv;
  /** Ensemble member: starts not serving; `attach` starts its quorum peer, `detach` stops it. */
  ensemble?: {
    attach(zk: ZkServer): Promise<void>;
    detach(): Promise<void>;
    mode(): ServerMode;
    quorum(): QuorumView | undefined;
    yieldLeadership(): string;
  };
}

export interface RunningServer {
  readonly clientPort: number;
  readonly adminPort: number | undefined;
  readonly metricsPort: number | undefined;
  readonly view: ServerView;
  readonly zk: ZkServer;
  close(): Promise<void>;
}

export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const { clock, log, store } = opts;
  const tree = await store.recover();
  const committer: Committer = { commit: (t) => store.append(t) };
  const zk = new ZkServer(opts.settings, tree, committer, clock, log);
  if (opts.ensemble) zk.enterDown();
  // zk.tree, not tree: an ensemble member replaces its tree when it syncs with a leader.
  zk.onApplied = () => store.applied(zk.tree);
  store.attachStats?.(zk.stats);
  const ensemble = opts.ensemble;
  const view = createServerView(zk, clock, {
    version: installedVersion(),
    mode: ensemble ? () => ensemble.mode() : () => 'standalone',
    ...(ensemble
      ? { quorum: () => ensemble.quorum(), yieldLeadership: () => ensemble.yieldLeadership() }
      : {}),
    conf: opts.conf,
    initialConfiguration: opts.initialConfiguration,
    startedMonotonicMs: clock.monotonicMs(),
    lastSnapshot: () => store.lastSnapshot(),
  });

  let listener: ClientListener | undefined;
  let ops: RunningOpsEndpoints | undefined;
  const timers: NodeJS.Timeout[] = [];
  try {
    listener = await startClientListener(
      zk,
      {
        host: opts.clientHost,
        port: opts.clientPort,
        maxClientCnxnsPerIp: opts.maxClientCnxnsPerIp,
        maxBufferBytes: opts.settings.maxBufferBytes,
        fourLetterWord: (word, _conn, argument) => {
          zk.stats.packetReceived();
          return runFourLetterWord(word, view, opts.ops.fourLetterWhitelist, {
            ...opts.fourLetterEnv,
            stmkArgument: argument,
          });
        },
        isFourLetterWord: (frameLength) => fourLetterWordOf(frameLength) !== undefined,
      },
      clock,
      log,
    );
    ops = await startOpsEndpoints(view, opts.ops, opts.fourLetterEnv);
    await ensemble?.attach(zk);
  } catch (err) {
    await ops?.close();
    await listener?.close();
    await store.close();
    throw err;
  }

  // Sessions expire in whole ticks, so checking once per tick is exact enough.
  timers.push(
    setInterval(() => zk.expireSessions(), Math.max(10, Math.floor(opts.settings.tickTimeMs / 2))),
  );
  timers.push(setInterval(() => zk.reapContainers(), limits.containerCheckIntervalMs));
  for (const t of timers) t.unref();
  const recoveryGc = collectRecoveryGarbageSoon();

  log.info(
    {
      clientPort: listener.port,
      adminPort: ops.admin?.port,
      metricsPort: ops.metrics?.port,
      zxid: `0x${tree.lastProcessedZxid.toString(16)}`,
    },
    'zkts serving',
  );

  let closed = false;
  return {
    clientPort: listener.port,
    adminPort: ops.admin?.port,
    metricsPort: ops.metrics?.port,
    view,
    zk,
    close: async () => {
      if (closed) return;
      closed = true;
      zk.stopServing();
      await ensemble?.detach();
      for (const t of timers) clearInterval(t);
      recoveryGc.cancel();
      await listener?.close();
      await ops?.close();
      await store.close();
    },
  };
}

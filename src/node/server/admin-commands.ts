/**
 * The admin server's commands (Apache `server/admin/Commands.java`): each fills a response
 * map; `command` and `error` are appended last unless a command already set `error` (then
 * it stays where it was put, as in Apache's CommandResponse). Field names, aliases and the
 * "server required" flags were checked against Apache 3.8 (testdata/apache-3.8.0/admin/).
 */
import type { JsonValue } from './admin-json.js';
import { monitorValues } from './fourlw-monitor.js';
import { hex64, type FourLetterEnv } from './fourlw.js';
import { JavaDouble, type ConnectionInfo, type ServerView } from './stats.js';

export type AdminEnv = Pick<FourLetterEnv, 'clock' | 'environment' | 'traceMask'>;

type Body = Map<string, JsonValue>;

interface AdminCommand {
  names: string[];
  /** Apache answers "not currently serving" instead of running these without a live server. */
  serverRequired: boolean;
  run(view: ServerView | undefined, env: AdminEnv, params: URLSearchParams, out: Body): void;
}

/** Java long: session ids and zxids above 2^63 print negative, as Apache's signed longs do. */
const long = (v: bigint) => BigInt.asIntN(64, v);

const notServing = 'This ZooKeeper instance is not currently serving requests';

function connectionBean(c: ConnectionInfo, brief: boolean): Body {
  const b: Body = new Map<string, JsonValue>([
    ['remote_socket_address', c.remoteAddress],
    ['interest_ops', c.interestOps],
    ['outstanding_requests', c.outstandingRequests],
    ['packets_received', c.packetsReceived],
    ['packets_sent', c.packetsSent],
  ]);
  if (brief) return b;
  b.set('session_id', long(c.sessionId ?? 0n));
  b.set('last_operation', c.lastOperation);
  b.set('established', c.establishedWallMs);
  b.set('session_timeout', c.sessionTimeoutMs);
  b.set('last_cxid', c.lastCxid);
  b.set('last_zxid', long(c.lastZxid));
  b.set('last_response_time', c.lastResponseMonotonicMs);
  b.set('last_latency', c.lastLatencyMs);
  b.set('min_latency', c.minLatencyMs);
  b.set('avg_latency', c.avgLatencyMs);
  b.set('max_latency', c.maxLatencyMs);
  return b;
}

function connectionLists(view: ServerView, brief: boolean, out: Body): void {
  const all = view.connections();
  out.set(
    'connections',
    all.filter((c) => !c.secure).map((c) => connectionBean(c, brief)),
  );
  out.set(
    'secure_connections',
    all.filter((c) => c.secure).map((c) => connectionBean(c, brief)),
  );
}

function bufferStats(s: { last: number; min: number; max: number }): Body {
  return new Map<string, JsonValue>([
    ['last_buffer_size', s.last],
    ['min_buffer_size', s.min],
    ['max_buffer_size', s.max],
  ]);
}

function serverStats(view: ServerView, out: Body): void {
  const s = view.stats;
  const lat = s.latency.snapshot();
  out.set('version', view.version());
  out.set('read_only', view.mode() === 'read-only');
  out.set(
    'server_stats',
    new Map<string, JsonValue>([
      ['packets_sent', s.packetsSent()],
      ['packets_received', s.packetsReceived()],
      ['fsync_threshold_exceed_count', s.fsyncThresholdExceedCount()],
      ['client_response_stats', bufferStats(s.clientResponseSizes)],
      ['data_dir_size', view.dataDirSizeBytes()],
      ['log_dir_size', view.logDirSizeBytes()],
      ['provider_null', false],
      ['server_state', view.mode()],
      ['last_processed_zxid', long(view.lastZxid())],
      ['outstanding_requests', view.outstandingRequests()],
      ['avg_latency', new JavaDouble(lat.avg)],
      ['max_latency', lat.max],
      ['min_latency', lat.min],
      ['num_alive_client_connections', view.connections().length],
      ['auth_failed_count', s.authFailedCount()],
      ['non_mtlsremote_conn_count', 0],
      ['non_mtlslocal_conn_count', 0],
      ['uptime', Math.floor(view.uptimeMs())],
    ]),
  );
  out.set('client_response', bufferStats(s.clientResponseSizes));
  const leader = view.quorum?.()?.leader;
  if (view.mode() === 'leader' && leader)
    out.set('proposal_stats', bufferStats(leader.proposalSizes));
  out.set('node_count', view.nodeCount());
}

const commands: AdminCommand[] = [
  {
    names: ['configuration', 'conf', 'config'],
    serverRequired: true,
    run(view, _env, _p, out) {
      const c = view!.conf();
      out.set('client_port', c.clientPort);
      out.set('data_dir', c.dataDir);
      out.set('data_log_dir', c.dataLogDir);
      out.set('tick_time', c.tickTimeMs);
      out.set('max_client_cnxns', c.maxClientCnxns);
      out.set('min_session_timeout', c.minSessionTimeoutMs);
      out.set('max_session_timeout', c.maxSessionTimeoutMs);
      out.set('server_id', c.serverId);
      out.set('client_port_listen_backlog', c.clientPortListenBacklog);
    },
  },
  {
    names: ['connection_stat_reset', 'crst'],
    serverRequired: true,
    run(view) {
      view!.resetConnectionStats();
    },
  },
  {
    names: ['connections', 'cons'],
    serverRequired: true,
    run(view, _e, _p, out) {
      connectionLists(view!, false, out);
    },
  },
  {
    names: ['dirs'],
    serverRequired: true,
    run(view, _e, _p, out) {
      out.set('datadir_size', view!.dataDirSizeBytes());
      out.set('logdir_size', view!.logDirSizeBytes());
    },
  },
  {
    names: ['dump'],
    serverRequired: true,
    run(view, _e, _p, out) {
      const buckets = new Map<string, JsonValue>();
      for (const b of view!.sessionExpiryBuckets()) {
        buckets.set(String(b.expiryMonotonicMs), b.members.map(long));
      }
      const eph = new Map<string, JsonValue>();
      for (const [sid, paths] of view!.ephemeralsBySession()) eph.set(String(long(sid)), paths);
      out.set('expiry_time_to_session_ids', buckets);
      out.set('session_id_to_ephemeral_paths', eph);
    },
  },
  {
    names: ['environment', 'env', 'envi'],
    serverRequired: false,
    run(_v, env, _p, out) {
      for (const [k, v] of env.environment()) out.set(k, v);
    },
  },
  {
    names: ['get_trace_mask', 'gtmk'],
    serverRequired: false,
    run(_v, env, _p, out) {
      out.set('tracemask', env.traceMask.get());
    },
  },
  {
    names: ['hash'],
    serverRequired: true,
    run(view, _e, _p, out) {
      out.set(
        'digests',
        view!.digests().map(
          (d) =>
            new Map<string, JsonValue>([
              ['zxid', long(d.zxid)],
              ['digest', long(d.digest)],
            ]),
        ),
      );
    },
  },
  {
    names: ['initial_configuration', 'icfg'],
    serverRequired: true,
    run(view, _e, _p, out) {
      out.set('initial_configuration', view!.initialConfiguration());
    },
  },
  {
    names: ['is_read_only', 'isro'],
    serverRequired: true,
    run(view, _e, _p, out) {
      out.set('read_only', view!.mode() === 'read-only');
    },
  },
  {
    names: ['last_snapshot', 'lsnp'],
    serverRequired: true,
    run(view, _e, _p, out) {
      const s = view!.lastSnapshot();
      out.set('zxid', hex64(s?.zxid ?? 0n));
      out.set('timestamp', s?.timestampSeconds ?? 0);
    },
  },
  {
    names: ['leader', 'lead'],
    serverRequired: true,
    run(view, _e, _p, out) {
      const q = view!.quorum?.();
      if (!q) {
        out.set('error', 'server is not initialized');
        return;
      }
      out.set('is_leader', view!.mode() === 'leader');
      out.set('leader_id', q.leaderId ?? -1);
      out.set('leader_ip', q.leaderAddress ?? '');
    },
  },
  {
    // Not Apache's (it has no handoff): `ydld` as an admin command.
    names: ['yield_leadership', 'ydld'],
    serverRequired: true,
    run(view, _e, _p, out) {
      const message = view!.yieldLeadership?.();
      out.set('yielding', message !== undefined && message.startsWith('Yielding'));
      out.set('message', message ?? 'This server cannot hand off leadership');
    },
  },
  {
    names: ['monitor', 'mntr'],
    serverRequired: false,
    run(view, _e, _p, out) {
      if (!view) return;
      for (const [k, v] of monitorValues(view)) out.set(k, v);
    },
  },
  {
    names: ['observer_connection_stat_reset', 'orst'],
    serverRequired: true,
    run() {
      // zkts has no observers yet: nothing to reset.
    },
  },
  {
    names: ['observers', 'obsr'],
    serverRequired: true,
    run(view, _e, _p, out) {
      out.set('synced_observers', view!.quorum?.()?.leader?.syncedObservers ?? 0);
      out.set('observers', []);
    },
  },
  {
    names: ['ruok'],
    serverRequired: true,
    run() {
      // An answer without error is the health signal.
    },
  },
  {
    names: ['server_stats', 'srvr'],
    serverRequired: true,
    run(view, _e, _p, out) {
      serverStats(view!, out);
    },
  },
  {
    names: ['set_trace_mask', 'stmk'],
    serverRequired: false,
    run(_v, env, params, out) {
      const arg = params.get('traceMask');
      if (arg === null) {
        out.set('error', 'setTraceMask requires long traceMask argument');
        return;
      }
      if (!/^-?\d+$/.test(arg)) {
        out.set('error', `setTraceMask requires long traceMask argument, got ${arg}`);
        return;
      }
      env.traceMask.set(BigInt(arg));
      out.set('tracemask', env.traceMask.get());
    },
  },
  {
    names: ['stat_reset', 'srst'],
    serverRequired: true,
    run(view) {
      view!.stats.reset();
    },
  },
  {
    names: ['stats', 'stat'],
    serverRequired: true,
    run(view, _e, _p, out) {
      serverStats(view!, out);
      connectionLists(view!, true, out);
    },
  },
  {
    names: ['system_properties', 'sysp'],
    serverRequired: false,
    run(_v, _env, _p, out) {
      // Node has no system properties; the nearest thing is the process description.
      const props: Array<[string, string]> = [
        ['node.version', process.version],
        ['os.arch', process.arch],
        ['os.name', process.platform],
        ['process.argv', process.argv.join(' ')],
        ['process.execPath', process.execPath],
        ['process.pid', String(process.pid)],
        ['user.dir', process.cwd()],
      ];
      for (const [k, v] of props) out.set(k, v);
    },
  },
  {
    names: ['voting_view'],
    serverRequired: true,
    run(view, _e, _p, out) {
      const cfg = new Map<string, JsonValue>();
      for (const [sid, s] of view!.quorum?.()?.votingView ?? []) cfg.set(String(sid), s);
      out.set('current_config', cfg);
    },
  },
  {
    names: ['watch_summary', 'wchs'],
    serverRequired: true,
    run(view, _e, _p, out) {
      const s = view!.watchSummary();
      out.set('num_connections', s.connections);
      out.set('num_paths', s.paths);
      out.set('num_total_watches', s.totalWatches);
    },
  },
  {
    names: ['watches', 'wchc'],
    serverRequired: true,
    run(view, _e, _p, out) {
      const m = new Map<string, JsonValue>();
      for (const [sid, paths] of view!.watchesBySession()) m.set(String(long(sid)), paths);
      out.set('session_id_to_watched_paths', m);
    },
  },
  {
    names: ['watches_by_path', 'wchp'],
    serverRequired: true,
    run(view, _e, _p, out) {
      const m = new Map<string, JsonValue>();
      for (const [path, sids] of view!.watchesByPath()) m.set(path, sids.map(long));
      out.set('path_to_session_ids', m);
    },
  },
  {
    names: ['zabstate'],
    serverRequired: false,
    run(view, _e, _p, out) {
      const q = view?.quorum?.();
      out.set('voting', q !== undefined && view?.mode() !== 'observer');
      out.set('zabstate', q?.zabState ?? '');
    },
  },
];

const byName = new Map<string, AdminCommand>();
for (const c of commands) for (const n of c.names) byName.set(n, c);

/** Primary names, sorted, as `/commands` lists them. */
export const adminCommandNames: string[] = commands.map((c) => c.names[0]!).sort();

/** All names (primary and aliases) that resolve to a command. */
export function adminCommandAliases(): Map<string, string> {
  return new Map([...byName].map(([n, c]) => [n, c.names[0]!]));
}

/** Runs a command by primary name or alias; an unknown name yields Apache's error response. */
export function runAdminCommand(
  name: string,
  view: ServerView | undefined,
  env: AdminEnv,
  params: URLSearchParams = new URLSearchParams(),
): Body {
  const cmd = byName.get(name);
  const out: Body = new Map();
  if (!cmd) {
    out.set('command', name);
    out.set('error', `Unknown command: ${name}`);
    return out;
  }
  const primary = cmd.names[0]!;
  if (cmd.serverRequired && (view === undefined || !view.serving())) {
    out.set('command', primary);
    out.set('error', notServing);
    return out;
  }
  cmd.run(view, env, params, out);
  out.set('command', primary);
  if (!out.has('error')) out.set('error', null);
  return out;
}

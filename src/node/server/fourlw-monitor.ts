/**
 * The monitor values: one list, in one order, behind `mntr`, the admin `monitor` command and
 * the gauges of `/metrics`. Keys carry no `zk_` prefix (mntr adds it).
 */
import {
  advancedSummaryNames,
  basicSummaryNames,
  counterNames,
  standardGaugeNames,
  summarySetNames,
  type StandardGaugeName,
} from '../../metrics/catalog.js';
import { JavaDouble, type MetricValue, type ServerMode, type ServerView } from './stats.js';

/** `server_state` as Apache prints it. */
export function serverStateName(mode: ServerMode): string {
  return mode;
}

/** Gauges every server has, read from the view. */
export function standardGaugeValue(view: ServerView, name: StandardGaugeName): MetricValue {
  const s = view.stats;
  switch (name) {
    case 'avg_latency':
      return new JavaDouble(s.latency.snapshot().avg);
    case 'min_latency':
      return s.latency.snapshot().min;
    case 'max_latency':
      return s.latency.snapshot().max;
    case 'packets_received':
      return s.packetsReceived();
    case 'packets_sent':
      return s.packetsSent();
    case 'num_alive_connections':
      return view.connections().length;
    case 'outstanding_requests':
      return view.outstandingRequests();
    case 'uptime':
      return Math.floor(view.uptimeMs());
    case 'znode_count':
      return view.nodeCount();
    case 'watch_count':
      return view.watchCount();
    case 'ephemerals_count':
      return view.ephemeralsCount();
    case 'approximate_data_size':
      return view.approximateDataSize();
    case 'global_sessions':
      return view.globalSessions();
    case 'local_sessions':
      return view.localSessions();
    case 'open_file_descriptor_count':
      return view.openFileDescriptorCount();
    case 'max_file_descriptor_count':
      return view.maxFileDescriptorCount();
    case 'connection_drop_probability':
      return new JavaDouble(0);
    case 'last_client_response_size':
      return s.clientResponseSizes.last;
    case 'max_client_response_size':
      return s.clientResponseSizes.max;
    case 'min_client_response_size':
      return s.clientResponseSizes.min;
    case 'outstanding_tls_handshake':
      return 0;
    case 'auth_failed_count':
      return s.authFailedCount();
    case 'non_mtls_remote_conn_count':
    case 'non_mtls_local_conn_count':
      return 0;
  }
}

/** Quorum-only gauges, in the order we print them (Apache's order is a hash order). */
export function quorumGaugeValues(view: ServerView): Array<[string, MetricValue]> {
  const q = view.quorum?.();
  if (!q) return [];
  const out: Array<[string, MetricValue]> = [['quorum_size', q.size]];
  if (q.leader) {
    const l = q.leader;
    out.push(
      ['learners', l.learners],
      ['synced_followers', l.syncedFollowers],
      ['synced_non_voting_followers', l.syncedNonVotingFollowers],
      ['synced_observers', l.syncedObservers],
      ['pending_syncs', l.pendingSyncs],
      ['leader_uptime', Math.floor(l.leaderUptimeMs)],
      ['last_proposal_size', l.proposalSizes.last],
      ['max_proposal_size', l.proposalSizes.max],
      ['min_proposal_size', l.proposalSizes.min],
    );
  } else if (q.syncedObservers !== undefined) {
    out.push(['synced_observers', q.syncedObservers]);
  }
  return out;
}

/** Everything `mntr` prints, in order, without the `zk_` prefix. */
export function monitorValues(view: ServerView): Array<[string, MetricValue]> {
  const out: Array<[string, MetricValue]> = [
    ['version', view.version()],
    ['server_state', serverStateName(view.mode())],
  ];
  const q = view.quorum?.();
  if (q) out.push(['peer_state', q.peerState]);
  for (const g of standardGaugeNames) out.push([g, standardGaugeValue(view, g)]);
  out.push(...quorumGaugeValues(view));
  for (const c of counterNames) out.push([c, view.stats.counter(c)]);
  for (const name of [...basicSummaryNames, ...advancedSummaryNames]) {
    const s = view.stats.summary(name);
    out.push(
      [`avg_${name}`, new JavaDouble(s.avg)],
      [`min_${name}`, s.min],
      [`max_${name}`, s.max],
      [`cnt_${name}`, s.count],
      [`sum_${name}`, s.sum],
    );
    if (s.percentiles && view.stats.isAdvancedSummary(name)) {
      out.push(
        [`p50_${name}`, s.percentiles.p50],
        [`p95_${name}`, s.percentiles.p95],
        [`p99_${name}`, s.percentiles.p99],
        [`p999_${name}`, s.percentiles.p999],
      );
    }
  }
  // Apache's order put the per-namespace sets last, app_read… before app_write….
  for (const set of summarySetNames) {
    for (const [ns, s] of view.stats.summarySet(set)) {
      const name = `${ns}_${set}`;
      out.push(
        [`avg_${name}`, new JavaDouble(s.avg)],
        [`min_${name}`, s.min],
        [`max_${name}`, s.max],
        [`cnt_${name}`, s.count],
        [`sum_${name}`, s.sum],
      );
    }
  }
  return out;
}

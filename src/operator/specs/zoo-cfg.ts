import type { ResolvedEnsemble } from '../api/index.js';
import { DATA_DIR, names } from './meta.js';

/**
 * zoo.cfg for an ensemble whose membership is members 0..memberCount-1. The settings part
 * (everything but server.N lines) is hashed into the pod template: changing it rolls the
 * members, while a membership change (scaling) goes through reconfig and rolls nothing.
 */
export function zooCfgSettings(e: ResolvedEnsemble): string[] {
  const c = e.spec.config;
  const p = e.spec.ports;
  const lines = [
    `tickTime=${c.tickTime}`,
    `initLimit=${c.initLimit}`,
    `syncLimit=${c.syncLimit}`,
    `dataDir=${DATA_DIR}`,
    `clientPort=${p.client}`,
    `maxClientCnxns=${c.maxClientCnxns}`,
  ];
  if (c.minSessionTimeout !== undefined) lines.push(`minSessionTimeout=${c.minSessionTimeout}`);
  if (c.maxSessionTimeout !== undefined) lines.push(`maxSessionTimeout=${c.maxSessionTimeout}`);
  if (c.juteMaxBuffer !== undefined) lines.push(`jute.maxbuffer=${c.juteMaxBuffer}`);
  lines.push(
    `autopurge.snapRetainCount=${c.autopurge.snapRetainCount}`,
    `autopurge.purgeInterval=${c.autopurge.purgeIntervalHours}`,
    `4lw.commands.whitelist=${c.fourLetterWordWhitelist.join(',')}`,
    'admin.enableServer=true',
    `admin.serverPort=${p.admin}`,
    'metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
    `metricsProvider.httpPort=${p.metrics}`,
    // Membership changes go through reconfig; a one-member ensemble must stay a quorum
    // (not standalone) so that it can grow.
    'reconfigEnabled=true',
    'standaloneEnabled=false',
    // Pod IPs change across restarts; bind to all addresses rather than the resolved name.
    'quorumListenOnAllIPs=true',
  );
  for (const key of Object.keys(c.additional).sort()) lines.push(`${key}=${c.additional[key]}`);
  return lines;
}

/** `server.N=<host>:<quorum>:<election>;<client>` with N = ordinal + 1. */
export function serverLine(e: ResolvedEnsemble, ordinal: number): string {
  const p = e.spec.ports;
  const host = names.memberHost(e.metadata.name, e.metadata.namespace, ordinal);
  return `server.${ordinal + 1}=${host}:${p.quorum}:${p.election};${p.client}`;
}

export function serverLines(e: ResolvedEnsemble, memberCount: number): string[] {
  return Array.from({ length: memberCount }, (_, i) => serverLine(e, i));
}

export function zooCfg(e: ResolvedEnsemble, memberCount: number): string {
  return [
    `# Written by zkts-operator for ZooKeeperEnsemble ${e.metadata.namespace}/${e.metadata.name}; edits are overwritten.`,
    ...zooCfgSettings(e),
    ...serverLines(e, memberCount),
    '',
  ].join('\n');
}

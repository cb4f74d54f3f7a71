/**
 * The files `zkts ensemble up` writes for each member: zoo.cfg (every member on its own
 * loopback address with the standard ports, so each one looks like a separate machine) and
 * the myid file in its dataDir. No I/O here; ensemble-up.ts writes what this returns.
 */
import { join } from 'node:path';

export const ensemblePorts = {
  client: 2181,
  quorum: 2888,
  election: 3888,
  admin: 8080,
  metrics: 7000,
} as const;

export const maxEnsembleSize = 9;

export interface MemberLayout {
  sid: number;
  name: string;
  host: string;
  /** <dir>/server.N */
  home: string;
  cfgFile: string;
  dataDir: string;
  zooCfg: string;
  myid: string;
}

/** "127.0.0." (a prefix ending in a dot, the sid is appended) — loopback only. */
export function checkHostPrefix(prefix: string): string | undefined {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.$/.exec(prefix);
  if (!m || Number(m[1]) > 255 || Number(m[2]) > 255)
    return `--host-prefix must look like 127.0.0. (a loopback prefix ending in a dot), got ${prefix}`;
  return undefined;
}

export function ensembleLayout(dir: string, size: number, hostPrefix: string): MemberLayout[] {
  const sids = Array.from({ length: size }, (_, i) => i + 1);
  const serverLines = sids.map(
    (sid) => `server.${sid}=${hostPrefix}${sid}:${ensemblePorts.quorum}:${ensemblePorts.election}`,
  );
  return sids.map((sid) => {
    const host = `${hostPrefix}${sid}`;
    const home = join(dir, `server.${sid}`);
    const dataDir = join(home, 'data');
    const zooCfg = [
      `# Written by \`zkts ensemble up\` on each start; edits are overwritten.`,
      'tickTime=2000',
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${dataDir}`,
      `clientPort=${ensemblePorts.client}`,
      `clientPortAddress=${host}`,
      '4lw.commands.whitelist=*',
      `admin.serverAddress=${host}`,
      `admin.serverPort=${ensemblePorts.admin}`,
      'metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
      `metricsProvider.httpHost=${host}`,
      `metricsProvider.httpPort=${ensemblePorts.metrics}`,
      ...serverLines,
      '',
    ].join('\n');
    return {
      sid,
      name: `server.${sid}`,
      host,
      home,
      cfgFile: join(home, 'zoo.cfg'),
      dataDir,
      zooCfg,
      myid: `${sid}\n`,
    };
  });
}

export function connectString(members: readonly MemberLayout[]): string {
  return members.map((m) => `${m.host}:${ensemblePorts.client}`).join(',');
}

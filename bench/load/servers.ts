/**
 * The two servers under test, each fresh on loopback: Apache ZooKeeper 3.8 standalone with the
 * JVM settings zkServer.sh would give it on this machine (G1, 1000 MB heap; forceSync default),
 * and zkts from the build. zkts can run under --cpu-prof for profiling.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startApacheZk } from '../../test/support/apache-zk.js';
import { freePort } from '../../test/support/ports.js';
import { spawnServer, type ServerHandle } from '../../test/support/process-group.js';
import { withServerEnv, withServerNodeFlags } from '../../src/node/server/node-flags.js';

/** baseline: another built zkts checkout (--baseline DIR), for same-run A/B of a change. */
export type Target = 'apache' | 'zkts' | 'baseline';
export const targetNames: Record<Target, string> = {
  apache: 'Apache 3.8',
  zkts: 'zkts',
  baseline: 'zkts baseline',
};

/** The repository root: the nearest folder above this file holding package.json. */
export function repoRoot(): string {
  let d = import.meta.dirname;
  while (!existsSync(join(d, 'package.json'))) {
    const up = dirname(d);
    if (up === d) throw new Error('package.json not found above ' + import.meta.dirname);
    d = up;
  }
  return d;
}

export function startApache(): Promise<ServerHandle> {
  // The harness defaults to SerialGC and 512 MB to save CPU in tests; undo that for the bench.
  return startApacheZk({ jvmFlags: ['-Xmx1000m', '-XX:-UseSerialGC', '-XX:+UseG1GC'] });
}

export async function startZktsServer(
  opts: { profileDir?: string; root?: string; nodeFlags?: string[] } = {},
): Promise<ServerHandle> {
  const root = opts.root ?? repoRoot();
  for (const f of ['bin/zkts', 'dist/src/cli/main.js', 'dist/src/node/server/main.js'])
    if (!existsSync(join(root, f)))
      throw new Error(`zkts is not built (${f} missing): run \`npm run build\``);
  const host = '127.0.0.1';
  const port = await freePort(host);
  // Own ports for the admin and metrics listeners so the bench never collides with 8080/7000.
  const adminPort = await freePort(host);
  const metricsPort = await freePort(host);
  const confDir = mkdtempSync(join(tmpdir(), 'zkts-bench-conf-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'zkts-bench-data-'));
  const cfgFile = join(confDir, 'zoo.cfg');
  writeFileSync(
    cfgFile,
    [
      'tickTime=2000',
      `dataDir=${dataDir}`,
      `clientPort=${port}`,
      `clientPortAddress=${host}`,
      '4lw.commands.whitelist=*',
      'admin.enableServer=false',
      `admin.serverPort=${adminPort}`,
      `metricsProvider.httpPort=${metricsPort}`,
      '',
    ].join('\n'),
  );
  const nodeFlags = [
    ...(opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(opts.profileDir)}`] : []),
    ...(opts.nodeFlags ?? []),
  ];
  return spawnServer({
    name: 'zkts',
    command: process.execPath,
    args: [
      ...withServerNodeFlags(nodeFlags),
      join(root, 'bin/zkts'),
      'server',
      '--config',
      cfgFile,
    ],
    env: withServerEnv(process.env),
    host,
    port,
    dataDir,
    logFile: join(confDir, 'stdout.log'),
    cleanup: [confDir, dataDir],
    startTimeoutMs: 30_000,
  });
}

/**
 * Debian's Apache ZooKeeper 3.8 as a standalone server for tests: the classpath Debian's
 * zkEnv.sh builds (zookeeper.jar names its dependencies in its manifest) plus a log4j binding,
 * main class ZooKeeperServerMain, loopback address and a free port.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareServerConfig, type ServerConfigOptions } from './server-config.js';
import { spawnServer, type ServerHandle } from './process-group.js';

export type ApacheZk = ServerHandle;

/** dataDir is kept after stop(); a temp one (removed on stop) is made when absent. */
export interface ApacheZkOptions extends ServerConfigOptions {
  jvmFlags?: string[];
}

export const apacheJars = [
  '/usr/share/java/zookeeper.jar',
  '/usr/share/java/zookeeper-jute.jar',
  '/usr/share/java/log4j-1.2.jar',
  '/usr/share/java/slf4j-log4j12.jar',
  '/usr/share/java/slf4j-api.jar',
];

/** The classpath for Apache's Java programs (server, zkCli, Java client), logging to confDir. */
export function apacheClasspath(confDir: string): string {
  for (const jar of apacheJars)
    if (!existsSync(jar)) throw new Error(`missing ${jar}: run scripts/setup.sh (zookeeper)`);
  return [confDir, ...apacheJars].join(':');
}

/** log4j 1.2 config sending everything at `level` to `logFile`. */
export function log4jProperties(logFile: string, level = 'INFO'): string {
  return [
    `log4j.rootLogger=${level}, F`,
    'log4j.appender.F=org.apache.log4j.FileAppender',
    `log4j.appender.F.File=${logFile}`,
    'log4j.appender.F.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.F.layout.ConversionPattern=%d %p [%t] %c{1} - %m%n',
    '',
  ].join('\n');
}

export async function startApacheZk(opts: ApacheZkOptions = {}): Promise<ApacheZk> {
  const { host, port, confDir, dataDir, cfgFile, cleanup } = await prepareServerConfig(
    'zkts-apache',
    opts,
  );
  writeFileSync(join(confDir, 'log4j.properties'), log4jProperties(join(confDir, 'zk.log')));
  return spawnServer({
    name: 'Apache ZooKeeper',
    command: 'java',
    args: [
      '-Xmx512m',
      '-XX:+UseSerialGC',
      '-Dzookeeper.extendedTypesEnabled=true',
      ...(opts.jvmFlags ?? []),
      '-cp',
      apacheClasspath(confDir),
      'org.apache.zookeeper.server.ZooKeeperServerMain',
      cfgFile,
    ],
    host,
    port,
    dataDir,
    logFile: join(confDir, 'stdout.log'),
    cleanup,
    startTimeoutMs: 60_000,
    pollIntervalMs: opts.pollIntervalMs,
  });
}

/**
 * What every test server needs before it starts, for Apache ZooKeeper and zkts alike: an
 * address, a temp conf dir, a dataDir (temp unless given), and a zoo.cfg with the settings the
 * compat suites rely on, overridden by the caller's.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface ServerConfigOptions {
  host?: string;
  port?: number;
  dataDir?: string;
  /** zoo.cfg entries; override the defaults. */
  config?: Record<string, string>;
  /** Readiness probe interval while the server starts (spawnServer's default when absent). */
  pollIntervalMs?: number;
}

export interface PreparedServerConfig {
  host: string;
  port: number;
  confDir: string;
  dataDir: string;
  cfgFile: string;
  /** Temp dirs this call made, to remove when the server stops. */
  cleanup: string[];
}

/** `tempPrefix` names the temp dirs (`<prefix>-conf-…`, `<prefix>-data-…`). */
export async function prepareServerConfig(
  tempPrefix: string,
  opts: ServerConfigOptions,
  defaults: Record<string, string> = {},
): Promise<PreparedServerConfig> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const confDir = mkdtempSync(join(tmpdir(), `${tempPrefix}-conf-`));
  const cleanup = [confDir];
  let dataDir = opts.dataDir;
  if (dataDir === undefined) {
    dataDir = mkdtempSync(join(tmpdir(), `${tempPrefix}-data-`));
    cleanup.push(dataDir);
  } else {
    mkdirSync(dataDir, { recursive: true });
  }
  const cfg: Record<string, string> = {
    tickTime: '2000',
    dataDir,
    clientPort: String(port),
    clientPortAddress: host,
    '4lw.commands.whitelist': '*',
    'admin.enableServer': 'false',
    ...defaults,
    ...opts.config,
  };
  const cfgFile = join(confDir, 'zoo.cfg');
  writeFileSync(
    cfgFile,
    Object.entries(cfg)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  return { host, port, confDir, dataDir, cfgFile, cleanup };
}

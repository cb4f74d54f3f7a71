/** A zkts server (`node bin/zkts server --config zoo.cfg`) for tests; needs `npm run build`. */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports.js';
import { spawnServer, type ServerHandle } from './process-group.js';

export type ZktsServer = ServerHandle;

export interface ZktsOptions {
  host?: string;
  port?: number;
  dataDir?: string;
  config?: Record<string, string>;
}

export const repoRoot = resolve(import.meta.dirname, '../..');

export async function startZkts(opts: ZktsOptions = {}): Promise<ZktsServer> {
  const entry = join(repoRoot, 'dist/src/cli/main.js');
  if (!existsSync(entry))
    throw new Error(`zkts is not built (${entry} missing): run \`npm run build\` first`);
  if (!existsSync(join(repoRoot, 'dist/src/node/server/main.js')))
    throw new Error('dist/src/node/server/main.js missing: the zkts server is not built yet');
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const confDir = mkdtempSync(join(tmpdir(), 'zkts-conf-'));
  const cleanup = [confDir];
  let dataDir = opts.dataDir;
  if (dataDir === undefined) {
    dataDir = mkdtempSync(join(tmpdir(), 'zkts-data-'));
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
    // The Apache harness passes -Dzookeeper.extendedTypesEnabled=true; the same setting here.
    extendedTypesEnabled: 'true',
    ...opts.config,
  };
  const cfgFile = join(confDir, 'zoo.cfg');
  writeFileSync(
    cfgFile,
    Object.entries(cfg)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  return spawnServer({
    name: 'zkts',
    command: process.execPath,
    args: [join(repoRoot, 'bin/zkts'), 'server', '--config', cfgFile],
    host,
    port,
    dataDir,
    logFile: join(confDir, 'stdout.log'),
    cleanup,
    startTimeoutMs: 30_000,
  });
}

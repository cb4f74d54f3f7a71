/** A zkts server (`node bin/zkts server --config zoo.cfg`) for tests; needs `npm run build`. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { prepareServerConfig, type ServerConfigOptions } from './server-config.js';
import { spawnServer, type ServerHandle } from './process-group.js';
import { withServerEnv, withServerNodeFlags } from '../../src/node/server/node-flags.js';

export type ZktsServer = ServerHandle;

export type ZktsOptions = ServerConfigOptions;

/** The nearest folder above this file holding package.json (also right when run from dist/). */
export const repoRoot = ((): string => {
  let d = import.meta.dirname;
  while (!existsSync(join(d, 'package.json'))) {
    const up = dirname(d);
    if (up === d) throw new Error(`package.json not found above ${import.meta.dirname}`);
    d = up;
  }
  return d;
})();

export async function startZkts(opts: ZktsOptions = {}): Promise<ZktsServer> {
  const entry = join(repoRoot, 'dist/src/cli/main.js');
  if (!existsSync(entry))
    throw new Error(`zkts is not built (${entry} missing): run \`npm run build\` first`);
  if (!existsSync(join(repoRoot, 'dist/src/node/server/main.js')))
    throw new Error('dist/src/node/server/main.js missing: the zkts server is not built yet');
  const { host, port, confDir, dataDir, cfgFile, cleanup } = await prepareServerConfig(
    'zkts',
    opts,
    {
      // The Apache harness passes -Dzookeeper.extendedTypesEnabled=true; the same setting here.
      extendedTypesEnabled: 'true',
    },
  );
  return spawnServer({
    name: 'zkts',
    command: process.execPath,
    args: [...withServerNodeFlags([]), join(repoRoot, 'bin/zkts'), 'server', '--config', cfgFile],
    env: withServerEnv(process.env),
    host,
    port,
    dataDir,
    logFile: join(confDir, 'stdout.log'),
    cleanup,
    startTimeoutMs: 30_000,
    pollIntervalMs: opts.pollIntervalMs,
  });
}

/** How this program starts a `zkts server` process (the daemon, `ensemble up`'s members). */
import { fileURLToPath } from 'node:url';
import { withServerEnv, withServerNodeFlags } from '../node/server/node-flags.js';

export interface ServerLaunch {
  command: string;
  /** Arguments before `--config <file>`. */
  args: string[];
  /** Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
}

/** argv[1] names bin/zkts when run as a command: the server is started the same way. */
export function serverLaunch(): ServerLaunch {
  const script = process.argv[1] ?? fileURLToPath(new URL('../../../bin/zkts', import.meta.url));
  return {
    command: process.execPath,
    args: [...withServerNodeFlags(process.execArgv), script, 'server'],
    env: withServerEnv(process.env),
  };
}

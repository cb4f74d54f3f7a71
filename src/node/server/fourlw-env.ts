/**
 * `envi` / admin `environment`: Apache's keys (ZK/Environment.java), so tools that read
 * `zookeeper.version` or `host.name` work; the java.* keys describe the Node.js runtime
 * instead (java.version = Node's version, java.home = the node binary's directory, …).
 */
import { dirname } from 'node:path';
import { arch, homedir, hostname, release, tmpdir, userInfo } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { Clock } from '../../shared/clock.js';
import type { FourLetterEnv } from './fourlw.js';
import { installedVersion } from './stats.js';

export function environmentEntries(version: string): Array<[string, string]> {
  const mb = (bytes: number) => `${Math.floor(bytes / (1024 * 1024))}MB`;
  const mem = process.memoryUsage();
  let userName = '';
  try {
    userName = userInfo().username;
  } catch {
    userName = '';
  }
  return [
    ['zookeeper.version', version],
    ['host.name', hostname()],
    ['java.version', process.versions.node],
    ['java.vendor', 'Node.js'],
    ['java.home', dirname(process.execPath)],
    ['java.class.path', process.argv[1] ?? ''],
    ['java.library.path', process.env['LD_LIBRARY_PATH'] ?? ''],
    ['java.io.tmpdir', tmpdir()],
    ['java.compiler', '<NA>'],
    ['os.name', process.platform === 'linux' ? 'Linux' : process.platform],
    ['os.arch', arch() === 'x64' ? 'amd64' : arch()],
    ['os.version', release()],
    ['user.name', userName],
    ['user.home', homedir()],
    ['user.dir', process.cwd()],
    // Java reports its heap: free within the heap, the heap's limit, the heap's current size.
    ['os.memory.free', mb(mem.heapTotal - mem.heapUsed)],
    ['os.memory.max', mb(getHeapStatistics().heap_size_limit)],
    ['os.memory.total', mb(mem.heapTotal)],
  ];
}

/** `envi` lines for this installation (the version zkts reports, see installedVersion). */
export function environmentLines(): Array<[string, string]> {
  return environmentEntries(installedVersion());
}

/** Apache's default ZooTrace mask (CLIENT_REQUEST_TRACE_MASK | … ), what gtmk prints first. */
export const defaultTraceMask = 306n;

/** The environment the four-letter words and admin commands run in, for a live server. */
export function processFourLetterEnv(clock: Clock, version: string): FourLetterEnv {
  let mask = defaultTraceMask;
  return {
    clock,
    environment: () => environmentEntries(version),
    traceMask: {
      get: () => mask,
      set: (m: bigint) => {
        mask = m;
      },
    },
  };
}

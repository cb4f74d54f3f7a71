/** `zkts cleanup -n N [--config zoo.cfg | dataDir [dataLogDir]]`: what zkCleanup.sh (PurgeTxnLog) does. */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VERSION_DIR } from '../node/storage/file-names.js';
import { MIN_SNAP_RETAIN_COUNT, purgeDataDir } from '../node/storage/purge.js';
import { cleanupUsage } from './storage-cleanup-usage.js';
import type { CliIo } from './server-control.js';
import { parseArgs, stdIo } from './storage-common.js';

async function readZooCfg(path: string): Promise<Map<string, string>> {
  let file = path;
  if ((await stat(path)).isDirectory()) file = join(path, 'zoo.cfg');
  const cfg = new Map<string, string>();
  for (const raw of (await readFile(file, 'utf8')).split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) cfg.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return cfg;
}

export async function runCleanup(argv: string[], io: CliIo = stdIo): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, ['--help', '-h']);
  } catch (err) {
    io.err(`zkts cleanup: ${(err as Error).message}\n${cleanupUsage}`);
    return 2;
  }
  if (args.flags.has('--help') || args.flags.has('-h')) {
    io.out(cleanupUsage);
    return 0;
  }
  const nArg = (args.flags.get('-n') ??
    args.flags.get('--count') ??
    String(MIN_SNAP_RETAIN_COUNT)) as string;
  const count = Number(nArg);
  if (!/^\d+$/.test(nArg) || count < MIN_SNAP_RETAIN_COUNT) {
    io.err(
      `zkts cleanup: -n must be an integer of at least ${MIN_SNAP_RETAIN_COUNT}, not ${nArg}\n`,
    );
    return 2;
  }
  let dataDir: string | undefined;
  let dataLogDir: string | undefined;
  const config = args.flags.get('--config') as string | undefined;
  if (config !== undefined) {
    if (args.positional.length > 0) {
      io.err(`zkts cleanup: give either --config or directories\n${cleanupUsage}`);
      return 2;
    }
    try {
      const cfg = await readZooCfg(config);
      dataDir = cfg.get('dataDir');
      dataLogDir = cfg.get('dataLogDir');
    } catch (err) {
      io.err(`zkts cleanup: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
    if (!dataDir) {
      io.err(`zkts cleanup: ${config} names no dataDir\n`);
      return 1;
    }
  } else {
    [dataDir, dataLogDir] = args.positional;
    if (dataDir === undefined || args.positional.length > 2) {
      io.err(cleanupUsage);
      return 2;
    }
  }
  const snapDir = join(dataDir, VERSION_DIR);
  const logDir = join(dataLogDir ?? dataDir, VERSION_DIR);
  const r = await purgeDataDir(snapDir, logDir, count);
  if (r.retainFromZxid === null) {
    io.out(`No valid snapshot in ${snapDir}; nothing removed.\n`);
    return 0;
  }
  for (const n of r.snapshots) io.out(`Removing file: ${join(snapDir, n)}\n`);
  for (const n of r.logs) io.out(`Removing file: ${join(logDir, n)}\n`);
  for (const e of r.errors) io.err(`zkts cleanup: could not remove ${e}\n`);
  return r.errors.length > 0 ? 1 : 0;
}

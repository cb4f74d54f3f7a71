/**
 * `zkts server start|stop|status|restart`: zkServer.sh's daemon management, with its messages.
 * The pid file defaults to <dataDir>/zookeeper_server.pid; the daemon's output goes to
 * <dataDir>/zookeeper_server.out unless --out-file names another file. Unlike zkServer.sh,
 * `start` waits until the client port answers (or the process dies) instead of sleeping 1 s,
 * and `stop` waits for the process to exit.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendFourLetterWord } from './server-control-fourlw.js';
import type { ServerLaunch } from './server-launch.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface ServerControlOptions {
  /** zoo.cfg, or a directory holding zoo.cfg (zkServer.sh's --config names a directory). */
  configPath: string;
  pidFile?: string;
  outFile?: string;
  /** How to run the server in the foreground; `--config <file>` is appended. */
  launch: ServerLaunch;
  /** Longest wait for the client port to answer after start. */
  startTimeoutMs?: number;
  /** Longest wait for the process to exit after SIGTERM. */
  stopTimeoutMs?: number;
  io: CliIo;
}

/** The few zoo.cfg keys daemon control needs, read the way zkServer.sh greps them. */
export interface ZooCfgBasics {
  dataDir: string | undefined;
  clientPort: number | undefined;
  clientPortAddress: string | undefined;
  secureClientPort: number | undefined;
}

export function readZooCfgBasics(text: string): ZooCfgBasics {
  const values = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const port = (k: string) => {
    const v = values.get(k);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  return {
    dataDir: values.get('dataDir'),
    clientPort: port('clientPort'),
    clientPortAddress: values.get('clientPortAddress'),
    secureClientPort: port('secureClientPort'),
  };
}

export function resolveConfigFile(configPath: string): string {
  const p = resolve(configPath);
  try {
    if (statSync(p).isDirectory()) return join(p, 'zoo.cfg');
  } catch {
    // not there: reported when read
  }
  return p;
}

interface Resolved {
  configFile: string;
  cfg: ZooCfgBasics;
  pidFile: string;
}

function resolveAll(opts: ServerControlOptions): Resolved | string {
  const configFile = resolveConfigFile(opts.configPath);
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (err) {
    return `cannot read config ${configFile}: ${(err as Error).message}`;
  }
  const cfg = readZooCfgBasics(text);
  let pidFile = opts.pidFile;
  if (pidFile === undefined) {
    if (cfg.dataDir === undefined) return `${configFile} names no dataDir; give --pid-file`;
    pidFile = join(cfg.dataDir, 'zookeeper_server.pid');
  }
  return { configFile, cfg, pidFile: resolve(pidFile) };
}

export function readPid(pidFile: string): number | undefined {
  try {
    const text = readFileSync(pidFile, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function clientAddress(
  cfg: ZooCfgBasics,
): { host: string; port: number; ssl: boolean } | undefined {
  if (cfg.clientPort !== undefined) {
    return { host: cfg.clientPortAddress || 'localhost', port: cfg.clientPort, ssl: false };
  }
  if (cfg.secureClientPort !== undefined) {
    return { host: cfg.clientPortAddress || 'localhost', port: cfg.secureClientPort, ssl: true };
  }
  return undefined;
}

async function modeLine(cfg: ZooCfgBasics, timeoutMs = 2_000): Promise<string | undefined> {
  const addr = clientAddress(cfg);
  if (!addr || addr.ssl) return undefined;
  try {
    const reply = await sendFourLetterWord(addr.host, addr.port, 'srvr', timeoutMs);
    return reply.split('\n').find((l) => l.startsWith('Mode:'));
  } catch {
    return undefined;
  }
}

export async function serverStart(opts: ServerControlOptions): Promise<number> {
  const { io } = opts;
  const r = resolveAll(opts);
  if (typeof r === 'string') {
    io.err(`${r}\n`);
    return 1;
  }
  io.err(`Using config: ${r.configFile}\n`);
  io.out('Starting zookeeper ... ');
  const existing = readPid(r.pidFile);
  if (existing !== undefined && isAlive(existing)) {
    io.out(`zookeeper already running as process ${existing}.\n`);
    return 1;
  }
  const outFile = resolve(opts.outFile ?? join(dirname(r.pidFile), 'zookeeper_server.out'));
  let child;
  try {
    mkdirSync(dirname(r.pidFile), { recursive: true });
    mkdirSync(dirname(outFile), { recursive: true });
    const fd = openSync(outFile, 'a');
    try {
      child = spawn(opts.launch.command, [...opts.launch.args, '--config', r.configFile], {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: opts.launch.env,
      });
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    io.out(`SERVER DID NOT START\n`);
    io.err(`${(err as Error).message}\n`);
    return 1;
  }
  const pid = child.pid;
  if (pid === undefined) {
    io.out('SERVER DID NOT START\n');
    return 1;
  }
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true));
  child.unref();
  try {
    writeFileSync(r.pidFile, String(pid));
  } catch {
    io.out('FAILED TO WRITE PID\n');
    process.kill(pid, 'SIGTERM');
    return 1;
  }
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited || !isAlive(pid)) {
      io.out('FAILED TO START\n');
      io.err(`see ${outFile}\n`);
      rmSync(r.pidFile, { force: true });
      return 1;
    }
    if ((await modeLine(r.cfg, 1_000)) !== undefined || Date.now() > deadline) break;
    await sleep(200);
  }
  io.out('STARTED\n');
  return 0;
}

export async function serverStop(opts: ServerControlOptions): Promise<number> {
  const { io } = opts;
  const r = resolveAll(opts);
  if (typeof r === 'string') {
    io.err(`${r}\n`);
    return 1;
  }
  io.err(`Using config: ${r.configFile}\n`);
  io.out('Stopping zookeeper ... ');
  if (!existsSync(r.pidFile)) {
    io.out(`no zookeeper to stop (could not find file ${r.pidFile})\n`);
    return 0;
  }
  const pid = readPid(r.pidFile);
  if (pid === undefined) {
    io.out(`no zookeeper to stop (no process id in ${r.pidFile})\n`);
    rmSync(r.pidFile, { force: true });
    return 0;
  }
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch (err) {
      io.out(`FAILED TO STOP\n`);
      io.err(`kill ${pid}: ${(err as Error).message}\n`);
      return 1;
    }
    const deadline = Date.now() + (opts.stopTimeoutMs ?? 30_000);
    while (isAlive(pid)) {
      if (Date.now() > deadline) {
        io.out(`FAILED TO STOP\n`);
        io.err(`process ${pid} still running ${opts.stopTimeoutMs ?? 30_000} ms after SIGTERM\n`);
        return 1;
      }
      await sleep(100);
    }
  }
  rmSync(r.pidFile, { force: true });
  io.out('STOPPED\n');
  return 0;
}

export async function serverStatus(opts: ServerControlOptions): Promise<number> {
  const { io } = opts;
  const r = resolveAll(opts);
  if (typeof r === 'string') {
    io.err(`${r}\n`);
    return 1;
  }
  io.err(`Using config: ${r.configFile}\n`);
  const addr = clientAddress(r.cfg);
  if (!addr) {
    io.out('Unable to find either secure or unsecure client port in any configs. Terminating.\n');
    return 1;
  }
  io.out(
    `Client port found: ${addr.port}. Client address: ${addr.host}. Client SSL: ${addr.ssl}.\n`,
  );
  const mode = await modeLine(r.cfg);
  if (mode === undefined) {
    io.out('Error contacting service. It is probably not running.\n');
    return 1;
  }
  io.out(`${mode}\n`);
  return 0;
}

export async function serverRestart(opts: ServerControlOptions): Promise<number> {
  const stopped = await serverStop(opts);
  if (stopped !== 0) return stopped;
  return serverStart(opts);
}

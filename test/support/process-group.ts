/**
 * Server processes started by the test harness. Every one is recorded here so that a test run
 * that ends abruptly (exception, vitest worker exit) never leaves a JVM or zkts behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { fourLetterWord } from './fourlw.js';

const live = new Set<number>();
let hooked = false;

function killAllSync(): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      killAllSync();
      process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    });
}

/** Records a server pid spawned outside spawnServer (the ensemble harness): killed on exit too. */
export function trackServerPid(pid: number): void {
  hookExit();
  live.add(pid);
}

export function untrackServerPid(pid: number): void {
  live.delete(pid);
}

/** What the harness returns for either server implementation. */
export interface ServerHandle {
  host: string;
  port: number;
  dataDir: string;
  pid: number;
  connectString: string;
  /** SIGTERM, then SIGKILL after a grace period; removes temp dirs the harness created. */
  stop(): Promise<void>;
  /** SIGKILL at once (a crash); keeps the data dir unless the harness created it. */
  kill(): Promise<void>;
}

export interface SpawnedServer {
  name: string;
  command: string;
  args: string[];
  host: string;
  port: number;
  dataDir: string;
  /** Where stdout/stderr go; shown when the server fails to start. */
  logFile: string;
  /** Temp dirs removed after the process is gone. */
  cleanup: string[];
  startTimeoutMs: number;
  /** Pause between readiness probes; a restart benchmark lowers it to time starts finely. */
  pollIntervalMs?: number;
  env?: NodeJS.ProcessEnv;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

function tail(file: string): string {
  if (!existsSync(file)) return '(no output)';
  const text = readFileSync(file, 'utf8');
  return text.slice(-3000);
}

/**
 * Spawns a server (under setpriv --pdeathsig KILL when available, so it dies with this
 * process even on SIGKILL) and waits until `ruok` answers `imok` and `srvr` shows a Mode.
 */
export async function spawnServer(s: SpawnedServer): Promise<ServerHandle> {
  hookExit();
  const out = openSync(s.logFile, 'a');
  const usePdeath = existsSync('/usr/bin/setpriv');
  const [cmd, args] = usePdeath
    ? ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', s.command, ...s.args]]
    : [s.command, s.args];
  const child = spawn(cmd, args as string[], {
    stdio: ['ignore', out, out],
    env: s.env ?? process.env,
  });
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${s.name}: spawn failed (${s.command})`);
  live.add(pid);
  child.once('exit', () => live.delete(pid));

  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    for (const d of s.cleanup) rmSync(d, { recursive: true, force: true });
  };
  const killNow = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await waitExit(child, 10_000);
    live.delete(pid);
  };

  const deadline = Date.now() + s.startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = tail(s.logFile);
      cleanup();
      throw new Error(
        `${s.name} exited (${child.exitCode ?? child.signalCode}) before answering ruok:\n${log}`,
      );
    }
    // Apache answers ruok before its request processors run (it then drops new sessions);
    // srvr says "not currently serving requests" until they do.
    if (
      (await fourLetterWord(s.host, s.port, 'ruok', 1_000)) === 'imok' &&
      /^Mode: /m.test(await fourLetterWord(s.host, s.port, 'srvr', 1_000))
    )
      break;
    if (Date.now() > deadline) {
      const log = tail(s.logFile);
      await killNow();
      cleanup();
      throw new Error(`${s.name} did not answer ruok on ${s.host}:${s.port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, s.pollIntervalMs ?? 200));
  }

  return {
    host: s.host,
    port: s.port,
    dataDir: s.dataDir,
    pid,
    connectString: `${s.host}:${s.port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        if (!(await waitExit(child, 10_000))) await killNow();
      }
      live.delete(pid);
      cleanup();
    },
    async kill() {
      await killNow();
      cleanup();
    },
  };
}

/**
 * Runs the operator as users run it outside a cluster, `zkts operator --kubeconfig F`, as a
 * child process (the compiled CLI: `npm run build` first), so a test can stop and restart it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface OperatorProcess {
  logPath: string;
  log(): string;
  /** The current operator process has not exited. */
  running(): boolean;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function startOperatorProcess(
  kubeconfigPath: string,
  dir: string,
  extraArgs: string[] = [],
): OperatorProcess {
  const logPath = join(dir, 'operator.log');
  let child: ChildProcess | undefined;
  const killNow = () => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null)
      child.kill('SIGKILL');
  };
  process.on('exit', killNow);

  const launch = () => {
    const fd = openSync(logPath, 'a');
    child = spawn(
      process.execPath,
      [join(repoRoot, 'bin/zkts'), 'operator', '--kubeconfig', kubeconfigPath, ...extraArgs],
      {
        cwd: repoRoot,
        stdio: ['ignore', fd, fd],
      },
    );
    closeSync(fd);
  };

  const stop = async () => {
    const c = child;
    if (!c || c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  launch();
  return {
    logPath,
    log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    restart: async () => {
      await stop();
      launch();
    },
    stop: async () => {
      await stop();
      process.off('exit', killNow);
    },
  };
}

/**
 * One member of `zkts ensemble up`: a child `zkts server --config <its zoo.cfg>` whose output
 * lines are passed on prefixed with the member's name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CliIo } from './server-control.js';
import type { ServerLaunch } from './server-launch.js';

export type Launch = ServerLaunch;

export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

export class MemberProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });

  constructor(
    readonly name: string,
    private readonly cfgFile: string,
    private readonly launch: Launch,
    private readonly io: CliIo,
    private readonly onExit: (info: ExitInfo) => void,
  ) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  start(): void {
    const child = spawn(this.launch.command, [...this.launch.args, '--config', this.cfgFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.launch.env,
    });
    this.child = child;
    const prefix = `[${this.name}] `;
    createInterface({ input: child.stdout! }).on('line', (l) => this.io.out(prefix + l + '\n'));
    createInterface({ input: child.stderr! }).on('line', (l) => this.io.err(prefix + l + '\n'));
    this.exited = new Promise((resolve) => {
      let done = false;
      const finish = (info: ExitInfo) => {
        if (done) return;
        done = true;
        resolve(info);
        this.onExit(info);
      };
      // 'close' (not 'exit'): every output line has been passed on by then.
      child.once('close', (code, signal) => finish({ code, signal }));
      child.once('error', (err) => {
        this.io.err(`${prefix}cannot start ${this.launch.command}: ${err.message}\n`);
        if (child.pid === undefined) finish({ code: 127, signal: null });
      });
    });
  }

  /** SIGTERM (the server shuts down cleanly), SIGKILL after graceMs; says which it took. */
  async stop(graceMs: number): Promise<'already exited' | 'stopped' | 'killed'> {
    const child = this.child;
    if (!child || !this.running) {
      // Ctrl-C in a terminal signals the members too; they may be gone already.
      await this.exited;
      return 'already exited';
    }
    child.kill('SIGTERM');
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return killed || info.signal === 'SIGKILL' ? 'killed' : 'stopped';
  }

  kill(): void {
    if (this.running) this.child?.kill('SIGKILL');
  }
}

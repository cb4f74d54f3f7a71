/**
 * A replicated ensemble of real server processes for tests: Apache ZooKeeper 3.8
 * (QuorumPeerMain) or zkts (`zkts server --config`), member i on host `${hostPrefix}${i}` with
 * the same client, quorum and election ports on every host, as a Kubernetes ensemble has them.
 * Members can be stopped, killed and restarted on the same data dir; every process dies with
 * the test process (pdeathsig and the process-group exit hook).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apacheClasspath, log4jProperties } from './apache-zk.js';
import { fourLetterWord } from './fourlw.js';
import { trackServerPid, untrackServerPid } from './process-group.js';
import { targetKind, type TargetKind } from './target.js';
import { repoRoot } from './zkts-server.js';
import { withServerEnv, withServerNodeFlags } from '../../src/node/server/node-flags.js';

export interface EnsembleOptions {
  kind?: TargetKind;
  size?: number;
  /** Host of member i (1-based) is `${hostPrefix}${i}`; default env ENSEMBLE_HOST_PREFIX ?? '127.0.0.' */
  hostPrefix?: string;
  clientPort?: number;
  quorumPort?: number;
  electionPort?: number;
  /** extra zoo.cfg entries for every member */
  config?: Record<string, string>;
  /** sids that are observers (`server.N=host:2888:3888:observer`, peerType=observer on that member) */
  observers?: number[];
  /** order in which members are started (sids); default 1..size */
  startOrder?: number[];
  /** false: create configs/dirs only, start nothing */
  start?: boolean;
  /** Apache only: JVM flags after the defaults (the benchmark gives G1 and zkServer.sh's heap). */
  jvmFlags?: string[];
  /**
   * Members that join later by reconfig (Apache's procedure): the others' server lines leave
   * them out; a joiner's zoo.cfg lists the others plus itself. Not started by default.
   */
  joiners?: number[];
  /** Server lines carry the client address (`;host:clientPort`), as reconfig needs. */
  clientAddressInServerLines?: boolean;
}

export type MemberMode = 'leader' | 'follower' | 'observer' | 'standalone' | null;

export interface EnsembleMember {
  sid: number;
  host: string;
  clientPort: number;
  address: string;
  dataDir: string;
  logFile: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Returns once the client port answers `ruok` with imok (not necessarily serving). */
  start(): Promise<void>;
  /** SIGTERM, wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL, wait for exit. */
  kill(): Promise<void>;
  fourLetter(word: string): Promise<string>;
  /** From `srvr` "Mode:", null if not serving. */
  mode(): Promise<MemberMode>;
}

export interface Ensemble {
  kind: TargetKind;
  members: EnsembleMember[];
  /** All client addresses (joiners too), comma separated. */
  connectString: string;
  member(sid: number): EnsembleMember;
  /** Waits until exactly one running member is leader and every other running one follower/observer. */
  waitForQuorum(timeoutMs?: number): Promise<EnsembleMember>;
  /** Stops all (SIGKILL after a grace period) and removes the temp dirs. */
  stop(): Promise<void>;
}

const startTimeoutMs = 60_000;
const stopGraceMs = 10_000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

async function logTail(file: string): Promise<string> {
  if (!existsSync(file)) return '(no output)';
  return (await readFile(file, 'utf8')).slice(-4000);
}

interface MemberPlan {
  sid: number;
  host: string;
  dir: string;
  dataDir: string;
  cfgFile: string;
  logFile: string;
  jvmFlags: string[];
}

function serverLines(
  size: number,
  host: (sid: number) => string,
  quorumPort: number,
  electionPort: number,
  observers: Set<number>,
  include: (sid: number) => boolean = () => true,
  clientPort?: number,
): Record<string, string> {
  const lines: Record<string, string> = {};
  for (let sid = 1; sid <= size; sid++)
    if (include(sid))
      lines[`server.${sid}`] =
        `${host(sid)}:${quorumPort}:${electionPort}${observers.has(sid) ? ':observer' : ''}` +
        (clientPort === undefined ? '' : `;${host(sid)}:${clientPort}`);
  return lines;
}

class Member implements EnsembleMember {
  readonly address: string;
  private child: ChildProcess | undefined;

  constructor(
    readonly kind: TargetKind,
    private readonly plan: MemberPlan,
    readonly clientPort: number,
  ) {
    this.address = `${plan.host}:${clientPort}`;
  }

  get sid(): number {
    return this.plan.sid;
  }
  get host(): string {
    return this.plan.host;
  }
  get dataDir(): string {
    return this.plan.dataDir;
  }
  get logFile(): string {
    return this.plan.logFile;
  }
  get pid(): number | undefined {
    return this.child !== undefined && !exited(this.child) ? this.child.pid : undefined;
  }
  get running(): boolean {
    return this.child !== undefined && !exited(this.child);
  }

  private command(): [string, string[]] {
    if (this.kind === 'apache')
      return [
        'java',
        [
          '-Xmx256m',
          '-XX:+UseSerialGC',
          ...this.plan.jvmFlags,
          '-cp',
          apacheClasspath(this.plan.dir),
          'org.apache.zookeeper.server.quorum.QuorumPeerMain',
          this.plan.cfgFile,
        ],
      ];
    // ZKTS_MEMBER_NODE_ARGS: extra node flags for zkts members (e.g. --cpu-prof when profiling).
    const nodeArgs = (process.env.ZKTS_MEMBER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    return [
      process.execPath,
      [
        ...withServerNodeFlags(nodeArgs),
        join(repoRoot, 'bin/zkts'),
        'server',
        '--config',
        this.plan.cfgFile,
      ],
    ];
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`member ${this.sid} is already running`);
    const [command, args] = this.command();
    const env = this.kind === 'apache' ? process.env : withServerEnv(process.env);
    const out = openSync(this.logFile, 'a');
    writeFileSync(out, `\n===== start ${new Date().toISOString()} =====\n`);
    const usePdeath = existsSync('/usr/bin/setpriv');
    const child = usePdeath
      ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', command, ...args], {
          stdio: ['ignore', out, out],
          env,
        })
      : spawn(command, args, { stdio: ['ignore', out, out], env });
    closeSync(out);
    const pid = child.pid;
    if (pid === undefined) throw new Error(`member ${this.sid}: spawn of ${command} failed`);
    trackServerPid(pid);
    child.once('exit', () => untrackServerPid(pid));
    this.child = child;

    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (exited(child))
        throw new Error(
          `member ${this.sid} (${this.kind}) exited (${child.exitCode ?? child.signalCode}) before answering ruok:\n${await logTail(this.logFile)}`,
        );
      if ((await this.fourLetter('ruok')) === 'imok') return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(
          `member ${this.sid} (${this.kind}) did not answer ruok on ${this.address}:\n${await logTail(this.logFile)}`,
        );
      }
      await sleep(200);
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || exited(child)) return;
    child.kill('SIGTERM');
    // A member a test froze with SIGSTOP gets the SIGTERM only once it runs again.
    child.kill('SIGCONT');
    if (!(await waitExit(child, stopGraceMs))) await this.kill();
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || exited(child)) return;
    child.kill('SIGKILL');
    await waitExit(child, stopGraceMs);
  }

  fourLetter(word: string): Promise<string> {
    return fourLetterWord(this.host, this.clientPort, word, 2_000);
  }

  async mode(): Promise<MemberMode> {
    const m = /^Mode: (\w+)/m.exec(await this.fourLetter('srvr'));
    const mode = m?.[1];
    return mode === 'leader' || mode === 'follower' || mode === 'observer' || mode === 'standalone'
      ? mode
      : null;
  }
}

export async function startEnsemble(opts: EnsembleOptions = {}): Promise<Ensemble> {
  const kind = targetKind(opts.kind);
  const size = opts.size ?? 3;
  const hostPrefix = opts.hostPrefix ?? process.env.ENSEMBLE_HOST_PREFIX ?? '127.0.0.';
  const clientPort = opts.clientPort ?? 2181;
  const quorumPort = opts.quorumPort ?? 2888;
  const electionPort = opts.electionPort ?? 3888;
  const observers = new Set(opts.observers ?? []);
  const host = (sid: number) => `${hostPrefix}${sid}`;
  if (kind === 'zkts' && !existsSync(join(repoRoot, 'dist/src/node/server/main.js')))
    throw new Error('zkts is not built: run `npm run build` first');

  const root = mkdtempSync(join(tmpdir(), `zkts-ensemble-${kind}-`));
  const joiners = new Set(opts.joiners ?? []);
  const linesClientPort = opts.clientAddressInServerLines === true ? clientPort : undefined;
  const members: Member[] = [];
  for (let sid = 1; sid <= size; sid++) {
    const servers = serverLines(
      size,
      host,
      quorumPort,
      electionPort,
      observers,
      (other) => other === sid || !joiners.has(other),
      linesClientPort,
    );
    const dir = join(root, `m${sid}`);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'myid'), `${sid}\n`);
    const logFile = join(dir, 'server.log');
    const cfg: Record<string, string> = {
      tickTime: '2000',
      initLimit: '10',
      syncLimit: '5',
      dataDir,
      clientPort: String(clientPort),
      clientPortAddress: host(sid),
      '4lw.commands.whitelist': '*',
      'admin.serverAddress': host(sid),
      'admin.serverPort': '8080',
      // Debian's classpath here has no Jetty; Apache would only log that it cannot start it.
      ...(kind === 'apache' ? { 'admin.enableServer': 'false' } : {}),
      ...(observers.has(sid) ? { peerType: 'observer' } : {}),
      ...servers,
      ...opts.config,
    };
    const cfgFile = join(dir, 'zoo.cfg');
    writeFileSync(
      cfgFile,
      Object.entries(cfg)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
    if (kind === 'apache') writeFileSync(join(dir, 'log4j.properties'), log4jProperties(logFile));
    members.push(
      new Member(
        kind,
        { sid, host: host(sid), dir, dataDir, cfgFile, logFile, jvmFlags: opts.jvmFlags ?? [] },
        clientPort,
      ),
    );
  }

  const member = (sid: number): EnsembleMember => {
    const m = members[sid - 1];
    if (m === undefined) throw new Error(`no member ${sid} in a ${size}-member ensemble`);
    return m;
  };

  const ensemble: Ensemble = {
    kind,
    members,
    connectString: members.map((m) => m.address).join(','),
    member,
    async waitForQuorum(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let seen = '';
      for (;;) {
        const running = members.filter((m) => m.running);
        const modes = await Promise.all(running.map((m) => m.mode()));
        seen = running.map((m, i) => `${m.sid}:${modes[i] ?? 'not serving'}`).join(' ');
        const leaders = running.filter((_, i) => modes[i] === 'leader');
        const others = modes.filter((md) => md !== 'leader');
        if (leaders.length === 1 && others.every((md) => md === 'follower' || md === 'observer'))
          return leaders[0]!;
        if (Date.now() > deadline) {
          const logs = await Promise.all(
            running.map(async (m) => `--- member ${m.sid} log ---\n${await logTail(m.logFile)}`),
          );
          throw new Error(`no quorum within ${timeoutMs} ms (${seen})\n${logs.join('\n')}`);
        }
        await sleep(200);
      }
    },
    async stop() {
      await Promise.all(members.map((m) => m.stop()));
      // ENSEMBLE_KEEP_DIRS=1 keeps the logs and data of a failing run for a look afterwards.
      if (process.env.ENSEMBLE_KEEP_DIRS === '1') console.log(`ensemble dirs kept in ${root}`);
      else rmSync(root, { recursive: true, force: true });
    },
  };

  if (opts.start !== false) {
    const order = opts.startOrder ?? members.map((m) => m.sid).filter((sid) => !joiners.has(sid));
    try {
      for (const sid of order) await member(sid).start();
    } catch (err) {
      await ensemble.stop();
      throw err;
    }
  }
  return ensemble;
}

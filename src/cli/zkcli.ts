/**
 * `zkts cli`: a zkCli.sh work-alike over our raw client. Same options, commands, output
 * streams and formats as Apache 3.8's ZooKeeperMain, so scripts written for zkCli.sh work.
 */
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ZkClient, OPEN_ACL_UNSAFE, type Reply, type WatchEvent } from '../client/zk-client.js';
import { ErrorCode } from '../node/proto/errors.js';
import { CreateMode } from '../node/proto/opcodes.js';
import type { ACL, Stat } from '../node/proto/types.js';
import {
  formatAcl,
  formatStat,
  formatWatchedEvent,
  keeperErrorMessage,
  parseAcl,
  splitCommandLine,
} from './zkcli-format.js';

export interface ZkCliIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable;
}

interface CommandSpec {
  usage: string;
  /** Options without a value. */
  flags: string[];
  /** Options taking a value. */
  valued: string[];
  minArgs: number;
}

const commands: Record<string, CommandSpec> = {
  addWatch: {
    usage:
      'addWatch [-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE',
    flags: [],
    valued: ['m'],
    minArgs: 1,
  },
  addauth: { usage: 'addauth scheme auth', flags: [], valued: [], minArgs: 2 },
  close: { usage: 'close ', flags: [], valued: [], minArgs: 0 },
  config: { usage: 'config [-c] [-w] [-s]', flags: ['c', 'w', 's'], valued: [], minArgs: 0 },
  connect: { usage: 'connect host:port', flags: [], valued: [], minArgs: 0 },
  create: {
    usage: 'create [-s] [-e] [-c] [-t ttl] path [data] [acl]',
    flags: ['s', 'e', 'c'],
    valued: ['t'],
    minArgs: 1,
  },
  delete: { usage: 'delete [-v version] path', flags: [], valued: ['v'], minArgs: 1 },
  deleteall: { usage: 'deleteall path [-b batch size]', flags: [], valued: ['b'], minArgs: 1 },
  get: { usage: 'get [-s] [-w] path', flags: ['s', 'w'], valued: [], minArgs: 1 },
  getAcl: { usage: 'getAcl [-s] path', flags: ['s'], valued: [], minArgs: 1 },
  getAllChildrenNumber: { usage: 'getAllChildrenNumber path', flags: [], valued: [], minArgs: 1 },
  getEphemerals: { usage: 'getEphemerals path', flags: [], valued: [], minArgs: 0 },
  help: { usage: 'help ', flags: [], valued: [], minArgs: 0 },
  ls: { usage: 'ls [-s] [-w] [-R] path', flags: ['s', 'w', 'R'], valued: [], minArgs: 1 },
  quit: { usage: 'quit ', flags: [], valued: [], minArgs: 0 },
  removewatches: {
    usage: 'removewatches path [-c|-d|-a] [-l]',
    flags: ['c', 'd', 'a', 'l'],
    valued: [],
    minArgs: 1,
  },
  set: { usage: 'set [-s] [-v version] path data', flags: ['s'], valued: ['v'], minArgs: 2 },
  setAcl: {
    usage: 'setAcl [-s] [-v version] [-R] path acl',
    flags: ['s', 'R'],
    valued: ['v'],
    minArgs: 2,
  },
  stat: { usage: 'stat [-w] path', flags: ['w'], valued: [], minArgs: 1 },
  sync: { usage: 'sync path', flags: [], valued: [], minArgs: 1 },
  whoami: { usage: 'whoami ', flags: [], valued: [], minArgs: 0 },
};

/** Apache commands zkts cli lists (so the usage text matches) but does not implement. */
const notImplemented: Record<string, string> = {
  delquota: 'delquota [-n|-b|-N|-B] path',
  history: 'history ',
  listquota: 'listquota path',
  printwatches: 'printwatches on|off',
  reconfig:
    'reconfig [-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | [-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]',
  redo: 'redo cmdno',
  setquota: 'setquota -n|-b|-N|-B val path',
  version: 'version ',
};

/** zkCli's usage listing (TreeMap order: case-sensitive); `help` is ours and not listed. */
export function zkCliUsage(): string {
  const usage = new Map<string, string>(Object.entries(notImplemented));
  for (const [name, spec] of Object.entries(commands))
    if (name !== 'help') usage.set(name, spec.usage);
  const names = [...usage.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return (
    'ZooKeeper -server host:port -client-configuration properties-file cmd args\n' +
    names.map((n) => `\t${usage.get(n)!}\n`).join('')
  );
}

interface ParsedCommand {
  name: string;
  opts: Map<string, string | true>;
  args: string[];
}

/** Outcome of one command: its exit code (0 ok, 1 error, 127 unknown command). */
type Outcome = number;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

function parseCommand(words: string[]): ParsedCommand | 'help' {
  const name = words[0]!;
  const spec = commands[name];
  if (spec === undefined)
    throw new CliError(`${zkCliUsage()}Command not found: Command not found ${name}`, 127);
  const opts = new Map<string, string | true>();
  const args: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--help' || w === '-h') return 'help';
    if (w.length > 1 && w.startsWith('-') && !/^-\d/.test(w)) {
      const key = w.slice(1);
      if (spec.flags.includes(key)) opts.set(key, true);
      else if (spec.valued.includes(key)) {
        const v = words[++i];
        if (v === undefined)
          throw new CliError(
            `org.apache.commons.cli.MissingArgumentException: Missing argument for option: ${key}`,
          );
        opts.set(key, v);
      } else
        throw new CliError(
          `org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: ${w}`,
        );
      continue;
    }
    args.push(w);
  }
  if (args.length < spec.minArgs) throw new CliError(spec.usage);
  return { name, opts, args };
}

function parseIntOption(v: string | true | undefined, what: string): number | undefined {
  if (v === undefined || v === true) return undefined;
  if (!/^-?\d+$/.test(v)) throw new CliError(`${what} must be a number: ${v}`);
  return Number(v);
}

export class ZkCliSession {
  client: ZkClient | undefined;
  private quitting = false;

  constructor(
    private server: string,
    private readonly timeoutMs: number,
    private readonly readOnly: boolean,
    private readonly io: ZkCliIo,
  ) {}

  out(text: string): void {
    this.io.stdout.write(text);
  }
  err(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : text + '\n');
  }

  get quit(): boolean {
    return this.quitting;
  }

  async connect(): Promise<void> {
    const c = await ZkClient.connect(this.server, {
      sessionTimeoutMs: this.timeoutMs,
      readOnly: this.readOnly,
    });
    this.client = c;
    c.on('watch', (e: WatchEvent) => this.out(formatWatchedEvent(e.type, e.state, e.path)));
    c.on('state', (s: string) => {
      if (c !== this.client) return;
      if (s === 'disconnected') this.out(formatWatchedEvent(-1, 0, null));
      else if (s === 'connected') this.out(formatWatchedEvent(-1, 3, null));
      else if (s === 'expired') this.out(formatWatchedEvent(-1, -112, null));
      else if (s === 'closed') this.out(formatWatchedEvent(-1, 7, null));
    });
    this.out(formatWatchedEvent(-1, 3, null));
  }

  async shutdown(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    c.removeAllListeners('state'); // quitting prints no Closed event, as zkCli exits first
    await c.close(2000).catch(() => undefined);
  }

  /** Run one command line; returns its exit code. */
  async execute(words: string[]): Promise<Outcome> {
    if (words.length === 0) return 0;
    let cmd: ParsedCommand | 'help';
    try {
      cmd = parseCommand(words);
    } catch (e) {
      if (e instanceof CliError) {
        this.err(e.message);
        return e.exitCode;
      }
      throw e;
    }
    if (cmd === 'help') {
      this.out(commands[words[0]!]!.usage + '\n');
      return 0;
    }
    try {
      return await this.run(cmd);
    } catch (e) {
      if (e instanceof CliError) {
        this.err(e.message);
        return e.exitCode;
      }
      throw e;
    }
  }

  private requireClient(): ZkClient {
    const c = this.client;
    if (c === undefined || c.state === 'closed' || c.state === 'expired')
      throw new CliError('Not connected');
    return c;
  }

  private check(r: Reply, path: string | null): Reply {
    if (r.header.err !== ErrorCode.ok) throw new CliError(keeperErrorMessage(r.header.err, path));
    return r;
  }

  private async run(cmd: ParsedCommand): Promise<Outcome> {
    const { name, opts, args } = cmd;
    switch (name) {
      case 'help':
        this.err(zkCliUsage());
        return 0;
      case 'quit':
        this.quitting = true;
        await this.shutdown();
        return 0;
      case 'close':
        if (this.client) {
          const c = this.client;
          await c.close(2000).catch(() => undefined);
        }
        return 0;
      case 'connect':
        if (args[0] !== undefined) this.server = args[0];
        await this.shutdown();
        this.out(`Connecting to ${this.server}\n`);
        try {
          await this.connect();
        } catch (e) {
          throw new CliError(`Failed to connect to ${this.server}: ${(e as Error).message}`);
        }
        return 0;
    }
    if (
      this.client === undefined ||
      this.client.state === 'closed' ||
      this.client.state === 'expired'
    ) {
      // zkCli prints this on stdout and carries on.
      this.out('Not connected\n');
      return 1;
    }
    const c = this.requireClient();
    const path = args[0] ?? '';
    switch (name) {
      case 'ls':
        return this.ls(c, path, opts);
      case 'get': {
        const r = this.check(await c.getData(path, opts.has('w')), path);
        if (r.response?.kind !== 'getData') return 1;
        this.out((r.response.data === null ? 'null' : r.response.data.toString('utf8')) + '\n');
        if (opts.has('s')) this.out(formatStat(r.response.stat));
        return 0;
      }
      case 'set': {
        const version = parseIntOption(opts.get('v'), 'version') ?? -1;
        const r = this.check(await c.setData(path, Buffer.from(args[1]!, 'utf8'), version), path);
        if (opts.has('s') && r.response?.kind === 'stat') this.out(formatStat(r.response.stat));
        return 0;
      }
      case 'create':
        return this.create(c, args, opts);
      case 'delete': {
        const version = parseIntOption(opts.get('v'), 'version') ?? -1;
        this.check(await c.delete(path, version), path);
        return 0;
      }
      case 'deleteall':
        return this.deleteAll(c, path);
      case 'stat': {
        const r = await c.exists(path, opts.has('w'));
        this.check(r, path);
        if (r.response?.kind !== 'stat')
          throw new CliError(keeperErrorMessage(ErrorCode.noNode, path));
        this.out(formatStat(r.response.stat));
        return 0;
      }
      case 'getAcl': {
        const r = this.check(await c.getACL(path), path);
        if (r.response?.kind !== 'getACL') return 1;
        this.out(formatAcl(r.response.acl));
        if (opts.has('s')) this.out(formatStat(r.response.stat));
        return 0;
      }
      case 'setAcl':
        return this.setAcl(c, path, args[1]!, opts);
      case 'addauth':
        this.check(await c.addAuth(args[0]!, args[1]!), null);
        return 0;
      case 'sync': {
        const r = await c.sync(path);
        if (r.header.err === 0) this.out('Sync is OK\n');
        else this.out(`Sync has failed. rc=${r.header.err}\n`);
        return r.header.err === 0 ? 0 : 1;
      }
      case 'config':
        return this.config(c, opts);
      case 'whoami': {
        const r = this.check(await c.whoAmI(), null);
        if (r.response?.kind !== 'whoAmI') return 1;
        this.out(
          'Auth scheme: User\n' +
            r.response.clientInfo.map((i) => `${i.authScheme}: ${i.user}\n`).join(''),
        );
        return 0;
      }
      case 'addWatch': {
        const modeName = opts.get('m');
        let mode = 1;
        if (modeName !== undefined) {
          if (modeName === 'PERSISTENT') mode = 0;
          else if (modeName === 'PERSISTENT_RECURSIVE') mode = 1;
          else throw new CliError(commands.addWatch!.usage);
        }
        this.check(await c.addWatch(path, mode), path);
        return 0;
      }
      case 'removewatches': {
        const type = opts.has('c') ? 1 : opts.has('d') ? 2 : 3;
        this.check(await c.removeWatches(path, type), path);
        return 0;
      }
      case 'getEphemerals': {
        const r = this.check(await c.getEphemerals(args[0] ?? '/'), args[0] ?? '/');
        if (r.response?.kind !== 'ephemerals') return 1;
        this.out(`[${[...r.response.ephemerals].sort().join(', ')}]\n`);
        return 0;
      }
      case 'getAllChildrenNumber': {
        const r = this.check(await c.getAllChildrenNumber(path), path);
        if (r.response?.kind !== 'allChildrenNumber') return 1;
        this.out(`${r.response.totalNumber}\n`);
        return 0;
      }
    }
    throw new CliError(`${zkCliUsage()}Command not found: Command not found ${name}`, 127);
  }

  private async ls(c: ZkClient, path: string, opts: Map<string, string | true>): Promise<Outcome> {
    if (opts.has('R')) {
      for (const p of await this.subtree(c, path, opts.has('w'))) this.out(p + '\n');
      return 0;
    }
    const r = this.check(await c.getChildren2(path, opts.has('w')), path);
    if (r.response?.kind !== 'getChildren2') return 1;
    this.out(`[${[...r.response.children].sort().join(', ')}]\n`);
    if (opts.has('s')) this.out(formatStat(r.response.stat));
    return 0;
  }

  /** Every path under `root` breadth first, siblings sorted (ZKUtil.listSubTreeBFS). */
  private async subtree(c: ZkClient, root: string, watch = false): Promise<string[]> {
    const out = [root];
    for (let i = 0; i < out.length; i++) {
      const p = out[i]!;
      const r = this.check(await c.getChildren(p, watch), p);
      const kids = r.response?.kind === 'getChildren' ? [...r.response.children].sort() : [];
      for (const k of kids) out.push(p === '/' ? `/${k}` : `${p}/${k}`);
    }
    return out;
  }

  private async create(
    c: ZkClient,
    args: string[],
    opts: Map<string, string | true>,
  ): Promise<Outcome> {
    const [path, dataText, aclText] = args as [string, string | undefined, string | undefined];
    const ephemeral = opts.has('e');
    const sequential = opts.has('s');
    const container = opts.has('c');
    const ttl = parseIntOption(opts.get('t'), 'ttl');
    if (container && (ephemeral || sequential))
      throw new CliError(
        '-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.',
      );
    if (ttl !== undefined && ephemeral)
      throw new CliError('TTLs cannot be used with Ephemeral znodes');
    if (ttl !== undefined && container)
      throw new CliError('TTLs cannot be used with Container znodes');
    let flags: number = (ephemeral ? 1 : 0) | (sequential ? 2 : 0);
    if (container) flags = CreateMode.container;
    if (ttl !== undefined)
      flags = sequential ? CreateMode.persistentSequentialWithTtl : CreateMode.persistentWithTtl;
    const data = dataText === undefined ? null : Buffer.from(dataText, 'utf8');
    let acl: ACL[] = OPEN_ACL_UNSAFE;
    if (aclText !== undefined) acl = parseAcl(aclText, (l) => this.err(l));
    const r = this.check(await c.create(path, data, acl, flags, ttl), path);
    const created =
      r.response?.kind === 'create' || r.response?.kind === 'create2' ? r.response.path : path;
    this.err(`Created ${created}`);
    return 0;
  }

  private async deleteAll(c: ZkClient, path: string): Promise<Outcome> {
    const all = await this.subtree(c, path);
    // Deepest first; the server handles pipelined requests in order.
    const replies = await Promise.all(
      all.reverse().map((p) => c.delete(p, -1).then((r) => [p, r] as const)),
    );
    for (const [p, r] of replies) if (r.header.err !== ErrorCode.noNode) this.check(r, p);
    return 0;
  }

  private async setAcl(
    c: ZkClient,
    path: string,
    aclText: string,
    opts: Map<string, string | true>,
  ): Promise<Outcome> {
    const acl = parseAcl(aclText, (l) => this.err(l));
    const version = parseIntOption(opts.get('v'), 'version') ?? -1;
    if (opts.has('R')) {
      for (const p of await this.subtree(c, path)) this.check(await c.setACL(p, acl, version), p);
      return 0;
    }
    const r = this.check(await c.setACL(path, acl, version), path);
    if (opts.has('s') && r.response?.kind === 'stat') this.out(formatStat(r.response.stat));
    return 0;
  }

  private async config(c: ZkClient, opts: Map<string, string | true>): Promise<Outcome> {
    const r = this.check(await c.getData('/zookeeper/config', opts.has('w')), '/zookeeper/config');
    if (r.response?.kind !== 'getData') return 1;
    const text = r.response.data?.toString('utf8') ?? '';
    this.out((opts.has('c') ? clientConfigString(text) : text) + '\n');
    if (opts.has('s')) this.out(formatStat(r.response.stat as Stat));
    return 0;
  }
}

/** ConfigUtils.getClientConfigStr: `<version> <host:clientPort,…>`. */
function clientConfigString(config: string): string {
  let version = '';
  const hosts: string[] = [];
  for (const line of config.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'version') version = value;
    else if (key.startsWith('server.')) {
      const client = value.split(';')[1];
      if (client === undefined) continue;
      const [addr, port] = client.includes(':') ? client.split(':') : ['0.0.0.0', client];
      const host = addr === '0.0.0.0' ? value.split(':')[0]! : addr!;
      hosts.push(`${host}:${port}`);
    }
  }
  return `${version} ${hosts.join(',')}`;
}

const defaultIo: ZkCliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

/**
 * `zkts cli [-server host:port] [-timeout ms] [-r] [cmd args…]`: one command (exit code 0 ok,
 * 1 error, 127 unknown command) or, without one, a REPL over stdin.
 */
export async function runZkCli(argv: string[], io: ZkCliIo = defaultIo): Promise<number> {
  let server = 'localhost:2181';
  let timeoutMs = 30_000;
  let readOnly = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-server' && argv[i + 1] !== undefined) server = argv[++i]!;
    else if (a === '-timeout' && argv[i + 1] !== undefined) timeoutMs = Number(argv[++i]);
    else if (a === '-r') readOnly = true;
    else if (a === '-waitforconnection') continue;
    else if (a === '-client-configuration' && argv[i + 1] !== undefined) i++;
    else break;
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    io.stderr.write(`invalid -timeout\n`);
    return 1;
  }
  const words = argv.slice(i);
  const session = new ZkCliSession(server, timeoutMs, readOnly, io);
  io.stdout.write(`Connecting to ${server}\n`);

  if (words.length > 0) {
    // One-shot: a malformed command fails before any connection is needed.
    if (words[0] !== 'help' || words.length > 1) {
      try {
        const parsed = parseCommand(words);
        if (parsed === 'help') return await session.execute(words);
      } catch (e) {
        if (e instanceof CliError) {
          io.stderr.write(e.message + '\n');
          return e.exitCode;
        }
        throw e;
      }
    } else {
      io.stderr.write(zkCliUsage());
      return 0;
    }
    try {
      await session.connect();
    } catch (e) {
      io.stderr.write(`Unable to connect to ${server}: ${(e as Error).message}\n`);
      return 1;
    }
    const code = await session.execute(words);
    await session.shutdown();
    return code;
  }

  const tty = io.stdin.isTTY === true;
  // Read stdin from the start: lines piped in while we connect must not be lost.
  const lines = new LineQueue(readline.createInterface({ input: io.stdin, terminal: false }));
  io.stdout.write('Welcome to ZooKeeper!\nJLine support is disabled\n');
  try {
    await session.connect();
  } catch (e) {
    io.stderr.write(`Unable to connect to ${server}: ${(e as Error).message}\n`);
  }
  let n = 0;
  const prompt = (): void => {
    if (!tty) return;
    const state =
      session.client?.state === 'connected'
        ? 'CONNECTED'
        : (session.client?.state ?? 'CLOSED').toUpperCase();
    io.stdout.write(`[zk: ${server}(${state}) ${n}] `);
  };
  prompt();
  for (let line = await lines.next(); line !== null; line = await lines.next()) {
    const w = splitCommandLine(line);
    if (w.length > 0) {
      await session.execute(w);
      n++;
    }
    if (session.quit) break;
    prompt();
  }
  lines.close();
  await session.shutdown();
  return 0;
}

/** Lines from a readline interface, buffered from creation; null after the input ends. */
class LineQueue {
  private readonly buffered: string[] = [];
  private ended = false;
  private waiter: (() => void) | undefined;

  constructor(private readonly rl: readline.Interface) {
    rl.on('line', (l: string) => {
      this.buffered.push(l);
      this.wake();
    });
    rl.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  async next(): Promise<string | null> {
    while (this.buffered.length === 0 && !this.ended)
      await new Promise<void>((r) => (this.waiter = r));
    return this.buffered.shift() ?? null;
  }

  close(): void {
    this.rl.close();
  }
}

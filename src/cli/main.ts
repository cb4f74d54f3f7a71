/**
 * The `zkts` entry point: a table of subcommands, each loaded only when used (so `zkts cli`
 * never loads the server). To add one, add an entry to `commands` pointing at its module.
 */
import type { CliIo } from './server-control.js';
import { serverLaunch, type ServerLaunch } from './server-launch.js';
import { OPERATOR_USAGE } from '../operator/controller/usage.js';
import { storageCommands } from './storage-commands.js';
import { ensembleUpHelp } from './ensemble-up-help.js';

export interface Command {
  name: string;
  /** One line for `zkts --help`. */
  summary: string;
  /** Full text for `zkts <name> --help`. */
  help: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

type RunServer = (argv: string[]) => Promise<number>;
type RunZkCli = (argv: string[]) => Promise<number>;

async function loadRunServer(): Promise<RunServer> {
  const mod = await import('../node/server/main.js');
  return mod.runServer;
}

async function loadRunZkCli(): Promise<RunZkCli> {
  return (await import('./zkcli.js')).runZkCli;
}

const serverHelp = `Usage:
  zkts server [--config <zoo.cfg>] [server options]
      Run a server in the foreground until SIGINT/SIGTERM.
  zkts server start   [--config <zoo.cfg>] [--pid-file <file>] [--out-file <file>]
  zkts server stop    [--config <zoo.cfg>] [--pid-file <file>]
  zkts server status  [--config <zoo.cfg>]
  zkts server restart [--config <zoo.cfg>] [--pid-file <file>] [--out-file <file>]
      Manage a background server like zkServer.sh: the pid file defaults to
      <dataDir>/zookeeper_server.pid and output goes to <dataDir>/zookeeper_server.out.
      status asks the client port with the srvr four-letter word and prints its Mode line.

Options:
  --config <path>    zoo.cfg, or a directory holding zoo.cfg (default: ./zoo.cfg)
  --pid-file <file>  where start writes and stop reads the process id
  --out-file <file>  where the background server's stdout/stderr go
  --help             this text

The server listens on clientPort for ZooKeeper clients and four-letter words, on
admin.serverPort (default 8080) for the admin HTTP API (/commands), and, when
metricsProvider.httpPort is set, serves Prometheus metrics on /metrics.
`;

const controlHelp: Record<string, string> = {
  start: `Usage: zkts server start [--config <zoo.cfg>] [--pid-file <file>] [--out-file <file>]

Starts the server in the background, writes its process id to the pid file
(default <dataDir>/zookeeper_server.pid) and waits until its client port answers.
Prints "Starting zookeeper ... STARTED", or "already running as process N" (exit 1)
when the pid file names a live process, or "FAILED TO START" (exit 1).
`,
  stop: `Usage: zkts server stop [--config <zoo.cfg>] [--pid-file <file>]

Sends SIGTERM to the process named by the pid file, waits for it to exit and removes
the pid file. Prints "Stopping zookeeper ... STOPPED"; with no pid file it says
"no zookeeper to stop" and exits 0.
`,
  status: `Usage: zkts server status [--config <zoo.cfg>]

Reads clientPort/clientPortAddress from zoo.cfg, sends the srvr four-letter word and
prints the server's Mode line (standalone, leader, follower, observer, read-only).
Exits 1 with "Error contacting service. It is probably not running." otherwise.
`,
  restart: `Usage: zkts server restart [--config <zoo.cfg>] [--pid-file <file>] [--out-file <file>]

Runs stop, then start.
`,
};

interface ParsedFlags {
  config: string | undefined;
  pidFile: string | undefined;
  outFile: string | undefined;
  rest: string[];
  help: boolean;
  error: string | undefined;
}

function parseControlFlags(argv: string[]): ParsedFlags {
  const p: ParsedFlags = {
    config: undefined,
    pidFile: undefined,
    outFile: undefined,
    rest: [],
    help: false,
    error: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=') ? a.split(/=(.*)/s) : [a, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) p.error = `${flag} needs a value`;
      return v;
    };
    if (flag === '--help' || flag === '-h') p.help = true;
    else if (flag === '--config') p.config = value();
    else if (flag === '--pid-file') p.pidFile = value();
    else if (flag === '--out-file') p.outFile = value();
    else p.rest.push(a);
  }
  return p;
}

const serverCommand: Command = {
  name: 'server',
  summary: 'run a ZooKeeper-compatible server (foreground, or start|stop|status|restart)',
  help: serverHelp,
  async run(argv, io) {
    const action = argv[0];
    if (action === 'start' || action === 'stop' || action === 'status' || action === 'restart') {
      const flags = parseControlFlags(argv.slice(1));
      if (flags.help) {
        io.out(controlHelp[action]!);
        return 0;
      }
      if (flags.error || flags.rest.length > 0) {
        io.err(`zkts server ${action}: ${flags.error ?? `unexpected argument ${flags.rest[0]}`}\n`);
        io.err(controlHelp[action]!);
        return 2;
      }
      const control = await import('./server-control.js');
      const opts = {
        configPath: flags.config ?? 'zoo.cfg',
        pidFile: flags.pidFile,
        outFile: flags.outFile,
        launch: serverLauncher(),
        io,
      };
      if (action === 'start') return control.serverStart(opts);
      if (action === 'stop') return control.serverStop(opts);
      if (action === 'status') return control.serverStatus(opts);
      return control.serverRestart(opts);
    }
    if (argv.includes('--help') || argv.includes('-h')) {
      io.out(serverHelp);
      return 0;
    }
    const rest = action === 'start-foreground' ? argv.slice(1) : argv;
    if (rest[0] !== undefined && !rest[0].startsWith('-')) {
      io.err(`zkts server: unknown action ${rest[0]}\n${serverHelp}`);
      return 2;
    }
    return (await loadRunServer())(rest);
  },
};

let serverLauncher = serverLaunch;

/** Tests point `server start` at another way of running `zkts server`. */
export function setServerLauncher(f: () => ServerLaunch): void {
  serverLauncher = f;
}

const cliCommand: Command = {
  name: 'cli',
  summary: 'interactive ZooKeeper shell, like zkCli.sh',
  help: `Usage: zkts cli [-server host:port[,host:port...]] [-timeout ms] [-r] [command [args]]

A zkCli-style shell. With a command it runs that one command and exits; otherwise it
reads commands interactively. Commands: ls, get, set, create [-e] [-s] [-c] [-t ttl],
delete, deleteall, stat, getAcl, setAcl, addauth, sync, config, reconfig, whoami,
watches (-w), quit. Type "help" inside the shell for details.

Options:
  -server <hosts>  connect string (default localhost:2181), optionally with a /chroot
  -timeout <ms>    session timeout (default 30000)
  -r               read-only mode: allow connecting to a read-only server
`,
  async run(argv) {
    return (await loadRunZkCli())(argv);
  },
};

const operatorCommand: Command = {
  name: 'operator',
  summary: 'run the Kubernetes operator for ZooKeeperEnsemble resources',
  help: OPERATOR_USAGE,
  async run(argv) {
    const { runOperator } = await import('../operator/controller/main.js');
    return runOperator(argv);
  },
};

/** The dispatch table. Multi-word commands ("snapshot dump") match on their words. */
export const commands: Command[] = [
  serverCommand,
  cliCommand,
  {
    name: 'ensemble up',
    summary: 'start a local ensemble of zkts servers on loopback (127.0.0.1, .2, .3)',
    help: ensembleUpHelp,
    async run(argv, io) {
      return (await import('./ensemble-up.js')).runEnsembleUp(argv, io);
    },
  },
  operatorCommand,
  ...storageCommands,
];

function topHelp(version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return (
    `zkts ${version}\nA ZooKeeper-compatible coordination server and its Kubernetes operator.\n\n` +
    `Usage: zkts <command> [args]\n\nCommands:\n` +
    commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}\n`).join('') +
    `  ${'version'.padEnd(width)}  print the version\n\n` +
    `Run "zkts <command> --help" for a command's options.\n`
  );
}

async function version(): Promise<string> {
  const { installedVersion } = await import('../node/server/stats.js');
  return installedVersion();
}

/** Finds the command whose words start argv; longest match wins. */
function findCommand(argv: string[]): { cmd: Command; rest: string[] } | undefined {
  let best: { cmd: Command; rest: string[] } | undefined;
  for (const cmd of commands) {
    const words = cmd.name.split(' ');
    if (
      words.every((w, i) => argv[i] === w) &&
      (!best || words.length > best.cmd.name.split(' ').length)
    ) {
      best = { cmd, rest: argv.slice(words.length) };
    }
  }
  return best;
}

/** Runs one command line; returns the exit code. */
export async function runMain(argv: string[], io: CliIo): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const target = first === 'help' && argv.length > 1 ? findCommand(argv.slice(1)) : undefined;
    if (target) {
      io.out(target.cmd.help);
      return 0;
    }
    (first === undefined ? io.err : io.out)(topHelp(await version()));
    return first === undefined ? 2 : 0;
  }
  if (first === 'version' || first === '--version') {
    io.out(`${await version()}\n`);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    // A group word alone ("snapshot", "txnlog", "ensemble") lists its subcommands.
    const group = commands.filter((c) => c.name.startsWith(`${first} `));
    if (group.length > 0) {
      const list = group.map((c) => `  zkts ${c.name}  ${c.summary}\n`).join('');
      const asked = argv[1] === undefined || argv[1] === '--help' || argv[1] === '-h';
      (asked ? io.out : io.err)(`Usage:\n${list}`);
      if (!asked) io.err(`zkts ${first}: unknown subcommand ${argv[1]}\n`);
      return asked && argv[1] !== undefined ? 0 : 2;
    }
    io.err(`zkts: unknown command ${first}\n\n${topHelp(await version())}`);
    return 2;
  }
  const { cmd, rest } = found;
  // `server` handles --help itself (its actions have their own help texts).
  if (cmd !== serverCommand && (rest[0] === '--help' || rest[0] === '-h')) {
    io.out(cmd.help);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    io.err(`zkts ${cmd.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const processIo: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await runMain(argv, processIo);
}

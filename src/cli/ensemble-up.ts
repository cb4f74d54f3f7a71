/**
 * `zkts ensemble up`: a local N-server zkts ensemble, each member a child `zkts server` on its
 * own loopback address (127.0.0.1, .2, .3 …) with the standard ports, so that the ensemble looks
 * like N machines. Waits for a leader, prints the connect string, and stops every member on
 * SIGINT/SIGTERM. A member that exits on its own is reported and restarted after a second; one
 * that rejects its configuration (exit 2) or keeps dying stops the whole ensemble (exit 1).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { resolve } from 'node:path';
import { fourLetterWord } from '../client/zk-client.js';
import {
  checkHostPrefix,
  connectString,
  ensembleLayout,
  ensemblePorts,
  maxEnsembleSize,
  type MemberLayout,
} from './ensemble-up-config.js';
import { MemberProcess, type ExitInfo } from './ensemble-up-member.js';
import { serverLaunch } from './server-launch.js';
import type { CliIo } from './server-control.js';
import { ensembleUpHelp, maxExitsPerMinute } from './ensemble-up-help.js';

const restartDelayMs = 1_000;
const stopGraceMs = 10_000;

interface UpOptions {
  size: number;
  dir: string;
  hostPrefix: string;
}

function parseArgs(argv: string[]): UpOptions | string {
  const o: UpOptions = { size: 3, dir: 'zkts-ensemble', hostPrefix: '127.0.0.' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | undefined => (eq > 0 ? a.slice(eq + 1) : argv[++i]);
    if (flag === '--size') {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > maxEnsembleSize)
        return `--size must be a whole number from 1 to ${maxEnsembleSize}, got ${v ?? 'nothing'}`;
      o.size = n;
    } else if (flag === '--dir') {
      const v = value();
      if (!v) return '--dir needs a value';
      o.dir = v;
    } else if (flag === '--host-prefix') {
      const v = value();
      if (v === undefined) return '--host-prefix needs a value';
      const bad = checkHostPrefix(v);
      if (bad) return bad;
      o.hostPrefix = v;
    } else return `unexpected argument ${a}`;
  }
  return o;
}

/** Binds each port briefly: a clear message now beats a member dying on EADDRINUSE later. */
async function portProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((done) => {
    const s = net.createServer();
    s.once('error', (err: NodeJS.ErrnoException) =>
      done(
        err.code === 'EADDRINUSE'
          ? `${host}:${port} is already in use (another ZooKeeper or ensemble?)`
          : `cannot listen on ${host}:${port}: ${err.message}`,
      ),
    );
    s.listen({ host, port, exclusive: true }, () => s.close(() => done(undefined)));
  });
}

async function modeOf(m: MemberLayout): Promise<string> {
  try {
    const reply = await fourLetterWord(m.host, ensemblePorts.client, 'srvr', 1_000);
    return /^Mode: (\S+)/m.exec(reply)?.[1] ?? 'not serving';
  } catch {
    return 'not answering';
  }
}

export async function runEnsembleUp(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(argv);
  if (typeof parsed === 'string') {
    io.err(`zkts ensemble up: ${parsed}\n\n${ensembleUpHelp}`);
    return 2;
  }
  const dir = resolve(parsed.dir);
  const layout = ensembleLayout(dir, parsed.size, parsed.hostPrefix);
  for (const m of layout)
    for (const port of Object.values(ensemblePorts)) {
      const problem = await portProblem(m.host, port);
      if (problem) {
        io.err(`zkts ensemble up: ${problem}\n`);
        return 1;
      }
    }
  for (const m of layout) {
    mkdirSync(m.dataDir, { recursive: true });
    writeFileSync(m.cfgFile, m.zooCfg);
    writeFileSync(`${m.dataDir}/myid`, m.myid);
  }
  io.out(`zkts ensemble up: ${parsed.size} server(s), data under ${dir}\n`);

  let stopping = false;
  let failure: string | undefined;
  let wake: () => void = () => {};
  const stopRequested = new Promise<void>((r) => (wake = r));
  const requestStop = (why?: string) => {
    if (why !== undefined && failure === undefined) failure = why;
    stopping = true;
    wake();
  };

  const launch = serverLaunch();
  const exitTimes = new Map<number, number[]>();
  const members: MemberProcess[] = layout.map((m) => {
    const onExit = (info: ExitInfo) => {
      if (stopping) return;
      // Ctrl-C in a terminal reaches the members too; give our own SIGINT handler a moment to
      // run so that a member stopping with us is not reported as a crash.
      setTimeout(() => {
        if (stopping) return;
        const how = info.signal ?? `code ${info.code}`;
        if (info.code === 2) {
          requestStop(`${m.name} rejected its configuration (exit 2); see its lines above`);
          return;
        }
        const now = Date.now();
        const recent = (exitTimes.get(m.sid) ?? []).filter((t) => now - t < 60_000);
        recent.push(now);
        exitTimes.set(m.sid, recent);
        if (recent.length > maxExitsPerMinute) {
          requestStop(`${m.name} exited ${recent.length} times within a minute (last: ${how})`);
          return;
        }
        io.err(`zkts ensemble up: ${m.name} exited unexpectedly (${how}); restarting it in 1 s\n`);
        setTimeout(() => {
          if (stopping) return;
          proc.start();
          io.err(`zkts ensemble up: ${m.name} restarted, pid ${proc.pid}\n`);
        }, restartDelayMs);
      }, 250);
    };
    const proc = new MemberProcess(m.name, m.cfgFile, launch, io, onExit);
    return proc;
  });

  // The first SIGINT/SIGTERM stops the members cleanly; another one while they stop kills them.
  const onSignal = () => {
    if (!stopping) requestStop();
    else for (const p of members) p.kill();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (const p of members) p.start();
    io.out(
      layout
        .map((m, i) => `  ${m.name}: ${m.host}:${ensemblePorts.client}, pid ${members[i]!.pid}\n`)
        .join(''),
    );
    const waitStart = Date.now();
    let lastReport = waitStart;
    while (!stopping) {
      const modes = await Promise.all(layout.map(modeOf));
      const leaders = modes.filter((x) => x === 'leader').length;
      const serving = modes.filter((x) => x === 'leader' || x === 'follower').length;
      if (leaders === 1 && (serving === layout.length || layout.length === 1)) {
        io.out(
          layout.map((m, i) => `  ${m.name}: ${modes[i]}\n`).join('') +
            `Ensemble is up (leader elected in ${((Date.now() - waitStart) / 1000).toFixed(1)} s). Connect string:\n` +
            `${connectString(layout)}\n` +
            `Ctrl-C stops every member.\n`,
        );
        break;
      }
      if (layout.length === 1 && modes[0] === 'standalone') {
        io.out(`  ${layout[0]!.name}: standalone\nConnect string:\n${connectString(layout)}\n`);
        break;
      }
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        io.err(
          `zkts ensemble up: waiting for a leader: ${layout.map((m, i) => `${m.name} ${modes[i]}`).join(', ')}\n`,
        );
      }
      await Promise.race([stopRequested, new Promise((r) => setTimeout(r, 200))]);
    }
    await stopRequested;
  } finally {
    stopping = true;
    io.err('zkts ensemble up: stopping every member\n');
    const how = await Promise.all(members.map((p) => p.stop(stopGraceMs)));
    io.err(`zkts ensemble up: ${layout.map((m, i) => `${m.name} ${how[i]}`).join(', ')}\n`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (failure !== undefined) {
    io.err(`zkts ensemble up: ${failure}\n`);
    return 1;
  }
  io.err('zkts ensemble up: stopped\n');
  return 0;
}

/**
 * `npm run bench`: the issue-2 benchmark. For each repetition, Apache ZooKeeper 3.8 and zkts
 * are each started fresh on loopback (their order alternates between repetitions to spread
 * drift in machine load), the tree is prepared, and get, set and create run one after another.
 * Writes bench/results/issue2-<timestamp>.{json,md} and prints the markdown.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { runLoad } from './load/generator.js';
import { repoRoot, startApache, startZktsServer, type Target } from './load/servers.js';
import { prepareTree } from './load/prepare.js';
import { parseOptions, usage, type BenchOptions } from './options.js';
import { markdown, summarise, type Measurement } from './report.js';

interface Server {
  host: string;
  port: number;
  pid: number | null;
  stop(): Promise<void>;
}

async function start(target: Target | 'external', o: BenchOptions): Promise<Server> {
  if (target === 'external') {
    const [host, port] = o.connect!.split(':');
    return { host: host!, port: Number(port), pid: null, stop: async () => {} };
  }
  const h =
    target === 'apache'
      ? await startApache()
      : target === 'baseline'
        ? await startZktsServer({ root: resolve(o.baselineDir!) })
        : await startZktsServer({
            ...(o.profileDir ? { profileDir: o.profileDir } : {}),
            ...(o.zktsDir ? { root: resolve(o.zktsDir) } : {}),
            nodeFlags: o.zktsNodeFlags,
          });
  return { host: h.host, port: h.port, pid: h.pid, stop: () => h.stop() };
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o === 'help') {
    console.log(usage);
    return;
  }
  const startedAt = new Date().toISOString();
  const targets: (Target | 'external')[] = o.connect !== null ? ['external'] : o.targets;
  const machine =
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `node ${process.version}, load average at start ${loadavg()[0]!.toFixed(2)}.`;
  log(machine);
  const measurements: Measurement[] = [];
  const runTag = Date.now().toString(36);
  for (let rep = 1; rep <= o.reps; rep++) {
    const order = rep % 2 === 1 ? targets : [...targets].reverse();
    for (const target of order) {
      const label = target === 'external' ? o.connect! : target;
      log(`rep ${rep}/${o.reps}: starting ${label}`);
      const server = await start(target, o);
      try {
        const root = `/zkbench-${runTag}-${rep}`;
        await prepareTree(`${server.host}:${server.port}`, root, o.keys, o.payloadBytes);
        for (const op of o.ops) {
          const result = await runLoad({
            host: server.host,
            port: server.port,
            op,
            root,
            keys: o.keys,
            payloadBytes: o.payloadBytes,
            sessions: o.sessions,
            inflight: o.inflight,
            workers: o.workers,
            warmupMs: o.warmupSec * 1000,
            durationMs: o.durationSec * 1000,
            count: o.count,
            serverPid: server.pid,
            tag: `${op}`,
          });
          const errs =
            result.errors > 0 ? `, ${result.errors} errors (first ${result.firstError})` : '';
          log(
            `  ${op} ${label}: ${result.opsPerSec} ops/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms; ` +
              `generator ${result.cpu.generatorCores.toFixed(2)} cores, server ${result.cpu.serverCores?.toFixed(2) ?? '?'} cores, ` +
              `machine ${(result.cpu.machineBusy * 100).toFixed(0)} % busy, mean reply ${result.meanReplyBytes} B${errs}`,
          );
          measurements.push({ rep, target: label, result });
        }
      } finally {
        await server.stop();
      }
    }
  }
  const labels = targets.map((t) => (t === 'external' ? o.connect! : t));
  const rows = summarise(measurements, o.ops, labels);
  const md = markdown(rows, measurements, o, { startedAt, machine });
  const outDir = resolve(repoRoot(), o.outDir);
  mkdirSync(outDir, { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, '-');
  const base = join(outDir, `issue2-${stamp}`);
  writeFileSync(
    `${base}.json`,
    JSON.stringify({ startedAt, machine, options: o, summary: rows, runs: measurements }, null, 2) +
      '\n',
  );
  writeFileSync(`${base}.md`, md);
  log(`wrote ${base}.json and ${base}.md`);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

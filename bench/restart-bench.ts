/**
 * Issue 3 restart benchmark (not a test): `npx vite-node bench/restart-bench.ts [-- --nodes N]`
 * after `npm run build` (the zkts server runs from dist/).
 *
 * For zkts and Apache ZooKeeper 3.8 in the same run: populate N znodes (default 1,000,000 leaves
 * of 100 bytes under 1,000 parents) with pipelined creates through src/client, SIGKILL the
 * server (so the data is a snapshot plus the log written after it, both servers at their
 * default snapCount); after both are populated, restarts alternate between the targets (so a
 * change in machine load hits both alike), each timed on its dataDir from process spawn until the
 * client port answers ruok (and srvr shows a Mode) and a getData of the last created node
 * succeeds, and read the resident memory (VmRSS) 3 s later and, settled, 15 s later (the aim is
 * judged on the settled reading: the idle server holding the tree). Apache runs with the JVM
 * settings bench/load/servers.ts uses (G1, -Xmx1000m, as zkServer.sh would give it here).
 * Writes bench/results/restart-<timestamp>.{json,md}.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ZkClient } from '../src/client/zk-client.js';
import { ErrorCode } from '../src/node/proto/errors.js';
import { startApacheZk } from '../test/support/apache-zk.js';
import { freePort } from '../test/support/ports.js';
import type { ServerHandle } from '../test/support/process-group.js';
import { repoRoot, startZkts } from '../test/support/zkts-server.js';

type Target = 'zkts' | 'apache';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const nodes = arg('nodes', 1_000_000);
const restarts = arg('restarts', 4);
const parents = 1000;
const perParent = Math.ceil(nodes / parents);
const payload = Buffer.alloc(100, 0x72);
const clients = 8;
const lanesPerClient = arg('lanes', 32);

const log = (m: string) => process.stderr.write(`[restart-bench] ${m}\n`);

function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** Both targets are probed this often while they start, so a restart is timed to ±10 ms. */
const readinessPollMs = 10;

function start(target: Target, dataDir: string, port: number): Promise<ServerHandle> {
  const pollIntervalMs = readinessPollMs;
  return target === 'zkts'
    ? startZkts({ dataDir, port, pollIntervalMs })
    : startApacheZk({
        dataDir,
        port,
        pollIntervalMs,
        jvmFlags: ['-Xmx1000m', '-XX:-UseSerialGC', '-XX:+UseG1GC'],
      });
}

const leaf = (i: number) => `/r${Math.floor(i / perParent)}/k${i % perParent}`;

async function populate(connect: string): Promise<number> {
  const t0 = performance.now();
  const cs = await Promise.all(
    Array.from({ length: clients }, () => ZkClient.connect(connect, { sessionTimeoutMs: 30_000 })),
  );
  for (let p = 0; p < parents; p++) {
    const r = await cs[0]!.create(`/r${p}`);
    if (r.header.err !== ErrorCode.ok) throw new Error(`create /r${p}: err ${r.header.err}`);
  }
  let next = 0;
  const lane = async (c: ZkClient) => {
    for (;;) {
      const i = next++;
      if (i >= nodes) return;
      const r = await c.create(leaf(i), payload);
      if (r.header.err !== ErrorCode.ok) throw new Error(`create ${leaf(i)}: err ${r.header.err}`);
      if (i % 100_000 === 0 && i > 0) log(`  ${i} created`);
    }
  };
  await Promise.all(cs.flatMap((c) => Array.from({ length: lanesPerClient }, () => lane(c))));
  await Promise.all(cs.map((c) => c.close()));
  return (nodes + parents) / ((performance.now() - t0) / 1000);
}

function dataFiles(dataDir: string): { snapshots: number; logs: number; bytes: number } {
  const dir = join(dataDir, 'version-2');
  let snapshots = 0;
  let logs = 0;
  let bytes = 0;
  for (const f of readdirSync(dir)) {
    if (f.startsWith('snapshot.')) snapshots++;
    else if (f.startsWith('log.')) logs++;
    bytes += statSync(join(dir, f)).size;
  }
  return { snapshots, logs, bytes };
}

interface TargetResult {
  target: Target;
  nodes: number;
  populateCreatesPerSec: number;
  rssAfterPopulateMiB: number;
  files: { snapshots: number; logs: number; bytes: number };
  restartMs: number[];
  /** Read 3 s after the restart. */
  rssAfterRestartMiB: number[];
  /** Read 15 s after the restart (the aim is judged on these). */
  rssSettledMiB: number[];
}

interface Prepared {
  result: TargetResult;
  dataDir: string;
  port: number;
}

/** Populates a fresh dataDir through the target, then SIGKILLs it. */
async function prepare(target: Target): Promise<Prepared> {
  const dataDir = mkdtempSync(join(tmpdir(), `zkts-restart-${target}-`));
  const port = await freePort();
  log(`${target}: populating ${nodes} znodes of ${payload.length} B`);
  const server = await start(target, dataDir, port);
  const rate = await populate(server.connectString);
  const rssPop = rssKiB(server.pid) / 1024;
  log(`${target}: ${Math.round(rate)} creates/s, RSS ${rssPop.toFixed(0)} MiB; SIGKILL`);
  await server.kill();
  return {
    dataDir,
    port,
    result: {
      target,
      nodes: nodes + parents + 1,
      populateCreatesPerSec: Math.round(rate),
      rssAfterPopulateMiB: Math.round(rssPop),
      files: dataFiles(dataDir),
      restartMs: [],
      rssAfterRestartMiB: [],
      rssSettledMiB: [],
    },
  };
}

/** How long after a restart's getData the resident memory is read: early, then settled. */
const rssEarlyMs = 3000;
const rssSettledMs = 15_000;

/** One timed restart: spawn → serving → session → getData of the last node; then SIGKILL. */
async function restartOnce(p: Prepared): Promise<void> {
  const { target } = p.result;
  const t0 = performance.now();
  const server = await start(target, p.dataDir, p.port);
  try {
    const c = await ZkClient.connect(server.connectString, { sessionTimeoutMs: 30_000 });
    const got = await c.getData(leaf(nodes - 1));
    const ms = performance.now() - t0;
    if (got.header.err !== ErrorCode.ok)
      throw new Error(`${target}: getData after restart: err ${got.header.err}`);
    await c.close();
    p.result.restartMs.push(Math.round(ms));
    // The idle server holding the tree, not the moment recovery ends: both targets wait alike.
    // Early, zkts still holds recovery's young generation (its second collection, 7 s after
    // it serves, returns it; V8 alone would 20-30 s after); the JVM keeps its heap either way.
    await new Promise((r) => setTimeout(r, rssEarlyMs));
    p.result.rssAfterRestartMiB.push(Math.round(rssKiB(server.pid) / 1024));
    await new Promise((r) => setTimeout(r, rssSettledMs - rssEarlyMs));
    p.result.rssSettledMiB.push(Math.round(rssKiB(server.pid) / 1024));
    log(
      `${target}: restart: ${Math.round(ms)} ms, RSS ${p.result.rssAfterRestartMiB.at(-1)} MiB after ${rssEarlyMs / 1000} s, ${p.result.rssSettledMiB.at(-1)} MiB after ${rssSettledMs / 1000} s`,
    );
  } finally {
    await server.kill();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, load average at start ${loadavg()[0]!.toFixed(2)}`;
  // Both are populated first; their restarts then alternate (zkts, Apache, Apache, zkts, ...)
  // so a change in machine load hits both alike.
  const prepared: Prepared[] = [];
  try {
    for (const t of ['zkts', 'apache'] as const) prepared.push(await prepare(t));
    for (let r = 0; r < restarts; r++) {
      const order = r % 2 === 0 ? prepared : [...prepared].reverse();
      for (const p of order) await restartOnce(p);
    }
  } finally {
    for (const p of prepared) rmSync(p.dataDir, { recursive: true, force: true });
  }
  const results = prepared.map((p) => p.result);
  const [z, a] = results as [TargetResult, TargetResult];
  const restartRatio = median(z.restartMs) / median(a.restartMs);
  const rssEarlyRatio = median(z.rssAfterRestartMiB) / median(a.rssAfterRestartMiB);
  const rssRatio = median(z.rssSettledMiB) / median(a.rssSettledMiB);
  const md = [
    `# Restart time and memory, ${nodes.toLocaleString('en')} znodes of ${payload.length} B — zkts vs Apache ZooKeeper 3.8 (${startedAt})`,
    '',
    `Machine: ${machine}. Populated with ${clients} sessions × ${lanesPerClient} pipelined creates (src/client), then SIGKILL; both populated first, then restarts alternate between the targets (zkts, Apache, Apache, zkts, …); restart = spawn → ruok/srvr answer (harness polls every ${readinessPollMs} ms) → session → getData of the last node; RSS read ${rssEarlyMs / 1000} s after that and again, settled, ${rssSettledMs / 1000} s after it. Apache: G1, -Xmx1000m. Both at default snapCount (100000), so recovery = newest snapshot + log after it.`,
    '',
    `| target | populate creates/s | data files (snap/log, MiB) | restart ms (each) | RSS ${rssEarlyMs / 1000} s after restart MiB | RSS ${rssSettledMs / 1000} s after restart (settled) MiB | RSS after populate MiB |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.target === 'zkts' ? 'zkts' : 'Apache 3.8'} | ${r.populateCreatesPerSec} | ${r.files.snapshots}/${r.files.logs}, ${(r.files.bytes / 2 ** 20).toFixed(0)} | ${r.restartMs.join(', ')} | ${r.rssAfterRestartMiB.join(', ')} | ${r.rssSettledMiB.join(', ')} | ${r.rssAfterPopulateMiB} |`,
    ),
    '',
    `zkts/Apache restart time (median): ${restartRatio.toFixed(2)}× (aim ≤ 0.5×: ${restartRatio <= 0.5 ? 'met' : 'NOT met'}).`,
    `zkts/Apache RSS holding the tree, settled (median): ${rssRatio.toFixed(2)}× (aim ≤ 0.33×: ${rssRatio <= 1 / 3 ? 'met' : 'NOT met'}); ${rssEarlyMs / 1000} s after restart: ${rssEarlyRatio.toFixed(2)}×.`,
    '',
  ].join('\n');
  const outDir = join(repoRoot, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `restart-${startedAt.replace(/[:.]/g, '-')}`);
  writeFileSync(
    `${base}.json`,
    JSON.stringify(
      { startedAt, machine, nodes, results, restartRatio, rssRatio, rssEarlyRatio },
      null,
      2,
    ) + '\n',
  );
  writeFileSync(`${base}.md`, md);
  log(`wrote ${base}.json and ${base}.md`);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});

/**
 * Issue 3 write throughput through the real servers (not a test):
 * `npm run build && node dist/bench/storage-server-bench.js [--duration S --warmup S --reps N]` (the load
 * generator starts compiled worker threads, so it cannot run under vite-node).
 *
 * set and create of 1 KiB at 8 and 64 sessions (32 in flight each), forceSync on (both
 * servers' default), zkts vs Apache ZooKeeper 3.8 in the same run, each started fresh per
 * session count with the load generator of bench/load/ (the issue-2 bench). fsyncs are counted
 * from the outside during the measured window with `perf stat` on the fdatasync/fsync syscall
 * tracepoints of the server process (needs root and perf; left out with a note otherwise), which
 * gives fsyncs/s and txns per fsync for both servers alike.
 * Writes bench/results/storage-server-<timestamp>.{json,md}.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { runLoad, type LoadResult } from './load/generator.js';
import { prepareTree } from './load/prepare.js';
import { repoRoot, type Target } from './load/servers.js';
import { startApacheZk } from '../test/support/apache-zk.js';
import { startZkts } from '../test/support/zkts-server.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
const durationSec = arg('duration', 8);
const warmupSec = arg('warmup', 2);
/** Runs per cell; each ratio is the zkts median over the Apache median (this VM is noisy). */
const reps = Math.max(1, Math.floor(arg('reps', 1)));
const sessionCounts = [8, 64];
const ops = ['set', 'create'] as const;
const payloadBytes = 1024;
const keys = 1000;
const inflight = 32;

const log = (m: string) => process.stderr.write(`[storage-server-bench] ${m}\n`);

/**
 * Durable writes by `pid` during `seconds`, starting after `delaySec`; null if perf fails.
 * Apache forces its log with fdatasync (or fsync). zkts opens the log with O_DSYNC, so each
 * pwrite64 of a batch is the durable write and no fdatasync is made: for it the pwrite64 calls
 * count too (its snapshot writes are among them; with 1000 keys they are a handful).
 */
function countFsyncs(
  pid: number,
  delaySec: number,
  seconds: number,
  target: Target,
): Promise<number | null> {
  const events = ['syscalls:sys_enter_fdatasync', 'syscalls:sys_enter_fsync'];
  if (target === 'zkts') events.push('syscalls:sys_enter_pwrite64');
  return new Promise((resolve) => {
    setTimeout(() => {
      const p = spawn(
        'perf',
        [
          'stat',
          '-x',
          ',',
          '-e',
          events.join(','),
          '-p',
          String(pid),
          '--',
          'sleep',
          String(seconds),
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('error', () => resolve(null));
      p.on('close', () => {
        let total = 0;
        let seen = 0;
        for (const line of err.split('\n')) {
          const [count, , event] = line.split(',');
          if (event?.startsWith('syscalls:') && /^\d+$/.test(count ?? '')) {
            total += Number(count);
            seen++;
          }
        }
        resolve(seen > 0 ? total : null);
      });
    }, delaySec * 1000);
  });
}

interface Row {
  target: Target;
  rep: number;
  sessions: number;
  op: (typeof ops)[number];
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  fsyncsPerSec: number | null;
  txnsPerFsync: number | null;
  serverCores: number | null;
  machineBusy: number;
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, load average at start ${loadavg()[0]!.toFixed(2)}`;
  const rows: Row[] = [];
  for (let rep = 1; rep <= reps; rep++)
    for (const [i, sessions] of sessionCounts.entries()) {
      // Who goes first alternates between session counts and, for each, between runs.
      const order: Target[] = (rep + i) % 2 === 1 ? ['zkts', 'apache'] : ['apache', 'zkts'];
      for (const target of order) {
        log(`rep ${rep}/${reps}: ${target}, ${sessions} sessions: starting`);
        // No cell inherits dirty pages from the one before (a create run leaves ~2 GB of
        // snapshots), whose writeback would compete with its log's synchronous writes.
        execFileSync('sync');
        // maxClientCnxns=0: both default to 60 per address; Apache lets a burst of 64 through
        // (its accept thread counts only registered connections), zkts refuses the 61st.
        const config = { maxClientCnxns: '0' };
        const server =
          target === 'apache'
            ? await startApacheZk({
                config,
                jvmFlags: ['-Xmx1000m', '-XX:-UseSerialGC', '-XX:+UseG1GC'],
              })
            : await startZkts({ config });
        try {
          const root = `/ssb-${sessions}`;
          await prepareTree(server.connectString, root, keys, payloadBytes);
          for (const op of ops) {
            const fsyncs = countFsyncs(server.pid, warmupSec, durationSec, target);
            const r: LoadResult = await runLoad({
              host: server.host,
              port: server.port,
              op,
              root,
              keys,
              payloadBytes,
              sessions,
              inflight,
              workers: 2,
              warmupMs: warmupSec * 1000,
              durationMs: durationSec * 1000,
              count: null,
              serverPid: server.pid,
              tag: `${op}-${sessions}`,
            });
            const n = await fsyncs;
            const fsyncsPerSec = n === null ? null : n / durationSec;
            const row: Row = {
              rep,
              target,
              sessions,
              op,
              opsPerSec: r.opsPerSec,
              p50Ms: r.p50Ms,
              p99Ms: r.p99Ms,
              errors: r.errors,
              fsyncsPerSec: fsyncsPerSec === null ? null : Math.round(fsyncsPerSec),
              txnsPerFsync:
                fsyncsPerSec === null || fsyncsPerSec === 0
                  ? null
                  : Math.round((r.opsPerSec / fsyncsPerSec) * 10) / 10,
              serverCores: r.cpu.serverCores ?? null,
              machineBusy: r.cpu.machineBusy,
            };
            rows.push(row);
            log(
              `  ${op}: ${row.opsPerSec} ops/s, p99 ${row.p99Ms} ms, ${row.fsyncsPerSec ?? '?'} fsyncs/s, ${row.txnsPerFsync ?? '?'} txns/fsync, errors ${row.errors}`,
            );
          }
        } finally {
          await server.stop();
        }
      }
    }
  const opsOf = (t: Target, s: number, op: string) =>
    rows.filter((r) => r.target === t && r.sessions === s && r.op === op).map((r) => r.opsPerSec);
  const round2 = (x: number) => Math.round(x * 100) / 100;
  const ratios = sessionCounts.flatMap((s) =>
    ops.map((op) => {
      const z = opsOf('zkts', s, op);
      const a = opsOf('apache', s, op);
      return {
        sessions: s,
        op,
        ratio: round2(median(z) / median(a)),
        perRep: z.map((v, i) => round2(v / a[i]!)),
      };
    }),
  );
  const md = [
    `# Write throughput through the server, forceSync on — zkts vs Apache ZooKeeper 3.8 (${startedAt})`,
    '',
    `Machine: ${machine}. 1 KiB set (version -1, random key of ${keys}) and create (unique path), ${inflight} in flight per session, ${warmupSec} s warm-up + ${durationSec} s measured, ${reps} run(s) per cell, target order alternating, each server started fresh per session count and run after a \`sync\` (bench/load generator), maxClientCnxns=0 on both, Apache with G1 and -Xmx1000m. fsyncs: \`perf stat\` on the server's fdatasync+fsync syscalls over the measured window.`,
    '',
    '| rep | sessions | op | target | ops/s | p50 ms | p99 ms | fsyncs/s | txns/fsync | server cores | machine busy | errors |',
    '| ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.rep} | ${r.sessions} | ${r.op} | ${r.target === 'zkts' ? 'zkts' : 'Apache 3.8'} | ${r.opsPerSec} | ${r.p50Ms} | ${r.p99Ms} | ${r.fsyncsPerSec ?? 'n/a'} | ${r.txnsPerFsync ?? 'n/a'} | ${r.serverCores?.toFixed(2) ?? '?'} | ${(r.machineBusy * 100).toFixed(0)} % | ${r.errors} |`,
    ),
    '',
    `zkts/Apache ops/s, median over median of ${reps} run(s) (aim ≥ 1.5×):`,
    ...ratios.map(
      (x) =>
        `- ${x.op} at ${x.sessions} sessions: ${x.ratio}×${reps > 1 ? ` (each run: ${x.perRep.join(', ')})` : ''} — ${x.ratio >= 1.5 ? 'met' : 'NOT met'}`,
    ),
    '',
  ].join('\n');
  const outDir = join(repoRoot(), 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `storage-server-${startedAt.replace(/[:.]/g, '-')}`);
  writeFileSync(
    `${base}.json`,
    JSON.stringify(
      { startedAt, machine, durationSec, warmupSec, inflight, reps, rows, ratios },
      null,
      2,
    ) + '\n',
  );
  writeFileSync(`${base}.md`, md);
  log(`wrote ${base}.json and ${base}.md`);
  process.stdout.write(md);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});

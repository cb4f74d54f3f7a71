/** Medians over repetitions, the zkts/Apache ratios, and the markdown table. */
import type { LoadResult } from './load/generator.js';
import type { BenchOp } from './load/frames.js';
import type { BenchOptions } from './options.js';

export interface Measurement {
  rep: number;
  target: string;
  result: LoadResult;
}

export interface SummaryRow {
  op: BenchOp;
  target: string;
  reps: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  generatorCores: number;
  serverCores: number | null;
  machineBusy: number;
  /** zkts (and baseline) rows only, when Apache ran too. */
  opsRatio?: number;
  p99Ratio?: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

export function summarise(ms: Measurement[], ops: BenchOp[], targets: string[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const op of ops) {
    for (const target of targets) {
      const rs = ms.filter((m) => m.target === target && m.result.op === op).map((m) => m.result);
      if (rs.length === 0) continue;
      const servers = rs.map((r) => r.cpu.serverCores).filter((x): x is number => x !== null);
      rows.push({
        op,
        target,
        reps: rs.length,
        opsPerSec: Math.round(median(rs.map((r) => r.opsPerSec))),
        p50Ms: median(rs.map((r) => r.p50Ms)),
        p99Ms: median(rs.map((r) => r.p99Ms)),
        errors: rs.reduce((a, r) => a + r.errors, 0),
        generatorCores: median(rs.map((r) => r.cpu.generatorCores)),
        serverCores: servers.length > 0 ? median(servers) : null,
        machineBusy: median(rs.map((r) => r.cpu.machineBusy)),
      });
    }
    const a = rows.find((r) => r.op === op && r.target === 'apache');
    for (const z of rows.filter((r) => r.op === op && r.target !== 'apache'))
      if (a) {
        z.opsRatio = z.opsPerSec / a.opsPerSec;
        z.p99Ratio = z.p99Ms / a.p99Ms;
      }
  }
  return rows;
}

const label = (t: string): string =>
  t === 'apache' ? 'Apache 3.8' : t === 'baseline' ? 'zkts baseline' : t;
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');
const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '–');
/** Server CPU time per completed op: less sensitive to a busy machine than ops/s. */
const cpuPerOp = (cores: number | null, opsPerSec: number): string =>
  cores === null || opsPerSec <= 0 ? '–' : ((cores * 1e6) / opsPerSec).toFixed(1);

export function markdown(
  rows: SummaryRow[],
  ms: Measurement[],
  o: BenchOptions,
  meta: { startedAt: string; machine: string },
): string {
  const window = o.count === null ? `${o.durationSec} s measured` : `${o.count} requests measured`;
  const out: string[] = [
    `# zkts vs Apache ZooKeeper 3.8 — issue 2 benchmark (${meta.startedAt})`,
    '',
    `${o.sessions} sessions × ${o.inflight} in flight, ${o.payloadBytes} B payloads, ${o.keys} keys; ` +
      `${o.warmupSec} s warm-up + ${window} per run; median of ${o.reps} repetition(s), ` +
      `targets alternated per repetition, each started fresh on loopback. ${meta.machine}`,
    '',
    '| op | target | ops/s | p50 ms | p99 ms | zkts/Apache ops/s | zkts/Apache p99 | errors |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows)
    out.push(
      `| ${r.op} | ${label(r.target)} | ${r.opsPerSec} | ${f3(r.p50Ms)} | ${f3(r.p99Ms)} | ` +
        `${r.opsRatio === undefined ? '' : f2(r.opsRatio) + '×'} | ` +
        `${r.p99Ratio === undefined ? '' : f2(r.p99Ratio) + '×'} | ${r.errors} |`,
    );
  const aims = rows.filter(
    (r) => r.target === 'zkts' && r.opsRatio !== undefined && (r.op === 'get' || r.op === 'set'),
  );
  if (aims.length > 0) {
    out.push('', 'Aim (issue 2): ≥ 1.5× Apache ops/s on get and set at no worse p99.');
    for (const r of aims) {
      const ok = r.opsRatio! >= 1.5 && r.p99Ratio! <= 1;
      out.push(
        `- ${r.op}: ${f2(r.opsRatio!)}× ops/s, p99 ${f2(r.p99Ratio!)}× — ${ok ? 'met' : 'NOT met'}`,
      );
    }
  }
  if (o.baselineDir !== null) {
    out.push('', `A/B: zkts against the baseline build in ${o.baselineDir} (same run):`);
    for (const z of rows.filter((r) => r.target === 'zkts')) {
      const b = rows.find((r) => r.op === z.op && r.target === 'baseline');
      if (b)
        out.push(
          `- ${z.op}: ${f2(z.opsPerSec / b.opsPerSec)}× the baseline's ops/s, p99 ${f2(z.p99Ms / b.p99Ms)}×`,
        );
    }
  }
  out.push(
    '',
    'CPU during the measured windows (median; 1.0 = one core busy; machine busy is over all cores and all processes):',
    '',
    '| op | target | generator cores | server cores | server CPU µs/op | machine busy |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  );
  for (const r of rows)
    out.push(
      `| ${r.op} | ${label(r.target)} | ${f2(r.generatorCores)} | ${r.serverCores === null ? '–' : f2(r.serverCores)} | ` +
        `${cpuPerOp(r.serverCores, r.opsPerSec)} | ${(r.machineBusy * 100).toFixed(0)} % |`,
    );
  out.push(
    '',
    'Every run:',
    '',
    '| rep | op | target | ops/s | p50 ms | p99 ms | p99.9 ms | gen cores | server cores | server µs/op | machine busy | load1 |',
  );
  out.push('| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const m of ms) {
    const r = m.result;
    out.push(
      `| ${m.rep} | ${r.op} | ${label(m.target)} | ${r.opsPerSec} | ${f3(r.p50Ms)} | ${f3(r.p99Ms)} | ${f3(r.p999Ms)} | ` +
        `${f2(r.cpu.generatorCores)} | ${r.cpu.serverCores === null ? '–' : f2(r.cpu.serverCores)} | ` +
        `${cpuPerOp(r.cpu.serverCores, r.opsPerSec)} | ` +
        `${(r.cpu.machineBusy * 100).toFixed(0)} % | ${r.cpu.loadavg1.toFixed(2)} |`,
    );
  }
  return out.join('\n') + '\n';
}

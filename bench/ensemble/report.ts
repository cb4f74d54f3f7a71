/** Medians, zkts/Apache ratios and the markdown of the issue-4 ensemble benchmark. */
import type { LoadResult } from '../load/generator.js';
import type { FailoverResult } from './failover.js';
import type { HandoffResult } from './handoff.js';
import type { EnsembleBenchOptions, EnsembleOp, EnsembleTarget } from './options.js';

export interface LoadRun {
  rep: number;
  target: EnsembleTarget;
  result: LoadResult;
}
export interface FailoverRun {
  rep: number;
  target: EnsembleTarget;
  result: FailoverResult;
}
export interface HandoffRun {
  rep: number;
  result: HandoffResult;
}
export interface Unavailable {
  rep: number;
  target: EnsembleTarget;
  what: string;
  reason: string;
}

export interface BenchRecord {
  startedAt: string;
  machine: string;
  options: EnsembleBenchOptions;
  load: LoadRun[];
  failover: FailoverRun[];
  handoff: HandoffRun[];
  unavailable: Unavailable[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

export interface LoadRow {
  op: EnsembleOp;
  target: EnsembleTarget;
  reps: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  serverCores: number | null;
  machineBusy: number;
  opsRatio?: number;
  p99Ratio?: number;
}

export interface FailoverRow {
  target: EnsembleTarget;
  trials: number;
  /** Trials with no new-epoch write within the timeout. */
  timedOut: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  lost: number;
  ratio?: number;
}

export interface Summary {
  load: LoadRow[];
  failover: FailoverRow[];
  handoff: {
    trials: number;
    available: number;
    medianMaxGapMs: number;
    medianNewLeaderMs: number;
    lost: number;
    /** Trials whose lost-write check could not run. */
    unchecked: number;
  } | null;
}

export function summarise(r: BenchRecord): Summary {
  const load: LoadRow[] = [];
  for (const op of r.options.ops) {
    for (const target of r.options.targets) {
      const rs = r.load
        .filter((x) => x.target === target && x.result.op === op)
        .map((x) => x.result);
      if (rs.length === 0) continue;
      const cores = rs.map((x) => x.cpu.serverCores).filter((x): x is number => x !== null);
      load.push({
        op,
        target,
        reps: rs.length,
        opsPerSec: Math.round(median(rs.map((x) => x.opsPerSec))),
        p50Ms: median(rs.map((x) => x.p50Ms)),
        p99Ms: median(rs.map((x) => x.p99Ms)),
        errors: rs.reduce((a, x) => a + x.errors, 0),
        serverCores: cores.length > 0 ? median(cores) : null,
        machineBusy: median(rs.map((x) => x.cpu.machineBusy)),
      });
    }
    const a = load.find((x) => x.op === op && x.target === 'apache');
    const z = load.find((x) => x.op === op && x.target === 'zkts');
    if (a && z) {
      z.opsRatio = z.opsPerSec / a.opsPerSec;
      z.p99Ratio = z.p99Ms / a.p99Ms;
    }
  }
  const failover: FailoverRow[] = [];
  for (const target of r.options.targets) {
    const rs = r.failover.filter((x) => x.target === target).map((x) => x.result);
    if (rs.length === 0) continue;
    const ms = rs.map((x) => x.failoverMs).filter((x): x is number => x !== null);
    failover.push({
      target,
      trials: rs.length,
      timedOut: rs.length - ms.length,
      medianMs: median(ms),
      minMs: ms.length ? Math.min(...ms) : NaN,
      maxMs: ms.length ? Math.max(...ms) : NaN,
      lost: rs.reduce((a, x) => a + x.lost, 0),
    });
  }
  const fa = failover.find((x) => x.target === 'apache');
  const fz = failover.find((x) => x.target === 'zkts');
  if (fa && fz) fz.ratio = fz.medianMs / fa.medianMs;
  const hs = r.handoff.map((h) => h.result);
  const ok = hs.filter((h) => h.available);
  const handoff =
    hs.length === 0
      ? null
      : {
          trials: hs.length,
          available: ok.length,
          medianMaxGapMs: median(ok.map((h) => h.maxGapMs)),
          medianNewLeaderMs: median(
            ok.map((h) => h.newLeaderMs).filter((x): x is number => x !== null),
          ),
          lost: hs.reduce((a, h) => a + (h.lost ?? 0), 0),
          unchecked: hs.filter((h) => h.lost === null).length,
        };
  return { load, failover, handoff };
}

const label = (t: string): string => (t === 'apache' ? 'Apache 3.8' : t);
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');
const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '–');
const ratio = (x: number | undefined): string => (x === undefined ? '' : `${f2(x)}×`);
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

export function markdown(r: BenchRecord, s: Summary): string {
  const o = r.options;
  const out: string[] = [
    `# zkts vs Apache ZooKeeper 3.8, 3-server ensembles — issue 4 benchmark (${r.startedAt})`,
    '',
    `Each repetition starts every target as a fresh 3-server ensemble on ${o.hostPrefix}1-3 ` +
      `(client 2181, quorum 2888, election 3888 on each; tickTime 2000, initLimit 10, syncLimit 5, ` +
      `forceSync default; Apache: QuorumPeerMain, G1, 1000 MB heap per member), target order ` +
      `alternating; figures are medians over ${o.reps} repetition(s). ${r.machine}`,
    '',
  ];
  for (const u of r.unavailable)
    out.push(`- **${label(u.target)} ${u.what} unavailable (rep ${u.rep}):** ${u.reason}`);
  if (r.unavailable.length > 0) out.push('');

  out.push(
    '## Throughput',
    '',
    `${o.sessions} sessions spread evenly over the three servers, ${o.inflight} requests in flight ` +
      `each, ${o.payloadBytes} B payloads over ${o.keys} keys; mixed = 90 % get, 10 % set; ` +
      `${o.warmupSec} s warm-up + ${o.durationSec} s measured. Server cores = all three members.`,
    '',
    '| op | target | ops/s | p50 ms | p99 ms | zkts/Apache ops/s | zkts/Apache p99 | errors | server cores | machine busy |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const x of s.load)
    out.push(
      `| ${x.op} | ${label(x.target)} | ${x.opsPerSec} | ${f3(x.p50Ms)} | ${f3(x.p99Ms)} | ` +
        `${ratio(x.opsRatio)} | ${ratio(x.p99Ratio)} | ${x.errors} | ` +
        `${x.serverCores === null ? '–' : f2(x.serverCores)} | ${(x.machineBusy * 100).toFixed(0)} % |`,
    );
  const loadAims = s.load.filter((x) => x.opsRatio !== undefined);
  if (loadAims.length > 0) {
    out.push('', 'Aim: ≥ 1.5× Apache ops/s, p99 no worse than Apache.');
    for (const x of loadAims)
      out.push(
        `- ${x.op}: ${f2(x.opsRatio!)}× ops/s (${verdict(x.opsRatio! >= 1.5)}), ` +
          `p99 ${f2(x.p99Ratio!)}× (${verdict(x.p99Ratio! <= 1)})`,
      );
  }

  out.push(
    '',
    '## Failover',
    '',
    'One client connected to a follower creates nodes one after another (a failed or hung write ' +
      'is given up after 1 s and the next one tried; a lost connection is re-established at once ' +
      'on the next server, keeping the session). The leader is SIGKILLed; the figure is the time ' +
      'from the kill to the first acknowledged write of a later epoch. The killed server is ' +
      'restarted and rejoins before the next trial. Lost = acknowledged writes missing afterwards ' +
      'on a running server (after sync).',
    '',
    '| target | trials | median ms | min ms | max ms | zkts/Apache | no write within timeout | lost writes |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const x of s.failover)
    out.push(
      `| ${label(x.target)} | ${x.trials} | ${f1(x.medianMs)} | ${f1(x.minMs)} | ${f1(x.maxMs)} | ` +
        `${ratio(x.ratio)} | ${x.timedOut} | ${x.lost} |`,
    );
  const fz = s.failover.find((x) => x.target === 'zkts');
  if (fz && fz.ratio !== undefined)
    out.push(
      '',
      `Aim: ≤ 0.5× Apache and < 1 s: ${f2(fz.ratio)}×, ${f1(fz.medianMs)} ms — ` +
        verdict(fz.ratio <= 0.5 && fz.medianMs < 1000),
    );

  out.push('', '## Handoff (zkts only: `ydld` to the leader under write load)', '');
  if (s.handoff === null) out.push('Not run.');
  else {
    out.push(
      'One writer per server (4 creates in flight each, same retry rules as above). Longest gap ' +
        'between acknowledged writes from 1 s before ydld until 1 s after the handoff settled ' +
        '(another server leads and a write of the new epoch is acknowledged), or the 10 s timeout.',
      '',
    );
    if (s.handoff.available === 0)
      out.push(
        `Not available: in ${s.handoff.trials} trial(s) no other server became leader within 10 s of ydld.`,
      );
    else
      out.push(
        `Median longest gap ${f1(s.handoff.medianMaxGapMs)} ms; another server reported leader after a ` +
          `median ${f1(s.handoff.medianNewLeaderMs)} ms; ${s.handoff.available}/${s.handoff.trials} ` +
          `trial(s) handed off.`,
      );
    out.push(
      `Acknowledged writes lost over all trials: ${s.handoff.lost}` +
        (s.handoff.unchecked > 0 ? ` (${s.handoff.unchecked} trial(s) could not be checked)` : '') +
        '.',
    );
    for (const h of r.handoff)
      if (h.result.checkError !== undefined)
        out.push(`- rep ${h.rep}: lost-write check failed: ${h.result.checkError}`);
    for (const h of r.handoff)
      for (const [server, z] of Object.entries(h.result.missingZxids ?? {}))
        out.push(
          `- rep ${h.rep}: ${server} misses acknowledged writes (epoch before ydld ${h.result.epochBefore}): ${z}`,
        );
    out.push(
      '',
      '| rep | ydld reply | another leader | new epoch | leader before → after | new leader ms | first new-epoch write ms | longest gap ms | gap before ydld ms | acks | lost |',
      '| ---: | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const h of r.handoff) {
      const x = h.result;
      out.push(
        `| ${h.rep} | ${JSON.stringify(x.reply)} | ${x.available ? 'yes' : 'no'} | ${x.newEpoch ? 'yes' : 'no'} | ` +
          `${x.oldLeaderSid} → ${x.leaderAfterSid ?? '–'} | ${x.newLeaderMs ?? '–'} | ` +
          `${x.firstNewEpochAckMs ?? '–'} | ${x.maxGapMs} | ${x.baselineMaxGapMs} | ${x.acks} | ${x.lost ?? 'not checked'} |`,
      );
    }
  }

  out.push(
    '',
    '## Every failover trial',
    '',
    '| rep | target | killed | writer on | new leader | failover ms | first ack after kill ms | acks | lost | reconnects | failed writes |',
    '| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const f of r.failover) {
    const x = f.result;
    out.push(
      `| ${f.rep} | ${label(f.target)} | ${x.killedSid} | ${x.writerServer} | ${x.newLeaderSid ?? '–'} | ` +
        `${x.failoverMs ?? 'none'} | ${x.firstAckMs ?? 'none'} | ${x.acks} | ${x.lost} | ${x.reconnects} | ` +
        `${Object.entries(x.failures)
          .map(([k, v]) => `${k}×${v}`)
          .join(' ')} |`,
    );
  }
  for (const f of r.failover)
    for (const [server, z] of Object.entries(f.result.missingZxids ?? {}))
      out.push(`- rep ${f.rep} ${label(f.target)}: ${server} misses acknowledged writes: ${z}`);
  out.push(
    '',
    '## Every throughput run',
    '',
    '| rep | op | target | ops/s | p50 ms | p99 ms | p99.9 ms | gen cores | server cores | machine busy | load1 |',
    '| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const l of r.load) {
    const x = l.result;
    out.push(
      `| ${l.rep} | ${x.op} | ${label(l.target)} | ${x.opsPerSec} | ${f3(x.p50Ms)} | ${f3(x.p99Ms)} | ` +
        `${f3(x.p999Ms)} | ${f2(x.cpu.generatorCores)} | ${x.cpu.serverCores === null ? '–' : f2(x.cpu.serverCores)} | ` +
        `${(x.cpu.machineBusy * 100).toFixed(0)} % | ${x.cpu.loadavg1.toFixed(2)} |`,
    );
  }
  return out.join('\n') + '\n';
}

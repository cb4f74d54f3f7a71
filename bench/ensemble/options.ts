/** Options of `npm run bench:ensemble` (flags: --duration 10 or --duration=10). */
import type { BenchOp } from '../load/frames.js';

export type EnsembleTarget = 'apache' | 'zkts';
export type EnsembleOp = Extract<BenchOp, 'get' | 'set' | 'mixed'>;
const allOps: readonly EnsembleOp[] = ['get', 'set', 'mixed'];
const allTargets: readonly EnsembleTarget[] = ['apache', 'zkts'];

export interface EnsembleBenchOptions {
  targets: EnsembleTarget[];
  reps: number;
  ops: EnsembleOp[];
  durationSec: number;
  warmupSec: number;
  sessions: number;
  inflight: number;
  workers: number;
  payloadBytes: number;
  keys: number;
  failovers: number;
  handoffs: number;
  hostPrefix: string;
  outDir: string;
}

export const ensembleUsage = `npm run bench:ensemble -- [options]
  --targets LIST     apache,zkts (default both), each a fresh 3-server ensemble per repetition
  --reps N           repetitions, target order alternating (default 3)
  --ops LIST         get,set,mixed (90 % get / 10 % set) (default all three; "none" skips)
  --duration S       measured seconds per throughput run (default 10)
  --warmup S         warm-up seconds per throughput run (default 3)
  --sessions N       client sessions, spread evenly over the 3 servers (default 12)
  --inflight M       requests in flight per session (default 32)
  --workers N        generator worker threads (default 2)
  --payload BYTES    data size (default 1024)
  --keys N           nodes read and written by get/set/mixed (default 1000)
  --failovers N      leader SIGKILL trials per repetition and target (default 2)
  --handoffs N       ydld handoff trials per repetition, zkts only (default 1)
  --host-prefix P    member i on P<i> (default $ENSEMBLE_HOST_PREFIX or 127.0.0.)
  --out DIR          where issue4-<timestamp>.json and .md go (default bench/results)`;

export function parseEnsembleOptions(argv: string[]): EnsembleBenchOptions | 'help' {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return 'help';
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${ensembleUsage}`);
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`${a} needs a value`);
    m.set(key, value);
  }
  const known = [
    'targets',
    'reps',
    'ops',
    'duration',
    'warmup',
    'sessions',
    'inflight',
    'workers',
    'payload',
    'keys',
    'failovers',
    'handoffs',
    'host-prefix',
    'out',
  ];
  for (const k of m.keys())
    if (!known.includes(k)) throw new Error(`unknown option --${k}\n${ensembleUsage}`);
  const num = (k: string, def: number, min: number): number => {
    const v = m.get(k);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min)
      throw new Error(`--${k} must be a number ≥ ${min}, got ${v}`);
    return n;
  };
  const list = <T extends string>(k: string, allowed: readonly T[], allowNone: boolean): T[] => {
    const v = m.get(k);
    if (v === undefined) return [...allowed];
    if (allowNone && v === 'none') return [];
    const items = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const it of items)
      if (!allowed.includes(it as T))
        throw new Error(`--${k}: ${it} is not one of ${allowed.join(', ')}`);
    if (items.length === 0) throw new Error(`--${k} is empty`);
    return items as T[];
  };
  const hostPrefix = m.get('host-prefix') ?? process.env.ENSEMBLE_HOST_PREFIX ?? '127.0.0.';
  if (!/^127\.\d{1,3}\.\d{1,3}\.$/.test(hostPrefix))
    throw new Error(
      `--host-prefix must look like 127.0.0. (loopback, ending in a dot), got ${hostPrefix}`,
    );
  return {
    targets: list('targets', allTargets, false),
    reps: Math.floor(num('reps', 3, 1)),
    ops: list('ops', allOps, true),
    durationSec: num('duration', 10, 0.1),
    warmupSec: num('warmup', 3, 0),
    sessions: Math.floor(num('sessions', 12, 1)),
    inflight: Math.floor(num('inflight', 32, 1)),
    workers: Math.floor(num('workers', 2, 1)),
    payloadBytes: Math.floor(num('payload', 1024, 0)),
    keys: Math.floor(num('keys', 1000, 1)),
    failovers: Math.floor(num('failovers', 2, 0)),
    handoffs: Math.floor(num('handoffs', 1, 0)),
    hostPrefix,
    outDir: m.get('out') ?? 'bench/results',
  };
}

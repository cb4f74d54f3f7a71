/**
 * Options of `npm run bench`: flags (--duration 10 or --duration=10) or BENCH_* environment
 * variables (BENCH_DURATION=10); flags win.
 */
import { benchOps, type BenchOp } from './load/frames.js';
import type { Target } from './load/servers.js';

export interface BenchOptions {
  durationSec: number;
  warmupSec: number;
  sessions: number;
  inflight: number;
  ops: BenchOp[];
  targets: Target[];
  /** host:port of an already running server; replaces targets. */
  connect: string | null;
  reps: number;
  workers: number;
  /** Measure a fixed number of requests per run instead of a duration. */
  count: number | null;
  payloadBytes: number;
  keys: number;
  outDir: string;
  /** Run zkts under --cpu-prof, writing .cpuprofile files here. */
  profileDir: string | null;
  /** A built zkts checkout measured as target `baseline` in the same run (A/B of a change). */
  baselineDir: string | null;
  /** The built zkts checkout measured as target `zkts` (default: this repository). */
  zktsDir: string | null;
  /** Extra node flags for the zkts target only (e.g. V8 heap settings), space-separated. */
  zktsNodeFlags: string[];
}

export const usage = `npm run bench -- [options]     (each option also as BENCH_<NAME>, e.g. BENCH_TARGETS=apache)
  --duration S     measured seconds per run (default 10)
  --warmup S       warm-up seconds per run, not measured (default 3)
  --count N        measure N requests per run instead of a duration
  --sessions N     client sessions (default 8)
  --inflight M     requests in flight per session (default 32)
  --ops LIST       get,set,create (default all three)
  --targets LIST   apache,zkts (default both), each started fresh on loopback per repetition
  --connect H:P    measure an already running server instead of starting targets
  --reps N         repetitions; the table shows the median (default 3)
  --workers N      generator worker threads (default 2)
  --payload BYTES  data size for set and create, and of the nodes read by get (default 1024)
  --keys N         nodes read and written by get and set (default 1000)
  --out DIR        where issue2-<timestamp>.json and .md go (default bench/results)
  --profile DIR    run zkts under node --cpu-prof, profiles in DIR
  --baseline DIR   also run the zkts built in DIR (e.g. git archive of an older commit, built)
                   as target "baseline", alternated with the others in the same run
  --zkts-dir DIR   measure the zkts built in DIR as target "zkts" (default: this repository)
  --zkts-node-flags "F..."  extra node flags for target "zkts" only (A/B of runtime settings)`;

function raw(argv: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of Object.entries(process.env))
    if (k.startsWith('BENCH_') && v !== undefined) m.set(k.slice(6).toLowerCase(), v);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') m.set('help', '1');
    else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) m.set(a.slice(2, eq), a.slice(eq + 1));
      else {
        const v = argv[i + 1];
        if (v === undefined) throw new Error(`${a} needs a value`);
        m.set(a.slice(2), v);
        i++;
      }
    } else throw new Error(`unexpected argument ${a}`);
  }
  return m;
}

const known = [
  'help',
  'duration',
  'warmup',
  'count',
  'sessions',
  'inflight',
  'ops',
  'targets',
  'connect',
  'reps',
  'workers',
  'payload',
  'keys',
  'out',
  'profile',
  'baseline',
  'zkts-dir',
  'zkts-node-flags',
];

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const m = raw(argv);
  for (const k of m.keys())
    if (!known.includes(k)) throw new Error(`unknown option --${k}\n${usage}`);
  if (m.has('help')) return 'help';
  const num = (k: string, def: number, min: number): number => {
    const v = m.get(k);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min)
      throw new Error(`--${k} must be a number ≥ ${min}, got ${v}`);
    return n;
  };
  const list = <T extends string>(k: string, allowed: readonly T[]): T[] => {
    const v = m.get(k);
    if (v === undefined) return [...allowed];
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
  const connect = m.get('connect') ?? null;
  if (connect !== null && !/^[^:]+:\d+$/.test(connect))
    throw new Error(`--connect wants host:port, got ${connect}`);
  const count = m.has('count') ? Math.floor(num('count', 0, 1)) : null;
  const baselineDir = m.get('baseline') ?? null;
  const targets = list<Target>('targets', ['apache', 'zkts']);
  if (baselineDir !== null && !targets.includes('baseline')) targets.push('baseline');
  if (baselineDir === null && targets.includes('baseline'))
    throw new Error('target baseline needs --baseline DIR');
  return {
    durationSec: num('duration', 10, 0.1),
    warmupSec: num('warmup', 3, 0),
    count,
    sessions: Math.floor(num('sessions', 8, 1)),
    inflight: Math.floor(num('inflight', 32, 1)),
    ops: list('ops', benchOps),
    targets,
    connect,
    reps: Math.floor(num('reps', 3, 1)),
    workers: Math.floor(num('workers', 2, 1)),
    payloadBytes: Math.floor(num('payload', 1024, 0)),
    keys: Math.floor(num('keys', 1000, 1)),
    outDir: m.get('out') ?? 'bench/results',
    profileDir: m.get('profile') ?? null,
    baselineDir,
    zktsDir: m.get('zkts-dir') ?? null,
    zktsNodeFlags: (m.get('zkts-node-flags') ?? '').split(/\s+/).filter(Boolean),
  };
}

/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the frames with the most self time and
 * the most inclusive time, as shares of the sampled time; --from/--to (seconds after the profile
 * starts) keep only the samples of the load window. Usage:
 *   node dist/bench/profile-summary.js FILE.cpuprofile [--top N] [--from S] [--to S]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FrameShare {
  frame: string;
  selfPct: number;
  totalPct: number;
}

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  const fn = f.functionName || '(anonymous)';
  if (!f.url) return fn;
  const url = f.url.replace(/^file:\/\//, '').replace(/^.*?\/(dist|node_modules)\//, '$1/');
  return `${fn} ${url}:${f.lineNumber + 1}`;
}

export function summariseProfile(
  p: CpuProfile,
  window: { fromSec: number; toSec: number } = { fromSec: 0, toSec: Infinity },
): { totalMs: number; frames: FrameShare[] } {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  let atUs = 0;
  p.samples.forEach((id, i) => {
    const dt = Math.max(0, p.timeDeltas[i] ?? 0);
    atUs += dt;
    if (atUs < window.fromSec * 1e6 || atUs > window.toSec * 1e6) return;
    all += dt;
    const leaf = byId.get(id);
    if (!leaf) return;
    const name = frameName(leaf);
    self.set(name, (self.get(name) ?? 0) + dt);
    // Inclusive time counts each frame once per sample, even when it recurses.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const nm = frameName(byId.get(cur)!);
      if (seen.has(nm)) continue;
      seen.add(nm);
      total.set(nm, (total.get(nm) ?? 0) + dt);
    }
  });
  const frames = [...total.keys()].map((frame) => ({
    frame,
    selfPct: (100 * (self.get(frame) ?? 0)) / all,
    totalPct: (100 * total.get(frame)!) / all,
  }));
  return { totalMs: all / 1000, frames };
}

function main(): void {
  const args = process.argv.slice(2);
  const flag = (name: string, def: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  const top = flag('--top', 30);
  const window = { fromSec: flag('--from', 0), toSec: flag('--to', Infinity) };
  const file = args.find((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--'));
  if (!file) {
    console.error(
      'usage: node dist/bench/profile-summary.js FILE.cpuprofile [--top N] [--from S] [--to S]',
    );
    process.exit(2);
  }
  const { totalMs, frames } = summariseProfile(
    JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
    window,
  );
  const pct = (x: number) => x.toFixed(1).padStart(5) + ' %';
  console.log(`${file}: ${(totalMs / 1000).toFixed(1)} s sampled`);
  console.log('\nTop self time:');
  for (const f of [...frames].sort((a, b) => b.selfPct - a.selfPct).slice(0, top))
    console.log(`${pct(f.selfPct)} self ${pct(f.totalPct)} total  ${f.frame}`);
  console.log('\nTop inclusive time (excluding roots):');
  for (const f of [...frames]
    .filter((f) => !['(root)', '(program)', '(idle)'].includes(f.frame))
    .sort((a, b) => b.totalPct - a.totalPct)
    .slice(0, top))
    console.log(`${pct(f.totalPct)} total ${pct(f.selfPct)} self  ${f.frame}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();

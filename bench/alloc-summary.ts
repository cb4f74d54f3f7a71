/**
 * Summarises a profile from bench/alloc-sampler.ts: allocated bytes by allocating frame, each
 * with the nearest zkts frame above it (so runtime allocations show who asked for them).
 *   node dist/bench/alloc-summary.js FILE.json [--top N]
 */
import { readFileSync } from 'node:fs';

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

const frameName = (n: SamplingNode): string => {
  const f = n.callFrame;
  const url = f.url.replace(/^file:\/\//, '').replace(/^.*?\/dist\//, '');
  return `${f.functionName || '(anonymous)'} ${url}:${f.lineNumber + 1}`;
};

export function summariseAllocations(head: SamplingNode): {
  total: number;
  rows: [string, number][];
} {
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (n: SamplingNode, nearestApp: string): void => {
    const name = frameName(n);
    const app = n.callFrame.url.includes('/dist/src/') ? name : nearestApp;
    if (n.selfSize > 0) {
      total += n.selfSize;
      const key = app === name ? name : `${name}  <= ${app}`;
      bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c, app);
  };
  walk(head, '(no zkts frame)');
  return { total, rows: [...bySite].sort((a, b) => b[1] - a[1]) };
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--top');
  if (!file) {
    console.error('usage: node dist/bench/alloc-summary.js FILE.json [--top N]');
    process.exit(2);
  }
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 30;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { head: SamplingNode };
  const { total, rows } = summariseAllocations(profile.head);
  console.log(
    `${(total / 2 ** 20).toFixed(1)} MiB sampled; divide by the ops in the window for bytes/op`,
  );
  for (const [site, bytes] of rows.slice(0, top))
    console.log(`${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${site}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();

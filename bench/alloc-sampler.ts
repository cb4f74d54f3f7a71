/**
 * Preload for allocation profiling: V8's sampling heap profiler, counting objects the GC has
 * already collected too (what drives GC cost), over a window of the process's life. Usage:
 *   ZKTS_ALLOC_OUT=/tmp/alloc.json ZKTS_ALLOC_FROM_MS=4000 ZKTS_ALLOC_TO_MS=9000 \
 *     node --import ./dist/bench/alloc-sampler.js bin/zkts server --config zoo.cfg
 * then `node dist/bench/alloc-summary.js /tmp/alloc.json`. A `%p` in ZKTS_ALLOC_OUT is replaced by
 * the pid (for the members of an ensemble: ZKTS_MEMBER_NODE_ARGS="--import …"). With ZKTS_ALLOC_LIVE=1 it samples only
 * what is still uncollected at the end of the window: what survived scavenges (promoted garbage
 * that the next mark-compact frees, or real growth), the objects that make scavenges slow.
 * With ZKTS_ALLOC_SURVIVORS=1 it drops only what scavenges collected: every object that was
 * promoted, whether a later mark-compact freed it or not (what makes mark-compacts frequent).
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

/** `%p` becomes the pid, so the members of an ensemble each write their own file. */
const out = (process.env['ZKTS_ALLOC_OUT'] ?? 'alloc.heapprofile.json').replaceAll(
  '%p',
  String(process.pid),
);
const fromMs = Number(process.env['ZKTS_ALLOC_FROM_MS'] ?? 3000);
const toMs = Number(process.env['ZKTS_ALLOC_TO_MS'] ?? 13000);
const liveOnly = process.env['ZKTS_ALLOC_LIVE'] === '1';
const survivorsOnly = process.env['ZKTS_ALLOC_SURVIVORS'] === '1';
const session = new Session();
session.connect();
const report = (what: string) => (err: Error | null) => {
  if (err) process.stderr.write(`alloc-sampler: ${what} failed: ${err.message}\n`);
};

setTimeout(() => {
  session.post(
    'HeapProfiler.startSampling',
    {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: !liveOnly,
      includeObjectsCollectedByMinorGC: !liveOnly && !survivorsOnly,
    },
    report('start'),
  );
}, fromMs).unref();

setTimeout(() => {
  session.post('HeapProfiler.stopSampling', (err, result) => {
    if (err) return report('stop')(err);
    writeFileSync(out, JSON.stringify(result.profile));
    process.stderr.write(`alloc-sampler: wrote ${out}\n`);
  });
}, toMs).unref();

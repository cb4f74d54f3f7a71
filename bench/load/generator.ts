/**
 * The load generator: N sessions × M requests in flight, spread over worker threads so that the
 * generator is not the bottleneck, a warm-up, then a measured window by time or by count.
 * Returns ops/s, latency quantiles and the CPU the generator, the server and the machine used
 * during the measured window.
 */
import { Worker } from 'node:worker_threads';
import { type BenchOp } from './frames.js';
import { bucketValue, Histogram } from './histogram.js';
import { CpuSampler, type CpuWindow } from './cpu.js';
import { nowMs } from './session.js';
import type { FromWorker, ToWorker, WorkerConfig } from './worker.js';

export interface LoadOptions {
  host: string;
  port: number;
  /** Servers to spread sessions over, round robin by session index; replaces host/port. */
  addresses?: { host: string; port: number }[];
  op: BenchOp;
  /** Root created by prepareTree (keys under root/k, creates under root/c). */
  root: string;
  keys: number;
  payloadBytes: number;
  sessions: number;
  inflight: number;
  workers: number;
  warmupMs: number;
  /** Measured window; ignored when count is set. */
  durationMs: number;
  /** Measure this many requests in total (after warm-up) instead of a time window. */
  count: number | null;
  /** pid of the server (or every member of an ensemble), for its CPU share; null when unknown. */
  serverPid: number | readonly number[] | null;
  /** Unique per run so creates never collide. */
  tag: string;
  sessionTimeoutMs?: number;
}

export interface LoadResult {
  op: BenchOp;
  ops: number;
  errors: number;
  firstError: number;
  measuredMs: number;
  /** Mean reply frame size (without the length prefix). */
  meanReplyBytes: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  meanMs: number;
  /** Upper end of the slowest bucket hit. */
  maxMs: number;
  cpu: CpuWindow;
}

class WorkerHandle {
  private readonly waiters = new Map<string, (m: FromWorker) => void>();
  private failure: Error | undefined;
  readonly worker: Worker;

  constructor(cfg: WorkerConfig) {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: cfg });
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'error') this.fail(new Error(m.message));
      const w = this.waiters.get(m.type);
      this.waiters.delete(m.type);
      w?.(m);
    });
    this.worker.on('error', (e) => this.fail(e));
  }

  private fail(e: Error): void {
    this.failure = e;
    for (const w of this.waiters.values()) w({ type: 'error', message: e.message });
    this.waiters.clear();
  }

  next(type: FromWorker['type']): Promise<FromWorker> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) =>
      this.waiters.set(type, (m) =>
        m.type === 'error' ? reject(new Error(m.message)) : resolve(m),
      ),
    );
  }

  send(m: ToWorker): void {
    this.worker.postMessage(m);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const workerCount = Math.max(1, Math.min(o.workers, o.sessions));
  const handles: WorkerHandle[] = [];
  for (let w = 0; w < workerCount; w++) {
    const sessions: number[] = [];
    for (let s = w; s < o.sessions; s += workerCount) sessions.push(s);
    handles.push(
      new WorkerHandle({
        addresses: o.addresses ?? [{ host: o.host, port: o.port }],
        op: o.op,
        root: o.root,
        keys: o.keys,
        payloadBytes: o.payloadBytes,
        inflight: o.inflight,
        sessionTimeoutMs: o.sessionTimeoutMs ?? 30_000,
        sessions,
        tag: o.tag,
      }),
    );
  }
  try {
    await Promise.all(handles.map((h) => h.next('ready')));
    const startAt = nowMs() + 50;
    const measureAt = startAt + o.warmupMs;
    const endAt = o.count === null ? measureAt + o.durationMs : Infinity;
    const quota = o.count === null ? null : Math.ceil(o.count / o.sessions);
    const dones = handles.map((h) => h.next('done'));
    for (const h of handles) h.send({ type: 'go', window: { measureAt, endAt, quota } });
    await sleep(measureAt - nowMs());
    const cpu = new CpuSampler(o.serverPid);
    let cpuWindow: CpuWindow | undefined;
    if (o.count === null) {
      await sleep(endAt - nowMs());
      cpuWindow = cpu.finish();
    }
    const results = await Promise.all(dones);
    cpuWindow ??= cpu.finish();
    const hist = new Histogram();
    let ops = 0;
    let errors = 0;
    let firstError = 0;
    let last = 0;
    let replyBytes = 0;
    for (const r of results) {
      if (r.type !== 'done') continue;
      hist.merge(new Histogram(r.counts));
      ops += r.ops;
      errors += r.errors;
      replyBytes += r.replyBytes;
      if (firstError === 0) firstError = r.firstError;
      last = Math.max(last, r.lastCompletionAt);
    }
    const measuredMs = o.count === null ? o.durationMs : last - measureAt;
    const closed = handles.map((h) => h.next('closed'));
    for (const h of handles) h.send({ type: 'close' });
    await Promise.all(closed);
    let maxBucket = 0;
    hist.counts.forEach((c, i) => {
      if (c > 0) maxBucket = i;
    });
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      op: o.op,
      ops,
      errors,
      firstError,
      measuredMs,
      meanReplyBytes: Math.round(replyBytes / Math.max(1, ops)),
      opsPerSec: Math.round((ops * 1000) / measuredMs),
      p50Ms: ms(hist.quantile(0.5)),
      p99Ms: ms(hist.quantile(0.99)),
      p999Ms: ms(hist.quantile(0.999)),
      meanMs: ms(hist.mean()),
      maxMs: ms(bucketValue(maxBucket)),
      cpu: cpuWindow,
    };
  } finally {
    await Promise.all(handles.map((h) => h.worker.terminate()));
  }
}

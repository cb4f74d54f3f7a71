/**
 * Worker thread of the load generator: owns a share of the sessions, runs them through the
 * window the coordinator sends, and posts back its histogram and counts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildFrames, type BenchOp } from './frames.js';
import { Histogram } from './histogram.js';
import { BenchSession, type Window } from './session.js';

export interface WorkerConfig {
  /** Session i connects to addresses[i % addresses.length]. */
  addresses: { host: string; port: number }[];
  op: BenchOp;
  root: string;
  keys: number;
  payloadBytes: number;
  inflight: number;
  sessionTimeoutMs: number;
  /** Global indices of the sessions this worker runs. */
  sessions: number[];
  tag: string;
}

export type ToWorker = { type: 'go'; window: Window } | { type: 'close' };
export type FromWorker =
  | { type: 'ready' }
  | {
      type: 'done';
      counts: Float64Array;
      ops: number;
      errors: number;
      firstError: number;
      lastCompletionAt: number;
      replyBytes: number;
    }
  | { type: 'closed' }
  | { type: 'error'; message: string };

const port = parentPort!;
const cfg = workerData as WorkerConfig;
const hist = new Histogram();
const payload = Buffer.alloc(cfg.payloadBytes, 0x61);
const sessions = cfg.sessions.map(
  (i) =>
    new BenchSession(
      buildFrames(cfg.op, {
        root: cfg.root,
        keys: cfg.keys,
        payload,
        sessionTag: `${cfg.tag}s${i}`,
      }),
      cfg.inflight,
      hist,
    ),
);

const post = (m: FromWorker): void => port.postMessage(m);

async function main(): Promise<void> {
  await Promise.all(
    sessions.map((s, j) => {
      const a = cfg.addresses[cfg.sessions[j]! % cfg.addresses.length]!;
      return s.connect(a.host, a.port, cfg.sessionTimeoutMs);
    }),
  );
  post({ type: 'ready' });
  port.on('message', (m: ToWorker) => {
    if (m.type === 'go') {
      void Promise.all(sessions.map((s) => s.run(m.window))).then(() => {
        let ops = 0;
        let errors = 0;
        let firstError = 0;
        let lastCompletionAt = 0;
        let replyBytes = 0;
        for (const s of sessions) {
          ops += s.stats.ops;
          errors += s.stats.errors;
          replyBytes += s.stats.replyBytes;
          if (firstError === 0) firstError = s.stats.firstError;
          lastCompletionAt = Math.max(lastCompletionAt, s.stats.lastCompletionAt);
        }
        post({
          type: 'done',
          counts: hist.counts,
          ops,
          errors,
          firstError,
          lastCompletionAt,
          replyBytes,
        });
      });
    } else {
      void Promise.all(sessions.map((s) => s.close())).then(() => {
        post({ type: 'closed' });
        port.close();
      });
    }
  });
}

main().catch((err: unknown) => {
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  port.close();
});

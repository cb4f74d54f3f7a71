/**
 * One benchmark session over a raw socket: handshake, then keeps `inflight` requests
 * outstanding. Replies come back in order per connection, so send times sit in a ring and only
 * the reply header (xid, err) is read. Replies arriving in one chunk trigger one batched write.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { FrameDecoder } from '../../src/node/proto/frame.js';
import {
  closeSessionFrame,
  connectFrame,
  type FrameSet,
  stampCounter,
  xidOffset,
} from './frames.js';
import type { Histogram } from './histogram.js';

/** Absolute wall-clock ms, comparable across worker threads. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export interface Window {
  measureAt: number;
  endAt: number;
  /** Count mode: measured requests this session sends, then it stops; null = time mode. */
  quota: number | null;
}

export interface SessionStats {
  ops: number;
  errors: number;
  firstError: number;
  lastCompletionAt: number;
  /** Bytes of the measured replies (sanity: a get of 1 KiB answers with ≥ 1 KiB). */
  replyBytes: number;
}

const pingXid = -2;
const notificationXid = -1;

export class BenchSession {
  readonly stats: SessionStats = {
    ops: 0,
    errors: 0,
    firstError: 0,
    lastCompletionAt: 0,
    replyBytes: 0,
  };
  private socket!: net.Socket;
  private readonly decoder = new FrameDecoder(16 * 1024 * 1024);
  private readonly sentAt: Float64Array;
  private head = 0;
  private outstanding = 0;
  private nextXid = 1;
  private counter = 0;
  private measuredSent = 0;
  private window: Window | undefined;
  private done: (() => void) | undefined;
  private closeXid = 0;
  private closed: (() => void) | undefined;

  constructor(
    private readonly frames: FrameSet,
    private readonly inflight: number,
    private readonly hist: Histogram,
  ) {
    this.sentAt = new Float64Array(inflight);
  }

  connect(host: string, port: number, sessionTimeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let handshake = true;
      const s = net.connect({ host, port, noDelay: true });
      this.socket = s;
      s.once('connect', () => s.write(connectFrame(sessionTimeoutMs)));
      s.on('error', (err) => (handshake ? reject(err) : this.fail(err)));
      s.on('close', () => {
        if (handshake) reject(new Error(`connection to ${host}:${port} closed during handshake`));
        else if (this.closed) this.closed();
        else this.fail(new Error(`connection to ${host}:${port} closed by the server`));
      });
      s.on('data', (chunk: Buffer) => {
        const frames = this.decoder.push(chunk);
        for (const f of frames) {
          if (handshake) {
            handshake = false;
            if (f.readInt32BE(4) <= 0) reject(new Error('session refused (timeOut ≤ 0)'));
            else resolve();
            continue;
          }
          this.onReply(f);
        }
        this.flush();
      });
    });
  }

  /** Runs until the window ends (or the quota is met) and every reply is in. */
  run(window: Window): Promise<void> {
    this.window = window;
    return new Promise((resolve) => {
      this.done = resolve;
      for (let i = 0; i < this.inflight; i++) this.queue(nowMs());
      this.flush();
    });
  }

  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, 5000);
      this.closed = () => {
        clearTimeout(timer);
        resolve();
      };
      this.closeXid = this.nextXid++;
      this.socket.write(closeSessionFrame(this.closeXid));
    });
  }

  private pendingOut: Buffer[] = [];

  private queue(t: number): void {
    const w = this.window!;
    if (t >= w.endAt) return;
    if (w.quota !== null && t >= w.measureAt) {
      if (this.measuredSent >= w.quota) return;
      this.measuredSent++;
    }
    const tpl = this.frames.templates;
    const frame = tpl.length === 1 ? tpl[0]! : tpl[(Math.random() * tpl.length) | 0]!;
    this.pendingOut.push(frame);
    this.sentAt[(this.head + this.outstanding) % this.inflight] = t;
    this.outstanding++;
  }

  private flush(): void {
    const list = this.pendingOut;
    if (list.length === 0) return;
    this.pendingOut = [];
    const buf = list.length === 1 ? Buffer.from(list[0]!) : Buffer.concat(list);
    let off = 0;
    for (const f of list) {
      buf.writeInt32BE(this.nextXid, off + xidOffset);
      this.nextXid = this.nextXid === 0x7fffffff ? 1 : this.nextXid + 1;
      if (this.frames.counterOffset >= 0)
        stampCounter(buf, off + this.frames.counterOffset, this.counter++);
      off += f.length;
    }
    this.socket.write(buf);
  }

  private onReply(f: Buffer): void {
    const xid = f.readInt32BE(0);
    if (xid === pingXid || xid === notificationXid) return;
    if (this.closeXid !== 0 && xid === this.closeXid) {
      this.socket.end();
      return;
    }
    if (this.outstanding === 0) throw new Error(`unexpected reply xid ${xid}`);
    const t = nowMs();
    const sent = this.sentAt[this.head]!;
    this.head = (this.head + 1) % this.inflight;
    this.outstanding--;
    const w = this.window!;
    // Throughput counts completions inside the window; each one's latency is recorded.
    if (t >= w.measureAt && t < w.endAt) {
      const err = f.readInt32BE(12);
      if (err !== 0) {
        this.stats.errors++;
        if (this.stats.firstError === 0) this.stats.firstError = err;
      }
      this.stats.ops++;
      this.stats.replyBytes += f.length;
      this.stats.lastCompletionAt = t;
      this.hist.record((t - sent) * 1000);
    }
    this.queue(t);
    if (this.outstanding === 0 && this.pendingOut.length === 0) this.finish();
  }

  private finish(): void {
    const d = this.done;
    this.done = undefined;
    d?.();
  }

  private fail(err: Error): void {
    console.error(`bench session: ${err.message}`);
    this.outstanding = 0;
    this.finish();
  }
}

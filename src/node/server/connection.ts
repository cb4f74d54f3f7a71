/**
 * One client TCP connection: framing, the four-letter-word sniff, handshake state, output
 * batching and the per-connection figures `cons` and `stat` print.
 */
import type { Socket } from 'node:net';
import type { Id } from '../proto/types.js';
import { ConnectionStatsRecorder } from './stats.js';

/**
 * Up to this many queued bytes, copying the frames into one buffer and writing it costs less
 * CPU than a stream write per frame (~45 ns less per 84-byte reply); above it, with 1 KiB
 * replies, the gathered write (writev) is as cheap or cheaper.
 */
const maxCopiedBytes = 16 * 1024;

export type ConnectionState = 'new' | 'connecting' | 'open' | 'closed';

export class Connection {
  state: ConnectionState = 'new';
  sessionId = 0n;
  sessionTimeoutMs = 0;
  /** Whether the client sent the trailing readOnly byte; the reply mirrors it. */
  readOnlyByte: boolean | undefined;
  /** Auth ids: every connection starts with ip:<address>. */
  readonly authIds: Id[];
  /** Requests read and not yet answered; the socket pauses above the limit. */
  outstanding = 0;
  readonly stats = new ConnectionStatsRecorder();
  /** Frames queued in this turn of the event loop, written together by flush(). */
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  private paused = false;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    readonly remoteAddress: string,
    readonly remotePort: number,
    readonly establishedWallMs: number,
    private readonly scheduleFlush: (c: Connection) => void,
  ) {
    this.authIds = [{ scheme: 'ip', id: remoteAddress }];
  }

  get isOpen(): boolean {
    return this.state !== 'closed' && !this.socket.destroyed;
  }

  /**
   * Queues one frame; frames queued in one turn of the event loop leave in one socket write
   * (one syscall). Copying them into one buffer is cheaper than a stream write per frame.
   */
  send(frame: Buffer): void {
    if (!this.isOpen) return;
    if (this.queued.length === 0) this.scheduleFlush(this);
    this.queued.push(frame);
    this.queuedBytes += frame.length;
    this.stats.packetSent();
  }

  flush(): void {
    const frames = this.queued;
    const n = frames.length;
    if (n === 0) return;
    const bytes = this.queuedBytes;
    this.queued = [];
    this.queuedBytes = 0;
    if (this.socket.destroyed) return;
    if (n === 1) {
      this.socket.write(frames[0]!);
    } else if (bytes <= maxCopiedBytes) {
      this.socket.write(Buffer.concat(frames, bytes));
    } else {
      // Large replies (big getData): a gathered write instead of copying them.
      this.socket.cork();
      for (const f of frames) this.socket.write(f);
      this.socket.uncork();
    }
  }

  pauseReading(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  /** Writes what is queued, then closes. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.flush();
    this.socket.end();
    // A client that never reads its socket must not keep the descriptor forever.
    this.socket.setTimeout(5000, () => this.socket.destroy());
  }

  /** Interest ops as `cons` prints them: 1 read, 4 write, 5 both, 0 none. */
  interestOps(): number {
    if (!this.isOpen) return 0;
    const reading = this.paused ? 0 : 1;
    const writing = this.socket.writableLength + this.queuedBytes > 0 ? 4 : 0;
    return reading | writing;
  }
}

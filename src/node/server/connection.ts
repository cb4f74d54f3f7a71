/**
 * One client TCP connection: framing, the four-letter-word sniff, handshake state, output
 * batching and the per-connection figures `cons` and `stat` print.
 */
import type { Socket } from 'node:net';
import type { Id } from '../proto/types.js';
import { ConnectionStatsRecorder } from './stats.js';

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
  private corked = false;
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

  /** Queues one frame; frames written in one turn of the event loop leave in one syscall. */
  send(frame: Buffer): void {
    if (!this.isOpen) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      this.scheduleFlush(this);
    }
    this.socket.write(frame);
    this.stats.packetSent();
  }

  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
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
    const writing = this.socket.writableLength > 0 ? 4 : 0;
    return reading | writing;
  }
}

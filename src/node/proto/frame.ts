/**
 * Length-prefixed framing (client-protocol.md §1, §13, §15): 4-byte big-endian signed length,
 * then that many payload bytes. A negative length or one above jute.maxbuffer is fatal for the
 * connection (Apache closes it without a reply).
 */
import { limits } from '../../shared/limits.js';

export class FrameError extends Error {
  override name = 'FrameError';
  constructor(
    readonly length: number,
    readonly maxBufferBytes: number,
  ) {
    super(
      length < 0
        ? `negative frame length ${length}`
        : `frame length ${length} exceeds jute.maxbuffer ${maxBufferBytes}`,
    );
  }
}

export class FrameDecoder {
  /** Bytes received but not yet returned, oldest first; joined only once a frame is complete. */
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  /** Payload length of the frame in progress, or -1 while its length prefix is incomplete. */
  private expected = -1;
  private failed: FrameError | undefined;

  constructor(readonly maxBufferBytes: number = limits.juteMaxBufferBytes) {}

  /** Feed one chunk; returns the payloads it completed (possibly none). Throws FrameError. */
  push(chunk: Buffer): Buffer[] {
    if (this.failed) throw this.failed;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.length;
    }
    const out: Buffer[] = [];
    if (this.bufferedBytes < (this.expected < 0 ? 4 : this.expected)) return out;
    let buf =
      this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bufferedBytes);
    let off = 0;
    // Parse as many whole frames as this contiguous buffer holds.
    for (;;) {
      if (this.expected < 0) {
        if (buf.length - off < 4) break;
        const len = buf.readInt32BE(off);
        if (len < 0 || len > this.maxBufferBytes) {
          this.failed = new FrameError(len, this.maxBufferBytes);
          this.chunks = [];
          this.bufferedBytes = 0;
          throw this.failed;
        }
        this.expected = len;
        off += 4;
      }
      if (buf.length - off < this.expected) break;
      out.push(buf.subarray(off, off + this.expected));
      off += this.expected;
      this.expected = -1;
    }
    buf = buf.subarray(off);
    this.chunks = buf.length > 0 ? [buf] : [];
    this.bufferedBytes = buf.length;
    return out;
  }

  /** Bytes held for an incomplete frame. */
  get pendingBytes(): number {
    return this.bufferedBytes;
  }
}

/**
 * Slab chunks whose pages a thread-pool thread has already touched, by reading /dev/zero into
 * them: the page faults of fresh memory are paid off the main thread (see data-slab.ts). One
 * read is in flight at a time, so an fsync never waits behind more than one, and at most
 * `depth` chunks (`depth` MiB) are kept ready.
 */
import { openSync, read } from 'node:fs';
import { SLAB_CHUNK_BYTES, type FreshChunkSource } from '../tree/data-slab.js';

export class TouchedChunks {
  private readonly ready: Buffer[] = [];
  private reading = false;
  /** A read failed: stop asking (chunks are then touched where they are used). */
  private broken = false;

  private constructor(
    private readonly zeroFd: number,
    private readonly depth: number,
  ) {
    this.refill();
  }

  /** undefined where /dev/zero cannot be opened: chunks are then touched where they are used. */
  static open(depth: number): TouchedChunks | undefined {
    try {
      return new TouchedChunks(openSync('/dev/zero', 'r'), depth);
    } catch {
      return undefined;
    }
  }

  /** A touched chunk if one is ready; asks for the next either way. */
  readonly take: FreshChunkSource = () => {
    const chunk = this.ready.pop();
    this.refill();
    return chunk;
  };

  /** Chunks ready now. */
  get readyCount(): number {
    return this.ready.length;
  }

  private refill(): void {
    if (this.reading || this.broken || this.ready.length >= this.depth) return;
    this.reading = true;
    const chunk = Buffer.allocUnsafeSlow(SLAB_CHUNK_BYTES);
    read(this.zeroFd, chunk, 0, chunk.length, null, (err) => {
      this.reading = false;
      if (err) {
        this.broken = true;
        return;
      }
      // A short read leaves some pages untouched: the chunk is still good, just slower to fill.
      this.ready.push(chunk);
      this.refill();
    });
  }
}

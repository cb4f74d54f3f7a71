/**
 * Znode data packed into large shared chunks instead of one Buffer object per node: a
 * per-node Buffer costs about as much heap as 100 bytes of data, and a slice of a snapshot
 * or txn buffer would keep that whole buffer alive. Values are copied in and never changed
 * in place while their slab is in use.
 *
 * A view is valid until the next compaction: compaction hands the old slab's chunks to the
 * new one, which writes over them. (Fresh 1 MiB chunks cost a page fault per 4 KiB on first
 * touch and, freed in bulk, drive V8's external-memory GCs: under steady setData that was
 * ~7 % of the server's CPU.) Whoever keeps data past the current turn of the event loop
 * copies it; `holds` tells a view from other buffers.
 */
/** Shared chunk size; 1 MiB keeps the unused tail of the newest chunk small. */
export const SLAB_CHUNK_BYTES = 1 << 20;
const CHUNK_BYTES = SLAB_CHUNK_BYTES;
/** Values above this get an exact-size chunk of their own, freed with the value. */
const OWN_CHUNK_ABOVE_BYTES = 64 * 1024;
/** An address is chunk × 2^32 + offset: exact in a float64 for 2^21 chunks. */
const SPAN = 2 ** 32;
/** Compaction is not worth it below this much garbage. */
const MIN_GARBAGE_BYTES = 16 * CHUNK_BYTES;
/** Chunks a compaction hands on for reuse; one compaction cycle of steady writes needs ~17. */
const MAX_SPARE_CHUNKS = 24;

/**
 * Where fresh standard chunks come from when no spare one is left. Writing into a chunk that
 * was just allocated faults in each of its pages on the main thread: under creates that was
 * ~9 % of a server's CPU (~2 µs per 1 KiB value on this kind of VM, 0.06 µs into touched
 * memory). The server installs a source of chunks whose pages another thread already touched;
 * it may have none ready, and then a chunk is allocated here as before.
 */
export type FreshChunkSource = () => Buffer | undefined;

let freshChunkSource: FreshChunkSource | undefined;

/** Installs (or, with undefined, removes) the process's source of pre-touched chunks. */
export function useFreshChunkSource(source: FreshChunkSource | undefined): void {
  freshChunkSource = source;
}

function freshChunk(): Buffer {
  const supplied = freshChunkSource?.();
  if (supplied === undefined) return Buffer.allocUnsafeSlow(CHUNK_BYTES);
  if (supplied.length !== CHUNK_BYTES)
    throw new Error(`fresh chunk source gave ${supplied.length} bytes, not ${CHUNK_BYTES}`);
  return supplied;
}

export class DataSlab {
  private readonly chunks: (Buffer | null)[] = [];
  private readonly freeChunks: number[] = [];
  private current = -1;
  private fill = CHUNK_BYTES;
  /** Bytes of values still referenced. */
  private liveBytes = 0;
  /** Bytes taken from chunks (live values plus released ones not yet compacted away). */
  private usedBytes = 0;
  /** Standard chunks free for reuse (handed on by the slab this one replaced). */
  private readonly spare: Buffer[] = [];
  /** The memory of every chunk in use, to tell views from other buffers. */
  private readonly chunkMemory = new Set<ArrayBufferLike>();

  /** Copies src[start, end) in and returns its address. Empty values need no address. */
  store(src: Uint8Array, start = 0, end = src.length): number {
    const len = end - start;
    if (len === 0) return 0;
    this.liveBytes += len;
    this.usedBytes += len;
    if (len > OWN_CHUNK_ABOVE_BYTES) {
      const chunk = Buffer.allocUnsafeSlow(len);
      chunk.set(src.subarray(start, end));
      return this.place(chunk) * SPAN;
    }
    if (this.fill + len > CHUNK_BYTES) {
      this.current = this.place(this.spare.pop() ?? freshChunk());
      this.fill = 0;
    }
    const chunk = this.chunks[this.current]!;
    // set() of a subarray, not Buffer#copy: copy makes a Uint8Array per call and checks its
    // arguments in JS, ~35 ns more per value; a snapshot load stores a million.
    chunk.set(src.subarray(start, end), this.fill);
    const addr = this.current * SPAN + this.fill;
    this.fill += len;
    return addr;
  }

  /** A view of a stored value (no copy). */
  view(addr: number, len: number): Buffer {
    if (len === 0) return Buffer.alloc(0);
    const chunk = this.chunks[Math.floor(addr / SPAN)]!;
    const off = addr % SPAN;
    return chunk.subarray(off, off + len);
  }

  /** The chunk and offset of a value, for readers that must not allocate a view. */
  chunkOf(addr: number): Buffer {
    return this.chunks[Math.floor(addr / SPAN)]!;
  }

  release(addr: number, len: number): void {
    if (len === 0) return;
    this.liveBytes -= len;
    if (len > OWN_CHUNK_ABOVE_BYTES) {
      const c = Math.floor(addr / SPAN);
      this.chunkMemory.delete(this.chunks[c]!.buffer);
      this.chunks[c] = null;
      this.freeChunks.push(c);
      this.usedBytes -= len;
    }
  }

  /** True when released values take more room than live ones (time to compact). */
  wasteful(): boolean {
    const garbage = this.usedBytes - this.liveBytes;
    return garbage > MIN_GARBAGE_BYTES && garbage > this.liveBytes;
  }

  /** True if buf is a view of a value in this slab (valid only until the next compaction). */
  holds(buf: Uint8Array): boolean {
    return this.chunkMemory.has(buf.buffer);
  }

  /**
   * After every live value was copied out into `next`: gives it this slab's standard chunks
   * to reuse. This slab and every view of it are dead from here on.
   */
  handChunksTo(next: DataSlab): void {
    for (const chunk of [...this.spare, ...this.chunks]) {
      if (chunk === null || chunk.length !== CHUNK_BYTES) continue;
      if (next.spare.length >= MAX_SPARE_CHUNKS) break;
      next.spare.push(chunk);
    }
    this.chunks.length = 0;
    this.spare.length = 0;
    this.chunkMemory.clear();
  }

  private place(chunk: Buffer): number {
    this.chunkMemory.add(chunk.buffer);
    const c = this.freeChunks.pop();
    if (c !== undefined) {
      this.chunks[c] = chunk;
      return c;
    }
    this.chunks.push(chunk);
    return this.chunks.length - 1;
  }
}

/** Byte offset of an address inside its chunk. */
export function offsetOf(addr: number): number {
  return addr % SPAN;
}

/**
 * Loading a plain snapshot file without holding the whole file in memory: a first pass
 * through a small window checks the header, every record's bounds and every seal; the node
 * records are then handed to the tree (DataTree.fromSnapshot) window by window in a second
 * pass. Reading the file whole costs its size again at the peak, and that buffer lingers
 * until a major GC, well after startup.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { JuteDecodeError, JuteReader } from '../proto/jute.js';
import type { RawNodeSegment } from '../tree/snapshot-data.js';
import { adler32Update } from './adler32.js';
import {
  decodeSnapshot,
  guarded,
  NODE_FIXED_BYTES,
  readHead,
  readTail,
  SnapshotFormatError,
  type LoadableSnapshot,
} from './snapshot-format.js';
import type { SnapshotNode } from './snapshot-types.js';

const WINDOW_BYTES = 4 << 20;
/** A real tail (terminator, seals, digest, zxid) is under 100 bytes. */
const MAX_TAIL_BYTES = 4096;

/** A sliding window over a file read front to back. */
class Window {
  buf: Buffer;
  /** File offset of buf[0]. */
  start: number;
  pos = 0;
  fill = 0;
  /** Adler-32 of every byte before buf[0] (the window's start). */
  adler = 1;

  constructor(
    private readonly fd: number,
    readonly size: number,
    from = 0,
    private readonly checksum = true,
    windowBytes = WINDOW_BYTES,
  ) {
    this.start = from;
    this.buf = Buffer.allocUnsafe(windowBytes);
  }

  /** File offset of the next unread byte. */
  get offset(): number {
    return this.start + this.pos;
  }

  /** Makes buf[pos, pos + n) hold file bytes; false when the file ends first. */
  ensure(n: number): boolean {
    if (this.pos + n <= this.fill) return true;
    if (this.offset + n > this.size) return false;
    if (this.checksum) this.adler = adler32Update(this.adler, this.buf, 0, this.pos);
    this.buf.copyWithin(0, this.pos, this.fill);
    this.fill -= this.pos;
    this.start += this.pos;
    this.pos = 0;
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.fill);
      this.buf = bigger;
    }
    while (this.fill < n) {
      const want = Math.min(this.buf.length - this.fill, this.size - this.start - this.fill);
      const got = readSync(this.fd, this.buf, this.fill, want, this.start + this.fill);
      if (got === 0) return false;
      this.fill += got;
    }
    return true;
  }
}

/** Byte length of the record at buf[p] when its length fields are inside [p, limit); else -1. */
function recordLength(buf: Buffer, p: number, limit: number): number {
  if (p + 4 > limit) return -1;
  const pathLen = buf.readInt32BE(p);
  if (p + 8 + pathLen > limit) return -1;
  const dataLen = buf.readInt32BE(p + 4 + pathLen);
  return 8 + pathLen + Math.max(0, dataLen) + NODE_FIXED_BYTES;
}

function withFile<T>(path: string, f: (fd: number, size: number) => T): T {
  const fd = openSync(path, 'r');
  try {
    return f(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks a plain snapshot file (header, record bounds, seals) in one pass through a window
 * and returns it ready for DataTree.fromSnapshot, whose read of `raw` is the second pass.
 */
export function scanSnapshotFile(
  path: string,
  maxLengthBytes = 0xfffff * 2,
  windowBytes = WINDOW_BYTES,
): LoadableSnapshot {
  return withFile(path, (fd, size) => {
    const w = new Window(fd, size, 0, true, windowBytes);
    let head: ReturnType<typeof readHead> | undefined;
    // The header (sessions, ACLs) is read whole; widen the window until it fits.
    for (let want = 64 * 1024; head === undefined; want *= 4) {
      w.ensure(Math.min(want, size));
      const r = new JuteReader(w.buf.subarray(0, w.fill), 0, maxLengthBytes);
      try {
        head = readHead(r, guarded(r));
        w.pos = r.offset;
      } catch (err) {
        if (w.fill >= size || !(err instanceof SnapshotFormatError)) throw err;
      }
    }
    const start = w.offset;
    let count = 0;
    let end: number;
    for (;;) {
      const at = w.offset;
      if (!w.ensure(4)) throw new SnapshotFormatError(at, 'node record: truncated path length');
      const pathLen = w.buf.readInt32BE(w.pos);
      if (pathLen === 1 && w.ensure(5) && w.buf[w.pos + 4] === 0x2f) {
        end = at;
        break;
      }
      if (pathLen < 0 || pathLen > maxLengthBytes)
        throw new SnapshotFormatError(
          at,
          pathLen === -1 ? 'null node path' : `node path: Unreasonable length ${pathLen}`,
        );
      if (!w.ensure(8 + pathLen)) throw new SnapshotFormatError(at, 'node record: truncated path');
      const dataLen = w.buf.readInt32BE(w.pos + 4 + pathLen);
      if (dataLen < -1 || dataLen > maxLengthBytes)
        throw new SnapshotFormatError(at, `node data: Unreasonable length ${dataLen}`);
      const length = 8 + pathLen + Math.max(0, dataLen) + NODE_FIXED_BYTES;
      if (!w.ensure(length))
        throw new SnapshotFormatError(at, 'node record: truncated data and stat');
      w.pos += length;
      count++;
    }
    const tailBytes = size - end;
    if (tailBytes > MAX_TAIL_BYTES)
      throw new SnapshotFormatError(end + 5, 'unexpected bytes after the last seal');
    w.ensure(tailBytes);
    const adlerBefore = adler32Update(w.adler, w.buf, 0, w.pos);
    const tailBuf = Buffer.from(w.buf.subarray(w.pos, w.pos + tailBytes));
    const r = new JuteReader(tailBuf, 5, maxLengthBytes);
    // The terminator "/" is part of what the first seal covers.
    const tail = readTail(r, tailBuf, guarded(r, end), adlerBefore, end);
    let nodes: SnapshotNode[] | undefined;
    return {
      ...head,
      get nodes(): SnapshotNode[] {
        return (nodes ??= decodeSnapshot(readFileSync(path), maxLengthBytes).nodes);
      },
      raw: { count, segments: () => recordSegments(path, start, end, windowBytes) },
      ...tail,
    };
  });
}

/** The node records of [start, end) in segments of whole records, one window at a time. */
function* recordSegments(
  path: string,
  start: number,
  end: number,
  windowBytes: number,
): Generator<RawNodeSegment> {
  const fd = openSync(path, 'r');
  try {
    const w = new Window(fd, Math.min(fstatSync(fd).size, end), start, false, windowBytes);
    while (w.offset < end) {
      w.ensure(Math.min(w.buf.length, end - w.offset));
      let p = w.pos;
      for (;;) {
        const length = recordLength(w.buf, p, w.fill);
        if (length < 0 || p + length > w.fill) break;
        p += length;
      }
      if (p === w.pos) {
        // One record larger than the window: widen it to hold that record.
        const head = recordLength(w.buf, p, w.fill);
        if (!w.ensure(head < 0 ? 8 + w.buf.readInt32BE(w.pos) : head))
          throw new JuteDecodeError(`snapshot ${path} changed while being read`);
        continue;
      }
      yield { buf: w.buf, start: w.pos, end: p };
      w.pos = p;
    }
  } finally {
    closeSync(fd);
  }
}

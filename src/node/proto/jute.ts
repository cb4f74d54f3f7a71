/**
 * Jute binary encoding (client-protocol.md §2): big-endian, no tags, -1 length for null.
 * Hot path: the writer grows one Buffer; the reader walks one Buffer with an offset.
 */

/** Malformed input: the peer sent bytes that do not decode. Closes that one connection. */
export class JuteDecodeError extends Error {
  override name = 'JuteDecodeError';
}

const TWO_POW_32 = 4294967296;

export class JuteWriter {
  private buf: Buffer;
  /** Over buf: DataView's BigInt64 store is several times cheaper than Buffer's writeBigInt64BE. */
  private dv: DataView;
  private pos = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, 16));
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  private ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.dv = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  get length(): number {
    return this.pos;
  }

  /** Bytes the writer holds without growing. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Forgets everything from offset on (keeps the memory), e.g. to reuse the writer or undo a partial record. */
  truncate(offset: number): this {
    if (offset < 0 || offset > this.pos)
      throw new RangeError(`truncate to ${offset} of ${this.pos}`);
    this.pos = offset;
    return this;
  }

  /** Overwrites 4 bytes already written at offset (a length or checksum filled in afterwards). */
  setIntAt(offset: number, v: number): this {
    if (offset < 0 || offset + 4 > this.pos)
      throw new RangeError(`setIntAt ${offset} of ${this.pos}`);
    this.dv.setInt32(offset, v | 0);
    return this;
  }

  int(v: number): this {
    this.ensure(4);
    this.dv.setInt32(this.pos, v | 0);
    this.pos += 4;
    return this;
  }

  /** Two's complement modulo 2^64, as BigInt.asIntN(64, v): unsigned 64-bit values encode too. */
  long(v: bigint): this {
    this.ensure(8);
    this.dv.setBigInt64(this.pos, v);
    this.pos += 8;
    return this;
  }

  /** A long whose value is known to fit in a double (times, ttl); no BigInt on the way. */
  longNumber(v: number): this {
    if (!Number.isSafeInteger(v)) return this.long(BigInt(v));
    this.ensure(8);
    this.dv.setInt32(this.pos, Math.floor(v / TWO_POW_32));
    this.dv.setUint32(this.pos + 4, v >>> 0);
    this.pos += 8;
    return this;
  }

  bool(v: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }

  byte(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  buffer(v: Uint8Array | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** A buffer field whose bytes are src[start, start + length): no view of them is made. */
  bufferFrom(src: Uint8Array, start: number, length: number): this {
    this.int(length);
    this.ensure(length);
    this.buf.set(src.subarray(start, start + length), this.pos);
    this.pos += length;
    return this;
  }

  /** Java writes strings as modified UTF-8 per UTF-16 unit; for well-formed BMP text that equals UTF-8. */
  string(v: string | null): this {
    if (v === null) return this.int(-1);
    const byteLength = Buffer.byteLength(v, 'utf8');
    this.int(byteLength);
    this.ensure(byteLength);
    this.buf.write(v, this.pos, byteLength, 'utf8');
    this.pos += byteLength;
    return this;
  }

  vector<T>(items: readonly T[] | null, each: (w: this, item: T) => void): this {
    if (items === null) return this.int(-1);
    this.int(items.length);
    for (const item of items) each(this, item);
    return this;
  }

  /** Raw bytes, no length prefix. */
  raw(v: Uint8Array): this {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** A view of what was written (shares memory with the writer until it is written to again). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /**
   * The memory written to; bytes [0, length) are the valid ones. No view object is made, so
   * a hot caller (the txn log's checksum) can read in place; it changes on the next write.
   */
  get backing(): Buffer {
    return this.buf;
  }

  /** A copy of what was written. */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  /** What was written, prefixed with its 4-byte length: one wire frame. */
  toFrame(): Buffer {
    const out = Buffer.allocUnsafe(4 + this.pos);
    out.writeInt32BE(this.pos, 0);
    this.buf.copy(out, 4, 0, this.pos);
    return out;
  }
}

export class JuteReader {
  private pos: number;
  /** Made on the first long: most requests read none. */
  private dv: DataView | undefined;

  /**
   * @param maxLengthBytes largest ustring/buffer length accepted (jute.maxbuffer + extrasize);
   *   anything larger, or negative other than -1, is "Unreasonable length".
   * @param sharesBuffers buffer() returns views of `buf` instead of copies: for callers that
   *   keep `buf` unchanged for as long as what they decode lives (a received packet kept as a
   *   txn's payload), where the copy bought nothing.
   */
  constructor(
    private readonly buf: Buffer,
    offset = 0,
    private readonly maxLengthBytes = 0xfffff * 2,
    readonly sharesBuffers = false,
  ) {
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new JuteDecodeError(
        `truncated ${what} at offset ${this.pos}: need ${n}, have ${this.buf.length - this.pos}`,
      );
    }
  }

  int(): number {
    this.need(4, 'int');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  long(): bigint {
    this.need(8, 'long');
    this.dv ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const v = this.dv.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  /** A long read as a double (times, ttl): exact below 2^53. */
  longNumber(): number {
    return Number(this.long());
  }

  bool(): boolean {
    this.need(1, 'boolean');
    return this.buf[this.pos++] !== 0;
  }

  byte(): number {
    this.need(1, 'byte');
    const v = this.buf.readInt8(this.pos);
    this.pos += 1;
    return v;
  }

  private length(what: string): number {
    const len = this.int();
    if (len < -1 || len > this.maxLengthBytes) {
      throw new JuteDecodeError(`unreasonable ${what} length ${len} at offset ${this.pos - 4}`);
    }
    return len;
  }

  /** A buffer; a copy, so it may outlive the frame, unless the reader shares its buffers. */
  buffer(): Buffer | null {
    const len = this.length('buffer');
    if (len === -1) return null;
    this.need(len, 'buffer');
    const view = this.buf.subarray(this.pos, this.pos + len);
    const v = this.sharesBuffers ? view : Buffer.from(view);
    this.pos += len;
    return v;
  }

  string(): string | null {
    const len = this.length('ustring');
    if (len === -1) return null;
    this.need(len, 'ustring');
    const v = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  /** A string where null is read as "" (kazoo writes empty strings as -1). */
  stringOrEmpty(): string {
    return this.string() ?? '';
  }

  vector<T>(each: (r: this) => T): T[] | null {
    const count = this.int();
    if (count === -1) return null;
    if (count < -1)
      throw new JuteDecodeError(`negative vector count ${count} at offset ${this.pos - 4}`);
    // Each element takes at least one byte; a count beyond what remains is garbage.
    if (count > this.remaining)
      throw new JuteDecodeError(`vector count ${count} exceeds remaining ${this.remaining} bytes`);
    const out: T[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = each(this);
    return out;
  }

  /** Raw bytes, no length prefix (a copy). */
  raw(n: number): Buffer {
    this.need(n, 'bytes');
    const v = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return v;
  }

  atEnd(): boolean {
    return this.pos >= this.buf.length;
  }
}

/** Adler-32 (java.util.zip.Adler32), incremental: the txn log checksums and the snapshot seals. */

const MOD = 65521;
// Largest run of bytes before the sums must be reduced to stay below 2^53 (zlib's NMAX is 5552 for 32-bit; doubles allow far more).
const NMAX = 1 << 20;

export function adler32Update(state: number, buf: Uint8Array, start = 0, end = buf.length): number {
  let a = state & 0xffff;
  let b = state >>> 16;
  let i = start;
  while (i < end) {
    const stop = Math.min(end, i + NMAX);
    for (; i < stop; i++) {
      a += buf[i]!;
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}

export function adler32(buf: Uint8Array, start = 0, end = buf.length): number {
  return adler32Update(1, buf, start, end);
}

/** A running checksum over everything fed to it. */
export class Adler32 {
  private state = 1;
  update(buf: Uint8Array): void {
    this.state = adler32Update(this.state, buf);
  }
  /** The value as if buf had been added, without adding it. */
  peek(buf: Uint8Array): number {
    return adler32Update(this.state, buf);
  }
  get value(): number {
    return this.state;
  }
}

/** Adler-32 (java.util.zip.Adler32), incremental: the txn log checksums and the snapshot seals. */
import { loadSimdAdler32, SIMD_CHUNK_BYTES } from './adler32-simd.js';

const MOD = 65521;
// Longest run of bytes after which b (from below MOD, adding at most 255 per byte to a) still
// fits in a signed 32-bit int: 65520 + n*65520 + 255*n*(n+1)/2 < 2^31 for n = 3800. Keeping
// the sums small integers lets V8 run the loop on int32 arithmetic.
const NMAX = 3800;

/** Below this many bytes the JS loop beats copying into the SIMD kernel's memory and calling it. */
const SIMD_MIN_BYTES = 64;
const simd = loadSimdAdler32();

export function adler32Update(state: number, buf: Uint8Array, start = 0, end = buf.length): number {
  if (simd === null || end - start < SIMD_MIN_BYTES) return adler32UpdateJs(state, buf, start, end);
  while (start < end) {
    const stop = Math.min(end, start + SIMD_CHUNK_BYTES);
    simd.memory.set(buf.subarray(start, stop), 0);
    state = simd.update(state, stop - start) >>> 0;
    start = stop;
  }
  return state;
}

/** The plain loop: short inputs, runtimes without WebAssembly SIMD, and the tests' reference. */
export function adler32UpdateJs(
  state: number,
  buf: Uint8Array,
  start = 0,
  end = buf.length,
): number {
  let a = state & 0xffff;
  let b = state >>> 16;
  let i = start;
  while (i < end) {
    const stop = Math.min(end, i + NMAX);
    // Unrolled by 8: about twice the speed of the plain loop on 1 KiB payloads.
    for (const stop8 = stop - 7; i < stop8; i += 8) {
      a = (a + buf[i]!) | 0;
      b = (b + a) | 0;
      a = (a + buf[i + 1]!) | 0;
      b = (b + a) | 0;
      a = (a + buf[i + 2]!) | 0;
      b = (b + a) | 0;
      a = (a + buf[i + 3]!) | 0;
      b = (b + a) | 0;
      a = (a + buf[i + 4]!) | 0;
      b = (b + a) | 0;
      a = (a + buf[i + 5]!) | 0;
      b = (b + a) | 0;
      a = (a + buf[i + 6]!) | 0;
      b = (b + a) | 0;
      a = (a + buf[i + 7]!) | 0;
      b = (b + a) | 0;
    }
    for (; i < stop; i++) {
      a = (a + buf[i]!) | 0;
      b = (b + a) | 0;
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

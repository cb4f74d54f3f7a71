import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adler32, adler32Update, adler32UpdateJs } from './adler32.js';
import { loadSimdAdler32 } from './adler32-simd.js';

/** The definition, one byte at a time with exact sums. */
function reference(state: number, buf: Uint8Array, start: number, end: number): number {
  let a = state & 0xffff;
  let b = state >>> 16;
  for (let i = start; i < end; i++) {
    a = (a + buf[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const validState = fc
  .tuple(fc.integer({ min: 0, max: 65520 }), fc.integer({ min: 0, max: 65520 }))
  .map(([a, b]) => ((b << 16) | a) >>> 0);

describe('adler32', () => {
  it('gives the known values of "Wikipedia" (0x11E60398) and of nothing (1)', () => {
    expect(adler32(Buffer.from('Wikipedia'))).toBe(0x11e60398);
    expect(adler32(Buffer.alloc(0))).toBe(1);
  });

  it('uses the WebAssembly SIMD kernel on this runtime', () => {
    expect(loadSimdAdler32()).not.toBeNull();
  });

  it('SIMD and JS agree with the definition for any bytes, state and range', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 9000 }),
          fc.integer({ min: 0, max: 12000 }).map((n) => new Uint8Array(n).fill(0xff)),
        ),
        validState,
        fc.nat(),
        fc.nat(),
        (buf, state, x, y) => {
          const start = buf.length === 0 ? 0 : x % buf.length;
          const end = start + (buf.length === 0 ? 0 : y % (buf.length - start + 1));
          const want = reference(state, buf, start, end);
          expect(adler32Update(state, buf, start, end)).toBe(want);
          expect(adler32UpdateJs(state, buf, start, end)).toBe(want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps every sum in range across chunk boundaries with all-0xff input (worst case)', () => {
    // 1024-block chunks of 16 KiB and 64 KiB copies into the kernel's memory, crossed many times.
    for (const length of [16 * 1024 - 1, 16 * 1024, 16 * 1024 + 17, 65536, 65536 * 3 + 5, 3e6]) {
      const buf = new Uint8Array(length).fill(0xff);
      const state = ((65520 << 16) | 65520) >>> 0;
      expect(adler32Update(state, buf)).toBe(reference(state, buf, 0, length));
    }
  });
});

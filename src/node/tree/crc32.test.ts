import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32, tableCrc32 } from './crc32.js';

describe('crc32', () => {
  it('gives the IEEE check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(tableCrc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('table and runtime implementations agree, also when continued', () => {
    fc.assert(
      fc.property(fc.uint8Array(), fc.uint8Array(), (a, b) => {
        expect(tableCrc32(b, tableCrc32(a))).toBe(crc32(b, crc32(a)));
        expect(crc32(b, crc32(a))).toBe(crc32(Buffer.concat([a, b])));
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JuteDecodeError, JuteReader, JuteWriter } from './jute.js';

describe('jute', () => {
  it('encodes getData("/foo", false) with xid 1 as the spec example', () => {
    const frame = new JuteWriter().int(1).int(4).string('/foo').bool(false).toFrame();
    expect(frame.toString('hex')).toBe(
      '00000011' + '00000001' + '00000004' + '000000042f666f6f' + '00',
    );
  });

  it('round-trips null and empty buffers distinctly', () => {
    const bytes = new JuteWriter()
      .buffer(null)
      .buffer(Buffer.alloc(0))
      .string(null)
      .string('')
      .toBuffer();
    const r = new JuteReader(bytes);
    expect(r.buffer()).toBeNull();
    expect(r.buffer()).toEqual(Buffer.alloc(0));
    expect(r.string()).toBeNull();
    expect(r.string()).toBe('');
    expect(r.atEnd()).toBe(true);
  });

  it('rejects truncated input and unreasonable lengths', () => {
    expect(() => new JuteReader(Buffer.from([0, 0])).int()).toThrow(JuteDecodeError);
    expect(() => new JuteReader(new JuteWriter().int(-2).toBuffer()).buffer()).toThrow(
      JuteDecodeError,
    );
    expect(() => new JuteReader(new JuteWriter().int(10).toBuffer(), 0, 5).string()).toThrow(
      JuteDecodeError,
    );
  });

  it('writes longs as Buffer.writeBigInt64BE of BigInt.asIntN(64, v), and reads them back', () => {
    const edges = [
      0n,
      1n,
      -1n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      2n ** 64n - 1n,
      2n ** 63n,
      0x1234n << 40n,
    ];
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...edges), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n })),
        (v) => {
          const expected = Buffer.alloc(8);
          expected.writeBigInt64BE(BigInt.asIntN(64, v));
          const got = new JuteWriter(1).int(7).long(v).toBuffer();
          expect(got.subarray(4).toString('hex')).toBe(expected.toString('hex'));
          const r = new JuteReader(got);
          expect(r.int()).toBe(7);
          expect(r.long()).toBe(BigInt.asIntN(64, v));
        },
      ),
    );
  });

  it('writes number longs (times, ttl) exactly as their BigInt value', () => {
    const edges = [
      0,
      1,
      -1,
      2 ** 32,
      2 ** 32 - 1,
      -(2 ** 32),
      -(2 ** 32) - 1,
      2 ** 53 - 1,
      -(2 ** 53) + 1,
      1700000000123,
      2 ** 60,
      -(2 ** 62),
    ];
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...edges), fc.integer(), fc.maxSafeInteger(), fc.maxSafeNat()),
        (v) => {
          const expected = Buffer.alloc(8);
          expected.writeBigInt64BE(BigInt(v));
          expect(new JuteWriter().longNumber(v).toBuffer().toString('hex')).toBe(
            expected.toString('hex'),
          );
        },
      ),
    );
    expect(() => new JuteWriter().longNumber(1.5)).toThrow(RangeError);
  });

  it('fills in ints written earlier and undoes a partial record', () => {
    const w = new JuteWriter(4).int(0).string('abc');
    w.setIntAt(0, w.length - 4);
    const mark = w.length;
    w.long(5n).truncate(mark).bool(true);
    expect(w.toBuffer().toString('hex')).toBe('00000007' + '00000003616263' + '01');
    expect(() => w.setIntAt(w.length - 2, 1)).toThrow(RangeError);
    expect(() => w.truncate(w.length + 1)).toThrow(RangeError);
  });
});

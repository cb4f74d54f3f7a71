import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameDecoder, FrameError } from './frame.js';

function frame(payload: Buffer): Buffer {
  const len = Buffer.allocUnsafe(4);
  len.writeInt32BE(payload.length, 0);
  return Buffer.concat([len, payload]);
}

describe('FrameDecoder', () => {
  const payloads = [
    Buffer.from('hello'),
    Buffer.alloc(0),
    Buffer.from('x'.repeat(300)),
    Buffer.from([1, 2, 3]),
  ];
  const stream = Buffer.concat(payloads.map(frame));

  it('yields the same frames at every single split point', () => {
    for (let split = 0; split <= stream.length; split++) {
      const d = new FrameDecoder();
      const out = [...d.push(stream.subarray(0, split)), ...d.push(stream.subarray(split))];
      expect(out).toEqual(payloads);
      expect(d.pendingBytes).toBe(0);
    }
  });

  it('yields the same frames byte by byte and for random chunkings', () => {
    const d = new FrameDecoder();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...d.push(stream.subarray(i, i + 1)));
    expect(out).toEqual(payloads);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 10 }),
        (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
          const dec = new FrameDecoder();
          const got: Buffer[] = [];
          for (let i = 1; i < points.length; i++)
            got.push(...dec.push(stream.subarray(points[i - 1], points[i])));
          expect(got).toEqual(payloads);
        },
      ),
    );
  });

  it('accepts exactly maxBufferBytes and rejects one more or a negative length', () => {
    const max = Buffer.alloc(0xfffff, 7);
    expect(new FrameDecoder().push(frame(max))).toEqual([max]);
    const tooBig = Buffer.from([0x00, 0x10, 0x00, 0x00]);
    expect(() => new FrameDecoder().push(tooBig)).toThrow(FrameError);
    expect(() => new FrameDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xfe]))).toThrow(
      FrameError,
    );
    const small = new FrameDecoder(10);
    expect(small.push(frame(Buffer.alloc(10)))).toHaveLength(1);
    expect(() => small.push(frame(Buffer.alloc(11)))).toThrow(/exceeds jute.maxbuffer 10/);
    // Once failed, it stays failed.
    expect(() => small.push(Buffer.alloc(0))).toThrow(FrameError);
  });

  it('rejects a bad length split across chunks', () => {
    const d = new FrameDecoder();
    expect(d.push(Buffer.from([0x80]))).toEqual([]);
    expect(() => d.push(Buffer.from([0, 0, 0]))).toThrow(/negative frame length/);
  });
});

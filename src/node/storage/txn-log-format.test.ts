import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JuteWriter } from '../proto/jute.js';
import { allZero, appendEntry, encodeLogHeader, frameEntries, scanLog } from './txn-log-format.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// persistence.md §2.6: header + createSession entry, checksum computed with java.util.zip.Adler32.
const payload = hex(`
  01 00 01 7f 3a 2b 00 00  00 00 00 00  00 00 00 00 00 00 00 01
  00 00 01 8b cf e5 68 00  ff ff ff f6  00 00 75 30
  00 00 00 02 00 00 00 00 51 c6 d6 60`);
const expected = hex(`
  5a 4b 4c 47 00 00 00 02 00 00 00 00 00 00 00 00
  00 00 00 00 be 6e 0a 77  00 00 00 30`);

describe('txn log framing', () => {
  it('matches the spec example byte for byte', () => {
    expect(payload.length).toBe(48);
    const image = Buffer.concat([encodeLogHeader(), frameEntries([payload])]);
    expect(image).toEqual(Buffer.concat([expected, payload, Buffer.from([0x42])]));
  });

  it('entries framed in place equal frameEntries of the payloads; a failed write leaves no trace', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { maxLength: 20 }),
        (ps) => {
          const w = new JuteWriter(16);
          let total = 0;
          for (const p of ps) {
            total += appendEntry(w, (ww, x: Uint8Array) => ww.raw(x), p);
            expect(() =>
              appendEntry(
                w,
                (ww) => {
                  ww.int(1);
                  throw new Error('encode failed');
                },
                null,
              ),
            ).toThrow('encode failed');
          }
          expect(total).toBe(w.length);
          expect(Buffer.from(w.view())).toEqual(frameEntries(ps));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('scans entries, stops cleanly at zero padding', () => {
    const p2 = Buffer.from('second');
    const image = Buffer.concat([
      encodeLogHeader(),
      frameEntries([payload, p2]),
      Buffer.alloc(1000),
    ]);
    const r = scanLog(image, 1 << 20);
    expect(r.entries.map((e) => e.payload)).toEqual([payload, p2]);
    expect(r.entries[0]!.offset).toBe(16);
    expect(r.end).toEqual({ kind: 'clean', offset: 16 + 61 + 19 });
  });

  it('every cut of the last entry is a torn tail keeping the whole entries', () => {
    const p2 = Buffer.from('second entry payload');
    const full = Buffer.concat([encodeLogHeader(), frameEntries([payload, p2])]);
    const firstEnd = 16 + 61;
    for (let cut = firstEnd + 1; cut < full.length; cut++) {
      const r = scanLog(full.subarray(0, cut), 1 << 20);
      expect(r.entries.length).toBe(1);
      expect(['torn', 'clean']).toContain(r.end.kind);
      expect(r.end.offset).toBe(firstEnd);
      // The same cut inside a preallocated (zero-filled) file is also a torn tail.
      const padded = Buffer.concat([full.subarray(0, cut), Buffer.alloc(4096)]);
      const rp = scanLog(padded, 1 << 20);
      expect(rp.entries.length).toBe(1);
      expect(['torn', 'clean']).toContain(rp.end.kind);
      expect(rp.end.offset).toBe(firstEnd);
    }
  });

  it('a flipped byte before the tail is corruption at that entry', () => {
    const p2 = Buffer.from('second');
    const image = Buffer.concat([encodeLogHeader(), frameEntries([payload, p2, p2])]);
    for (let i = 16; i < 16 + 61; i++) {
      const bad = Buffer.from(image);
      bad[i]! ^= 0x10;
      const r = scanLog(bad, 1 << 20);
      expect(r.entries.length).toBe(0);
      expect(r.end.kind).toBe('corrupt');
      expect(r.end.offset).toBe(16);
    }
  });

  it('a file cut inside its header is torn; other short files are not logs', () => {
    const h = encodeLogHeader();
    for (let n = 0; n < 16; n++) expect(scanLog(h.subarray(0, n), 1 << 20).end.kind).toBe('torn');
    expect(scanLog(Buffer.alloc(7), 1 << 20).end.kind).toBe('torn');
    expect(scanLog(Buffer.from('hello'), 1 << 20).end.kind).toBe('bad-header');
  });

  it('rejects a bad magic', () => {
    const image = Buffer.concat([encodeLogHeader(), frameEntries([payload])]);
    image[0] = 0;
    expect(scanLog(image, 1 << 20).end.kind).toBe('bad-header');
  });
});

describe('allZero', () => {
  it('finds a single non-zero byte anywhere in a long zero tail, and accepts empty tails', () => {
    const buf = Buffer.alloc(200_000);
    expect(allZero(buf, 0)).toBe(true);
    expect(allZero(buf, buf.length)).toBe(true);
    for (const at of [0, 1, 65_535, 65_536, 65_537, 131_072, 199_999]) {
      buf[at] = 1;
      expect(allZero(buf, 0)).toBe(false);
      expect(allZero(buf, at)).toBe(false);
      expect(allZero(buf, at + 1)).toBe(true);
      buf[at] = 0;
    }
  });
});

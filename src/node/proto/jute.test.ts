import { describe, expect, it } from 'vitest';
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
});

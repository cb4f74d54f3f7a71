import { describe, expect, it } from 'vitest';
import { SessionIdGenerator, sessionIdHex } from './session-id.js';

describe('SessionIdGenerator', () => {
  it('puts the server id in byte 7 and 40 clock bits in bytes 2..6, then counts up', () => {
    const gen = new SessionIdGenerator(1, 0x17f3a2b);
    expect(sessionIdHex(gen.next())).toBe('0x100017f3a2b0000');
    expect(sessionIdHex(gen.next())).toBe('0x100017f3a2b0001');
  });

  it('keeps only the low 40 bits of the clock', () => {
    const gen = new SessionIdGenerator(3, 0xab_cdef012345);
    expect(sessionIdHex(gen.next())).toBe('0x3cdef0123450000');
  });

  it('gives signed 64-bit ids for server ids >= 128, as Java longs', () => {
    const gen = new SessionIdGenerator(0xff, 1);
    const id = gen.next();
    expect(id).toBeLessThan(0n);
    expect(sessionIdHex(id)).toBe('0xff00000000010000');
  });

  it('bumps the container marker 0x8000000000000000 by one', () => {
    const gen = new SessionIdGenerator(0x80, 0);
    expect(sessionIdHex(gen.next())).toBe('0x8000000000000001');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { DataSlab, SLAB_CHUNK_BYTES, useFreshChunkSource } from './data-slab.js';

afterEach(() => useFreshChunkSource(undefined));

describe('DataSlab fresh chunks', () => {
  it('fills a chunk from the installed source, and allocates its own when it has none', () => {
    const supplied = Buffer.alloc(SLAB_CHUNK_BYTES);
    let calls = 0;
    useFreshChunkSource(() => (calls++ === 0 ? supplied : undefined));
    const slab = new DataSlab();
    const first = slab.view(slab.store(Buffer.from('abc')), 3);
    expect(first.buffer === supplied.buffer).toBe(true);
    expect(first.toString()).toBe('abc');
    // Fill the rest of the supplied chunk (64 KiB at most per shared value) so the next value
    // needs another chunk.
    const piece = 64 * 1024;
    for (let left = SLAB_CHUNK_BYTES - 3; left > 0; left -= piece)
      slab.store(Buffer.alloc(Math.min(piece, left), 1));
    const second = slab.view(slab.store(Buffer.from('de')), 2);
    expect(second.buffer === supplied.buffer).toBe(false);
    expect(second.toString()).toBe('de');
    expect(first.toString()).toBe('abc');
    expect(calls).toBe(2);
  });

  it('refuses a supplied chunk of the wrong size', () => {
    useFreshChunkSource(() => Buffer.alloc(16));
    expect(() => new DataSlab().store(Buffer.from('x'))).toThrow(/16 bytes/);
  });
});

import { describe, expect, it } from 'vitest';
import { SLAB_CHUNK_BYTES } from '../tree/data-slab.js';
import { TouchedChunks } from './touched-chunks.js';

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
}

describe('TouchedChunks', () => {
  it('keeps `depth` zeroed chunks of the slab size ready, and refills after a take', async () => {
    const touched = TouchedChunks.open(3)!;
    expect(touched).toBeDefined();
    await until(() => touched.readyCount === 3);
    await new Promise((r) => setTimeout(r, 20));
    expect(touched.readyCount).toBe(3); // never more than depth
    const chunk = touched.take()!;
    expect(chunk.length).toBe(SLAB_CHUNK_BYTES);
    expect(chunk.every((b) => b === 0)).toBe(true);
    expect(touched.readyCount).toBe(2);
    await until(() => touched.readyCount === 3);
  });

  it('hands out nothing rather than waiting when none is ready', () => {
    const touched = TouchedChunks.open(1)!;
    expect(touched.take()).toBeUndefined(); // the first read has not completed yet
  });
});

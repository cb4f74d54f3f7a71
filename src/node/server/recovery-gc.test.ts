import { afterEach, describe, expect, it } from 'vitest';
import { collectRecoveryGarbage } from './recovery-gc.js';

const holder = globalThis as { gc?: () => void };
const original = holder.gc;
afterEach(() => {
  if (original === undefined) delete holder.gc;
  else holder.gc = original;
});

describe('collectRecoveryGarbage', () => {
  it('runs one full collection when node exposes gc', () => {
    let calls = 0;
    holder.gc = () => void calls++;
    expect(collectRecoveryGarbage()).toBe(true);
    expect(calls).toBe(1);
  });

  it('does nothing when node runs without --expose-gc', () => {
    delete holder.gc;
    expect(collectRecoveryGarbage()).toBe(false);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectRecoveryGarbage, collectRecoveryGarbageSoon } from './recovery-gc.js';

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

describe('collectRecoveryGarbageSoon', () => {
  it('collects once after the delay, on a timer that does not hold the process open', () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      holder.gc = () => void calls++;
      const timer = collectRecoveryGarbageSoon(1000);
      expect(timer.hasRef()).toBe(false);
      vi.advanceTimersByTime(999);
      expect(calls).toBe(0);
      vi.advanceTimersByTime(1);
      expect(calls).toBe(1);
      vi.advanceTimersByTime(10_000);
      expect(calls).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

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
  it("collects after the delay and once more after the settle delay, on unref'd timers", () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      holder.gc = () => void calls++;
      const scheduled = collectRecoveryGarbageSoon(1000, 6000);
      expect(scheduled.hasRef()).toBe(false);
      vi.advanceTimersByTime(999);
      expect(calls).toBe(0);
      vi.advanceTimersByTime(1);
      expect(calls).toBe(1);
      expect(scheduled.hasRef()).toBe(false);
      vi.advanceTimersByTime(5999);
      expect(calls).toBe(1);
      vi.advanceTimersByTime(1);
      expect(calls).toBe(2);
      vi.advanceTimersByTime(60_000);
      expect(calls).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('cancel stops whichever collection is still to come', () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      holder.gc = () => void calls++;
      const early = collectRecoveryGarbageSoon(1000, 6000);
      early.cancel();
      const late = collectRecoveryGarbageSoon(1000, 6000);
      vi.advanceTimersByTime(1000);
      expect(calls).toBe(1);
      late.cancel();
      vi.advanceTimersByTime(60_000);
      expect(calls).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

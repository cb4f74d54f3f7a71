import { describe, expect, it } from 'vitest';
import { negotiateTimeoutMs } from './timeout.js';

describe('negotiateTimeoutMs', () => {
  it('clamps into [min, max]', () => {
    expect(negotiateTimeoutMs(1000, 4000, 40000)).toBe(4000);
    expect(negotiateTimeoutMs(30000, 4000, 40000)).toBe(30000);
    expect(negotiateTimeoutMs(100000, 4000, 40000)).toBe(40000);
    expect(negotiateTimeoutMs(0, 4000, 40000)).toBe(4000);
  });
});

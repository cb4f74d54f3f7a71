import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatSessionDump, roundToNextTick, SessionTable } from './session-table.js';

describe('SessionTable', () => {
  it('puts the deadline on the next tick strictly after now + timeout', () => {
    expect(roundToNextTick(10_000, 2000)).toBe(12_000);
    expect(roundToNextTick(10_001, 2000)).toBe(12_000);
    const t = new SessionTable(2000);
    t.create(1n, 4000, 6000);
    expect(t.get(1n)!.expiryMs).toBe(12_000);
    expect(t.nextExpiryMs()).toBe(12_000);
    expect(t.expire(11_999)).toEqual([]);
    expect(t.expire(12_000)).toEqual([1n]);
    expect(t.get(1n)!.closing).toBe(true);
    expect(t.expire(50_000)).toEqual([]);
  });

  it('touch moves a session to a later bucket; closing and unknown sessions refuse it', () => {
    const t = new SessionTable(1000);
    t.create(1n, 3000, 0);
    t.create(2n, 3000, 0);
    expect(t.touch(1n, 2500)).toBe(true);
    expect(t.touch(9n, 2500)).toBe(false);
    expect(t.expire(4000)).toEqual([2n]);
    expect(t.touch(2n, 4000)).toBe(false);
    expect(t.expire(5999)).toEqual([]);
    expect(t.expire(6000)).toEqual([1n]);
    t.create(3n, 3000, 0);
    t.setClosing(3n);
    expect(t.touch(3n, 10)).toBe(false);
  });

  it('expire returns every overdue bucket in deadline order', () => {
    const t = new SessionTable(1000);
    t.create(5n, 5000, 0);
    t.create(4n, 2000, 0);
    t.create(6n, 2000, 500);
    expect(t.expire(100_000)).toEqual([4n, 6n, 5n]);
    expect(t.nextExpiryMs()).toBeUndefined();
  });

  it('remove forgets the session; iteration and size see live ones', () => {
    const t = new SessionTable(1000);
    t.create(1n, 2000, 0);
    t.create(2n, 2000, 0);
    expect(t.remove(1n)).toBe(true);
    expect(t.remove(1n)).toBe(false);
    expect([...t].map((s) => s.id)).toEqual([2n]);
    expect(t.size).toBe(1);
    expect(t.expire(3000)).toEqual([2n]);
  });

  it('dump keeps emptied buckets until they pass, like ExpiryQueue', () => {
    const t = new SessionTable(2000);
    t.create(0x100017f3a2b0000n, 4000, 0);
    t.touch(0x100017f3a2b0000n, 2000);
    const dump = t.dump((ms) => `T${ms}`);
    expect(dump).toEqual({
      bucketCount: 2,
      sessionCount: 1,
      buckets: [
        { expiryMs: 6000, expiresAt: 'T6000', sessionIds: [] },
        { expiryMs: 8000, expiresAt: 'T8000', sessionIds: [0x100017f3a2b0000n] },
      ],
    });
    expect(formatSessionDump(dump)).toBe(
      'Session Sets (2)/(1):\n0 expire at T6000:\n1 expire at T8000:\n\t0x100017f3a2b0000\n',
    );
  });
});

describe('SessionTable reconnects', () => {
  it('a touch with a new timeout reschedules with it; isActive follows closing', () => {
    const t = new SessionTable(1000);
    t.create(1n, 2000, 0);
    expect(t.isActive(1n)).toBe(true);
    expect(t.setTimeout(1n, 10_000, 500)).toBe(true);
    expect(t.get(1n)).toMatchObject({ timeoutMs: 10_000, expiryMs: 11_000 });
    expect(t.touch(1n, 1000)).toBe(true);
    expect(t.get(1n)!.expiryMs).toBe(12_000);
    t.setClosing(1n);
    expect(t.isActive(1n)).toBe(false);
    expect(t.isActive(2n)).toBe(false);
    expect(t.setTimeout(1n, 3000, 2000)).toBe(false);
  });
});

describe('SessionTable properties', () => {
  it('expires a session exactly when its bucket deadline passes, and only once', () => {
    const op = fc.oneof(
      fc.record({
        op: fc.constant('create' as const),
        id: fc.integer({ min: 1, max: 6 }),
        timeoutMs: fc.integer({ min: 1, max: 10_000 }),
      }),
      fc.record({ op: fc.constant('touch' as const), id: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ op: fc.constant('remove' as const), id: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ op: fc.constant('expire' as const) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.array(fc.tuple(op, fc.integer({ min: 0, max: 2000 })), { maxLength: 80 }),
        (tickMs, steps) => {
          const t = new SessionTable(tickMs);
          let now = 0;
          const deadline = new Map<bigint, number>();
          const expired = new Set<bigint>();
          for (const [o, dt] of steps) {
            now += dt;
            if (o.op === 'create') {
              const id = BigInt(o.id);
              if (expired.has(id)) continue;
              t.create(id, o.timeoutMs, now);
              deadline.set(id, (Math.floor((now + o.timeoutMs) / tickMs) + 1) * tickMs);
            } else if (o.op === 'touch') {
              const id = BigInt(o.id);
              const ok = t.touch(id, now);
              expect(ok).toBe(deadline.has(id) && !expired.has(id));
              if (ok) {
                const s = t.get(id)!;
                deadline.set(id, (Math.floor((now + s.timeoutMs) / tickMs) + 1) * tickMs);
              }
            } else if (o.op === 'remove') {
              const id = BigInt(o.id);
              t.remove(id);
              deadline.delete(id);
              expired.delete(id);
            } else {
              const out = t.expire(now);
              expect(new Set(out).size).toBe(out.length);
              for (const id of out) {
                expect(expired.has(id)).toBe(false);
                expect(deadline.get(id)!).toBeLessThanOrEqual(now);
                expired.add(id);
              }
              for (const [id, d] of deadline) {
                if (d <= now) expect(expired.has(id)).toBe(true);
              }
            }
            const next = t.nextExpiryMs();
            for (const [id, d] of deadline) {
              if (!expired.has(id)) expect(next).toBeLessThanOrEqual(d);
            }
          }
        },
      ),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { effectiveRetainCount, selectPurge } from './purge.js';

describe('selectPurge', () => {
  const snaps = [
    'snapshot.0',
    'snapshot.10',
    'snapshot.20',
    'snapshot.30',
    'snapshot.40',
    'other.txt',
  ];
  const logs = ['log.1', 'log.5', 'log.15', 'log.21', 'log.35', 'log.xyz'];

  it('keeps the newest N snapshots and the log that covers the oldest of them', () => {
    const s = selectPurge(snaps, logs, [0x40n, 0x30n, 0x20n]);
    expect(s.retainFromZxid).toBe(0x20n);
    expect(s.snapshots.sort()).toEqual(['snapshot.0', 'snapshot.10']);
    // log.15 is the newest log with zxid ≤ 0x20: it may hold txns after the snapshot.
    expect(s.logs.sort()).toEqual(['log.1', 'log.5']);
  });

  it('keeps a log named exactly at Z and deletes all older ones', () => {
    const s = selectPurge(['snapshot.20'], ['log.1', 'log.20', 'log.21'], [0x20n]);
    expect(s.logs).toEqual(['log.1']);
  });

  it('deletes nothing without a valid snapshot', () => {
    expect(selectPurge(snaps, logs, [])).toEqual({ retainFromZxid: null, snapshots: [], logs: [] });
  });

  it('never goes below 3 retained', () => {
    expect(effectiveRetainCount(1)).toBe(3);
    expect(effectiveRetainCount(5)).toBe(5);
  });
});

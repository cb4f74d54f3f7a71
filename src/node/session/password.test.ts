import { describe, expect, it } from 'vitest';
import { sessionPassword } from './password.js';

describe('sessionPassword', () => {
  it('matches the JDK-computed vectors of client-protocol.md §12', () => {
    expect(sessionPassword(0x0100017f3a2b0000n).toString('hex')).toBe(
      '57b2b9b5984a14dd8d1ec998a1f8b2c4',
    );
    expect(sessionPassword(1n).toString('hex')).toBe('054cc74a37327db215e702e20c73f005');
  });

  it('matches passwords a live Apache ZooKeeper 3.8 handed to kazoo', () => {
    expect(sessionPassword(0x1000041ebbc0002n).toString('hex')).toBe(
      '6023d0495b3834eaeaecfda2359320ba',
    );
    expect(sessionPassword(0x1000041ebbc0003n).toString('hex')).toBe(
      '7344ca49fb83132fdf2f65ce091c3587',
    );
  });

  it('is 16 bytes and deterministic for negative (server id >= 128) ids', () => {
    const id = -0x7f00017f3a2b0000n;
    expect(sessionPassword(id)).toHaveLength(16);
    expect(sessionPassword(id).equals(sessionPassword(id))).toBe(true);
    expect(sessionPassword(id).equals(sessionPassword(id + 1n))).toBe(false);
  });
});

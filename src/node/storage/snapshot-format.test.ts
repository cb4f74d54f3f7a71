import { describe, expect, it } from 'vitest';
import type { ACL, StatPersisted } from '../proto/types.js';
import {
  decodeSnapshot,
  encodeSnapshot,
  hasValidTail,
  SnapshotFormatError,
} from './snapshot-format.js';
import type { SnapshotNode } from './snapshot-types.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const zeroStat: StatPersisted = {
  czxid: 0n,
  mzxid: 0n,
  ctime: 0,
  mtime: 0,
  version: 0,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  pzxid: 0n,
};
const worldRead: ACL[] = [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }];

function freshTree(): { acls: Map<bigint, ACL[]>; nodes: SnapshotNode[] } {
  return {
    acls: new Map([[1n, worldRead]]),
    nodes: [
      { path: '', data: Buffer.alloc(0), aclIndex: -1n, stat: zeroStat },
      { path: '/zookeeper', data: Buffer.alloc(0), aclIndex: -1n, stat: zeroStat },
      {
        path: '/zookeeper/config',
        data: Buffer.alloc(0),
        aclIndex: 1n,
        stat: { ...zeroStat, aversion: -1 },
      },
      { path: '/zookeeper/quota', data: Buffer.alloc(0), aclIndex: -1n, stat: zeroStat },
    ],
  };
}

const node = (path: string, aclIndex: bigint, aversion = 0) => {
  const p = Buffer.from(path);
  const stat = Buffer.alloc(60);
  stat.writeInt32BE(aversion, 40);
  const len = Buffer.alloc(4);
  len.writeInt32BE(p.length);
  const acl = Buffer.alloc(8);
  acl.writeBigInt64BE(aclIndex);
  return Buffer.concat([len, p, hex('00000000'), acl, stat]);
};

// persistence.md §3.4: snapshot.0 of a fresh standalone server, 478 bytes.
const expected478 = Buffer.concat([
  hex('5a 4b 53 4e 00 00 00 02 ff ff ff ff ff ff ff ff'),
  hex('00 00 00 00'),
  hex('00 00 00 01  00 00 00 00 00 00 00 01 00 00 00 01'),
  hex('00 00 00 01 00 00 00 05'),
  Buffer.from('world'),
  hex('00 00 00 06'),
  Buffer.from('anyone'),
  node('', -1n),
  node('/zookeeper', -1n),
  node('/zookeeper/config', 1n, -1),
  node('/zookeeper/quota', -1n),
  hex('00 00 00 01 2f'),
  hex('00 00 00 00 b8 a2 3b 49  00 00 00 01 2f'),
  hex('00 00 00 00 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00 00'),
  hex('00 00 00 00 95 b9 3d 59  00 00 00 01 2f'),
  hex('00 00 00 00 00 00 00 00'),
  hex('00 00 00 00 bd e8 3f 6d  00 00 00 01 2f'),
]);

describe('snapshot codec', () => {
  it('writes the spec example snapshot.0 byte for byte', () => {
    expect(expected478.length).toBe(478);
    const t = freshTree();
    const image = encodeSnapshot(
      { sessions: new Map(), acls: t.acls, nodes: t.nodes },
      { zxidDigest: null, lastProcessedZxid: 0n },
    );
    expect(image.toString('hex')).toBe(expected478.toString('hex'));
  });

  it('reads it back with all three seals', () => {
    const d = decodeSnapshot(expected478);
    expect(d.seals).toBe(3);
    expect(d.nodes).toEqual(freshTree().nodes);
    expect(d.acls).toEqual(freshTree().acls);
    expect(d.zxidDigest).toEqual({ zxid: 0n, digestVersion: 2, digest: 0n });
    expect(d.lastProcessedZxid).toBe(0n);
    expect(hasValidTail(expected478)).toBe(true);
  });

  it('round-trips sessions, null data and large stats in small chunks', () => {
    const t = freshTree();
    const stat: StatPersisted = {
      czxid: 0x100000001n,
      mzxid: 0x100000005n,
      ctime: 1700000000123,
      mtime: 1700000000456,
      version: 3,
      cversion: -2,
      aversion: 1,
      ephemeralOwner: 0x0100017f3a2b0000n,
      pzxid: 0x100000007n,
    };
    const nodes = [...t.nodes, { path: '/a', data: null, aclIndex: 1n, stat }];
    nodes.push({ path: '/a/b', data: Buffer.from('héllo'), aclIndex: -1n, stat });
    const sessions = new Map([
      [0x0100017f3a2b0000n, 30000],
      [-5n, 4000],
    ]);
    const image = encodeSnapshot(
      { sessions, acls: t.acls, nodes },
      { zxidDigest: { zxid: 7n, digestVersion: 2, digest: -12345n }, lastProcessedZxid: 9n },
    );
    const d = decodeSnapshot(image);
    expect(d.sessions).toEqual(sessions);
    expect(d.nodes).toEqual(nodes);
    expect(d.zxidDigest).toEqual({ zxid: 7n, digestVersion: 2, digest: -12345n });
    expect(d.lastProcessedZxid).toBe(9n);
  });

  it('reads files that end after seal 1 or seal 2 (older formats)', () => {
    const seal1End = 478 - 13 - 8 - 13 - 20;
    const d1 = decodeSnapshot(expected478.subarray(0, seal1End));
    expect(d1.seals).toBe(1);
    expect(d1.zxidDigest).toBeNull();
    const d2 = decodeSnapshot(expected478.subarray(0, 478 - 21));
    expect(d2.seals).toBe(2);
    expect(d2.lastProcessedZxid).toBeNull();
  });

  it('accepts any order where parents come first (not only depth-first)', () => {
    const t = freshTree();
    const nodes = [
      t.nodes[0]!,
      t.nodes[1]!,
      { path: '/a', data: null, aclIndex: -1n, stat: zeroStat },
      t.nodes[2]!,
      { path: '/a/b', data: null, aclIndex: -1n, stat: zeroStat },
      t.nodes[3]!,
    ];
    const image = encodeSnapshot(
      { sessions: new Map(), acls: t.acls, nodes },
      { zxidDigest: null, lastProcessedZxid: null },
    );
    const d = decodeSnapshot(image);
    expect(d.nodes.map((n) => n.path)).toEqual(nodes.map((n) => n.path));
    expect(d.seals).toBe(2);
  });

  it('rejects a flipped byte (seal mismatch) and orphan nodes', () => {
    for (const i of [20, 100, 300, 400]) {
      const bad = Buffer.from(expected478);
      bad[i]! ^= 1;
      expect(() => decodeSnapshot(bad)).toThrow(SnapshotFormatError);
    }
    const t = freshTree();
    const orphan = encodeSnapshot(
      { sessions: new Map(), acls: t.acls, nodes: [t.nodes[0]!, { ...t.nodes[2]! }] },
      { zxidDigest: null, lastProcessedZxid: 0n },
    );
    expect(() => decodeSnapshot(orphan)).toThrow(/before its parent/);
  });
});

import { describe, expect, it } from 'vitest';
import { JuteWriter } from '../proto/jute.js';
import { encodeSnapStream, SnapStreamError, SnapStreamReader } from './snap-stream.js';
import type { SnapshotData, SnapshotNode } from './snapshot-types.js';

function node(path: string, data: string | null): SnapshotNode {
  return {
    path,
    data: data === null ? null : Buffer.from(data),
    aclIndex: 1n,
    stat: {
      czxid: 5n,
      mzxid: 6n,
      ctime: 1700000000000,
      mtime: 1700000000001,
      version: 2,
      cversion: 3,
      aversion: 0,
      ephemeralOwner: 0n,
      pzxid: 7n,
    },
  };
}

const data: SnapshotData = {
  sessions: new Map([
    [0x100000000001n, 30000],
    [0x200000000002n, 4000],
  ]),
  acls: new Map([[1n, [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]]]),
  nodes: [node('', null), node('/a', 'x'.repeat(3000)), node('/a/b', ''), node('/zookeeper', null)],
};

/** Feeds the stream in pieces of `size`, dropping what the reader used, as the quorum port does. */
function readInPieces(bytes: Buffer, size: number): { reader: SnapStreamReader; length: number } {
  const reader = new SnapStreamReader();
  let pending = Buffer.alloc(0);
  let consumed = 0;
  for (let at = 0; at < bytes.length; at += size) {
    pending = Buffer.concat([pending, bytes.subarray(at, at + size)]);
    const { used, done } = reader.push(pending);
    consumed += used;
    pending = pending.subarray(used);
    if (done) return { reader, length: consumed };
  }
  throw new Error('stream never completed');
}

describe('SNAP stream (quorum-protocol.md §4.4)', () => {
  const bytes = Buffer.concat([...encodeSnapStream(data, 64)]);

  it('is sessions, ACL cache, nodes, "/" and the BenWasHere signature, with no file header', () => {
    const w = new JuteWriter();
    w.int(2).long(0x100000000001n).int(30000).long(0x200000000002n).int(4000);
    expect(bytes.subarray(0, 28)).toEqual(w.toBuffer());
    const tail = new JuteWriter().string('/').string('BenWasHere').toBuffer();
    expect(bytes.subarray(bytes.length - tail.length)).toEqual(tail);
  });

  it.each([1, 7, 100, 4096])('reads back whole when fed %i bytes at a time', (size) => {
    const { reader, length } = readInPieces(Buffer.concat([bytes, Buffer.from('next')]), size);
    expect(length).toBe(bytes.length);
    const got = reader.data;
    expect(got.sessions).toEqual(data.sessions);
    expect(got.acls).toEqual(data.acls);
    expect(got.nodes).toEqual(data.nodes);
  });

  it('refuses a stream without the signature', () => {
    const bad = Buffer.concat([
      bytes.subarray(0, bytes.length - 14),
      new JuteWriter().string('Nope').toBuffer(),
    ]);
    expect(() => new SnapStreamReader().push(bad)).toThrow(SnapStreamError);
  });
});

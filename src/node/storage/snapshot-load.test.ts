import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpCode } from '../proto/opcodes.js';
import type { ACL } from '../proto/types.js';
import { DataTree } from '../tree/data-tree.js';
import { Harness } from '../txn/harness.js';
import { silentLogger } from './logger.js';
import { recover } from './recovery.js';
import { writeSnapshotFile } from './snapshot-file.js';
import { scanSnapshotFile } from './snapshot-scan.js';
import {
  decodeSnapshot,
  decodeSnapshotForLoad,
  encodeSnapshot,
  SnapshotFormatError,
} from './snapshot-format.js';

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const READ: ACL[] = [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }];

/** A tree with every kind of node the loader treats specially. */
function sampleTree(): DataTree {
  const h = new Harness();
  const create = (path: string, data: Buffer | null, flags = 0, acl = OPEN, sessionId = 7n) =>
    h.write({ type: OpCode.create, request: { path, data, acl, flags } }, { sessionId });
  h.write({ type: OpCode.createSession, request: { timeOutMs: 9000 } }, { sessionId: 7n });
  create('/a', Buffer.from('alpha'));
  create('/a/é-ü', Buffer.from('non-ascii name'));
  create('/a/null', null);
  create('/a/e', Buffer.alloc(0), 1);
  create('/a/seq-', Buffer.from('s'), 2);
  create('/c', null, 4);
  create('/c/child', Buffer.from('x'));
  create('/r', Buffer.alloc(100_000, 7), 0, READ);
  create('/zookeeper/quota/a', Buffer.alloc(0));
  create('/zookeeper/quota/a/zookeeper_limits', Buffer.from('count=10,bytes=-1'));
  create('/zookeeper/quota/a/zookeeper_stats', Buffer.from('count=1,bytes=5'));
  h.write({
    type: OpCode.setData,
    request: { path: '/a', data: Buffer.from('beta'), version: -1 },
  });
  h.write({
    type: OpCode.createTTL,
    request: { path: '/ttl', data: Buffer.from('t'), acl: OPEN, flags: 5, ttl: 5000 },
  });
  return h.tree;
}

function image(tree: DataTree): Buffer {
  return encodeSnapshot(tree.exportSnapshot(), {
    zxidDigest: { zxid: tree.lastProcessedZxid, digestVersion: 2, digest: tree.digest() },
    lastProcessedZxid: null,
  });
}

/** Everything a client or a later snapshot could see of every node, in walk order. */
function dump(tree: DataTree): unknown[] {
  return [...tree.exportSnapshot().nodes].map((n) => ({
    ...n,
    children: tree.children(n.path === '' ? '/' : n.path),
    acl: tree.getNode(n.path)!.acl,
  }));
}

describe('decodeSnapshotForLoad + DataTree.fromSnapshot (records read in place)', () => {
  it('checks the image like decodeSnapshot and gives the same sessions, ACLs, tail and nodes', () => {
    const buf = image(sampleTree());
    const full = decodeSnapshot(buf);
    const lazy = decodeSnapshotForLoad(buf);
    expect(lazy.raw.count).toBe(full.nodes.length);
    expect(lazy.sessions).toEqual(full.sessions);
    expect(lazy.acls).toEqual(full.acls);
    expect(lazy.zxidDigest).toEqual(full.zxidDigest);
    expect(lazy.seals).toBe(full.seals);
    expect(lazy.nodes).toEqual(full.nodes);
  });

  it('loads the same tree as the node-object path: stats, data, ACLs, children, digest, indexes', () => {
    const tree = sampleTree();
    const buf = image(tree);
    const viaRaw = DataTree.fromSnapshot(decodeSnapshotForLoad(buf));
    const viaNodes = DataTree.fromSnapshot(decodeSnapshot(buf));
    expect(dump(viaRaw)).toEqual(dump(viaNodes));
    expect(dump(viaRaw)).toEqual(dump(tree));
    expect(viaRaw.digest()).toBe(tree.digest());
    expect(viaRaw.recomputeDigest()).toBe(tree.digest());
    expect(viaRaw.nodeCount()).toBe(tree.nodeCount());
    expect(viaRaw.approximateDataSize()).toBe(tree.approximateDataSize());
    expect(viaRaw.ephemeralsBySession()).toEqual(tree.ephemeralsBySession());
    expect(viaRaw.quotas()).toEqual(tree.quotas());
    expect(tree.expiredTtls(Number.MAX_SAFE_INTEGER)).toEqual(['/ttl']);
    expect(viaRaw.expiredTtls(Number.MAX_SAFE_INTEGER)).toEqual(['/ttl']);
    expect(viaRaw.containersToReap()).toEqual(tree.containersToReap());
    expect(viaRaw.aclIndexCount()).toBe(tree.aclIndexCount());
    expect(viaRaw.sessions).toEqual(tree.sessions);
  });

  it('finds parents off the previous path too: records out of pre-order, repeated paths', () => {
    const tree = sampleTree();
    const exported = tree.exportSnapshot();
    const nodes = [...exported.nodes];
    const at = (path: string) => nodes.find((n) => n.path === path)!;
    // Parents still come first, but siblings interleave and a path repeats (the later wins).
    const order = [
      '',
      '/zookeeper',
      '/zookeeper/quota',
      '/a',
      '/c',
      '/a/é-ü',
      '/c/child',
      '/a/null',
    ];
    const shuffled = [
      ...order.map(at),
      { ...at('/a/é-ü'), data: Buffer.from('second') },
      ...nodes.filter((n) => !order.includes(n.path)),
    ];
    const buf = encodeSnapshot(
      { sessions: exported.sessions, acls: exported.acls, nodes: shuffled },
      { zxidDigest: null, lastProcessedZxid: null },
    );
    const viaRaw = DataTree.fromSnapshot(decodeSnapshotForLoad(buf));
    const viaNodes = DataTree.fromSnapshot(decodeSnapshot(buf));
    expect(dump(viaRaw)).toEqual(dump(viaNodes));
    expect(viaRaw.getNode('/a/é-ü')!.data!.toString()).toBe('second');
    expect(viaRaw.children('/a')).toEqual(viaNodes.children('/a'));
    expect(viaRaw.digest()).toBe(viaRaw.recomputeDigest());
    expect(viaRaw.approximateDataSize()).toBe(viaNodes.approximateDataSize());
    expect(viaRaw.nodeCount()).toBe(tree.nodeCount());
  });

  it('a loaded tree keeps working: writes after the load keep the digest exact', () => {
    const h = new Harness(DataTree.fromSnapshot(decodeSnapshotForLoad(image(sampleTree()))));
    h.zxid = 1000n;
    h.write({ type: OpCode.delete, request: { path: '/c/child', version: -1 } });
    h.write({ type: OpCode.setData, request: { path: '/r', data: null, version: -1 } });
    h.write({
      type: OpCode.create,
      request: { path: '/a/new', data: Buffer.from('n'), acl: OPEN, flags: 0 },
    });
    expect(h.tree.digest()).toBe(h.tree.recomputeDigest());
    expect(h.tree.children('/a')).toEqual(['é-ü', 'null', 'e', 'seq-0000000003', 'new']);
  });

  it('rejects damage anywhere: flipped bytes, cut records, a child before its parent', () => {
    const buf = image(sampleTree());
    fc.assert(
      fc.property(fc.integer({ min: 0, max: buf.length - 1 }), (i) => {
        const bad = Buffer.from(buf);
        bad[i]! ^= 0x40;
        expect(() => DataTree.fromSnapshot(decodeSnapshotForLoad(bad))).toThrow();
      }),
      { numRuns: 200 },
    );
    expect(() => decodeSnapshotForLoad(buf.subarray(0, 200))).toThrow(SnapshotFormatError);
    const t = new DataTree();
    const nodes = [...t.exportSnapshot().nodes];
    const orphan = encodeSnapshot(
      {
        sessions: new Map(),
        acls: t.exportSnapshot().acls,
        nodes: [nodes[0]!, { ...nodes[0]!, path: '/x/y' }],
      },
      { zxidDigest: null, lastProcessedZxid: null },
    );
    expect(() => DataTree.fromSnapshot(decodeSnapshotForLoad(orphan))).toThrow(/before its parent/);
  });
});

describe('recovery from a snapshot with no log after it', () => {
  it('the tree continues from the zxid in the file name (FileSnap), so new txns sort after it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zkts-snaponly-'));
    try {
      const tree = sampleTree();
      const zxid = 0x500000007n;
      await writeSnapshotFile(dir, zxid, tree.exportSnapshot(), () => ({
        zxidDigest: { zxid, digestVersion: 2, digest: tree.digest() },
        lastProcessedZxid: null,
      }));
      let loaded: DataTree | undefined;
      const r = await recover(
        {
          loadSnapshot: (s) => {
            loaded = DataTree.fromSnapshot(s);
          },
          apply: () => {
            throw new Error('no log');
          },
        },
        { snapDir: dir, logDir: dir, decode: () => null as never, logger: silentLogger },
      );
      expect(r.lastZxid).toBe(zxid);
      expect(loaded!.lastProcessedZxid).toBe(zxid);
      expect(loaded!.digest()).toBe(tree.digest());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('scanSnapshotFile (a plain file read through a window, twice)', () => {
  it('gives what decodeSnapshot gives, for windows smaller than the header and than a record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zkts-scan-'));
    try {
      const tree = sampleTree();
      const buf = image(tree);
      const file = join(dir, 'snapshot.1');
      await writeFile(file, buf);
      const full = decodeSnapshot(buf);
      // 100 B: smaller than the header; 4 KiB: records straddle windows; /r is 100 KB.
      for (const windowBytes of [100, 4096, 1 << 20]) {
        const s = scanSnapshotFile(file, undefined, windowBytes);
        expect(s.raw.count).toBe(full.nodes.length);
        expect(s.sessions).toEqual(full.sessions);
        expect(s.acls).toEqual(full.acls);
        expect(s.zxidDigest).toEqual(full.zxidDigest);
        expect(s.seals).toBe(full.seals);
        const loaded = DataTree.fromSnapshot(s);
        expect(dump(loaded)).toEqual(dump(tree));
        expect(loaded.digest()).toBe(tree.digest());
        expect(s.nodes).toEqual(full.nodes);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a flipped byte or a cut file like decodeSnapshot does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zkts-scan-'));
    try {
      const buf = image(sampleTree());
      const file = join(dir, 'snapshot.1');
      for (const i of [3, 40, 150, 5000, 60_000, buf.length - 30, buf.length - 3]) {
        const bad = Buffer.from(buf);
        bad[i]! ^= 0x10;
        await writeFile(file, bad);
        expect(
          () => DataTree.fromSnapshot(scanSnapshotFile(file, undefined, 4096)),
          `byte ${i}`,
        ).toThrow();
      }
      await writeFile(file, buf.subarray(0, buf.length - 40));
      expect(() => scanSnapshotFile(file, undefined, 4096)).toThrow(SnapshotFormatError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('writeSnapshotFile over chunks that share one buffer', () => {
  it('writes the bytes encodeSnapshot gives, plain and gzipped, with chunks smaller than a record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zkts-snapchunks-'));
    try {
      const tree = sampleTree();
      const expected = image(tree);
      const tail = () => ({
        zxidDigest: { zxid: tree.lastProcessedZxid, digestVersion: 2, digest: tree.digest() },
        lastProcessedZxid: null,
      });
      for (const chunkBytes of [16, 100, 4096]) {
        const plain = await writeSnapshotFile(dir, 1n, tree.exportSnapshot(), tail, {
          chunkBytes,
          fsync: false,
        });
        expect((await readFile(plain)).equals(expected)).toBe(true);
        const gz = await writeSnapshotFile(dir, 2n, tree.exportSnapshot(), tail, {
          chunkBytes,
          compression: 'gz',
          fsync: false,
        });
        expect(gunzipSync(await readFile(gz)).equals(expected)).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

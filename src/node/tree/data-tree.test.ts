import { describe, expect, it } from 'vitest';
import { JuteReader, JuteWriter } from '../proto/jute.js';
import { OpCode } from '../proto/opcodes.js';
import type { ACL, LoggedTxn, Txn } from '../proto/types.js';
import { Harness } from '../txn/harness.js';
import { encodeSnapshot } from '../storage/snapshot-format.js';
import { DataTree } from './data-tree.js';
import type { SnapshotNode } from './snapshot-data.js';

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const T = 1_700_000_000_000;
const txn = (zxid: bigint, t: Txn, clientId = 1n, time = T): LoggedTxn => ({
  header: { clientId, cxid: 0, zxid, time, type: t.type },
  txn: t,
});
const mk = (path: string, parentCVersion: number, ephemeral = false): Txn => ({
  type: OpCode.create,
  path,
  data: Buffer.from('x'),
  acl: OPEN,
  ephemeral,
  parentCVersion,
});

describe('fresh tree (§10)', () => {
  it('built-in nodes, ACLs, stats, counts and digest', () => {
    const t = new DataTree();
    expect(t.children('/')).toEqual(['zookeeper']);
    expect(t.children('/zookeeper')!.sort()).toEqual(['config', 'quota']);
    expect(t.statOf('/')).toMatchObject({ cversion: -1, numChildren: 1, czxid: 0n, aversion: 0 });
    expect(t.statOf('/zookeeper')).toMatchObject({ cversion: -2, numChildren: 2 });
    expect(t.statOf('/zookeeper/config')).toMatchObject({ aversion: -1, dataLength: 0 });
    expect(t.getNode('/zookeeper/config')!.acl).toEqual([
      { perms: 1, id: { scheme: 'world', id: 'anyone' } },
    ]);
    expect(t.getNode('/zookeeper/config')!.aclIndex).toBe(1n);
    expect(t.getNode('/')!.aclIndex).toBe(-1n);
    expect(t.getNode('')!.stat).toEqual(t.getNode('/')!.stat);
    expect(t.nodeCount()).toBe(5);
    expect(t.digest()).toBe(1371985504n);
    expect(t.getAllChildrenNumber('/')).toBe(3);
    expect(t.getAllChildrenNumber('/zookeeper')).toBe(2);
  });
});

describe('stat rules per txn (§10)', () => {
  it('create, setData, setACL, delete', () => {
    const t = new DataTree();
    t.apply(txn(1n, mk('/a', 0)));
    expect(t.statOf('/a')).toEqual({
      czxid: 1n,
      mzxid: 1n,
      ctime: T,
      mtime: T,
      version: 0,
      cversion: 0,
      aversion: 0,
      ephemeralOwner: 0n,
      dataLength: 1,
      numChildren: 0,
      pzxid: 1n,
    });
    t.apply(txn(2n, mk('/a/b', 1), 1n, T + 1));
    expect(t.statOf('/a')).toMatchObject({
      cversion: 1,
      numChildren: 1,
      pzxid: 2n,
      mzxid: 1n,
      mtime: T,
      version: 0,
    });
    expect(t.getNode('/a')!.stat.cversion).toBe(1);
    t.apply(
      txn(
        3n,
        { type: OpCode.setData, path: '/a', data: Buffer.from('hello'), version: 1 },
        1n,
        T + 5,
      ),
    );
    expect(t.statOf('/a')).toMatchObject({
      version: 1,
      mzxid: 3n,
      mtime: T + 5,
      dataLength: 5,
      pzxid: 2n,
      cversion: 1,
    });
    t.apply(txn(4n, { type: OpCode.setACL, path: '/a', acl: OPEN, version: 1 }, 1n, T + 9));
    expect(t.statOf('/a')).toMatchObject({ aversion: 1, mzxid: 3n, mtime: T + 5 });
    const del = t.apply(txn(5n, { type: OpCode.delete, path: '/a/b' }));
    expect(t.statOf('/a')).toMatchObject({ cversion: 2, numChildren: 0, pzxid: 5n, mzxid: 3n });
    expect(t.getNode('/a')!.stat.cversion).toBe(1);
    expect(del.triggers.map((x) => [x.type, x.path, x.zxid])).toEqual([
      [2, '/a/b', 5n],
      [4, '/a', 5n],
    ]);
  });
  it('triggers: create → NodeCreated then parent NodeChildrenChanged ("/" for top level); setData → NodeDataChanged; setACL none', () => {
    const t = new DataTree();
    expect(t.apply(txn(1n, mk('/a', 0))).triggers.map((x) => [x.type, x.path])).toEqual([
      [1, '/a'],
      [4, '/'],
    ]);
    expect(
      t.apply(txn(2n, { type: OpCode.setData, path: '/a', data: null, version: 1 })).triggers,
    ).toEqual([{ type: 3, path: '/a', zxid: 2n }]);
    expect(
      t.apply(txn(3n, { type: OpCode.setACL, path: '/a', acl: OPEN, version: 1 })).triggers,
    ).toEqual([]);
  });
  it('ephemeral owner kept for clients, container/TTL owners hidden', () => {
    const t = new DataTree();
    t.apply(txn(1n, mk('/e', 0, true), 0x0100017f3a2b0000n));
    expect(t.statOf('/e')!.ephemeralOwner).toBe(0x0100017f3a2b0000n);
    expect(t.ephemeralsOf(0x0100017f3a2b0000n)).toEqual(['/e']);
    t.apply(
      txn(2n, {
        type: OpCode.createContainer,
        path: '/c',
        data: null,
        acl: OPEN,
        parentCVersion: 2,
      }),
    );
    expect(t.statOf('/c')!.ephemeralOwner).toBe(0n);
    expect(t.getNode('/c')!.stat.ephemeralOwner).toBe(-(2n ** 63n));
  });
});

describe('replay semantics (persistence §4)', () => {
  it('create of an existing node: ignored, ACL replaced, parent fixed for op 1 only', () => {
    const t = new DataTree();
    t.apply(txn(1n, mk('/a', 0)));
    const r = t.apply(
      txn(2n, {
        ...mk('/a', 5),
        acl: [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }],
      } as Txn),
    );
    expect(r.err).toBe(-110);
    expect(t.getNode('/a')!.acl).toEqual([{ perms: 1, id: { scheme: 'world', id: 'anyone' } }]);
    expect(t.getNode('/')!.stat).toMatchObject({ cversion: 5, pzxid: 2n });
    t.apply(txn(3n, { ...mk('/a', 9), type: OpCode.create2 } as Txn));
    expect(t.getNode('/')!.stat.cversion).toBe(5);
    expect(t.lastProcessedZxid).toBe(3n);
  });
  it('parent cversion only moves forward; -1 means +1; delete of missing ignored', () => {
    const t = new DataTree();
    t.apply(txn(1n, mk('/a', 4)));
    t.apply(txn(2n, mk('/b', 3)));
    expect(t.getNode('/')!.stat).toMatchObject({ cversion: 4, pzxid: 1n });
    t.apply(txn(3n, mk('/c', -1)));
    expect(t.getNode('/')!.stat).toMatchObject({ cversion: 5, pzxid: 3n });
    expect(t.apply(txn(4n, { type: OpCode.delete, path: '/zz' })).err).toBe(-101);
    t.apply(txn(5n, { type: OpCode.error, err: -101 }));
    expect(t.lastProcessedZxid).toBe(5n);
    t.apply(txn(2n, { type: OpCode.error, err: -101 }));
    expect(t.lastProcessedZxid).toBe(5n);
  });
  it('closeSession without paths2Delete (old logs) removes all of the session ephemerals', () => {
    const t = new DataTree();
    t.apply(txn(1n, { type: OpCode.createSession, timeOutMs: 4000 }, 9n));
    t.apply(txn(2n, mk('/e1', 0, true), 9n));
    t.apply(txn(3n, mk('/e2', 1, true), 9n));
    const r = t.apply(txn(4n, { type: OpCode.closeSession, paths2Delete: null }, 9n));
    expect(r.triggers.filter((x) => x.type === 2).map((x) => x.path)).toEqual(['/e1', '/e2']);
    expect(t.sessions.size).toBe(0);
    expect(t.nodeCount()).toBe(5);
    expect(t.digest()).toBe(t.recomputeDigest());
  });
  it('failed multi applies nothing and reports 0 before / code / -2 after', () => {
    const t = new DataTree();
    const r = t.apply(
      txn(1n, {
        type: OpCode.multi,
        txns: [mk('/a', 0), { type: OpCode.error, err: -103 }, { type: OpCode.error, err: -2 }],
      }),
    );
    expect(r.multi).toEqual([
      { type: -1, err: 0 },
      { type: -1, err: -103 },
      { type: -1, err: -2 },
    ]);
    expect(t.has('/a')).toBe(false);
    expect(r.triggers).toEqual([]);
  });
});

describe('counts, sizes, quotas', () => {
  it('approximateDataSize and getAllChildrenNumber', () => {
    const t = new DataTree();
    expect(t.approximateDataSize()).toBe(44);
    t.apply(txn(1n, mk('/ab', 0)));
    expect(t.approximateDataSize()).toBe(44 + 3 + 1);
    t.apply(txn(2n, mk('/ab/c', 1)));
    t.apply(txn(3n, mk('/abc', 2)));
    expect(t.getAllChildrenNumber('/ab')).toBe(1);
    expect(t.getAllChildrenNumber('/')).toBe(6);
    expect(t.nodeCount()).toBe(8);
  });
  it('zookeeper_stats counts nodes and bytes under a quota path', () => {
    const h = new Harness();
    const create = (path: string, data: string) =>
      h.write({
        type: OpCode.create,
        request: { path, data: Buffer.from(data), acl: OPEN, flags: 0 },
      });
    create('/q', 'abc');
    create('/zookeeper/quota/q', '');
    create('/zookeeper/quota/q/zookeeper_limits', 'count=10,bytes=-1');
    create('/zookeeper/quota/q/zookeeper_stats', 'count=1,bytes=3');
    create('/q/x', '12345');
    const stats = () => h.tree.getNode('/zookeeper/quota/q/zookeeper_stats')!.data!.toString();
    expect(stats()).toBe('count=2,bytes=8');
    h.write({
      type: OpCode.setData,
      request: { path: '/q/x', data: Buffer.from('1'), version: -1 },
    });
    expect(stats()).toBe('count=2,bytes=4');
    h.write({ type: OpCode.delete, request: { path: '/q/x', version: -1 } });
    expect(stats()).toBe('count=1,bytes=3');
    expect(h.tree.quotas()).toEqual(['/q']);
    expect(h.tree.digest()).toBe(h.tree.recomputeDigest());
  });
});

/** The paths of whole node records (path, data, ACL index, 60-byte stat) in buf. */
function recordPaths(buf: Buffer): string[] {
  const r = new JuteReader(buf);
  const out: string[] = [];
  while (r.remaining > 0) {
    out.push(r.stringOrEmpty());
    r.buffer();
    r.raw(8 + 60);
  }
  return out;
}

describe('snapshots', () => {
  it('export → fromSnapshot gives the same tree, parents first, root as ""', () => {
    const h = new Harness();
    const w = (path: string, flags = 0, acl = OPEN) =>
      h.write(
        { type: OpCode.create, request: { path, data: Buffer.from(path), acl, flags } },
        { sessionId: 3n },
      );
    h.write({ type: OpCode.createSession, request: { timeOutMs: 5000 } }, { sessionId: 3n });
    w('/a');
    w('/a/b', 1);
    w('/c', 0, [{ perms: 3, id: { scheme: 'world', id: 'anyone' } }]);
    w('/a/d', 2);
    const snap = h.tree.exportSnapshot();
    const nodes = [...snap.nodes] as SnapshotNode[];
    expect(nodes[0]!.path).toBe('');
    const seen = new Set<string>();
    for (const n of nodes) {
      if (n.path !== '') expect(seen.has(n.path.slice(0, n.path.lastIndexOf('/')))).toBe(true);
      seen.add(n.path);
    }
    const back = DataTree.fromSnapshot({ ...snap, nodes });
    expect(back.digest()).toBe(h.tree.digest());
    expect(back.nodeCount()).toBe(h.tree.nodeCount());
    expect(back.approximateDataSize()).toBe(h.tree.approximateDataSize());
    expect(back.ephemeralsOf(3n)).toEqual(['/a/b']);
    expect(back.sessions).toEqual(new Map([[3n, 5000]]));
    expect(back.getNode('/c')!.acl).toEqual([{ perms: 3, id: { scheme: 'world', id: 'anyone' } }]);
    expect(back.getNode('/zookeeper/config')!.aclIndex).toBe(1n);
    expect([...back.exportSnapshot().acls]).toEqual([...snap.acls]);
  });
  it('writes records from its columns exactly as from node objects, at the edges of each field', () => {
    const stat = {
      czxid: -0x7fffffffffffffffn,
      mzxid: 0x1234567890abcdefn,
      ctime: 2 ** 52 + 3,
      mtime: -1,
      version: -2147483648,
      cversion: 2147483647,
      aversion: -1,
      ephemeralOwner: -0x0123456789abcdefn,
      pzxid: 0xffffffffn,
    };
    const acls = new Map([
      [-1n, OPEN],
      [0x7fffffffn, OPEN],
    ]);
    const tree = DataTree.fromSnapshot({
      sessions: new Map(),
      acls,
      nodes: [
        { path: '', data: null, aclIndex: -1n, stat },
        { path: '/empty', data: Buffer.alloc(0), aclIndex: 0x7fffffffn, stat },
        { path: '/big', data: Buffer.alloc(70 * 1024, 0xab), aclIndex: -1n, stat },
        {
          path: '/ü',
          data: Buffer.from('x'),
          aclIndex: -1n,
          stat: { ...stat, ephemeralOwner: 0n },
        },
      ],
    });
    const tail = { zxidDigest: null, lastProcessedZxid: null };
    const records = encodeSnapshot(tree.exportSnapshot(), tail);
    const objects = encodeSnapshot({ ...tree.exportSnapshot(), recordWriter: undefined }, tail);
    expect(records.equals(objects)).toBe(true);
  });

  it('writes records fuzzily: a node deleted mid-walk is skipped even when its id is reused', () => {
    const h = new Harness();
    const create = (path: string) =>
      h.write(
        { type: OpCode.create, request: { path, data: Buffer.from(path), acl: OPEN, flags: 0 } },
        { sessionId: 3n },
      );
    for (const p of ['/a', '/a/1', '/a/2', '/a/3', '/b']) create(p);
    const writeNext = h.tree.exportSnapshot().recordWriter!();
    const w = new JuteWriter();
    const written = () => recordPaths(w.view());
    // One record per call (untilLength 1) until /a's children are waiting on the walk's stack.
    while (!written().includes('/a')) expect(writeNext(w, 1)).toBe(true);
    h.write({ type: OpCode.delete, request: { path: '/a/2', version: -1 } }, { sessionId: 3n });
    create('/c'); // takes the id /a/2 had
    while (writeNext(w, 1));
    expect(written().filter((p) => p.startsWith('/a') || p === '/b' || p === '/c')).toEqual([
      '/a',
      '/a/1',
      '/a/3',
      '/b',
    ]);
  });

  it('rejects a child before its parent and a missing ACL index', () => {
    const stat = new DataTree().getNode('/')!.stat;
    const root = { path: '', data: null, aclIndex: -1n, stat };
    expect(() =>
      DataTree.fromSnapshot({
        sessions: new Map(),
        acls: new Map(),
        nodes: [root, { ...root, path: '/a/b' }],
      }),
    ).toThrow(/parent/);
    expect(() =>
      DataTree.fromSnapshot({
        sessions: new Map(),
        acls: new Map(),
        nodes: [root, { ...root, path: '/a', aclIndex: 4n }],
      }),
    ).toThrow(/ACL/);
  });
});

describe('data storage', () => {
  it('rewrites of big values compact the data into reused chunks; values stay right', () => {
    const t = new DataTree();
    for (let i = 0; i < 10; i++) t.apply(txn(BigInt(i + 1), mk(`/n${i}`, -1)));
    const view = t.getNode('/n0')!.data!;
    expect(t.isDataView(view)).toBe(true);
    const first = Buffer.from(view);
    expect(t.isDataView(first)).toBe(false);
    let zxid = 100n;
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 10; i++) {
        const data = Buffer.alloc(60_000, (round * 10 + i) & 0xff);
        t.apply(txn(zxid++, { type: OpCode.setData, path: `/n${i}`, data, version: round + 1 }));
      }
    }
    expect(first.toString()).toBe('x');
    // Compaction handed the old chunks on: the old view is no longer the tree's.
    expect(t.isDataView(view)).toBe(false);
    for (let i = 0; i < 10; i++) {
      const d = t.getNode(`/n${i}`)!.data!;
      expect(d.length).toBe(60_000);
      expect(d.every((b) => b === ((390 + i) & 0xff))).toBe(true);
    }
    expect(t.digest()).toBe(t.recomputeDigest());
  });
});

describe('settleDigests', () => {
  it('computes a loaded tree’s pending digests in slices, between writes, to the exact digest', () => {
    const t = new DataTree();
    for (let i = 0; i < 50; i++) t.apply(txn(BigInt(i + 1), mk(`/n${i}`, -1)));
    const expected = t.digest();
    const loaded = DataTree.fromSnapshot(t.exportSnapshot());
    expect(loaded.settleDigests(10)).toBe(false);
    loaded.apply(
      txn(100n, { type: OpCode.setData, path: '/n3', data: Buffer.from('y'), version: 1 }),
    );
    loaded.apply(
      txn(101n, { type: OpCode.setData, path: '/n45', data: Buffer.from('z'), version: 1 }),
    );
    t.apply(txn(100n, { type: OpCode.setData, path: '/n3', data: Buffer.from('y'), version: 1 }));
    t.apply(txn(101n, { type: OpCode.setData, path: '/n45', data: Buffer.from('z'), version: 1 }));
    let slices = 1;
    while (!loaded.settleDigests(10)) slices++;
    expect(slices).toBeGreaterThan(3);
    expect(loaded.digest()).toBe(t.digest());
    expect(loaded.digest()).not.toBe(expected);
    expect(loaded.recomputeDigest()).toBe(t.digest());
  });
});

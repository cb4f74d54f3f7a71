import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../proto/errors.js';
import { OpCode } from '../proto/opcodes.js';
import type { ACL, Id } from '../proto/types.js';
import { digestOf } from '../tree/acl.js';
import { Harness } from './harness.js';
import { isReadRequest, isWriteRequest, sequenceSuffix } from './prepare.js';

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const create = (
  path: string,
  flags = 0,
  acl: ACL[] = OPEN,
  data: Buffer | null = Buffer.from('d'),
) => ({
  type: OpCode.create as typeof OpCode.create,
  request: { path, data, acl, flags },
});
const create2 = (path: string, flags = 0) => ({
  type: OpCode.create2 as typeof OpCode.create2,
  request: { path, data: null, acl: OPEN, flags },
});
const createTTL = (path: string, flags: number, ttl: number) => ({
  type: OpCode.createTTL as typeof OpCode.createTTL,
  request: { path, data: null, acl: OPEN, flags, ttl },
});
const del = (path: string, version = -1) => ({
  type: OpCode.delete as typeof OpCode.delete,
  request: { path, version },
});
const setData = (path: string, data: string, version = -1) => ({
  type: OpCode.setData as typeof OpCode.setData,
  request: { path, data: Buffer.from(data), version },
});
const setACL = (path: string, acl: ACL[], version = -1) => ({
  type: OpCode.setACL as typeof OpCode.setACL,
  request: { path, acl, version },
});
const check = (path: string, version: number) => ({
  type: OpCode.check as typeof OpCode.check,
  request: { path, version },
});
const bob: Id = { scheme: 'digest', id: digestOf('bob', 'pw') };
const bobOnly = (perms: number): ACL[] => [{ perms, id: bob }];

function errOf(
  h: Harness,
  req: Parameters<Harness['write']>[0],
  opts: Parameters<Harness['write']>[1] = {},
): number {
  return h.write(req, opts).err;
}

describe('create validation order (§9.3)', () => {
  it('1: flags outside 0..6 → -8 (before TTL and session checks)', () => {
    const h = new Harness();
    expect(errOf(h, create('/a', 7), { sessionValid: false })).toBe(ErrorCode.badArguments);
    expect(errOf(h, create('/a', -1))).toBe(ErrorCode.badArguments);
  });
  it('2: TTL disabled → -6; bad ttl → -8; ttl with non-TTL mode → -8', () => {
    const h = new Harness();
    h.config = { ...h.config, extendedTypesEnabled: false };
    expect(errOf(h, createTTL('/a', 5, 100), { sessionValid: false })).toBe(
      ErrorCode.unimplemented,
    );
    h.config = { ...h.config, extendedTypesEnabled: true };
    expect(errOf(h, createTTL('/a', 5, 0), { sessionValid: false })).toBe(ErrorCode.badArguments);
    expect(errOf(h, createTTL('/a', 5, 2 ** 40))).toBe(ErrorCode.badArguments);
    expect(errOf(h, createTTL('/a', 0, 100))).toBe(ErrorCode.badArguments);
    expect(errOf(h, createTTL('/a', 0, -1))).toBe(ErrorCode.badArguments);
    expect(errOf(h, create('/a', 5))).toBe(ErrorCode.badArguments);
    expect(errOf(h, createTTL('/a', 6, 2 ** 40 - 1))).toBe(0);
  });
  it('3: session check, then path without / or with NUL → -8', () => {
    const h = new Harness();
    expect(errOf(h, create('nope'), { sessionValid: false })).toBe(ErrorCode.sessionExpired);
    expect(errOf(h, create('nope'))).toBe(ErrorCode.badArguments);
    expect(errOf(h, create('/a\0b', 0, []))).toBe(ErrorCode.badArguments);
  });
  it('4: ACL fix-up before parent lookup → -114', () => {
    const h = new Harness();
    expect(errOf(h, create('/missing/x', 0, []))).toBe(ErrorCode.invalidAcl);
  });
  it('5: parent missing → -101, before CREATE check', () => {
    const h = new Harness();
    expect(errOf(h, create('/missing/x'))).toBe(ErrorCode.noNode);
  });
  it('6: no CREATE on parent → -102 (before path validity and existence)', () => {
    const h = new Harness();
    h.write(create('/p', 0, bobOnly(31)), { authIds: [bob] });
    h.write(create('/p/x', 0), { authIds: [bob] });
    expect(errOf(h, create('/p/x'))).toBe(ErrorCode.noAuth);
    expect(errOf(h, create('/p/.'))).toBe(ErrorCode.noAuth);
    expect(errOf(h, create('/p/y'), { authIds: [{ scheme: 'super', id: '' }] })).toBe(0);
  });
  it('7: full path invalid after suffix → -8', () => {
    const h = new Harness();
    expect(errOf(h, create('/a/'))).toBe(ErrorCode.noNode); // parent "/a" is looked up first
    expect(errOf(h, create('/.'))).toBe(ErrorCode.badArguments);
    expect(errOf(h, create('/a\u0001'))).toBe(ErrorCode.badArguments);
    h.write(create('/a'));
    expect(errOf(h, create('/a/'))).toBe(ErrorCode.badArguments);
    const r = h.write(create('/a/', 2));
    expect(r.err).toBe(0);
    expect(r.response).toEqual({ kind: 'create', path: '/a/0000000000' });
  });
  it('8: exists → -110, create of / → -110', () => {
    const h = new Harness();
    h.write(create('/a'));
    expect(errOf(h, create('/a'))).toBe(ErrorCode.nodeExists);
    expect(errOf(h, create('/'))).toBe(ErrorCode.nodeExists);
    expect(errOf(h, create('/zookeeper'))).toBe(ErrorCode.nodeExists);
  });
  it('9: parent is a normal ephemeral → -108; container/TTL parents allowed', () => {
    const h = new Harness();
    h.write(create('/e', 1), { sessionId: 5n });
    expect(errOf(h, create('/e/x'))).toBe(ErrorCode.noChildrenForEphemerals);
    h.write({
      type: OpCode.createContainer,
      request: { path: '/c', data: null, acl: OPEN, flags: 4 },
    });
    expect(errOf(h, create('/c/x', 1))).toBe(0);
    h.write(createTTL('/t', 5, 1000));
    expect(errOf(h, create('/t/x', 1))).toBe(0);
  });
  it('10: quota enforced only when enabled → -125', () => {
    const h = new Harness();
    h.write(create('/q', 0, OPEN, null));
    h.write(create('/zookeeper/quota/q', 0, OPEN, null));
    h.write(
      create(
        '/zookeeper/quota/q/zookeeper_limits',
        0,
        OPEN,
        Buffer.from('count=-1,bytes=-1,countHardLimit=2'),
      ),
    );
    h.write(create('/zookeeper/quota/q/zookeeper_stats', 0, OPEN, Buffer.from('count=1,bytes=0')));
    expect(errOf(h, create('/q/a'))).toBe(0);
    expect(errOf(h, create('/q/b'))).toBe(0);
    h.config = { ...h.config, enforceQuota: true };
    expect(errOf(h, create('/q/c'))).toBe(ErrorCode.quotaExceeded);
    h.write(setData('/zookeeper/quota/q/zookeeper_limits', 'count=-1,bytes=-1,byteHardLimit=4'));
    expect(errOf(h, setData('/q/a', 'abc'))).toBe(0); // stats bytes 2 → 4
    expect(errOf(h, setData('/q/a', 'abcdef'))).toBe(ErrorCode.quotaExceeded);
    expect(errOf(h, create('/q/c', 0, OPEN, null))).toBe(0);
  });
  it('failed writes consume a zxid and log an error txn', () => {
    const h = new Harness();
    const bad = h.write(create('/x/y'));
    expect(bad.txn.header).toMatchObject({ zxid: 1n, type: OpCode.error });
    expect(bad.txn.txn).toEqual({ type: OpCode.error, err: ErrorCode.noNode });
    const ok = h.write(create2('/x'));
    expect(ok.txn.header.zxid).toBe(2n);
    expect(ok.txn.header.type).toBe(OpCode.create2);
    expect(h.tree.lastProcessedZxid).toBe(2n);
    expect(ok.response).toMatchObject({
      kind: 'create2',
      path: '/x',
      stat: { czxid: 2n, version: 0 },
    });
  });
});

describe('sequential names', () => {
  it('suffix from persisted cversion: deletes do not advance it', () => {
    const h = new Harness();
    h.write(create('/s'));
    expect(h.write(create('/s/n-', 2)).response).toEqual({
      kind: 'create',
      path: '/s/n-0000000000',
    });
    h.write(del('/s/n-0000000000'));
    expect(h.write(create('/s/n-', 3)).response).toEqual({
      kind: 'create',
      path: '/s/n-0000000001',
    });
    expect(h.tree.statOf('/s')!.cversion).toBe(3);
    h.write(create('/s/plain'));
    expect(h.write(create('/s/n-', 2)).response).toEqual({
      kind: 'create',
      path: '/s/n-0000000003',
    });
  });
  it('formats like %010d', () => {
    expect(sequenceSuffix(0)).toBe('0000000000');
    expect(sequenceSuffix(2147483647)).toBe('2147483647');
    expect(sequenceSuffix(-1)).toBe('-000000001');
  });
  it('prepared-but-unapplied creates are seen (pipelined)', () => {
    const h = new Harness();
    h.write(create('/s'));
    const t1 = h.prepare(create('/s/q-', 2));
    const t2 = h.prepare(create('/s/q-', 2));
    const t3 = h.prepare(create('/s/q-0000000000'));
    expect(t1.txn).toMatchObject({ path: '/s/q-0000000000', parentCVersion: 1 });
    expect(t2.txn).toMatchObject({ path: '/s/q-0000000001', parentCVersion: 2 });
    expect(t3.txn).toEqual({ type: OpCode.error, err: ErrorCode.nodeExists });
    h.applyTxn(t1, OpCode.create);
    h.applyTxn(t2, OpCode.create);
    h.applyTxn(t3, OpCode.create);
    expect(h.pending.size()).toBe(0);
    expect(h.tree.children('/s')).toEqual(['q-0000000000', 'q-0000000001']);
  });
});

describe('delete validation order', () => {
  it('bad path and special nodes → -8', () => {
    const h = new Harness();
    for (const p of ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config', 'x', '/a\0'])
      expect(errOf(h, del(p))).toBe(ErrorCode.badArguments);
    expect(errOf(h, del('/a/'))).toBe(ErrorCode.noNode);
  });
  it('parent missing → -101, DELETE on parent → -102, node missing → -101, version → -103, children → -111', () => {
    const h = new Harness();
    expect(errOf(h, del('/no/x'))).toBe(ErrorCode.noNode);
    h.write(
      create('/p', 0, [...bobOnly(31), { perms: 1 | 4, id: { scheme: 'world', id: 'anyone' } }]),
    );
    h.write(create('/p/c'));
    expect(errOf(h, del('/p/missing'))).toBe(ErrorCode.noAuth);
    expect(errOf(h, del('/p/missing'), { authIds: [bob] })).toBe(ErrorCode.noNode);
    expect(errOf(h, del('/p/c', 3), { authIds: [bob] })).toBe(ErrorCode.badVersion);
    expect(errOf(h, del('/p', 5))).toBe(ErrorCode.badVersion);
    expect(errOf(h, del('/p', 0))).toBe(ErrorCode.notEmpty);
    expect(errOf(h, del('/p/c', 0), { authIds: [bob] })).toBe(0);
  });
});

describe('setData / setACL / check', () => {
  it('setData: -8, -101, -102, -103; version increments', () => {
    const h = new Harness();
    expect(errOf(h, setData('bad', 'x'))).toBe(ErrorCode.badArguments);
    expect(errOf(h, setData('/a', 'x'))).toBe(ErrorCode.noNode);
    h.write(create('/a', 0, bobOnly(1)), { authIds: [bob] });
    expect(errOf(h, setData('/a', 'x', 9))).toBe(ErrorCode.noAuth);
    h.write(create('/b'));
    expect(errOf(h, setData('/b', 'x', 9))).toBe(ErrorCode.badVersion);
    const r = h.write(setData('/b', 'xyz', 0));
    expect(r.response).toMatchObject({
      kind: 'stat',
      stat: { version: 1, dataLength: 3, mzxid: r.txn.header.zxid },
    });
    expect(r.txn.txn).toMatchObject({ type: OpCode.setData, version: 1 });
  });
  it('setACL: ACL fix-up before existence; ADMIN; aversion', () => {
    const h = new Harness();
    expect(errOf(h, setACL('/missing', []))).toBe(ErrorCode.invalidAcl);
    expect(errOf(h, setACL('/missing', OPEN))).toBe(ErrorCode.noNode);
    h.write(create('/a', 0, [{ perms: 15, id: { scheme: 'world', id: 'anyone' } }]));
    expect(errOf(h, setACL('/a', OPEN))).toBe(ErrorCode.noAuth);
    h.write(create('/b'));
    expect(errOf(h, setACL('/b', OPEN, 1))).toBe(ErrorCode.badVersion);
    const before = h.tree.statOf('/b')!;
    const r = h.write(setACL('/b', bobOnly(31), 0));
    expect(r.response).toEqual({ kind: 'stat', stat: { ...before, aversion: 1 } });
    expect(errOf(h, setACL('/zookeeper/config', OPEN))).toBe(ErrorCode.noAuth);
  });
  it('reconfig disabled → -123, enabled standalone → -6', () => {
    const h = new Harness();
    const req = {
      type: OpCode.reconfig as typeof OpCode.reconfig,
      request: { joiningServers: null, leavingServers: null, newMembers: null, curConfigId: -1n },
    };
    expect(errOf(h, req)).toBe(ErrorCode.reconfigDisabled);
    h.config = { ...h.config, reconfigEnabled: true };
    expect(errOf(h, req)).toBe(ErrorCode.unimplemented);
  });
});

describe('multi (§7)', () => {
  const multi = (ops: Parameters<Harness['write']>[0][]) => ({
    type: OpCode.multi as typeof OpCode.multi,
    request: { ops: ops as never },
  });
  it('success: one zxid, consecutive sequential suffixes, result types', () => {
    const h = new Harness();
    h.write(create('/m'));
    const r = h.write(
      multi([
        create('/m/s-', 2),
        create('/m/s-', 2),
        create2('/m/c'),
        setData('/m', 'v'),
        check('/m', 1),
        del('/m/c'),
      ]),
    );
    expect(r.err).toBe(0);
    expect(r.txn.header).toMatchObject({ type: OpCode.multi, zxid: 2n });
    const results = (r.response as { results: { type: number }[] }).results;
    expect(results.map((x) => x.type)).toEqual([1, 1, 15, 5, 13, 2]);
    expect(results[0]).toEqual({ type: 1, path: '/m/s-0000000000' });
    expect(results[1]).toEqual({ type: 1, path: '/m/s-0000000001' });
    expect(h.tree.children('/m')).toEqual(['s-0000000000', 's-0000000001']);
    expect(h.tree.statOf('/m')).toMatchObject({ mzxid: 2n, pzxid: 2n, version: 1 });
  });
  it('failure: 0 before, real code, -2 after; nothing applied; zxid consumed', () => {
    const h = new Harness();
    h.write(create('/m'));
    const digest = h.tree.digest();
    const r = h.write(multi([create('/m/a'), setData('/m', 'x', 7), create('/m/b'), del('/m')]));
    expect(r.err).toBe(0);
    expect((r.response as { results: unknown[] }).results).toEqual([
      { type: -1, err: 0 },
      { type: -1, err: ErrorCode.badVersion },
      { type: -1, err: ErrorCode.runtimeInconsistency },
      { type: -1, err: ErrorCode.runtimeInconsistency },
    ]);
    expect(r.txn.header.type).toBe(OpCode.multi);
    expect((r.txn.txn as { txns: { type: number }[] }).txns.map((t) => t.type)).toEqual([
      1, -1, -1, -1,
    ]);
    expect(h.tree.has('/m/a')).toBe(false);
    expect(h.tree.digest()).toBe(digest);
    expect(h.tree.lastProcessedZxid).toBe(2n);
    expect(h.pending.size()).toBe(0);
  });
  it('later ops see earlier ones (create then delete of the same node); empty multi', () => {
    const h = new Harness();
    expect(h.write(multi([create('/x'), create('/x/y'), del('/x/y'), del('/x')])).response).toEqual(
      {
        kind: 'multi',
        results: [{ type: 1, path: '/x' }, { type: 1, path: '/x/y' }, { type: 2 }, { type: 2 }],
      },
    );
    expect(h.tree.has('/x')).toBe(false);
    expect(h.write(multi([])).response).toEqual({ kind: 'multi', results: [] });
  });
  it('a check failing first makes everything else -2; read ops inside → -5 error txn', () => {
    const h = new Harness();
    const r = h.write(multi([check('/nope', -1), create('/z')]));
    expect((r.response as { results: unknown[] }).results).toEqual([
      { type: -1, err: ErrorCode.noNode },
      { type: -1, err: ErrorCode.runtimeInconsistency },
    ]);
    const bad = h.write(
      multi([{ type: OpCode.getData, request: { path: '/', watch: false } } as never]),
    );
    expect(bad.err).toBe(ErrorCode.marshallingError);
    expect(bad.txn.header.type).toBe(OpCode.error);
  });
});

describe('sessions', () => {
  it('closeSession lists ephemerals incl. pending ones, minus pending deletes', () => {
    const h = new Harness();
    h.write({ type: OpCode.createSession, request: { timeOutMs: 30000 } }, { sessionId: 7n });
    expect(h.tree.sessions.get(7n)).toBe(30000);
    h.write(create('/e1', 1), { sessionId: 7n });
    h.write(create('/e2', 1), { sessionId: 7n });
    h.prepare(create('/e3', 1), { sessionId: 7n });
    h.prepare(del('/e1'), { sessionId: 7n });
    const close = h.prepare({ type: OpCode.closeSession, request: null }, { sessionId: 7n });
    expect(close.txn).toEqual({ type: OpCode.closeSession, paths2Delete: ['/e2', '/e3'] });
  });
  it('closeSession deletes ephemerals, fires NodeDeleted then parent NodeChildrenChanged', () => {
    const h = new Harness();
    h.write(create('/p'));
    h.write(create('/p/e', 1), { sessionId: 7n });
    const r = h.write({ type: OpCode.closeSession, request: null }, { sessionId: 7n });
    expect(r.result.triggers.map((t) => [t.type, t.path])).toEqual([
      [2, '/p/e'],
      [4, '/p'],
    ]);
    expect(h.tree.has('/p/e')).toBe(false);
    expect(h.tree.ephemeralCount()).toBe(0);
    expect(h.tree.statOf('/p')).toMatchObject({
      pzxid: r.txn.header.zxid,
      cversion: 2,
      numChildren: 0,
    });
  });
});

describe('containers and TTL reaping', () => {
  it('container reaped only after it had a child; deleteContainer refuses non-empty', () => {
    const h = new Harness();
    h.write({
      type: OpCode.createContainer,
      request: { path: '/c', data: null, acl: OPEN, flags: 4 },
    });
    expect(h.tree.containersToReap()).toEqual([]);
    h.write(create('/c/x'));
    expect(h.tree.containersToReap()).toEqual([]);
    expect(h.write(del('/c'), { deleteContainer: true, sessionId: 0n }).err).toBe(
      ErrorCode.notEmpty,
    );
    h.write(del('/c/x'));
    expect(h.tree.containersToReap()).toEqual(['/c']);
    const r = h.write(del('/c'), { deleteContainer: true, sessionId: 0n });
    expect(r.err).toBe(0);
    expect(r.txn.header.type).toBe(OpCode.deleteContainer);
    expect(h.tree.has('/c')).toBe(false);
  });
  it('TTL node expires when childless and now − mtime > ttl', () => {
    const h = new Harness();
    h.write(createTTL('/t', 5, 1000));
    const mtime = h.timeMs;
    expect(h.tree.expiredTtls(mtime + 1000)).toEqual([]);
    expect(h.tree.expiredTtls(mtime + 1001)).toEqual(['/t']);
    h.write(create('/t/c'));
    expect(h.tree.expiredTtls(mtime + 5000)).toEqual([]);
    expect(h.tree.statOf('/t')!.ephemeralOwner).toBe(0n);
    expect(h.tree.getNode('/t')!.stat.ephemeralOwner).toBe(BigInt.asIntN(64, 0xff000000000003e8n));
  });
});

describe('request classes', () => {
  it('write and read sets', () => {
    for (const t of [1, 2, 5, 7, 14, 15, 16, 19, 21, -10, -11])
      expect(isWriteRequest(t)).toBe(true);
    for (const t of [3, 4, 6, 8, 9, 12, 22, 103, 104, 107]) expect(isReadRequest(t)).toBe(true);
    expect(isWriteRequest(4)).toBe(false);
    expect(isReadRequest(1)).toBe(false);
  });
});

describe('pending changes keep no views of tree data', () => {
  it('a prepared setACL holds its own copy of the node data, which outlives a compaction', () => {
    const h = new Harness();
    h.write(create('/a', 0, OPEN, Buffer.from('keep me')));
    h.write(create('/b'));
    const big = 'z'.repeat(60_000);
    // 400 × 60 kB is past the slab's 16 MiB compaction threshold: applying them compacts the
    // data, and the chunks a tree view of /a pointed into are reused.
    const writes = Array.from({ length: 400 }, () => h.prepare(setData('/b', big)));
    const acl = h.prepare(setACL('/a', bobOnly(31)));
    const pending = h.pending.get('/a')!.data!;
    expect(h.tree.isDataView(pending)).toBe(false);
    for (const t of writes) h.applyTxn(t, OpCode.setData);
    expect(pending.toString()).toBe('keep me');
    expect(h.applyTxn(acl, OpCode.setACL).err).toBe(0);
    expect(h.tree.getNode('/a')!.data!.toString()).toBe('keep me');
  });
});

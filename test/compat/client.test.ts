/**
 * The raw client (src/client/zk-client.ts) against a real Apache ZooKeeper 3.8.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApacheZk, type ApacheZk } from '../support/apache-zk.js';
import { fourLetterWord, ZkClient, type WatchEvent } from '../../src/client/zk-client.js';
import { ErrorCode } from '../../src/node/proto/errors.js';
import { CreateMode, EventType, OpCode } from '../../src/node/proto/opcodes.js';

let zk: ApacheZk;
const clients: ZkClient[] = [];

async function client(opts: Parameters<typeof ZkClient.connect>[1] = {}): Promise<ZkClient> {
  const c = await ZkClient.connect(zk.connectString, { sessionTimeoutMs: 10_000, ...opts });
  clients.push(c);
  return c;
}

function nextWatch(c: ZkClient, timeoutMs = 10_000): Promise<WatchEvent> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no watch event')), timeoutMs);
    c.once('watch', (e: WatchEvent) => {
      clearTimeout(t);
      resolve(e);
    });
  });
}

function nextState(c: ZkClient, state: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no state ${state}`)), timeoutMs);
    const on = (s: string): void => {
      if (s !== state) return;
      clearTimeout(t);
      c.off('state', on);
      resolve();
    };
    c.on('state', on);
  });
}

beforeAll(async () => {
  zk = await startApacheZk();
});

afterAll(async () => {
  for (const c of clients) await c.close(2000).catch(() => undefined);
  await zk?.stop();
});

describe('ZkClient against Apache ZooKeeper 3.8', () => {
  it('negotiates a session with a 16-byte password', async () => {
    const c = await client({ sessionTimeoutMs: 6000 });
    expect(c.sessionId).not.toBe(0n);
    expect(c.passwd).toHaveLength(16);
    expect(c.negotiatedTimeoutMs).toBe(6000);
    const outside = await client({ sessionTimeoutMs: 1000 });
    expect(outside.negotiatedTimeoutMs).toBe(4000); // clamped to 2 × tickTime
    const noByte = await client({ readOnly: null });
    expect((await noByte.exists('/')).header.err).toBe(0);
  });

  it('runs CRUD with raw codes and decoded bodies', async () => {
    const c = await client();
    const created = await c.create('/crud', Buffer.from('v1'));
    expect(created.header.err).toBe(0);
    expect(created.response).toEqual({ kind: 'create', path: '/crud' });
    expect((await c.create('/crud')).header.err).toBe(ErrorCode.nodeExists);
    const got = await c.getData('/crud');
    expect(got.response?.kind).toBe('getData');
    if (got.response?.kind !== 'getData') throw new Error('unreachable');
    expect(got.response.data).toEqual(Buffer.from('v1'));
    expect(got.response.stat.dataLength).toBe(2);
    expect(got.header.zxid).toBeGreaterThan(0n);
    const set = await c.setData('/crud', Buffer.from('v22'), 0);
    expect(set.response?.kind).toBe('stat');
    expect((await c.setData('/crud', null, 0)).header.err).toBe(ErrorCode.badVersion);
    const c2 = await c.create2('/crud/child', null, undefined, CreateMode.persistentSequential);
    expect(c2.response).toMatchObject({ kind: 'create2', path: '/crud/child0000000000' });
    const kids = await c.getChildren2('/crud');
    expect(kids.response).toMatchObject({ kind: 'getChildren2', children: ['child0000000000'] });
    expect((await c.getData('/missing')).header.err).toBe(ErrorCode.noNode);
    expect((await c.exists('/missing')).response).toBeNull();
    expect((await c.delete('/crud')).header.err).toBe(ErrorCode.notEmpty);
    const acl = await c.getACL('/crud');
    expect(acl.response).toMatchObject({
      kind: 'getACL',
      acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
    });
    expect(
      (await c.setACL('/crud', [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], 0)).header
        .err,
    ).toBe(0);
    expect((await c.sync('/crud')).response).toEqual({ kind: 'path', path: '/crud' });
    expect((await c.getAllChildrenNumber('/crud')).response).toEqual({
      kind: 'allChildrenNumber',
      totalNumber: 1,
    });
    const ttl = await c.create('/crud/ttl', null, undefined, CreateMode.persistentWithTtl, 60_000);
    expect(ttl.response?.kind).toBe('create2');
    const container = await c.create('/container', null, undefined, CreateMode.container);
    expect(container.response?.kind).toBe('create2');
    await c.create('/eph', null, undefined, CreateMode.ephemeral);
    expect((await c.getEphemerals('/')).response).toEqual({
      kind: 'ephemerals',
      ephemerals: ['/eph'],
    });
    const who = await c.whoAmI();
    expect(who.response).toEqual({
      kind: 'whoAmI',
      clientInfo: [{ authScheme: 'ip', user: '127.0.0.1' }],
    });
    expect((await c.reconfig(null, null, 'server.1=127.0.0.1:2888:3888')).header.err).toBe(
      ErrorCode.reconfigDisabled,
    );
  });

  it('pipelines requests and matches replies in order', async () => {
    const c = await client();
    await c.create('/pipe');
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0
          ? c.create(`/pipe/n${i}`, Buffer.from(String(i)))
          : c.getData(`/pipe/n${i - 1}`),
      ),
    );
    replies.forEach((r, i) => {
      expect(r.header.err).toBe(0);
      if (i % 2 === 1)
        expect(r.response).toMatchObject({ kind: 'getData', data: Buffer.from(String(i - 1)) });
    });
    const xids = replies.map((r) => r.header.xid);
    expect(xids).toEqual([...xids].sort((a, b) => a - b));
  });

  it('multi reports per-op results with the failing code, and multiRead reads', async () => {
    const c = await client();
    const ok = await c.multi([
      {
        type: OpCode.create,
        request: {
          path: '/m',
          data: null,
          acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
          flags: 0,
        },
      },
      { type: OpCode.setData, request: { path: '/m', data: Buffer.from('x'), version: 0 } },
      { type: OpCode.check, request: { path: '/m', version: 1 } },
    ]);
    expect(ok.header.err).toBe(0);
    expect(ok.response).toMatchObject({
      kind: 'multi',
      results: [{ type: 1, path: '/m' }, { type: 5 }, { type: 13 }],
    });
    const bad = await c.multi([
      { type: OpCode.check, request: { path: '/m', version: 1 } },
      { type: OpCode.check, request: { path: '/m', version: 7 } },
      { type: OpCode.delete, request: { path: '/m', version: -1 } },
    ]);
    expect(bad.header.err).toBe(0);
    expect(bad.response).toEqual({
      kind: 'multi',
      results: [
        { type: -1, err: 0 },
        { type: -1, err: ErrorCode.badVersion },
        { type: -1, err: ErrorCode.runtimeInconsistency },
      ],
    });
    const read = await c.multiRead([
      { type: OpCode.getData, request: { path: '/m', watch: false } },
      { type: OpCode.getChildren, request: { path: '/nope', watch: false } },
    ]);
    expect(read.response).toMatchObject({
      kind: 'multi',
      results: [
        { type: 4, data: Buffer.from('x') },
        { type: -1, err: ErrorCode.noNode },
      ],
    });
  });

  it('multi edge cases decide as records.ts decodes them (Apache MultiOperationRecord)', async () => {
    const c = await client();
    const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
    // TTL flags on a plain create op: the whole multi fails with MarshallingError.
    const ttlFlags = await c.multi([
      { type: OpCode.create, request: { path: '/e1', data: null, acl, flags: 5 } },
    ]);
    expect(ttlFlags.header.err).toBe(ErrorCode.marshallingError);
    // Unknown flags decode fine and fail the op itself with BadArguments.
    const flags7 = await c.multi([
      { type: OpCode.create, request: { path: '/e2', data: null, acl, flags: 7 } },
    ]);
    expect(flags7.response).toEqual({
      kind: 'multi',
      results: [{ type: -1, err: ErrorCode.badArguments }],
    });
    // Reads in multi, writes in multiRead, non-multi ops: MarshallingError.
    const read = await c.request(OpCode.multi, {
      ops: [{ type: OpCode.getData, request: { path: '/', watch: false } }],
    });
    expect(read.header.err).toBe(ErrorCode.marshallingError);
    const write = await c.request(OpCode.multiRead, {
      ops: [{ type: OpCode.delete, request: { path: '/x', version: -1 } }],
    });
    expect(write.header.err).toBe(ErrorCode.marshallingError);
    // A create2 op is a plain create inside multi: its result is a CreateResponse (type 1).
    const c2 = await c.multi([
      { type: OpCode.create2, request: { path: '/e3', data: null, acl, flags: 0 } },
    ]);
    expect(c2.response).toEqual({ kind: 'multi', results: [{ type: 1, path: '/e3' }] });
    // The watch flag inside multiRead ops is ignored.
    const events: WatchEvent[] = [];
    c.on('watch', (e: WatchEvent) => events.push(e));
    expect(
      (await c.multiRead([{ type: OpCode.getData, request: { path: '/e3', watch: true } }])).header
        .err,
    ).toBe(0);
    await c.setData('/e3', Buffer.from('x'));
    await c.sync('/');
    expect(events).toEqual([]);
  });

  it('delivers one-shot and persistent watches; check/remove watches', async () => {
    const c = await client();
    const other = await client();
    await c.create('/w', Buffer.from('a'));
    await c.getData('/w', true);
    const fired = nextWatch(c);
    await other.setData('/w', Buffer.from('b'));
    const ev = await fired;
    expect(ev).toMatchObject({ type: EventType.nodeDataChanged, state: 3, path: '/w' });
    // Apache 3.8 sends -1 in every notification header (3.9 sends the firing txn's zxid).
    expect(ev.zxid).toBe(-1n);
    const add = await c.addWatch('/w', 1);
    expect(add.header.err).toBe(0);
    expect(add.response).toEqual({ kind: 'errorResponse', err: 0 });
    const created = nextWatch(c);
    await other.create('/w/kid');
    expect(await created).toMatchObject({ type: EventType.nodeCreated, path: '/w/kid' });
    // Apache 3.8 knows only WatcherType 1-3 here: persistent types are a marshalling error.
    expect((await c.checkWatches('/w', 5)).header.err).toBe(ErrorCode.marshallingError);
    expect((await c.checkWatches('/w', 3)).header.err).toBe(0);
    expect((await c.removeWatches('/w', 3)).header.err).toBe(0);
    expect((await c.checkWatches('/w', 3)).header.err).toBe(ErrorCode.noWatcher);
    expect((await c.checkWatches('/w', 2)).header.err).toBe(ErrorCode.noWatcher);
  });

  it('reconnects by itself with the same session', async () => {
    const c = await client({ sessionTimeoutMs: 10_000 });
    const id = c.sessionId;
    const states: string[] = [];
    c.on('state', (s: string) => states.push(s));
    const back = nextState(c, 'connected');
    c.dropConnection();
    await back;
    expect(states).toEqual(['disconnected', 'connecting', 'connected']);
    expect(c.sessionId).toBe(id);
    expect((await c.exists('/')).header.err).toBe(0);
  });

  it('re-sends watches with setWatches after a reconnect (relativeZxid = last zxid)', async () => {
    const c = await client({ sessionTimeoutMs: 10_000, reconnect: false });
    const other = await client();
    await c.create('/rw', Buffer.from('1'));
    await c.getData('/rw', true);
    await c.exists('/rw-later', true);
    await c.getChildren('/rw', true);
    const id = c.sessionId;
    const down = nextState(c, 'disconnected');
    c.dropConnection();
    await down;
    expect((await c.getData('/rw')).header.err).toBe(ErrorCode.connectionLoss);
    await other.setData('/rw', Buffer.from('2'));
    await other.create('/rw-later');
    const events: WatchEvent[] = [];
    c.on('watch', (e: WatchEvent) => events.push(e));
    await c.reconnect();
    expect(c.sessionId).toBe(id);
    await c.sync('/'); // the setWatches reply (and its events) come before this one
    expect(events).toEqual(
      expect.arrayContaining([
        { type: EventType.nodeDataChanged, state: 3, path: '/rw', zxid: -1n },
        { type: EventType.nodeCreated, state: 3, path: '/rw-later', zxid: -1n },
      ]),
    );
    expect(events).toHaveLength(2);
    // The child watch was re-registered, not fired: it fires on the next child change.
    const kid = nextWatch(c);
    await other.create('/rw/kid');
    expect(await kid).toMatchObject({ type: EventType.nodeChildrenChanged, path: '/rw' });
  });

  it('authenticates and reports an expired session', async () => {
    const c = await client();
    expect((await c.addAuth('digest', 'user:password')).header.err).toBe(0);
    const who = await c.whoAmI();
    expect(who.response).toMatchObject({ kind: 'whoAmI' });
    if (who.response?.kind !== 'whoAmI') throw new Error('unreachable');
    expect(who.response.clientInfo).toContainEqual({ authScheme: 'digest', user: 'user' });
    await expect(
      ZkClient.connect(zk.connectString, {
        sessionId: 0x1234n,
        passwd: Buffer.alloc(16),
        reconnect: false,
      }),
    ).rejects.toMatchObject({ code: ErrorCode.sessionExpired });
  });

  it('resumes a session from a second client with id and password', async () => {
    const a = await client({ reconnect: false });
    await a.create('/resume-eph', null, undefined, CreateMode.ephemeral);
    a.dropConnection();
    const b = await client({ sessionId: a.sessionId, passwd: a.passwd });
    expect(b.sessionId).toBe(a.sessionId);
    const e = await b.getEphemerals('/resume');
    expect(e.response).toEqual({ kind: 'ephemerals', ephemerals: ['/resume-eph'] });
  });

  it('closes the session', async () => {
    const c = await ZkClient.connect(zk.connectString);
    await c.create('/closing', null, undefined, CreateMode.ephemeral);
    const reply = await c.close();
    expect(reply?.header.err).toBe(0);
    expect(c.state).toBe('closed');
    const d = await client();
    expect((await d.exists('/closing')).header.err).toBe(ErrorCode.noNode);
  });

  it('speaks four-letter words', async () => {
    expect(await fourLetterWord(zk.host, zk.port, 'ruok')).toBe('imok');
    expect(await fourLetterWord(zk.host, zk.port, 'srvr')).toMatch(/^Zookeeper version: 3\.8/);
  });
});

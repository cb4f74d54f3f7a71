/**
 * node-zookeeper-client (npm) scenarios against the target (ZK_TARGET=apache|zkts): every
 * create mode, versions, watches, multi, ACLs, ephemerals seen by another client, and
 * reattaching a session by id and password.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  callStat,
  codeOf,
  connectClient,
  zk,
  type NodeZkClient,
  type NodeZkEvent,
} from '../support/node-zk.js';
import { startTarget, targetKind, type Target } from '../support/target.js';
import { follows39 } from '../support/zk39.js';

const kind = targetKind();
let target: Target;
const clients: NodeZkClient[] = [];

async function client(opts: Record<string, unknown> = {}): Promise<NodeZkClient> {
  const c = await connectClient(target.connectString, opts);
  clients.push(c);
  return c;
}

/** A promise for the next event a one-shot watcher sees. */
function watcher(): { fn: (e: NodeZkEvent) => void; event: Promise<NodeZkEvent> } {
  let fn!: (e: NodeZkEvent) => void;
  const event = new Promise<NodeZkEvent>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no watch event within 10 s')), 10_000);
    fn = (e) => {
      clearTimeout(t);
      resolve(e);
    };
  });
  return { fn, event };
}

const E = zk.Exception;

interface ConnMgr {
  socket: { destroy(): void; removeAllListeners(event: string): void };
}

beforeAll(async () => {
  target = await startTarget();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await target?.stop();
});

describe(`node-zookeeper-client against ${kind}`, () => {
  it('creates in every mode', async () => {
    const c = await client();
    expect(await call((cb) => c.create('/modes', Buffer.from('root'), cb))).toBe('/modes');
    expect(
      await call((cb) => c.create('/modes/e', Buffer.from('e'), zk.CreateMode.EPHEMERAL, cb)),
    ).toBe('/modes/e');
    const s1 = await call<string>((cb) =>
      c.create('/modes/s-', Buffer.alloc(0), zk.CreateMode.PERSISTENT_SEQUENTIAL, cb),
    );
    const s2 = await call<string>((cb) =>
      c.create('/modes/s-', Buffer.alloc(0), zk.CreateMode.EPHEMERAL_SEQUENTIAL, cb),
    );
    // The parent's cversion (2 creates so far) numbers the children.
    expect(s1).toBe('/modes/s-0000000001');
    expect(s2).toBe('/modes/s-0000000002');
    const { stat } = await callStat<Buffer>((cb) => c.getData('/modes/e', cb));
    expect(stat!.ephemeralOwner.equals(c.getSessionId())).toBe(true);
    expect(await codeOf(call((cb) => c.create('/modes', cb)))).toBe(E.NODE_EXISTS);
    expect(await codeOf(call((cb) => c.create('/nope/child', cb)))).toBe(E.NO_NODE);
    expect(
      await codeOf(call((cb) => c.create('/modes/e/child', zk.CreateMode.PERSISTENT, cb))),
    ).toBe(E.NO_CHILDREN_FOR_EPHEMERALS);
    // The library has no CONTAINER constant; Apache 3.8 takes the container flag (4) on a
    // plain create too.
    expect(await call((cb) => c.create('/modes/c', 4, cb))).toBe('/modes/c');
    const kids = await call<string[]>((cb) => c.getChildren('/modes', cb));
    expect([...kids!].sort()).toEqual(['c', 'e', 's-0000000001', 's-0000000002']);
  });

  it('reads and writes with versions', async () => {
    const c = await client();
    await call((cb) => c.create('/ver', Buffer.from('a'), cb));
    const r1 = await callStat<Buffer>((cb) => c.getData('/ver', cb));
    expect(r1.value!.toString()).toBe('a');
    expect(r1.stat!.version).toBe(0);
    expect(r1.stat!.dataLength).toBe(1);
    const s = await call<{ version: number }>((cb) => c.setData('/ver', Buffer.from('bb'), 0, cb));
    expect(s!.version).toBe(1);
    expect(await codeOf(call((cb) => c.setData('/ver', Buffer.from('c'), 0, cb)))).toBe(
      E.BAD_VERSION,
    );
    expect(await codeOf(call((cb) => c.setData('/ver', Buffer.from('c'), -1, cb)))).toBe(0);
    expect(await codeOf(call((cb) => c.remove('/ver', 1, cb)))).toBe(E.BAD_VERSION);
    expect(await codeOf(call((cb) => c.setData('/missing', Buffer.from('c'), -1, cb)))).toBe(
      E.NO_NODE,
    );
    const st = await call<{ version: number; numChildren: number }>((cb) => c.exists('/ver', cb));
    expect(st!.version).toBe(2);
    expect(await call((cb) => c.exists('/missing', cb))).toBeNull();
    await call((cb) => c.create('/ver/k', cb));
    expect(await codeOf(call((cb) => c.remove('/ver', -1, cb)))).toBe(E.NOT_EMPTY);
    await call((cb) => c.remove('/ver/k', -1, cb));
    await call((cb) => c.remove('/ver', 2, cb));
    expect(await call((cb) => c.exists('/ver', cb))).toBeNull();
    const root = await call<string[]>((cb) => c.getChildren('/', cb));
    expect(root).toContain('zookeeper');
  });

  it('fires data, child and exists watches', async () => {
    const a = await client();
    const b = await client();
    await call((cb) => a.create('/w', Buffer.from('0'), cb));
    const dw = watcher();
    await call((cb) => a.getData('/w', dw.fn, cb));
    const cw = watcher();
    await call((cb) => a.getChildren('/w', cw.fn, cb));
    const ew = watcher();
    expect(await call((cb) => a.exists('/w/new', ew.fn, cb))).toBeNull();
    await call((cb) => b.setData('/w', Buffer.from('1'), -1, cb));
    const d = await dw.event;
    expect([d.getType(), d.getPath()]).toEqual([zk.Event.NODE_DATA_CHANGED, '/w']);
    await call((cb) => b.create('/w/new', cb));
    const e = await ew.event;
    expect([e.getType(), e.getPath()]).toEqual([zk.Event.NODE_CREATED, '/w/new']);
    const ch = await cw.event;
    expect([ch.getType(), ch.getPath()]).toEqual([zk.Event.NODE_CHILDREN_CHANGED, '/w']);
    const del = watcher();
    await call((cb) => a.getData('/w/new', del.fn, cb));
    await call((cb) => b.remove('/w/new', -1, cb));
    const x = await del.event;
    expect([x.getType(), x.getPath()]).toEqual([zk.Event.NODE_DELETED, '/w/new']);
  });

  it('runs a multi and rolls back a failing one', async () => {
    const c = await client();
    const ok = await call<{ type: number; path?: string; stat?: { version: number } }[]>((cb) =>
      c
        .transaction()
        .create('/tx', Buffer.from('t'))
        .create('/tx/a')
        .setData('/tx', Buffer.from('u'), 0)
        .check('/tx', 1)
        .commit(cb),
    );
    expect(ok!.map((r) => r.type)).toEqual([1, 1, 5, 13]);
    expect(ok!.map((r) => r.path ?? r.stat?.version)).toEqual(['/tx', '/tx/a', 1, undefined]);
    const bad = await new Promise<{ err: number; results: { type: number; err: number }[] }>(
      (resolve) =>
        c
          .transaction()
          .create('/tx/b')
          .check('/tx', 7)
          .remove('/tx/a')
          .commit((err, results) => resolve({ err: err?.code ?? 0, results: results ?? [] })),
    );
    expect(bad.err).toBe(E.BAD_VERSION);
    // Every result is an error record (-1): ops before the failure say OK (0), the failing
    // op its own code, the ops after it RUNTIME_INCONSISTENCY (-2).
    expect(bad.results.map((r) => [r.type, r.err])).toEqual([
      [-1, 0],
      [-1, E.BAD_VERSION],
      [-1, E.RUNTIME_INCONSISTENCY],
    ]);
    expect(await call((cb) => c.exists('/tx/b', cb))).toBeNull();
    expect(await call((cb) => c.exists('/tx/a', cb))).not.toBeNull();
  });

  it('enforces digest ACLs', async () => {
    const owner = await client();
    owner.addAuthInfo('digest', Buffer.from('alice:secret'));
    const creatorAll = [new zk.ACL(zk.Permission.ALL, new zk.Id('auth', ''))];
    await call((cb) => owner.create('/acl', Buffer.from('private'), creatorAll, cb));
    const acls = await call<{ permission: number; id: { scheme: string; id: string } }[]>((cb) =>
      owner.getACL('/acl', cb),
    );
    // digest id = user:base64(sha1("user:password"))
    expect(acls).toHaveLength(1);
    expect(acls![0]!.id.scheme).toBe('digest');
    const digest = createHash('sha1').update('alice:secret').digest('base64');
    expect(acls![0]!.id.id).toBe(`alice:${digest}`);
    expect(acls![0]!.permission).toBe(zk.Permission.ALL);
    expect((await call<Buffer>((cb) => owner.getData('/acl', cb)))!.toString()).toBe('private');

    const stranger = await client();
    expect(await codeOf(call((cb) => stranger.getData('/acl', cb)))).toBe(E.NO_AUTH);
    expect(await codeOf(call((cb) => stranger.setData('/acl', Buffer.from('x'), -1, cb)))).toBe(
      E.NO_AUTH,
    );
    // exists needs no permission in 3.8; 3.9 (and zkts) check READ (zk39Differences.existsChecksRead).
    if (follows39(target.kind))
      expect(await codeOf(call((cb) => stranger.exists('/acl', cb)))).toBe(E.NO_AUTH);
    else expect(await call((cb) => stranger.exists('/acl', cb))).not.toBeNull();
    const friend = await client();
    friend.addAuthInfo('digest', Buffer.from('alice:secret'));
    expect((await call<Buffer>((cb) => friend.getData('/acl', cb)))!.toString()).toBe('private');
    // Read-only for everyone, via setACL with a version.
    const readAll = [new zk.ACL(zk.Permission.READ, new zk.Id('world', 'anyone'))];
    await call((cb) => owner.setACL('/acl', readAll, 0, cb));
    expect((await call<Buffer>((cb) => stranger.getData('/acl', cb)))!.toString()).toBe('private');
    expect(await codeOf(call((cb) => owner.setData('/acl', Buffer.from('x'), -1, cb)))).toBe(
      E.NO_AUTH,
    );
    expect(await codeOf(call((cb) => owner.setACL('/acl', readAll, 0, cb)))).toBe(E.NO_AUTH);
  });

  it('removes ephemerals when their session closes, seen by another client', async () => {
    const watcherClient = await client();
    const owner = await client();
    await call((cb) => owner.create('/eph', Buffer.from('x'), zk.CreateMode.EPHEMERAL, cb));
    const w = watcher();
    expect(await call((cb) => watcherClient.exists('/eph', w.fn, cb))).not.toBeNull();
    owner.close();
    const e = await w.event;
    expect([e.getType(), e.getPath()]).toEqual([zk.Event.NODE_DELETED, '/eph']);
    expect(await call((cb) => watcherClient.exists('/eph', cb))).toBeNull();
  });

  it('reattaches a session by id and password, keeping its ephemerals', async () => {
    const first = await client({ sessionTimeout: 20_000 });
    await call((cb) => first.create('/reattach', Buffer.alloc(0), zk.CreateMode.EPHEMERAL, cb));
    const id = first.getSessionId();
    // Drop the first connection without closing the session, and keep the library from
    // reconnecting (it would take the session back from the second client).
    const cm = (first as unknown as { connectionManager: ConnMgr }).connectionManager;
    // (Its close listener is bound when the socket is made, so it is removed from the socket.)
    cm.socket.removeAllListeners('close');
    cm.socket.destroy();
    const second = await client({
      sessionTimeout: 20_000,
      sessionId: id,
      sessionPassword: first.getSessionPassword(),
    });
    expect(second.getSessionId().equals(id)).toBe(true);
    const { stat } = await callStat<Buffer>((cb) => second.getData('/reattach', cb));
    expect(stat!.ephemeralOwner.equals(id)).toBe(true);
    // A wrong password gets an expired session instead.
    const bad = zk.createClient(target.connectString, {
      sessionTimeout: 20_000,
      retries: 0,
      sessionId: id,
      sessionPassword: Buffer.alloc(16, 7),
    });
    clients.push(bad);
    const state = await new Promise<string>((resolve) => {
      bad.once('expired', () => resolve('expired'));
      bad.once('connected', () => resolve('connected'));
      bad.connect();
    });
    expect(state).toBe('expired');
  });
});

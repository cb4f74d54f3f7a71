import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WatchRegistry } from './watch-registry.js';
import type { Delivery, WatchTrigger } from './watch-trigger.js';

const all = () => true;
const created = (path: string, zxid = 5n): WatchTrigger => ({ type: 1, path, zxid });
const deleted = (path: string, zxid = 5n): WatchTrigger => ({ type: 2, path, zxid });
const changed = (path: string, zxid = 5n): WatchTrigger => ({ type: 3, path, zxid });
const children = (path: string, zxid = 5n): WatchTrigger => ({ type: 4, path, zxid });
const ev = (watcher: number, type: number, path: string, zxid = 5n): Delivery => ({
  watcher,
  event: { type, state: 3, path },
  zxid,
});

describe('WatchRegistry one-shot watches', () => {
  it('data watches fire NodeCreated/NodeDataChanged once, then are gone', () => {
    const w = new WatchRegistry();
    w.add(1, '/a', 'data');
    w.add(1, '/a', 'data');
    w.add(2, '/a', 'data');
    expect(w.trigger(changed('/a'), all)).toEqual([ev(1, 3, '/a'), ev(2, 3, '/a')]);
    expect(w.trigger(changed('/a'), all)).toEqual([]);
    w.add(1, '/b', 'data');
    expect(w.trigger(created('/b', 7n), all)).toEqual([ev(1, 1, '/b', 7n)]);
    expect(w.watchCount()).toBe(0);
  });

  it('child watches fire only NodeChildrenChanged (and NodeDeleted)', () => {
    const w = new WatchRegistry();
    w.add(1, '/p', 'child');
    expect(w.trigger(changed('/p'), all)).toEqual([]);
    expect(w.trigger(created('/p'), all)).toEqual([]);
    expect(w.trigger(children('/p'), all)).toEqual([ev(1, 4, '/p')]);
    expect(w.trigger(children('/p'), all)).toEqual([]);
  });

  it('NodeDeleted hits data and child watches, at most once per connection', () => {
    const w = new WatchRegistry();
    w.add(1, '/a', 'data');
    w.add(1, '/a', 'child');
    w.add(2, '/a', 'child');
    w.add(3, '/a', 'data');
    expect(w.trigger(deleted('/a'), all)).toEqual([ev(1, 2, '/a'), ev(3, 2, '/a'), ev(2, 2, '/a')]);
    // The suppressed child watch of connection 1 was consumed too.
    expect(w.watchCount()).toBe(0);
  });

  it('drops events canRead refuses, but still consumes the watch', () => {
    const w = new WatchRegistry();
    w.add(1, '/a', 'data');
    w.add(2, '/a', 'data');
    const asked: Array<[number, string]> = [];
    const out = w.trigger(changed('/a'), (watcher, path) => {
      asked.push([watcher, path]);
      return watcher === 2;
    });
    expect(out).toEqual([ev(2, 3, '/a')]);
    expect(asked).toEqual([
      [1, '/a'],
      [2, '/a'],
    ]);
    expect(w.check(1, '/a', 2)).toBe(false);
  });

  it('asks canRead about the parent for NodeChildrenChanged', () => {
    const w = new WatchRegistry();
    w.add(1, '/', 'child');
    const paths: string[] = [];
    w.trigger(children('/'), (_w, p) => (paths.push(p), true));
    expect(paths).toEqual(['/']);
  });
});

describe('WatchRegistry persistent watches', () => {
  it('persistent on P fires every event type for P itself and stays', () => {
    const w = new WatchRegistry();
    w.add(1, '/p', 'persistent');
    expect(w.watchCount()).toBe(2);
    for (let i = 0; i < 2; i++) {
      expect(w.trigger(created('/p'), all)).toEqual([ev(1, 1, '/p')]);
      expect(w.trigger(changed('/p'), all)).toEqual([ev(1, 3, '/p')]);
      expect(w.trigger(children('/p'), all)).toEqual([ev(1, 4, '/p')]);
      expect(w.trigger(deleted('/p'), all)).toEqual([ev(1, 2, '/p')]);
    }
    expect(w.trigger(changed('/p/c'), all)).toEqual([]);
    expect(w.trigger(children('/'), all)).toEqual([]);
    expect(w.persistentCounts()).toEqual({ persistent: 1, persistentRecursive: 0 });
  });

  it('persistent-recursive fires data events for P and descendants, never NodeChildrenChanged', () => {
    const w = new WatchRegistry();
    w.add(1, '/p', 'persistentRecursive');
    expect(w.watchCount()).toBe(1);
    expect(w.trigger(created('/p'), all)).toEqual([ev(1, 1, '/p')]);
    expect(w.trigger(created('/p/c'), all)).toEqual([ev(1, 1, '/p/c')]);
    expect(w.trigger(changed('/p/c/d'), all)).toEqual([ev(1, 3, '/p/c/d')]);
    expect(w.trigger(deleted('/p/c'), all)).toEqual([ev(1, 2, '/p/c')]);
    expect(w.trigger(children('/p'), all)).toEqual([]);
    expect(w.trigger(changed('/pq'), all)).toEqual([]);
    expect(w.trigger(changed('/'), all)).toEqual([]);
    expect(w.persistentCounts()).toEqual({ persistent: 0, persistentRecursive: 1 });
  });

  it('recursive on "/" sees everything; one event per connection across ancestors', () => {
    const w = new WatchRegistry();
    w.add(1, '/', 'persistentRecursive');
    w.add(1, '/a', 'persistentRecursive');
    w.add(1, '/a/b', 'data');
    w.add(2, '/a', 'persistentRecursive');
    expect(w.trigger(changed('/a/b'), all)).toEqual([ev(1, 3, '/a/b'), ev(2, 3, '/a/b')]);
    // connection 1's one-shot watch on /a/b was consumed; its recursive ones remain.
    expect(w.check(1, '/a/b', 2)).toBe(false);
    // Nearest ancestor first: /a holds 1 then 2; / adds nothing new.
    expect(w.trigger(changed('/a/b'), all)).toEqual([ev(1, 3, '/a/b'), ev(2, 3, '/a/b')]);
  });

  it('modes on the same path coexist (Apache 3.9, ZOOKEEPER-4466)', () => {
    const w = new WatchRegistry();
    w.add(1, '/p', 'persistent');
    w.add(1, '/p', 'data');
    w.add(1, '/p', 'persistentRecursive');
    expect(w.trigger(changed('/p'), all)).toEqual([ev(1, 3, '/p')]);
    expect(w.check(1, '/p', 2)).toBe(false);
    expect(w.check(1, '/p', 4)).toBe(true);
    expect(w.check(1, '/p', 5)).toBe(true);
    expect(w.trigger(changed('/p'), all)).toEqual([ev(1, 3, '/p')]);
  });
});

describe('WatchRegistry check/remove (WatcherType 1..5)', () => {
  it('Children and Data see only one-shot watches of their manager', () => {
    const w = new WatchRegistry();
    w.add(1, '/a', 'persistent');
    expect(w.check(1, '/a', 1)).toBe(false);
    expect(w.check(1, '/a', 2)).toBe(false);
    expect(w.check(1, '/a', 3)).toBe(true);
    expect(w.check(1, '/a', 4)).toBe(true);
    expect(w.remove(1, '/a', 2)).toBe(false);
    w.add(1, '/a', 'child');
    expect(w.check(1, '/a', 1)).toBe(true);
    expect(w.remove(1, '/a', 1)).toBe(true);
    expect(w.remove(1, '/a', 1)).toBe(false);
    expect(w.check(1, '/a', 4)).toBe(true);
  });

  it('Persistent removes from both managers; Any removes every kind', () => {
    const w = new WatchRegistry();
    w.add(1, '/a', 'persistent');
    expect(w.remove(1, '/a', 4)).toBe(true);
    expect(w.watchCount()).toBe(0);
    expect(w.remove(1, '/a', 4)).toBe(false);
    w.add(1, '/a', 'data');
    w.add(1, '/a', 'child');
    w.add(1, '/a', 'persistentRecursive');
    expect(w.remove(2, '/a', 3)).toBe(false);
    expect(w.remove(1, '/a', 3)).toBe(true);
    expect(w.watchCount()).toBe(0);
    expect(w.persistentCounts()).toEqual({ persistent: 0, persistentRecursive: 0 });
    expect(w.check(1, '/a', 3)).toBe(false);
    expect(w.remove(1, '/a', 3)).toBe(false);
  });

  it('PersistentRecursive only matches recursive watches; unknown types match nothing', () => {
    const w = new WatchRegistry();
    w.add(1, '/a', 'persistentRecursive');
    expect(w.check(1, '/a', 4)).toBe(false);
    expect(w.check(1, '/a', 5)).toBe(true);
    expect(w.check(1, '/a', 9)).toBe(false);
    expect(w.remove(1, '/a', 9)).toBe(false);
    expect(w.remove(1, '/a', 5)).toBe(true);
    // No recursive watch left: descendants no longer fire.
    expect(w.trigger(changed('/a/b'), all)).toEqual([]);
  });

  it('removeWatcher drops every watch of a connection', () => {
    const w = new WatchRegistry();
    w.add(1, '/a', 'data');
    w.add(1, '/b', 'child');
    w.add(1, '/c', 'persistent');
    w.add(1, '/d', 'persistentRecursive');
    w.add(2, '/a', 'data');
    w.removeWatcher(1);
    expect(w.watchCount()).toBe(1);
    expect(w.trigger(changed('/d/e'), all)).toEqual([]);
    expect(w.trigger(changed('/a'), all)).toEqual([ev(2, 3, '/a')]);
  });
});

describe('WatchRegistry setWatches', () => {
  const tree = new Map([
    ['/old', { mzxid: 3n, pzxid: 3n }],
    ['/new', { mzxid: 9n, pzxid: 9n }],
  ]);
  const lookup = (p: string) => tree.get(p);

  it('answers what was missed at once (zxid -1) and registers the rest', () => {
    const w = new WatchRegistry();
    const out = w.setWatches(
      7,
      {
        relativeZxid: 5n,
        dataWatches: ['/old', '/new', '/gone'],
        existWatches: ['/old', '/gone'],
        childWatches: ['/old', '/new', '/gone'],
        persistentWatches: ['/gone'],
        persistentRecursiveWatches: ['/r'],
      },
      lookup,
    );
    expect(out).toEqual([
      ev(7, 3, '/new', -1n),
      ev(7, 2, '/gone', -1n),
      ev(7, 1, '/old', -1n),
      ev(7, 4, '/new', -1n),
      ev(7, 2, '/gone', -1n),
    ]);
    expect(w.check(7, '/old', 2)).toBe(true);
    expect(w.check(7, '/gone', 2)).toBe(true);
    expect(w.check(7, '/old', 1)).toBe(true);
    expect(w.check(7, '/gone', 4)).toBe(true);
    expect(w.check(7, '/r', 5)).toBe(true);
    expect(w.check(7, '/new', 3)).toBe(false);
    // pairs: data /old, /gone, /r; child /old, /gone (the persistent /gone shares its pairs)
    expect(w.watchCount()).toBe(5);
  });
});

describe('WatchRegistry stats for 4lw', () => {
  // Checked live against Apache 3.8 with kazoo: two connections with getData watches on /a,
  // one exists watch on /missing and two child watches gave wchs "2 connections watching 2
  // paths / Total watches:3" and zk_watch_count 5.
  it('wchs/wchc/wchp count data watches only; mntr counts both managers', () => {
    const w = new WatchRegistry();
    w.add(1, '/a', 'data');
    w.add(1, '/b', 'data');
    w.add(2, '/a', 'data');
    w.add(2, '/c', 'child');
    w.add(3, '/p', 'persistent');
    expect(w.summary()).toEqual({ connections: 3, paths: 3, totalWatches: 4 });
    expect(w.watchCount()).toBe(6);
    expect(w.byWatcher()).toEqual(
      new Map([
        [1, ['/a', '/b']],
        [2, ['/a']],
        [3, ['/p']],
      ]),
    );
    expect(w.byPath()).toEqual(
      new Map([
        ['/a', [1, 2]],
        ['/b', [1]],
        ['/p', [3]],
      ]),
    );
  });
});

describe('WatchRegistry properties', () => {
  it('watch counts stay consistent and a removed connection never gets events', () => {
    const path = fc.constantFrom('/', '/a', '/a/b', '/a/b/c', '/x');
    const op = fc.oneof(
      fc.record({
        op: fc.constant('add' as const),
        w: fc.integer({ min: 1, max: 4 }),
        path,
        kind: fc.constantFrom('data', 'child', 'persistent', 'persistentRecursive' as const),
      }),
      fc.record({
        op: fc.constant('trigger' as const),
        type: fc.constantFrom(1, 2, 3, 4 as const),
        path,
      }),
      fc.record({
        op: fc.constant('remove' as const),
        w: fc.integer({ min: 1, max: 4 }),
        path,
        t: fc.integer({ min: 1, max: 5 }),
      }),
      fc.record({ op: fc.constant('close' as const), w: fc.integer({ min: 1, max: 4 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const w = new WatchRegistry();
        const closed = new Set<number>();
        for (const o of ops) {
          if (o.op === 'add') {
            closed.delete(o.w);
            w.add(o.w, o.path, o.kind as 'data');
          } else if (o.op === 'trigger') {
            const out = w.trigger({ type: o.type as 1, path: o.path, zxid: 1n }, all);
            const seen = out.map((d) => d.watcher);
            expect(new Set(seen).size).toBe(seen.length);
            for (const d of out) expect(closed.has(d.watcher)).toBe(false);
          } else if (o.op === 'remove') {
            w.remove(o.w, o.path, o.t);
          } else {
            w.removeWatcher(o.w);
            closed.add(o.w);
          }
          const byPath = [...w.byPath().values()].reduce((n, ws) => n + ws.length, 0);
          const byWatcher = [...w.byWatcher().values()].reduce((n, ps) => n + ps.length, 0);
          expect(byPath).toBe(byWatcher);
          expect(w.summary().totalWatches).toBe(byPath);
        }
      }),
    );
  });
});

describe('WatchRegistry.mayFire (the no-watch fast path of every write)', () => {
  it('is false only where no registered watch could fire', () => {
    const w = new WatchRegistry();
    for (const t of [created('/a'), deleted('/a'), changed('/a'), children('/a')])
      expect(w.mayFire(t)).toBe(false);
    w.add(1, '/a', 'data');
    expect([created('/a'), changed('/a'), deleted('/a')].map((t) => w.mayFire(t))).toEqual([
      true,
      true,
      true,
    ]);
    expect(w.mayFire(children('/a'))).toBe(false);
    expect(w.mayFire(changed('/b'))).toBe(false);
    w.add(2, '/b', 'child');
    expect([children('/b'), deleted('/b'), changed('/b')].map((t) => w.mayFire(t))).toEqual([
      true,
      true,
      false,
    ]);
    w.add(3, '/x', 'persistentRecursive');
    expect(w.mayFire(changed('/x/y/z'))).toBe(true);
    expect(w.trigger(changed('/x/y/z'), all)).toEqual([ev(3, 3, '/x/y/z')]);
  });
});

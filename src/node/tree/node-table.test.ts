import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataSlab } from './data-slab.js';
import { HI, LO, NONE, NodeTable } from './node-table.js';

/** Up to 300 (kind, node 0-40, small value) steps for the per-node field tests. */
const fieldOps = <K extends string>(...kinds: K[]) =>
  fc.array(
    fc.tuple(
      fc.constantFrom(...kinds),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 3 }),
    ),
    { maxLength: 300 },
  );

/** Parents before children: the paths of a small tree, some names non-ASCII. */
const NAMES = ['a', 'b', 'ü', '日本', 'x'.repeat(200)];

describe('NodeTable', () => {
  it('finds, adds and deletes like a Map, through index growth and id reuse', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 })), { maxLength: 600 }),
        (ops) => {
          const t = new NodeTable();
          const root = t.add('/', NONE);
          const model = new Map<string, number>();
          for (const [add, k] of ops) {
            const path = `/p${k}`;
            if (add) {
              const id = t.findOrAdd(path, root);
              if (model.has(path)) expect(id).toBe(-(model.get(path)! + 2));
              else {
                expect(id).toBeGreaterThanOrEqual(0);
                expect(t.dataLen[id]).toBe(-1);
                expect(t.firstChild(id)).toBe(NONE);
                expect(t.childCount(id)).toBe(0);
                expect(t.parentOf(id)).toBe(root);
                model.set(path, id);
              }
            } else if (model.has(path)) {
              t.delete(model.get(path)!);
              model.delete(path);
            }
            expect(t.count()).toBe(model.size + 1);
          }
          for (let k = 0; k <= 300; k++) expect(t.find(`/p${k}`)).toBe(model.get(`/p${k}`) ?? NONE);
          expect(t.childCount(root)).toBe(model.size);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps names and paths of a nested tree, non-ASCII ones too, through deletes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.boolean(),
            fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 4 }),
          ),
          {
            maxLength: 200,
          },
        ),
        (ops) => {
          const t = new NodeTable();
          const root = t.add('/', NONE);
          const model = new Map<string, number>([['/', root]]);
          for (const [add, segments] of ops) {
            const path = `/${segments.join('/')}`;
            const parentPath = segments.length === 1 ? '/' : `/${segments.slice(0, -1).join('/')}`;
            const parent = model.get(parentPath);
            if (add && parent !== undefined && !model.has(path))
              model.set(path, t.add(path, parent));
            const id = model.get(path);
            const leaf =
              id !== undefined && [...model.keys()].every((p) => !p.startsWith(`${path}/`));
            if (!add && id !== undefined && leaf) {
              t.delete(id);
              model.delete(path);
            }
          }
          for (const [path, id] of model) {
            expect(t.find(path)).toBe(id);
            expect(t.pathOf(id)).toBe(path);
            expect(t.nameOf(id)).toBe(path === '/' ? '' : path.slice(path.lastIndexOf('/') + 1));
            const bytes = Buffer.alloc(2048);
            const n = t.writePath(id, bytes);
            expect(bytes.toString('utf8', 0, n)).toBe(path);
            expect(t.writePath(id, Buffer.alloc(0))).toBe(-Buffer.byteLength(path));
            const slash = path.lastIndexOf('/');
            if (path !== '/')
              expect(t.pathOf(t.parentOf(id))).toBe(slash === 0 ? '/' : path.slice(0, slash));
            expect(t.find(`${path}/zz`)).toBe(NONE);
          }
          expect(t.count()).toBe(model.size);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('tells a path from its prefixes and extensions', () => {
    const t = new NodeTable();
    const root = t.add('/', NONE);
    const a = t.add('/a', root);
    const ab = t.add('/a/b', a);
    const abc = t.add('/abc', root);
    expect(t.find('/a/b')).toBe(ab);
    expect(t.find('/ab')).toBe(NONE);
    expect(t.find('/a/bc')).toBe(NONE);
    expect(t.find('/abc')).toBe(abc);
    expect([t.parentOf(ab), t.parentOf(a), t.parentOf(abc), t.parentOf(root)]).toEqual([
      a,
      root,
      root,
      NONE,
    ]);
    expect([t.pathOf(ab), t.pathOf(abc), t.pathOf(root)]).toEqual(['/a/b', '/abc', '/']);
    expect(() => t.add('/c', NONE)).toThrow(/added under no parent/);
    expect(() => t.add('/a', root)).toThrow(/exists already/);
  });

  it('reuses the name arena: steady creates and deletes do not grow it without bound', () => {
    const t = new NodeTable();
    const root = t.add('/', NONE);
    const name = 'n'.repeat(100);
    const live: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      live.push(t.add(`/${name}${i}`, root));
      if (live.length > 100) t.delete(live.shift()!);
    }
    expect(t.count()).toBe(101);
    for (const id of live) expect(t.pathOf(id).startsWith(`/${name}`)).toBe(true);
    expect(t.find(`/${name}199999`)).toBe(live[live.length - 1]);
    expect(t.nameArenaBytes()).toBeLessThan(8 << 20);
  });

  it('keeps each child list in insertion order both ways through appends and removals', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 20 })),
          {
            maxLength: 300,
          },
        ),
        (ops) => {
          const t = new NodeTable();
          const root = t.add('/', NONE);
          const parents = ['a', 'b', 'c'].map((n) => t.add(`/${n}`, root));
          const model = parents.map(() => [] as string[]);
          const ids = new Map<string, number>();
          for (const [add, p, k] of ops) {
            const path = `/${'abc'[p]}/${k}`;
            if (add && !ids.has(path)) {
              ids.set(path, t.add(path, parents[p]!));
              model[p]!.push(String(k));
            } else if (!add && ids.has(path)) {
              t.delete(ids.get(path)!);
              ids.delete(path);
              model[p]!.splice(model[p]!.indexOf(String(k)), 1);
            }
          }
          parents.forEach((parent, p) => {
            const forward: string[] = [];
            for (let c = t.firstChild(parent); c !== NONE; c = t.nextSibling(c))
              forward.push(t.nameOf(c));
            const backward: string[] = [];
            for (let c = t.lastChild(parent); c !== NONE; c = t.prevSibling(c))
              backward.push(t.nameOf(c));
            expect(forward).toEqual(model[p]);
            expect(backward).toEqual([...model[p]!].reverse());
            expect(t.childCount(parent)).toBe(model[p]!.length);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps pzxid and cversion per node; a leaf takes a branch row only once it leaves the defaults', () => {
    fc.assert(
      fc.property(fieldOps('pzxid', 'cversion', 'recreate'), (ops) => {
        const t = new NodeTable();
        const root = t.add('/', NONE);
        const ids = new Map<number, number>();
        const model = new Map<
          number,
          { czxid: bigint; pzxid: bigint; cversion: number; row: boolean }
        >();
        const make = (k: number, czxid: bigint) => {
          const id = t.add(`/n${k}`, root);
          t.czxids[id] = czxid;
          ids.set(k, id);
          model.set(k, { czxid, pzxid: czxid, cversion: 0, row: false });
        };
        for (let k = 0; k <= 40; k++) make(k, BigInt(k * 1000));
        for (const [op, k, v] of ops) {
          const m = model.get(k)!;
          const id = ids.get(k)!;
          if (op === 'pzxid') {
            m.pzxid = m.czxid + BigInt(v);
            m.row ||= v !== 0;
            t.setPzxid(id, m.pzxid);
          } else if (op === 'cversion') {
            m.cversion = v;
            m.row ||= v !== 0;
            t.setCversion(id, v);
          } else {
            t.delete(id);
            make(k, BigInt(v));
          }
        }
        // A row, once taken, stays until the node is deleted; + 1 for the root (it has children).
        const rows = [...model.values()].filter((m) => m.row).length;
        expect(t.branchRowsInUse()).toBe(rows + 1);
        for (const [k, m] of model) {
          const id = ids.get(k)!;
          expect(t.pzxid(id)).toBe(m.pzxid);
          expect(t.cversion(id)).toBe(m.cversion);
          const words = new Int32Array(new BigInt64Array([m.pzxid]).buffer);
          expect(t.pzxidWord(id, HI)).toBe(words[HI]);
          expect(t.pzxidWord(id, LO)).toBe(words[LO]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('keeps mzxid, mtime, version and aversion; a node takes a change row only once changed', () => {
    fc.assert(
      fc.property(fieldOps('mzxid', 'mtime', 'version', 'aversion', 'recreate'), (ops) => {
        const t = new NodeTable();
        const root = t.add('/', NONE);
        type Row = {
          czxid: bigint;
          ctime: number;
          mzxid: bigint;
          mtime: number;
          version: number;
          aversion: number;
          row: boolean;
        };
        const ids = new Map<number, number>();
        const model = new Map<number, Row>();
        const make = (k: number, base: number) => {
          const id = t.add(`/n${k}`, root);
          t.czxids[id] = BigInt(base);
          t.ctimes[id] = base * 10;
          ids.set(k, id);
          model.set(k, {
            czxid: BigInt(base),
            ctime: base * 10,
            mzxid: BigInt(base),
            mtime: base * 10,
            version: 0,
            aversion: 0,
            row: false,
          });
        };
        for (let k = 0; k <= 40; k++) make(k, k * 1000);
        for (const [op, k, v] of ops) {
          const m = model.get(k)!;
          const id = ids.get(k)!;
          if (op === 'recreate') {
            t.delete(id);
            make(k, v);
            continue;
          }
          m.row ||= v !== 0;
          if (op === 'mzxid') t.setMzxid(id, (m.mzxid = m.czxid + BigInt(v)));
          else if (op === 'mtime') t.setMtime(id, (m.mtime = m.ctime + v));
          else if (op === 'version') t.setVersion(id, (m.version = v));
          else t.setAversion(id, (m.aversion = v));
        }
        expect(t.changeRowsInUse()).toBe([...model.values()].filter((m) => m.row).length);
        for (const [k, m] of model) {
          const id = ids.get(k)!;
          expect([t.mzxid(id), t.mtime(id), t.version(id), t.aversion(id)]).toEqual([
            m.mzxid,
            m.mtime,
            m.version,
            m.aversion,
          ]);
          const words = new Int32Array(new BigInt64Array([m.mzxid]).buffer);
          expect(t.mzxidWord(id, HI)).toBe(words[HI]);
          expect(t.mzxidWord(id, LO)).toBe(words[LO]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('keeps children in insertion order through removals', () => {
    const t = new NodeTable();
    const root = t.add('/', NONE);
    const ids = ['a', 'b', 'c', 'd'].map((n) => t.add(`/${n}`, root));
    t.delete(ids[0]!);
    t.delete(ids[2]!);
    const names: string[] = [];
    for (let c = t.firstChild(root); c !== NONE; c = t.nextSibling(c)) names.push(t.nameOf(c));
    expect(names).toEqual(['b', 'd']);
    expect(t.childCount(root)).toBe(2);
    expect(t.lastChild(root)).toBe(ids[3]);
  });
});

describe('DataSlab', () => {
  it('returns what was stored; views stay valid after release; big values get own chunks', () => {
    const slab = new DataSlab();
    const small = Buffer.from('hello');
    const big = Buffer.alloc(200_000, 7);
    const a = slab.store(small);
    const b = slab.store(big);
    const va = slab.view(a, small.length);
    expect(va.equals(small)).toBe(true);
    expect(slab.view(b, big.length).equals(big)).toBe(true);
    slab.release(a, small.length);
    slab.release(b, big.length);
    expect(va.equals(small)).toBe(true);
    expect(slab.store(Buffer.alloc(0))).toBe(0);
  });

  it('reports waste only when released bytes are many and outweigh live ones', () => {
    const slab = new DataSlab();
    const v = Buffer.alloc(60_000, 1);
    const addrs = Array.from({ length: 400 }, () => slab.store(v));
    expect(slab.wasteful()).toBe(false);
    for (const addr of addrs.slice(0, 300)) slab.release(addr, v.length);
    expect(slab.wasteful()).toBe(true);
  });

  it('hands its chunks on at compaction: the next slab reuses them, so old views are dead', () => {
    const old = new DataSlab();
    const addr = old.store(Buffer.from('old value'));
    const view = old.view(addr, 9);
    expect(old.holds(view)).toBe(true);
    expect(old.holds(Buffer.from('old value'))).toBe(false);
    const next = new DataSlab();
    next.store(Buffer.from('live')); // copied out before the hand-over: in a chunk of its own
    old.handChunksTo(next);
    expect(old.holds(view)).toBe(false);
    // The live chunk fills first (values up to 64 KiB share chunks); the next chunk is the
    // old one, written from its start.
    for (let i = 0; i < 17; i++) next.store(Buffer.alloc(60_000, 0x41));
    next.store(Buffer.alloc((1 << 20) - 4 - 17 * 60_000, 0x42));
    const reused = next.store(Buffer.from('new value'));
    expect(next.holds(view)).toBe(true);
    expect(view.toString()).toBe('new value');
    expect(next.view(reused, 9).toString()).toBe('new value');
  });
});

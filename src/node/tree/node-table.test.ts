import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataSlab } from './data-slab.js';
import { NONE, NodeTable } from './node-table.js';

describe('NodeTable', () => {
  it('finds, adds and deletes like a Map, through index growth and id reuse', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 })), { maxLength: 600 }),
        (ops) => {
          const t = new NodeTable();
          const model = new Map<string, number>();
          for (const [add, k] of ops) {
            const path = `/p${k}`;
            if (add) {
              const id = t.findOrAdd(path);
              if (model.has(path)) expect(id).toBe(-(model.get(path)! + 2));
              else {
                expect(id).toBeGreaterThanOrEqual(0);
                expect(t.dataLen[id]).toBe(-1);
                expect(t.firstChild(id)).toBe(NONE);
                expect(t.childCount(id)).toBe(0);
                model.set(path, id);
              }
            } else if (model.has(path)) {
              t.delete(model.get(path)!);
              model.delete(path);
            }
            expect(t.count()).toBe(model.size);
          }
          for (let k = 0; k <= 300; k++) expect(t.find(`/p${k}`)).toBe(model.get(`/p${k}`) ?? NONE);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps children in insertion order through removals', () => {
    const t = new NodeTable();
    const root = t.add('/');
    const ids = ['a', 'b', 'c', 'd'].map((n) => t.add(`/${n}`));
    for (const id of ids) t.appendChild(root, id);
    t.removeChild(root, ids[0]!);
    t.removeChild(root, ids[2]!);
    const names: string[] = [];
    for (let c = t.firstChild(root); c !== NONE; c = t.nextSibling(c)) names.push(t.paths[c]!);
    expect(names).toEqual(['/b', '/d']);
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

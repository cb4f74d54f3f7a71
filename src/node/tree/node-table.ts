/**
 * Znodes as rows of typed-array columns indexed by a small integer id: no object, no bigint
 * and no Set per node, so a million nodes cost a few dozen bytes each beyond their path and
 * data, and the garbage collector has almost nothing to trace. Paths are found through an
 * open-addressing hash index over the path strings (one string per node, also used for the
 * child names). Children form an insertion-ordered doubly linked list per parent.
 */

/** Word order of a 64-bit value seen as two int32s on this machine. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
export const LO = LITTLE_ENDIAN ? 0 : 1;
export const HI = 1 - LO;

export const NONE = -1;

/** flags bits */
export const DIGEST_OK = 1;

// link column offsets (stride LINKS)
const FIRST = 0;
const LAST = 1;
const NEXT = 2;
const PREV = 3;
const COUNT = 4;
const LINKS = 5;

/** murmur3 fmix over FNV-1a: linear probing needs well-spread low bits. */
export function hashPath(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class NodeTable {
  private capacity = 0;
  /** czxid, mzxid, pzxid per node (stride 3), and the same bytes as int32 halves. */
  zxids = new BigInt64Array(0);
  zxids32 = new Int32Array(0);
  /** ctime, mtime (stride 2). */
  times = new Float64Array(0);
  /** version, cversion, aversion (stride 3). */
  versions = new Int32Array(0);
  aclIndex = new Int32Array(0);
  /** -1 for null data. */
  dataLen = new Int32Array(0);
  dataAddr = new Float64Array(0);
  digest = new Uint32Array(0);
  flags = new Uint8Array(0);
  private hashes = new Uint32Array(0);
  private links = new Int32Array(0);
  /** Path per id ("/" for the root); undefined for a free id. */
  readonly paths: (string | undefined)[] = [];
  /** Non-zero ephemeralOwner values (most nodes have none). */
  readonly owners = new Map<number, bigint>();
  private readonly freeIds: number[] = [];
  private index = new Int32Array(16);
  private size = 0;

  constructor(expectedNodes = 16) {
    this.grow(Math.max(16, expectedNodes));
    this.resizeIndex(expectedNodes);
  }

  count(): number {
    return this.size;
  }

  /** Highest id ever used + 1 (ids below it may be free: paths[id] is undefined then). */
  idLimit(): number {
    return this.paths.length;
  }

  find(path: string): number {
    const h = hashPath(path);
    const mask = this.index.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const slot = this.index[i]!;
      if (slot === 0) return NONE;
      const id = slot - 1;
      if (this.hashes[id] === h && this.paths[id] === path) return id;
    }
  }

  /** A new node with every field zero, no data and no children; the path must be absent. */
  add(path: string): number {
    const id = this.findOrAdd(path);
    if (id < 0) throw new Error(`node ${path} exists already`);
    return id;
  }

  /**
   * One hash and probe for both cases: the id of a new node (fields zero, no data, no
   * children), or -(id + 2) of the node already at `path`.
   */
  findOrAdd(path: string): number {
    if ((this.size + 1) * 2 > this.index.length) this.resizeIndex(this.size + 1);
    const h = hashPath(path);
    const mask = this.index.length - 1;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const slot = this.index[i]!;
      if (slot === 0) break;
      const id = slot - 1;
      if (this.hashes[id] === h && this.paths[id] === path) return -(id + 2);
    }
    let id = this.freeIds.pop();
    if (id === undefined) {
      id = this.paths.length;
      if (id >= this.capacity) {
        this.grow(Math.ceil(this.capacity * 1.5));
      }
      this.paths.push(path);
      this.initFresh(id);
    } else {
      this.paths[id] = path;
      this.clear(id);
    }
    this.hashes[id] = h;
    this.index[i] = id + 1;
    this.size++;
    return id;
  }

  /** Frees the id; the caller has unlinked it and released its data. */
  delete(id: number): void {
    const mask = this.index.length - 1;
    let i = this.hashes[id]! & mask;
    while (this.index[i] !== id + 1) i = (i + 1) & mask;
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const slot = this.index[j]!;
      if (slot === 0) break;
      const home = this.hashes[slot - 1]! & mask;
      const movable = j > i ? home <= i || home > j : home <= i && home > j;
      if (movable) {
        this.index[i] = slot;
        i = j;
      }
    }
    this.index[i] = 0;
    this.paths[id] = undefined;
    this.owners.delete(id);
    this.freeIds.push(id);
    this.size--;
  }

  // ---- children ----

  firstChild(id: number): number {
    return this.links[id * LINKS + FIRST]!;
  }

  lastChild(id: number): number {
    return this.links[id * LINKS + LAST]!;
  }

  nextSibling(id: number): number {
    return this.links[id * LINKS + NEXT]!;
  }

  prevSibling(id: number): number {
    return this.links[id * LINKS + PREV]!;
  }

  childCount(id: number): number {
    return this.links[id * LINKS + COUNT]!;
  }

  appendChild(parent: number, child: number): void {
    const l = this.links;
    const last = l[parent * LINKS + LAST]!;
    l[child * LINKS + PREV] = last;
    l[child * LINKS + NEXT] = NONE;
    if (last === NONE) l[parent * LINKS + FIRST] = child;
    else l[last * LINKS + NEXT] = child;
    l[parent * LINKS + LAST] = child;
    l[parent * LINKS + COUNT]!++;
  }

  removeChild(parent: number, child: number): void {
    const l = this.links;
    const prev = l[child * LINKS + PREV]!;
    const next = l[child * LINKS + NEXT]!;
    if (prev === NONE) l[parent * LINKS + FIRST] = next;
    else l[prev * LINKS + NEXT] = next;
    if (next === NONE) l[parent * LINKS + LAST] = prev;
    else l[next * LINKS + PREV] = prev;
    l[parent * LINKS + COUNT]!--;
  }

  // ---- internals ----

  /** A row never used before is all zeros: only the non-zero defaults are set. */
  private initFresh(id: number): void {
    this.dataLen[id] = -1;
    const l = id * LINKS;
    this.links[l + FIRST] = NONE;
    this.links[l + LAST] = NONE;
    this.links[l + NEXT] = NONE;
    this.links[l + PREV] = NONE;
  }

  private clear(id: number): void {
    const z = id * 3;
    this.zxids32.fill(0, z * 2, z * 2 + 6);
    this.times[id * 2] = 0;
    this.times[id * 2 + 1] = 0;
    this.versions[z] = 0;
    this.versions[z + 1] = 0;
    this.versions[z + 2] = 0;
    this.aclIndex[id] = 0;
    this.dataLen[id] = -1;
    this.dataAddr[id] = 0;
    this.digest[id] = 0;
    this.flags[id] = 0;
    const l = id * LINKS;
    this.links[l + FIRST] = NONE;
    this.links[l + LAST] = NONE;
    this.links[l + NEXT] = NONE;
    this.links[l + PREV] = NONE;
    this.links[l + COUNT] = 0;
  }

  private place(id: number, h: number): void {
    const mask = this.index.length - 1;
    let i = h & mask;
    while (this.index[i] !== 0) i = (i + 1) & mask;
    this.index[i] = id + 1;
  }

  /** Index size: a power of two at least twice the node count (load ≤ ½). */
  private resizeIndex(nodes: number): void {
    let n = 16;
    while (n < nodes * 2) n *= 2;
    if (n <= this.index.length) return;
    this.index = new Int32Array(n);
    for (let id = 0; id < this.paths.length; id++)
      if (this.paths[id] !== undefined) this.place(id, this.hashes[id]!);
  }

  private grow(capacity: number): void {
    const extend = <T extends { length: number; set(a: T): void }>(
      old: T,
      make: (n: number) => T,
      stride: number,
    ): T => {
      const a = make(capacity * stride);
      a.set(old);
      return a;
    };
    this.zxids = extend(this.zxids, (n) => new BigInt64Array(n), 3);
    this.zxids32 = new Int32Array(this.zxids.buffer);
    this.times = extend(this.times, (n) => new Float64Array(n), 2);
    this.versions = extend(this.versions, (n) => new Int32Array(n), 3);
    this.aclIndex = extend(this.aclIndex, (n) => new Int32Array(n), 1);
    this.dataLen = extend(this.dataLen, (n) => new Int32Array(n), 1);
    this.dataAddr = extend(this.dataAddr, (n) => new Float64Array(n), 1);
    this.digest = extend(this.digest, (n) => new Uint32Array(n), 1);
    this.flags = extend(this.flags, (n) => new Uint8Array(n), 1);
    this.hashes = extend(this.hashes, (n) => new Uint32Array(n), 1);
    this.links = extend(this.links, (n) => new Int32Array(n), LINKS);
    this.capacity = capacity;
  }
}

/**
 * Znodes as rows of typed-array columns indexed by a small integer id: no object, no bigint
 * and no string per node, so a million nodes cost a few dozen bytes each beyond their data,
 * and the garbage collector has almost nothing to trace. A node keeps only its own name (UTF-8
 * bytes in one arena) and its parent; a path is found through an open-addressing hash index
 * over whole-path hashes and checked by walking up the parents. Keeping one string per path
 * cost about 40 bytes per node at 1M nodes (the string, its slot in an array, and the GC
 * tracing both), a tenth of the server's memory. Children form an insertion-ordered list per
 * parent, circular through PREV. Fields most nodes leave at their defaults (a leaf's pzxid,
 * cversion and child list; an unchanged node's mzxid, mtime, version and aversion) live in
 * side rows that only the other nodes get.
 */

/** Word order of a 64-bit value seen as two int32s on this machine. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
export const LO = LITTLE_ENDIAN ? 0 : 1;
export const HI = 1 - LO;

export const NONE = -1;

/** flags bits */
export const DIGEST_OK = 1;
/** Set while the id holds a node (clear for a free id). */
const LIVE = 2;

const SLASH = 0x2f;

// link column offsets (stride LINKS)
const NEXT = 0;
const PREV = 1;
const LINKS = 2;

/** Name offsets are uint32. */
const MAX_NAME_ARENA_BYTES = 2 ** 32 - 1;
/** Rewriting the name arena is not worth it below this much garbage. */
const MIN_NAME_GARBAGE_BYTES = 1 << 20;

/** FNV-1a then murmur3's fmix over bytes [0, len): linear probing needs well-spread low bits. */
function hashBytes(b: Uint8Array, len: number): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ b[i]!, FNV_PRIME);
  return mix(h);
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

type Column = BigInt64Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/** A column of the same type, `length` long, starting with `old`'s values (the rest zero). */
function resized<T extends Column>(old: T, length: number): T {
  const next = new (old.constructor as new (n: number) => T)(length);
  (next as { set(a: T): void }).set(old);
  return next;
}

/** Bytes a varint of n takes (name lengths are stored as LEB128 before the name). */
function varintBytes(n: number): number {
  let k = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    k++;
  }
  return k;
}

export class NodeTable {
  private capacity = 0;
  /** czxid per node, and the same bytes as int32 halves (stride 2). */
  czxids = new BigInt64Array(0);
  czxids32 = new Int32Array(0);
  ctimes = new Float64Array(0);
  aclIndex = new Int32Array(0);
  /** -1 for null data. */
  dataLen = new Int32Array(0);
  dataAddr = new Float64Array(0);
  digest = new Uint32Array(0);
  flags = new Uint8Array(0);
  private hashes = new Uint32Array(0);
  private links = new Int32Array(0);
  /** NONE for the root (and free ids). */
  private parents = new Int32Array(0);
  /**
   * The node's row in the branch columns, or NONE. Most znodes are leaves that never had a
   * child: their pzxid is their czxid, their cversion 0 and they have no child list, so those
   * fields (20 bytes) live in rows only the other nodes get: 16 bytes less per leaf.
   */
  private branch = new Int32Array(0);
  private branchPzxid = new BigInt64Array(0);
  private branchPzxid32 = new Int32Array(0);
  private branchCversion = new Int32Array(0);
  private branchFirst = new Int32Array(0);
  private branchCount = new Int32Array(0);
  private branchRows = 0;
  private readonly freeBranchRows: number[] = [];
  /**
   * The node's row in the change columns, or NONE. A node never changed since its create has
   * mzxid = czxid, mtime = ctime and version and aversion 0: only a setData or setACL (or a
   * loaded stat saying so) gives it a row for those (24 bytes). 20 bytes less per such node.
   */
  private change = new Int32Array(0);
  private changeMzxid = new BigInt64Array(0);
  private changeMzxid32 = new Int32Array(0);
  private changeMtime = new Float64Array(0);
  private changeVersion = new Int32Array(0);
  private changeAversion = new Int32Array(0);
  private changeRows = 0;
  private readonly freeChangeRows: number[] = [];
  /** Where each node's name record (varint length, UTF-8 bytes) starts in `names`. */
  private nameAt = new Uint32Array(0);
  private names = Buffer.alloc(4096);
  private namesFill = 0;
  /** Bytes of name records whose node was deleted. */
  private namesGarbage = 0;
  /** Non-zero ephemeralOwner values (most nodes have none). */
  readonly owners = new Map<number, bigint>();
  private readonly freeIds: number[] = [];
  private index = new Int32Array(16);
  private size = 0;
  /** Highest id ever used + 1. */
  private highestId = 0;
  /** The UTF-8 bytes of the path being looked up (find, findOrAdd). */
  private key = Buffer.alloc(256);
  private keyLen = 0;
  private pathScratch = Buffer.alloc(1024);

  /**
   * Rows for `rowCapacity` nodes (rows never touched cost no memory) and an index sized for
   * `indexedNodes`: hashing writes all over the index, so an index sized for headroom would be
   * resident in full (16 MiB instead of 8 at 1M nodes when the headroom crosses a power of two).
   */
  constructor(rowCapacity = 16, indexedNodes = rowCapacity) {
    this.grow(Math.max(16, rowCapacity));
    this.resizeIndex(indexedNodes);
  }

  count(): number {
    return this.size;
  }

  /** Highest id ever used + 1 (ids below it may be free: see has). */
  idLimit(): number {
    return this.highestId;
  }

  /** True while `id` holds a node. */
  has(id: number): boolean {
    return (this.flags[id]! & LIVE) !== 0;
  }

  parentOf(id: number): number {
    return this.parents[id]!;
  }

  find(path: string): number {
    const h = this.setKey(path);
    const mask = this.index.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const slot = this.index[i]!;
      if (slot === 0) return NONE;
      const id = slot - 1;
      if (this.hashes[id] === h && this.isKey(id)) return id;
    }
  }

  /**
   * A new node linked as the last child of `parent` (NONE only for the root "/"), every
   * field zero, no data and no children; the path must be absent.
   */
  add(path: string, parent: number): number {
    const id = this.findOrAdd(path, parent);
    if (id < 0) throw new Error(`node ${path} exists already`);
    return id;
  }

  /**
   * One hash and probe for both cases: the id of a new node (as add makes it), or -(id + 2)
   * of the node already at `path`.
   */
  findOrAdd(path: string, parent: number): number {
    return this.findOrAddKey(this.setKey(path), parent);
  }

  /** findOrAdd for the UTF-8 path in buf[start, start + len) ("/" for the root). */
  findOrAddBytes(buf: Uint8Array, start: number, len: number, parent: number): number {
    return this.findOrAddKey(this.setKeyBytes(buf, start, len), parent);
  }

  private findOrAddKey(h: number, parent: number): number {
    const root = this.keyLen === 1 && this.key[0] === SLASH;
    if ((parent === NONE) !== root)
      throw new Error(
        `node ${this.key.toString('utf8', 0, this.keyLen)} added under ${parent === NONE ? 'no parent' : `id ${parent}`}`,
      );
    if ((this.size + 1) * 2 > this.index.length) this.resizeIndex(this.size + 1);
    const mask = this.index.length - 1;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const slot = this.index[i]!;
      if (slot === 0) break;
      const id = slot - 1;
      if (this.hashes[id] === h && this.isKey(id)) return -(id + 2);
    }
    let id = this.freeIds.pop();
    if (id === undefined) {
      id = this.highestId++;
      if (id >= this.capacity) this.grow(Math.ceil(this.capacity * 1.5));
      this.initFresh(id);
    } else {
      this.clear(id);
    }
    this.flags[id] = LIVE;
    this.hashes[id] = h;
    this.index[i] = id + 1;
    this.size++;
    this.storeName(id);
    this.parents[id] = parent;
    if (parent !== NONE) this.appendChild(parent, id);
    return id;
  }

  /** Unlinks the node from its parent and frees the id; the caller released its data. */
  delete(id: number): void {
    if (!this.has(id)) throw new Error(`delete of free node id ${id}`);
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
    const parent = this.parents[id]!;
    if (parent !== NONE) this.removeChild(parent, id);
    this.parents[id] = NONE;
    const b = this.branch[id]!;
    if (b !== NONE) {
      if (this.branchCount[b] !== 0) throw new Error(`delete of node id ${id}, which has children`);
      this.freeBranchRows.push(b);
      this.branch[id] = NONE;
    }
    const c = this.change[id]!;
    if (c !== NONE) {
      this.freeChangeRows.push(c);
      this.change[id] = NONE;
    }
    const len = this.nameLength(id);
    this.namesGarbage += varintBytes(len) + len;
    this.flags[id] = 0;
    this.owners.delete(id);
    this.freeIds.push(id);
    this.size--;
  }

  // ---- names and paths ----

  /** The node's last path segment ("" for the root). */
  nameOf(id: number): string {
    const len = this.nameLength(id);
    const at = this.nameStart(id, len);
    return this.names.toString('utf8', at, at + len);
  }

  /** The node's whole path, built from its ancestors' names. */
  pathOf(id: number): string {
    return this.pathBytes(id).toString('utf8');
  }

  /** The node's path as UTF-8: a view of a scratch buffer, valid until the next call. */
  pathBytes(id: number): Buffer {
    let n = this.writePath(id, this.pathScratch);
    if (n < 0) {
      this.pathScratch = Buffer.alloc(-n * 2);
      n = this.writePath(id, this.pathScratch);
    }
    return this.pathScratch.subarray(0, n);
  }

  /**
   * Writes the node's path as UTF-8 into out[0, n) and returns n, or returns -n when out is
   * too small (nothing useful written then).
   */
  writePath(id: number, out: Uint8Array): number {
    if (this.parents[id] === NONE) {
      if (out.length < 1) return -1;
      out[0] = SLASH;
      return 1;
    }
    let total = 0;
    for (let node = id; this.parents[node] !== NONE; node = this.parents[node]!)
      total += 1 + this.nameLength(node);
    if (total > out.length) return -total;
    let end = total;
    for (let node = id; this.parents[node] !== NONE; node = this.parents[node]!) {
      const len = this.nameLength(node);
      const at = this.nameStart(node, len);
      end -= len;
      out.set(this.names.subarray(at, at + len), end);
      out[--end] = SLASH;
    }
    return total;
  }

  /** Branch rows in use (tests: leaves must not take any). */
  branchRowsInUse(): number {
    return this.branchRows - this.freeBranchRows.length;
  }

  /** Change rows in use (tests: unchanged nodes must not take any). */
  changeRowsInUse(): number {
    return this.changeRows - this.freeChangeRows.length;
  }

  /** Size of the name arena (tests: it must not grow without bound under churn). */
  nameArenaBytes(): number {
    return this.names.length;
  }

  // ---- children ----

  firstChild(id: number): number {
    const b = this.branch[id]!;
    return b === NONE ? NONE : this.branchFirst[b]!;
  }

  lastChild(id: number): number {
    const first = this.firstChild(id);
    return first === NONE ? NONE : this.links[first * LINKS + PREV]!;
  }

  nextSibling(id: number): number {
    return this.links[id * LINKS + NEXT]!;
  }

  prevSibling(id: number): number {
    const parent = this.parents[id]!;
    if (parent === NONE || this.firstChild(parent) === id) return NONE;
    return this.links[id * LINKS + PREV]!;
  }

  childCount(id: number): number {
    const b = this.branch[id]!;
    return b === NONE ? 0 : this.branchCount[b]!;
  }

  // ---- branch fields: pzxid and cversion (a leaf's are its czxid and 0) ----

  pzxid(id: number): bigint {
    const b = this.branch[id]!;
    return b === NONE ? this.czxids[id]! : this.branchPzxid[b]!;
  }

  /** One int32 half (HI or LO) of the pzxid, for writers that must not make a bigint. */
  pzxidWord(id: number, word: number): number {
    const b = this.branch[id]!;
    return b === NONE ? this.czxids32[id * 2 + word]! : this.branchPzxid32[b * 2 + word]!;
  }

  /** Set after czxid: a leaf whose pzxid equals its czxid needs no branch row. */
  setPzxid(id: number, pzxid: bigint): void {
    if (this.branch[id] === NONE && pzxid === this.czxids[id]) return;
    const b = this.branchRow(id); // first: it may replace the arrays
    this.branchPzxid[b] = pzxid;
  }

  setPzxidWords(id: number, hi: number, lo: number): void {
    const z = id * 2;
    if (this.branch[id] === NONE && hi === this.czxids32[z + HI] && lo === this.czxids32[z + LO])
      return;
    const b = this.branchRow(id);
    this.branchPzxid32[b * 2 + HI] = hi;
    this.branchPzxid32[b * 2 + LO] = lo;
  }

  cversion(id: number): number {
    const b = this.branch[id]!;
    return b === NONE ? 0 : this.branchCversion[b]!;
  }

  setCversion(id: number, cversion: number): void {
    if (this.branch[id] === NONE && cversion === 0) return;
    const b = this.branchRow(id);
    this.branchCversion[b] = cversion;
  }

  // ---- change fields: mzxid, mtime, version, aversion (unchanged: czxid, ctime, 0, 0) ----

  mzxid(id: number): bigint {
    const c = this.change[id]!;
    return c === NONE ? this.czxids[id]! : this.changeMzxid[c]!;
  }

  /** One int32 half (HI or LO) of the mzxid, for writers that must not make a bigint. */
  mzxidWord(id: number, word: number): number {
    const c = this.change[id]!;
    return c === NONE ? this.czxids32[id * 2 + word]! : this.changeMzxid32[c * 2 + word]!;
  }

  mtime(id: number): number {
    const c = this.change[id]!;
    return c === NONE ? this.ctimes[id]! : this.changeMtime[c]!;
  }

  version(id: number): number {
    const c = this.change[id]!;
    return c === NONE ? 0 : this.changeVersion[c]!;
  }

  aversion(id: number): number {
    const c = this.change[id]!;
    return c === NONE ? 0 : this.changeAversion[c]!;
  }

  // The setters go after czxid and ctime are set: an unchanged node's values follow them.

  setMzxid(id: number, mzxid: bigint): void {
    if (this.change[id] === NONE && mzxid === this.czxids[id]) return;
    const c = this.changeRow(id); // first: it may replace the arrays
    this.changeMzxid[c] = mzxid;
  }

  setMzxidWords(id: number, hi: number, lo: number): void {
    const z = id * 2;
    if (this.change[id] === NONE && hi === this.czxids32[z + HI] && lo === this.czxids32[z + LO])
      return;
    const c = this.changeRow(id);
    this.changeMzxid32[c * 2 + HI] = hi;
    this.changeMzxid32[c * 2 + LO] = lo;
  }

  setMtime(id: number, mtime: number): void {
    if (this.change[id] === NONE && mtime === this.ctimes[id]) return;
    const c = this.changeRow(id);
    this.changeMtime[c] = mtime;
  }

  setVersion(id: number, version: number): void {
    if (this.change[id] === NONE && version === 0) return;
    const c = this.changeRow(id);
    this.changeVersion[c] = version;
  }

  setAversion(id: number, aversion: number): void {
    if (this.change[id] === NONE && aversion === 0) return;
    const c = this.changeRow(id);
    this.changeAversion[c] = aversion;
  }

  // The list is circular through PREV only (the first child's PREV is the last child), so a
  // parent needs no last-child field; NEXT ends in NONE.
  private appendChild(parent: number, child: number): void {
    const l = this.links;
    const b = this.branchRow(parent);
    const first = this.branchFirst[b]!;
    l[child * LINKS + NEXT] = NONE;
    if (first === NONE) {
      this.branchFirst[b] = child;
      l[child * LINKS + PREV] = child;
    } else {
      const last = l[first * LINKS + PREV]!;
      l[last * LINKS + NEXT] = child;
      l[child * LINKS + PREV] = last;
      l[first * LINKS + PREV] = child;
    }
    this.branchCount[b]!++;
  }

  private removeChild(parent: number, child: number): void {
    const l = this.links;
    const b = this.branch[parent]!;
    const first = this.branchFirst[b]!;
    const prev = l[child * LINKS + PREV]!;
    const next = l[child * LINKS + NEXT]!;
    if (child === first) {
      this.branchFirst[b] = next;
      if (next !== NONE) l[next * LINKS + PREV] = prev;
    } else {
      l[prev * LINKS + NEXT] = next;
      if (next !== NONE) l[next * LINKS + PREV] = prev;
      else l[first * LINKS + PREV] = prev;
    }
    this.branchCount[b]!--;
  }

  /** The node's branch row, made (pzxid = czxid, cversion 0, no children) if it has none. */
  private branchRow(id: number): number {
    const had = this.branch[id]!;
    if (had !== NONE) return had;
    let b = this.freeBranchRows.pop();
    if (b === undefined) {
      b = this.branchRows++;
      if (b >= this.branchCount.length) this.growBranches(Math.max(16, Math.ceil(b * 1.5)));
    }
    this.branchPzxid[b] = this.czxids[id]!;
    this.branchCversion[b] = 0;
    this.branchFirst[b] = NONE;
    this.branchCount[b] = 0;
    this.branch[id] = b;
    return b;
  }

  /** The node's change row, made with the unchanged values if it has none. */
  private changeRow(id: number): number {
    const had = this.change[id]!;
    if (had !== NONE) return had;
    let c = this.freeChangeRows.pop();
    if (c === undefined) {
      c = this.changeRows++;
      if (c >= this.changeVersion.length) this.growChanges(Math.max(16, Math.ceil(c * 1.5)));
    }
    this.changeMzxid[c] = this.czxids[id]!;
    this.changeMtime[c] = this.ctimes[id]!;
    this.changeVersion[c] = 0;
    this.changeAversion[c] = 0;
    this.change[id] = c;
    return c;
  }

  private growChanges(rows: number): void {
    this.changeMzxid = resized(this.changeMzxid, rows);
    this.changeMzxid32 = new Int32Array(this.changeMzxid.buffer);
    this.changeMtime = resized(this.changeMtime, rows);
    this.changeVersion = resized(this.changeVersion, rows);
    this.changeAversion = resized(this.changeAversion, rows);
  }

  private growBranches(rows: number): void {
    this.branchPzxid = resized(this.branchPzxid, rows);
    this.branchPzxid32 = new Int32Array(this.branchPzxid.buffer);
    this.branchCversion = resized(this.branchCversion, rows);
    this.branchFirst = resized(this.branchFirst, rows);
    this.branchCount = resized(this.branchCount, rows);
  }

  // ---- internals ----

  /**
   * Puts the UTF-8 bytes of `path` in key[0, keyLen) and returns their hash. ASCII, by far
   * the common case, is copied char by char; anything else goes through the encoder.
   */
  private setKey(path: string): number {
    const n = path.length;
    if (n * 3 > this.key.length) this.key = Buffer.alloc(n * 3 + 64);
    const k = this.key;
    let h = FNV_OFFSET;
    for (let i = 0; i < n; i++) {
      const c = path.charCodeAt(i);
      if (c >= 0x80) {
        this.keyLen = k.write(path, 'utf8');
        return hashBytes(k, this.keyLen);
      }
      k[i] = c;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    this.keyLen = n;
    return mix(h);
  }

  /** setKey for UTF-8 bytes already encoded. */
  private setKeyBytes(buf: Uint8Array, start: number, len: number): number {
    if (len > this.key.length) this.key = Buffer.alloc(len * 2);
    const k = this.key;
    let h = FNV_OFFSET;
    for (let i = 0; i < len; i++) {
      const b = buf[start + i]!;
      k[i] = b;
      h = Math.imul(h ^ b, FNV_PRIME);
    }
    this.keyLen = len;
    return mix(h);
  }

  /** True when node `id`'s path is the key, compared name by name up to the root. */
  private isKey(id: number): boolean {
    const k = this.key;
    const names = this.names;
    let end = this.keyLen;
    let node = id;
    if (this.parents[node] === NONE) return end === 1;
    while (this.parents[node] !== NONE) {
      const len = this.nameLength(node);
      const start = end - len;
      if (start < 1 || k[start - 1] !== SLASH) return false;
      const at = this.nameStart(node, len);
      for (let j = 0; j < len; j++) if (k[start + j] !== names[at + j]) return false;
      end = start - 1;
      node = this.parents[node]!;
    }
    return end === 0;
  }

  private nameLength(id: number): number {
    const names = this.names;
    let at = this.nameAt[id]!;
    let b = names[at++]!;
    if (b < 0x80) return b;
    let len = b & 0x7f;
    let scale = 0x80;
    do {
      b = names[at++]!;
      len += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b >= 0x80);
    return len;
  }

  /** Where the name of `id`, of `len` bytes (nameLength), starts after its varint. */
  private nameStart(id: number, len: number): number {
    return this.nameAt[id]! + varintBytes(len);
  }

  /** Appends the key's last segment to the name arena as the name of `id`. */
  private storeName(id: number): void {
    const k = this.key;
    let from = this.keyLen;
    // 0x2f never occurs inside a multi-byte UTF-8 sequence: the last one is the separator.
    while (from > 0 && k[from - 1] !== SLASH) from--;
    const len = this.keyLen - from;
    const record = varintBytes(len) + len;
    if (this.namesFill + record > this.names.length) this.makeNameRoom(record);
    const names = this.names;
    let at = this.namesFill;
    this.nameAt[id] = at;
    let n = len;
    while (n >= 0x80) {
      names[at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    names[at++] = n;
    for (let j = 0; j < len; j++) names[at + j] = k[from + j]!;
    this.namesFill = at + len;
  }

  /** Compacts the name arena when half of it is garbage, else grows it. */
  private makeNameRoom(record: number): void {
    const live = this.namesFill - this.namesGarbage;
    const compact = this.namesGarbage > MIN_NAME_GARBAGE_BYTES && this.namesGarbage > live;
    const need = (compact ? live : this.namesFill) + record;
    const size = Math.max(need, Math.ceil((compact ? live : this.names.length) * 1.5), 4096);
    if (need > MAX_NAME_ARENA_BYTES)
      throw new Error(`znode names take more than ${MAX_NAME_ARENA_BYTES} bytes`);
    const next = Buffer.alloc(Math.min(size, MAX_NAME_ARENA_BYTES));
    if (!compact) {
      next.set(this.names.subarray(0, this.namesFill));
    } else {
      let fill = 0;
      for (let id = 0; id < this.highestId; id++) {
        if (!this.has(id)) continue;
        const at = this.nameAt[id]!;
        const len = this.nameLength(id);
        const end = this.nameStart(id, len) + len;
        next.set(this.names.subarray(at, end), fill);
        this.nameAt[id] = fill;
        fill += end - at;
      }
      this.namesFill = fill;
      this.namesGarbage = 0;
    }
    this.names = next;
  }

  /** A row never used before is all zeros: only the non-zero defaults are set. */
  private initFresh(id: number): void {
    this.dataLen[id] = -1;
    this.branch[id] = NONE;
    this.change[id] = NONE;
    const l = id * LINKS;
    this.links[l + NEXT] = NONE;
    this.links[l + PREV] = NONE;
  }

  private clear(id: number): void {
    this.czxids[id] = 0n;
    this.ctimes[id] = 0;
    this.aclIndex[id] = 0;
    this.dataLen[id] = -1;
    this.dataAddr[id] = 0;
    this.digest[id] = 0;
    this.flags[id] = 0;
    this.branch[id] = NONE;
    this.change[id] = NONE;
    const l = id * LINKS;
    this.links[l + NEXT] = NONE;
    this.links[l + PREV] = NONE;
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
    for (let id = 0; id < this.highestId; id++) if (this.has(id)) this.place(id, this.hashes[id]!);
  }

  private grow(capacity: number): void {
    this.czxids = resized(this.czxids, capacity);
    this.czxids32 = new Int32Array(this.czxids.buffer);
    this.ctimes = resized(this.ctimes, capacity);
    this.aclIndex = resized(this.aclIndex, capacity);
    this.dataLen = resized(this.dataLen, capacity);
    this.dataAddr = resized(this.dataAddr, capacity);
    this.digest = resized(this.digest, capacity);
    this.flags = resized(this.flags, capacity);
    this.hashes = resized(this.hashes, capacity);
    this.links = resized(this.links, capacity * LINKS);
    this.parents = resized(this.parents, capacity);
    this.branch = resized(this.branch, capacity);
    this.change = resized(this.change, capacity);
    this.nameAt = resized(this.nameAt, capacity);
    this.capacity = capacity;
  }
}

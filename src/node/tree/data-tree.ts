/**
 * The in-memory znode tree (Apache DataTree + the session map of ZKDatabase): applies logged
 * txns with replay semantics (persistence.md §4) and keeps the digest, ACL cache, ephemeral,
 * container and TTL indexes current. Nodes live in a column store (node-table.ts) with their
 * data in a slab (data-slab.ts); getNode() hands out a view of one row. Node data handed out
 * (ZNode.data, nodeState, ApplyResult.data) is a view that the next change to the tree may
 * overwrite: copy it to keep it past the current turn of the event loop.
 */
import { ErrorCode } from '../proto/errors.js';
import { EventType, OpCode } from '../proto/opcodes.js';
import type { JuteWriter } from '../proto/jute.js';
import type { MultiResult } from '../proto/requests.js';
import type { ACL, LoggedTxn, Stat, StatPersisted, Txn, TxnHeader } from '../proto/types.js';
import { READ_ACL_UNSAFE } from './acl.js';
import { AclCache, OPEN_ACL_INDEX } from './acl-cache.js';
import { DataSlab, offsetOf } from './data-slab.js';
import { nodeDigest } from './digest.js';
import { CONTAINER_OWNER, ephemeralKind, ttlOf, ttlOwner } from './ephemeral.js';
import { NodeDigester } from './node-digest.js';
import { DIGEST_OK, HI, LO, NONE, NodeTable } from './node-table.js';
import { childPath, nameOf, parentOf } from './path.js';
import { LIMIT_NODE, QUOTA_ROOT, STAT_NODE, formatStats, parseStats, statPath } from './quota.js';
import type {
  NodeRecordWriter,
  RawSnapshotNodes,
  SnapshotData,
  SnapshotNode,
} from './snapshot-data.js';
import { clientStat } from './stat.js';
import type { WatchTrigger } from './watch-trigger.js';

const NO_BYTES = new Uint8Array(0);

/** The child names of one node: a live view, valid until the tree next changes. */
export interface ChildNames extends Iterable<string> {
  readonly size: number;
  has(name: string): boolean;
}

/** One node as callers see it: a view of its row, valid until the tree next changes. */
export interface ZNode {
  readonly data: Buffer | null;
  readonly acl: ACL[];
  readonly aclIndex: bigint;
  /** A fresh copy of the persisted stat. */
  readonly stat: StatPersisted;
  readonly children: ChildNames;
}

/** What applying one txn produced: enough for the reply and the watch events. */
export interface ApplyResult {
  /** Header type of the txn (the request opcode, or -1 for an error txn). */
  type: number;
  /** 0, or the error (error txn code; for multi the first failing sub-op's code). */
  err: number;
  /** Created path (create*), or the txn's path. */
  path?: string;
  /** Client Stat after the op (create2/createTTL/createContainer/setData/setACL/reconfig). */
  stat?: Stat;
  /** Data after a reconfig (its reply is a GetDataResponse). */
  data?: Buffer | null;
  /** Wire results of a multi: 0 before / real code / -2 after the failing op. */
  multi?: MultiResult[];
  triggers: WatchTrigger[];
}

const CONFIG_NODE = '/zookeeper/config';
const QUOTA_PREFIX = `${QUOTA_ROOT}/`;
const LIMIT_SUFFIX = `/${LIMIT_NODE}`;
const QUOTA_PREFIX_BYTES = Buffer.from(QUOTA_PREFIX);
const SLASH_BYTE = 0x2f;
/** Digests summed as doubles stay exact below 2^53: flush to the bigint sum well before. */
const DIGEST_FLUSH_EVERY = 1 << 20;
const BARE: unique symbol = Symbol('bare tree');

class NodeRef implements ZNode {
  constructor(
    private readonly tree: DataTree,
    readonly id: number,
  ) {}
  get data(): Buffer | null {
    return this.tree.dataAt(this.id);
  }
  get acl(): ACL[] {
    return this.tree.aclAt(this.id);
  }
  get aclIndex(): bigint {
    return this.tree.aclIndexAt(this.id);
  }
  get stat(): StatPersisted {
    return this.tree.statAt(this.id);
  }
  get children(): ChildNames {
    return new ChildList(this.tree, this.id);
  }
}

class ChildList implements ChildNames {
  constructor(
    private readonly tree: DataTree,
    private readonly id: number,
  ) {}
  get size(): number {
    return this.tree.table.childCount(this.id);
  }
  has(name: string): boolean {
    return this.tree.hasChild(this.id, name);
  }
  [Symbol.iterator](): Iterator<string> {
    return this.tree.childNamesAt(this.id)[Symbol.iterator]();
  }
}

export class DataTree {
  /** @internal The node rows (read by the views above). */
  table: NodeTable;
  private slab = new DataSlab();
  private aclCache = new AclCache();
  private readonly digester = new NodeDigester();
  private readonly ephemerals = new Map<bigint, Set<string>>();
  private readonly containers = new Set<string>();
  private readonly ttls = new Set<string>();
  private readonly quotaPaths = new Set<string>();
  /** Sum of the digests of nodes whose digest is computed (flag DIGEST_OK). */
  private digestSum = 0n;
  /** Nodes whose digest is not computed yet (loaded from a snapshot; computed on demand). */
  private pendingDigests = 0;
  /**
   * Digests are computed when digest() is asked for (a snapshot, a `hash` request), not on every
   * change: a node written many times between two snapshots is digested once, and no txn pays
   * for it (the txn log carries no digest). Changed nodes are listed here; after a snapshot
   * load, when most nodes are pending, `fullScan` makes digest() walk the whole table instead.
   */
  private dirtyIds: number[] = [];
  private fullScan = false;
  /** Where settleDigests() goes on. */
  private settleCursor = 0;
  private dataSize = 0;
  /** Sessions known to the database (id → negotiated timeout ms), as ZKDatabase keeps them. */
  readonly sessions = new Map<bigint, number>();
  lastProcessedZxid = 0n;

  constructor(bare?: typeof BARE, rowCapacity = 16, indexedNodes = rowCapacity) {
    this.table = new NodeTable(rowCapacity, indexedNodes);
    if (bare === BARE) return;
    const root = this.addNode('/', NONE);
    const zk = this.addNode('/zookeeper', root);
    this.addNode(QUOTA_ROOT, zk);
    const config = this.addNode(CONFIG_NODE, zk);
    for (const id of [root, zk, this.table.find(QUOTA_ROOT), config]) {
      this.table.aclIndex[id] = this.aclSlot(OPEN_ACL_INDEX);
      this.setDataAt(id, Buffer.alloc(0));
      this.addDigest(id);
    }
    // addConfigNode: setACL(READ_ACL_UNSAFE, -1) → ACL index 1 and aversion -1.
    this.mutate(config, () => {
      this.table.aclIndex[config] = this.aclSlot(this.aclCache.convert(READ_ACL_UNSAFE));
      this.table.setAversion(config, -1);
    });
  }

  // ---- row access (views and internals) ----

  /** @internal */
  dataAt(id: number): Buffer | null {
    const len = this.table.dataLen[id]!;
    return len < 0 ? null : this.slab.view(this.table.dataAddr[id]!, len);
  }

  /** @internal */
  aclAt(id: number): ACL[] {
    return this.aclCache.get(BigInt(this.table.aclIndex[id]!));
  }

  /** @internal */
  aclIndexAt(id: number): bigint {
    return BigInt(this.table.aclIndex[id]!);
  }

  /** @internal */
  statAt(id: number): StatPersisted {
    const t = this.table;
    return {
      czxid: t.czxids[id]!,
      mzxid: t.mzxid(id),
      ctime: t.ctimes[id]!,
      mtime: t.mtime(id),
      version: t.version(id),
      cversion: t.cversion(id),
      aversion: t.aversion(id),
      ephemeralOwner: t.owners.get(id) ?? 0n,
      pzxid: t.pzxid(id),
    };
  }

  /** @internal */
  childNamesAt(id: number): string[] {
    const t = this.table;
    const out: string[] = [];
    for (let c = t.firstChild(id); c !== NONE; c = t.nextSibling(c)) out.push(t.nameOf(c));
    return out;
  }

  /** @internal */
  hasChild(id: number, name: string): boolean {
    return this.table.find(childPath(this.table.pathOf(id), name)) !== NONE;
  }

  private idOf(path: string): number {
    return this.table.find(path === '' ? '/' : path);
  }

  private ownerAt(id: number): bigint {
    return this.table.owners.get(id) ?? 0n;
  }

  private dataLengthAt(id: number): number {
    return Math.max(0, this.table.dataLen[id]!);
  }

  private setDataAt(id: number, data: Uint8Array | null): void {
    const t = this.table;
    const old = t.dataLen[id]!;
    if (old > 0) this.slab.release(t.dataAddr[id]!, old);
    if (data === null) {
      t.dataLen[id] = -1;
      t.dataAddr[id] = 0;
    } else {
      t.dataAddr[id] = this.slab.store(data);
      t.dataLen[id] = data.length;
    }
    if (this.slab.wasteful()) this.compactData();
  }

  /** Copies every live value into a fresh slab, which reuses the old one's chunks. */
  private compactData(): void {
    const old = this.slab;
    const fresh = new DataSlab();
    const t = this.table;
    for (let id = 0; id < t.idLimit(); id++) {
      if (!t.has(id) || t.dataLen[id]! <= 0) continue;
      t.dataAddr[id] = fresh.store(old.view(t.dataAddr[id]!, t.dataLen[id]!));
    }
    old.handChunksTo(fresh);
    this.slab = fresh;
  }

  private aclSlot(index: bigint): number {
    const n = Number(index);
    if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff)
      throw new Error(`ACL index ${index} is outside the 32-bit range this tree stores`);
    return n;
  }

  /** A new row linked under parent (NONE for the root); fields zero, data null. */
  private addNode(path: string, parent: number): number {
    const id = this.table.add(path, parent);
    this.noteAdded(id, path);
    return id;
  }

  private noteAdded(id: number, path: string): void {
    this.markPending(id);
    this.dataSize += path.length;
  }

  private dropDigest(id: number): void {
    const t = this.table;
    if ((t.flags[id]! & DIGEST_OK) === 0) return;
    this.digestSum -= BigInt(t.digest[id]!);
    t.flags[id] = t.flags[id]! & ~DIGEST_OK;
    this.markPending(id);
  }

  private markPending(id: number): void {
    this.pendingDigests++;
    if (this.fullScan) return;
    this.dirtyIds.push(id);
    // Ids repeat only through delete and re-create; past this a table walk is cheaper anyway.
    if (this.dirtyIds.length > this.table.idLimit() + 1024) {
      this.fullScan = true;
      this.dirtyIds = [];
    }
  }

  private addDigest(id: number): void {
    const t = this.table;
    const d = this.digester.digest(t, this.slab, id);
    t.digest[id] = d;
    t.flags[id] = t.flags[id]! | DIGEST_OK;
    this.digestSum += BigInt(d);
    this.pendingDigests--;
  }

  /** Every change to a node's data or stat goes through here so the digest stays exact. */
  private mutate(id: number, change: () => void): void {
    this.dropDigest(id);
    this.dataSize -= this.dataLengthAt(id);
    change();
    this.dataSize += this.dataLengthAt(id);
  }

  private removeNode(id: number, path: string): void {
    const t = this.table;
    this.dropDigest(id);
    this.pendingDigests--;
    this.dataSize -= path.length + this.dataLengthAt(id);
    if (t.dataLen[id]! > 0) this.slab.release(t.dataAddr[id]!, t.dataLen[id]!);
    t.dataLen[id] = -1;
    t.delete(id);
  }

  // ---- reads ----

  /** The node at `path`; "" is the root's alias, as in Apache. */
  getNode(path: string): ZNode | undefined {
    const id = this.idOf(path);
    return id === NONE ? undefined : new NodeRef(this, id);
  }

  has(path: string): boolean {
    return this.idOf(path) !== NONE;
  }

  /** True if buf is node data as the tree hands it out: valid only in this turn of the loop. */
  isDataView(buf: Uint8Array): boolean {
    return this.slab.holds(buf);
  }

  /**
   * The node's stat (a fresh copy, the caller's to keep), child count, ACL and data, read
   * straight from its row: write validation asks this several times per write.
   */
  nodeState(
    path: string,
  ): { stat: StatPersisted; childCount: number; acl: ACL[]; data: Buffer | null } | undefined {
    const id = this.idOf(path);
    if (id === NONE) return undefined;
    return {
      stat: this.statAt(id),
      childCount: this.table.childCount(id),
      acl: this.aclAt(id),
      data: this.dataAt(id),
    };
  }

  statOf(path: string): Stat | undefined {
    const id = this.idOf(path);
    return id === NONE ? undefined : this.clientStatAt(id);
  }

  clientStatOf(n: ZNode): Stat {
    if (n instanceof NodeRef) return this.clientStatAt(n.id);
    return clientStat(n.stat, n.data?.length ?? 0, n.children.size);
  }

  private clientStatAt(id: number): Stat {
    return clientStat(this.statAt(id), this.dataLengthAt(id), this.table.childCount(id));
  }

  /** Child names, in insertion order (Apache's order is a HashSet's, i.e. unspecified). */
  children(path: string): string[] | undefined {
    const id = this.idOf(path);
    return id === NONE ? undefined : this.childNamesAt(id);
  }

  /** Nodes as Apache counts them: the root is in its map twice ("" and "/"). */
  nodeCount(): number {
    return this.table.count() + 1;
  }

  /** Sum of path lengths and data lengths over Apache's node map (root counted as "" and "/"). */
  approximateDataSize(): number {
    return this.dataSize;
  }

  ephemeralCount(): number {
    let n = 0;
    for (const s of this.ephemerals.values()) n += s.size;
    return n;
  }

  ephemeralsOf(sessionId: bigint): string[] {
    return [...(this.ephemerals.get(sessionId) ?? [])];
  }

  ephemeralsBySession(): Map<bigint, string[]> {
    return new Map([...this.ephemerals].map(([s, paths]) => [s, [...paths]]));
  }

  /** Every descendant of `path` ("/" counts everything but the root). */
  getAllChildrenNumber(path: string): number {
    if (path === '/') return this.table.count() - 1;
    // Apache scans its keys for "" + "/": that matches the root's "/" alias and every other node.
    if (path === '') return this.table.count();
    const id = this.table.find(path);
    if (id === NONE) return 0;
    const t = this.table;
    let n = 0;
    const stack = [id];
    while (stack.length > 0) {
      for (let c = t.firstChild(stack.pop()!); c !== NONE; c = t.nextSibling(c)) {
        n++;
        stack.push(c);
      }
    }
    return n;
  }

  /** Wrapping signed 64-bit sum of node digests (persistence.md §2.4). */
  digest(): bigint {
    if (this.pendingDigests > 0) this.computePendingDigests();
    return BigInt.asIntN(64, this.digestSum);
  }

  /** Computes the digests of changed nodes (or, after a snapshot load, of every pending one). */
  private computePendingDigests(): void {
    if (!this.fullScan) {
      const ids = this.dirtyIds;
      this.dirtyIds = [];
      const t = this.table;
      for (const id of ids) if (t.has(id) && (t.flags[id]! & DIGEST_OK) === 0) this.addDigest(id);
      if (this.pendingDigests !== 0)
        throw new Error(
          `digest bookkeeping broken: ${this.pendingDigests} pending node(s) missing from the changed list`,
        );
      return;
    }
    this.digestPendingFrom(0, Number.POSITIVE_INFINITY);
    if (this.pendingDigests !== 0)
      throw new Error(
        `digest bookkeeping broken: ${this.pendingDigests} pending after a full walk`,
      );
    this.fullScan = false;
  }

  /**
   * Computes up to `maxNodes` of the digests a snapshot load left pending, resuming where the
   * last call stopped; true when none is left. A server can call this in idle moments after
   * startup so the first digest() (the first snapshot) does not compute a million at once.
   */
  settleDigests(maxNodes: number): boolean {
    const next = this.digestPendingFrom(this.settleCursor, maxNodes);
    // Changed nodes may sit below the cursor again: wrap around until none is pending.
    this.settleCursor = next < this.table.idLimit() && this.pendingDigests > 0 ? next : 0;
    if (this.pendingDigests > 0) return false;
    this.fullScan = false;
    this.dirtyIds = [];
    return true;
  }

  /**
   * Walks the table from `firstId`, digesting up to `maxNodes` pending nodes; returns the id it
   * stopped at. Sums in a float before the bigint add, which is the slow part of a bulk walk.
   */
  private digestPendingFrom(firstId: number, maxNodes: number): number {
    const t = this.table;
    let partial = 0;
    let inPartial = 0;
    let done = 0;
    let id = firstId;
    for (; id < t.idLimit() && done < maxNodes && this.pendingDigests > 0; id++) {
      if (!t.has(id) || (t.flags[id]! & DIGEST_OK) !== 0) continue;
      const d = this.digester.digest(t, this.slab, id);
      t.digest[id] = d;
      t.flags[id] = t.flags[id]! | DIGEST_OK;
      this.pendingDigests--;
      done++;
      partial += d;
      if (++inPartial === DIGEST_FLUSH_EVERY) {
        this.digestSum += BigInt(partial);
        partial = 0;
        inPartial = 0;
      }
    }
    this.digestSum += BigInt(partial);
    return id;
  }

  /** Recomputes the digest from scratch with the reference digest (tests, checks). */
  recomputeDigest(): bigint {
    const t = this.table;
    let sum = 0n;
    for (let id = 0; id < t.idLimit(); id++) {
      if (t.has(id)) sum += BigInt(nodeDigest(t.pathOf(id), this.dataAt(id), this.statAt(id)));
    }
    return BigInt.asIntN(64, sum);
  }

  aclIndexCount(): number {
    return this.aclCache.size();
  }

  /** Paths of quota-tracked subtrees (from zookeeper_limits nodes). */
  quotas(): string[] {
    return [...this.quotaPaths];
  }

  /** Empty containers that once had children (ContainerManager.getCandidates). */
  containersToReap(): string[] {
    const out: string[] = [];
    for (const p of this.containers) {
      const id = this.table.find(p);
      if (id !== NONE && this.table.childCount(id) === 0 && this.table.cversion(id) > 0)
        out.push(p);
    }
    return out;
  }

  /** Childless TTL nodes not modified for longer than their ttl. */
  expiredTtls(nowMs: number): string[] {
    const out: string[] = [];
    for (const p of this.ttls) {
      const id = this.table.find(p);
      if (id === NONE || this.table.childCount(id) > 0) continue;
      const owner = this.ownerAt(id);
      if (ephemeralKind(owner) !== 'ttl') continue;
      const ttl = ttlOf(owner);
      if (ttl !== 0 && nowMs - this.table.mtime(id) > ttl) out.push(p);
    }
    return out;
  }

  // ---- apply ----

  apply(t: LoggedTxn): ApplyResult {
    const triggers: WatchTrigger[] = [];
    // applyTxn builds a fresh result each time: add the triggers to it rather than copy it.
    const r = this.applyTxn(t.header, t.txn, triggers) as ApplyResult;
    r.triggers = triggers;
    if (t.header.zxid > this.lastProcessedZxid) this.lastProcessedZxid = t.header.zxid;
    return r;
  }

  private applyTxn(
    h: TxnHeader,
    txn: Txn,
    triggers: WatchTrigger[],
  ): Omit<ApplyResult, 'triggers'> {
    const type = h.type;
    const ok = { type, err: 0 };
    switch (txn.type) {
      case OpCode.createSession:
        this.sessions.set(h.clientId, txn.timeOutMs);
        return ok;
      case OpCode.closeSession: {
        const owned = this.ephemerals.get(h.clientId);
        const listed = txn.paths2Delete ?? [];
        for (const p of listed) this.deleteNode(p, h.zxid, triggers);
        for (const p of [...(owned ?? [])])
          if (!listed.includes(p)) this.deleteNode(p, h.zxid, triggers);
        this.ephemerals.delete(h.clientId);
        this.sessions.delete(h.clientId);
        return ok;
      }
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createTTL:
      case OpCode.createContainer: {
        const owner =
          txn.type === OpCode.createContainer
            ? CONTAINER_OWNER
            : txn.type === OpCode.createTTL
              ? ttlOwner(txn.ttlMs)
              : txn.ephemeral
                ? h.clientId
                : 0n;
        const err = this.createNode(
          txn.path,
          txn.data,
          txn.acl,
          owner,
          txn.parentCVersion,
          h.zxid,
          h.time,
          triggers,
        );
        if (err === ErrorCode.nodeExists) {
          // Fuzzy-snapshot overlap (FileTxnSnapLog.processTransaction): keep the node, take the
          // txn's ACL, and for op 1 still apply the parent's cversion/pzxid.
          const existing = this.table.find(txn.path);
          if (existing !== NONE) this.replaceAcl(existing, txn.acl);
          if (type === OpCode.create)
            this.setCversionPzxid(parentOf(txn.path), txn.parentCVersion, h.zxid);
        }
        if (err !== 0) return { type, err, path: txn.path };
        return { type, err: 0, path: txn.path, stat: this.statOf(txn.path)! };
      }
      case OpCode.delete:
      case OpCode.deleteContainer: {
        const err = this.deleteNode(txn.path, h.zxid, triggers);
        return { type, err, path: txn.path };
      }
      case OpCode.setData:
      case OpCode.reconfig: {
        const id = this.table.find(txn.path);
        if (id === NONE) return { type, err: ErrorCode.noNode, path: txn.path };
        const oldLength = this.dataLengthAt(id);
        this.mutate(id, () => {
          this.setDataAt(id, txn.data);
          this.table.setVersion(id, txn.version);
          this.table.setMzxid(id, BigInt.asIntN(64, h.zxid));
          this.table.setMtime(id, h.time);
        });
        const q = this.maxQuotaPrefix(txn.path);
        if (q !== null) this.updateQuotaStat(q, (txn.data?.length ?? 0) - oldLength, 0);
        triggers.push({ type: EventType.nodeDataChanged, path: txn.path, zxid: h.zxid });
        return {
          type,
          err: 0,
          path: txn.path,
          stat: this.clientStatAt(id),
          data: this.dataAt(id),
        };
      }
      case OpCode.setACL: {
        const id = this.table.find(txn.path);
        if (id === NONE) return { type, err: ErrorCode.noNode, path: txn.path };
        this.mutate(id, () => {
          this.table.setAversion(id, txn.version);
        });
        this.replaceAcl(id, txn.acl);
        return { type, err: 0, path: txn.path, stat: this.clientStatAt(id) };
      }
      case OpCode.check:
        return { type, err: 0, path: txn.path };
      case OpCode.error:
        return { type, err: txn.err };
      case OpCode.multi:
        return this.applyMulti(h, txn.txns, triggers);
      default:
        return { type, err: ErrorCode.unimplemented };
    }
  }

  private applyMulti(
    h: TxnHeader,
    txns: Txn[],
    triggers: WatchTrigger[],
  ): Omit<ApplyResult, 'triggers'> {
    const failed = txns.some((t) => t.type === OpCode.error);
    const results: MultiResult[] = [];
    let err = 0;
    for (const sub of txns) {
      if (failed) {
        // Apache turns every real sub-txn of a failed multi into ErrorTxn(0): nothing applies.
        const code = sub.type === OpCode.error ? sub.err : 0;
        results.push({ type: OpCode.error, err: code });
        if (code !== 0 && err === 0) err = code;
        continue;
      }
      const r = this.applyTxn({ ...h, type: sub.type }, sub, triggers);
      if (r.err !== 0) {
        results.push({ type: OpCode.error, err: r.err });
        if (err === 0) err = r.err;
        continue;
      }
      switch (sub.type) {
        case OpCode.create:
          results.push({ type: OpCode.create, path: r.path! });
          break;
        case OpCode.create2:
        case OpCode.createTTL:
        case OpCode.createContainer:
          results.push({ type: OpCode.create2, path: r.path!, stat: r.stat! });
          break;
        case OpCode.delete:
        case OpCode.deleteContainer:
          results.push({ type: OpCode.delete });
          break;
        case OpCode.setData:
          results.push({ type: OpCode.setData, stat: r.stat! });
          break;
        case OpCode.check:
          results.push({ type: OpCode.check });
          break;
        default:
          results.push({ type: OpCode.error, err: r.err });
      }
    }
    return { type: h.type, err, multi: results };
  }

  private setStat(id: number, s: StatPersisted): void {
    const t = this.table;
    // czxid and ctime first: the other setters compare with them.
    t.czxids[id] = BigInt.asIntN(64, s.czxid);
    t.ctimes[id] = s.ctime;
    t.setMzxid(id, BigInt.asIntN(64, s.mzxid));
    t.setPzxid(id, BigInt.asIntN(64, s.pzxid));
    t.setMtime(id, s.mtime);
    t.setVersion(id, s.version);
    t.setCversion(id, s.cversion);
    t.setAversion(id, s.aversion);
    const owner = BigInt.asIntN(64, s.ephemeralOwner);
    if (owner !== 0n) t.owners.set(id, owner);
    else t.owners.delete(id);
  }

  private indexOwner(path: string, owner: bigint): void {
    const kind = ephemeralKind(owner);
    if (kind === 'container') this.containers.add(path);
    else if (kind === 'ttl') this.ttls.add(path);
    else if (kind === 'normal') {
      let set = this.ephemerals.get(owner);
      if (!set) this.ephemerals.set(owner, (set = new Set()));
      set.add(path);
    }
  }

  private createNode(
    path: string,
    data: Buffer | null,
    acl: ACL[],
    owner: bigint,
    parentCVersionIn: number,
    zxid: bigint,
    time: number,
    triggers: WatchTrigger[],
  ): number {
    const parentPath = parentOf(path);
    const parent = this.table.find(parentPath);
    if (parent === NONE || path === '/')
      return path === '/' ? ErrorCode.nodeExists : ErrorCode.noNode;
    // One probe for both the existence check and the insert.
    const id = this.table.findOrAdd(path, parent);
    if (id < 0) return ErrorCode.nodeExists;
    this.noteAdded(id, path);
    const aclIndex = this.aclSlot(this.aclCache.convert(acl));
    this.setCversionPzxidAt(parent, parentCVersionIn, zxid);
    this.setStat(id, {
      czxid: zxid,
      mzxid: zxid,
      ctime: time,
      mtime: time,
      version: 0,
      cversion: 0,
      aversion: 0,
      ephemeralOwner: owner,
      pzxid: zxid,
    });
    this.table.aclIndex[id] = aclIndex;
    this.setDataAt(id, data);
    this.dataSize += this.dataLengthAt(id);
    this.indexOwner(path, owner);
    const name = nameOf(path);
    if (parentPath.startsWith(QUOTA_ROOT) && (name === LIMIT_NODE || name === STAT_NODE)) {
      const realPath = parentPath.slice(QUOTA_ROOT.length);
      if (name === LIMIT_NODE && realPath.length > 0) this.quotaPaths.add(realPath);
    }
    const q = this.maxQuotaPrefix(path);
    if (q !== null) this.updateQuotaStat(q, data?.length ?? 0, 1);
    triggers.push({ type: EventType.nodeCreated, path, zxid });
    triggers.push({ type: EventType.nodeChildrenChanged, path: parentPath, zxid });
    return 0;
  }

  /** DataTree.setCversionPzxid: -1 means "current + 1"; only ever moves forward. */
  private setCversionPzxid(path: string, cversionIn: number, zxid: bigint): void {
    const id = this.table.find(path);
    if (id !== NONE) this.setCversionPzxidAt(id, cversionIn, zxid);
  }

  private setCversionPzxidAt(id: number, cversionIn: number, zxid: bigint): void {
    const current = this.table.cversion(id);
    const cversion = cversionIn === -1 ? current + 1 : cversionIn;
    if (cversion > current) {
      this.mutate(id, () => {
        this.table.setCversion(id, cversion);
        this.table.setPzxid(id, BigInt.asIntN(64, zxid));
      });
    }
  }

  private replaceAcl(id: number, acl: ACL[]): void {
    const index = this.aclCache.convert(acl);
    this.aclCache.removeUsage(BigInt(this.table.aclIndex[id]!));
    this.table.aclIndex[id] = this.aclSlot(index);
  }

  private deleteNode(path: string, zxid: bigint, triggers: WatchTrigger[]): number {
    const id = this.table.find(path);
    const parentPath = parentOf(path);
    const parent = this.table.find(parentPath);
    if (id === NONE || parent === NONE || path === '/') return ErrorCode.noNode;
    const acl = this.aclAt(id);
    const owner = this.ownerAt(id);
    const dataLength = this.dataLengthAt(id);
    this.aclCache.removeUsage(BigInt(this.table.aclIndex[id]!));
    this.mutate(parent, () => {
      this.removeNode(id, path);
      const z = BigInt.asIntN(64, zxid);
      if (z > this.table.pzxid(parent)) this.table.setPzxid(parent, z);
    });
    const kind = ephemeralKind(owner);
    if (kind === 'container') this.containers.delete(path);
    else if (kind === 'ttl') this.ttls.delete(path);
    else if (kind === 'normal') {
      const set = this.ephemerals.get(owner);
      set?.delete(path);
      if (set && set.size === 0) this.ephemerals.delete(owner);
    }
    if (parentPath.startsWith(QUOTA_ROOT) && nameOf(path) === LIMIT_NODE) {
      this.quotaPaths.delete(parentPath.slice(QUOTA_ROOT.length));
    }
    const q = this.maxQuotaPrefix(path);
    if (q !== null) this.updateQuotaStat(q, -dataLength, -1);
    triggers.push({ type: EventType.nodeDeleted, path, zxid, acl });
    triggers.push({ type: EventType.nodeChildrenChanged, path: parentPath, zxid });
    return 0;
  }

  /** Longest quota-tracked ancestor-or-self of `path` (PathTrie.findMaxPrefix), never "/". */
  private maxQuotaPrefix(path: string): string | null {
    if (this.quotaPaths.size === 0) return null;
    for (let p = path; p !== '/' && p.length > 0; p = parentOf(p)) {
      if (this.quotaPaths.has(p)) return p;
    }
    return null;
  }

  /** Quota stats are rewritten in place: no txn, no stat change (DataTree.updateQuotaStat). */
  private updateQuotaStat(quotaPath: string, bytesDiff: number, countDiff: number): void {
    const id = this.table.find(statPath(quotaPath));
    if (id === NONE) return;
    const m = parseStats(this.dataAt(id));
    m.set('count', (m.get('count') ?? -1) + countDiff);
    m.set('bytes', (m.get('bytes') ?? -1) + bytesDiff);
    this.mutate(id, () => {
      this.setDataAt(id, Buffer.from(formatStats(m), 'utf8'));
    });
  }

  // ---- snapshots ----

  /** Pre-order walk (parents first); the root's path is "" as Apache writes it. */
  exportSnapshot(): SnapshotData {
    const sessions = new Map(this.sessions);
    const acls = this.aclCache.entries();
    const walk = function* (tree: DataTree): Generator<SnapshotNode> {
      // Paths, not ids, on the stack: the walk is fuzzy and an id may be reused meanwhile.
      const stack: string[] = ['/'];
      const t = tree.table;
      while (stack.length > 0) {
        const path = stack.pop()!;
        const id = t.find(path);
        if (id === NONE) continue; // removed during a fuzzy walk
        yield {
          path: path === '/' ? '' : path,
          data: tree.dataAt(id),
          aclIndex: tree.aclIndexAt(id),
          stat: tree.statAt(id),
        };
        for (let c = t.lastChild(id); c !== NONE; c = t.prevSibling(c))
          stack.push(childPath(path, t.nameOf(c)));
      }
    };
    return { sessions, acls, nodes: walk(this), recordWriter: () => this.recordWriter() };
  }

  /**
   * The same fuzzy pre-order walk as exportSnapshot's nodes, written straight from the
   * columns and the slab: no node object, stat or bigint per node. A snapshot of a large tree
   * spent most of its main-thread time building and encoding those.
   */
  private recordWriter(): NodeRecordWriter {
    const t = this.table;
    // Each child pushed with its czxid and its parent (4 numbers: id, czxid's two words,
    // parent): while the id holds a live node with that czxid under that parent it is the node
    // pushed, with no path and no lookup. Otherwise the node was deleted during the walk (a
    // create that reused the id has another czxid) and is skipped: the log after the
    // snapshot's zxid replays that delete and any later create at its path.
    const root = t.find('/');
    const stack: number[] = [root, t.czxids32[root * 2 + HI]!, t.czxids32[root * 2 + LO]!, NONE];
    return (w, untilLength) => {
      while (stack.length > 0) {
        const parent = stack.pop()!;
        const lo = stack.pop()!;
        const hi = stack.pop()!;
        const id = stack.pop()!;
        const z = t.czxids32;
        if (
          !t.has(id) ||
          z[id * 2 + HI] !== hi ||
          z[id * 2 + LO] !== lo ||
          t.parentOf(id) !== parent
        )
          continue;
        this.writeRecord(w, id);
        for (let c = t.lastChild(id); c !== NONE; c = t.prevSibling(c))
          stack.push(c, z[c * 2 + HI]!, z[c * 2 + LO]!, id);
        if (w.length >= untilLength) return stack.length > 0;
      }
      return false;
    };
  }

  /** ustring path, buffer data, long ACL index, StatPersisted (persistence.md §3.2). */
  private writeRecord(w: JuteWriter, id: number): void {
    const t = this.table;
    // The path as a ustring straight from the names ("" for the root, as Apache writes it).
    if (t.parentOf(id) === NONE) w.int(0);
    else {
      const path = t.pathBytes(id);
      w.bufferFrom(path, 0, path.length);
    }
    const len = t.dataLen[id]!;
    if (len < 0) w.int(-1);
    else {
      const addr = t.dataAddr[id]!;
      w.bufferFrom(len === 0 ? NO_BYTES : this.slab.chunkOf(addr), offsetOf(addr), len);
    }
    const acl = t.aclIndex[id]!;
    w.int(acl >> 31).int(acl);
    const z = t.czxids32;
    w.int(z[id * 2 + HI]!).int(z[id * 2 + LO]!); // czxid
    w.int(t.mzxidWord(id, HI)).int(t.mzxidWord(id, LO));
    w.longNumber(t.ctimes[id]!).longNumber(t.mtime(id));
    w.int(t.version(id)).int(t.cversion(id)).int(t.aversion(id));
    const owner = t.owners.get(id);
    if (owner === undefined) w.int(0).int(0);
    else w.long(owner);
    w.int(t.pzxidWord(id, HI)).int(t.pzxidWord(id, LO));
  }

  static fromSnapshot(s: SnapshotData): DataTree {
    // Headroom for the creates a log replay adds after the snapshot (up to snapCount, 100k by
    // default; an eighth of 1M nodes was too little): growing later copies every column and
    // leaves the old ones as garbage; rows never touched cost no memory.
    const rows = s.raw ? s.raw.count + (s.raw.count >> 2) + 1024 : 16;
    const tree = new DataTree(BARE, rows, s.raw ? s.raw.count : 16);
    for (const [id, timeoutMs] of s.sessions) tree.sessions.set(id, timeoutMs);
    for (const [index, acl] of s.acls) tree.aclCache.load(index, acl);
    if (s.raw) tree.loadRaw(s.raw);
    else tree.loadNodes(s.nodes);
    if (tree.table.find('/') === NONE) throw new Error('snapshot has no root node');
    tree.aclCache.purgeUnused();
    if (s.zxid !== undefined) tree.lastProcessedZxid = s.zxid;
    tree.fullScan = true;
    return tree;
  }

  private loadNodes(nodes: Iterable<SnapshotNode>): void {
    for (const sn of nodes) {
      const path = sn.path === '' ? '/' : sn.path;
      if (!this.aclCache.has(sn.aclIndex))
        throw new Error(`snapshot node ${path} names missing ACL index ${sn.aclIndex}`);
      this.aclCache.addUsage(sn.aclIndex);
      const id = this.placeLoaded(path, NONE);
      this.setStat(id, sn.stat);
      this.table.aclIndex[id] = this.aclSlot(sn.aclIndex);
      this.setDataAt(id, sn.data);
      this.dataSize += this.dataLengthAt(id);
      this.indexLoaded(path, id);
    }
  }

  /**
   * Reads encoded node records straight into the table: no node objects, no bigints for
   * zxids, and data copied into the slab so the file buffer can go. Digests are left for
   * digest() to compute when first needed.
   */
  private loadRaw(raw: RawSnapshotNodes): void {
    const aclUses = new Map<number, number>();
    const chain: LoadChain = { ids: [], bytes: Buffer.alloc(256), len: 0, acl: 0, aclRun: 0 };
    for (const { buf, start, end } of raw.segments())
      this.loadRecords(buf, start, end, chain, aclUses);
    countAclRun(chain, aclUses);
    for (const [index, uses] of aclUses) {
      if (!this.aclCache.has(BigInt(index)))
        throw new Error(`snapshot names missing ACL index ${index}`);
      this.aclCache.addUsage(BigInt(index), uses);
    }
  }

  /**
   * Paths stay bytes here: a string is made only for the few nodes an index keeps by path
   * (ephemerals, quotas) and for errors.
   */
  private loadRecords(
    buf: Buffer,
    start: number,
    end: number,
    chain: LoadChain,
    aclUses: Map<number, number>,
  ): void {
    const t = this.table;
    let off = start;
    while (off < end) {
      const recordAt = off;
      const pathLen = buf.readInt32BE(off);
      off += 4;
      const pathAt = off;
      off += pathLen;
      const dataLen = buf.readInt32BE(off);
      off += 4;
      const dataAt = off;
      if (dataLen > 0) off += dataLen;
      const aclHi = buf.readInt32BE(off);
      const aclLo = buf.readInt32BE(off + 4);
      if (aclHi !== aclLo >> 31)
        throw new Error(
          `snapshot node ${pathTextAt(buf, pathAt, pathLen)} (offset ${recordAt}): ACL index out of range`,
        );
      off += 8;
      let id: number;
      if (pathLen === 0) {
        id = this.placeLoaded('/', NONE);
        chain.ids.length = 0;
        chain.ids.push(id);
        chain.len = 0;
      } else {
        let depth = 0;
        let slash = 0;
        let ascii = true;
        for (let i = 0; i < pathLen; i++) {
          const b = buf[pathAt + i]!;
          if (b === SLASH_BYTE) {
            depth++;
            slash = i;
          } else if (b >= 0x80) ascii = false;
        }
        const parent = this.loadedParent(buf, pathAt, pathLen, slash, depth, chain, recordAt);
        id = this.settleLoaded(
          t.findOrAddBytes(buf, pathAt, pathLen, parent),
          ascii ? pathLen : pathTextAt(buf, pathAt, pathLen).length,
        );
        if (chain.ids.length > depth) chain.ids.length = depth;
        chain.ids.push(id);
        if (pathLen > chain.bytes.length) chain.bytes = Buffer.alloc(pathLen * 2);
        const prev = chain.bytes;
        for (let i = 0; i < pathLen; i++) prev[i] = buf[pathAt + i]!;
        chain.len = pathLen;
      }
      // Runs of one ACL index are the rule (a subtree shares its ACL): a Map update per run.
      if (aclLo === chain.acl) chain.aclRun++;
      else {
        countAclRun(chain, aclUses);
        chain.acl = aclLo;
        chain.aclRun = 1;
      }
      t.aclIndex[id] = aclLo;
      // StatPersisted: czxid mzxid ctime mtime version cversion aversion ephemeralOwner pzxid
      // Read by hand after one bounds check: readInt32BE's own checks were ~5 % of a restart.
      if (off + 60 > end) throw new RangeError(`snapshot record at offset ${recordAt} is cut`);
      // czxid and ctime first: the other setters compare with them.
      const z = t.czxids32;
      z[id * 2 + HI] = int32At(buf, off);
      z[id * 2 + LO] = int32At(buf, off + 4);
      t.ctimes[id] = int32At(buf, off + 16) * 4294967296 + (int32At(buf, off + 20) >>> 0);
      t.setMzxidWords(id, int32At(buf, off + 8), int32At(buf, off + 12));
      t.setPzxidWords(id, int32At(buf, off + 52), int32At(buf, off + 56));
      t.setMtime(id, int32At(buf, off + 24) * 4294967296 + (int32At(buf, off + 28) >>> 0));
      t.setVersion(id, int32At(buf, off + 32));
      t.setCversion(id, int32At(buf, off + 36));
      t.setAversion(id, int32At(buf, off + 40));
      if (int32At(buf, off + 44) !== 0 || int32At(buf, off + 48) !== 0)
        t.owners.set(id, buf.readBigInt64BE(off + 44));
      else t.owners.delete(id);
      off += 60;
      const old = t.dataLen[id]!;
      if (old > 0) this.slab.release(t.dataAddr[id]!, old);
      if (dataLen < 0) t.dataLen[id] = -1;
      else {
        t.dataAddr[id] = this.slab.store(buf, dataAt, dataAt + dataLen);
        t.dataLen[id] = dataLen;
        this.dataSize += dataLen;
      }
      if (t.owners.has(id) || startsWithBytes(buf, pathAt, pathLen, QUOTA_PREFIX_BYTES))
        this.indexLoaded(pathTextAt(buf, pathAt, pathLen), id);
    }
  }

  /**
   * The parent of a loaded path whose last "/" is at `slash` and which has `depth` slashes.
   * Apache writes parents before children (pre-order), so the parent is almost always on the
   * previous path's chain of ancestors: a byte compare with that path finds it, with no hash
   * lookup. Otherwise it is looked up, and the chain is rebuilt from it.
   */
  private loadedParent(
    buf: Buffer,
    pathAt: number,
    pathLen: number,
    slash: number,
    depth: number,
    chain: LoadChain,
    recordAt: number,
  ): number {
    const prev = chain.bytes;
    if (
      chain.ids.length >= depth &&
      chain.len >= slash &&
      (chain.len === slash || prev[slash] === SLASH_BYTE) &&
      sameBytes(prev, buf, pathAt, slash)
    )
      return chain.ids[depth - 1]!;
    const path = pathTextAt(buf, pathAt, pathLen);
    const parent = this.table.find(slash === 0 ? '/' : path.slice(0, path.lastIndexOf('/')));
    if (parent === NONE)
      throw new Error(`snapshot node ${path} (offset ${recordAt}) comes before its parent`);
    chain.ids.length = 0;
    for (let n = parent; n !== NONE; n = this.table.parentOf(n)) chain.ids.push(n);
    chain.ids.reverse();
    if (chain.ids.length !== depth)
      throw new Error(`snapshot node ${path}: parent found at depth ${chain.ids.length - 1}`);
    return parent;
  }

  /**
   * The row for a loaded path: a new one linked under its parent, or the existing one when
   * a snapshot repeats a path (Apache's map put replaces the node; the child set is a set).
   */
  private placeLoaded(path: string, parentHint: number): number {
    let parent = parentHint;
    if (parent === NONE && path !== '/') {
      parent = this.table.find(parentOf(path));
      if (parent === NONE) throw new Error(`snapshot node ${path} comes before its parent`);
    }
    return this.settleLoaded(this.table.findOrAdd(path, parent), path.length);
  }

  /**
   * The row of a loaded path from findOrAdd's answer: a new one is left for digest() to
   * digest; an existing one (a repeated path) gives its data back to the size count, as the
   * record's data replaces it. `pathLength` counts UTF-16 units, as Java's String.length.
   */
  private settleLoaded(found: number, pathLength: number): number {
    if (found < 0) {
      const existing = -found - 2;
      this.dataSize -= this.dataLengthAt(existing);
      return existing;
    }
    this.pendingDigests++;
    this.dataSize += pathLength;
    return found;
  }

  private indexLoaded(path: string, id: number): void {
    const owner = this.table.owners.get(id);
    if (owner !== undefined) this.indexOwner(path, owner);
    if (path.startsWith(QUOTA_PREFIX) && path.endsWith(LIMIT_SUFFIX))
      this.quotaPaths.add(parentOf(path).slice(QUOTA_ROOT.length));
  }
}

/** A snapshot load's last path (bytes) and the ids of its ancestors by depth (root first). */
interface LoadChain {
  ids: number[];
  bytes: Buffer;
  len: number;
  /** The ACL index of the current run of records and the run's length. */
  acl: number;
  aclRun: number;
}

function startsWithBytes(buf: Buffer, at: number, len: number, prefix: Buffer): boolean {
  return len >= prefix.length && sameBytes(prefix, buf, at, prefix.length);
}

/** a[0, len) equals b[at, at + len); a loop beats Buffer#compare's call for short paths. */
function sameBytes(a: Uint8Array, b: Uint8Array, at: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[i] !== b[at + i]) return false;
  return true;
}

/** Big-endian int32 at `at`; the caller has checked the bounds. */
function int32At(b: Uint8Array, at: number): number {
  return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
}

function pathTextAt(buf: Buffer, at: number, len: number): string {
  return len === 0 ? '/' : buf.toString('utf8', at, at + len);
}

/** Adds the chain's current run of one ACL index to the use counts. */
function countAclRun(chain: LoadChain, aclUses: Map<number, number>): void {
  if (chain.aclRun > 0) aclUses.set(chain.acl, (aclUses.get(chain.acl) ?? 0) + chain.aclRun);
}

/**
 * The in-memory znode tree (Apache DataTree + the session map of ZKDatabase): applies logged
 * txns with replay semantics (persistence.md §4) and keeps the digest, ACL cache, ephemeral,
 * container and TTL indexes current.
 */
import { ErrorCode } from '../proto/errors.js';
import { EventType, OpCode } from '../proto/opcodes.js';
import type { MultiResult } from '../proto/requests.js';
import type { ACL, LoggedTxn, Stat, StatPersisted, Txn, TxnHeader } from '../proto/types.js';
import { READ_ACL_UNSAFE } from './acl.js';
import { AclCache, OPEN_ACL_INDEX } from './acl-cache.js';
import { nodeDigest } from './digest.js';
import { CONTAINER_OWNER, ephemeralKind, ttlOf, ttlOwner } from './ephemeral.js';
import { childPath, nameOf, parentOf } from './path.js';
import { LIMIT_NODE, QUOTA_ROOT, STAT_NODE, formatStats, parseStats, statPath } from './quota.js';
import type { SnapshotData, SnapshotNode } from './snapshot-data.js';
import { clientStat, copyStatPersisted, createStat, emptyStatPersisted } from './stat.js';
import type { WatchTrigger } from './watch-trigger.js';

export interface ZNode {
  data: Buffer | null;
  acl: ACL[];
  aclIndex: bigint;
  stat: StatPersisted;
  children: Set<string>;
  /** This node's current digest contribution (unsigned 32-bit). */
  digest: number;
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

function clone(data: Buffer | null): Buffer | null {
  return data === null ? null : Buffer.from(data);
}

export class DataTree {
  private readonly nodes = new Map<string, ZNode>();
  private aclCache = new AclCache();
  private readonly ephemerals = new Map<bigint, Set<string>>();
  private readonly containers = new Set<string>();
  private readonly ttls = new Set<string>();
  private readonly quotaPaths = new Set<string>();
  private digestSum = 0n;
  private dataSize = 0;
  /** Sessions known to the database (id → negotiated timeout ms), as ZKDatabase keeps them. */
  readonly sessions = new Map<bigint, number>();
  lastProcessedZxid = 0n;

  constructor() {
    this.insert('/', this.makeNode(null, OPEN_ACL_INDEX, emptyStatPersisted(), Buffer.alloc(0)));
    this.insert(
      '/zookeeper',
      this.makeNode(null, OPEN_ACL_INDEX, emptyStatPersisted(), Buffer.alloc(0)),
    );
    this.nodes.get('/')!.children.add('zookeeper');
    this.insert(
      QUOTA_ROOT,
      this.makeNode(null, OPEN_ACL_INDEX, emptyStatPersisted(), Buffer.alloc(0)),
    );
    this.nodes.get('/zookeeper')!.children.add('quota');
    this.insert(
      CONFIG_NODE,
      this.makeNode(null, OPEN_ACL_INDEX, emptyStatPersisted(), Buffer.alloc(0)),
    );
    this.nodes.get('/zookeeper')!.children.add('config');
    // addConfigNode: setACL(READ_ACL_UNSAFE, -1) → ACL index 1 and aversion -1.
    const config = this.nodes.get(CONFIG_NODE)!;
    this.mutate(CONFIG_NODE, config, () => {
      config.aclIndex = this.aclCache.convert(READ_ACL_UNSAFE);
      config.acl = this.aclCache.get(config.aclIndex);
      config.stat.aversion = -1;
    });
  }

  private makeNode(
    acl: ACL[] | null,
    aclIndex: bigint,
    stat: StatPersisted,
    data: Buffer | null,
  ): ZNode {
    return {
      data,
      acl: acl ?? this.aclCache.get(aclIndex),
      aclIndex,
      stat,
      children: new Set(),
      digest: 0,
    };
  }

  private insert(path: string, node: ZNode): void {
    node.digest = nodeDigest(path, node.data, node.stat);
    this.digestSum += BigInt(node.digest);
    this.nodes.set(path, node);
    this.dataSize += path.length + (node.data?.length ?? 0);
  }

  private remove(path: string, node: ZNode): void {
    this.digestSum -= BigInt(node.digest);
    this.nodes.delete(path);
    this.dataSize -= path.length + (node.data?.length ?? 0);
  }

  /** Every change to a node's data or stat goes through here so the digest stays exact. */
  private mutate(path: string, node: ZNode, change: () => void): void {
    this.digestSum -= BigInt(node.digest);
    this.dataSize -= node.data?.length ?? 0;
    change();
    node.digest = nodeDigest(path, node.data, node.stat);
    this.digestSum += BigInt(node.digest);
    this.dataSize += node.data?.length ?? 0;
  }

  // ---- reads ----

  /** The node at `path`; "" is the root's alias, as in Apache. */
  getNode(path: string): ZNode | undefined {
    return this.nodes.get(path === '' ? '/' : path);
  }

  has(path: string): boolean {
    return this.getNode(path) !== undefined;
  }

  statOf(path: string): Stat | undefined {
    const n = this.getNode(path);
    return n && this.clientStatOf(n);
  }

  clientStatOf(n: ZNode): Stat {
    return clientStat(n.stat, n.data?.length ?? 0, n.children.size);
  }

  /** Child names, in insertion order (Apache's order is a HashSet's, i.e. unspecified). */
  children(path: string): string[] | undefined {
    const n = this.getNode(path);
    return n && [...n.children];
  }

  /** Nodes as Apache counts them: the root is in its map twice ("" and "/"). */
  nodeCount(): number {
    return this.nodes.size + 1;
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
    if (path === '/') return this.nodes.size - 1;
    // Apache scans its keys for "" + "/": that matches the root's "/" alias and every other node.
    if (path === '') return this.nodes.size;
    const prefix = `${path}/`;
    let n = 0;
    for (const p of this.nodes.keys()) if (p.startsWith(prefix)) n++;
    return n;
  }

  /** Wrapping signed 64-bit sum of node digests (persistence.md §2.4). */
  digest(): bigint {
    return BigInt.asIntN(64, this.digestSum);
  }

  /** Recomputes the digest from scratch (tests, and a check after loading a snapshot). */
  recomputeDigest(): bigint {
    let sum = 0n;
    for (const [p, n] of this.nodes) sum += BigInt(nodeDigest(p, n.data, n.stat));
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
      const n = this.nodes.get(p);
      if (n && n.children.size === 0 && n.stat.cversion > 0) out.push(p);
    }
    return out;
  }

  /** Childless TTL nodes not modified for longer than their ttl. */
  expiredTtls(nowMs: number): string[] {
    const out: string[] = [];
    for (const p of this.ttls) {
      const n = this.nodes.get(p);
      if (!n || n.children.size > 0 || ephemeralKind(n.stat.ephemeralOwner) !== 'ttl') continue;
      const ttl = ttlOf(n.stat.ephemeralOwner);
      if (ttl !== 0 && nowMs - n.stat.mtime > ttl) out.push(p);
    }
    return out;
  }

  // ---- apply ----

  apply(t: LoggedTxn): ApplyResult {
    const triggers: WatchTrigger[] = [];
    const r = this.applyTxn(t.header, t.txn, triggers);
    if (t.header.zxid > this.lastProcessedZxid) this.lastProcessedZxid = t.header.zxid;
    return { ...r, triggers };
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
          const existing = this.nodes.get(txn.path);
          if (existing) this.replaceAcl(txn.path, existing, txn.acl);
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
        const n = this.nodes.get(txn.path);
        if (!n) return { type, err: ErrorCode.noNode, path: txn.path };
        const oldLength = n.data?.length ?? 0;
        this.mutate(txn.path, n, () => {
          n.data = clone(txn.data);
          n.stat.version = txn.version;
          n.stat.mzxid = h.zxid;
          n.stat.mtime = h.time;
        });
        const q = this.maxQuotaPrefix(txn.path);
        if (q !== null) this.updateQuotaStat(q, (txn.data?.length ?? 0) - oldLength, 0);
        triggers.push({ type: EventType.nodeDataChanged, path: txn.path, zxid: h.zxid });
        return { type, err: 0, path: txn.path, stat: this.clientStatOf(n), data: n.data };
      }
      case OpCode.setACL: {
        const n = this.nodes.get(txn.path);
        if (!n) return { type, err: ErrorCode.noNode, path: txn.path };
        this.mutate(txn.path, n, () => {
          n.stat.aversion = txn.version;
        });
        this.replaceAcl(txn.path, n, txn.acl);
        return { type, err: 0, path: txn.path, stat: this.clientStatOf(n) };
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
    const parent = this.nodes.get(parentPath);
    if (!parent || path === '/') return path === '/' ? ErrorCode.nodeExists : ErrorCode.noNode;
    const name = nameOf(path);
    if (parent.children.has(name)) return ErrorCode.nodeExists;
    const aclIndex = this.aclCache.convert(acl);
    this.setCversionPzxid(parentPath, parentCVersionIn, zxid);
    const node = this.makeNode(null, aclIndex, createStat(zxid, time, owner), clone(data));
    parent.children.add(name);
    this.insert(path, node);
    const kind = ephemeralKind(owner);
    if (kind === 'container') this.containers.add(path);
    else if (kind === 'ttl') this.ttls.add(path);
    else if (kind === 'normal') {
      let set = this.ephemerals.get(owner);
      if (!set) this.ephemerals.set(owner, (set = new Set()));
      set.add(path);
    }
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
    const n = this.nodes.get(path);
    if (!n) return;
    const cversion = cversionIn === -1 ? n.stat.cversion + 1 : cversionIn;
    if (cversion > n.stat.cversion) {
      this.mutate(path, n, () => {
        n.stat.cversion = cversion;
        n.stat.pzxid = zxid;
      });
    }
  }

  private replaceAcl(path: string, n: ZNode, acl: ACL[]): void {
    const index = this.aclCache.convert(acl);
    this.aclCache.removeUsage(n.aclIndex);
    n.aclIndex = index;
    n.acl = this.aclCache.get(index);
    void path;
  }

  private deleteNode(path: string, zxid: bigint, triggers: WatchTrigger[]): number {
    const node = this.nodes.get(path);
    const parentPath = parentOf(path);
    const parent = this.nodes.get(parentPath);
    if (!node || !parent || path === '/') return ErrorCode.noNode;
    this.remove(path, node);
    this.aclCache.removeUsage(node.aclIndex);
    this.mutate(parentPath, parent, () => {
      parent.children.delete(nameOf(path));
      if (zxid > parent.stat.pzxid) parent.stat.pzxid = zxid;
    });
    const kind = ephemeralKind(node.stat.ephemeralOwner);
    if (kind === 'container') this.containers.delete(path);
    else if (kind === 'ttl') this.ttls.delete(path);
    else if (kind === 'normal') {
      const set = this.ephemerals.get(node.stat.ephemeralOwner);
      set?.delete(path);
      if (set && set.size === 0) this.ephemerals.delete(node.stat.ephemeralOwner);
    }
    if (parentPath.startsWith(QUOTA_ROOT) && nameOf(path) === LIMIT_NODE) {
      this.quotaPaths.delete(parentPath.slice(QUOTA_ROOT.length));
    }
    const q = this.maxQuotaPrefix(path);
    if (q !== null) this.updateQuotaStat(q, -(node.data?.length ?? 0), -1);
    triggers.push({ type: EventType.nodeDeleted, path, zxid, acl: node.acl });
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
    const p = statPath(quotaPath);
    const n = this.nodes.get(p);
    if (!n) return;
    const m = parseStats(n.data);
    m.set('count', (m.get('count') ?? -1) + countDiff);
    m.set('bytes', (m.get('bytes') ?? -1) + bytesDiff);
    this.mutate(p, n, () => {
      n.data = Buffer.from(formatStats(m), 'utf8');
    });
  }

  // ---- snapshots ----

  /** Pre-order walk (parents first); the root's path is "" as Apache writes it. */
  exportSnapshot(): SnapshotData {
    const sessions = new Map(this.sessions);
    const acls = this.aclCache.entries();
    const walk = function* (tree: DataTree): Generator<SnapshotNode> {
      const stack: string[] = ['/'];
      while (stack.length > 0) {
        const path = stack.pop()!;
        const n = tree.nodes.get(path);
        if (!n) continue; // removed during a fuzzy walk
        yield {
          path: path === '/' ? '' : path,
          data: n.data,
          aclIndex: n.aclIndex,
          stat: copyStatPersisted(n.stat),
        };
        const names = [...n.children];
        for (let i = names.length - 1; i >= 0; i--) stack.push(childPath(path, names[i]!));
      }
    };
    return { sessions, acls, nodes: walk(this) };
  }

  static fromSnapshot(s: SnapshotData): DataTree {
    const tree = new DataTree();
    tree.reset();
    for (const [id, timeoutMs] of s.sessions) tree.sessions.set(id, timeoutMs);
    for (const [index, acl] of s.acls) tree.aclCache.load(index, acl);
    for (const sn of s.nodes) {
      const path = sn.path === '' ? '/' : sn.path;
      if (!tree.aclCache.has(sn.aclIndex))
        throw new Error(`snapshot node ${path} names missing ACL index ${sn.aclIndex}`);
      tree.aclCache.addUsage(sn.aclIndex);
      const node = tree.makeNode(null, sn.aclIndex, copyStatPersisted(sn.stat), clone(sn.data));
      if (path !== '/') {
        const parent = tree.nodes.get(parentOf(path));
        if (!parent) throw new Error(`snapshot node ${path} comes before its parent`);
        parent.children.add(nameOf(path));
      }
      tree.insert(path, node);
      const owner = sn.stat.ephemeralOwner;
      const kind = ephemeralKind(owner);
      if (kind === 'container') tree.containers.add(path);
      else if (kind === 'ttl') tree.ttls.add(path);
      else if (kind === 'normal') {
        let set = tree.ephemerals.get(owner);
        if (!set) tree.ephemerals.set(owner, (set = new Set()));
        set.add(path);
      }
      if (path.startsWith(`${QUOTA_ROOT}/`) && nameOf(path) === LIMIT_NODE) {
        tree.quotaPaths.add(parentOf(path).slice(QUOTA_ROOT.length));
      }
    }
    if (!tree.nodes.has('/')) throw new Error('snapshot has no root node');
    tree.aclCache.purgeUnused();
    return tree;
  }

  /** Empties everything (fromSnapshot builds from nothing). */
  private reset(): void {
    this.nodes.clear();
    this.aclCache = new AclCache();
    this.digestSum = 0n;
    this.dataSize = 0;
  }
}

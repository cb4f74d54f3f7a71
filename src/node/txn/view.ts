/**
 * What write validation sees: the tree plus prepared-but-unapplied changes (Apache's
 * outstandingChanges / ChangeRecord), and how a txn changes that view.
 */
import { OpCode } from '../proto/opcodes.js';
import type { ACL, LoggedTxn, StatPersisted, Txn, TxnHeader } from '../proto/types.js';
import { CONTAINER_OWNER, ttlOwner } from '../tree/ephemeral.js';
import { parentOf } from '../tree/path.js';
import { createStat } from '../tree/stat.js';

export interface NodeView {
  stat: StatPersisted;
  childCount: number;
  acl: ACL[];
  data: Buffer | null;
}

export interface PendingView {
  /** The node as it will be once every prepared txn is applied; null when it will not exist. */
  get(path: string): NodeView | null;
  /** The session's ephemerals as they will be (closeSession's paths2Delete). */
  ephemeralsOf(sessionId: bigint): string[];
}

export interface Change {
  path: string;
  node: NodeView | null;
}

export function normalisePath(path: string): string {
  return path === '' ? '/' : path;
}

/** A view with local changes on top (one multi's earlier ops, or one txn being recorded). */
export class Overlay implements PendingView {
  readonly changes: Change[] = [];
  private readonly latest = new Map<string, NodeView | null>();

  constructor(private readonly base: PendingView) {}

  get(path: string): NodeView | null {
    const p = normalisePath(path);
    return this.latest.has(p) ? this.latest.get(p)! : this.base.get(p);
  }

  put(path: string, node: NodeView | null): void {
    const p = normalisePath(path);
    this.latest.set(p, node);
    this.changes.push({ path: p, node });
  }

  ephemeralsOf(sessionId: bigint): string[] {
    const set = new Set(this.base.ephemeralsOf(sessionId));
    for (const c of this.changes) {
      if (c.node === null) set.delete(c.path);
      else if (c.node.stat.ephemeralOwner === sessionId) set.add(c.path);
    }
    return [...set];
  }
}

function withStat(
  n: NodeView,
  change: Partial<StatPersisted>,
  rest: Partial<NodeView> = {},
): NodeView {
  // Spelled out, not spread: spreads with overrides take V8's slow clone path, and every
  // create updates its parent through here.
  const s = n.stat;
  return {
    stat: {
      czxid: change.czxid ?? s.czxid,
      mzxid: change.mzxid ?? s.mzxid,
      ctime: change.ctime ?? s.ctime,
      mtime: change.mtime ?? s.mtime,
      version: change.version ?? s.version,
      cversion: change.cversion ?? s.cversion,
      aversion: change.aversion ?? s.aversion,
      ephemeralOwner: change.ephemeralOwner ?? s.ephemeralOwner,
      pzxid: change.pzxid ?? s.pzxid,
    },
    childCount: rest.childCount ?? n.childCount,
    acl: rest.acl ?? n.acl,
    data: 'data' in rest ? rest.data! : n.data,
  };
}

function removeChild(view: Overlay, path: string, zxid: bigint): void {
  const parentPath = parentOf(path);
  const parent = view.get(parentPath);
  if (parent)
    view.put(parentPath, withStat(parent, { pzxid: zxid }, { childCount: parent.childCount - 1 }));
  view.put(path, null);
}

/** Applies `txn` to `view` the way PrepRequestProcessor's change records describe it. */
export function applyToView(h: TxnHeader, txn: Txn, view: Overlay): void {
  switch (txn.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createTTL:
    case OpCode.createContainer: {
      const parentPath = parentOf(txn.path);
      const parent = view.get(parentPath);
      if (parent) {
        const cversion = txn.parentCVersion === -1 ? parent.stat.cversion + 1 : txn.parentCVersion;
        view.put(
          parentPath,
          withStat(parent, { cversion, pzxid: h.zxid }, { childCount: parent.childCount + 1 }),
        );
      }
      const owner =
        txn.type === OpCode.createContainer
          ? CONTAINER_OWNER
          : txn.type === OpCode.createTTL
            ? ttlOwner(txn.ttlMs)
            : txn.ephemeral
              ? h.clientId
              : 0n;
      view.put(txn.path, {
        stat: createStat(h.zxid, h.time, owner),
        childCount: 0,
        acl: txn.acl,
        data: txn.data,
      });
      return;
    }
    case OpCode.delete:
    case OpCode.deleteContainer:
      removeChild(view, txn.path, h.zxid);
      return;
    case OpCode.setData:
    case OpCode.reconfig: {
      const n = view.get(txn.path);
      if (n)
        view.put(
          txn.path,
          withStat(n, { version: txn.version, mzxid: h.zxid, mtime: h.time }, { data: txn.data }),
        );
      return;
    }
    case OpCode.setACL: {
      const n = view.get(txn.path);
      if (n) view.put(txn.path, withStat(n, { aversion: txn.version }, { acl: txn.acl }));
      return;
    }
    case OpCode.closeSession:
      for (const p of txn.paths2Delete ?? []) removeChild(view, p, h.zxid);
      return;
    case OpCode.multi:
      if (txn.txns.some((t) => t.type === OpCode.error)) return;
      for (const sub of txn.txns) applyToView(h, sub, view);
      return;
    default:
      return;
  }
}

/** The changes a logged txn makes to `base`. */
export function changesOf(t: LoggedTxn, base: PendingView): Change[] {
  const { header: h, txn } = t;
  if (txn.type === OpCode.setData) {
    // The most common write, without an Overlay: what applyToView does for it.
    const path = normalisePath(txn.path);
    const n = base.get(path);
    if (!n) return [];
    const change = { version: txn.version, mzxid: h.zxid, mtime: h.time };
    return [{ path, node: withStat(n, change, { data: txn.data }) }];
  }
  const o = new Overlay(base);
  applyToView(h, txn, o);
  return o.changes;
}

import { EventType, WatcherType } from '../proto/opcodes.js';
import type { SetWatches } from '../proto/requests.js';
import { WatchManager, WatchMode } from './watch-manager.js';
import type { Delivery, WatchTrigger } from './watch-trigger.js';

export type WatchKind = 'data' | 'child' | 'persistent' | 'persistentRecursive';

/** `wchs`: connections with a data watch, paths with one, data watches (Apache's WatchesSummary). */
export interface WatchSummary {
  connections: number;
  paths: number;
  totalWatches: number;
}

/** Zxid of notifications produced by setWatches rather than by a txn. */
const noZxid = -1n;

function delivery(watcher: number, type: number, path: string, zxid: bigint): Delivery {
  return { watcher, event: { type, state: 3, path }, zxid };
}

/**
 * Every watch of every connection (client-protocol.md §8), as Apache 3.9's DataTree pair of
 * managers: data watches (getData/exists, persistent, persistent-recursive) and child watches
 * (getChildren, persistent). Watchers are connection ids: watches die with their connection.
 * Modes on the same path do not disturb each other (ZOOKEEPER-4466, Apache 3.9 behaviour).
 */
export class WatchRegistry {
  private readonly data = new WatchManager();
  private readonly child = new WatchManager();

  add(watcher: number, path: string, kind: WatchKind): void {
    switch (kind) {
      case 'data':
        this.data.add(watcher, path, WatchMode.standard);
        return;
      case 'child':
        this.child.add(watcher, path, WatchMode.standard);
        return;
      case 'persistent':
        this.data.add(watcher, path, WatchMode.persistent);
        this.child.add(watcher, path, WatchMode.persistent);
        return;
      case 'persistentRecursive':
        this.data.add(watcher, path, WatchMode.persistentRecursive);
        return;
    }
  }

  /**
   * Fires one trigger. One-shot watches are consumed even when canRead then drops the
   * event. canRead gets the event path (for NodeChildrenChanged that is the parent).
   * Order: data-manager hits before child-manager hits; within one, the path's own watchers
   * in registration order, then recursive watchers of ancestors, nearest first.
   */
  trigger(t: WatchTrigger, canRead: (watcher: number, path: string) => boolean): Delivery[] {
    if (!this.mayFire(t)) return [];
    let watchers: number[];
    switch (t.type) {
      case EventType.nodeCreated:
      case EventType.nodeDataChanged:
        watchers = this.data.trigger(t.path);
        break;
      case EventType.nodeDeleted: {
        const fromData = this.data.trigger(t.path);
        watchers = [...fromData, ...this.child.trigger(t.path, new Set(fromData))];
        break;
      }
      case EventType.nodeChildrenChanged:
        watchers = this.child.trigger(t.path);
        break;
    }
    return watchers
      .filter((w) => canRead(w, t.path))
      .map((w) => delivery(w, t.type, t.path, t.zxid));
  }

  /** False when trigger(t) would surely deliver nothing (and consume no watch). */
  mayFire(t: WatchTrigger): boolean {
    switch (t.type) {
      case EventType.nodeCreated:
      case EventType.nodeDataChanged:
        return this.data.mayHit(t.path);
      case EventType.nodeDeleted:
        return this.data.mayHit(t.path) || this.child.mayHit(t.path);
      case EventType.nodeChildrenChanged:
        return this.child.mayHit(t.path);
    }
    return true;
  }

  /**
   * Re-registers a reconnecting client's watches against the current tree; whatever it
   * missed since relativeZxid is answered at once (zxid -1) instead of being registered.
   */
  setWatches(
    watcher: number,
    req: SetWatches,
    lookup: (path: string) => { mzxid: bigint; pzxid: bigint } | undefined,
  ): Delivery[] {
    const out: Delivery[] = [];
    for (const path of req.dataWatches) {
      const node = lookup(path);
      if (node === undefined) out.push(delivery(watcher, EventType.nodeDeleted, path, noZxid));
      else if (node.mzxid > req.relativeZxid)
        out.push(delivery(watcher, EventType.nodeDataChanged, path, noZxid));
      else this.data.add(watcher, path, WatchMode.standard);
    }
    for (const path of req.existWatches) {
      if (lookup(path) !== undefined)
        out.push(delivery(watcher, EventType.nodeCreated, path, noZxid));
      else this.data.add(watcher, path, WatchMode.standard);
    }
    for (const path of req.childWatches) {
      const node = lookup(path);
      if (node === undefined) out.push(delivery(watcher, EventType.nodeDeleted, path, noZxid));
      else if (node.pzxid > req.relativeZxid)
        out.push(delivery(watcher, EventType.nodeChildrenChanged, path, noZxid));
      else this.child.add(watcher, path, WatchMode.standard);
    }
    for (const path of req.persistentWatches) this.add(watcher, path, 'persistent');
    for (const path of req.persistentRecursiveWatches) {
      this.add(watcher, path, 'persistentRecursive');
    }
    return out;
  }

  /** checkWatches (17): does this connection hold such a watch? watcherType as WatcherType. */
  check(watcher: number, path: string, watcherType: number): boolean {
    switch (watcherType) {
      case WatcherType.children:
        return this.child.contains(watcher, path, WatchMode.standard);
      case WatcherType.data:
        return this.data.contains(watcher, path, WatchMode.standard);
      case WatcherType.persistent:
        return this.data.contains(watcher, path, WatchMode.persistent);
      case WatcherType.persistentRecursive:
        return this.data.contains(watcher, path, WatchMode.persistentRecursive);
      case WatcherType.any:
        return this.child.contains(watcher, path) || this.data.contains(watcher, path);
      default:
        return false;
    }
  }

  /** removeWatches (18): true if something was removed (else the reply is NoWatcher). */
  remove(watcher: number, path: string, watcherType: number): boolean {
    switch (watcherType) {
      case WatcherType.children:
        return this.child.remove(watcher, path, WatchMode.standard);
      case WatcherType.data:
        return this.data.remove(watcher, path, WatchMode.standard);
      case WatcherType.persistent: {
        const fromChild = this.child.remove(watcher, path, WatchMode.persistent);
        return this.data.remove(watcher, path, WatchMode.persistent) || fromChild;
      }
      case WatcherType.persistentRecursive:
        return this.data.remove(watcher, path, WatchMode.persistentRecursive);
      case WatcherType.any: {
        const fromChild = this.child.remove(watcher, path);
        return this.data.remove(watcher, path) || fromChild;
      }
      default:
        return false;
    }
  }

  /** The connection closed. */
  removeWatcher(watcher: number): void {
    this.data.removeWatcher(watcher);
    this.child.removeWatcher(watcher);
  }

  /** mntr zk_watch_count: (path, connection) pairs in both managers. */
  watchCount(): number {
    return this.data.size + this.child.size;
  }

  /** `wchs`: data watches only, as Apache's DataTree.dumpWatchesSummary. */
  summary(): WatchSummary {
    return {
      connections: this.data.watcherCount,
      paths: this.data.pathCount,
      totalWatches: this.data.size,
    };
  }

  /** `wchc`: data-watched paths per connection. */
  byWatcher(): Map<number, string[]> {
    return this.data.byWatcher();
  }

  /** `wchp`: connections per data-watched path. */
  byPath(): Map<string, number[]> {
    return this.data.byPath();
  }

  /** Connection/path pairs holding a persistent (data manager) or persistent-recursive watch. */
  persistentCounts(): { persistent: number; persistentRecursive: number } {
    return {
      persistent: this.data.countMode(WatchMode.persistent),
      persistentRecursive: this.data.countMode(WatchMode.persistentRecursive),
    };
  }
}

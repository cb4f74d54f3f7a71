/**
 * What applying a txn asks the watch registry to fire. Same shape as tree/watch-trigger.ts
 * (declared here too so this folder does not wait on the tree; structural typing joins them).
 */
export interface WatchTrigger {
  /** 1 NodeCreated, 2 NodeDeleted, 3 NodeDataChanged, 4 NodeChildrenChanged. */
  type: 1 | 2 | 3 | 4;
  /** For NodeChildrenChanged: the parent whose children changed. */
  path: string;
  zxid: bigint;
}

/** One notification for one connection; the shell encodes it with xid -1 and this zxid. */
export interface Delivery {
  watcher: number;
  event: { type: number; state: 3; path: string };
  zxid: bigint;
}

/** What applying a txn asks the watch registry to fire, in the order Apache fires them. */
import type { ACL } from '../proto/types.js';

export interface WatchTrigger {
  /** 1 NodeCreated, 2 NodeDeleted, 3 NodeDataChanged, 4 NodeChildrenChanged. */
  type: 1 | 2 | 3 | 4;
  /** For NodeChildrenChanged: the parent whose children changed ("/" for top-level). */
  path: string;
  zxid: bigint;
  /** ACL that gates delivery when the node is gone by the time events are sent (NodeDeleted). */
  acl?: ACL[];
}

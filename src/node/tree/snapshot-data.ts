/** What a snapshot holds, as the tree exports it and imports it (persistence.md §3.2). */
import type { ACL, StatPersisted } from '../proto/types.js';

export interface SnapshotNode {
  /** The root is "" (as Apache writes it); children are parent + "/" + name. */
  path: string;
  data: Buffer | null;
  aclIndex: bigint;
  stat: StatPersisted;
}

export interface SnapshotData {
  /** session id → negotiated timeout in ms */
  sessions: Map<bigint, number>;
  acls: Map<bigint, ACL[]>;
  /** Parents before children. */
  nodes: Iterable<SnapshotNode>;
}

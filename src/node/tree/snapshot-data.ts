/** What a snapshot holds, as the tree exports it and imports it (persistence.md §3.2). */
import type { JuteWriter } from '../proto/jute.js';
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
  /**
   * The same walk written straight from the source's own storage, with no object per node
   * (a live tree's): encoders use it when present. Each call starts a walk of its own.
   */
  recordWriter?: () => NodeRecordWriter;
  /**
   * The zxid the snapshot file is named after: a loaded tree's lastProcessedZxid (FileSnap
   * sets it from the name), so new txns continue after it even when no log follows.
   */
  zxid?: bigint;
  /** The same nodes still encoded, when the source has them so (a snapshot file being loaded). */
  raw?: RawSnapshotNodes;
}

/**
 * Writes the next node records (as `nodes` would give them, encoded as a snapshot holds them)
 * into w until it holds at least `untilLength` bytes; false once every node is written.
 */
export type NodeRecordWriter = (w: JuteWriter, untilLength: number) => boolean;

/**
 * Node records as a snapshot encodes them (persistence.md §3.2: ustring path, buffer data,
 * long ACL index, StatPersisted), already checked to be whole, without the closing "/"
 * record, in one or more segments of whole records. A loader can read them without building
 * a SnapshotNode per node; a segment's buffer may be reused once the next is asked for.
 */
export interface RawSnapshotNodes {
  count: number;
  segments(): Iterable<RawNodeSegment>;
}

export interface RawNodeSegment {
  buf: Buffer;
  start: number;
  end: number;
}

/**
 * What a snapshot holds, as the tree exports and imports it. Mirrors
 * src/node/tree/snapshot-data.ts (the tree's contract); kept here until that file lands,
 * structurally identical so either can be passed where the other is expected.
 */
import type { ACL, StatPersisted } from '../proto/types.js';
import type { NodeRecordWriter } from '../tree/snapshot-data.js';

export type { NodeRecordWriter };

export interface SnapshotNode {
  /** The root is "" (as Apache writes it); children are parent + "/" + name. */
  path: string;
  data: Buffer | null;
  aclIndex: bigint;
  stat: StatPersisted;
}

export interface SnapshotData {
  sessions: Map<bigint, number>;
  acls: Map<bigint, ACL[]>;
  nodes: Iterable<SnapshotNode>;
  recordWriter?: () => NodeRecordWriter;
}

/** The ZxidDigest section: zxid 0 means "no digest". */
export interface ZxidDigest {
  zxid: bigint;
  digestVersion: number;
  digest: bigint;
}

/** Values read at the end of serialization (after the fuzzy node walk), as Apache does. */
export interface SnapshotTail {
  zxidDigest: ZxidDigest | null;
  /** null omits the section, as Apache 3.8 does (3.9 writes it). */
  lastProcessedZxid: bigint | null;
}

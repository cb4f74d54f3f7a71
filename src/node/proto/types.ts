/**
 * The data records every layer shares (zookeeper.jute), as plain values.
 * 64-bit ids (zxid, session id, ephemeralOwner) are bigint; times and ttl are ms as number.
 */
import type { OpCode } from './opcodes.js';

export interface Id {
  scheme: string;
  id: string;
}

export interface ACL {
  perms: number;
  id: Id;
}

/** What clients see (68 bytes on the wire). */
export interface Stat {
  czxid: bigint;
  mzxid: bigint;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

/** What the tree stores and snapshots hold (60 bytes; cversion is the persisted one). */
export interface StatPersisted {
  czxid: bigint;
  mzxid: bigint;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  pzxid: bigint;
}

export interface TxnHeader {
  clientId: bigint;
  cxid: number;
  zxid: bigint;
  time: number;
  type: number;
}

/** Txn records (persistence.md §2.3), discriminated by the header's type. */
export type Txn =
  | { type: typeof OpCode.createSession; timeOutMs: number }
  /** paths2Delete is null in logs written before closeSessionTxn existed. */
  | { type: typeof OpCode.closeSession; paths2Delete: string[] | null }
  | {
      type: typeof OpCode.create | typeof OpCode.create2;
      path: string;
      data: Buffer | null;
      acl: ACL[];
      ephemeral: boolean;
      /** -1 in old-format (V0) records: "parent cversion + 1". */
      parentCVersion: number;
    }
  | {
      type: typeof OpCode.createTTL;
      path: string;
      data: Buffer | null;
      acl: ACL[];
      parentCVersion: number;
      ttlMs: number;
    }
  | {
      type: typeof OpCode.createContainer;
      path: string;
      data: Buffer | null;
      acl: ACL[];
      parentCVersion: number;
    }
  | { type: typeof OpCode.delete | typeof OpCode.deleteContainer; path: string }
  | {
      type: typeof OpCode.setData | typeof OpCode.reconfig;
      path: string;
      data: Buffer | null;
      version: number;
    }
  | { type: typeof OpCode.setACL; path: string; acl: ACL[]; version: number }
  | { type: typeof OpCode.check; path: string; version: number }
  | { type: typeof OpCode.error; err: number }
  | { type: typeof OpCode.multi; txns: Txn[] };

export interface TxnDigest {
  version: number;
  treeDigest: bigint;
}

/** One logged transaction: what the log, the snapshot replay and the quorum carry. */
export interface LoggedTxn {
  header: TxnHeader;
  txn: Txn;
  digest?: TxnDigest;
}

export const ZERO_STAT: Readonly<Stat> = Object.freeze({
  czxid: 0n,
  mzxid: 0n,
  ctime: 0,
  mtime: 0,
  version: 0,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 0,
  numChildren: 0,
  pzxid: 0n,
});

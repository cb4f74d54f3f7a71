/**
 * Client request and response records (client-protocol.md §6), as plain values.
 * Field names are the .jute names; the codec in records.ts reads and writes them.
 */
import type { ACL, Stat } from './types.js';
import type { OpCode } from './opcodes.js';

export interface RequestHeader {
  xid: number;
  type: number;
}

export interface ReplyHeader {
  xid: number;
  zxid: bigint;
  err: number;
}

export interface ConnectRequest {
  protocolVersion: number;
  lastZxidSeen: bigint;
  timeOut: number;
  sessionId: bigint;
  passwd: Buffer;
  /** undefined when the client sent no readOnly byte (node-zookeeper-client): the reply omits it too. */
  readOnly: boolean | undefined;
}

export interface ConnectResponse {
  protocolVersion: number;
  timeOut: number;
  sessionId: bigint;
  passwd: Buffer;
  /** undefined: omit the trailing byte. */
  readOnly: boolean | undefined;
}

export interface CreateRequest {
  path: string;
  data: Buffer | null;
  acl: ACL[];
  flags: number;
}
export interface CreateTTLRequest extends CreateRequest {
  ttl: number;
}
export interface DeleteRequest {
  path: string;
  version: number;
}
export interface PathWatchRequest {
  path: string;
  watch: boolean;
}
export interface SetDataRequest {
  path: string;
  data: Buffer | null;
  version: number;
}
export interface PathRequest {
  path: string;
}
export interface SetACLRequest {
  path: string;
  acl: ACL[];
  version: number;
}
export interface CheckVersionRequest {
  path: string;
  version: number;
}
export interface ReconfigRequest {
  joiningServers: string | null;
  leavingServers: string | null;
  newMembers: string | null;
  curConfigId: bigint;
}
export interface PathTypeRequest {
  path: string;
  /** WatcherType for check/removeWatches. */
  type: number;
}
export interface AddWatchRequest {
  path: string;
  mode: number;
}
export interface SetWatches {
  relativeZxid: bigint;
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
  /** Empty for SetWatches (101); present in SetWatches2 (105). */
  persistentWatches: string[];
  persistentRecursiveWatches: string[];
}
export interface AuthPacket {
  type: number;
  scheme: string;
  auth: Buffer | null;
}
export interface GetEphemeralsRequest {
  prefixPath: string | null;
}

/** One op inside multi (14) or multiRead (22). */
export type MultiOp =
  | {
      type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer;
      request: CreateRequest;
    }
  | { type: typeof OpCode.createTTL; request: CreateTTLRequest }
  | { type: typeof OpCode.delete; request: DeleteRequest }
  | { type: typeof OpCode.setData; request: SetDataRequest }
  | { type: typeof OpCode.check; request: CheckVersionRequest }
  | { type: typeof OpCode.getData | typeof OpCode.getChildren; request: PathWatchRequest };

/** A decoded client request: the header type selects the record. */
export type Request =
  | {
      type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer;
      request: CreateRequest;
    }
  | { type: typeof OpCode.createTTL; request: CreateTTLRequest }
  | { type: typeof OpCode.delete; request: DeleteRequest }
  | {
      type:
        | typeof OpCode.exists
        | typeof OpCode.getData
        | typeof OpCode.getChildren
        | typeof OpCode.getChildren2;
      request: PathWatchRequest;
    }
  | { type: typeof OpCode.setData; request: SetDataRequest }
  | {
      type: typeof OpCode.getACL | typeof OpCode.sync | typeof OpCode.getAllChildrenNumber;
      request: PathRequest;
    }
  | { type: typeof OpCode.setACL; request: SetACLRequest }
  | { type: typeof OpCode.check; request: CheckVersionRequest }
  | { type: typeof OpCode.multi | typeof OpCode.multiRead; request: { ops: MultiOp[] } }
  | { type: typeof OpCode.reconfig; request: ReconfigRequest }
  | { type: typeof OpCode.checkWatches | typeof OpCode.removeWatches; request: PathTypeRequest }
  | { type: typeof OpCode.addWatch; request: AddWatchRequest }
  | { type: typeof OpCode.setWatches | typeof OpCode.setWatches2; request: SetWatches }
  | { type: typeof OpCode.auth; request: AuthPacket }
  | { type: typeof OpCode.getEphemerals; request: GetEphemeralsRequest }
  | {
      type: typeof OpCode.ping | typeof OpCode.closeSession | typeof OpCode.whoAmI;
      request: null;
    };

/** One result inside a MultiResponse; `type` is the result type of client-protocol.md §7. */
export type MultiResult =
  | { type: typeof OpCode.create; path: string }
  | { type: typeof OpCode.create2; path: string; stat: Stat }
  | { type: typeof OpCode.delete | typeof OpCode.check }
  | { type: typeof OpCode.setData; stat: Stat }
  | { type: typeof OpCode.getData; data: Buffer | null; stat: Stat }
  | { type: typeof OpCode.getChildren; children: string[] }
  | { type: typeof OpCode.error; err: number };

/** A response body; `kind` names the record so one encoder serves every op. */
export type Response =
  | { kind: 'none' }
  | { kind: 'create'; path: string }
  | { kind: 'create2'; path: string; stat: Stat }
  | { kind: 'stat'; stat: Stat }
  | { kind: 'getData'; data: Buffer | null; stat: Stat }
  | { kind: 'getACL'; acl: ACL[]; stat: Stat }
  | { kind: 'getChildren'; children: string[] }
  | { kind: 'getChildren2'; children: string[]; stat: Stat }
  | { kind: 'path'; path: string }
  | { kind: 'multi'; results: MultiResult[] }
  | { kind: 'ephemerals'; ephemerals: string[] }
  | { kind: 'allChildrenNumber'; totalNumber: number }
  | { kind: 'whoAmI'; clientInfo: { authScheme: string; user: string }[] }
  | { kind: 'errorResponse'; err: number };

export interface WatcherEvent {
  type: number;
  state: number;
  path: string;
}

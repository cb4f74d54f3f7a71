/**
 * Inputs and outputs shared by the Zab machines. Outputs are data: the runtime (sockets,
 * txn log, epoch files, DataTree) and the simulator carry them out in order and feed results
 * back as inputs, so both drive the same code.
 */
import type { Id, LoggedTxn } from '../../proto/types.js';
import type { SessionTouch } from '../wire/packet-data.js';
import type { QuorumPacket } from '../wire/quorum-packet.js';

export interface ZabTiming {
  tickTimeMs: number;
  initLimit: number;
  syncLimit: number;
}

/** Epoch files (persistence.md §6): written atomically before the machine proceeds. */
export type EpochWrite = {
  kind: 'write-epoch';
  which: 'acceptedEpoch' | 'currentEpoch';
  epoch: number;
};

/** The runtime answers with a `persisted` input once these are fsynced. */
export type PersistTxns = { kind: 'persist'; txns: LoggedTxn[] };

/** Committed, in zxid order: apply to the tree (and answer the client who sent it). */
export type ApplyTxn = { kind: 'apply'; txn: LoggedTxn };

export type Shutdown = { kind: 'shutdown'; reason: string };

export interface ForwardedWrite {
  sessionId: bigint;
  cxid: number;
  opType: number;
  body: Buffer;
  authinfo: Id[];
}

export type { LoggedTxn, QuorumPacket, SessionTouch };

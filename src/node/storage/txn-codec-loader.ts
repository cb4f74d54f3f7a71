/** The payload codec (TxnHeader + record + digest) belongs to proto; storage only frames it. */
import type { JuteWriter } from '../proto/jute.js';
import { decodeTxnPayload, encodeTxnPayload, writeTxnPayload } from '../proto/txn-codec.js';
import type { LoggedTxn } from '../proto/types.js';

export interface TxnCodec {
  encode(t: LoggedTxn): Buffer;
  decode(payload: Buffer): LoggedTxn;
  /** Appends exactly encode(t)'s bytes to w; lets the txn log skip a Buffer per txn. */
  encodeInto?(w: JuteWriter, t: LoggedTxn): void;
}

export const defaultTxnCodec: TxnCodec = {
  encode: encodeTxnPayload,
  decode: decodeTxnPayload,
  encodeInto: writeTxnPayload,
};

/** Kept async so callers written against the lazy loader keep working. */
export function loadTxnCodec(): Promise<TxnCodec> {
  return Promise.resolve(defaultTxnCodec);
}

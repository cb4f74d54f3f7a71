/** The payload codec (TxnHeader + record + digest) belongs to proto; storage only frames it. */
import { decodeTxnPayload, encodeTxnPayload } from '../proto/txn-codec.js';
import type { LoggedTxn } from '../proto/types.js';

export interface TxnCodec {
  encode(t: LoggedTxn): Buffer;
  decode(payload: Buffer): LoggedTxn;
}

export const defaultTxnCodec: TxnCodec = { encode: encodeTxnPayload, decode: decodeTxnPayload };

/** Kept async so callers written against the lazy loader keep working. */
export function loadTxnCodec(): Promise<TxnCodec> {
  return Promise.resolve(defaultTxnCodec);
}

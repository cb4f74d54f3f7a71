/**
 * The payload codec (TxnHeader + record + digest) belongs to proto; storage only frames it.
 * Loaded by name so storage builds before proto/txn-codec.ts exists.
 */
import type { LoggedTxn } from '../proto/types.js';

export interface TxnCodec {
  encode(t: LoggedTxn): Buffer;
  decode(payload: Buffer): LoggedTxn;
}

const codecModule = '../proto/txn-codec.js';

export async function loadTxnCodec(): Promise<TxnCodec> {
  const mod = (await import(codecModule)) as {
    encodeTxnPayload?: (t: LoggedTxn) => Buffer;
    decodeTxnPayload?: (b: Buffer) => LoggedTxn;
  };
  const { encodeTxnPayload, decodeTxnPayload } = mod;
  if (typeof encodeTxnPayload !== 'function' || typeof decodeTxnPayload !== 'function')
    throw new Error(`${codecModule} does not export encodeTxnPayload/decodeTxnPayload`);
  return { encode: encodeTxnPayload, decode: decodeTxnPayload };
}

/**
 * A small real-format payload codec for storage tests (TxnHeader + SetDataTxn-shaped record),
 * so these tests do not depend on proto/txn-codec.ts. Recovery only needs zxids back.
 */
import { JuteReader, JuteWriter } from '../../src/node/proto/jute.js';
import { OpCode } from '../../src/node/proto/opcodes.js';
import type { LoggedTxn } from '../../src/node/proto/types.js';
import type { TxnCodec } from '../../src/node/storage/txn-codec-loader.js';

export function setDataTxn(zxid: bigint, path: string, data: Buffer, version: number): LoggedTxn {
  return {
    header: {
      clientId: 0x100n,
      cxid: Number(zxid & 0xffffn),
      zxid,
      time: 1700000000000 + Number(zxid),
      type: OpCode.setData,
    },
    txn: { type: OpCode.setData, path, data, version },
  };
}

export const testCodec: TxnCodec = {
  encode(t) {
    const h = t.header;
    const w = new JuteWriter();
    w.long(h.clientId).int(h.cxid).long(h.zxid).longNumber(h.time).int(h.type);
    if (t.txn.type !== OpCode.setData) throw new Error('test codec: setData only');
    w.string(t.txn.path).buffer(t.txn.data).int(t.txn.version);
    return w.toBuffer();
  },
  decode(b) {
    const r = new JuteReader(b);
    const header = {
      clientId: r.long(),
      cxid: r.int(),
      zxid: r.long(),
      time: r.longNumber(),
      type: r.int(),
    };
    if (header.type !== OpCode.setData)
      throw new Error(`test codec: unexpected type ${header.type}`);
    const txn = {
      type: OpCode.setData,
      path: r.stringOrEmpty(),
      data: r.buffer(),
      version: r.int(),
    } as const;
    if (!r.atEnd()) throw new Error('test codec: trailing bytes');
    return { header, txn };
  },
};

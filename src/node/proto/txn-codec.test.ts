import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JuteDecodeError, JuteWriter } from './jute.js';
import { OpCode } from './opcodes.js';
import {
  decodeTxnPayload,
  decodeTxnPayloadKept,
  encodeTxnPayload,
  knownTxnPayload,
  peekTxnZxid,
} from './txn-codec.js';
import type { ACL, LoggedTxn, Txn } from './types.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('persistence.md §2.6 createSession example', () => {
  const payload = hex(
    '0100017f3a2b0000 00000000 0000000000000001 0000018bcfe56800 fffffff6 00007530 00000002 0000000051c6d660',
  );
  const txn: LoggedTxn = {
    header: {
      clientId: 0x0100017f3a2b0000n,
      cxid: 0,
      zxid: 1n,
      time: 1700000000000,
      type: OpCode.createSession,
    },
    txn: { type: OpCode.createSession, timeOutMs: 30000 },
    digest: { version: 2, treeDigest: 1371985504n },
  };

  it('encodes to the spec bytes (48 payload bytes) and decodes back', () => {
    expect(payload).toHaveLength(48);
    expect(encodeTxnPayload(txn)).toEqual(payload);
    expect(decodeTxnPayload(payload)).toEqual(txn);
  });

  it('decodes without the digest trailer', () => {
    expect(decodeTxnPayload(payload.subarray(0, 36))).toEqual({ header: txn.header, txn: txn.txn });
  });
});

const header = (type: number) => ({
  clientId: 5n,
  cxid: 3,
  zxid: 0x100000002n,
  time: 1700000000123,
  type,
});

describe('old formats and special records', () => {
  it('reads CreateTxnV0 (no parentCVersion) as parentCVersion -1', () => {
    const w = new JuteWriter();
    w.long(5n).int(3).long(0x100000002n).longNumber(1700000000123).int(OpCode.create);
    w.string('/a')
      .buffer(Buffer.from('x'))
      .vector([{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], (ww, a) =>
        ww.int(a.perms).string(a.id.scheme).string(a.id.id),
      );
    w.bool(false);
    expect(decodeTxnPayload(w.toBuffer())).toEqual({
      header: header(OpCode.create),
      txn: {
        type: OpCode.create,
        path: '/a',
        data: Buffer.from('x'),
        acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
        ephemeral: false,
        parentCVersion: -1,
      },
    });
  });

  it('closeSession with no record, with and without digest', () => {
    const t: LoggedTxn = {
      header: header(OpCode.closeSession),
      txn: { type: OpCode.closeSession, paths2Delete: null },
    };
    const bytes = encodeTxnPayload(t);
    expect(bytes).toHaveLength(32);
    expect(decodeTxnPayload(bytes)).toEqual(t);
    const withDigest = { ...t, digest: { version: 2, treeDigest: 99n } };
    expect(encodeTxnPayload(withDigest)).toHaveLength(44);
    expect(decodeTxnPayload(encodeTxnPayload(withDigest))).toEqual(withDigest);
    const withPaths: LoggedTxn = {
      header: header(OpCode.closeSession),
      txn: { type: OpCode.closeSession, paths2Delete: ['/e1', '/e2'] },
      digest: { version: 2, treeDigest: -5n },
    };
    expect(decodeTxnPayload(encodeTxnPayload(withPaths))).toEqual(withPaths);
  });

  it('multi is vector<Txn{int type, buffer data}>', () => {
    const t: LoggedTxn = {
      header: header(OpCode.multi),
      txn: {
        type: OpCode.multi,
        txns: [
          { type: OpCode.check, path: '/c', version: 1 },
          { type: OpCode.error, err: -103 },
          { type: OpCode.error, err: -2 },
        ],
      },
    };
    const bytes = encodeTxnPayload(t);
    expect(bytes.subarray(32)).toEqual(
      hex(
        '00000003' +
          '0000000d 0000000a 000000022f63 00000001' +
          'ffffffff 00000004 ffffff99' +
          'ffffffff 00000004 fffffffe',
      ),
    );
    expect(decodeTxnPayload(bytes)).toEqual(t);
  });

  it('rejects unknown types, truncation and garbage with JuteDecodeError only', () => {
    const w = new JuteWriter().long(1n).int(0).long(1n).long(0n).int(77);
    expect(() => decodeTxnPayload(w.toBuffer())).toThrow(/unsupported txn type 77/);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.constantFrom(...Object.values(OpCode)),
        (bytes, type) => {
          const buf = Buffer.from(bytes);
          if (buf.length >= 32) buf.writeInt32BE(type, 28);
          try {
            decodeTxnPayload(buf);
          } catch (e) {
            expect(e).toBeInstanceOf(JuteDecodeError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

// ---- round trips ----
const str = fc.string({ maxLength: 10 });
const int = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const long = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const ms = fc.integer({ min: 0, max: 2 ** 50 });
const data = fc.option(
  fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)),
  { nil: null },
);
const acl: fc.Arbitrary<ACL[]> = fc.array(
  fc.record({ perms: int, id: fc.record({ scheme: str, id: str }) }),
  {
    maxLength: 3,
  },
);

const subTxn: fc.Arbitrary<Txn> = fc.oneof(
  fc
    .record({
      type: fc.constantFrom(OpCode.create, OpCode.create2),
      path: str,
      data,
      acl,
      ephemeral: fc.boolean(),
      parentCVersion: int,
    })
    .map((t) => t as Txn),
  fc
    .record({ path: str, data, acl, parentCVersion: int, ttlMs: ms })
    .map((t) => ({ type: OpCode.createTTL, ...t }) as Txn),
  fc
    .record({ path: str, data, acl, parentCVersion: int })
    .map((t) => ({ type: OpCode.createContainer, ...t }) as Txn),
  fc
    .record({ type: fc.constantFrom(OpCode.delete, OpCode.deleteContainer), path: str })
    .map((t) => t as Txn),
  fc.record({ path: str, data, version: int }).map((t) => ({ type: OpCode.setData, ...t }) as Txn),
  fc.record({ path: str, version: int }).map((t) => ({ type: OpCode.check, ...t }) as Txn),
  int.map((err) => ({ type: OpCode.error, err }) as Txn),
);
const topTxn: fc.Arbitrary<Txn> = fc.oneof(
  subTxn.filter((t) => t.type !== OpCode.check),
  int.map((timeOutMs) => ({ type: OpCode.createSession, timeOutMs }) as Txn),
  fc
    .option(fc.array(str, { maxLength: 3 }), { nil: null })
    .map((paths2Delete) => ({ type: OpCode.closeSession, paths2Delete }) as Txn),
  fc.record({ path: str, data, version: int }).map((t) => ({ type: OpCode.reconfig, ...t }) as Txn),
  fc.record({ path: str, acl, version: int }).map((t) => ({ type: OpCode.setACL, ...t }) as Txn),
  fc.array(subTxn, { maxLength: 4 }).map((txns) => ({ type: OpCode.multi, txns }) as Txn),
);

it('round-trips every txn type, with and without digest', () => {
  fc.assert(
    fc.property(
      topTxn,
      long,
      int,
      long,
      ms,
      fc.option(fc.record({ version: int, treeDigest: long }), { nil: undefined }),
      (txn, clientId, cxid, zxid, time, digest) => {
        const t: LoggedTxn = { header: { clientId, cxid, zxid, time, type: txn.type }, txn };
        if (digest !== undefined) t.digest = digest;
        expect(decodeTxnPayload(encodeTxnPayload(t))).toEqual(t);
      },
    ),
    { numRuns: 3000 },
  );
});

describe('peekTxnZxid', () => {
  it('reads the header zxid of any encoded txn without decoding it', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (zxid) => {
        const t: LoggedTxn = {
          header: { clientId: 7n, cxid: 1, zxid, time: 1, type: OpCode.createSession },
          txn: { type: OpCode.createSession, timeOutMs: 4000 },
        };
        expect(peekTxnZxid(encodeTxnPayload(t))).toBe(zxid);
      }),
    );
  });

  it('is null for a payload too short to hold the zxid', () => {
    expect(peekTxnZxid(Buffer.alloc(19))).toBeNull();
    expect(peekTxnZxid(Buffer.alloc(20))).toBe(0n);
  });
});

describe('decoded data: copies, or views of a kept payload', () => {
  const setData = (data: Buffer): LoggedTxn => ({
    header: { clientId: 7n, cxid: 1, zxid: 9n, time: 1, type: OpCode.setData },
    txn: { type: OpCode.setData, path: '/a', data, version: 3 },
  });
  const multi: LoggedTxn = {
    header: { clientId: 7n, cxid: 2, zxid: 10n, time: 1, type: OpCode.multi },
    txn: {
      type: OpCode.multi,
      txns: [{ type: OpCode.setData, path: '/b', data: Buffer.from('inner'), version: 0 }],
    },
  };
  const dataOf = (t: LoggedTxn): Buffer => (t.txn as { data: Buffer }).data;
  const innerDataOf = (t: LoggedTxn): Buffer =>
    ((t.txn as { txns: Txn[] }).txns[0] as { data: Buffer }).data;

  // Recovery decodes from whole log files read at once: a view would pin the file's buffer.
  it('decodeTxnPayload copies, so the payload buffer may be dropped or reused', () => {
    const payload = encodeTxnPayload(setData(Buffer.from('value')));
    const t = decodeTxnPayload(payload);
    payload.fill(0);
    expect(dataOf(t).toString()).toBe('value');
    const m = encodeTxnPayload(multi);
    const mt = decodeTxnPayload(m);
    m.fill(0);
    expect(innerDataOf(mt).toString()).toBe('inner');
  });

  it('decodeTxnPayloadKept returns views of the payload it keeps, multi included', () => {
    const payload = encodeTxnPayload(setData(Buffer.from('value')));
    const t = decodeTxnPayloadKept(payload);
    expect(dataOf(t).buffer).toBe(payload.buffer);
    expect(knownTxnPayload(t)).toBe(payload);
    const m = encodeTxnPayload(multi);
    const mt = decodeTxnPayloadKept(m);
    expect(innerDataOf(mt).buffer).toBe(m.buffer);
    expect(innerDataOf(mt).toString()).toBe('inner');
    expect(decodeTxnPayload(m)).toEqual(mt);
  });

  it('encodeTxnPayload returns bytes of their own, unchanged by later encodes', () => {
    const first = encodeTxnPayload(setData(Buffer.alloc(3000, 1)));
    const copy = Buffer.from(first);
    encodeTxnPayload(setData(Buffer.alloc(3000, 2)));
    encodeTxnPayload(setData(Buffer.alloc(2 * 1024 * 1024, 3)));
    encodeTxnPayload(setData(Buffer.alloc(10, 4)));
    expect(first.equals(copy)).toBe(true);
  });
});

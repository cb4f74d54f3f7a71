/**
 * Txn payload codec (persistence.md §2.2–2.4): TxnHeader + txn record + optional TxnDigest.
 * The same bytes go into log entries and quorum proposals. Malformed input throws JuteDecodeError.
 */
import { JuteDecodeError, JuteReader, JuteWriter } from './jute.js';
import { OpCode } from './opcodes.js';
import { readAclList, writeAclList } from './records.js';
import type { LoggedTxn, Txn, TxnDigest, TxnHeader } from './types.js';

function writeTxnRecord(w: JuteWriter, t: Txn): void {
  switch (t.type) {
    case OpCode.createSession:
      w.int(t.timeOutMs);
      return;
    case OpCode.closeSession:
      // null: the pre-closeSessionTxn format, which has no record at all.
      if (t.paths2Delete !== null) w.vector(t.paths2Delete, (ww, p) => ww.string(p));
      return;
    case OpCode.create:
    case OpCode.create2:
      w.string(t.path).buffer(t.data);
      writeAclList(w, t.acl);
      w.bool(t.ephemeral).int(t.parentCVersion);
      return;
    case OpCode.createTTL:
      w.string(t.path).buffer(t.data);
      writeAclList(w, t.acl);
      w.int(t.parentCVersion).longNumber(t.ttlMs);
      return;
    case OpCode.createContainer:
      w.string(t.path).buffer(t.data);
      writeAclList(w, t.acl);
      w.int(t.parentCVersion);
      return;
    case OpCode.delete:
    case OpCode.deleteContainer:
      w.string(t.path);
      return;
    case OpCode.setData:
    case OpCode.reconfig:
      w.string(t.path).buffer(t.data).int(t.version);
      return;
    case OpCode.setACL:
      w.string(t.path);
      writeAclList(w, t.acl);
      w.int(t.version);
      return;
    case OpCode.check:
      w.string(t.path).int(t.version);
      return;
    case OpCode.error:
      w.int(t.err);
      return;
    case OpCode.multi:
      w.int(t.txns.length);
      for (const sub of t.txns) {
        const sw = new JuteWriter(64);
        writeTxnRecord(sw, sub);
        w.int(sub.type).buffer(sw.view());
      }
      return;
  }
}

/** Encode the txn record alone (no header, no digest). */
export function encodeTxnRecord(t: Txn): Buffer {
  const w = new JuteWriter(64);
  writeTxnRecord(w, t);
  return w.toBuffer();
}

/** Appends the payload to w: how the txn log encodes straight into its batch buffer. */
export function writeTxnPayload(w: JuteWriter, t: LoggedTxn): void {
  const h = t.header;
  w.long(h.clientId).int(h.cxid).long(h.zxid).longNumber(h.time).int(h.type);
  writeTxnRecord(w, t.txn);
  if (t.digest !== undefined) w.int(t.digest.version).long(t.digest.treeDigest);
}

/**
 * Payloads are written here and copied out once at their exact size: a writer per txn that
 * started small grew (a second allocation and copy) for every 1 KiB value.
 */
let payloadScratch = new JuteWriter(4096);
/** A scratch grown by a large txn is let go, not kept for ever. */
const payloadScratchKeepBytes = 1024 * 1024;

export function encodeTxnPayload(t: LoggedTxn): Buffer {
  const w = payloadScratch.truncate(0);
  writeTxnPayload(w, t);
  const bytes = w.toBuffer();
  if (w.capacity > payloadScratchKeepBytes) payloadScratch = new JuteWriter(4096);
  return bytes;
}

/**
 * The payload bytes of txns already encoded (a leader's PROPOSAL) or decoded (a learner's):
 * the txn log entry carries the same bytes, so a server encodes each txn once, not twice.
 * Txns are never changed once built, so the bytes stay exact.
 */
const knownPayloads = new WeakMap<LoggedTxn, Buffer>();

/** encodeTxnPayload, remembered for the txn log. */
export function txnPayloadOf(t: LoggedTxn): Buffer {
  let b = knownPayloads.get(t);
  if (b === undefined) {
    b = encodeTxnPayload(t);
    knownPayloads.set(t, b);
  }
  return b;
}

/**
 * decodeTxnPayload, remembering `buf` as the txn's bytes. `buf` lives as long as the txn
 * then, so the txn's data are views of it rather than copies; it must not change.
 */
export function decodeTxnPayloadKept(buf: Buffer): LoggedTxn {
  const t = decodeTxnPayload(buf, true);
  knownPayloads.set(t, buf);
  return t;
}

/** The payload already encoded or decoded for t, if any. */
export function knownTxnPayload(t: LoggedTxn): Buffer | undefined {
  return knownPayloads.get(t);
}

function readTxnRecord(type: number, r: JuteReader, inMulti: boolean): Txn {
  switch (type) {
    case OpCode.createSession:
      if (inMulti) break;
      return { type, timeOutMs: r.int() };
    case OpCode.closeSession:
      if (inMulti) break;
      return { type, paths2Delete: r.vector((rr) => rr.stringOrEmpty()) ?? [] };
    case OpCode.create:
    case OpCode.create2: {
      const path = r.stringOrEmpty();
      const data = r.buffer();
      const acl = readAclList(r);
      const ephemeral = r.bool();
      // CreateTxnV0 has no parentCVersion; -1 means "parent cversion + 1".
      const parentCVersion = r.atEnd() ? -1 : r.int();
      return { type, path, data, acl, ephemeral, parentCVersion };
    }
    case OpCode.createTTL:
      return {
        type,
        path: r.stringOrEmpty(),
        data: r.buffer(),
        acl: readAclList(r),
        parentCVersion: r.int(),
        ttlMs: r.longNumber(),
      };
    case OpCode.createContainer:
      return {
        type,
        path: r.stringOrEmpty(),
        data: r.buffer(),
        acl: readAclList(r),
        parentCVersion: r.int(),
      };
    case OpCode.delete:
    case OpCode.deleteContainer:
      return { type, path: r.stringOrEmpty() };
    case OpCode.setData:
    case OpCode.reconfig:
      return { type, path: r.stringOrEmpty(), data: r.buffer(), version: r.int() };
    case OpCode.setACL:
      if (inMulti) break;
      return { type, path: r.stringOrEmpty(), acl: readAclList(r), version: r.int() };
    case OpCode.check:
      if (!inMulti) break;
      return { type, path: r.stringOrEmpty(), version: r.int() };
    case OpCode.error:
      return { type, err: r.int() };
    case OpCode.multi: {
      if (inMulti) break;
      const txns = r.vector((rr) => {
        const subType = rr.int();
        const data = rr.buffer();
        if (data === null)
          throw new JuteDecodeError(`null record in multi sub-txn of type ${subType}`);
        return readTxnRecord(subType, new JuteReader(data, 0, undefined, rr.sharesBuffers), true);
      });
      if (txns === null) throw new JuteDecodeError('null multi txn list');
      return { type, txns };
    }
  }
  throw new JuteDecodeError(`unsupported txn type ${type}${inMulti ? ' inside multi' : ''}`);
}

function readDigest(r: JuteReader): TxnDigest | undefined {
  // Apache treats a payload that ends after the record (or inside the trailer) as "no digest".
  if (r.remaining < 12) return undefined;
  return { version: r.int(), treeDigest: r.long() };
}

/** Decode a closeSession record, which older logs omit (then paths2Delete is null). */
function readCloseSession(buf: Buffer, r: JuteReader): { txn: Txn; digest: TxnDigest | undefined } {
  if (r.atEnd())
    return { txn: { type: OpCode.closeSession, paths2Delete: null }, digest: undefined };
  const start = r.offset;
  try {
    const txn = readTxnRecord(OpCode.closeSession, r, false);
    const digest = readDigest(r);
    if (r.atEnd()) return { txn, digest };
  } catch (err) {
    if (!(err instanceof JuteDecodeError)) throw err;
  }
  // No record: what follows the header is just the digest trailer.
  const again = new JuteReader(buf, start);
  if (again.remaining !== 12) throw new JuteDecodeError('malformed closeSession txn');
  return { txn: { type: OpCode.closeSession, paths2Delete: null }, digest: readDigest(again) };
}

/** TxnHeader: clientId (8 bytes) and cxid (4) come before the zxid. */
const HEADER_ZXID_OFFSET = 12;

/**
 * The zxid of a logged txn read straight from its header, without decoding the rest: replay
 * skips the txns a snapshot already holds this way. null when the payload is too short to
 * hold a header (decoding it then reports the damage).
 */
export function peekTxnZxid(payload: Buffer): bigint | null {
  return payload.length < HEADER_ZXID_OFFSET + 8
    ? null
    : payload.readBigInt64BE(HEADER_ZXID_OFFSET);
}

export function decodeTxnHeader(r: JuteReader): TxnHeader {
  return { clientId: r.long(), cxid: r.int(), zxid: r.long(), time: r.longNumber(), type: r.int() };
}

export function decodeTxnPayload(buf: Buffer, sharesBuffers = false): LoggedTxn {
  const r = new JuteReader(buf, 0, undefined, sharesBuffers);
  const header = decodeTxnHeader(r);
  if (header.type === OpCode.closeSession) {
    const { txn, digest } = readCloseSession(buf, r);
    return digest === undefined ? { header, txn } : { header, txn, digest };
  }
  const txn = readTxnRecord(header.type, r, false);
  const digest = readDigest(r);
  return digest === undefined ? { header, txn } : { header, txn, digest };
}

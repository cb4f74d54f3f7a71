/** Payload layouts of each QuorumPacket type (quorum-protocol.md §3, §4, §5, §7, §8). */
import { JuteDecodeError, JuteReader, JuteWriter } from '../../proto/jute.js';
import {
  decodeTxnPayload,
  decodeTxnPayloadKept,
  encodeTxnPayload,
  txnPayloadOf,
} from '../../proto/txn-codec.js';
import type { LoggedTxn } from '../../proto/types.js';

/** Zab 1.0 protocol version carried in LEADERINFO and LearnerInfo. */
export const ZAB_PROTOCOL_VERSION = 0x10000;

export interface LearnerInfo {
  sid: bigint;
  protocolVersion: number;
  configVersion: bigint;
}

export function encodeLearnerInfo(i: LearnerInfo): Buffer {
  return new JuteWriter(20).long(i.sid).int(i.protocolVersion).long(i.configVersion).toBuffer();
}

/** Positional, as the Java leader reads it: missing trailing fields take defaults. */
export function decodeLearnerInfo(b: Buffer | null): LearnerInfo {
  if (b === null || b.length < 8) throw new JuteDecodeError('LearnerInfo shorter than a sid');
  const sid = b.readBigInt64BE(0);
  const protocolVersion = b.length >= 12 ? b.readInt32BE(8) : 0;
  const configVersion = b.length >= 20 ? b.readBigInt64BE(12) : 0n;
  return { sid, protocolVersion, configVersion };
}

export function encodeInt(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v, 0);
  return b;
}

export function decodeInt(b: Buffer | null, what: string): number {
  if (b === null || b.length < 4) throw new JuteDecodeError(`${what}: expected an int`);
  return b.readInt32BE(0);
}

export function encodeLong(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(v, 0);
  return b;
}

export function decodeLong(b: Buffer | null, what: string): bigint {
  if (b === null || b.length < 8) throw new JuteDecodeError(`${what}: expected a long`);
  return b.readBigInt64BE(0);
}

/** LEADERINFO data: the leader's protocol version. */
export const encodeLeaderInfo = (): Buffer => encodeInt(ZAB_PROTOCOL_VERSION);
/** ACKEPOCH data: the learner's currentEpoch, or -1 ("same epoch, don't count me"). */
export const encodeAckEpoch = (currentEpoch: number): Buffer => encodeInt(currentEpoch);
export const decodeAckEpoch = (b: Buffer | null): number => decodeInt(b, 'ACKEPOCH');

export interface SessionTouch {
  sessionId: bigint;
  timeoutMs: number;
}

/** Learner PING reply: the session touch table. */
export function encodePingSessions(sessions: readonly SessionTouch[]): Buffer {
  const w = new JuteWriter(12 * sessions.length + 4);
  for (const s of sessions) w.long(s.sessionId).int(s.timeoutMs);
  return w.toBuffer();
}

export function decodePingSessions(b: Buffer | null): SessionTouch[] {
  if (b === null) return [];
  if (b.length % 12 !== 0) throw new JuteDecodeError(`PING session table of ${b.length} bytes`);
  const out: SessionTouch[] = [];
  for (let o = 0; o < b.length; o += 12)
    out.push({ sessionId: b.readBigInt64BE(o), timeoutMs: b.readInt32BE(o + 8) });
  return out;
}

/** REVALIDATE learner → leader. */
export function encodeRevalidateRequest(sessionId: bigint, timeoutMs: number): Buffer {
  return new JuteWriter(12).long(sessionId).int(timeoutMs).toBuffer();
}

export function decodeRevalidateRequest(b: Buffer | null): SessionTouch {
  const r = new JuteReader(need(b, 12, 'REVALIDATE'));
  return { sessionId: r.long(), timeoutMs: r.int() };
}

/** REVALIDATE leader → learner. */
export function encodeRevalidateReply(sessionId: bigint, valid: boolean): Buffer {
  return new JuteWriter(9).long(sessionId).bool(valid).toBuffer();
}

export function decodeRevalidateReply(b: Buffer | null): { sessionId: bigint; valid: boolean } {
  const r = new JuteReader(need(b, 9, 'REVALIDATE reply'));
  return { sessionId: r.long(), valid: r.bool() };
}

export interface ForwardedRequest {
  sessionId: bigint;
  cxid: number;
  opType: number;
  /** The request record as the client sent it, after its RequestHeader. */
  body: Buffer;
}

export function encodeForwardedRequest(req: ForwardedRequest): Buffer {
  return new JuteWriter(16 + req.body.length)
    .long(req.sessionId)
    .int(req.cxid)
    .int(req.opType)
    .raw(req.body)
    .toBuffer();
}

export function decodeForwardedRequest(b: Buffer | null): ForwardedRequest {
  const buf = need(b, 16, 'REQUEST');
  return {
    sessionId: buf.readBigInt64BE(0),
    cxid: buf.readInt32BE(8),
    opType: buf.readInt32BE(12),
    body: Buffer.from(buf.subarray(16)),
  };
}

/** PROPOSAL / INFORM data. */
export const encodeProposalData = (t: LoggedTxn): Buffer => txnPayloadOf(t);
export const decodeProposalData = (b: Buffer | null): LoggedTxn =>
  decodeTxnPayloadKept(need(b, 28, 'PROPOSAL txn'));

/** COMMITANDACTIVATE data: the designated leader. */
export const encodeCommitAndActivate = (designatedLeader: bigint): Buffer =>
  encodeLong(designatedLeader);
export const decodeCommitAndActivate = (b: Buffer | null): bigint =>
  decodeLong(b, 'COMMITANDACTIVATE');

/** INFORMANDACTIVATE data: designated leader sid, then the txn. */
export function encodeInformAndActivate(designatedLeader: bigint, t: LoggedTxn): Buffer {
  return Buffer.concat([encodeLong(designatedLeader), encodeTxnPayload(t)]);
}

export function decodeInformAndActivate(b: Buffer | null): {
  designatedLeader: bigint;
  txn: LoggedTxn;
} {
  const buf = need(b, 36, 'INFORMANDACTIVATE');
  return { designatedLeader: buf.readBigInt64BE(0), txn: decodeTxnPayload(buf.subarray(8)) };
}

/** NEWLEADER data: the leader's last-seen config text. */
export const encodeNewLeaderConfig = (config: string): Buffer => Buffer.from(config, 'utf8');
export const decodeNewLeaderConfig = (b: Buffer | null): string | null =>
  b === null ? null : b.toString('utf8');

/** SNAP stream prefix: the session table, written right after the SNAP packet (§4.4). */
export function encodeSnapSessions(sessions: readonly SessionTouch[]): Buffer {
  const w = new JuteWriter(4 + 12 * sessions.length).int(sessions.length);
  for (const s of sessions) w.long(s.sessionId).int(s.timeoutMs);
  return w.toBuffer();
}

export function decodeSnapSessions(r: JuteReader): SessionTouch[] {
  const n = r.int();
  if (n < 0 || n * 12 > r.remaining) throw new JuteDecodeError(`SNAP session count ${n}`);
  const out: SessionTouch[] = [];
  for (let i = 0; i < n; i++) out.push({ sessionId: r.long(), timeoutMs: r.int() });
  return out;
}

function need(b: Buffer | null, n: number, what: string): Buffer {
  if (b === null || b.length < n)
    throw new JuteDecodeError(`${what}: ${b?.length ?? 'null'} bytes, need ${n}`);
  return b;
}

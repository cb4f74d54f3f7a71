/**
 * Zab follower / observer (quorum-protocol.md §4.2, §4.5, §5, §7) as a pure state machine.
 * ACKs go out only once the runtime reports the txns durable (`persisted`), and currentEpoch is
 * written only after the sync txns are durable, so a crash can never leave a server claiming
 * the new epoch with a log that lacks what it acknowledged.
 */
import type { Random } from '../../../shared/prng.js';
import * as d from '../wire/packet-data.js';
import { PacketType, type QuorumPacket } from '../wire/quorum-packet.js';
import { epochOf, makeZxid } from '../wire/zxid.js';
import type {
  ApplyTxn,
  EpochWrite,
  ForwardedWrite,
  LoggedTxn,
  PersistTxns,
  Shutdown,
  ZabTiming,
} from './types.js';

export type LearnerRole = 'follower' | 'observer';
export type LearnerPhase = 'connecting' | 'discovery' | 'sync' | 'broadcast' | 'stopped';

export interface LearnerState {
  self: bigint;
  role: LearnerRole;
  timing: ZabTiming;
  configVersion: bigint;
  phase: LearnerPhase;
  acceptedEpoch: number;
  currentEpoch: number;
  newEpoch: number;
  lastLogged: bigint;
  lastDurable: bigint;
  lastApplied: bigint;
  syncMode: 'diff' | 'trunc' | 'snap' | null;
  notLogged: LoggedTxn[];
  committedInSync: Set<bigint>;
  /** Logged, not yet committed (followers). */
  pending: LoggedTxn[];
  /** zxids to ACK once durable (followers). */
  ackQueue: bigint[];
  /** NEWLEADER is acked once the log is durable up to this zxid. */
  newLeaderAckAfter: bigint | null;
  newLeaderSeen: boolean;
  lastHeardMs: number;
  readTimeoutMs: number;
  touches: Map<bigint, number>;
}

export interface LearnerStart {
  kind: 'start';
  self: bigint;
  role: LearnerRole;
  timing: ZabTiming;
  configVersion: bigint;
  acceptedEpoch: number;
  currentEpoch: number;
  /** Last zxid in the durable log (also the last applied: the tree was rebuilt from it). */
  lastLoggedZxid: bigint;
}

export type LearnerInput =
  | LearnerStart
  /** Connected to the leader's quorum port. */
  | { kind: 'connected' }
  /** A packet from the leader. For SNAP, feed it after loading the snapshot that followed it. */
  | { kind: 'packet'; packet: QuorumPacket }
  | { kind: 'persisted'; upTo: bigint }
  | { kind: 'disconnected' }
  | { kind: 'touch-session'; sessionId: bigint; timeoutMs: number }
  | { kind: 'forward'; request: ForwardedWrite }
  | { kind: 'revalidate'; sessionId: bigint; timeoutMs: number }
  | { kind: 'tick' };

export type LearnerOutput =
  | { kind: 'send'; packet: QuorumPacket }
  | EpochWrite
  | PersistTxns
  | ApplyTxn
  /** TRUNC: cut the log after `zxid` and rebuild the tree from disk. */
  | { kind: 'truncate-log'; zxid: bigint }
  /** After SNAP or TRUNC: snapshot the tree now; the log before it no longer counts. */
  | { kind: 'take-snapshot'; zxid: bigint }
  /** UPTODATE: start serving clients. */
  | { kind: 'serving'; epoch: number }
  /** SYNC from the leader: complete the oldest pending client sync() (after earlier applies). */
  | { kind: 'sync-done' }
  | { kind: 'revalidated'; sessionId: bigint; valid: boolean }
  /** COMMITANDACTIVATE / INFORMANDACTIVATE committed a reconfig naming this designated leader. */
  | { kind: 'activate-config'; zxid: bigint; designatedLeader: bigint }
  | Shutdown
  | { kind: 'wake-at'; atMs: number };

export interface LearnerStep {
  state: LearnerState;
  outputs: LearnerOutput[];
}

export function learnerStep(
  prev: LearnerState | null,
  input: LearnerInput,
  nowMs: number,
  _random?: Random,
): LearnerStep {
  const out: LearnerOutput[] = [];
  if (input.kind === 'start') {
    const s: LearnerState = {
      self: input.self,
      role: input.role,
      timing: input.timing,
      configVersion: input.configVersion,
      phase: 'connecting',
      acceptedEpoch: input.acceptedEpoch,
      currentEpoch: input.currentEpoch,
      newEpoch: 0,
      lastLogged: input.lastLoggedZxid,
      lastDurable: input.lastLoggedZxid,
      lastApplied: input.lastLoggedZxid,
      syncMode: null,
      notLogged: [],
      committedInSync: new Set(),
      pending: [],
      ackQueue: [],
      newLeaderAckAfter: null,
      newLeaderSeen: false,
      lastHeardMs: nowMs,
      readTimeoutMs: input.timing.initLimit * input.timing.tickTimeMs,
      touches: new Map(),
    };
    out.push({ kind: 'wake-at', atMs: nowMs + s.readTimeoutMs });
    return { state: s, outputs: out };
  }
  if (prev === null) throw new Error('learner machine not started');
  // Updated in place (as the leader machine): callers must not reuse `prev`.
  const s = prev;
  if (s.phase === 'stopped') return { state: s, outputs: out };
  switch (input.kind) {
    case 'connected':
      s.phase = 'discovery';
      s.lastHeardMs = nowMs;
      send(
        out,
        s.role === 'follower' ? PacketType.FOLLOWERINFO : PacketType.OBSERVERINFO,
        makeZxid(s.acceptedEpoch, 0),
        d.encodeLearnerInfo({
          sid: s.self,
          protocolVersion: d.ZAB_PROTOCOL_VERSION,
          configVersion: s.configVersion,
        }),
      );
      break;
    case 'packet':
      s.lastHeardMs = nowMs;
      onPacket(s, input.packet, out);
      break;
    case 'persisted':
      onPersisted(s, input.upTo, out);
      break;
    case 'disconnected':
      stop(s, 'connection to the leader lost', out);
      break;
    case 'touch-session':
      s.touches.set(input.sessionId, input.timeoutMs);
      break;
    case 'forward': {
      const r = input.request;
      out.push({
        kind: 'send',
        packet: {
          type: PacketType.REQUEST,
          zxid: -1n,
          data: d.encodeForwardedRequest(r),
          authinfo: r.authinfo,
        },
      });
      break;
    }
    case 'revalidate':
      send(
        out,
        PacketType.REVALIDATE,
        -1n,
        d.encodeRevalidateRequest(input.sessionId, input.timeoutMs),
      );
      break;
    case 'tick':
      if (nowMs - s.lastHeardMs > s.readTimeoutMs)
        stop(s, 'leader silent past the read timeout', out);
      break;
  }
  if ((s.phase as LearnerPhase) !== 'stopped')
    out.push({ kind: 'wake-at', atMs: s.lastHeardMs + s.readTimeoutMs + 1 });
  return { state: s, outputs: out };
}

function send(
  out: LearnerOutput[],
  type: PacketType,
  zxid: bigint,
  data: Buffer | null = null,
): void {
  out.push({ kind: 'send', packet: { type, zxid, data, authinfo: null } });
}

function onPacket(s: LearnerState, p: QuorumPacket, out: LearnerOutput[]): void {
  switch (s.phase) {
    case 'discovery':
      if (p.type !== PacketType.LEADERINFO)
        return stop(s, `expected LEADERINFO, got ${p.type}`, out);
      return onLeaderInfo(s, p, out);
    case 'sync':
      return s.newLeaderSeen ? onBroadcastPacket(s, p, out) : onSyncPacket(s, p, out);
    case 'broadcast':
      return onBroadcastPacket(s, p, out);
    default:
      return;
  }
}

function onLeaderInfo(s: LearnerState, p: QuorumPacket, out: LearnerOutput[]): void {
  const newEpoch = epochOf(p.zxid);
  if (newEpoch < s.acceptedEpoch)
    return stop(s, `leader epoch ${newEpoch} < accepted ${s.acceptedEpoch}`, out);
  let reported = -1;
  if (newEpoch > s.acceptedEpoch) {
    s.acceptedEpoch = newEpoch;
    out.push({ kind: 'write-epoch', which: 'acceptedEpoch', epoch: newEpoch });
    reported = s.currentEpoch;
  }
  s.newEpoch = newEpoch;
  s.phase = 'sync';
  send(out, PacketType.ACKEPOCH, s.lastLogged, d.encodeAckEpoch(reported));
}

function onSyncPacket(s: LearnerState, p: QuorumPacket, out: LearnerOutput[]): void {
  if (s.syncMode === null) {
    switch (p.type) {
      case PacketType.DIFF:
        s.syncMode = 'diff';
        return;
      case PacketType.TRUNC:
        s.syncMode = 'trunc';
        out.push({ kind: 'truncate-log', zxid: p.zxid });
        s.lastLogged = s.lastDurable = s.lastApplied = p.zxid;
        return;
      case PacketType.SNAP:
        s.syncMode = 'snap';
        s.lastLogged = s.lastDurable = s.lastApplied = p.zxid;
        return;
      default:
        return stop(s, `expected DIFF/TRUNC/SNAP, got ${p.type}`, out);
    }
  }
  switch (p.type) {
    case PacketType.PROPOSAL: {
      const t = d.decodeProposalData(p.data);
      const last = s.notLogged.at(-1)?.header.zxid ?? s.lastLogged;
      if (epochOf(t.header.zxid) === epochOf(last) && t.header.zxid !== last + 1n) {
        return stop(s, `sync proposal ${t.header.zxid} does not follow ${last}`, out);
      }
      s.notLogged.push(t);
      return;
    }
    case PacketType.INFORM: {
      s.notLogged.push(d.decodeProposalData(p.data));
      s.committedInSync.add(p.zxid);
      return;
    }
    case PacketType.COMMIT:
    case PacketType.COMMITANDACTIVATE:
      s.committedInSync.add(p.zxid);
      return;
    case PacketType.NEWLEADER:
      return onNewLeader(s, p, out);
    default:
      // PING, REVALIDATE, SYNC before UPTODATE are not handled (§4.5).
      return;
  }
}

function onNewLeader(s: LearnerState, p: QuorumPacket, out: LearnerOutput[]): void {
  if (epochOf(p.zxid) !== s.newEpoch) return stop(s, 'NEWLEADER for another epoch', out);
  if (s.syncMode === 'snap' || s.syncMode === 'trunc')
    out.push({ kind: 'take-snapshot', zxid: s.lastApplied });
  const txns = s.notLogged;
  s.notLogged = [];
  if (txns.length > 0) {
    out.push({ kind: 'persist', txns });
    s.lastLogged = txns.at(-1)!.header.zxid;
    if (s.role === 'follower')
      for (const t of txns)
        if (!s.committedInSync.has(t.header.zxid)) s.ackQueue.push(t.header.zxid);
  }
  // Committed ones apply now, in order; the rest wait for their COMMIT like live proposals.
  for (const t of txns) {
    if (s.committedInSync.has(t.header.zxid) && s.pending.length === 0) applyTxn(s, t, out);
    else s.pending.push(t);
  }
  s.committedInSync.clear();
  s.newLeaderSeen = true;
  s.readTimeoutMs = s.timing.syncLimit * s.timing.tickTimeMs;
  s.newLeaderAckAfter = s.lastLogged;
  onPersisted(s, s.lastDurable, out);
}

function onPersisted(s: LearnerState, upTo: bigint, out: LearnerOutput[]): void {
  if (upTo > s.lastDurable) s.lastDurable = upTo;
  while (s.ackQueue.length > 0 && s.ackQueue[0]! <= s.lastDurable)
    send(out, PacketType.ACK, s.ackQueue.shift()!);
  if (s.newLeaderAckAfter !== null && s.lastDurable >= s.newLeaderAckAfter) {
    s.newLeaderAckAfter = null;
    s.currentEpoch = s.newEpoch;
    out.push({ kind: 'write-epoch', which: 'currentEpoch', epoch: s.newEpoch });
    send(out, PacketType.ACK, makeZxid(s.newEpoch, 0));
  }
}

function applyTxn(s: LearnerState, t: LoggedTxn, out: LearnerOutput[]): void {
  s.lastApplied = t.header.zxid;
  out.push({ kind: 'apply', txn: t });
}

/** After NEWLEADER: live traffic, before and after UPTODATE. */
function onBroadcastPacket(s: LearnerState, p: QuorumPacket, out: LearnerOutput[]): void {
  switch (p.type) {
    case PacketType.PROPOSAL: {
      if (s.role === 'observer') return;
      const t = d.decodeProposalData(p.data);
      s.pending.push(t);
      s.lastLogged = t.header.zxid;
      s.ackQueue.push(t.header.zxid);
      out.push({ kind: 'persist', txns: [t] });
      return;
    }
    case PacketType.COMMIT:
    case PacketType.COMMITANDACTIVATE: {
      const head = s.pending[0];
      if (head === undefined || head.header.zxid !== p.zxid) {
        return stop(
          s,
          `COMMIT ${p.zxid} does not match the oldest pending proposal ${head?.header.zxid}`,
          out,
        );
      }
      s.pending.shift();
      applyTxn(s, head, out);
      if (p.type === PacketType.COMMITANDACTIVATE) {
        out.push({
          kind: 'activate-config',
          zxid: p.zxid,
          designatedLeader: d.decodeCommitAndActivate(p.data),
        });
      }
      return;
    }
    case PacketType.INFORM:
    case PacketType.INFORMANDACTIVATE: {
      const activate =
        p.type === PacketType.INFORMANDACTIVATE ? d.decodeInformAndActivate(p.data) : null;
      const t = activate?.txn ?? d.decodeProposalData(p.data);
      s.lastLogged = t.header.zxid;
      out.push({ kind: 'persist', txns: [t] });
      applyTxn(s, t, out);
      if (activate !== null)
        out.push({
          kind: 'activate-config',
          zxid: p.zxid,
          designatedLeader: activate.designatedLeader,
        });
      return;
    }
    case PacketType.UPTODATE:
      s.phase = 'broadcast';
      out.push({ kind: 'serving', epoch: s.newEpoch });
      send(out, PacketType.ACK, makeZxid(s.newEpoch, 0));
      return;
    case PacketType.PING: {
      const touches = [...s.touches].map(([sessionId, timeoutMs]) => ({ sessionId, timeoutMs }));
      s.touches.clear();
      send(out, PacketType.PING, p.zxid, d.encodePingSessions(touches));
      return;
    }
    case PacketType.REVALIDATE: {
      const r = d.decodeRevalidateReply(p.data);
      out.push({ kind: 'revalidated', sessionId: r.sessionId, valid: r.valid });
      return;
    }
    case PacketType.SYNC:
      out.push({ kind: 'sync-done' });
      return;
    default:
      return;
  }
}

function stop(s: LearnerState, reason: string, out: LearnerOutput[]): void {
  s.phase = 'stopped';
  out.push({ kind: 'shutdown', reason });
}

/**
 * Zab leader (quorum-protocol.md §4.3, §5, §6, §7) as a pure state machine. Learners are
 * identified by connection id until FOLLOWERINFO names their sid.
 */
import { limits } from '../../../shared/limits.js';
import type { Random } from '../../../shared/prng.js';
import { OpCode } from '../../proto/opcodes.js';
import {
  activeVerifiers,
  containsActiveQuorums,
  containsAllQuorums,
  type QuorumVerifier,
} from '../quorum-verifier.js';
import * as d from '../wire/packet-data.js';
import { PacketType, type QuorumPacket } from '../wire/quorum-packet.js';
import { epochOf, isEpochStart, makeZxid } from '../wire/zxid.js';
import { configWithVersion, verifierOfText } from '../reconfig.js';
import { planSync } from './sync-plan.js';
import type {
  ApplyTxn,
  EpochWrite,
  ForwardedWrite,
  LoggedTxn,
  PersistTxns,
  Shutdown,
  ZabTiming,
} from './types.js';

export type LeaderPhase = 'discovery' | 'sync' | 'broadcast' | 'stopped';

interface LearnerConn {
  sid: bigint | null;
  observer: boolean;
  acceptedEpoch: number;
  stage: 'connected' | 'epoch-sent' | 'newleader-sent' | 'uptodate';
  newLeaderAcked: boolean;
  ackEpochSummary: { currentEpoch: number; lastZxid: bigint } | null;
  /** Leader tick after which the learner no longer counts as synced. */
  deadlineTick: number;
  /** Send time of the oldest PROPOSAL this learner has not acked, by zxid. */
  unacked: Map<bigint, number>;
}

interface Proposal {
  txn: LoggedTxn;
  acks: Set<bigint>;
  syncs: number[];
}

export interface LeaderSession {
  timeoutMs: number;
  /** Connection id of the owning learner, or -1 for the leader itself. */
  owner: number;
  expiresAtMs: number;
}

export interface LeaderState {
  self: bigint;
  timing: ZabTiming;
  committed: QuorumVerifier;
  lastSeen: QuorumVerifier | null;
  configText: string;
  /** The last-seen config's text while a reconfig (or the first epoch's version) is pending. */
  lastSeenText: string | null;
  /** False once a reconfig committed that designates another leader (Apache's allowedToCommit). */
  allowedToCommit: boolean;
  versionFirstConfig: boolean;
  phase: LeaderPhase;
  acceptedEpoch: number;
  currentEpoch: number;
  epoch: number;
  epochFixed: boolean;
  connectingVoters: Set<bigint>;
  epochAcks: Set<bigint>;
  newLeaderAcks: Set<bigint>;
  phaseDeadlineMs: number;
  learners: Map<number, LearnerConn>;
  lastProposed: bigint;
  lastCommitted: bigint;
  /** Leader's own log is durable up to here. */
  lastPersisted: bigint;
  committedLog: LoggedTxn[];
  outstanding: Map<bigint, Proposal>;
  tick: number;
  nextWakeMs: number;
  halfTicks: number;
  sessions: Map<bigint, LeaderSession>;
}

export interface LeaderStart {
  kind: 'start';
  self: bigint;
  timing: ZabTiming;
  committed: QuorumVerifier;
  lastSeen: QuorumVerifier | null;
  configText: string;
  /** reconfigEnabled: a config never versioned gets the first epoch's zxid (as Apache). */
  versionFirstConfig?: boolean;
  /** The last-seen config's text (a logged reconfig not known committed); completed at NEWLEADER. */
  lastSeenText?: string;
  acceptedEpoch: number;
  currentEpoch: number;
  lastZxid: bigint;
  /** Tail of the leader's log (ascending), all treated as committed (§10). */
  committedLog: LoggedTxn[];
  sessions: Array<{ sessionId: bigint; timeoutMs: number }>;
}

export type LeaderInput =
  | LeaderStart
  | { kind: 'learner-connected'; conn: number }
  | { kind: 'learner-packet'; conn: number; packet: QuorumPacket }
  | { kind: 'learner-disconnected'; conn: number }
  /** A txn built by the leader's request pipeline with zxid lastProposed + 1. */
  | { kind: 'propose'; txn: LoggedTxn }
  | { kind: 'persisted'; upTo: bigint }
  /**
   * A client of the leader itself touched a session; `claim` when it created or reconnected
   * it here (the leader becomes its owner; a plain touch leaves the owner as it is).
   */
  | { kind: 'touch-session'; sessionId: bigint; timeoutMs: number; claim?: boolean }
  | { kind: 'tick' };

export type LeaderOutput =
  | { kind: 'send'; conn: number; packet: QuorumPacket }
  /** Follow the SNAP packet on the stream with a snapshot of the tree at `zxid`. */
  | {
      kind: 'send-snapshot';
      conn: number;
      zxid: bigint;
      sessions: Array<{ sessionId: bigint; timeoutMs: number }>;
    }
  | { kind: 'close'; conn: number; reason: string }
  | EpochWrite
  | PersistTxns
  | ApplyTxn
  /** Discovery and sync done: start serving; proposals use makeZxid(epoch, 1..). */
  | { kind: 'established'; epoch: number; lastZxid: bigint }
  /** A learner's write to put through the leader's pipeline. */
  | { kind: 'learner-request'; conn: number; request: ForwardedWrite }
  /** The leader's pipeline should submit a closeSession for this expired session. */
  | { kind: 'expire-session'; sessionId: bigint }
  /**
   * A new config is committed (a reconfig txn, or the first epoch's version at NEWLEADER):
   * write its files, update peers and /zookeeper/config. Another designated leader: step down.
   */
  | { kind: 'activate-config'; zxid: bigint; configText: string; designatedLeader: bigint }
  | Shutdown
  | { kind: 'wake-at'; atMs: number };

export interface LeaderStep {
  state: LeaderState;
  outputs: LeaderOutput[];
}

const SELF_CONN = -1;

export function leaderStep(
  prev: LeaderState | null,
  input: LeaderInput,
  nowMs: number,
  _random?: Random,
): LeaderStep {
  const out: LeaderOutput[] = [];
  if (input.kind === 'start') {
    const s = start(input, nowMs, out);
    const deadlineMs = s.phase === 'broadcast' ? Infinity : s.phaseDeadlineMs;
    out.push({ kind: 'wake-at', atMs: Math.min(s.nextWakeMs, deadlineMs) });
    return { state: s, outputs: out };
  }
  if (prev === null) throw new Error('leader machine not started');
  // The machine owns its state and updates it in place: copying the learners, proposals,
  // committed log and sessions on every input cost more than the work itself at high rates.
  // Callers must not keep or reuse `prev` after the call.
  const s = prev;
  if (s.phase !== 'stopped') {
    switch (input.kind) {
      case 'learner-connected':
        s.learners.set(input.conn, {
          sid: null,
          observer: false,
          acceptedEpoch: 0,
          stage: 'connected',
          newLeaderAcked: false,
          ackEpochSummary: null,
          deadlineTick: s.tick + s.timing.initLimit + s.timing.syncLimit,
          unacked: new Map(),
        });
        break;
      case 'learner-packet':
        onPacket(s, input.conn, input.packet, nowMs, out);
        break;
      case 'learner-disconnected':
        dropLearner(s, input.conn, null, out);
        break;
      case 'propose':
        propose(s, input.txn, nowMs, out);
        break;
      case 'persisted':
        // The leader's own ack is added where a proposal's acks are counted (tryCommit): one
        // `persisted` per batch walking every outstanding proposal was quadratic under load.
        if (input.upTo > s.lastPersisted) s.lastPersisted = input.upTo;
        tryCommit(s, out);
        break;
      case 'touch-session':
        touch(s, input.sessionId, input.timeoutMs, input.claim === true ? SELF_CONN : null, nowMs);
        break;
      case 'tick':
        onTick(s, nowMs, out);
        break;
    }
  }
  if (s.phase !== 'stopped')
    out.push({
      kind: 'wake-at',
      atMs: Math.min(s.nextWakeMs, s.phase === 'broadcast' ? Infinity : s.phaseDeadlineMs),
    });
  return { state: s, outputs: out };
}

function verifiers(s: LeaderState): QuorumVerifier[] {
  return activeVerifiers(s.committed, s.lastSeen);
}

function initLimitMs(s: LeaderState): number {
  return s.timing.initLimit * s.timing.tickTimeMs;
}

function start(i: LeaderStart, nowMs: number, out: LeaderOutput[]): LeaderState {
  const s: LeaderState = {
    self: i.self,
    timing: i.timing,
    committed: i.committed,
    lastSeen: i.lastSeen,
    configText: i.configText,
    lastSeenText: i.lastSeen === null ? null : (i.lastSeenText ?? i.configText),
    allowedToCommit: true,
    versionFirstConfig: i.versionFirstConfig ?? false,
    phase: 'discovery',
    acceptedEpoch: i.acceptedEpoch,
    currentEpoch: i.currentEpoch,
    epoch: i.acceptedEpoch + 1,
    epochFixed: false,
    connectingVoters: new Set([i.self]),
    epochAcks: new Set([i.self]),
    newLeaderAcks: new Set([i.self]),
    phaseDeadlineMs: nowMs + i.timing.initLimit * i.timing.tickTimeMs,
    learners: new Map(),
    lastProposed: i.lastZxid,
    lastCommitted: i.lastZxid,
    lastPersisted: i.lastZxid,
    committedLog: i.committedLog.slice(-limits.committedLogCount),
    outstanding: new Map(),
    tick: 0,
    nextWakeMs: nowMs + i.timing.tickTimeMs / 2,
    halfTicks: 0,
    sessions: new Map(
      i.sessions.map((x) => [
        x.sessionId,
        { timeoutMs: x.timeoutMs, owner: SELF_CONN, expiresAtMs: nowMs + x.timeoutMs },
      ]),
    ),
  };
  maybeFixEpoch(s, out);
  // A single voter is its own quorum at every step: no learner packet will move it on.
  if (s.epochFixed) maybeStartSync(s, nowMs, out);
  if (s.phase === 'sync' && containsAllQuorums(verifiers(s), s.newLeaderAcks))
    establish(s, nowMs, out);
  return s;
}

/** Discovery ends once a quorum has acked the new epoch: sync every learner that has. */
function maybeStartSync(s: LeaderState, nowMs: number, out: LeaderOutput[]): void {
  if (s.phase !== 'discovery' || !containsAllQuorums(verifiers(s), s.epochAcks)) return;
  s.phase = 'sync';
  s.currentEpoch = s.epoch;
  s.phaseDeadlineMs = nowMs + initLimitMs(s);
  out.push({ kind: 'write-epoch', which: 'currentEpoch', epoch: s.epoch });
  for (const [c, other] of s.learners)
    if (other.ackEpochSummary !== null && other.stage === 'epoch-sent')
      syncLearner(s, c, other, nowMs, out);
}

function send(
  out: LeaderOutput[],
  conn: number,
  type: PacketType,
  zxid: bigint,
  data: Buffer | null = null,
): void {
  out.push({ kind: 'send', conn, packet: { type, zxid, data, authinfo: null } });
}

function maybeFixEpoch(s: LeaderState, out: LeaderOutput[]): void {
  if (s.epochFixed || !containsAllQuorums(verifiers(s), s.connectingVoters)) return;
  s.epochFixed = true;
  s.acceptedEpoch = s.epoch;
  if (s.versionFirstConfig && s.committed.version === 0n && s.lastSeen === null) {
    // Leader.lead (ZOOKEEPER-1783): a config never versioned gets the new epoch's first zxid
    // and is committed with NEWLEADER, so every member writes zoo.cfg.dynamic.<epoch>00000000.
    const version = makeZxid(s.epoch, 0);
    s.lastSeen = { version, members: s.committed.members };
    s.lastSeenText = configWithVersion(s.configText, version);
  }
  out.push({ kind: 'write-epoch', which: 'acceptedEpoch', epoch: s.epoch });
  for (const [conn, l] of s.learners) {
    if (l.sid !== null && l.stage === 'connected') sendLeaderInfo(s, conn, l, out);
  }
}

function sendLeaderInfo(s: LeaderState, conn: number, l: LearnerConn, out: LeaderOutput[]): void {
  l.stage = 'epoch-sent';
  send(out, conn, PacketType.LEADERINFO, makeZxid(s.epoch, 0), d.encodeLeaderInfo());
}

function onPacket(
  s: LeaderState,
  conn: number,
  p: QuorumPacket,
  nowMs: number,
  out: LeaderOutput[],
): void {
  const l = s.learners.get(conn);
  if (l === undefined) return;
  l.deadlineTick = s.tick + s.timing.syncLimit;
  if (l.sid === null) {
    if (p.type !== PacketType.FOLLOWERINFO && p.type !== PacketType.OBSERVERINFO) {
      dropLearner(s, conn, 'first packet is not FOLLOWERINFO/OBSERVERINFO', out);
      return;
    }
    const info = d.decodeLearnerInfo(p.data);
    if (info.configVersion > s.committed.version) {
      dropLearner(s, conn, 'learner config is newer than ours', out);
      return;
    }
    for (const [c, other] of s.learners)
      if (c !== conn && other.sid === info.sid)
        dropLearner(s, c, 'replaced by a new connection', out);
    l.sid = info.sid;
    // A follower outside every config is a non-voting follower (a joiner): it gets proposals
    // and acks them, and its acks count once a config makes it a voter.
    l.observer = p.type === PacketType.OBSERVERINFO;
    l.acceptedEpoch = epochOf(p.zxid);
    if (!s.epochFixed) {
      if (l.acceptedEpoch >= s.epoch) s.epoch = l.acceptedEpoch + 1;
      if (!l.observer) s.connectingVoters.add(info.sid);
      maybeFixEpoch(s, out);
    } else {
      sendLeaderInfo(s, conn, l, out);
    }
    return;
  }
  switch (p.type) {
    case PacketType.ACKEPOCH: {
      if (l.stage !== 'epoch-sent') return;
      const currentEpoch = d.decodeAckEpoch(p.data);
      const summary = { currentEpoch, lastZxid: p.zxid };
      l.ackEpochSummary = summary;
      if (currentEpoch !== -1) {
        const mine = { currentEpoch: s.currentEpoch, lastZxid: s.lastProposed };
        if (
          summary.currentEpoch > mine.currentEpoch ||
          (summary.currentEpoch === mine.currentEpoch && summary.lastZxid > mine.lastZxid)
        ) {
          stop(s, `learner ${l.sid} is more recent than the leader`, out);
          return;
        }
        if (!l.observer) s.epochAcks.add(l.sid);
      }
      if (s.phase === 'discovery') {
        maybeStartSync(s, nowMs, out);
      } else {
        syncLearner(s, conn, l, nowMs, out);
      }
      return;
    }
    case PacketType.ACK:
      onAck(s, conn, l, p.zxid, nowMs, out);
      return;
    case PacketType.PING:
      for (const t of d.decodePingSessions(p.data)) touch(s, t.sessionId, t.timeoutMs, null, nowMs);
      return;
    case PacketType.REVALIDATE: {
      const req = d.decodeRevalidateRequest(p.data);
      const session = s.sessions.get(req.sessionId);
      const valid = session !== undefined && session.expiresAtMs > nowMs;
      if (valid) {
        session.owner = conn;
        session.expiresAtMs = nowMs + session.timeoutMs;
      }
      send(out, conn, PacketType.REVALIDATE, -1n, d.encodeRevalidateReply(req.sessionId, valid));
      return;
    }
    case PacketType.REQUEST: {
      if (s.phase !== 'broadcast') return;
      const r = d.decodeForwardedRequest(p.data);
      if (r.opType === OpCode.sync) {
        const last = [...s.outstanding.keys()].at(-1);
        if (last === undefined) send(out, conn, PacketType.SYNC, 0n);
        else s.outstanding.get(last)!.syncs.push(conn);
        return;
      }
      const session = s.sessions.get(r.sessionId);
      if (r.opType === OpCode.createSession && r.body.length >= 4)
        touch(s, r.sessionId, r.body.readInt32BE(0), conn, nowMs);
      else if (session !== undefined) session.expiresAtMs = nowMs + session.timeoutMs;
      out.push({ kind: 'learner-request', conn, request: { ...r, authinfo: p.authinfo ?? [] } });
      return;
    }
    default:
      return;
  }
}

function syncLearner(
  s: LeaderState,
  conn: number,
  l: LearnerConn,
  nowMs: number,
  out: LeaderOutput[],
): void {
  const peerZxid = l.ackEpochSummary!.lastZxid;
  const plan = planSync(peerZxid, s.committedLog, s.lastCommitted);
  if (plan.mode === 'snap') {
    send(out, conn, PacketType.SNAP, plan.zxid);
    out.push({
      kind: 'send-snapshot',
      conn,
      zxid: plan.zxid,
      sessions: [...s.sessions].map(([sessionId, x]) => ({ sessionId, timeoutMs: x.timeoutMs })),
    });
  } else {
    send(out, conn, plan.mode === 'diff' ? PacketType.DIFF : PacketType.TRUNC, plan.zxid);
    for (const t of plan.txns) {
      send(out, conn, PacketType.PROPOSAL, t.header.zxid, d.encodeProposalData(t));
      send(out, conn, PacketType.COMMIT, t.header.zxid);
    }
  }
  // Outstanding proposals go to participants; from here on, live traffic is forwarded too.
  if (!l.observer) {
    for (const [zxid, p] of s.outstanding) {
      send(out, conn, PacketType.PROPOSAL, zxid, d.encodeProposalData(p.txn));
      l.unacked.set(zxid, nowMs);
    }
  }
  l.stage = 'newleader-sent';
  send(
    out,
    conn,
    PacketType.NEWLEADER,
    makeZxid(s.epoch, 0),
    d.encodeNewLeaderConfig(s.lastSeenText ?? s.configText),
  );
}

function onAck(
  s: LeaderState,
  conn: number,
  l: LearnerConn,
  zxid: bigint,
  nowMs: number,
  out: LeaderOutput[],
): void {
  if (isEpochStart(zxid)) {
    if (zxid !== makeZxid(s.epoch, 0) || l.stage !== 'newleader-sent') return;
    l.newLeaderAcked = true;
    if (!l.observer) s.newLeaderAcks.add(l.sid!);
    if (s.phase === 'sync') {
      if (containsAllQuorums(verifiers(s), s.newLeaderAcks)) establish(s, nowMs, out);
    } else if (s.phase === 'broadcast') {
      upToDate(s, conn, l, out);
    }
    return;
  }
  if (l.observer) return;
  l.unacked.delete(zxid);
  const p = s.outstanding.get(zxid);
  if (p === undefined) return;
  p.acks.add(l.sid!);
  tryCommit(s, out);
}

function establish(s: LeaderState, nowMs: number, out: LeaderOutput[]): void {
  s.phase = 'broadcast';
  if (s.lastSeen !== null && s.lastSeenText !== null && s.lastSeen.version > s.committed.version) {
    // Leader.lead after the NEWLEADER quorum: the pending config is committed now; if we are
    // no voter of it, a voter that acked NEWLEADER is designated and we commit nothing.
    const next = s.lastSeen;
    let designated = s.self;
    if (next.members.get(s.self) !== 'participant')
      for (const sid of s.newLeaderAcks)
        if (next.members.get(sid) === 'participant' && (designated === s.self || sid > designated))
          designated = sid;
    activate(s, makeZxid(s.epoch, 0), designated, out);
  }
  s.lastProposed = makeZxid(s.epoch, 0);
  s.lastCommitted = s.lastProposed;
  s.lastPersisted = s.lastProposed;
  s.nextWakeMs = nowMs + s.timing.tickTimeMs / 2;
  out.push({ kind: 'established', epoch: s.epoch, lastZxid: s.lastProposed });
  for (const [conn, l] of s.learners) {
    if (l.stage === 'newleader-sent' && l.newLeaderAcked) upToDate(s, conn, l, out);
  }
}

function upToDate(s: LeaderState, conn: number, l: LearnerConn, out: LeaderOutput[]): void {
  l.stage = 'uptodate';
  send(out, conn, PacketType.UPTODATE, -1n);
}

function propose(s: LeaderState, t: LoggedTxn, nowMs: number, out: LeaderOutput[]): void {
  if (s.phase !== 'broadcast') throw new Error('propose before the leader is established');
  const zxid = t.header.zxid;
  if (zxid !== s.lastProposed + 1n)
    throw new Error(`proposal zxid ${zxid} does not follow ${s.lastProposed}`);
  if ((zxid & 0xffffffffn) === 0xffffffffn) {
    stop(s, 'zxid counter exhausted: a new epoch is needed', out);
    return;
  }
  s.lastProposed = zxid;
  s.outstanding.set(zxid, { txn: t, acks: new Set(), syncs: [] });
  if (t.header.type === OpCode.reconfig && t.txn.type === OpCode.reconfig && t.txn.data !== null) {
    // From here until it commits, every proposal needs a quorum of both configs.
    const text = t.txn.data.toString('utf8');
    s.lastSeen = verifierOfText(text);
    s.lastSeenText = text;
  }
  const data = d.encodeProposalData(t);
  for (const [conn, l] of s.learners) {
    if (l.observer || (l.stage !== 'newleader-sent' && l.stage !== 'uptodate')) continue;
    send(out, conn, PacketType.PROPOSAL, zxid, data);
    l.unacked.set(zxid, nowMs);
  }
  out.push({ kind: 'persist', txns: [t] });
}

/** Commits strictly in zxid order: only the oldest outstanding proposal may commit. */
function tryCommit(s: LeaderState, out: LeaderOutput[]): void {
  for (;;) {
    const next = s.lastCommitted + 1n;
    const p = s.outstanding.get(next);
    if (!s.allowedToCommit || p === undefined) return;
    if (next <= s.lastPersisted) p.acks.add(s.self);
    if (!containsActiveQuorums(s.committed, s.lastSeen, p.acks)) return;
    s.outstanding.delete(next);
    s.lastCommitted = next;
    s.committedLog.push(p.txn);
    if (s.committedLog.length > limits.committedLogCount) s.committedLog.shift();
    const reconfig = isReconfig(p.txn) && s.lastSeen !== null && s.lastSeenText !== null;
    const designated = reconfig ? designatedLeader(s, p) : s.self;
    // INFORM carries the whole txn; it is encoded only when an observer needs it.
    let inform: Buffer | null = null;
    const commit = reconfig ? d.encodeCommitAndActivate(designated) : null;
    for (const [conn, l] of s.learners) {
      if (l.stage !== 'newleader-sent' && l.stage !== 'uptodate') continue;
      if (l.observer) {
        inform ??= reconfig
          ? d.encodeInformAndActivate(designated, p.txn)
          : d.encodeProposalData(p.txn);
        send(out, conn, reconfig ? PacketType.INFORMANDACTIVATE : PacketType.INFORM, next, inform);
      } else
        send(out, conn, reconfig ? PacketType.COMMITANDACTIVATE : PacketType.COMMIT, next, commit);
    }
    trackSessions(s, p.txn);
    out.push({ kind: 'apply', txn: p.txn });
    if (reconfig) activate(s, next, designated, out);
    for (const conn of p.syncs) if (s.learners.has(conn)) send(out, conn, PacketType.SYNC, 0n);
  }
}

function isReconfig(t: LoggedTxn): boolean {
  return t.header.type === OpCode.reconfig && t.txn.type === OpCode.reconfig;
}

/**
 * Leader.getDesignatedLeader: ourselves if we vote in the new config; otherwise the new
 * config's voter that acked the reconfig and most of the proposals after it (highest sid on
 * a tie), so that it holds as much as possible of what is outstanding.
 */
function designatedLeader(s: LeaderState, p: Proposal): bigint {
  const next = s.lastSeen!;
  if (next.members.get(s.self) === 'participant') return s.self;
  let best = s.self;
  let bestAcks = -1;
  for (const sid of [...p.acks].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (next.members.get(sid) !== 'participant') continue;
    let acks = 0;
    for (const later of s.outstanding.values()) if (later.acks.has(sid)) acks++;
    if (acks >= bestAcks) {
      best = sid;
      bestAcks = acks;
    }
  }
  return best;
}

/** The last-seen config becomes the committed one. */
function activate(s: LeaderState, zxid: bigint, designated: bigint, out: LeaderOutput[]): void {
  s.committed = s.lastSeen!;
  s.configText = s.lastSeenText!;
  s.lastSeen = null;
  s.lastSeenText = null;
  // Another leader takes over: commit nothing more; followers move to it and we lose quorum.
  if (designated !== s.self) s.allowedToCommit = false;
  out.push({
    kind: 'activate-config',
    zxid,
    configText: s.configText,
    designatedLeader: designated,
  });
}

function trackSessions(s: LeaderState, t: LoggedTxn): void {
  if (t.txn.type === OpCode.createSession) {
    const prev = s.sessions.get(t.header.clientId);
    s.sessions.set(t.header.clientId, {
      timeoutMs: t.txn.timeOutMs,
      owner: prev?.owner ?? SELF_CONN,
      expiresAtMs: prev?.expiresAtMs ?? Number.MAX_SAFE_INTEGER,
    });
  } else if (t.txn.type === OpCode.closeSession) {
    s.sessions.delete(t.header.clientId);
  }
}

function touch(
  s: LeaderState,
  sessionId: bigint,
  timeoutMs: number,
  owner: number | null,
  nowMs: number,
): void {
  const x = s.sessions.get(sessionId);
  if (x === undefined) {
    // A session being created: tracked now so that it cannot expire before its txn commits.
    s.sessions.set(sessionId, {
      timeoutMs,
      owner: owner ?? SELF_CONN,
      expiresAtMs: nowMs + timeoutMs,
    });
    return;
  }
  x.expiresAtMs = nowMs + x.timeoutMs;
  if (owner !== null) x.owner = owner;
}

function onTick(s: LeaderState, nowMs: number, out: LeaderOutput[]): void {
  if (s.phase !== 'broadcast') {
    if (nowMs >= s.nextWakeMs) s.nextWakeMs = nowMs + s.timing.tickTimeMs / 2;
    if (nowMs >= s.phaseDeadlineMs) stop(s, `no quorum within initLimit during ${s.phase}`, out);
    return;
  }
  if (nowMs < s.nextWakeMs) return;
  s.nextWakeMs = nowMs + s.timing.tickTimeMs / 2;
  s.halfTicks++;
  if (s.halfTicks % 2 === 0) {
    s.tick++;
    const synced = [s.self];
    for (const l of s.learners.values())
      if (l.sid !== null && !l.observer && l.stage === 'uptodate' && s.tick <= l.deadlineTick)
        synced.push(l.sid);
    if (!containsAllQuorums(verifiers(s), synced)) {
      stop(s, 'not sufficient followers synced', out);
      return;
    }
  }
  const syncLimitMs = s.timing.syncLimit * s.timing.tickTimeMs;
  for (const [conn, l] of s.learners) {
    if (l.stage !== 'newleader-sent' && l.stage !== 'uptodate') continue;
    const oldest = Math.min(...l.unacked.values());
    if (oldest !== Infinity && nowMs - oldest > syncLimitMs) {
      dropLearner(s, conn, 'proposal not acked within syncLimit', out);
      continue;
    }
    send(out, conn, PacketType.PING, s.lastProposed);
  }
  for (const [id, x] of s.sessions) {
    if (x.expiresAtMs <= nowMs) {
      // Expire once: the closeSession txn will remove it for good.
      x.expiresAtMs = Number.MAX_SAFE_INTEGER;
      out.push({ kind: 'expire-session', sessionId: id });
    }
  }
}

function dropLearner(
  s: LeaderState,
  conn: number,
  reason: string | null,
  out: LeaderOutput[],
): void {
  if (!s.learners.delete(conn)) return;
  if (reason !== null) out.push({ kind: 'close', conn, reason });
}

function stop(s: LeaderState, reason: string, out: LeaderOutput[]): void {
  s.phase = 'stopped';
  for (const conn of s.learners.keys()) out.push({ kind: 'close', conn, reason });
  s.learners.clear();
  out.push({ kind: 'shutdown', reason });
}

/** Which connection owns a session (-1: the leader); the prep stage answers SESSIONMOVED otherwise. */
export function sessionOwner(s: LeaderState, sessionId: bigint): number | undefined {
  return s.sessions.get(sessionId)?.owner;
}

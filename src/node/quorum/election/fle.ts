/**
 * Fast Leader Election (quorum-protocol.md §2.3–2.4) as a pure state machine. The runtime feeds
 * it received notifications, peer connect/disconnect and clock ticks; it answers with
 * notifications to send, connections wanted, the next deadline and, once, the decision.
 * Self-delivery is modelled by recording our own vote directly (Apache loops it back).
 */
import { limits } from '../../../shared/limits.js';
import type { Random } from '../../../shared/prng.js';
import {
  activeVerifiers,
  containsAllQuorums,
  isVoterOfAny,
  votersOfAll,
  type QuorumVerifier,
} from '../quorum-verifier.js';
import { verifierOfText } from '../reconfig.js';
import { PeerState, type Notification } from '../wire/notification.js';
import { beats, MIN_LONG, sameVote, type StatedVote, type Vote } from './vote.js';

export interface ElectionConfig {
  self: bigint;
  committed: QuorumVerifier;
  lastSeen: QuorumVerifier | null;
  /** Committed config text carried in every notification. */
  configText: string;
  /**
   * reconfigEnabled: while looking, a notification carrying a newer committed config is
   * adopted and the election restarts (a server that missed a reconfig learns it this way).
   */
  adoptNewerConfigs?: boolean;
}

export interface ElectionState {
  config: ElectionConfig;
  /** Our own state as peers see it. */
  peerState: PeerState;
  logicalClock: bigint;
  /** While looking: our proposal. Once decided: the current vote we answer with. */
  vote: Vote;
  initialVote: Vote;
  recvset: Map<bigint, StatedVote>;
  outOfElection: Map<bigint, StatedVote>;
  /** Peers with a live election connection. */
  connected: Set<bigint>;
  notificationTimeoutMs: number;
  pollDeadlineMs: number;
  /** Set while waiting finalizeWait for a better vote. */
  finalizeDeadlineMs: number | null;
  /** What the last 'start' was given, to restart after adopting a newer config. */
  lastLoggedZxid: bigint;
  currentEpoch: bigint;
}

export type ElectionInput =
  | {
      kind: 'start';
      lastLoggedZxid: bigint;
      currentEpoch: bigint;
      /**
       * Leadership handoff: the first vote names this server instead of ourselves. The caller
       * guarantees it holds every txn we do (it acked them all), so the vote's zxid is true.
       */
      proposedLeader?: bigint;
    }
  | { kind: 'notification'; from: bigint; n: Notification }
  | { kind: 'tick' }
  | { kind: 'peer-up'; sid: bigint }
  | { kind: 'peer-down'; sid: bigint }
  /** After sync: the decided vote's peerEpoch becomes the new epoch (updateElectionVote). */
  | { kind: 'update-epoch'; peerEpoch: bigint }
  /** Leadership or following ended: the runtime will send 'start' to elect again. */
  | { kind: 'stop-serving' }
  /** A reconfig was seen or committed: who votes, and the config text notifications carry. */
  | { kind: 'set-config'; config: ElectionConfig };

export type ElectionOutput =
  | { kind: 'send'; to: bigint; n: Notification }
  | { kind: 'connect'; to: bigint }
  | {
      kind: 'decided';
      state: PeerState.LEADING | PeerState.FOLLOWING | PeerState.OBSERVING;
      vote: Vote;
    }
  | { kind: 'wake-at'; atMs: number }
  /** A newer committed config came with a notification and is now ours: activate it. */
  | { kind: 'adopt-config'; configText: string };

export interface ElectionStep {
  state: ElectionState;
  outputs: ElectionOutput[];
}

export function initialElectionState(config: ElectionConfig, nowMs: number): ElectionState {
  const none: Vote = { leader: MIN_LONG, zxid: MIN_LONG, electionEpoch: 0n, peerEpoch: MIN_LONG };
  return {
    config,
    peerState: PeerState.LOOKING,
    logicalClock: 0n,
    vote: none,
    initialVote: none,
    recvset: new Map(),
    outOfElection: new Map(),
    connected: new Set(),
    notificationTimeoutMs: limits.electionMinNotificationIntervalMs,
    pollDeadlineMs: nowMs + limits.electionMinNotificationIntervalMs,
    finalizeDeadlineMs: null,
    lastLoggedZxid: 0n,
    currentEpoch: 0n,
  };
}

export function electionStep(
  prev: ElectionState,
  input: ElectionInput,
  nowMs: number,
  _random?: Random,
): ElectionStep {
  const s: ElectionState = {
    ...prev,
    recvset: new Map(prev.recvset),
    outOfElection: new Map(prev.outOfElection),
    connected: new Set(prev.connected),
  };
  const out: ElectionOutput[] = [];
  switch (input.kind) {
    case 'start':
      start(s, input.lastLoggedZxid, input.currentEpoch, nowMs, out, input.proposedLeader);
      break;
    case 'notification':
      onNotification(s, input.from, input.n, nowMs, out);
      break;
    case 'tick':
      onTick(s, nowMs, out);
      break;
    case 'peer-up':
      s.connected.add(input.sid);
      break;
    case 'peer-down':
      s.connected.delete(input.sid);
      break;
    case 'update-epoch':
      s.vote = { ...s.vote, peerEpoch: input.peerEpoch };
      break;
    case 'stop-serving':
      s.peerState = PeerState.LOOKING;
      s.finalizeDeadlineMs = null;
      break;
    case 'set-config':
      s.config = input.config;
      break;
  }
  if (s.peerState === PeerState.LOOKING) {
    out.push({ kind: 'wake-at', atMs: s.finalizeDeadlineMs ?? s.pollDeadlineMs });
  }
  return { state: s, outputs: out };
}

function verifiers(s: ElectionState): QuorumVerifier[] {
  return activeVerifiers(s.config.committed, s.config.lastSeen);
}

function isVoter(s: ElectionState, sid: bigint): boolean {
  return isVoterOfAny(verifiers(s), sid);
}

/**
 * totalOrderPredicate's weight check: only a voter of the committed config can be proposed,
 * also while a newer config is pending (a server it adds could otherwise win votes that the
 * committed config's voters ignore, and no quorum of both would ever form).
 */
function electable(s: ElectionState, sid: bigint): boolean {
  return s.config.committed.members.get(sid) === 'participant';
}

function start(
  s: ElectionState,
  lastLoggedZxid: bigint,
  currentEpoch: bigint,
  nowMs: number,
  out: ElectionOutput[],
  proposedLeader?: bigint,
): void {
  s.peerState = PeerState.LOOKING;
  s.lastLoggedZxid = lastLoggedZxid;
  s.currentEpoch = currentEpoch;
  s.logicalClock += 1n;
  s.recvset = new Map();
  s.outOfElection = new Map();
  s.finalizeDeadlineMs = null;
  const voter = electable(s, s.config.self);
  s.initialVote = voter
    ? {
        leader: proposedLeader ?? s.config.self,
        zxid: lastLoggedZxid,
        electionEpoch: s.logicalClock,
        peerEpoch: currentEpoch,
      }
    : { leader: MIN_LONG, zxid: MIN_LONG, electionEpoch: s.logicalClock, peerEpoch: MIN_LONG };
  s.vote = { ...s.initialVote };
  s.notificationTimeoutMs = limits.electionMinNotificationIntervalMs;
  s.pollDeadlineMs = nowMs + s.notificationTimeoutMs;
  sendToAll(s, out);
  // Our own vote may be a quorum by itself (a single voter): Apache sees it when its own
  // notification loops back; no peer message will ever trigger the check here.
  const mine: StatedVote = { ...s.vote, electionEpoch: s.logicalClock, state: PeerState.LOOKING };
  if (voter && containsAllQuorums(verifiers(s), agreeing(s.recvset, mine)))
    s.finalizeDeadlineMs = nowMs + limits.electionFinalizeWaitMs;
}

function notificationOf(s: ElectionState, v: Vote, electionEpoch: bigint): Notification {
  return {
    state: s.peerState,
    leader: v.leader,
    zxid: v.zxid,
    electionEpoch,
    peerEpoch: v.peerEpoch,
    version: 2,
    config: s.config.configText,
  };
}

/** Notify every voter of every active config; our own copy is counted directly. */
function sendToAll(s: ElectionState, out: ElectionOutput[]): void {
  for (const sid of votersOfAll(verifiers(s))) {
    if (sid === s.config.self) continue;
    out.push({ kind: 'send', to: sid, n: notificationOf(s, s.vote, s.logicalClock) });
  }
  if (isVoter(s, s.config.self)) {
    recordLooking(s, s.config.self, {
      ...s.vote,
      electionEpoch: s.logicalClock,
      state: PeerState.LOOKING,
    });
  }
}

function onTick(s: ElectionState, nowMs: number, out: ElectionOutput[]): void {
  if (s.peerState !== PeerState.LOOKING) return;
  if (s.finalizeDeadlineMs !== null && nowMs >= s.finalizeDeadlineMs) {
    decide(s, s.vote, out);
    return;
  }
  if (s.finalizeDeadlineMs === null && nowMs >= s.pollDeadlineMs) {
    // Nothing heard for a while: re-send to everyone and reconnect whoever is not connected.
    sendToAll(s, out);
    for (const sid of votersOfAll(verifiers(s))) {
      if (sid !== s.config.self && !s.connected.has(sid)) out.push({ kind: 'connect', to: sid });
    }
    s.notificationTimeoutMs = Math.min(
      s.notificationTimeoutMs * 2,
      limits.electionMaxNotificationIntervalMs,
    );
    s.pollDeadlineMs = nowMs + s.notificationTimeoutMs;
  }
}

function onNotification(
  s: ElectionState,
  from: bigint,
  n: Notification,
  nowMs: number,
  out: ElectionOutput[],
): void {
  const self = s.config.self;
  if (s.peerState === PeerState.LOOKING && adoptNewerConfig(s, n, nowMs, out)) return;
  // A non-voter (observer, unknown) gets our current vote straight back (§2.4).
  if (!isVoter(s, from)) {
    if (from !== self)
      out.push({ kind: 'send', to: from, n: notificationOf(s, s.vote, s.logicalClock) });
    return;
  }
  if (s.peerState !== PeerState.LOOKING) {
    // Answer a LOOKING peer with the vote we settled on.
    if (n.state === PeerState.LOOKING) {
      out.push({ kind: 'send', to: from, n: notificationOf(s, s.vote, s.vote.electionEpoch) });
    }
    return;
  }
  if (n.state === PeerState.LOOKING && n.electionEpoch < s.logicalClock) {
    out.push({ kind: 'send', to: from, n: notificationOf(s, s.vote, s.logicalClock) });
  }
  if (!isVoter(s, n.leader)) return;
  s.pollDeadlineMs = nowMs + s.notificationTimeoutMs;

  if (s.finalizeDeadlineMs !== null) {
    // Finalizing: only a better vote reopens the round; anything else is consumed unread.
    if (!electable(s, n.leader) || !beats(n, s.vote)) return;
    s.finalizeDeadlineMs = null;
  }

  switch (n.state) {
    case PeerState.LOOKING:
      onLooking(s, from, n, nowMs, out);
      return;
    case PeerState.OBSERVING:
      return;
    case PeerState.FOLLOWING:
    case PeerState.LEADING:
      onDecidedPeer(s, from, n, out);
      return;
  }
}

/** §2.1: a LOOKING server takes a newer committed config from a notification and looks again. */
function adoptNewerConfig(
  s: ElectionState,
  n: Notification,
  nowMs: number,
  out: ElectionOutput[],
): boolean {
  if (s.config.adoptNewerConfigs !== true || n.config === null || n.config === '') return false;
  let committed: QuorumVerifier;
  try {
    committed = verifierOfText(n.config);
  } catch {
    return false;
  }
  if (committed.version <= s.config.committed.version) return false;
  const lastSeen =
    s.config.lastSeen !== null && s.config.lastSeen.version > committed.version
      ? s.config.lastSeen
      : null;
  s.config = { ...s.config, committed, lastSeen, configText: n.config };
  out.push({ kind: 'adopt-config', configText: n.config });
  start(s, s.lastLoggedZxid, s.currentEpoch, nowMs, out);
  return true;
}

function onLooking(
  s: ElectionState,
  from: bigint,
  n: Notification,
  nowMs: number,
  out: ElectionOutput[],
): void {
  if (s.initialVote.zxid === -1n || n.zxid === -1n) return;
  const theirs = { leader: n.leader, zxid: n.zxid, peerEpoch: n.peerEpoch };
  const better = (than: Vote) => electable(s, n.leader) && beats(theirs, than);
  if (n.electionEpoch > s.logicalClock) {
    s.logicalClock = n.electionEpoch;
    s.recvset = new Map();
    const best = better(s.initialVote) ? theirs : s.initialVote;
    s.vote = { ...best, electionEpoch: s.logicalClock };
    sendToAll(s, out);
  } else if (n.electionEpoch < s.logicalClock) {
    return;
  } else if (better(s.vote)) {
    s.vote = { ...theirs, electionEpoch: s.logicalClock };
    sendToAll(s, out);
  }
  recordLooking(s, from, { ...theirs, electionEpoch: n.electionEpoch, state: PeerState.LOOKING });
  const mine: StatedVote = { ...s.vote, electionEpoch: s.logicalClock, state: PeerState.LOOKING };
  if (containsAllQuorums(verifiers(s), agreeing(s.recvset, mine))) {
    s.finalizeDeadlineMs = nowMs + limits.electionFinalizeWaitMs;
  }
}

function recordLooking(s: ElectionState, from: bigint, v: StatedVote): void {
  s.recvset.set(from, v);
}

function onDecidedPeer(
  s: ElectionState,
  from: bigint,
  n: Notification,
  out: ElectionOutput[],
): void {
  const v: StatedVote = {
    leader: n.leader,
    zxid: n.zxid,
    electionEpoch: n.electionEpoch,
    peerEpoch: n.peerEpoch,
    state: n.state,
  };
  if (n.electionEpoch === s.logicalClock) {
    s.recvset.set(from, v);
    if (
      containsAllQuorums(verifiers(s), agreeing(s.recvset, v)) &&
      checkLeader(s, s.recvset, n.leader, n.electionEpoch)
    ) {
      decide(s, v, out);
      return;
    }
  }
  // A restarted server joins a running ensemble through votes of any round.
  s.outOfElection.set(from, v);
  if (
    containsAllQuorums(verifiers(s), agreeing(s.outOfElection, v)) &&
    checkLeader(s, s.outOfElection, n.leader, n.electionEpoch)
  ) {
    s.logicalClock = n.electionEpoch;
    decide(s, v, out);
  }
}

function agreeing(votes: Map<bigint, StatedVote>, v: StatedVote): bigint[] {
  const out: bigint[] = [];
  for (const [sid, other] of votes) if (sameVote(other, v)) out.push(sid);
  return out;
}

/** A dead leader must not be followed forever: it has to answer LEADING itself. */
function checkLeader(
  s: ElectionState,
  votes: Map<bigint, StatedVote>,
  leader: bigint,
  electionEpoch: bigint,
): boolean {
  if (leader !== s.config.self) return votes.get(leader)?.state === PeerState.LEADING;
  return s.logicalClock === electionEpoch;
}

function decide(s: ElectionState, v: Vote, out: ElectionOutput[]): void {
  const self = s.config.self;
  // Observers observe; any other server follows, voting or not (a joiner, or one removed:
  // Apache's non-voting participant).
  const observer = verifiers(s).some((qv) => qv.members.get(self) === 'observer');
  const state =
    v.leader === self ? PeerState.LEADING : observer ? PeerState.OBSERVING : PeerState.FOLLOWING;
  s.peerState = state;
  s.vote = {
    leader: v.leader,
    zxid: v.zxid,
    electionEpoch: v.electionEpoch,
    peerEpoch: v.peerEpoch,
  };
  s.finalizeDeadlineMs = null;
  out.push({ kind: 'decided', state, vote: s.vote });
}

/**
 * A seeded world for the pure quorum machines: servers running election + Zab over a simulated
 * network and disk, with clients and fault injection. Everything random comes from one PRNG.
 *
 * Network model: election traffic is datagram-like (dropped, delayed, reordered, duplicated);
 * quorum-port traffic rides a simulated TCP stream, so it arrives in order or the connection
 * breaks (a broken or partitioned stream is closed on both ends). Disk model: `persist` writes
 * are lost on crash until a simulated fsync completes; epoch files are written atomically.
 */
import { seededRandom, type Random } from '../../src/shared/prng.js';
import { OpCode } from '../../src/node/proto/opcodes.js';
import type { LoggedTxn } from '../../src/node/proto/types.js';
import {
  electionStep,
  initialElectionState,
  type ElectionOutput,
  type ElectionState,
} from '../../src/node/quorum/election/fle.js';
import {
  majorityVerifier,
  type MemberRole,
  type QuorumVerifier,
} from '../../src/node/quorum/quorum-verifier.js';
import {
  decodeNotification,
  encodeNotification,
  PeerState,
} from '../../src/node/quorum/wire/notification.js';
import {
  decodeQuorumPacket,
  encodeQuorumPacket,
  PacketType,
  type QuorumPacket,
} from '../../src/node/quorum/wire/quorum-packet.js';
import { epochOf } from '../../src/node/quorum/wire/zxid.js';
import {
  leaderStep,
  type LeaderOutput,
  type LeaderState,
} from '../../src/node/quorum/zab/leader.js';
import {
  learnerStep,
  type LearnerOutput,
  type LearnerState,
} from '../../src/node/quorum/zab/learner.js';
import type { ZabTiming } from '../../src/node/quorum/zab/types.js';
import { EventQueue } from './event-queue.js';
import { ModelTree } from './model-tree.js';
import { decodeNewLeaderConfig } from '../../src/node/quorum/wire/packet-data.js';
import {
  lastSeenIn,
  nextMembership,
  reconfigTxn,
  simConfigOf,
  type SimConfig,
} from './sim-reconfig.js';

export interface SimOptions {
  seed: number;
  servers: number;
  observers?: number;
  durationMs: number;
  clients: number;
  faults: boolean;
  /** The leader proposes reconfigs now and then (a voter leaves or a removed one returns). */
  reconfig?: boolean;
}

export class SimFailure extends Error {
  override name = 'SimFailure';
}

interface Disk {
  acceptedEpoch: number;
  currentEpoch: number;
  snapshot: { zxid: bigint; tree: ModelTree };
  log: LoggedTxn[];
  unsynced: LoggedTxn[];
}

type Mode = 'looking' | 'leading' | 'following' | 'observing' | 'down';

interface Server {
  sid: bigint;
  observer: boolean;
  mode: Mode;
  gen: number;
  disk: Disk;
  tree: ModelTree;
  lastApplied: bigint;
  election: ElectionState;
  leader: LeaderState | null;
  learner: LearnerState | null;
  /** Learner side: the connection to the leader. */
  conn: number | null;
  connectAttempts: number;
  serving: boolean;
  heldSnap: QuorumPacket | null;
  fsyncScheduled: boolean;
  /** Writes submitted through this server: `${session}:${cxid}` → client index. */
  origin: Map<string, number>;
  lastCxid: Map<bigint, number>;
  /** Committed config (kept across crashes: the runtime writes it to zoo.cfg.dynamic.*). */
  config: SimConfig;
  lastSeen: SimConfig | null;
  /** Learner: the last reconfig txn applied, and the config NEWLEADER carried. */
  reconfigText: string | null;
  newLeaderText: string | null;
}

interface Conn {
  id: number;
  leader: bigint;
  learner: bigint;
  leaderGen: number;
  learnerGen: number;
  open: boolean;
  lastToLeader: number;
  lastToLearner: number;
}

interface Client {
  session: bigint;
  server: bigint;
  nextCxid: number;
  outstanding: number | null;
  written: number;
}

type Ev =
  | { t: 'tick' }
  | { t: 'election-msg'; from: bigint; to: bigint; bytes: Buffer }
  | {
      t: 'conn-msg';
      conn: number;
      toLeader: boolean;
      bytes: Buffer | null;
      snapshot?: { zxid: bigint; tree: ModelTree };
    }
  | { t: 'conn-open'; conn: number }
  | { t: 'conn-closed'; conn: number; toLeader: boolean }
  | { t: 'connect'; sid: bigint; gen: number }
  | { t: 'fsync'; sid: bigint; gen: number }
  | { t: 'fault' }
  | { t: 'client'; idx: number }
  | { t: 'reconfig' }
  | { t: 'step-down'; sid: bigint; gen: number };

const TIMING: ZabTiming = { tickTimeMs: 100, initLimit: 10, syncLimit: 5 };
const TICK_MS = 25;

export class Sim {
  readonly random: Random;
  now = 0;
  private q = new EventQueue<Ev>();
  readonly servers = new Map<bigint, Server>();
  private conns = new Map<number, Conn>();
  private nextConn = 1;
  private partition: Map<bigint, number> | null = null;
  private readonly verifier: QuorumVerifier;
  private readonly configText: string;
  readonly clients: Client[] = [];
  /** Acknowledged writes: path → data. */
  readonly acked = new Map<string, string>();
  readonly leaders = new Map<number, bigint>();
  private digests = new Map<bigint, string>();
  readonly log: string[] = [];
  private faultsOn: boolean;
  stats = {
    elections: 0,
    writes: 0,
    crashes: 0,
    partitions: 0,
    snaps: 0,
    truncs: 0,
    diffs: 0,
    reconfigs: 0,
  };

  constructor(readonly opts: SimOptions) {
    this.random = seededRandom(opts.seed);
    this.faultsOn = opts.faults;
    const members: Array<[bigint, MemberRole]> = [];
    const total = opts.servers + (opts.observers ?? 0);
    for (let i = 1; i <= total; i++)
      members.push([BigInt(i), i > opts.servers ? 'observer' : 'participant']);
    this.verifier = majorityVerifier(0n, members);
    this.configText =
      members.map(([sid, role]) => `server.${sid}=10.0.0.${sid}:2888:3888:${role}`).join('\n') +
      '\nversion=0';
    for (const [sid, role] of members) {
      const disk: Disk = {
        acceptedEpoch: 0,
        currentEpoch: 0,
        snapshot: { zxid: 0n, tree: new ModelTree() },
        log: [],
        unsynced: [],
      };
      const srv: Server = {
        sid,
        observer: role === 'observer',
        mode: 'down',
        gen: 0,
        disk,
        tree: new ModelTree(),
        lastApplied: 0n,
        election: initialElectionState(
          { self: sid, committed: this.verifier, lastSeen: null, configText: this.configText },
          0,
        ),
        leader: null,
        learner: null,
        conn: null,
        connectAttempts: 0,
        serving: false,
        heldSnap: null,
        fsyncScheduled: false,
        origin: new Map(),
        lastCxid: new Map(),
        config: { verifier: this.verifier, text: this.configText },
        lastSeen: null,
        reconfigText: null,
        newLeaderText: null,
      };
      this.servers.set(sid, srv);
    }
    for (let i = 0; i < opts.clients; i++) {
      this.clients.push({
        session: BigInt(0x1000 + i),
        server: this.randomSid(),
        nextCxid: 1,
        outstanding: null,
        written: 0,
      });
      this.q.push(this.random.int(500), { t: 'client', idx: i });
    }
    for (const s of this.servers.values()) this.boot(s, this.random.int(300));
    this.q.push(TICK_MS, { t: 'tick' });
    if (opts.faults) this.q.push(1000 + this.random.int(1000), { t: 'fault' });
    if (opts.reconfig === true) this.q.push(1500 + this.random.int(1000), { t: 'reconfig' });
  }

  private randomSid(): bigint {
    return BigInt(1 + this.random.int(this.servers.size || this.opts.servers));
  }

  private trace(msg: string): void {
    this.log.push(`${this.now} ${msg}`);
    if (this.log.length > 400) this.log.shift();
  }

  private fail(msg: string): never {
    throw new SimFailure(
      `seed ${this.opts.seed} at ${this.now} ms: ${msg}\n${this.log.slice(-40).join('\n')}`,
    );
  }

  run(): void {
    const faultEnd = this.opts.durationMs;
    const end = faultEnd + 15_000;
    while (this.q.size > 0) {
      const e = this.q.pop()!;
      if (e.at > end) break;
      this.now = e.at;
      if (this.faultsOn && this.now >= faultEnd) this.healAll();
      this.handle(e.ev);
    }
    this.checkConverged();
  }

  // ---------- events ----------

  private handle(ev: Ev): void {
    switch (ev.t) {
      case 'tick':
        for (const s of this.servers.values()) this.tickServer(s);
        this.q.push(this.now + TICK_MS, { t: 'tick' });
        return;
      case 'election-msg': {
        const s = this.servers.get(ev.to)!;
        if (s.mode === 'down' || !this.linked(ev.from, ev.to)) return;
        const n = decodeNotification(ev.bytes);
        if (n === null) this.fail('undecodable notification');
        this.electionInput(s, { kind: 'notification', from: ev.from, n });
        return;
      }
      case 'conn-open':
        return this.onConnOpen(ev.conn);
      case 'conn-msg':
        return this.onConnMsg(ev);
      case 'conn-closed': {
        const c = this.conns.get(ev.conn);
        if (c === undefined) return;
        if (ev.toLeader) {
          const l = this.servers.get(c.leader)!;
          if (l.gen === c.leaderGen && l.leader !== null)
            this.leaderInput(l, { kind: 'learner-disconnected', conn: c.id });
        } else {
          const f = this.servers.get(c.learner)!;
          if (f.gen === c.learnerGen && f.learner !== null && f.conn === c.id)
            this.learnerInput(f, { kind: 'disconnected' });
        }
        return;
      }
      case 'connect': {
        const s = this.servers.get(ev.sid)!;
        if (s.gen !== ev.gen || s.learner === null || s.conn !== null) return;
        this.tryConnect(s);
        return;
      }
      case 'fsync':
        return this.onFsync(ev.sid, ev.gen);
      case 'fault':
        if (this.faultsOn && this.now < this.opts.durationMs) {
          this.injectFault();
          this.q.push(this.now + 300 + this.random.int(2000), { t: 'fault' });
        }
        return;
      case 'client':
        return this.clientStep(ev.idx);
      case 'reconfig':
        if (this.now < this.opts.durationMs) {
          this.proposeReconfig();
          this.q.push(this.now + 800 + this.random.int(1500), { t: 'reconfig' });
        }
        return;
      case 'step-down': {
        const s = this.servers.get(ev.sid)!;
        if (s.gen === ev.gen && s.leader !== null) this.roleEnded(s, 'not the designated leader');
        return;
      }
    }
  }

  // ---------- network ----------

  private linked(a: bigint, b: bigint): boolean {
    if (this.partition === null) return true;
    return this.partition.get(a) === this.partition.get(b);
  }

  private delay(): number {
    return 1 + this.random.int(this.random.next() < 0.1 ? 60 : 8);
  }

  private sendElection(from: bigint, to: bigint, bytes: Buffer): void {
    if (!this.linked(from, to)) return;
    const r = this.random.next();
    if (this.faultsOn && r < 0.05) return; // dropped
    this.q.push(this.now + this.delay(), { t: 'election-msg', from, to, bytes });
    if (this.faultsOn && r > 0.97)
      this.q.push(this.now + this.delay() * 3, { t: 'election-msg', from, to, bytes });
  }

  private sendConn(
    c: Conn,
    toLeader: boolean,
    bytes: Buffer | null,
    snapshot?: { zxid: bigint; tree: ModelTree },
  ): void {
    if (!c.open) return;
    if (!this.linked(c.leader, c.learner)) {
      this.closeConn(c);
      return;
    }
    const at = Math.max(this.now + this.delay(), toLeader ? c.lastToLeader : c.lastToLearner);
    if (toLeader) c.lastToLeader = at;
    else c.lastToLearner = at;
    const ev: Ev =
      snapshot === undefined
        ? { t: 'conn-msg', conn: c.id, toLeader, bytes }
        : { t: 'conn-msg', conn: c.id, toLeader, bytes, snapshot };
    this.q.push(at, ev);
  }

  private closeConn(c: Conn): void {
    if (!c.open) return;
    c.open = false;
    this.q.push(this.now + this.delay(), { t: 'conn-closed', conn: c.id, toLeader: true });
    this.q.push(this.now + this.delay(), { t: 'conn-closed', conn: c.id, toLeader: false });
  }

  private tryConnect(s: Server): void {
    const leaderSid = s.election.vote.leader;
    const l = this.servers.get(leaderSid);
    s.connectAttempts++;
    if (
      l === undefined ||
      !this.linked(s.sid, leaderSid) ||
      l.leader === null ||
      l.leader.phase === 'stopped'
    ) {
      if (s.connectAttempts >= 5) this.learnerInput(s, { kind: 'disconnected' });
      else this.q.push(this.now + 100, { t: 'connect', sid: s.sid, gen: s.gen });
      return;
    }
    const c: Conn = {
      id: this.nextConn++,
      leader: leaderSid,
      learner: s.sid,
      leaderGen: l.gen,
      learnerGen: s.gen,
      open: true,
      lastToLeader: 0,
      lastToLearner: 0,
    };
    this.conns.set(c.id, c);
    s.conn = c.id;
    this.q.push(this.now + this.delay(), { t: 'conn-open', conn: c.id });
  }

  private onConnOpen(id: number): void {
    const c = this.conns.get(id)!;
    const l = this.servers.get(c.leader)!;
    const f = this.servers.get(c.learner)!;
    if (
      !c.open ||
      l.gen !== c.leaderGen ||
      l.leader === null ||
      f.gen !== c.learnerGen ||
      f.learner === null
    ) {
      this.closeConn(c);
      return;
    }
    this.leaderInput(l, { kind: 'learner-connected', conn: id });
    this.learnerInput(f, { kind: 'connected' });
  }

  private onConnMsg(ev: Extract<Ev, { t: 'conn-msg' }>): void {
    const c = this.conns.get(ev.conn)!;
    if (!c.open) return;
    if (ev.toLeader) {
      const l = this.servers.get(c.leader)!;
      if (l.gen !== c.leaderGen || l.leader === null) return this.closeConn(c);
      this.leaderInput(l, { kind: 'learner-packet', conn: c.id, packet: decodePacket(ev.bytes!) });
      return;
    }
    const f = this.servers.get(c.learner)!;
    if (f.gen !== c.learnerGen || f.learner === null || f.conn !== c.id) return this.closeConn(c);
    if (ev.snapshot !== undefined) {
      // The snapshot stream that follows SNAP: load it, then let the machine see SNAP.
      f.tree = ev.snapshot.tree.clone();
      f.lastApplied = ev.snapshot.zxid;
      const snap = f.heldSnap!;
      f.heldSnap = null;
      this.learnerInput(f, { kind: 'packet', packet: snap });
      return;
    }
    const p = decodePacket(ev.bytes!);
    if (p.type === PacketType.NEWLEADER) f.newLeaderText = decodeNewLeaderConfig(p.data);
    if (p.type === PacketType.SNAP) {
      f.heldSnap = p;
      return;
    }
    this.learnerInput(f, { kind: 'packet', packet: p });
  }

  // ---------- disk ----------

  private persist(s: Server, txns: LoggedTxn[]): void {
    s.disk.unsynced.push(...txns);
    if (!s.fsyncScheduled) {
      s.fsyncScheduled = true;
      this.q.push(this.now + 1 + this.random.int(15), { t: 'fsync', sid: s.sid, gen: s.gen });
    }
  }

  private onFsync(sid: bigint, gen: number): void {
    const s = this.servers.get(sid)!;
    if (s.gen !== gen) return;
    s.fsyncScheduled = false;
    if (s.disk.unsynced.length === 0) return;
    s.disk.log.push(...s.disk.unsynced);
    const upTo = s.disk.unsynced.at(-1)!.header.zxid;
    s.disk.unsynced = [];
    if (s.leader !== null) this.leaderInput(s, { kind: 'persisted', upTo });
    else if (s.learner !== null) this.learnerInput(s, { kind: 'persisted', upTo });
  }

  private lastLogged(s: Server): bigint {
    return s.disk.log.at(-1)?.header.zxid ?? s.disk.snapshot.zxid;
  }

  /** Memory rebuilt from disk, as after a restart. */
  private reload(s: Server): void {
    s.tree = s.disk.snapshot.tree.clone();
    s.lastCxid = new Map();
    for (const t of s.disk.log) {
      if (t.header.zxid <= s.disk.snapshot.zxid) continue;
      s.tree.apply(t);
      s.lastCxid.set(t.header.clientId, t.header.cxid);
    }
    s.lastApplied = this.lastLogged(s);
  }

  // ---------- server lifecycle ----------

  private boot(s: Server, afterMs: number): void {
    s.mode = 'down';
    this.bootAt.set(s.sid, this.now + afterMs);
  }

  private bootAt = new Map<bigint, number>();

  private tickServer(s: Server): void {
    const bootAt = this.bootAt.get(s.sid);
    if (bootAt !== undefined && this.now >= bootAt) {
      this.bootAt.delete(s.sid);
      s.gen++;
      this.reload(s);
      this.startElection(s);
      return;
    }
    if (s.mode === 'down') return;
    this.electionInput(s, { kind: 'tick' });
    if (s.leader !== null) this.leaderInput(s, { kind: 'tick' });
    if (s.learner !== null) this.learnerInput(s, { kind: 'tick' });
  }

  private startElection(s: Server): void {
    s.mode = 'looking';
    s.serving = false;
    this.stats.elections++;
    if (this.opts.reconfig === true) {
      s.lastSeen = lastSeenIn(s.tree.dataOf('/zookeeper/config'), s.config);
      this.setElectionConfig(s);
    }
    this.electionInput(s, {
      kind: 'start',
      lastLoggedZxid: this.lastLogged(s),
      currentEpoch: BigInt(s.disk.currentEpoch),
    });
  }

  private crash(s: Server): void {
    this.trace(`crash ${s.sid}`);
    this.stats.crashes++;
    this.endRole(s);
    s.disk.unsynced = [];
    s.fsyncScheduled = false;
    s.gen++;
    s.mode = 'down';
    s.election = initialElectionState(s.election.config, this.now);
    this.bootAt.set(s.sid, this.now + 200 + this.random.int(2000));
  }

  /** Leaves leading/following: connections close, pending client writes fail. */
  private endRole(s: Server): void {
    for (const c of this.conns.values())
      if (c.open && (c.leader === s.sid || c.learner === s.sid)) this.closeConn(c);
    s.leader = null;
    s.learner = null;
    s.conn = null;
    s.serving = false;
    s.heldSnap = null;
    for (const idx of s.origin.values()) this.clients[idx]!.outstanding = null;
    s.origin.clear();
  }

  private roleEnded(s: Server, reason: string): void {
    this.trace(`${s.sid} leaves ${s.mode}: ${reason}`);
    this.endRole(s);
    // Not a crash: the fsync in flight completes, then memory is rebuilt from disk.
    s.disk.log.push(...s.disk.unsynced);
    s.disk.unsynced = [];
    s.gen++;
    s.fsyncScheduled = false;
    this.reload(s);
    this.electionInput(s, { kind: 'stop-serving' });
    this.startElection(s);
  }

  // ---------- election ----------

  private electionInput(s: Server, input: Parameters<typeof electionStep>[1]): void {
    const r = electionStep(s.election, input, this.now, this.random);
    s.election = r.state;
    for (const o of r.outputs) this.electionOutput(s, o);
  }

  private electionOutput(s: Server, o: ElectionOutput): void {
    switch (o.kind) {
      case 'send':
        this.sendElection(s.sid, o.to, encodeNotification(o.n));
        return;
      case 'decided':
        this.trace(
          `${s.sid} decided ${PeerState[o.state]} leader=${o.vote.leader} epoch=${o.vote.peerEpoch}`,
        );
        if (o.state === PeerState.LEADING) this.becomeLeader(s);
        else this.becomeLearner(s, o.state === PeerState.OBSERVING ? 'observer' : 'follower');
        return;
      case 'adopt-config':
        this.trace(`${s.sid} adopts a newer config from a notification`);
        s.config = simConfigOf(o.configText);
        if (s.lastSeen !== null && s.lastSeen.verifier.version <= s.config.verifier.version)
          s.lastSeen = null;
        return;
      default:
        return;
    }
  }

  private becomeLeader(s: Server): void {
    s.mode = 'leading';
    const r = leaderStep(
      null,
      {
        kind: 'start',
        self: s.sid,
        timing: TIMING,
        committed: s.config.verifier,
        lastSeen: s.lastSeen?.verifier ?? null,
        ...(s.lastSeen === null ? {} : { lastSeenText: s.lastSeen.text }),
        configText: s.config.text,
        acceptedEpoch: s.disk.acceptedEpoch,
        currentEpoch: s.disk.currentEpoch,
        lastZxid: this.lastLogged(s),
        committedLog: s.disk.log.filter((t) => t.header.zxid > s.disk.snapshot.zxid).slice(-500),
        sessions: [],
      },
      this.now,
    );
    s.leader = r.state;
    this.leaderOutputs(s, r.outputs);
  }

  private becomeLearner(s: Server, role: 'follower' | 'observer'): void {
    s.mode = role === 'follower' ? 'following' : 'observing';
    const r = learnerStep(
      null,
      {
        kind: 'start',
        self: s.sid,
        role,
        timing: TIMING,
        configVersion: s.config.verifier.version,
        acceptedEpoch: s.disk.acceptedEpoch,
        currentEpoch: s.disk.currentEpoch,
        lastLoggedZxid: this.lastLogged(s),
      },
      this.now,
    );
    s.learner = r.state;
    s.connectAttempts = 0;
    this.learnerOutputs(s, r.outputs);
    this.tryConnect(s);
  }

  // ---------- leader ----------

  private leaderInput(s: Server, input: Parameters<typeof leaderStep>[1]): void {
    if (s.leader === null) return;
    const r = leaderStep(s.leader, input, this.now, this.random);
    s.leader = r.state;
    this.leaderOutputs(s, r.outputs);
  }

  private leaderOutputs(s: Server, outs: LeaderOutput[]): void {
    const gen = s.gen;
    for (const o of outs) {
      if (s.gen !== gen) return;
      switch (o.kind) {
        case 'send': {
          const c = this.conns.get(o.conn);
          if (c !== undefined) {
            if (o.packet.type === PacketType.DIFF) this.stats.diffs++;
            if (o.packet.type === PacketType.TRUNC) this.stats.truncs++;
            if (o.packet.type === PacketType.SNAP) this.stats.snaps++;
            this.sendConn(c, false, encodeQuorumPacket(o.packet));
          }
          break;
        }
        case 'send-snapshot': {
          const c = this.conns.get(o.conn);
          if (s.lastApplied !== o.zxid)
            this.fail(`leader ${s.sid} snapshot at ${s.lastApplied}, SNAP says ${o.zxid}`);
          if (c !== undefined)
            this.sendConn(c, false, null, { zxid: o.zxid, tree: s.tree.clone() });
          break;
        }
        case 'close': {
          const c = this.conns.get(o.conn);
          if (c !== undefined) this.closeConn(c);
          break;
        }
        case 'write-epoch':
          s.disk[o.which] = o.epoch;
          break;
        case 'persist':
          this.persist(s, o.txns);
          break;
        case 'apply':
          this.apply(s, o.txn);
          break;
        case 'established': {
          const prev = this.leaders.get(o.epoch);
          if (prev !== undefined && prev !== s.sid)
            this.fail(`two leaders in epoch ${o.epoch}: ${prev} and ${s.sid}`);
          this.leaders.set(o.epoch, s.sid);
          this.trace(`${s.sid} leads epoch ${o.epoch}`);
          for (const [path, data] of this.acked) {
            if (s.tree.dataOf(path) !== data)
              this.fail(`leader ${s.sid} of epoch ${o.epoch} lacks acknowledged write ${path}`);
          }
          s.lastApplied = o.lastZxid;
          s.serving = true;
          this.electionInput(s, { kind: 'update-epoch', peerEpoch: BigInt(o.epoch) });
          break;
        }
        case 'learner-request':
          this.leaderPropose(s, o.request.sessionId, o.request.cxid, o.request.body);
          break;
        case 'expire-session':
          break;
        case 'activate-config':
          this.activateConfig(s, o.configText);
          if (o.designatedLeader !== s.sid)
            this.q.push(this.now + TIMING.tickTimeMs, { t: 'step-down', sid: s.sid, gen: s.gen });
          break;
        case 'shutdown':
          this.roleEnded(s, o.reason);
          return;
        case 'wake-at':
          break;
      }
    }
  }

  private leaderPropose(s: Server, session: bigint, cxid: number, body: Buffer): void {
    const l = s.leader;
    if (l === null || l.phase !== 'broadcast') return;
    const [path, data] = body.toString('utf8').split('\n') as [string, string];
    const txn: LoggedTxn = {
      header: {
        clientId: session,
        cxid,
        zxid: l.lastProposed + 1n,
        time: this.now,
        type: OpCode.create,
      },
      txn: {
        type: OpCode.create,
        path,
        data: Buffer.from(data),
        acl: [],
        ephemeral: false,
        parentCVersion: 0,
      },
    };
    this.leaderInput(s, { kind: 'propose', txn });
  }

  // ---------- learner ----------

  private learnerInput(s: Server, input: Parameters<typeof learnerStep>[1]): void {
    if (s.learner === null) return;
    const r = learnerStep(s.learner, input, this.now, this.random);
    s.learner = r.state;
    this.learnerOutputs(s, r.outputs);
  }

  private learnerOutputs(s: Server, outs: LearnerOutput[]): void {
    const gen = s.gen;
    for (const o of outs) {
      if (s.gen !== gen) return;
      switch (o.kind) {
        case 'send': {
          const c = s.conn === null ? undefined : this.conns.get(s.conn);
          if (c !== undefined) this.sendConn(c, true, encodeQuorumPacket(o.packet));
          break;
        }
        case 'write-epoch':
          s.disk[o.which] = o.epoch;
          break;
        case 'persist':
          this.persist(s, o.txns);
          break;
        case 'apply':
          this.apply(s, o.txn);
          break;
        case 'truncate-log':
          if (o.zxid < s.disk.snapshot.zxid)
            this.fail(`${s.sid} asked to truncate to ${o.zxid} below its snapshot`);
          s.disk.log = s.disk.log.filter((t) => t.header.zxid <= o.zxid);
          s.disk.unsynced = s.disk.unsynced.filter((t) => t.header.zxid <= o.zxid);
          this.reload(s);
          break;
        case 'take-snapshot':
          s.disk.snapshot = { zxid: o.zxid, tree: s.tree.clone() };
          s.disk.log = [];
          s.disk.unsynced = [];
          break;
        case 'serving':
          s.serving = true;
          this.electionInput(s, { kind: 'update-epoch', peerEpoch: BigInt(o.epoch) });
          if (s.newLeaderText !== null && this.opts.reconfig === true) {
            const offered = simConfigOf(s.newLeaderText);
            if (offered.verifier.version > s.config.verifier.version)
              this.activateConfig(s, s.newLeaderText);
          }
          break;
        case 'sync-done':
        case 'revalidated':
          break;
        case 'activate-config': {
          if (s.reconfigText === null) this.fail(`${s.sid} activates without a reconfig txn`);
          this.activateConfig(s, s.reconfigText);
          const observer = s.config.verifier.members.get(s.sid) === 'observer';
          const role: Mode = observer ? 'observing' : 'following';
          if (o.designatedLeader !== s.election.vote.leader || role !== s.mode) {
            this.roleEnded(s, `reconfig: leader ${o.designatedLeader}, ${role}`);
            return;
          }
          break;
        }
        case 'shutdown':
          this.roleEnded(s, o.reason);
          return;
        case 'wake-at':
          break;
      }
    }
  }

  // ---------- reconfig ----------

  private setElectionConfig(s: Server): void {
    this.electionInput(s, {
      kind: 'set-config',
      config: {
        self: s.sid,
        committed: s.config.verifier,
        lastSeen: s.lastSeen?.verifier ?? null,
        configText: s.config.text,
        adoptNewerConfigs: true,
      },
    });
  }

  private activateConfig(s: Server, text: string): void {
    s.config = simConfigOf(text);
    if (s.lastSeen !== null && s.lastSeen.verifier.version <= s.config.verifier.version)
      s.lastSeen = null;
    this.trace(`${s.sid} activates config ${s.config.verifier.version.toString(16)}`);
    this.setElectionConfig(s);
  }

  private proposeReconfig(): void {
    const l = [...this.servers.values()].find(
      (s) =>
        s.mode === 'leading' &&
        s.serving &&
        s.leader?.phase === 'broadcast' &&
        s.leader.lastSeen === null &&
        s.leader.allowedToCommit,
    );
    if (l === undefined) return;
    const st = l.leader!;
    const synced = [l.sid];
    for (const x of st.learners.values())
      if (x.sid !== null && !x.observer && x.stage === 'uptodate' && st.tick <= x.deadlineTick)
        synced.push(x.sid);
    const zxid = st.lastProposed + 1n;
    const participants = [...this.servers.values()].filter((s) => !s.observer).map((s) => s.sid);
    const text = nextMembership(st.committed, participants, l.sid, synced, this.random, zxid);
    if (text === null) return;
    this.stats.reconfigs++;
    this.trace(`${l.sid} proposes reconfig ${zxid.toString(16)}: ${text.replaceAll('\n', ' ')}`);
    const txn = reconfigTxn(zxid, text, this.now, this.stats.reconfigs);
    this.leaderInput(l, { kind: 'propose', txn });
  }

  // ---------- state + checkers ----------

  private apply(s: Server, t: LoggedTxn): void {
    const zxid = t.header.zxid;
    if (zxid <= s.lastApplied && epochOf(zxid) <= epochOf(s.lastApplied)) {
      this.fail(`${s.sid} applies ${zxid} after ${s.lastApplied}`);
    }
    s.tree.apply(t);
    s.lastApplied = zxid;
    if (t.header.type === OpCode.reconfig && t.txn.type === OpCode.reconfig)
      s.reconfigText = t.txn.data?.toString('utf8') ?? null;
    const digest = s.tree.digest();
    const seen = this.digests.get(zxid);
    if (seen === undefined) this.digests.set(zxid, digest);
    else if (seen !== digest)
      this.fail(`replica ${s.sid} tree at zxid ${zxid.toString(16)} is ${digest}, others ${seen}`);
    const last = s.lastCxid.get(t.header.clientId);
    if (last !== undefined && t.header.cxid <= last)
      this.fail(
        `session ${t.header.clientId} cxid ${t.header.cxid} applied after ${last} on ${s.sid}`,
      );
    s.lastCxid.set(t.header.clientId, t.header.cxid);
    const key = `${t.header.clientId}:${t.header.cxid}`;
    const idx = s.origin.get(key);
    if (idx !== undefined) {
      s.origin.delete(key);
      const c = this.clients[idx]!;
      if (c.outstanding === t.header.cxid) c.outstanding = null;
      if (t.txn.type === OpCode.create) this.acked.set(t.txn.path, t.txn.data!.toString('utf8'));
      this.stats.writes++;
    }
  }

  private clientStep(idx: number): void {
    const c = this.clients[idx]!;
    const stopAt = this.opts.durationMs + 2000;
    if (this.now > stopAt) return;
    this.q.push(this.now + 20 + this.random.int(80), { t: 'client', idx });
    if (c.outstanding !== null) return;
    let s = this.servers.get(c.server)!;
    if (!s.serving || this.random.next() < 0.05) {
      c.server = this.randomSid();
      s = this.servers.get(c.server)!;
      if (!s.serving) return;
    }
    const cxid = c.nextCxid++;
    const path = `/c${idx}-${c.written++}`;
    const body = Buffer.from(`${path}\n${this.opts.seed}:${cxid}`);
    c.outstanding = cxid;
    s.origin.set(`${c.session}:${cxid}`, idx);
    if (s.leader !== null) this.leaderPropose(s, c.session, cxid, body);
    else
      this.learnerInput(s, {
        kind: 'forward',
        request: { sessionId: c.session, cxid, opType: OpCode.create, body, authinfo: [] },
      });
  }

  private injectFault(): void {
    const all = [...this.servers.values()];
    const r = this.random.next();
    if (r < 0.35) {
      const up = all.filter((s) => s.mode !== 'down');
      const down = all.length - up.length;
      if (down < Math.floor((this.opts.servers - 1) / 2) + 1 && up.length > 0) {
        // Prefer the leader now and then: that is where the interesting cases are.
        const leader = up.find((s) => s.mode === 'leading');
        this.crash(
          leader !== undefined && this.random.next() < 0.5
            ? leader
            : up[this.random.int(up.length)]!,
        );
      }
    } else if (r < 0.6) {
      if (this.partition === null) {
        this.stats.partitions++;
        this.partition = new Map(all.map((s) => [s.sid, this.random.int(2)]));
        this.trace(`partition ${[...this.partition].map(([k, v]) => `${k}:${v}`).join(' ')}`);
        for (const c of this.conns.values())
          if (c.open && !this.linked(c.leader, c.learner)) this.closeConn(c);
      } else {
        this.partition = null;
        this.trace('heal');
      }
    } else if (r < 0.65) {
      // Power loss: every server at once, so only what was fsynced survives.
      this.trace('power loss');
      for (const s of all) if (s.mode !== 'down') this.crash(s);
    } else if (r < 0.8) {
      const open = [...this.conns.values()].filter((c) => c.open);
      if (open.length > 0) this.closeConn(open[this.random.int(open.length)]!);
    }
  }

  private healAll(): void {
    this.faultsOn = false;
    this.partition = null;
    this.trace('faults end: healed');
  }

  /** After faults end and the cluster has settled: one leader, every replica identical. */
  private checkConverged(): void {
    const all = [...this.servers.values()];
    const leaders = all.filter((s) => s.mode === 'leading' && s.serving);
    if (leaders.length !== 1)
      this.fail(
        `expected one serving leader after healing, got ${leaders.length}: ${all.map((s) => `${s.sid}:${s.mode}`).join(' ')}`,
      );
    const l = leaders[0]!;
    for (const s of all) {
      if (s.mode === 'down') continue;
      if (!s.serving) this.fail(`${s.sid} is not serving after healing (${s.mode})`);
      // lastApplied may legitimately differ by an epoch-start marker; the trees must not.
      if (s.tree.digest() !== l.tree.digest()) {
        this.fail(
          `${s.sid} at ${s.lastApplied.toString(16)} ${s.tree.digest()} differs from leader at ${l.lastApplied.toString(16)} ${l.tree.digest()}`,
        );
      }
      for (const [path, data] of this.acked)
        if (s.tree.dataOf(path) !== data) this.fail(`${s.sid} lacks acknowledged ${path}`);
    }
  }
}

function decodePacket(bytes: Buffer): QuorumPacket {
  const r = decodeQuorumPacket(bytes);
  if (r === null || r.next !== bytes.length)
    throw new SimFailure('quorum packet did not decode exactly');
  return r.packet;
}

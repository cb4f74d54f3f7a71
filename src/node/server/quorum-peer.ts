/**
 * One ensemble member's life: look for a leader (FLE on the election port), then lead or
 * follow/observe (Zab on the quorum port) until that ends, rebuild the tree from disk, and look
 * again. The request path (ZkServer) is switched between down, leader and learner as roles
 * change; the pure machines decide everything, this shell only carries out their outputs.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../shared/clock.js';
import type { Random } from '../../shared/prng.js';
import { limits } from '../../shared/limits.js';
import type { ReconfigRequest } from '../proto/requests.js';
import type { LoggedTxn } from '../proto/types.js';
import type { Vote } from '../quorum/election/vote.js';
import type { QuorumVerifier } from '../quorum/quorum-verifier.js';
import {
  configText as textOfConfig,
  parseConfigText,
  planReconfig,
  verifierOf,
  type QuorumConfig,
} from '../quorum/reconfig.js';
import { OpCode } from '../proto/opcodes.js';
import { decodeNewLeaderConfig } from '../quorum/wire/packet-data.js';
import {
  learnerRoleIn,
  memberOf,
  setConfigNode,
  syncedSids,
  type PeerReconfigOptions,
} from './peer-reconfig.js';
import { PeerState } from '../quorum/wire/notification.js';
import type { QuorumPacket } from '../quorum/wire/quorum-packet.js';
import { PacketType } from '../quorum/wire/quorum-packet.js';
import type { ZabTiming } from '../quorum/zab/types.js';
import {
  ACCEPTED_EPOCH_FILE,
  CURRENT_EPOCH_FILE,
  loadEpochs,
  writeEpochFileSync,
} from '../storage/epoch-files.js';
import { encodeSnapStream, SnapStreamReader } from '../storage/snap-stream.js';
import type { Storage } from '../storage/storage.js';
import { truncateLogAfter } from '../storage/truncate-log.js';
import { DataTree } from '../tree/data-tree.js';
import { ElectionDriver, type Decision } from './quorum-election-driver.js';
import { ElectionNet, type PeerAddress } from './quorum-election-net.js';
import { sessionOwner } from '../quorum/zab/leader.js';
import { QuorumLeader } from './quorum-leader.js';
import { QuorumLearner } from './quorum-learner.js';
import { connectToLeader, QuorumPortServer, type LearnerLink } from './quorum-port.js';
import type { ZkServer } from './zk-server.js';

const ignore = (): void => undefined;

export interface PeerMember {
  sid: bigint;
  role: 'participant' | 'observer';
  quorum: PeerAddress;
  election: PeerAddress;
}

export interface QuorumPeerOptions {
  self: bigint;
  members: PeerMember[];
  verifier: QuorumVerifier;
  /** The committed config as Apache formats it, carried in notifications and NEWLEADER. */
  configText: string;
  timing: ZabTiming;
  zk: ZkServer;
  /** Opens the storage (again after a role ends: memory is rebuilt from disk). */
  openStorage(): Promise<Storage>;
  storage: Storage;
  clock: Clock;
  random: Random;
  log: Logger;
  /** Bind the quorum and election ports on every address (quorumListenOnAllIPs). */
  listenOnAllIps: boolean;
  onRole?: (role: PeerRole) => void;
  /** reconfigEnabled: the reconfig op, config activation and dynamic config files. */
  reconfig?: PeerReconfigOptions;
}

export type PeerRole = 'looking' | 'leading' | 'following' | 'observing';

function treeSource(tree: DataTree): Parameters<Storage['takeSnapshot']>[0] {
  return {
    lastProcessedZxid: () => tree.lastProcessedZxid,
    exportSnapshot: () => tree.exportSnapshot(),
    zxidDigest: () => ({ zxid: tree.lastProcessedZxid, digestVersion: 2, digest: tree.digest() }),
  };
}

export class QuorumPeer {
  private storage: Storage;
  private readonly net: ElectionNet;
  private readonly driver: ElectionDriver;
  private epochs = { currentEpoch: 0, acceptedEpoch: 0 };
  /** Tail of the log, for DIFF when this server leads. */
  private recentTxns: LoggedTxn[] = [];
  private roleName: PeerRole = 'looking';
  private leaderSid: bigint | null = null;
  private leader: QuorumLeader | null = null;
  private learner: QuorumLearner | null = null;
  private port: QuorumPortServer | null = null;
  private link: LearnerLink | null = null;
  private generation = 0;
  private ending = false;
  private stopped = false;
  /** Txns appended to the group commit now being filled, and the promise handed out for it. */
  private persistBatch: {
    durable: Promise<unknown>;
    txns: LoggedTxn[];
    result: Promise<bigint>;
  } | null = null;
  /** The newest append to the txn log; settles after every earlier one. */
  private lastPersist: Promise<unknown> = Promise.resolve();
  private lastElectionTimeMs = 0;
  /** Set by a handoff: our next election's first vote names this server. */
  private handoffTo: bigint | undefined;
  private yielding = false;
  private driver_debug: ((dir: string, sid: bigint, n: unknown) => void) | undefined;
  /** The committed config: members, voters and its text; a reconfig replaces all three. */
  private members: PeerMember[];
  private verifier: QuorumVerifier;
  private configText: string;
  private config: QuorumConfig | null;
  /** A logged reconfig not yet known committed (Apache's last-seen config), as text. */
  private lastSeenText: string | null = null;

  constructor(private readonly o: QuorumPeerOptions) {
    this.storage = o.storage;
    this.config = o.reconfig?.config ?? null;
    this.members = this.config?.servers.map(memberOf) ?? o.members;
    this.verifier = this.config === null ? o.verifier : verifierOf(this.config);
    this.configText = this.config === null ? o.configText : textOfConfig(this.config);
    const self = this.members.find((m) => m.sid === o.self);
    if (self === undefined) throw new Error(`server.${o.self} is not in the configuration`);
    this.net = new ElectionNet({
      self: o.self,
      listen: { host: o.listenOnAllIps ? '0.0.0.0' : self.election.host, port: self.election.port },
      announce: `${self.election.host}:${self.election.port}`,
      peers: new Map(this.members.filter((m) => m.sid !== o.self).map((m) => [m.sid, m.election])),
    });
    this.net.on('warn', (message) => o.log.debug({ message }, 'election connection'));
    if (o.log.isLevelEnabled('debug'))
      this.driver_debug = (dir: string, sid: bigint, n: unknown) =>
        o.log.debug(
          {
            dir,
            peer: Number(sid),
            n: String(
              JSON.stringify(n, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString(16) : v)),
            ),
          },
          'notification',
        );
    this.driver = new ElectionDriver(
      this.net,
      {
        self: o.self,
        committed: this.verifier,
        lastSeen: null,
        configText: this.configText,
        adoptNewerConfigs: o.reconfig !== undefined,
      },
      () => o.clock.monotonicMs(),
      o.random,
    );
    this.driver.on('decided', (d) => this.decided(d));
    this.driver.on('config', (text) => this.activate(text, parseConfigText(text).version));
    this.driver.on('traffic', (dir, sid, n) => this.driver_debug?.(dir, sid, n));
    this.driver.on('warn', (message) => o.log.warn({ message }, 'election'));
  }

  get role(): PeerRole {
    return this.roleName;
  }

  get currentLeader(): bigint | null {
    return this.leaderSid;
  }

  get electionTimeMs(): number {
    return this.lastElectionTimeMs;
  }

  /** Leader only: learners by kind, from the Zab machine's state. */
  learnerCounts(): {
    followers: number;
    syncedFollowers: number;
    observers: number;
    syncedObservers: number;
  } {
    const counts = { followers: 0, syncedFollowers: 0, observers: 0, syncedObservers: 0 };
    const s = this.leader?.current;
    if (s === null || s === undefined) return counts;
    for (const l of s.learners.values()) {
      if (l.sid === null) continue;
      const synced = l.stage === 'uptodate' && s.tick <= l.deadlineTick;
      if (l.observer) {
        counts.observers++;
        if (synced) counts.syncedObservers++;
      } else {
        counts.followers++;
        if (synced) counts.syncedFollowers++;
      }
    }
    return counts;
  }

  /** Zab phase as Apache's zabstate names it. */
  zabPhase(): string {
    const phase = this.leader?.current?.phase ?? this.learner?.current?.phase;
    switch (phase) {
      case 'discovery':
      case 'connecting':
        return 'discovery';
      case 'sync':
        return 'synchronization';
      case 'broadcast':
        return 'broadcast';
      default:
        return 'election';
    }
  }

  /** After each applied txn: the storage may start a background snapshot. */
  applied(tree: DataTree): void {
    this.storage.maybeSnapshot(treeSource(tree));
  }

  async closeStorage(): Promise<void> {
    await this.storage.snapshotDone();
    await this.storage.close();
  }

  private setRole(role: PeerRole): void {
    this.roleName = role;
    this.o.onRole?.(role);
  }

  async start(tree: DataTree, recentTxns: LoggedTxn[]): Promise<void> {
    this.recentTxns = recentTxns;
    await this.loadEpochs(tree);
    await this.net.start();
    this.look();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    this.endRoleShells('server shutting down');
    this.driver.close();
    await this.net.stop();
    await this.port?.stop();
    await this.settle();
  }

  private async loadEpochs(tree: DataTree): Promise<void> {
    const e = await loadEpochs(this.storage.snapDir, tree.lastProcessedZxid);
    this.epochs = { currentEpoch: Number(e.currentEpoch), acceptedEpoch: Number(e.acceptedEpoch) };
  }

  private look(): void {
    if (this.stopped) return;
    this.setRole('looking');
    this.leaderSid = null;
    this.o.zk.enterDown();
    this.noteLastSeenConfig();
    this.refreshConfigNode();
    this.o.log.info(
      {
        zxid: `0x${this.o.zk.tree.lastProcessedZxid.toString(16)}`,
        currentEpoch: this.epochs.currentEpoch,
      },
      'LOOKING',
    );
    const proposed = this.handoffTo;
    this.handoffTo = undefined;
    this.driver.look(this.o.zk.tree.lastProcessedZxid, BigInt(this.epochs.currentEpoch), proposed);
  }

  private decided(d: Decision): void {
    if (this.stopped || this.ending) return;
    this.lastElectionTimeMs = d.electionTimeMs;
    this.o.zk.stats.observe('election_time', d.electionTimeMs);
    this.leaderSid = d.vote.leader;
    this.o.log.info(
      {
        leader: Number(d.vote.leader),
        state: PeerState[d.state],
        electionTimeMs: d.electionTimeMs,
      },
      'election decided',
    );
    const gen = ++this.generation;
    if (d.state === PeerState.LEADING) {
      this.setRole('leading');
      this.lead(gen).catch((err: unknown) => this.roleEnded(gen, `cannot lead: ${String(err)}`));
    } else {
      this.setRole(d.state === PeerState.OBSERVING ? 'observing' : 'following');
      this.follow(gen, d.vote).catch((err: unknown) =>
        this.roleEnded(gen, `cannot follow: ${String(err)}`),
      );
    }
  }

  // ---- leading ----

  private async lead(gen: number): Promise<void> {
    const { zk, log } = this.o;
    const self = this.members.find((m) => m.sid === this.o.self)!;
    const live = () => gen === this.generation;
    const leader = new QuorumLeader(
      {
        send: (conn, p) => {
          if (!live()) return;
          // Apache's leader-side figures (mntr zk_diff_count, zk_snap_count): a TRUNC sync
          // counts as a non-snapshot (diff) sync there too.
          if (p.type === PacketType.DIFF || p.type === PacketType.TRUNC)
            zk.stats.count('diff_count');
          else if (p.type === PacketType.SNAP) zk.stats.count('snap_count');
          this.port?.send(conn, p);
        },
        sendSnapshot: (conn, zxid, sessions) => {
          if (!live()) return;
          // The machine asks right after the commit of zxid; its apply already ran (the
          // pipeline applies on the commit's promise, before the next socket event).
          if (zk.tree.lastProcessedZxid !== zxid)
            throw new Error(
              `snapshot for SNAP at 0x${zxid.toString(16)} but tree is at 0x${zk.tree.lastProcessedZxid.toString(16)}`,
            );
          const data = zk.tree.exportSnapshot();
          for (const chunk of encodeSnapStream({
            ...data,
            sessions: new Map(sessions.map((s) => [s.sessionId, s.timeoutMs])),
          }))
            this.port?.sendRaw(conn, chunk);
        },
        close: (conn, reason) => {
          log.info({ conn, reason }, 'closing learner connection');
          this.port?.close(conn);
        },
        persist: (txns) => this.persist(txns),
        writeEpoch: (which, epoch) => this.writeEpoch(which, epoch),
        established: (epoch, lastZxid) => {
          if (!live()) return;
          log.info({ epoch, zxid: `0x${lastZxid.toString(16)}` }, 'LEADING: quorum established');
          // As Apache's leader: its database reports the new epoch's first zxid from now on.
          zk.tree.lastProcessedZxid = lastZxid;
          zk.enterLeader(
            {
              commit: (t) => {
                this.noteProposedConfig(t);
                return leader.commit(t);
              },
              touchSession: (id, timeoutMs, claim) => leader.touchSession(id, timeoutMs, claim),
              ownsSession: (id) => {
                const s = leader.current;
                const owner = s === null ? undefined : sessionOwner(s, id);
                return owner === undefined || owner === -1;
              },
              ...(this.o.reconfig ? { planReconfig: this.reconfigPlanner(leader) } : {}),
            },
            lastZxid,
          );
          this.driver.updateEpoch(BigInt(epoch));
        },
        learnerRequest: (conn, request) => {
          if (!live()) return;
          const owner =
            leader.current === null ? undefined : sessionOwner(leader.current, request.sessionId);
          zk.learnerRequest(request, owner === undefined || owner === conn);
        },
        expireSession: (sessionId) => live() && zk.expireSession(sessionId),
        activateConfig: (zxid, text, designated) => {
          if (!live()) return;
          this.activate(text, zxid);
          if (designated !== this.o.self) {
            // Not the designated leader: it takes over and our first vote names it. Followers
            // told by COMMITANDACTIVATE leave at once; step down a tick later in any case.
            this.handoffTo = designated;
            setTimeout(
              () => this.roleEnded(gen, `designated leader is ${designated}`),
              this.o.timing.tickTimeMs,
            );
          }
        },
        shutdown: (reason) => this.roleEnded(gen, reason),
      },
      this.o.clock,
      this.o.random,
    );
    this.leader = leader;
    const port = new QuorumPortServer({
      connected: (c) => live() && leader.learnerConnected(c),
      packet: (c, p) => live() && leader.learnerPacket(c, p),
      disconnected: (c) => live() && leader.learnerDisconnected(c),
    });
    this.port = port;
    await port.listen(this.o.listenOnAllIps ? '0.0.0.0' : self.quorum.host, self.quorum.port);
    if (!live()) return;
    leader.start({
      self: this.o.self,
      timing: this.o.timing,
      committed: this.verifier,
      lastSeen: this.lastSeenText === null ? null : verifierOf(parseConfigText(this.lastSeenText)),
      ...(this.lastSeenText === null ? {} : { lastSeenText: this.lastSeenText }),
      configText: this.configText,
      versionFirstConfig: this.o.reconfig !== undefined,
      acceptedEpoch: this.epochs.acceptedEpoch,
      currentEpoch: this.epochs.currentEpoch,
      lastZxid: zk.tree.lastProcessedZxid,
      committedLog: this.recentTxns,
      sessions: [...zk.tree.sessions].map(([sessionId, timeoutMs]) => ({ sessionId, timeoutMs })),
    });
  }

  /**
   * Leadership handoff: stop taking writes (clients are disconnected and retry elsewhere;
   * learners' requests are dropped and their clients reconnect), let every outstanding
   * proposal commit, wait for a follower that has acked everything, then step down with a
   * first vote for it. Answers at once; the handoff runs in the background.
   */
  yieldLeadership(): string {
    const s = this.leader?.current;
    if (this.roleName !== 'leading' || s === null || s === undefined || s.phase !== 'broadcast')
      return 'This server is not the leader';
    if (this.yielding) return 'Yielding leadership: already in progress';
    this.yielding = true;
    const gen = this.generation;
    const started = this.o.clock.monotonicMs();
    setImmediate(() => this.o.zk.enterDown());
    this.o.log.info('yielding leadership: writes stopped, waiting for a caught-up follower');
    const deadline = started + this.o.timing.syncLimit * this.o.timing.tickTimeMs;
    const poll = (): void => {
      if (gen !== this.generation) {
        this.yielding = false;
        return;
      }
      const target = this.caughtUpFollower();
      if (target === null && this.o.clock.monotonicMs() < deadline) {
        setTimeout(poll, 2);
        return;
      }
      this.yielding = false;
      this.handoffTo = target ?? undefined;
      this.o.log.info(
        {
          target: target === null ? null : Number(target),
          waitedMs: Math.round(this.o.clock.monotonicMs() - started),
        },
        target === null
          ? 'no follower caught up in time; stepping down for a normal election'
          : 'handing leadership off',
      );
      this.roleEnded(gen, 'leadership handed off');
    };
    // Not in this call: stepping down disconnects every client, the asker included.
    setImmediate(poll);
    return 'Yielding leadership';
  }

  /** The highest-sid follower that has acked every proposal, once none is outstanding. */
  private caughtUpFollower(): bigint | null {
    const s = this.leader?.current;
    if (s === null || s === undefined || s.outstanding.size > 0) return null;
    let best: bigint | null = null;
    for (const l of s.learners.values()) {
      if (l.sid === null || l.observer || l.stage !== 'uptodate' || l.unacked.size > 0) continue;
      if (best === null || l.sid > best) best = l.sid;
    }
    return best;
  }

  // ---- following / observing ----

  private async follow(gen: number, vote: Vote): Promise<void> {
    const { zk, log } = this.o;
    const live = () => gen === this.generation;
    const leaderMember = this.members.find((m) => m.sid === vote.leader);
    if (leaderMember === undefined) throw new Error(`leader ${vote.leader} is not a member`);
    // A server outside the config (joining, or removed) follows without a vote.
    const me = this.members.find((m) => m.sid === this.o.self) ?? { role: 'participant' };
    let newLeaderConfig: string | null = null;
    let reconfigText: string | null = null;
    let pendingSnap: QuorumPacket | null = null;
    let snapReader: SnapStreamReader | null = null;
    const learner = new QuorumLearner(
      {
        send: (p) => live() && this.link?.send(p),
        persist: (txns) => {
          for (const t of txns) this.noteProposedConfig(t);
          return this.persist(txns);
        },
        apply: (t) => {
          if (!live()) return;
          if (t.header.type === OpCode.reconfig && t.txn.type === OpCode.reconfig)
            reconfigText = t.txn.data?.toString('utf8') ?? null;
          zk.applyCommitted(t);
        },
        writeEpoch: (which, epoch) => this.writeEpoch(which, epoch),
        truncateLog: async (zxid) => {
          log.info({ zxid: `0x${zxid.toString(16)}` }, 'TRUNC from leader: cutting the txn log');
          await this.reload(async () => {
            const r = await truncateLogAfter(
              { snapDir: this.storage.snapDir, logDir: this.storage.logDir },
              zxid,
            );
            log.info(r, 'txn log truncated');
          });
        },
        takeSnapshot: async () => {
          await this.storage.takeSnapshot(treeSource(zk.tree));
        },
        serving: (epoch) => {
          if (!live()) return;
          log.info(
            { epoch, leader: Number(vote.leader) },
            `${me.role === 'observer' ? 'OBSERVING' : 'FOLLOWING'}: up to date`,
          );
          // Learner.syncWithLeader: the leader's NEWLEADER config wins when it is newer.
          if (this.o.reconfig && newLeaderConfig !== null) {
            const version = parseConfigText(newLeaderConfig).version;
            if (version > this.verifier.version) this.activate(newLeaderConfig, version);
          }
          zk.enterLearner({
            forward: (w) => learner.forward(w),
            revalidate: (id, timeoutMs) => learner.revalidate(id, timeoutMs),
            touchSession: (id, timeoutMs) => learner.touchSession(id, timeoutMs),
          });
          this.driver.updateEpoch(BigInt(epoch));
        },
        syncDone: () => live() && zk.syncDone(),
        revalidated: (id, valid) => live() && zk.revalidated(id, valid),
        activateConfig: (zxid, designated) => {
          if (!live() || reconfigText === null) return;
          this.activate(reconfigText, zxid);
          const after = learnerRoleIn(this.config!, this.o.self);
          // Follower.processReconfig: a new leader or a new role (against how we are connected:
          // an observer that became a participant reconnects as a follower) means leaving.
          const connectedAs = me.role === 'observer' ? 'observer' : 'follower';
          if (designated !== vote.leader || after !== connectedAs) {
            this.handoffTo = designated;
            this.roleEnded(gen, `reconfig 0x${zxid.toString(16)}: leader ${designated}, ${after}`);
          }
        },
        shutdown: (reason) => this.roleEnded(gen, reason),
      },
      this.o.clock,
      this.o.random,
    );
    this.learner = learner;
    learner.start({
      self: this.o.self,
      role: me.role === 'observer' ? 'observer' : 'follower',
      timing: this.o.timing,
      configVersion: this.verifier.version,
      acceptedEpoch: this.epochs.acceptedEpoch,
      currentEpoch: this.epochs.currentEpoch,
      lastLoggedZxid: zk.tree.lastProcessedZxid,
    });
    const link = await connectToLeader({
      host: leaderMember.quorum.host,
      port: leaderMember.quorum.port,
      attempts: Math.max(
        10,
        Math.ceil((this.o.timing.initLimit * this.o.timing.tickTimeMs) / 200) + 5,
      ),
      retryDelayMs: 200,
      onPacket: (p) => {
        if (!live()) return;
        if (p.type === PacketType.NEWLEADER) newLeaderConfig = decodeNewLeaderConfig(p.data);
        if (p.type === PacketType.SNAP) {
          // The tree that follows is read by readSnapshot; the machine sees SNAP after it.
          pendingSnap = p;
          snapReader = new SnapStreamReader(limits.juteMaxBufferBytes * 2);
          return;
        }
        learner.packet(p);
      },
      onClose: () => live() && learner.disconnected(),
      readSnapshot: (buf) => {
        const reader = snapReader!;
        let step: { used: number; done: boolean };
        try {
          step = reader.push(buf);
        } catch (err) {
          // A malformed snapshot ends this link (and the role), never the process.
          log.error({ err: String(err) }, 'bad snapshot from the leader');
          this.link?.close();
          return { used: buf.length, done: false };
        }
        if (!step.done) return step;
        if (live()) {
          const tree = DataTree.fromSnapshot(reader.data);
          tree.lastProcessedZxid = pendingSnap!.zxid;
          zk.resetTree(tree);
          this.refreshConfigNode();
          this.recentTxns = [];
          learner.packet(pendingSnap!);
        }
        snapReader = null;
        pendingSnap = null;
        return step;
      },
    });
    if (!live()) {
      link.close();
      return;
    }
    this.link = link;
    learner.connected();
  }

  // ---- reconfig ----

  /** Leader: PrepRequestProcessor's reconfig check against the Zab leader's configs. */
  private reconfigPlanner(leader: QuorumLeader): (r: ReconfigRequest, zxid: bigint) => Buffer {
    return (request, zxid) => {
      const s = leader.current!;
      const committed: QuorumConfig = {
        servers: this.config?.servers ?? [],
        version: s.committed.version,
      };
      const lastSeen = s.lastSeenText === null ? committed : parseConfigText(s.lastSeenText);
      const plan = planReconfig({
        request,
        zxid,
        committed,
        lastSeen,
        standaloneEnabled: this.o.reconfig!.standaloneEnabled,
        synced: syncedSids(s),
      });
      return Buffer.from(textOfConfig(plan), 'utf8');
    };
  }

  /** A committed config becomes ours: peers, voters, notifications, files, /zookeeper/config. */
  private activate(text: string, zxid: bigint): void {
    if (this.o.reconfig === undefined) return;
    const config = parseConfigText(text);
    const before = new Map(this.members.map((m) => [m.sid, m.election]));
    this.config = config;
    this.members = config.servers.map(memberOf);
    this.verifier = verifierOf(config);
    this.configText = text;
    if (this.lastSeenText !== null && parseConfigText(this.lastSeenText).version <= config.version)
      this.lastSeenText = null;
    for (const m of this.members) {
      const old = before.get(m.sid);
      before.delete(m.sid);
      // setPeer drops the connection: only for a server that is new or moved.
      if (m.sid !== this.o.self && (old?.host !== m.election.host || old.port !== m.election.port))
        this.net.setPeer(m.sid, m.election);
    }
    for (const sid of before.keys()) if (sid !== this.o.self) this.net.setPeer(sid, null);
    // Not when the election itself adopted it (from a notification): it has it already.
    if (this.driver.current.config.committed.version !== config.version)
      this.driver.setConfig({
        self: this.o.self,
        committed: this.verifier,
        lastSeen: null,
        configText: text,
        adoptNewerConfigs: true,
      });
    this.refreshConfigNode();
    this.o.log.info(
      { zxid: `0x${zxid.toString(16)}`, members: config.servers.map((s) => s.id) },
      'new config activated',
    );
    try {
      this.o.reconfig.onCommitted(config);
    } catch (err) {
      this.o.log.error({ err: String(err) }, 'cannot write the dynamic config files');
    }
  }

  /**
   * A reconfig logged but not known committed (the tree, rebuilt with every logged txn, holds
   * it in /zookeeper/config): it is our last-seen config, as Apache's `.dynamic.next`. The next
   * election and epoch then need quorums of both configs, and a leader completes it.
   */
  private noteLastSeenConfig(): void {
    if (this.o.reconfig === undefined) return;
    const data = this.o.zk.tree.getNode('/zookeeper/config')?.data;
    let seen: QuorumConfig | null = null;
    try {
      seen = data === undefined || data === null ? null : parseConfigText(data.toString('utf8'));
    } catch {
      seen = null;
    }
    if (seen === null || seen.version <= this.verifier.version) {
      this.lastSeenText = null;
    } else {
      this.lastSeenText = textOfConfig(seen);
      for (const s of seen.servers) {
        const m = memberOf(s);
        if (m.sid !== this.o.self && !this.members.some((x) => x.sid === m.sid))
          this.net.setPeer(m.sid, m.election);
      }
      this.o.log.info({ version: `0x${seen.version.toString(16)}` }, 'last-seen config pending');
    }
    this.driver.setConfig({
      self: this.o.self,
      committed: this.verifier,
      lastSeen: this.lastSeenText === null ? null : verifierOf(seen!),
      configText: this.configText,
      adoptNewerConfigs: true,
    });
  }

  /**
   * initConfigInZKDatabase: /zookeeper/config holds the committed config, with or without
   * reconfigEnabled (Apache 3.8 shows it, version=0, when reconfig is off).
   */
  private refreshConfigNode(): void {
    setConfigNode(this.o.zk.tree, this.configText, this.verifier.version, this.o.clock.wallMs());
  }

  /** Leader.propose / Follower PROPOSAL of a reconfig: setLastSeenQuorumVerifier(qv, true). */
  private noteProposedConfig(t: LoggedTxn): void {
    if (this.o.reconfig?.onLastSeen === undefined) return;
    if (t.header.type !== OpCode.reconfig || t.txn.type !== OpCode.reconfig) return;
    try {
      this.o.reconfig.onLastSeen(parseConfigText(t.txn.data?.toString('utf8') ?? ''));
    } catch (err) {
      this.o.log.error({ err: String(err) }, 'cannot write the next dynamic config file');
    }
  }

  // ---- shared ----

  private persist(txns: LoggedTxn[]): Promise<bigint> {
    const storage = this.storage;
    // Appends become durable in order, so the last one settles after every earlier one.
    const durable =
      txns.length === 1
        ? storage.append(txns[0]!)
        : Promise.all(txns.map((t) => storage.append(t)));
    // Txns that joined the same group commit share one promise: the callers' machines then see
    // one `persisted` per fsync rather than one per txn.
    const batch = this.persistBatch;
    if (batch !== null && batch.durable === durable) {
      batch.txns.push(...txns);
      return batch.result;
    }
    const joined = { durable, txns: [...txns], result: Promise.resolve(0n) };
    joined.result = durable.then(() => {
      if (this.persistBatch === joined) this.persistBatch = null;
      for (const t of joined.txns) this.remember(t);
      return joined.txns.at(-1)!.header.zxid;
    });
    this.persistBatch = joined;
    this.lastPersist = joined.result;
    return joined.result;
  }

  private remember(t: LoggedTxn): void {
    this.recentTxns.push(t);
    if (this.recentTxns.length > limits.committedLogCount * 2)
      this.recentTxns = this.recentTxns.slice(-limits.committedLogCount);
  }

  private writeEpoch(which: 'acceptedEpoch' | 'currentEpoch', epoch: number): void {
    writeEpochFileSync(
      this.storage.snapDir,
      which === 'acceptedEpoch' ? ACCEPTED_EPOCH_FILE : CURRENT_EPOCH_FILE,
      BigInt(epoch),
    );
    this.epochs[which] = epoch;
  }

  private async settle(): Promise<void> {
    for (;;) {
      const last = this.lastPersist;
      await last.then(ignore, ignore);
      if (this.lastPersist === last) return;
    }
  }

  /**
   * What Apache gets by reloading its database after a role: the tree then holds every logged
   * txn, committed or not, so the next election advertises the true last logged zxid. Once every
   * append has settled, the logged txns the tree lacks are the tail of recentTxns; apply them.
   * False when that tail does not reach back to the tree (then the caller reloads from disk).
   */
  private catchUpFromLog(): boolean {
    const tree = this.o.zk.tree;
    const last = tree.lastProcessedZxid;
    const i = this.recentTxns.findIndex((t) => t.header.zxid > last);
    if (i === -1) return true;
    if (i === 0) return false;
    for (const t of this.recentTxns.slice(i)) tree.apply(t);
    this.o.zk.resetTree(tree);
    this.o.log.info(
      {
        from: `0x${last.toString(16)}`,
        to: `0x${tree.lastProcessedZxid.toString(16)}`,
        txns: this.recentTxns.length - i,
      },
      'applied logged txns that were not committed yet',
    );
    return true;
  }

  /** Memory is rebuilt from disk (after `between`, e.g. a truncation), as Apache reloads its database. */
  private async reload(between?: () => Promise<void>): Promise<void> {
    await this.settle();
    await this.storage.snapshotDone();
    await this.storage.close();
    if (between) await between();
    this.storage = await this.o.openStorage();
    let tree = new DataTree();
    const recent: LoggedTxn[] = [];
    await this.storage.recover({
      loadSnapshot: (s) => {
        tree = DataTree.fromSnapshot(s);
      },
      apply: (t) => {
        tree.apply(t);
        recent.push(t);
        if (recent.length > limits.committedLogCount * 2)
          recent.splice(0, recent.length - limits.committedLogCount);
      },
    });
    this.recentTxns = recent.slice(-limits.committedLogCount);
    this.o.zk.resetTree(tree);
    await this.loadEpochs(tree);
  }

  private endRoleShells(reason: string): void {
    this.leader?.stop(reason);
    this.leader = null;
    this.learner?.stop();
    this.learner = null;
    this.link?.close();
    this.link = null;
  }

  private roleEnded(gen: number, reason: string): void {
    if (gen !== this.generation || this.ending || this.stopped) return;
    this.ending = true;
    this.generation++;
    this.o.log.warn(
      { reason, role: this.roleName },
      'role ended; rebuilding from disk and looking again',
    );
    // Peers asking us must hear LOOKING before our learners see their connections drop.
    this.driver.stopServing();
    this.o.zk.enterDown();
    this.setRole('looking');
    this.leaderSid = null;
    this.endRoleShells(reason);
    const port = this.port;
    this.port = null;
    (async () => {
      await port?.stop();
      await this.settle();
      if (!this.catchUpFromLog()) await this.reload();
    })()
      .catch((err: unknown) => {
        this.o.log.fatal({ err: String(err) }, 'cannot rebuild from disk after leaving a role');
        process.exitCode = 1;
        this.stopped = true;
      })
      .finally(() => {
        this.ending = false;
        this.look();
      });
  }
}

/**
 * The request-processing server behind the client port: sessions, the ordered pipeline, watches,
 * ACL'd reads and validated writes. Network-agnostic: connection.ts and client-listener.ts feed
 * it frames; it answers through Connection.send.
 */
import type { Logger } from 'pino';
import { OpCode, Xid, opShortName } from '../proto/opcodes.js';
import { ErrorCode } from '../proto/errors.js';
import { JuteReader } from '../proto/jute.js';
import type { Id, LoggedTxn } from '../proto/types.js';
import type {
  ConnectRequest,
  ReconfigRequest,
  Request,
  RequestHeader,
  Response,
} from '../proto/requests.js';
import {
  decodeConnectRequest,
  decodeRequest,
  encodeConnectResponse,
  encodeNotification,
  encodeReply,
  MultiMarshallingError,
  UnknownOpcodeError,
} from '../proto/records.js';
import { DataTree } from '../tree/data-tree.js';
import { processRead } from '../tree/read.js';
import { canRead, digestAuthId } from '../tree/acl.js';
import type { WatchTrigger } from '../tree/watch-trigger.js';
import { PendingChanges, prepareWrite, writeResponse, isWriteRequest } from '../txn/index.js';
import {
  SessionTable,
  SessionIdGenerator,
  sessionPassword,
  negotiateTimeoutMs,
} from '../session/index.js';
import { WatchRegistry } from '../watch/index.js';
import type { Clock } from '../../shared/clock.js';
import { limits } from '../../shared/limits.js';
import type { ForwardedWrite } from '../quorum/zab/types.js';
import { Pipeline, type Committer } from './pipeline.js';
import type { Connection } from './connection.js';
import { ServerStatsRecorder } from './stats.js';

export interface ZkServerSettings {
  serverId: number;
  tickTimeMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  extendedTypesEnabled: boolean;
  reconfigEnabled: boolean;
  enforceQuota: boolean;
  /** `super:<base64 sha1>` digest id; a digest auth equal to it also grants super. */
  superDigest: string | undefined;
  maxBufferBytes: number;
}

const ZERO_PASSWORD = Buffer.alloc(limits.sessionPasswordBytes);

/**
 * standalone: validates, logs and applies its own writes. leader: the same, but commits through
 * a quorum and also orders learners' writes. learner (follower or observer): forwards writes
 * and session changes to the leader and applies what the leader commits. down: looking for a
 * leader; client connections are refused.
 */
export type RequestMode = 'standalone' | 'leader' | 'learner' | 'down';

/** The leader's Zab machine as the request path sees it. */
export interface LeaderControl extends Committer {
  /** `claim`: the session was created or reconnected here, so the leader now owns it. */
  touchSession(sessionId: bigint, timeoutMs: number, claim?: boolean): void;
  /** False when the session has moved to a learner (its client reconnected there). */
  ownsSession(sessionId: bigint): boolean;
  /** With reconfigEnabled: the new config text for a reconfig under zxid, or a ZkError. */
  planReconfig?: (request: ReconfigRequest, zxid: bigint) => Buffer;
}

/** A learner's link to the leader as the request path sees it. */
export interface LeaderLink {
  forward(request: ForwardedWrite): void;
  revalidate(sessionId: bigint, timeoutMs: number): void;
  touchSession(sessionId: bigint, timeoutMs: number): void;
}

const notLeading: Committer = {
  commit: () => Promise.reject(new Error('this server does not order writes now')),
};

type ApplyResult = ReturnType<DataTree['apply']>;

export class ZkServer {
  tree: DataTree;
  pending: PendingChanges;
  sessions: SessionTable;
  readonly watches = new WatchRegistry();
  readonly stats = new ServerStatsRecorder();
  private readonly idGenerator: SessionIdGenerator;
  private pipeline: Pipeline;
  private readonly connectionsBySession = new Map<bigint, Connection>();
  readonly connections = new Map<number, Connection>();
  private serving = true;
  private currentMode: RequestMode = 'standalone';
  private leaderControl: LeaderControl | null = null;
  private leaderLink: LeaderLink | null = null;
  /** Learner: writes forwarded to the leader, by `sessionId:cxid`, until their txn commits. */
  private readonly forwarded = new Map<string, (t: LoggedTxn, result: ApplyResult) => void>();
  /** Learner: client syncs forwarded to the leader, oldest first. */
  private pendingSyncs: Array<() => void> = [];
  /** Learner: reconnects waiting for the leader's REVALIDATE answer. */
  private readonly revalidations = new Map<bigint, Array<(valid: boolean) => void>>();
  /** Sessions whose expiry close is in the pipeline. */
  private readonly closesSubmitted = new Set<bigint>();
  /** Called after every applied txn (the store may start a snapshot). */
  onApplied: () => void = () => undefined;

  constructor(
    readonly settings: ZkServerSettings,
    tree: DataTree,
    committer: Committer,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.tree = tree;
    this.pending = new PendingChanges(tree);
    this.sessions = new SessionTable(settings.tickTimeMs);
    const now = clock.monotonicMs();
    for (const [sessionId, timeoutMs] of tree.sessions)
      this.sessions.create(sessionId, timeoutMs, now);
    this.idGenerator = new SessionIdGenerator(settings.serverId, clock.wallMs());
    this.pipeline = this.newPipeline(committer);
  }

  private newPipeline(committer: Committer, startZxid?: bigint): Pipeline {
    return new Pipeline(
      committer,
      {
        lastZxid: () => this.tree.lastProcessedZxid,
        prepared: (t) => this.pending.record(t),
        rolledBack: () => this.pending.reset(),
      },
      startZxid,
    );
  }

  get mode(): RequestMode {
    return this.currentMode;
  }

  // ---- roles (ensemble) ----

  /** Stop serving: every client is disconnected (it will reconnect elsewhere or later). */
  enterDown(): void {
    this.currentMode = 'down';
    this.serving = false;
    this.leaderControl = null;
    this.leaderLink = null;
    this.forwarded.clear();
    this.pendingSyncs = [];
    this.revalidations.clear();
    this.closesSubmitted.clear();
    this.pipeline = this.newPipeline(notLeading);
    for (const conn of [...this.connections.values()]) conn.close();
  }

  /** Serve as the established leader; the first write takes startZxid + 1. */
  enterLeader(control: LeaderControl, startZxid: bigint): void {
    this.currentMode = 'leader';
    this.leaderControl = control;
    this.leaderLink = null;
    this.pending = new PendingChanges(this.tree);
    this.pipeline = this.newPipeline(control, startZxid);
    this.serving = true;
  }

  /** Serve as a follower or observer that is up to date with the leader. */
  enterLearner(link: LeaderLink): void {
    this.currentMode = 'learner';
    this.leaderControl = null;
    this.leaderLink = link;
    this.pending = new PendingChanges(this.tree);
    this.pipeline = this.newPipeline(notLeading);
    this.serving = true;
  }

  /** A tree rebuilt from disk or received from the leader (only while down). */
  resetTree(tree: DataTree): void {
    this.tree = tree;
    this.pending = new PendingChanges(tree);
    this.sessions = new SessionTable(this.settings.tickTimeMs);
    const now = this.clock.monotonicMs();
    for (const [sessionId, timeoutMs] of tree.sessions)
      this.sessions.create(sessionId, timeoutMs, now);
  }

  /** Learner: a txn the leader committed, in zxid order; answers our client if it is theirs. */
  applyCommitted(t: LoggedTxn): void {
    const result = this.applyTxn(t);
    const key = forwardKey(t.header.clientId, t.header.cxid);
    const waiter = this.forwarded.get(key);
    if (waiter !== undefined) {
      this.forwarded.delete(key);
      waiter(t, result);
    } else if (t.txn.type === OpCode.closeSession) {
      this.closeSessionConnection(t.header.clientId);
    }
  }

  /** Learner: the leader answered a sync; the oldest waiting one completes (in FIFO order). */
  syncDone(): void {
    this.pendingSyncs.shift()?.();
  }

  /** Learner: the leader's answer to a reconnect's REVALIDATE. */
  revalidated(sessionId: bigint, valid: boolean): void {
    const waiting = this.revalidations.get(sessionId);
    const next = waiting?.shift();
    if (waiting !== undefined && waiting.length === 0) this.revalidations.delete(sessionId);
    next?.(valid);
  }

  /** Leader: a write, session change or error forwarded by a learner, ordered with our own. */
  learnerRequest(w: ForwardedWrite, fromOwner = true): void {
    if (this.currentMode !== 'leader') return;
    const header = (zxid: bigint, type: number): LoggedTxn['header'] => ({
      clientId: w.sessionId,
      cxid: w.cxid,
      zxid,
      time: this.clock.wallMs(),
      type,
    });
    if (w.opType === OpCode.createSession) {
      const timeoutMs = w.body.length >= 4 ? w.body.readInt32BE(0) : this.settings.tickTimeMs * 2;
      this.pipeline.submit({
        kind: 'write',
        prepare: (zxid) => ({
          header: header(zxid, OpCode.createSession),
          txn: { type: OpCode.createSession, timeOutMs: timeoutMs },
        }),
        apply: (t) => this.applyTxn(t),
        fail: () => undefined,
      });
      return;
    }
    if (!fromOwner && w.opType !== OpCode.closeSession) {
      // The client reconnected elsewhere; a request still arriving this way is stale (Apache's
      // checkSession in the prep stage).
      this.submitErrorTxn(w.sessionId, w.cxid, ErrorCode.sessionMoved, (t) => this.applyTxn(t));
      return;
    }
    let request: Request;
    try {
      request =
        w.opType === OpCode.closeSession
          ? { type: OpCode.closeSession, request: null }
          : decodeRequest(
              { xid: w.cxid, type: w.opType },
              new JuteReader(w.body, 0, this.settings.maxBufferBytes * 2),
            );
    } catch {
      // Apache's prep stage turns an undecodable request into an error txn; so does zkts.
      this.submitErrorTxn(w.sessionId, w.cxid, ErrorCode.marshallingError, (t) => this.applyTxn(t));
      return;
    }
    this.pipeline.submit({
      kind: 'write',
      prepare: (zxid) =>
        prepareWrite(request, {
          zxid,
          timeMs: this.clock.wallMs(),
          sessionId: w.sessionId,
          cxid: w.cxid,
          authIds: w.authinfo,
          config: this.writeConfig(),
          view: this.pending,
          sessionValid: this.sessions.isActive(w.sessionId),
        }),
      apply: (t) => {
        this.applyTxn(t);
        if (t.txn.type === OpCode.closeSession) this.closeSessionConnection(w.sessionId);
      },
      fail: () => undefined,
    });
  }

  /** An error txn (it takes a zxid, as Apache's prep stage does) for a refused request. */
  private submitErrorTxn(
    sessionId: bigint,
    cxid: number,
    err: number,
    apply: (t: LoggedTxn) => void,
    fail: () => void = () => undefined,
  ): void {
    this.pipeline.submit({
      kind: 'write',
      prepare: (zxid) => ({
        header: { clientId: sessionId, cxid, zxid, time: this.clock.wallMs(), type: OpCode.error },
        txn: { type: OpCode.error, err },
      }),
      apply,
      fail,
    });
  }

  /** Leader: the Zab machine found this session expired. */
  expireSession(sessionId: bigint): void {
    if (this.currentMode !== 'leader' || this.closesSubmitted.has(sessionId)) return;
    this.closesSubmitted.add(sessionId);
    this.log.info({ sessionId: hex(sessionId) }, 'session expired');
    this.submitCloseSession(sessionId);
  }

  private writeConfig(): Parameters<typeof prepareWrite>[1]['config'] {
    return {
      extendedTypesEnabled: this.settings.extendedTypesEnabled,
      reconfigEnabled: this.settings.reconfigEnabled,
      standalone: this.currentMode === 'standalone',
      enforceQuota: this.settings.enforceQuota,
      ...(this.leaderControl?.planReconfig ? { reconfig: this.leaderControl.planReconfig } : {}),
    };
  }

  private closeSessionConnection(sessionId: bigint): void {
    const conn = this.connectionsBySession.get(sessionId);
    this.connectionsBySession.delete(sessionId);
    conn?.close();
  }

  private touchSession(conn: Connection, nowMs: number): void {
    if (conn.sessionId === 0n) return;
    this.sessions.touch(conn.sessionId, nowMs);
    this.leaderControl?.touchSession(conn.sessionId, conn.sessionTimeoutMs);
    this.leaderLink?.touchSession(conn.sessionId, conn.sessionTimeoutMs);
  }

  /** Learner: a write waits in our FIFO until the leader commits it; `done` answers then. */
  private forward(
    conn: Connection,
    cxid: number,
    opType: number,
    body: Buffer,
    done: (t: LoggedTxn, result: ApplyResult) => void,
  ): void {
    const link = this.leaderLink!;
    let committed: { t: LoggedTxn; result: ApplyResult } | undefined;
    const release = this.pipeline.submit({
      kind: 'remote',
      run: () => done(committed!.t, committed!.result),
    });
    this.forwarded.set(forwardKey(conn.sessionId, cxid), (t, result) => {
      committed = { t, result };
      release();
    });
    link.forward({ sessionId: conn.sessionId, cxid, opType, body, authinfo: conn.authIds });
  }

  get outstandingRequests(): number {
    return this.pipeline.outstanding;
  }

  get lastZxid(): bigint {
    return this.tree.lastProcessedZxid;
  }

  isServing(): boolean {
    return this.serving;
  }

  attach(conn: Connection): void {
    this.connections.set(conn.id, conn);
  }

  /** The socket closed: its watches go, its session lives on until it expires. */
  detach(conn: Connection): void {
    this.connections.delete(conn.id);
    this.watches.removeWatcher(conn.id);
    if (conn.sessionId !== 0n && this.connectionsBySession.get(conn.sessionId) === conn) {
      this.connectionsBySession.delete(conn.sessionId);
    }
  }

  // ---- handshake ----

  handleConnect(conn: Connection, payload: Buffer): void {
    let req: ConnectRequest;
    try {
      req = decodeConnectRequest(payload);
    } catch (err) {
      this.log.warn(
        { remote: conn.remoteAddress, err: String(err) },
        'malformed connect request; closing',
      );
      conn.close();
      return;
    }
    conn.readOnlyByte = req.readOnly;
    if (!this.serving) {
      // As Apache when its server is not running: the client tries another server.
      conn.close();
      return;
    }
    conn.state = 'connecting';
    conn.pauseReading(); // nothing more is read until the connect is answered
    if (req.lastZxidSeen > this.tree.lastProcessedZxid) {
      this.log.info(
        {
          remote: conn.remoteAddress,
          clientZxid: req.lastZxidSeen,
          serverZxid: this.tree.lastProcessedZxid,
        },
        'client has seen a newer zxid than this server; it must try another server',
      );
      conn.close();
      return;
    }
    const timeoutMs = negotiateTimeoutMs(
      req.timeOut,
      this.settings.minSessionTimeoutMs,
      this.settings.maxSessionTimeoutMs,
    );
    if (req.sessionId === 0n) {
      this.createSession(conn, timeoutMs);
    } else {
      this.reopenSession(conn, req, timeoutMs);
    }
  }

  private createSession(conn: Connection, timeoutMs: number): void {
    const sessionId = this.idGenerator.next();
    if (this.currentMode === 'learner') {
      const release = this.pipeline.submit({
        kind: 'remote',
        run: () => this.finishConnect(conn, sessionId, timeoutMs),
      });
      this.forwarded.set(forwardKey(sessionId, 0), () => release());
      const body = Buffer.alloc(4);
      body.writeInt32BE(timeoutMs, 0);
      this.leaderLink!.forward({
        sessionId,
        cxid: 0,
        opType: OpCode.createSession,
        body,
        authinfo: [],
      });
      return;
    }
    this.leaderControl?.touchSession(sessionId, timeoutMs, true);
    this.pipeline.submit({
      kind: 'write',
      prepare: (zxid) => ({
        header: {
          clientId: sessionId,
          cxid: 0,
          zxid,
          time: this.clock.wallMs(),
          type: OpCode.createSession,
        },
        txn: { type: OpCode.createSession, timeOutMs: timeoutMs },
      }),
      apply: (t) => {
        this.applyTxn(t);
        this.finishConnect(conn, sessionId, timeoutMs);
      },
      fail: () => conn.close(),
    });
  }

  private reopenSession(conn: Connection, req: ConnectRequest, timeoutMs: number): void {
    const passwordOk =
      req.passwd.length === limits.sessionPasswordBytes &&
      sessionPassword(req.sessionId).equals(req.passwd);
    if (this.currentMode === 'learner' && passwordOk) {
      // Only the leader knows whether a global session is still alive; it also moves the
      // session's ownership to us.
      let valid = false;
      const release = this.pipeline.submit({
        kind: 'remote',
        run: () => this.finishReopen(conn, req, timeoutMs, valid),
      });
      const waiting = this.revalidations.get(req.sessionId) ?? [];
      waiting.push((v) => {
        valid = v;
        release();
      });
      this.revalidations.set(req.sessionId, waiting);
      this.leaderLink!.revalidate(req.sessionId, timeoutMs);
      return;
    }
    // Read behind earlier writes, so a session closed by a txn in flight is seen as closed.
    this.pipeline.submit({
      kind: 'read',
      run: () => {
        const valid = passwordOk && this.sessions.touch(req.sessionId, this.clock.monotonicMs());
        if (valid) this.leaderControl?.touchSession(req.sessionId, timeoutMs, true);
        this.finishReopen(conn, req, timeoutMs, valid);
      },
    });
  }

  private finishReopen(
    conn: Connection,
    req: ConnectRequest,
    timeoutMs: number,
    valid: boolean,
  ): void {
    if (!valid) {
      this.log.info(
        { sessionId: hex(req.sessionId), remote: conn.remoteAddress },
        'invalid or expired session on reconnect',
      );
      conn.send(
        encodeConnectResponse({
          protocolVersion: 0,
          timeOut: 0,
          sessionId: 0n,
          passwd: ZERO_PASSWORD,
          readOnly: conn.readOnlyByte === undefined ? undefined : false,
        }),
      );
      conn.close();
      return;
    }
    // As Apache: the session now answers on this connection; an older connection of the
    // same session is left open (with its watches) until its client closes it.
    this.sessions.setTimeout(req.sessionId, timeoutMs, this.clock.monotonicMs());
    this.finishConnect(conn, req.sessionId, timeoutMs);
  }

  private finishConnect(conn: Connection, sessionId: bigint, timeoutMs: number): void {
    if (!conn.isOpen) return; // the client went away while its session was being created
    conn.sessionId = sessionId;
    conn.sessionTimeoutMs = timeoutMs;
    conn.state = 'open';
    this.connectionsBySession.set(sessionId, conn);
    conn.send(
      encodeConnectResponse({
        protocolVersion: 0,
        timeOut: timeoutMs,
        sessionId,
        passwd: sessionPassword(sessionId),
        readOnly: conn.readOnlyByte === undefined ? undefined : false,
      }),
    );
    conn.resumeReading();
  }

  // ---- requests ----

  handleRequest(conn: Connection, payload: Buffer): void {
    const receivedMs = this.clock.monotonicMs();
    conn.stats.packetReceived();
    this.stats.packetReceived();
    const reader = new JuteReader(payload, 0, this.settings.maxBufferBytes * 2);
    let header: RequestHeader;
    try {
      header = { xid: reader.int(), type: reader.int() };
    } catch (err) {
      this.closeBadFrame(conn, err);
      return;
    }
    this.touchSession(conn, receivedMs);

    let request: Request;
    try {
      request = decodeRequest(header, reader);
    } catch (err) {
      if (err instanceof UnknownOpcodeError) {
        this.reply(conn, header, receivedMs, ErrorCode.unimplemented, null, -1n);
        conn.close();
        return;
      }
      if (err instanceof MultiMarshallingError && header.type === OpCode.multi) {
        if (this.currentMode === 'learner')
          this.submitForwardedWrite(conn, header, payload, receivedMs);
        else this.submitFailedMulti(conn, header, receivedMs);
        return;
      }
      if (err instanceof MultiMarshallingError) {
        this.reply(conn, header, receivedMs, ErrorCode.marshallingError, null);
        return;
      }
      this.closeBadFrame(conn, err);
      return;
    }

    switch (request.type) {
      case OpCode.ping:
        this.replyNow(conn, header, receivedMs, ErrorCode.ok, null);
        return;
      case OpCode.auth:
        this.handleAuth(conn, request.request.scheme, request.request.auth);
        return;
      case OpCode.check:
        // check is only valid inside multi
        this.reply(conn, header, receivedMs, ErrorCode.unimplemented, null, -1n);
        conn.close();
        return;
      case OpCode.closeSession:
        if (this.currentMode === 'learner')
          this.submitForwardedWrite(conn, header, payload, receivedMs);
        else this.submitWrite(conn, header, request, receivedMs);
        return;
      case OpCode.sync:
        if (this.currentMode === 'learner') {
          this.submitForwardedSync(conn, header, request, payload, receivedMs);
          return;
        }
        break;
      default:
        break;
    }
    if (this.currentMode === 'learner' && isWriteRequest(request.type)) {
      this.submitForwardedWrite(conn, header, payload, receivedMs);
      return;
    }
    if (isWriteRequest(request.type)) {
      this.submitWrite(conn, header, request, receivedMs);
    } else {
      this.submitRead(conn, header, request, receivedMs);
    }
  }

  private closeBadFrame(conn: Connection, err: unknown): void {
    this.log.warn(
      { remote: conn.remoteAddress, err: String(err) },
      'malformed request; closing connection',
    );
    conn.close();
  }

  private handleAuth(conn: Connection, scheme: string, auth: Buffer | null): void {
    const xid = Xid.auth;
    const ok = (ids: Id[]): void => {
      for (const id of ids)
        if (!conn.authIds.some((a) => a.scheme === id.scheme && a.id === id.id))
          conn.authIds.push(id);
      conn.send(encodeReply({ xid, zxid: 0n, err: ErrorCode.ok }, null));
    };
    if (scheme === 'digest' && auth !== null) {
      const id = digestAuthId(auth.toString('utf8'));
      const ids: Id[] = [{ scheme: 'digest', id }];
      if (this.settings.superDigest !== undefined && id === this.settings.superDigest)
        ids.push({ scheme: 'super', id: '' });
      ok(ids);
      return;
    }
    if (scheme === 'ip') {
      ok([{ scheme: 'ip', id: conn.remoteAddress }]);
      return;
    }
    this.stats.authFailed();
    this.log.info({ remote: conn.remoteAddress, scheme }, 'auth with an unknown scheme; closing');
    conn.send(encodeReply({ xid, zxid: 0n, err: ErrorCode.authFailed }, null));
    conn.close();
  }

  private submitRead(
    conn: Connection,
    header: RequestHeader,
    request: Request,
    receivedMs: number,
  ): void {
    this.startRequest(conn);
    this.pipeline.submit({
      kind: 'read',
      run: () => {
        if (!this.sessionStillValid(conn, header, receivedMs)) return;
        this.runRead(conn, header, request, receivedMs);
      },
    });
  }

  private runRead(
    conn: Connection,
    header: RequestHeader,
    request: Request,
    receivedMs: number,
  ): void {
    switch (request.type) {
      case OpCode.setWatches:
      case OpCode.setWatches2: {
        const deliveries = this.watches.setWatches(conn.id, request.request, (path) => {
          const node = this.tree.getNode(path);
          return node ? { mzxid: node.stat.mzxid, pzxid: node.stat.pzxid } : undefined;
        });
        for (const d of deliveries) conn.send(encodeNotification(d.zxid, d.event));
        this.reply(conn, header, receivedMs, ErrorCode.ok, null);
        return;
      }
      case OpCode.addWatch: {
        const { path, mode } = request.request;
        if (mode !== 0 && mode !== 1) {
          this.reply(conn, header, receivedMs, ErrorCode.marshallingError, null);
          return;
        }
        this.watches.add(conn.id, path, mode === 0 ? 'persistent' : 'persistentRecursive');
        this.reply(conn, header, receivedMs, ErrorCode.ok, { kind: 'errorResponse', err: 0 });
        return;
      }
      case OpCode.checkWatches:
      case OpCode.removeWatches: {
        const { path, type } = request.request;
        const found =
          request.type === OpCode.checkWatches
            ? this.watches.check(conn.id, path, type)
            : this.watches.remove(conn.id, path, type);
        this.reply(conn, header, receivedMs, found ? ErrorCode.ok : ErrorCode.noWatcher, null);
        return;
      }
      case OpCode.whoAmI: {
        const clientInfo = conn.authIds.map((id) => ({
          authScheme: id.scheme,
          user: id.scheme === 'digest' ? id.id.slice(0, id.id.indexOf(':')) : id.id,
        }));
        this.reply(conn, header, receivedMs, ErrorCode.ok, { kind: 'whoAmI', clientInfo });
        return;
      }
      default: {
        const result = processRead(request, this.tree, {
          authIds: conn.authIds,
          sessionId: conn.sessionId,
        });
        for (const w of result.watches ?? (result.watch ? [result.watch] : []))
          this.watches.add(conn.id, w.path, w.kind);
        this.reply(conn, header, receivedMs, result.err, result.response);
      }
    }
  }

  private submitWrite(
    conn: Connection,
    header: RequestHeader,
    request: Request,
    receivedMs: number,
  ): void {
    this.startRequest(conn);
    const sessionId = conn.sessionId;
    if (
      this.leaderControl !== null &&
      request.type !== OpCode.closeSession &&
      !this.leaderControl.ownsSession(sessionId)
    ) {
      this.submitErrorTxn(
        sessionId,
        header.xid,
        ErrorCode.sessionMoved,
        (t) => {
          this.applyTxn(t);
          // As Apache's final stage: no reply, the stale connection is closed.
          conn.close();
        },
        () => this.reply(conn, header, receivedMs, ErrorCode.operationTimeout, null),
      );
      return;
    }
    this.pipeline.submit({
      kind: 'write',
      prepare: (zxid) =>
        prepareWrite(request, {
          zxid,
          timeMs: this.clock.wallMs(),
          sessionId,
          cxid: header.xid,
          authIds: conn.authIds,
          config: this.writeConfig(),
          view: this.pending,
          sessionValid: this.sessions.isActive(sessionId),
        }),
      apply: (t) => {
        const result = this.applyTxn(t);
        if (request.type === OpCode.closeSession) {
          this.connectionsBySession.delete(sessionId);
          this.reply(conn, header, receivedMs, ErrorCode.ok, null, t.header.zxid);
          conn.close();
          return;
        }
        const { err, response } = writeResponse(request.type, result);
        this.reply(conn, header, receivedMs, err, response, t.header.zxid);
      },
      fail: (error) => {
        this.log.error({ err: error.message }, 'write not committed');
        this.reply(conn, header, receivedMs, ErrorCode.operationTimeout, null);
      },
    });
  }

  /** Learner: the request body goes to the leader as the client sent it. */
  private submitForwardedWrite(
    conn: Connection,
    header: RequestHeader,
    payload: Buffer,
    receivedMs: number,
  ): void {
    this.startRequest(conn);
    this.forward(conn, header.xid, header.type, payload.subarray(8), (t, result) => {
      if (header.type === OpCode.closeSession) {
        this.connectionsBySession.delete(conn.sessionId);
        this.reply(conn, header, receivedMs, ErrorCode.ok, null, t.header.zxid);
        conn.close();
        return;
      }
      const { err, response } =
        t.txn.type === OpCode.error && header.type === OpCode.multi
          ? { err: t.txn.err, response: null }
          : writeResponse(header.type, result);
      this.reply(conn, header, receivedMs, err, response, t.header.zxid);
    });
  }

  /** Learner: sync() completes once the leader has sent every commit that preceded it. */
  private submitForwardedSync(
    conn: Connection,
    header: RequestHeader,
    request: Request,
    payload: Buffer,
    receivedMs: number,
  ): void {
    this.startRequest(conn);
    const release = this.pipeline.submit({
      kind: 'remote',
      run: () => {
        if (!this.sessionStillValid(conn, header, receivedMs)) return;
        this.runRead(conn, header, request, receivedMs);
      },
    });
    this.pendingSyncs.push(release);
    this.leaderLink!.forward({
      sessionId: conn.sessionId,
      cxid: header.xid,
      opType: OpCode.sync,
      body: payload.subarray(8),
      authinfo: conn.authIds,
    });
  }

  /** op 14 whose body did not decode: Apache logs an error txn for it (it consumes a zxid). */
  private submitFailedMulti(conn: Connection, header: RequestHeader, receivedMs: number): void {
    this.startRequest(conn);
    const sessionId = conn.sessionId;
    this.pipeline.submit({
      kind: 'write',
      prepare: (zxid) => ({
        header: {
          clientId: sessionId,
          cxid: header.xid,
          zxid,
          time: this.clock.wallMs(),
          type: OpCode.error,
        },
        txn: { type: OpCode.error, err: ErrorCode.marshallingError },
      }),
      apply: (t) => {
        this.applyTxn(t);
        this.reply(conn, header, receivedMs, ErrorCode.marshallingError, null, t.header.zxid);
      },
      fail: () => this.reply(conn, header, receivedMs, ErrorCode.operationTimeout, null),
    });
  }

  private startRequest(conn: Connection): void {
    conn.outstanding++;
    if (conn.outstanding >= limits.maxOutstandingRequestsPerConnection) conn.pauseReading();
  }

  private sessionStillValid(conn: Connection, header: RequestHeader, receivedMs: number): boolean {
    if (conn.sessionId === 0n || this.sessions.isActive(conn.sessionId)) return true;
    this.reply(conn, header, receivedMs, ErrorCode.sessionExpired, null);
    return false;
  }

  /** Applies a committed txn to the tree and sends the watch events it fired. */
  applyTxn(t: LoggedTxn): ReturnType<DataTree['apply']> {
    const result = this.tree.apply(t);
    this.pending.applied(t.header.zxid);
    // Every server knows every global session; a learner learns of them from the leader's txns.
    if (t.txn.type === OpCode.createSession) {
      if (!this.sessions.has(t.header.clientId))
        this.sessions.create(t.header.clientId, t.txn.timeOutMs, this.clock.monotonicMs());
    } else if (t.txn.type === OpCode.closeSession) {
      this.sessions.remove(t.header.clientId);
      this.closesSubmitted.delete(t.header.clientId);
    }
    this.deliver(result.triggers);
    this.onApplied();
    return result;
  }

  private deliver(triggers: readonly WatchTrigger[]): void {
    for (const trigger of triggers) {
      const deliveries = this.watches.trigger(trigger, (watcher, path) => {
        const conn = this.connectionById(watcher);
        if (!conn) return false;
        const acl = trigger.acl ?? this.tree.getNode(path)?.acl;
        return acl === undefined || canRead(acl, conn.authIds);
      });
      for (const d of deliveries) {
        const conn = this.connectionById(d.watcher);
        conn?.send(encodeNotification(d.zxid, d.event));
      }
    }
  }

  private connectionById(id: number): Connection | undefined {
    return this.connections.get(id);
  }

  private reply(
    conn: Connection,
    header: RequestHeader,
    receivedMs: number,
    err: number,
    body: Response | null,
    zxid: bigint = this.tree.lastProcessedZxid,
  ): void {
    conn.outstanding = Math.max(0, conn.outstanding - 1);
    if (conn.outstanding < limits.maxOutstandingRequestsPerConnection && conn.state === 'open')
      conn.resumeReading();
    this.replyNow(conn, header, receivedMs, err, body, zxid);
  }

  private replyNow(
    conn: Connection,
    header: RequestHeader,
    receivedMs: number,
    err: number,
    body: Response | null,
    zxid: bigint = this.tree.lastProcessedZxid,
  ): void {
    const now = this.clock.monotonicMs();
    const latencyMs = now - receivedMs;
    conn.stats.responded(opName(header.type), header.xid, zxid, latencyMs, now);
    this.stats.requestCompleted(latencyMs, isWriteRequest(header.type) ? 'update' : 'read');
    this.stats.packetSent();
    const xid = header.type === OpCode.ping ? Xid.ping : header.xid;
    conn.send(encodeReply({ xid, zxid, err }, err === ErrorCode.ok ? body : null));
  }

  // ---- time-driven work ----

  /** Expires sessions whose deadline passed: each becomes a closeSession txn. */
  expireSessions(): void {
    // In an ensemble only the leader expires sessions, driven by its Zab machine.
    if (this.currentMode !== 'standalone') return;
    for (const sessionId of this.sessions.expire(this.clock.monotonicMs())) {
      // expire() may hand a closing session back once more, as Apache's tracker does; one close is enough.
      if (this.closesSubmitted.has(sessionId)) continue;
      this.closesSubmitted.add(sessionId);
      this.log.info({ sessionId: hex(sessionId) }, 'session expired');
      this.submitCloseSession(sessionId);
    }
  }

  private submitCloseSession(sessionId: bigint): void {
    this.pipeline.submit({
      kind: 'write',
      prepare: (zxid) =>
        prepareWrite(
          { type: OpCode.closeSession, request: null },
          {
            zxid,
            timeMs: this.clock.wallMs(),
            sessionId,
            cxid: 0,
            authIds: [],
            config: this.writeConfig(),
            view: this.pending,
            sessionValid: true,
          },
        ),
      apply: (t) => {
        this.applyTxn(t);
        this.closeSessionConnection(sessionId);
      },
      fail: (error) => {
        // Not closed: the session gets a fresh deadline, and the next expiry tries again.
        this.closesSubmitted.delete(sessionId);
        const session = this.sessions.get(sessionId);
        if (session) {
          session.closing = false;
          this.sessions.create(sessionId, session.timeoutMs, this.clock.monotonicMs());
        }
        this.log.error(
          { err: error.message, sessionId: hex(sessionId) },
          'session close not committed',
        );
      },
    });
  }

  /** Deletes empty containers and expired TTL nodes, as Apache's ContainerManager does. */
  reapContainers(): void {
    if (this.currentMode !== 'standalone' && this.currentMode !== 'leader') return;
    const now = this.clock.wallMs();
    const paths = [...this.tree.containersToReap(), ...this.tree.expiredTtls(now)];
    for (const path of paths) {
      this.pipeline.submit({
        kind: 'write',
        prepare: (zxid) =>
          prepareWrite(
            { type: OpCode.delete, request: { path, version: -1 } },
            {
              zxid,
              timeMs: this.clock.wallMs(),
              sessionId: 0n,
              cxid: 0,
              authIds: [{ scheme: 'super', id: '' }],
              config: { ...this.writeConfig(), enforceQuota: false },
              view: this.pending,
              sessionValid: true,
              deleteContainer: true,
            },
          ),
        apply: (t) => this.applyTxn(t),
        fail: () => undefined,
      });
    }
  }

  /** Stop taking requests (shutdown). */
  stopServing(): void {
    this.serving = false;
  }
}

function forwardKey(sessionId: bigint, cxid: number): string {
  return `${sessionId}:${cxid}`;
}

export function hex(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16);
}

function opName(type: number): string {
  return opShortName[type] ?? 'NA';
}

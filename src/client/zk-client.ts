/**
 * A raw, promise-based ZooKeeper client over node:net for our CLI, tests, the differential
 * harness and the benchmark. Replies carry the raw error code (no throwing on err ≠ 0) so tests
 * can compare codes with Apache. Requests are pipelined; replies must come back in order.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { FrameDecoder } from '../node/proto/frame.js';
import { JuteReader } from '../node/proto/jute.js';
import { ErrorCode, ZkError } from '../node/proto/errors.js';
import { CreateMode, EventType, KeeperState, OpCode, Xid } from '../node/proto/opcodes.js';
import {
  decodeConnectResponse,
  decodeResponse,
  decodeWatcherEvent,
  encodeConnectRequest,
  encodeRequest,
  readReplyHeader,
} from '../node/proto/records.js';
import type { MultiOp, ReplyHeader, Request, Response } from '../node/proto/requests.js';
import type { ACL } from '../node/proto/types.js';
import { limits } from '../shared/limits.js';

export const OPEN_ACL_UNSAFE: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

export interface Reply {
  header: ReplyHeader;
  /** The decoded body when err is 0 and the op has one; null otherwise. */
  response: Response | null;
}

export interface WatchEvent {
  type: number;
  state: number;
  path: string;
  /** Header zxid of the notification (-1 for events caused by setWatches). */
  zxid: bigint;
}

export type ClientState =
  'connecting' | 'connected' | 'disconnected' | 'expired' | 'authFailed' | 'closed';

export interface ZkClientOptions {
  sessionTimeoutMs?: number;
  /** Resume this session instead of creating one. */
  sessionId?: bigint;
  passwd?: Buffer;
  /** The ConnectRequest readOnly byte; null omits it (node-zookeeper-client style). Default false. */
  readOnly?: boolean | null;
  /** Per-attempt TCP + handshake deadline. Default: the session timeout. */
  connectTimeoutMs?: number;
  /** Reconnect to the host list after a connection loss (default true). */
  reconnect?: boolean;
  /** Largest frame accepted from the server (Java client default: jute.maxbuffer). */
  maxFrameBytes?: number;
}

interface Pending {
  xid: number;
  type: number;
  resolve: (r: Reply) => void;
  /** Watch bookkeeping to do when the reply arrives. */
  watch?: { kind: 'data' | 'exist' | 'child'; path: string } | undefined;
}

function parseHosts(hosts: string): { host: string; port: number }[] {
  const list = hosts
    .split('/')[0]!
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.length > 0)
    .map((h) => {
      const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(h);
      if (!m) throw new Error(`bad host ${h}`);
      return { host: m[1]!, port: m[2] === undefined ? 2181 : Number(m[2]) };
    });
  if (list.length === 0) throw new Error('empty host list');
  return list;
}

export class ZkClient extends EventEmitter {
  sessionId = 0n;
  passwd: Buffer = Buffer.alloc(limits.sessionPasswordBytes);
  negotiatedTimeoutMs = 0;
  /** Last zxid seen in a reply header (what a reconnect reports as lastZxidSeen). */
  lastZxid = 0n;
  state: ClientState = 'connecting';
  /** host:port of the current (or last) connection. */
  currentHost = '';

  private readonly hosts: { host: string; port: number }[];
  private hostIndex = 0;
  private socket: net.Socket | undefined;
  private pending: Pending[] = [];
  private authPending: ((r: Reply) => void)[] = [];
  private nextXid = 1;
  private pingTimer: NodeJS.Timeout | undefined;
  private lastSendMs = 0;
  private lastRecvMs = 0;
  private readonly auths: { scheme: string; auth: Buffer }[] = [];
  private closing = false;
  private corked = false;
  // Watches to re-register on reconnect (client-protocol.md §8).
  private readonly dataWatches = new Set<string>();
  private readonly existWatches = new Set<string>();
  private readonly childWatches = new Set<string>();
  private readonly persistentWatches = new Set<string>();
  private readonly persistentRecursiveWatches = new Set<string>();

  private constructor(
    hosts: string,
    private readonly opts: ZkClientOptions,
  ) {
    super();
    this.hosts = parseHosts(hosts);
    if (opts.sessionId !== undefined) this.sessionId = opts.sessionId;
    if (opts.passwd !== undefined) this.passwd = opts.passwd;
  }

  /** Connect to the first host of `hosts` ("h:p,h:p") that answers; resolves once the session is up. */
  static async connect(hosts: string, opts: ZkClientOptions = {}): Promise<ZkClient> {
    const c = new ZkClient(hosts, opts);
    await c.connectAny();
    return c;
  }

  get requestedTimeoutMs(): number {
    return this.opts.sessionTimeoutMs ?? 30_000;
  }

  private setState(s: ClientState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  private async connectAny(): Promise<void> {
    let lastErr: unknown;
    for (let i = 0; i < this.hosts.length; i++) {
      const target = this.hosts[this.hostIndex]!;
      this.hostIndex = (this.hostIndex + 1) % this.hosts.length;
      try {
        await this.connectTo(target.host, target.port);
        return;
      } catch (err) {
        lastErr = err;
        if (
          err instanceof ZkError &&
          (err.code === ErrorCode.sessionExpired || err.code === ErrorCode.authFailed)
        )
          throw err;
      }
    }
    throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
  }

  private connectTo(host: string, port: number): Promise<void> {
    this.setState('connecting');
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true });
      const decoder = new FrameDecoder(this.opts.maxFrameBytes ?? limits.juteMaxBufferBytes);
      let handshakeDone = false;
      const deadline = setTimeout(() => {
        socket.destroy();
        fail(new ZkError(ErrorCode.connectionLoss, `connect to ${host}:${port} timed out`));
      }, this.opts.connectTimeoutMs ?? this.requestedTimeoutMs);
      const fail = (err: Error): void => {
        clearTimeout(deadline);
        if (!handshakeDone) {
          handshakeDone = true;
          socket.destroy();
          reject(err);
        }
      };
      socket.once('connect', () => {
        const readOnly =
          this.opts.readOnly === undefined
            ? false
            : this.opts.readOnly === null
              ? undefined
              : this.opts.readOnly;
        socket.write(
          encodeConnectRequest({
            protocolVersion: 0,
            lastZxidSeen: this.lastZxid,
            timeOut: this.requestedTimeoutMs,
            sessionId: this.sessionId,
            passwd: this.passwd,
            readOnly,
          }),
        );
      });
      socket.on('data', (chunk: Buffer) => {
        let frames: Buffer[];
        try {
          frames = decoder.push(chunk);
        } catch (err) {
          socket.destroy();
          fail(err as Error);
          return;
        }
        this.lastRecvMs = Date.now();
        for (const frame of frames) {
          if (!handshakeDone) {
            let resp;
            try {
              resp = decodeConnectResponse(frame);
            } catch (err) {
              fail(err as Error);
              return;
            }
            if (resp.timeOut <= 0) {
              this.setState('expired');
              fail(new ZkError(ErrorCode.sessionExpired, 'session expired'));
              return;
            }
            clearTimeout(deadline);
            handshakeDone = true;
            this.sessionId = resp.sessionId;
            this.passwd = resp.passwd;
            this.negotiatedTimeoutMs = resp.timeOut;
            this.socket = socket;
            this.currentHost = `${host}:${port}`;
            this.lastSendMs = Date.now();
            this.startPings();
            this.setState('connected');
            this.restoreSessionState();
            resolve();
            continue;
          }
          if (this.socket !== socket) return;
          try {
            this.onFrame(frame);
          } catch (err) {
            this.emit('protocolError', err);
            socket.destroy();
            return;
          }
        }
      });
      socket.on('error', (err) => fail(err));
      socket.on('close', () => {
        fail(new ZkError(ErrorCode.connectionLoss, `connection to ${host}:${port} closed`));
        if (this.socket === socket) this.onConnectionLost();
      });
    });
  }

  /** After a (re)connect: re-send auth and watches, as the Java client does. */
  private restoreSessionState(): void {
    for (const a of this.auths) this.sendAuth(a.scheme, a.auth);
    const persistent = [...this.persistentWatches];
    const recursive = [...this.persistentRecursiveWatches];
    if (
      this.dataWatches.size +
        this.existWatches.size +
        this.childWatches.size +
        persistent.length +
        recursive.length ===
      0
    )
      return;
    const request = {
      relativeZxid: this.lastZxid,
      dataWatches: [...this.dataWatches],
      existWatches: [...this.existWatches],
      childWatches: [...this.childWatches],
      persistentWatches: persistent,
      persistentRecursiveWatches: recursive,
    };
    const type = persistent.length + recursive.length > 0 ? OpCode.setWatches2 : OpCode.setWatches;
    void this.request(type, request);
  }

  private onConnectionLost(): void {
    this.socket = undefined;
    this.stopPings();
    const lost = this.pending;
    this.pending = [];
    const auths = this.authPending;
    this.authPending = [];
    const lossReply = (xid: number): Reply => ({
      header: { xid, zxid: -1n, err: ErrorCode.connectionLoss },
      response: null,
    });
    for (const p of lost) p.resolve(lossReply(p.xid));
    for (const a of auths) a(lossReply(Xid.auth));
    if (
      this.closing ||
      this.state === 'expired' ||
      this.state === 'authFailed' ||
      this.state === 'closed'
    ) {
      if (this.closing) this.setState('closed');
      return;
    }
    this.setState('disconnected');
    if (this.opts.reconnect === false) return;
    void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    let delayMs = 50;
    while (!this.closing && this.state !== 'expired') {
      try {
        await this.connectAny();
        return;
      } catch (err) {
        if (
          err instanceof ZkError &&
          (err.code === ErrorCode.sessionExpired || err.code === ErrorCode.authFailed)
        )
          return;
        this.setState('disconnected');
      }
      await new Promise((r) => setTimeout(r, delayMs));
      delayMs = Math.min(delayMs * 2, 1000);
    }
  }

  private startPings(): void {
    this.stopPings();
    const intervalMs = Math.max(1, Math.floor(this.negotiatedTimeoutMs / 3));
    this.pingTimer = setInterval(
      () => {
        const now = Date.now();
        // A connection that has been silent for 2/3 of the timeout is dead (Java's readTimeout).
        if (now - this.lastRecvMs > (this.negotiatedTimeoutMs * 2) / 3) {
          this.socket?.destroy();
          return;
        }
        if (now - this.lastSendMs >= intervalMs - 5)
          this.write(encodeRequest(Xid.ping, { type: OpCode.ping, request: null }));
      },
      Math.max(1, Math.floor(intervalMs / 2)),
    );
    this.pingTimer.unref();
  }

  private stopPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private write(frame: Buffer): void {
    const socket = this.socket;
    if (socket === undefined) return;
    this.lastSendMs = Date.now();
    // Requests issued in one tick go out in one syscall (pipelined benchmarks issue thousands).
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    socket.write(frame);
  }

  private onFrame(frame: Buffer): void {
    const r = new JuteReader(frame);
    const header = readReplyHeader(r);
    if (header.xid === Xid.notification) {
      const ev = decodeWatcherEvent(r);
      this.forgetFiredWatch(ev.type, ev.path);
      this.emit('watch', { ...ev, zxid: header.zxid } satisfies WatchEvent);
      return;
    }
    if (header.xid === Xid.ping) return;
    if (header.xid === Xid.auth) {
      const done = this.authPending.shift();
      if (header.err === ErrorCode.authFailed) {
        this.setState('authFailed');
        this.emit('watch', {
          type: EventType.none,
          state: KeeperState.authFailed,
          path: '',
          zxid: -1n,
        });
      }
      done?.({ header, response: null });
      return;
    }
    const p = this.pending.shift();
    if (p === undefined || p.xid !== header.xid) {
      if (p !== undefined) this.pending.unshift(p); // answered with ConnectionLoss when the socket drops
      throw new Error(`xid out of order: got ${header.xid}, expected ${p?.xid ?? 'none'}`);
    }
    if (header.zxid > 0n) this.lastZxid = header.zxid;
    let response: Response | null = null;
    if (header.err === 0) {
      try {
        response = decodeResponse(p.type, r);
      } catch (err) {
        // Still answer the caller (header only) before the connection is dropped for the bad frame.
        p.resolve({ header, response: null });
        throw err;
      }
      if (response.kind === 'none') response = null;
    }
    this.recordWatch(p, header.err);
    p.resolve({ header, response });
    if (p.type === OpCode.closeSession) this.socket?.end();
  }

  private recordWatch(p: Pending, err: number): void {
    const w = p.watch;
    if (!w) return;
    if (w.kind === 'exist') {
      if (err === ErrorCode.ok) this.dataWatches.add(w.path);
      else if (err === ErrorCode.noNode) this.existWatches.add(w.path);
    } else if (err === ErrorCode.ok) {
      (w.kind === 'data' ? this.dataWatches : this.childWatches).add(w.path);
    }
  }

  private forgetFiredWatch(type: number, path: string): void {
    if (
      type === EventType.nodeCreated ||
      type === EventType.nodeDataChanged ||
      type === EventType.nodeDeleted
    ) {
      this.dataWatches.delete(path);
      this.existWatches.delete(path);
    }
    if (type === EventType.nodeChildrenChanged || type === EventType.nodeDeleted)
      this.childWatches.delete(path);
  }

  /**
   * Send one request; resolves with the raw reply (err ≠ 0 included). Resolves with err -4
   * (ConnectionLoss) when the connection is down or drops before the reply.
   */
  request(type: number, record: unknown = null): Promise<Reply> {
    const req = { type, request: record } as Request;
    if (type === OpCode.auth) {
      const a = record as { scheme: string; auth: Buffer | null };
      return this.sendAuth(a.scheme, a.auth ?? Buffer.alloc(0));
    }
    return new Promise((resolve) => {
      if (this.socket === undefined || this.state !== 'connected') {
        resolve({ header: { xid: 0, zxid: -1n, err: ErrorCode.connectionLoss }, response: null });
        return;
      }
      if (type === OpCode.closeSession) this.closing = true;
      const xid = this.nextXid;
      this.nextXid = this.nextXid === 0x7fffffff ? 1 : this.nextXid + 1;
      this.pending.push({ xid, type, resolve, watch: watchOf(req) });
      this.write(encodeRequest(xid, req));
    });
  }

  private sendAuth(scheme: string, auth: Buffer): Promise<Reply> {
    return new Promise((resolve) => {
      if (this.socket === undefined) {
        resolve({
          header: { xid: Xid.auth, zxid: -1n, err: ErrorCode.connectionLoss },
          response: null,
        });
        return;
      }
      this.authPending.push(resolve);
      this.write(
        encodeRequest(Xid.auth, { type: OpCode.auth, request: { type: 0, scheme, auth } }),
      );
    });
  }

  // ---- typed conveniences ----

  /** Op 1 (path only), or 19 for CONTAINER, 21 for TTL modes (both answer with a Stat). */
  create(
    path: string,
    data: Buffer | null = null,
    acl: ACL[] = OPEN_ACL_UNSAFE,
    flags = 0,
    ttlMs?: number,
  ): Promise<Reply> {
    if (
      flags === CreateMode.persistentWithTtl ||
      flags === CreateMode.persistentSequentialWithTtl ||
      ttlMs !== undefined
    )
      return this.request(OpCode.createTTL, { path, data, acl, flags, ttl: ttlMs ?? -1 });
    if (flags === CreateMode.container)
      return this.request(OpCode.createContainer, { path, data, acl, flags });
    return this.request(OpCode.create, { path, data, acl, flags });
  }

  /** Op 15: create returning the new node's Stat. */
  create2(
    path: string,
    data: Buffer | null = null,
    acl: ACL[] = OPEN_ACL_UNSAFE,
    flags = 0,
  ): Promise<Reply> {
    return this.request(OpCode.create2, { path, data, acl, flags });
  }

  delete(path: string, version = -1): Promise<Reply> {
    return this.request(OpCode.delete, { path, version });
  }
  exists(path: string, watch = false): Promise<Reply> {
    return this.request(OpCode.exists, { path, watch });
  }
  getData(path: string, watch = false): Promise<Reply> {
    return this.request(OpCode.getData, { path, watch });
  }
  setData(path: string, data: Buffer | null, version = -1): Promise<Reply> {
    return this.request(OpCode.setData, { path, data, version });
  }
  getChildren(path: string, watch = false): Promise<Reply> {
    return this.request(OpCode.getChildren, { path, watch });
  }
  getChildren2(path: string, watch = false): Promise<Reply> {
    return this.request(OpCode.getChildren2, { path, watch });
  }
  getACL(path: string): Promise<Reply> {
    return this.request(OpCode.getACL, { path });
  }
  setACL(path: string, acl: ACL[], version = -1): Promise<Reply> {
    return this.request(OpCode.setACL, { path, acl, version });
  }
  sync(path: string): Promise<Reply> {
    return this.request(OpCode.sync, { path });
  }
  multi(ops: MultiOp[]): Promise<Reply> {
    return this.request(OpCode.multi, { ops });
  }
  multiRead(ops: MultiOp[]): Promise<Reply> {
    return this.request(OpCode.multiRead, { ops });
  }
  addWatch(path: string, mode: number): Promise<Reply> {
    return this.request(OpCode.addWatch, { path, mode }).then((r) => {
      if (r.header.err === 0)
        (mode === 0 ? this.persistentWatches : this.persistentRecursiveWatches).add(path);
      return r;
    });
  }
  setWatches(w: {
    relativeZxid?: bigint;
    dataWatches?: string[];
    existWatches?: string[];
    childWatches?: string[];
    persistentWatches?: string[];
    persistentRecursiveWatches?: string[];
  }): Promise<Reply> {
    const v2 = (w.persistentWatches?.length ?? 0) + (w.persistentRecursiveWatches?.length ?? 0) > 0;
    return this.request(v2 ? OpCode.setWatches2 : OpCode.setWatches, {
      relativeZxid: w.relativeZxid ?? this.lastZxid,
      dataWatches: w.dataWatches ?? [],
      existWatches: w.existWatches ?? [],
      childWatches: w.childWatches ?? [],
      persistentWatches: w.persistentWatches ?? [],
      persistentRecursiveWatches: w.persistentRecursiveWatches ?? [],
    });
  }
  checkWatches(path: string, type: number): Promise<Reply> {
    return this.request(OpCode.checkWatches, { path, type });
  }
  removeWatches(path: string, type: number): Promise<Reply> {
    return this.request(OpCode.removeWatches, { path, type }).then((r) => {
      if (r.header.err === 0) this.forgetWatches(path, type);
      return r;
    });
  }
  getEphemerals(prefixPath: string | null = '/'): Promise<Reply> {
    return this.request(OpCode.getEphemerals, { prefixPath });
  }
  getAllChildrenNumber(path: string): Promise<Reply> {
    return this.request(OpCode.getAllChildrenNumber, { path });
  }
  whoAmI(): Promise<Reply> {
    return this.request(OpCode.whoAmI, null);
  }
  reconfig(
    joiningServers: string | null,
    leavingServers: string | null,
    newMembers: string | null,
    curConfigId = -1n,
  ): Promise<Reply> {
    return this.request(OpCode.reconfig, {
      joiningServers,
      leavingServers,
      newMembers,
      curConfigId,
    });
  }
  /** Auth is remembered and re-sent after a reconnect. */
  addAuth(scheme: string, auth: Buffer | string): Promise<Reply> {
    const bytes = typeof auth === 'string' ? Buffer.from(auth, 'utf8') : auth;
    return this.sendAuth(scheme, bytes).then((r) => {
      if (r.header.err === 0) this.auths.push({ scheme, auth: bytes });
      return r;
    });
  }

  private forgetWatches(path: string, type: number): void {
    // WatcherType: 1 children, 2 data, 3 any, 4 persistent, 5 persistent recursive
    if (type === 1 || type === 3) this.childWatches.delete(path);
    if (type === 2 || type === 3) {
      this.dataWatches.delete(path);
      this.existWatches.delete(path);
    }
    if (type === 4 || type === 3) this.persistentWatches.delete(path);
    if (type === 5 || type === 3) this.persistentRecursiveWatches.delete(path);
  }

  /** Connect again (same session, watches re-sent); for clients made with reconnect: false. */
  async reconnect(): Promise<void> {
    if (this.socket !== undefined) return;
    await this.connectAny();
  }

  /** Drop the TCP connection without closing the session (tests: forces a reconnect). */
  dropConnection(): void {
    this.socket?.destroy();
  }

  /** Send closeSession, wait for its reply (or timeoutMs) and close the socket. */
  async close(timeoutMs = 5000): Promise<Reply | undefined> {
    if (this.state === 'closed') return undefined;
    this.closing = true;
    this.stopPings();
    let reply: Reply | undefined;
    if (this.socket !== undefined && this.state === 'connected') {
      let timer: NodeJS.Timeout | undefined;
      reply = await Promise.race([
        this.request(OpCode.closeSession, null),
        new Promise<undefined>((r) => {
          timer = setTimeout(() => r(undefined), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.socket?.destroy();
    this.socket = undefined;
    this.setState('closed');
    return reply;
  }
}

function watchOf(req: Request): Pending['watch'] {
  switch (req.type) {
    case OpCode.exists:
      return req.request.watch ? { kind: 'exist', path: req.request.path } : undefined;
    case OpCode.getData:
      return req.request.watch ? { kind: 'data', path: req.request.path } : undefined;
    case OpCode.getChildren:
    case OpCode.getChildren2:
      return req.request.watch ? { kind: 'child', path: req.request.path } : undefined;
    default:
      return undefined;
  }
}

/** Send a four-letter word and return everything the server writes before closing. */
export function fourLetterWord(
  host: string,
  port: number,
  word: string,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`4lw ${word} to ${host}:${port} timed out`));
    }, timeoutMs);
    socket.once('connect', () => socket.write(word));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

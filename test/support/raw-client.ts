/**
 * A raw ZooKeeper client connection for tests that need the wire itself: handshake, framed
 * requests with chosen xids and opcodes, replies with raw error codes, watch events, pings
 * only when asked (so a test can let a session expire), and access to the socket for
 * deliberately broken input.
 */
import { connect, type Socket } from 'node:net';
import { JuteReader, JuteWriter } from '../../src/node/proto/jute.js';
import { decodeResponse, encodeRequest } from '../../src/node/proto/records.js';
import type { Request, Response } from '../../src/node/proto/requests.js';

export interface RawReply {
  xid: number;
  zxid: bigint;
  err: number;
  /** The body after the reply header. */
  body: Buffer;
}

export interface RawEvent {
  type: number;
  state: number;
  path: string;
  zxid: bigint;
}

export interface Handshake {
  protocolVersion: number;
  timeOut: number;
  sessionId: bigint;
  passwd: Buffer;
  readOnly: boolean | undefined;
}

export interface HandshakeOptions {
  timeOutMs?: number;
  sessionId?: bigint;
  passwd?: Buffer;
  lastZxidSeen?: bigint;
  /** Whether to append the readOnly byte (Java client does; node-zookeeper-client does not). */
  readOnlyByte?: boolean;
}

export function connectRequestFrame(o: HandshakeOptions = {}): Buffer {
  const w = new JuteWriter()
    .int(0)
    .long(o.lastZxidSeen ?? 0n)
    .int(o.timeOutMs ?? 10_000)
    .long(o.sessionId ?? 0n)
    .buffer(o.passwd ?? Buffer.alloc(16));
  if (o.readOnlyByte ?? true) w.bool(false);
  return w.toFrame();
}

/** A socket that collects length-prefixed frames and notices when the server closes it. */
export class FramedSocket {
  readonly socket: Socket;
  private pending = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  /** Raw bytes received (for checking a reply that is not a frame, like a 4lw). */
  received = Buffer.alloc(0);

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.received = Buffer.concat([this.received, d]);
      this.pending = Buffer.concat([this.pending, d]);
      while (this.pending.length >= 4) {
        const len = this.pending.readInt32BE(0);
        if (len < 0 || this.pending.length < 4 + len) break;
        this.frames.push(this.pending.subarray(4, 4 + len));
        this.pending = this.pending.subarray(4 + len);
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(host: string, port: number): Promise<FramedSocket> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port });
      s.setNoDelay(true);
      s.once('connect', () => resolve(new FramedSocket(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(b: Buffer): void {
    if (!this.closed) this.socket.write(b);
  }

  /** The next frame, or null if the connection closed first. Throws after timeoutMs. */
  async nextFrame(timeoutMs = 10_000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.shift();
      if (f) return f;
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Resolves true once the server has closed the connection, false after timeoutMs. */
  async waitClosed(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function decodeHandshake(frame: Buffer): Handshake {
  const r = new JuteReader(frame);
  const protocolVersion = r.int();
  const timeOut = r.int();
  const sessionId = r.long();
  const passwd = r.buffer() ?? Buffer.alloc(0);
  const readOnly = r.atEnd() ? undefined : r.bool();
  return { protocolVersion, timeOut, sessionId, passwd, readOnly };
}

export function decodeEvent(body: Buffer, zxid: bigint): RawEvent {
  const r = new JuteReader(body);
  return { type: r.int(), state: r.int(), path: r.string() ?? '', zxid };
}

/** One session on one connection. Requests get increasing xids; replies are matched in order. */
export class RawClient {
  readonly events: RawEvent[] = [];
  private xid = 0;
  private readonly queue: {
    xid: number;
    resolve: (r: RawReply) => void;
    reject: (e: Error) => void;
  }[] = [];
  private pingTimer: NodeJS.Timeout | undefined;
  private eventWaiters: (() => void)[] = [];
  lastZxid = 0n;

  private constructor(
    readonly conn: FramedSocket,
    readonly handshake: Handshake,
  ) {
    void this.pump();
  }

  static async connect(host: string, port: number, o: HandshakeOptions = {}): Promise<RawClient> {
    const conn = await FramedSocket.open(host, port);
    conn.write(connectRequestFrame(o));
    const f = await conn.nextFrame();
    if (!f) throw new Error(`server closed the connection during the handshake`);
    const hs = decodeHandshake(f);
    return new RawClient(conn, hs);
  }

  get sessionId(): bigint {
    return this.handshake.sessionId;
  }

  get closed(): boolean {
    return this.conn.closed;
  }

  private async pump(): Promise<void> {
    for (;;) {
      const f = await this.conn.nextFrame(24 * 3600_000).catch(() => null);
      if (!f) break;
      const r = new JuteReader(f);
      const xid = r.int();
      const zxid = r.long();
      const err = r.int();
      const body = f.subarray(16);
      if (xid === -1) {
        this.events.push(decodeEvent(body, zxid));
        const w = this.eventWaiters;
        this.eventWaiters = [];
        for (const g of w) g();
        continue;
      }
      if (zxid > this.lastZxid) this.lastZxid = zxid;
      if (xid === -2) continue; // ping
      const q = this.queue.shift();
      if (!q) continue;
      if (q.xid !== xid) q.reject(new Error(`reply xid ${xid}, expected ${q.xid}`));
      else q.resolve({ xid, zxid, err, body });
    }
    this.stopPinging();
    for (const q of this.queue.splice(0)) q.reject(new Error('connection closed'));
    const w = this.eventWaiters;
    this.eventWaiters = [];
    for (const g of w) g();
  }

  /** Sends type + body with the next xid (or the given one) and resolves with the reply. */
  request(type: number, body: Buffer = Buffer.alloc(0), xid?: number): Promise<RawReply> {
    const x = xid ?? ++this.xid;
    return this.sendFrame(x, new JuteWriter().int(x).int(type).raw(body).toFrame());
  }

  /** Sends a request record (the project's codec) and decodes the reply body if it has one. */
  async send(req: Request, xid?: number): Promise<RawReply & { response: Response | null }> {
    const x = xid ?? ++this.xid;
    const reply = await this.sendFrame(x, encodeRequest(x, req));
    const response =
      reply.body.length > 0 ? decodeResponse(req.type, new JuteReader(reply.body)) : null;
    return { ...reply, response };
  }

  private sendFrame(x: number, frame: Buffer): Promise<RawReply> {
    return new Promise((resolve, reject) => {
      if (this.conn.closed) {
        reject(new Error('connection closed'));
        return;
      }
      this.queue.push({ xid: x, resolve, reject });
      this.conn.write(frame);
    });
  }

  /** Pings every intervalMs (xid -2, opcode 11) so the session stays alive while idle. */
  startPinging(intervalMs = 1_000): void {
    this.stopPinging();
    this.pingTimer = setInterval(() => {
      this.conn.write(new JuteWriter().int(-2).int(11).toFrame());
    }, intervalMs);
    this.pingTimer.unref();
  }

  stopPinging(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  /** Waits until at least n events have arrived (or timeoutMs passed); returns all so far. */
  async waitEvents(n: number, timeoutMs = 5_000): Promise<RawEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < n && !this.conn.closed) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.eventWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.events;
  }

  /** Sends closeSession and waits for the reply and the close. */
  async close(): Promise<void> {
    this.stopPinging();
    if (this.conn.closed) return;
    await this.request(-11).catch(() => undefined);
    this.conn.destroy();
  }

  /** Drops the TCP connection without closing the session. */
  drop(): void {
    this.stopPinging();
    this.conn.destroy();
  }
}

/**
 * Election-port connections (quorum-protocol.md §1): one TCP connection per pair of peers,
 * kept only when the initiator's sid is larger; the initiation header first, then
 * length-prefixed notification frames. Peer names are resolved on every attempt and failures
 * are retried, never fatal: in Kubernetes a peer's DNS name appears only once its pod runs.
 * Message semantics are the pure FLE machine's business; this only moves bytes.
 */
import { EventEmitter } from 'node:events';
import { lookup as dnsLookup } from 'node:dns/promises';
import net from 'node:net';
import { limits } from '../../shared/limits.js';
import {
  decodeInitiationHeader,
  encodeInitiationHeader,
  isValidElectionFrameLength,
} from '../quorum/wire/election-header.js';

export interface PeerAddress {
  host: string;
  port: number;
}

export interface ElectionNetOptions {
  self: bigint;
  /** Where this server listens for election connections. */
  listen: PeerAddress;
  /** The address announced in our initiation header (`host:port`). */
  announce: string;
  /** Every other member that takes part in election, by sid. */
  peers: Map<bigint, PeerAddress>;
  connectTimeoutMs?: number;
  /** Delay before retrying a failed connect or name lookup. */
  retryMs?: number;
  /** Listen attempts before giving up (Apache portBindMaxRetry is 3). */
  bindAttempts?: number;
  lookup?: (host: string) => Promise<string>;
}

export interface ElectionNetEvents {
  message: [from: bigint, payload: Buffer];
  'peer-up': [sid: bigint];
  'peer-down': [sid: bigint];
  warn: [message: string];
}

export class ElectionNet extends EventEmitter<ElectionNetEvents> {
  private server: net.Server | null = null;
  private readonly kept = new Map<bigint, net.Socket>();
  private readonly queued = new Map<bigint, Buffer>();
  private readonly lastSent = new Map<bigint, Buffer>();
  private readonly connecting = new Set<bigint>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly lookup: (host: string) => Promise<string>;

  constructor(private readonly opts: ElectionNetOptions) {
    super();
    this.lookup = opts.lookup ?? (async (host) => (await dnsLookup(host)).address);
  }

  /** Binds the election port, retrying a few times (the pod IP may not be assigned yet). */
  async start(): Promise<number> {
    const attempts = this.opts.bindAttempts ?? 3;
    for (let i = 1; ; i++) {
      try {
        return await this.listenOnce();
      } catch (err) {
        if (i >= attempts || this.stopped) throw err;
        this.emit('warn', `election port bind failed (${(err as Error).message}), retrying`);
        await new Promise((r) => setTimeout(r, this.opts.retryMs ?? 1000));
      }
    }
  }

  private listenOnce(): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer((sock) => this.accept(sock));
      srv.once('error', reject);
      srv.listen(this.opts.listen.port, this.opts.listen.host, () => {
        srv.off('error', reject);
        this.server = srv;
        resolve((srv.address() as net.AddressInfo).port);
      });
    });
  }

  /** Queues one message for a peer (a newer one replaces an unsent older one). */
  send(to: bigint, payload: Buffer): void {
    if (this.stopped) return;
    if (to === this.opts.self) {
      queueMicrotask(() => this.emit('message', to, payload));
      return;
    }
    const sock = this.kept.get(to);
    if (sock !== undefined && !sock.destroyed) {
      this.write(to, sock, payload);
      return;
    }
    this.queued.set(to, payload);
    this.connect(to);
  }

  isConnected(sid: bigint): boolean {
    return this.kept.has(sid);
  }

  /** Updates a peer's address (reconfig) and drops its connection so the next send redials. */
  setPeer(sid: bigint, addr: PeerAddress | null): void {
    if (addr === null) this.opts.peers.delete(sid);
    else this.opts.peers.set(sid, addr);
    this.kept.get(sid)?.destroy();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    for (const s of this.kept.values()) s.destroy();
    this.kept.clear();
    const srv = this.server;
    this.server = null;
    if (srv !== null) await new Promise<void>((r) => srv.close(() => r()));
  }

  private write(to: bigint, sock: net.Socket, payload: Buffer): void {
    const frame = Buffer.allocUnsafe(4 + payload.length);
    frame.writeInt32BE(payload.length, 0);
    payload.copy(frame, 4);
    this.lastSent.set(to, payload);
    sock.write(frame);
  }

  private retryLater(sid: bigint): void {
    const t = setTimeout(() => {
      this.retryTimers.delete(t);
      if (!this.kept.has(sid) && this.queued.has(sid)) this.connect(sid);
    }, this.opts.retryMs ?? 1000);
    this.retryTimers.add(t);
  }

  private connect(sid: bigint): void {
    if (this.stopped || this.connecting.has(sid) || this.kept.has(sid)) return;
    const addr = this.opts.peers.get(sid);
    if (addr === undefined) return;
    this.connecting.add(sid);
    const done = (): void => {
      this.connecting.delete(sid);
    };
    this.lookup(addr.host).then(
      (ip) => {
        if (this.stopped) return done();
        const sock = net.connect({ host: ip, port: addr.port });
        sock.setNoDelay(true);
        const timer = setTimeout(
          () => sock.destroy(new Error('connect timeout')),
          this.opts.connectTimeoutMs ?? 5000,
        );
        sock.once('connect', () => {
          clearTimeout(timer);
          done();
          sock.write(
            encodeInitiationHeader({
              protocol: 'v1',
              sid: this.opts.self,
              addresses: [this.opts.announce],
            }),
          );
          if (sid > this.opts.self) {
            // The header asked the larger sid to call us back; this socket is not kept.
            sock.end();
            return;
          }
          this.keep(sid, sock, Buffer.alloc(0));
        });
        sock.once('error', (err) => {
          clearTimeout(timer);
          done();
          this.emit(
            'warn',
            `election connect to ${sid} (${addr.host}:${addr.port}) failed: ${err.message}`,
          );
          this.retryLater(sid);
        });
      },
      (err: unknown) => {
        done();
        this.emit(
          'warn',
          `cannot resolve ${addr.host} for server ${sid} yet: ${(err as Error).message}`,
        );
        this.retryLater(sid);
      },
    );
  }

  private accept(sock: net.Socket): void {
    sock.setNoDelay(true);
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      let parsed;
      try {
        parsed = decodeInitiationHeader(buf);
      } catch (err) {
        this.emit('warn', `bad election header: ${(err as Error).message}`);
        sock.destroy();
        return;
      }
      if (parsed.kind === 'need') return;
      sock.off('data', onData);
      const sid = parsed.header.sid;
      const rest = buf.subarray(parsed.consumed);
      if (sid === this.opts.self) {
        this.emit('warn', `election connection announcing our own sid ${sid}`);
        sock.destroy();
      } else if (sid < this.opts.self) {
        // Only the larger sid's connection survives: drop this one and call the peer ourselves.
        sock.destroy();
        const old = this.kept.get(sid);
        if (old !== undefined) {
          this.kept.delete(sid);
          old.destroy();
          this.emit('peer-down', sid);
        }
        if (parsed.header.addresses.length > 0 && !this.opts.peers.has(sid)) {
          const a = parsed.header.addresses[0]!;
          const i = a.lastIndexOf(':');
          this.opts.peers.set(sid, {
            host: a.slice(0, i).replace(/^\[|\]$/g, ''),
            port: Number(a.slice(i + 1)),
          });
        }
        if (!this.queued.has(sid)) {
          const last = this.lastSent.get(sid);
          if (last !== undefined) this.queued.set(sid, last);
        }
        this.connect(sid);
      } else {
        this.keep(sid, sock, rest);
      }
    };
    sock.on('data', onData);
    sock.on('error', () => sock.destroy());
  }

  /** A connection for `sid` enters service, replacing any older one. */
  private keep(sid: bigint, sock: net.Socket, initial: Buffer): void {
    const old = this.kept.get(sid);
    this.kept.set(sid, sock);
    if (old !== undefined && old !== sock) old.destroy();
    else this.emit('peer-up', sid);
    let buf = initial;
    const drain = (): void => {
      while (buf.length >= 4) {
        const len = buf.readInt32BE(0);
        if (!isValidElectionFrameLength(len)) {
          this.emit(
            'warn',
            `election frame of ${len} bytes from ${sid} (limit ${limits.electionMaxFrameBytes})`,
          );
          sock.destroy();
          return;
        }
        if (buf.length < 4 + len) return;
        const payload = Buffer.from(buf.subarray(4, 4 + len));
        buf = buf.subarray(4 + len);
        this.emit('message', sid, payload);
      }
    };
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      drain();
    });
    sock.on('close', () => {
      if (this.kept.get(sid) === sock) {
        this.kept.delete(sid);
        this.emit('peer-down', sid);
      }
    });
    sock.on('error', () => sock.destroy());
    // Receivers tolerate duplicates, so a fresh connection repeats the last message if nothing is queued.
    const pending = this.queued.get(sid) ?? this.lastSent.get(sid);
    this.queued.delete(sid);
    if (pending !== undefined) this.write(sid, sock, pending);
    drain();
  }
}

/**
 * Quorum-port transport (quorum-protocol.md §3): QuorumPacket records back to back on TCP,
 * no length prefix. After a SNAP packet the stream carries a snapshot (§4.4) that only the
 * storage layer can parse, so the learner side hands those bytes to a caller-supplied reader.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import net from 'node:net';
import { JuteDecodeError } from '../proto/jute.js';
import { decodeQuorumPacket, PacketType, type QuorumPacket } from '../quorum/wire/quorum-packet.js';
import { PacketOutbox } from './packet-outbox.js';

export interface QuorumPortHandlers {
  connected(conn: number): void;
  packet(conn: number, packet: QuorumPacket): void;
  disconnected(conn: number): void;
}

/** Leader side: accepts learners and numbers their connections. */
export class QuorumPortServer {
  private server: net.Server | null = null;
  private readonly socks = new Map<number, { sock: net.Socket; outbox: PacketOutbox }>();
  private nextConn = 1;

  constructor(private readonly handlers: QuorumPortHandlers) {}

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer((sock) => this.accept(sock));
      srv.once('error', reject);
      srv.listen(port, host, () => {
        srv.off('error', reject);
        this.server = srv;
        resolve((srv.address() as net.AddressInfo).port);
      });
    });
  }

  send(conn: number, packet: QuorumPacket): void {
    this.socks.get(conn)?.outbox.send(packet);
  }

  /** Raw bytes in stream order (the snapshot after SNAP). */
  sendRaw(conn: number, bytes: Buffer): void {
    this.socks.get(conn)?.outbox.sendRaw(bytes);
  }

  close(conn: number): void {
    const link = this.socks.get(conn);
    if (link === undefined) return;
    // What was sent just before (a reason to go, a last packet) still leaves first.
    link.outbox.flush();
    link.sock.destroy();
  }

  async stop(): Promise<void> {
    for (const link of this.socks.values()) link.sock.destroy();
    const srv = this.server;
    this.server = null;
    if (srv !== null) await new Promise<void>((r) => srv.close(() => r()));
  }

  private accept(sock: net.Socket): void {
    sock.setNoDelay(true);
    const conn = this.nextConn++;
    this.socks.set(conn, { sock, outbox: new PacketOutbox(sock) });
    const reader = new PacketReader((p) => this.handlers.packet(conn, p), null);
    sock.on('data', (chunk: Buffer) => {
      if (!reader.push(chunk)) sock.destroy();
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      this.socks.delete(conn);
      this.handlers.disconnected(conn);
    });
    this.handlers.connected(conn);
  }
}

/**
 * Reads the snapshot that follows SNAP from the bytes not yet consumed: `used` bytes were read
 * (whole records; they are dropped from the buffer), `done` once the snapshot is complete. A
 * large snapshot thus streams through without the buffer ever holding all of it.
 */
export type SnapshotReader = (buf: Buffer) => { used: number; done: boolean };

class PacketReader {
  private buf: Buffer = Buffer.alloc(0);
  private inSnapshot = false;

  constructor(
    private readonly onPacket: (p: QuorumPacket) => void,
    private readonly readSnapshot: SnapshotReader | null,
  ) {}

  /** False when the stream is malformed and must be dropped. */
  push(chunk: Buffer): boolean {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let offset = 0;
    try {
      for (;;) {
        if (this.inSnapshot) {
          const { used, done } = this.readSnapshot!(this.buf.subarray(offset));
          offset += used;
          if (!done) break;
          this.inSnapshot = false;
          continue;
        }
        const r = decodeQuorumPacket(this.buf, offset);
        if (r === null) break;
        offset = r.next;
        if (r.packet.type === PacketType.SNAP && this.readSnapshot !== null) this.inSnapshot = true;
        this.onPacket(r.packet);
      }
    } catch (err) {
      if (err instanceof JuteDecodeError) return false;
      throw err;
    }
    this.buf = this.buf.subarray(offset);
    return true;
  }
}

export interface LearnerLink {
  send(packet: QuorumPacket): void;
  close(): void;
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** Learner connect policy (§4.2): 5 tries, 100 ms apart. */
  attempts?: number;
  retryDelayMs?: number;
  lookup?: (host: string) => Promise<string>;
  onPacket(packet: QuorumPacket): void;
  onClose(): void;
  readSnapshot: SnapshotReader;
}

/** Learner side: connects to the leader's quorum port, retrying and re-resolving its name. */
export async function connectToLeader(o: ConnectOptions): Promise<LearnerLink> {
  const attempts = o.attempts ?? 5;
  const lookup = o.lookup ?? (async (h: string) => (await dnsLookup(h)).address);
  let lastErr: unknown = null;
  for (let i = 0; i < attempts; i++) {
    // The leader opens its quorum port only once it has won, often a moment after the followers
    // decided for it: retry at once-ish, backing off to retryDelayMs (10, 20, 40 … ms).
    if (i > 0)
      await new Promise((r) => setTimeout(r, Math.min(o.retryDelayMs ?? 100, 10 * 2 ** (i - 1))));
    try {
      const ip = await lookup(o.host);
      const sock = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: ip, port: o.port }, () => resolve(s));
        s.once('error', reject);
      });
      sock.setNoDelay(true);
      const reader = new PacketReader(o.onPacket, o.readSnapshot);
      sock.on('data', (chunk: Buffer) => {
        if (!reader.push(chunk)) sock.destroy();
      });
      sock.on('error', () => sock.destroy());
      sock.on('close', () => o.onClose());
      const outbox = new PacketOutbox(sock);
      return {
        send: (p) => outbox.send(p),
        close: () => sock.destroy(),
      };
    } catch (err) {
      lastErr = err;
    }
  }
  throw lastErr instanceof Error
    ? lastErr
    : new Error(`cannot reach leader at ${o.host}:${o.port}`);
}

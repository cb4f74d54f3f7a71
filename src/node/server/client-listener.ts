/**
 * The client port: accepts TCP connections, enforces maxClientCnxns per address, sniffs the
 * four-letter words, frames the byte stream and hands frames to the ZkServer. A bad frame
 * closes that one connection; nothing else is affected.
 */
import net from 'node:net';
import type { Logger } from 'pino';
import { FrameDecoder, FrameError } from '../proto/frame.js';
import type { Clock } from '../../shared/clock.js';
import { Connection } from './connection.js';
import type { ZkServer } from './zk-server.js';

export interface ClientListenerOptions {
  host: string | undefined;
  port: number;
  maxClientCnxnsPerIp: number;
  maxBufferBytes: number;
  /** Whether the first four bytes of a connection, read as a frame length, are a four-letter word. */
  isFourLetterWord(frameLength: number): boolean;
  /** Answers a four-letter word; the text is written and the connection closed. */
  fourLetterWord(word: string, conn: Connection, argument: bigint | undefined): string;
}

export interface ClientListener {
  readonly port: number;
  close(): Promise<void>;
}

export async function startClientListener(
  zk: ZkServer,
  opts: ClientListenerOptions,
  clock: Clock,
  log: Logger,
): Promise<ClientListener> {
  const perIp = new Map<string, number>();
  let nextConnectionId = 1;
  const toFlush = new Set<Connection>();
  let flushScheduled = false;
  const scheduleFlush = (c: Connection): void => {
    toFlush.add(c);
    if (flushScheduled) return;
    flushScheduled = true;
    // After the microtasks already queued: a group-commit batch is applied by promise reactions
    // queued together, so its replies still leave in one write per connection, and they leave
    // before the loop goes on to read and validate more requests (a setImmediate waited for that).
    queueMicrotask(flushAll);
  };
  const flushAll = (): void => {
    flushScheduled = false;
    for (const conn of toFlush) conn.flush();
    toFlush.clear();
  };

  const server = net.createServer({ noDelay: true }, (socket) => {
    const address = normaliseAddress(socket.remoteAddress ?? 'unknown');
    const count = perIp.get(address) ?? 0;
    if (opts.maxClientCnxnsPerIp > 0 && count >= opts.maxClientCnxnsPerIp) {
      log.warn(
        { remote: address, limit: opts.maxClientCnxnsPerIp },
        'too many connections from one address; closing',
      );
      socket.destroy();
      return;
    }
    perIp.set(address, count + 1);
    const conn = new Connection(
      nextConnectionId++,
      socket,
      address,
      socket.remotePort ?? 0,
      clock.wallMs(),
      scheduleFlush,
    );
    zk.attach(conn);
    const decoder = new FrameDecoder(opts.maxBufferBytes);
    let sniffed = false;
    let sniffBuffer: Buffer | undefined;

    const onFrames = (chunk: Buffer): void => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        const reason = err instanceof FrameError ? err.message : String(err);
        log.warn({ remote: address, reason }, 'bad frame length; closing connection');
        conn.close();
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        if (!conn.isOpen) return;
        if (conn.state === 'new') zk.handleConnect(conn, frame);
        else zk.handleRequest(conn, frame);
      }
    };

    socket.on('data', (chunk: Buffer) => {
      if (!conn.isOpen) return;
      if (sniffed) {
        onFrames(chunk);
        return;
      }
      sniffBuffer = sniffBuffer ? Buffer.concat([sniffBuffer, chunk]) : chunk;
      if (sniffBuffer.length < 4) return;
      if (opts.isFourLetterWord(sniffBuffer.readInt32BE(0))) {
        const word = sniffBuffer.toString('latin1', 0, 4);
        // stmk carries the new trace mask as an 8-byte long after the word.
        if (word === 'stmk' && sniffBuffer.length < 12) return;
        sniffed = true;
        conn.stats.packetReceived();
        conn.pauseReading();
        let text: string;
        try {
          text = opts.fourLetterWord(
            word,
            conn,
            word === 'stmk' ? sniffBuffer.readBigInt64BE(4) : undefined,
          );
        } catch (err) {
          log.error({ err: String(err), word }, 'four-letter word failed');
          text = '';
        }
        conn.send(Buffer.from(text, 'utf8'));
        conn.close();
        return;
      }
      sniffed = true;
      const pending = sniffBuffer;
      sniffBuffer = undefined;
      onFrames(pending);
    });
    socket.on('error', (err) =>
      log.debug({ remote: address, err: err.message }, 'connection error'),
    );
    socket.on('close', () => {
      conn.state = 'closed';
      toFlush.delete(conn);
      const left = (perIp.get(address) ?? 1) - 1;
      if (left <= 0) perIp.delete(address);
      else perIp.set(address, left);
      zk.detach(conn);
    });
  });
  server.maxConnections = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: opts.host, port: opts.port, backlog: 511 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const conn of zk.connections.values()) conn.socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** IPv4 clients on a dual-stack socket show up as ::ffff:a.b.c.d; ACLs and limits use a.b.c.d. */
function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

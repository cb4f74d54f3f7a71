/**
 * Dynamic reconfiguration through the ZooKeeper client protocol: one short session that sends a
 * raw `reconfig` request (opcode 16, incremental form) and closes. Kept behind the small
 * Reconfigurer interface so the project's client (src/client/) can replace it when it lands.
 */
import { Socket, connect } from 'node:net';
import { JuteReader, JuteWriter } from '../../node/proto/jute.js';
import { OpCode } from '../../node/proto/opcodes.js';

export interface ReconfigChange {
  /** `server.N=host:quorum:election:participant;client` lines */
  joining?: string[];
  /** server ids */
  leaving?: number[];
}

export interface Reconfigurer {
  reconfig(connectString: string, change: ReconfigChange): Promise<void>;
}

export class ReconfigError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

const AUTH_XID = -4;
const CLOSE_XID = 2;
const RECONFIG_XID = 1;

export interface RawReconfigOptions {
  timeoutMs?: number;
  /** e.g. { scheme: 'digest', auth: 'super:secret' }: Apache allows reconfig to super users only */
  auth?: { scheme: string; auth: string };
}

export function rawReconfigurer(opts: RawReconfigOptions = {}): Reconfigurer {
  return {
    async reconfig(connectString, change) {
      const [host, portText] = splitHostPort(connectString);
      const sock = connect({ host, port: Number(portText) });
      const frames = frameReader(sock, opts.timeoutMs ?? 10_000);
      let sessionOpen = false;
      try {
        await new Promise<void>((resolve, reject) => {
          sock.once('connect', resolve);
          sock.once('error', reject);
        });
        sock.write(
          new JuteWriter()
            .int(0)
            .long(0n)
            .int(10_000)
            .long(0n)
            .buffer(Buffer.alloc(16))
            .bool(false)
            .toFrame(),
        );
        const connectReply = new JuteReader(await frames.next());
        connectReply.int();
        const negotiatedTimeout = connectReply.int();
        if (negotiatedTimeout <= 0) throw new ReconfigError('the server refused the session');
        sessionOpen = true;
        if (opts.auth) {
          sock.write(
            new JuteWriter()
              .int(AUTH_XID)
              .int(OpCode.auth)
              .int(0)
              .string(opts.auth.scheme)
              .buffer(Buffer.from(opts.auth.auth))
              .toFrame(),
          );
          const r = new JuteReader(await frames.next());
          r.int();
          r.long();
          const err = r.int();
          if (err !== 0) throw new ReconfigError(`authentication failed (${err})`, err);
        }
        sock.write(
          new JuteWriter()
            .int(RECONFIG_XID)
            .int(OpCode.reconfig)
            .string(change.joining?.length ? change.joining.join(',') : null)
            .string(change.leaving?.length ? change.leaving.join(',') : null)
            .string(null)
            .long(-1n)
            .toFrame(),
        );
        for (;;) {
          const r = new JuteReader(await frames.next());
          const xid = r.int();
          r.long();
          const err = r.int();
          if (xid !== RECONFIG_XID) continue; // a watch event or ping
          if (err !== 0)
            throw new ReconfigError(`reconfig failed with ZooKeeper error ${err}`, err);
          break;
        }
      } finally {
        frames.stop();
        if (sessionOpen && !sock.destroyed) {
          // Close the session also after a refused reconfig, so that retries do not leave
          // one session per attempt on the server until each expires.
          sock.end(new JuteWriter().int(CLOSE_XID).int(OpCode.closeSession).toFrame());
          setTimeout(() => sock.destroy(), 1000).unref();
        } else sock.destroy();
      }
    },
  };
}

function splitHostPort(s: string): [string, string] {
  const i = s.lastIndexOf(':');
  if (i < 0) throw new ReconfigError(`not host:port: ${s}`);
  return [s.slice(0, i).replace(/^\[|\]$/g, ''), s.slice(i + 1)];
}

/** Length-prefixed frames from a socket, each awaited with a deadline. */
function frameReader(sock: Socket, timeoutMs: number) {
  let pending = Buffer.alloc(0);
  const ready: Buffer[] = [];
  let waiter: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  let failure: Error | undefined;
  const fail = (e: Error) => {
    failure ??= e;
    waiter?.reject(failure);
    waiter = undefined;
  };
  sock.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const len = pending.readInt32BE(0);
      if (len < 0 || len > 16 * 1024 * 1024)
        return fail(new ReconfigError(`bad frame length ${len}`));
      if (pending.length < 4 + len) break;
      ready.push(pending.subarray(4, 4 + len));
      pending = pending.subarray(4 + len);
    }
    if (waiter && ready.length) {
      const w = waiter;
      waiter = undefined;
      w.resolve(ready.shift()!);
    }
  });
  sock.on('error', fail);
  sock.on('close', () => fail(new ReconfigError('connection closed')));
  let timer: NodeJS.Timeout | undefined;
  return {
    next(): Promise<Buffer> {
      if (ready.length) return Promise.resolve(ready.shift()!);
      if (failure) return Promise.reject(failure);
      return new Promise<Buffer>((resolve, reject) => {
        timer = setTimeout(
          () => fail(new ReconfigError('timed out waiting for the server')),
          timeoutMs,
        );
        waiter = {
          resolve: (b) => {
            clearTimeout(timer);
            resolve(b);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        };
      });
    },
    stop() {
      clearTimeout(timer);
    },
  };
}

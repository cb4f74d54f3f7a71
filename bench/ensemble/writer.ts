/**
 * A client that keeps writing through failures, as an application would: each write creates a
 * new node (so every acknowledged write can be looked for afterwards), a write that fails or
 * hangs is given up and the next one is tried, and a lost connection is re-established at once
 * (a fixed short pause, no growing backoff, so the figures measure the servers, not the client)
 * on the next server of the connect string, keeping the session.
 */
import { ZkClient } from '../../src/client/zk-client.js';
import { ErrorCode } from '../../src/node/proto/errors.js';
import { nowMs } from '../load/session.js';

export interface Ack {
  /** Name of the created node under the writer's folder. */
  name: string;
  sentAt: number;
  ackAt: number;
  zxid: bigint;
}

export interface WriterOptions {
  /** Connect string; the first server is tried first. */
  hosts: string;
  /** Existing folder the nodes are created in. */
  dir: string;
  /** Unique per writer; prefixes node names. */
  tag: string;
  /** Writes outstanding at once. */
  inflight: number;
  payloadBytes: number;
  /** A write with no reply after this long is abandoned and the connection dropped. */
  writeTimeoutMs: number;
  sessionTimeoutMs: number;
}

const retryPauseMs = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const epochOf = (zxid: bigint): number => Number(zxid >> 32n);

export class ResilientWriter {
  readonly acks: Ack[] = [];
  /** Error code (or 'timeout') → count. */
  readonly failures = new Map<string, number>();
  reconnects = 0;
  /** Why reconnect attempts failed: message → count (diagnostics for a slow failover). */
  readonly reconnectErrors = new Map<string, number>();
  private client: ZkClient;
  private next = 0;
  private stopped = false;
  private reconnecting: Promise<void> | undefined;
  private readonly payload: Buffer;
  private loops: Promise<void>[] = [];

  private constructor(
    private readonly o: WriterOptions,
    client: ZkClient,
  ) {
    this.client = client;
    this.payload = Buffer.alloc(o.payloadBytes, 0x77);
  }

  static async open(o: WriterOptions): Promise<ResilientWriter> {
    const client = await ZkClient.connect(o.hosts, ResilientWriter.clientOptions(o));
    return new ResilientWriter(o, client);
  }

  private static clientOptions(o: WriterOptions) {
    return {
      sessionTimeoutMs: o.sessionTimeoutMs,
      reconnect: false,
      connectTimeoutMs: Math.min(1000, o.sessionTimeoutMs),
    };
  }

  /** Server the writer is connected to now ('' while reconnecting). */
  get server(): string {
    return this.client.state === 'connected' ? this.client.currentHost : '';
  }

  start(): void {
    for (let i = 0; i < this.o.inflight; i++) this.loops.push(this.loop());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    await this.client.close(2000);
  }

  private fail(kind: string): void {
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (this.client.state !== 'connected') {
        await this.ensureConnected();
        continue;
      }
      const name = `${this.o.tag}-${String(this.next++).padStart(9, '0')}`;
      const sentAt = nowMs();
      let timer: NodeJS.Timeout | undefined;
      const reply = await Promise.race([
        this.client.create(`${this.o.dir}/${name}`, this.payload),
        new Promise<null>((r) => (timer = setTimeout(() => r(null), this.o.writeTimeoutMs))),
      ]);
      clearTimeout(timer);
      if (reply === null) {
        this.fail('timeout');
        this.client.dropConnection();
        continue;
      }
      const err = reply.header.err;
      if (err === ErrorCode.ok) {
        this.acks.push({ name, sentAt, ackAt: nowMs(), zxid: reply.header.zxid });
        continue;
      }
      this.fail(String(err));
      if (err !== ErrorCode.connectionLoss) await sleep(retryPauseMs);
    }
  }

  /** One reconnect at a time, shared by every in-flight loop. */
  private ensureConnected(): Promise<void> {
    this.reconnecting ??= (async () => {
      while (!this.stopped && this.client.state !== 'connected') {
        try {
          if (this.client.state === 'expired') {
            // The session is gone (a slow failover can outlast it): carry on with a new one.
            this.fail('sessionExpired');
            this.client = await ZkClient.connect(
              this.o.hosts,
              ResilientWriter.clientOptions(this.o),
            );
          } else {
            await this.client.reconnect();
          }
          this.reconnects++;
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          this.reconnectErrors.set(why, (this.reconnectErrors.get(why) ?? 0) + 1);
          await sleep(retryPauseMs);
        }
      }
    })().finally(() => (this.reconnecting = undefined));
    return this.reconnecting;
  }
}

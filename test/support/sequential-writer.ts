/**
 * A client that writes sequentially (one create at a time, each a new node) and records which
 * writes were acknowledged: the ensemble tests check that none of those is ever lost. A write
 * whose reply was lost with the connection is "unknown": it may or may not have committed.
 */
import { ErrorCode } from '../../src/node/proto/errors.js';
import { errName, sleep, type ZkClient } from './ensemble-client.js';

export class SequentialWriter {
  readonly acked: string[] = [];
  readonly unknown: string[] = [];
  readonly errors: string[] = [];
  private stopping = false;
  private readonly done: Promise<void>;
  private n = 0;

  constructor(
    private readonly client: ZkClient,
    private readonly parent: string,
    private readonly name: string,
  ) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const path = `${this.parent}/${this.name}-${String(this.n++).padStart(6, '0')}`;
      const r = await this.client.create(path, Buffer.from(`${this.name} ${this.n}`));
      if (r.header.err === 0) this.acked.push(path);
      else {
        if (r.header.err === ErrorCode.connectionLoss) this.unknown.push(path);
        else this.errors.push(`${path}: ${errName(r.header.err)}`);
        // The client is reconnecting; do not spin while it is.
        await sleep(50);
      }
    }
  }

  /** Resolves once at least n writes have been acknowledged (throws after timeoutMs). */
  async waitAcked(n: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.acked.length < n) {
      if (Date.now() > deadline)
        throw new Error(
          `${this.name}: only ${this.acked.length} of ${n} writes acknowledged in ${timeoutMs} ms (client ${this.client.state}, errors ${this.errors.slice(-3).join('; ')})`,
        );
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
  }
}

/**
 * The request pipeline of one server: validate → log → apply → reply, in arrival order.
 *
 * Every job (client read or write, session create/close, container reaping) enters one FIFO.
 * Writes are validated and handed to the committer at once, so many can wait for the same
 * fsync (group commit); the FIFO head is only applied when its txn is durable, and reads queued
 * behind it wait for it. That gives Apache ZooKeeper's standalone ordering: replies on a
 * connection leave in request order, and a read sees every write that arrived before it.
 */
import type { LoggedTxn } from '../proto/types.js';

/** Makes txns durable (standalone: the txn log; ensemble: a quorum of logs). */
export interface Committer {
  /** Resolves once `t` may be applied; rejects if it never will be (disk fault, lost leadership). */
  commit(t: LoggedTxn): Promise<void>;
}

export interface WriteJob {
  kind: 'write';
  /** Builds the txn at the moment it is validated, with the zxid it is given. */
  prepare(zxid: bigint): LoggedTxn;
  /** Called in zxid order with the txn once it is committed; applies and replies. */
  apply(t: LoggedTxn): void;
  /** Called when the txn could not be committed; the job must answer its client. */
  fail(err: Error): void;
}

export interface ReadJob {
  kind: 'read';
  run(): void;
}

/**
 * A write that another server (the leader) orders: it waits in the FIFO, like a local write,
 * until `complete` is called for it (its txn was committed and applied), then `run` answers.
 */
export interface RemoteJob {
  kind: 'remote';
  run(): void;
}

export type Job = WriteJob | ReadJob | RemoteJob;

interface Slot {
  job: Job;
  txn: LoggedTxn | undefined;
  state: 'waiting' | 'durable' | 'failed';
  error: Error | undefined;
  /** Failed only because an earlier txn failed: answer, but do not roll back again. */
  cascaded: boolean;
}

export interface PipelineHooks {
  /** The zxid of the last txn handed out; the next write takes this + 1. */
  lastZxid(): bigint;
  /** Called once a txn was prepared, before it is committed (pending-change tracking). */
  prepared(t: LoggedTxn): void;
  /** Called when commits failed: everything prepared after `lastGoodZxid` was dropped. */
  rolledBack(lastGoodZxid: bigint): void;
}

const noop = (): void => undefined;

export class Pipeline {
  /** Slots before `head` are done and emptied (undefined), so what they held can be collected young. */
  private readonly slots: (Slot | undefined)[] = [];
  private head = 0;
  private nextZxid: bigint;
  private lastDurableZxid: bigint;
  private draining = false;
  /** The newest commit promise and the slots waiting on it. */
  private lastCommit: { committed: Promise<void>; slots: Slot[] } | null = null;

  constructor(
    private readonly committer: Committer,
    private readonly hooks: PipelineHooks,
    /** The first write takes this + 1 (a new leader starts at its epoch's zxid 0). */
    startZxid: bigint = hooks.lastZxid(),
  ) {
    this.nextZxid = startZxid + 1n;
    this.lastDurableZxid = startZxid;
  }

  /** Jobs submitted and not yet completed. */
  get outstanding(): number {
    return this.slots.length - this.head;
  }

  /** For a remote job, returns the function that releases it; otherwise a no-op. */
  submit(job: Job): () => void {
    const slot: Slot = { job, txn: undefined, state: 'durable', error: undefined, cascaded: false };
    let release = noop;
    if (job.kind === 'remote') {
      slot.state = 'waiting';
      release = () => {
        if (slot.state !== 'waiting') return;
        slot.state = 'durable';
        this.drain();
      };
    } else if (job.kind === 'write') {
      const t = job.prepare(this.nextZxid++);
      slot.txn = t;
      slot.state = 'waiting';
      this.hooks.prepared(t);
      this.awaitCommit(slot, this.committer.commit(t));
    }
    this.slots.push(slot);
    this.drain();
    return release;
  }

  /**
   * One reaction per commit promise, not per txn: a group commit hands every txn of a batch
   * the same promise, so a batch costs one promise reaction instead of hundreds.
   */
  private awaitCommit(slot: Slot, committed: Promise<void>): void {
    const group = this.lastCommit;
    if (group !== null && group.committed === committed) {
      group.slots.push(slot);
      return;
    }
    const next = { committed, slots: [slot] };
    this.lastCommit = next;
    committed.then(
      () => this.settle(next.slots, 'durable', undefined),
      (err: unknown) =>
        this.settle(next.slots, 'failed', err instanceof Error ? err : new Error(String(err))),
    );
  }

  private settle(slots: Slot[], state: 'durable' | 'failed', error: Error | undefined): void {
    if (this.lastCommit?.slots === slots) this.lastCommit = null;
    for (const slot of slots) {
      if (slot.state !== 'waiting') continue;
      slot.state = state;
      slot.error = error;
    }
    this.drain();
  }

  private drain(): void {
    if (this.draining) return; // re-entered from a job's callback: the outer loop continues
    this.draining = true;
    try {
      while (this.head < this.slots.length) {
        const slot = this.slots[this.head]!;
        if (slot.state === 'waiting') break;
        // Dropped now rather than when the array is next trimmed (every ~1000 jobs): held that
        // long, a job with its txn, closures and data outlived a scavenge or two and was
        // promoted, which made scavenges slow and mark-compacts frequent.
        this.slots[this.head] = undefined;
        this.head++;
        this.run(slot);
      }
      if (this.head > 1024 && this.head * 2 > this.slots.length) {
        this.slots.splice(0, this.head);
        this.head = 0;
      }
    } finally {
      this.draining = false;
    }
  }

  private run(slot: Slot): void {
    const { job } = slot;
    if (job.kind === 'read' || job.kind === 'remote') {
      job.run();
      return;
    }
    const t = slot.txn!;
    if (slot.state === 'failed') {
      if (slot.cascaded) (job as WriteJob).fail(slot.error!);
      else this.failFrom(slot);
      return;
    }
    this.lastDurableZxid = t.header.zxid;
    job.apply(t);
  }

  /**
   * A commit failed. Txns after it were validated against its effects, so none of them may be
   * applied either: fail every waiting write, and hand out zxids again from the last durable one.
   */
  private failFrom(failed: Slot): void {
    const error = failed.error ?? new Error('commit failed');
    (failed.job as WriteJob).fail(error);
    for (let i = this.head; i < this.slots.length; i++) {
      const slot = this.slots[i]!;
      if (slot.job.kind === 'write' && slot.state !== 'failed') {
        slot.state = 'failed';
        slot.error = error;
        slot.cascaded = true;
      } else if (slot.state === 'failed') {
        slot.cascaded = true;
      }
    }
    this.nextZxid = this.lastDurableZxid + 1n;
    this.hooks.rolledBack(this.lastDurableZxid);
  }
}

/**
 * The leader's runtime shell: the pure Zab leader machine behind the request pipeline's
 * `Committer`. `commit(t)` proposes t and resolves once a quorum has acked it (in zxid order);
 * the pipeline then applies it. Sockets (quorum port) and the txn log come in as ports so the
 * same shell runs over real I/O or in-process tests.
 */
import type { Clock } from '../../shared/clock.js';
import type { Random } from '../../shared/prng.js';
import type { LoggedTxn } from '../proto/types.js';
import {
  leaderStep,
  type LeaderInput,
  type LeaderOutput,
  type LeaderStart,
  type LeaderState,
} from '../quorum/zab/leader.js';
import type { ForwardedWrite } from '../quorum/zab/types.js';
import type { QuorumPacket } from '../quorum/wire/quorum-packet.js';
import type { Committer } from './pipeline.js';
import { deferred, type Deferred } from '../../shared/deferred.js';
import { GroupCommitReports } from './group-commit-reports.js';

export interface LeaderPorts {
  send(conn: number, packet: QuorumPacket): void;
  /** Write the snapshot stream (sessions + tree at `zxid`) right after the SNAP packet. */
  sendSnapshot(
    conn: number,
    zxid: bigint,
    sessions: Array<{ sessionId: bigint; timeoutMs: number }>,
  ): void;
  close(conn: number, reason: string): void;
  /**
   * Append to the txn log; resolves with the last zxid once fsynced. Txns of one group commit
   * may get the same promise (resolving with the highest of them).
   */
  persist(txns: LoggedTxn[]): Promise<bigint>;
  /** Atomic and durable before it returns (temp file + rename + fsync). */
  writeEpoch(which: 'acceptedEpoch' | 'currentEpoch', epoch: number): void;
  /** Serving may start; new proposals use zxids after `lastZxid`. */
  established(epoch: number, lastZxid: bigint): void;
  learnerRequest(conn: number, request: ForwardedWrite): void;
  expireSession(sessionId: bigint): void;
  /** A config was committed (reconfig, or the first epoch's version): activate it. */
  activateConfig?(zxid: bigint, configText: string, designatedLeader: bigint): void;
  /** Leadership is over: go back to election. */
  shutdown(reason: string): void;
}

interface CommitBatch {
  /** The zxid of the newest txn in the batch. */
  lastZxid: bigint;
  /** Rejected when leadership ends; by then its waiters may be gone, so quietly. */
  readonly settled: Deferred;
}

export class QuorumLeader implements Committer {
  private state: LeaderState | null = null;
  /** Uncommitted batches in zxid order; the newest may still be open. */
  private readonly batches: CommitBatch[] = [];
  /** The batch that txns proposed in this turn of the event loop join. */
  private openBatch: CommitBatch | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerAtMs = Number.NaN;
  private ended: Error | null = null;
  private readonly persistReports = new GroupCommitReports(
    (upTo) => this.input({ kind: 'persisted', upTo }),
    (err) => this.end(err),
  );

  constructor(
    private readonly ports: LeaderPorts,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  start(init: Omit<LeaderStart, 'kind'>): void {
    this.input({ kind: 'start', ...init });
  }

  get current(): LeaderState | null {
    return this.state;
  }

  learnerConnected(conn: number): void {
    this.input({ kind: 'learner-connected', conn });
  }

  learnerPacket(conn: number, packet: QuorumPacket): void {
    this.input({ kind: 'learner-packet', conn, packet });
  }

  learnerDisconnected(conn: number): void {
    this.input({ kind: 'learner-disconnected', conn });
  }

  touchSession(sessionId: bigint, timeoutMs: number, claim = false): void {
    this.input({ kind: 'touch-session', sessionId, timeoutMs, claim });
  }

  /**
   * Txns proposed in one turn of the event loop share one promise, settled when the last of
   * them is committed: the pipeline then reacts once per batch rather than once per txn (the
   * same shape as a standalone group commit). Commits are in zxid order, so the earlier txns
   * of a batch are committed by then too.
   */
  commit(t: LoggedTxn): Promise<void> {
    if (this.ended !== null) return Promise.reject(this.ended);
    try {
      this.input({ kind: 'propose', txn: t });
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (this.ended !== null) return Promise.reject(this.ended);
    let batch = this.openBatch;
    if (batch === null) {
      batch = { lastZxid: -1n, settled: deferred(true) };
      this.openBatch = batch;
      this.batches.push(batch);
      const opened = batch;
      queueMicrotask(() => {
        if (this.openBatch === opened) this.openBatch = null;
      });
    }
    batch.lastZxid = t.header.zxid;
    return batch.settled.promise;
  }

  stop(reason: string): void {
    this.end(new Error(reason));
  }

  private input(i: LeaderInput): void {
    if (this.ended !== null && i.kind !== 'start') return;
    const r = leaderStep(this.state, i, this.clock.monotonicMs(), this.random);
    this.state = r.state;
    for (const o of r.outputs) this.output(o);
  }

  private output(o: LeaderOutput): void {
    switch (o.kind) {
      case 'send':
        return this.ports.send(o.conn, o.packet);
      case 'send-snapshot':
        return this.ports.sendSnapshot(o.conn, o.zxid, o.sessions);
      case 'close':
        return this.ports.close(o.conn, o.reason);
      case 'write-epoch':
        return this.ports.writeEpoch(o.which, o.epoch);
      case 'persist':
        this.persistReports.watch(this.ports.persist(o.txns));
        return;
      case 'apply': {
        const zxid = o.txn.header.zxid;
        let settled = 0;
        while (settled < this.batches.length && this.batches[settled]!.lastZxid <= zxid) {
          const batch = this.batches[settled++]!;
          if (this.openBatch === batch) this.openBatch = null;
          batch.settled.resolve();
        }
        if (settled > 0) this.batches.splice(0, settled);
        return;
      }
      case 'established':
        return this.ports.established(o.epoch, o.lastZxid);
      case 'learner-request':
        return this.ports.learnerRequest(o.conn, o.request);
      case 'expire-session':
        return this.ports.expireSession(o.sessionId);
      case 'activate-config':
        return this.ports.activateConfig?.(o.zxid, o.configText, o.designatedLeader);
      case 'shutdown':
        this.end(new Error(o.reason));
        return;
      case 'wake-at': {
        // Most inputs repeat the same deadline: keep the timer rather than re-arm it each time.
        if (o.atMs === this.timerAtMs && (this.timer !== null || !Number.isFinite(o.atMs))) return;
        this.timerAtMs = o.atMs;
        if (this.timer !== null) clearTimeout(this.timer);
        const delay = Number.isFinite(o.atMs)
          ? Math.max(0, o.atMs - this.clock.monotonicMs())
          : null;
        this.timer =
          delay === null
            ? null
            : setTimeout(() => {
                this.timer = null;
                this.timerAtMs = Number.NaN;
                this.input({ kind: 'tick' });
              }, delay);
        return;
      }
    }
  }

  /** Every txn not yet committed fails: its client gets no success. */
  private end(err: Error): void {
    if (this.ended !== null) return;
    this.ended = err;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const batch of this.batches) batch.settled.reject(err);
    this.batches.length = 0;
    this.openBatch = null;
    this.ports.shutdown(err.message);
  }
}

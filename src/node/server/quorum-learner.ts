/**
 * The follower/observer runtime shell: the pure Zab learner machine wired to a leader link,
 * the txn log and the tree through ports; timers come from the wake-at outputs.
 */
import type { Clock } from '../../shared/clock.js';
import type { Random } from '../../shared/prng.js';
import type { LoggedTxn } from '../proto/types.js';
import type { QuorumPacket } from '../quorum/wire/quorum-packet.js';
import {
  learnerStep,
  type LearnerInput,
  type LearnerOutput,
  type LearnerStart,
  type LearnerState,
} from '../quorum/zab/learner.js';
import type { ForwardedWrite } from '../quorum/zab/types.js';
import { GroupCommitReports } from './group-commit-reports.js';

export interface LearnerPorts {
  send(packet: QuorumPacket): void;
  /** Append to the txn log; resolves with the last zxid once fsynced. */
  persist(txns: LoggedTxn[]): Promise<bigint>;
  /** Committed txn, in zxid order: apply to the tree and answer a local client if it is ours. */
  apply(txn: LoggedTxn): void;
  writeEpoch(which: 'acceptedEpoch' | 'currentEpoch', epoch: number): void;
  /**
   * TRUNC: cut the log after zxid and rebuild the tree from disk. Nothing else happens (no
   * packet is handled, no output is carried out) until the promise settles.
   */
  truncateLog(zxid: bigint): Promise<void>;
  /** Durable before the machine goes on: NEWLEADER is acked right after it. */
  takeSnapshot(zxid: bigint): Promise<void>;
  serving(epoch: number): void;
  syncDone(): void;
  revalidated(sessionId: bigint, valid: boolean): void;
  activateConfig(zxid: bigint, designatedLeader: bigint): void;
  /** Following is over: close the link and go back to election. */
  shutdown(reason: string): void;
}

export class QuorumLearner {
  private state: LearnerState | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerAtMs = Number.NaN;
  private ended = false;
  private readonly persistReports = new GroupCommitReports(
    (upTo) => this.input({ kind: 'persisted', upTo }),
    (err) => this.finish(`txn log write failed: ${err.message}`),
  );
  /** While a port's async work runs, inputs wait here in order. */
  private blocked = false;
  private readonly waitingInputs: LearnerInput[] = [];

  constructor(
    private readonly ports: LearnerPorts,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  get current(): LearnerState | null {
    return this.state;
  }

  start(init: Omit<LearnerStart, 'kind'>): void {
    this.input({ kind: 'start', ...init });
  }

  connected(): void {
    this.input({ kind: 'connected' });
  }

  /** For SNAP, call after the snapshot that followed it has been loaded. */
  packet(packet: QuorumPacket): void {
    this.input({ kind: 'packet', packet });
  }

  disconnected(): void {
    this.input({ kind: 'disconnected' });
  }

  touchSession(sessionId: bigint, timeoutMs: number): void {
    this.input({ kind: 'touch-session', sessionId, timeoutMs });
  }

  forward(request: ForwardedWrite): void {
    this.input({ kind: 'forward', request });
  }

  revalidate(sessionId: bigint, timeoutMs: number): void {
    this.input({ kind: 'revalidate', sessionId, timeoutMs });
  }

  stop(): void {
    this.ended = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private input(i: LearnerInput): void {
    if (this.ended) return;
    if (this.blocked) {
      this.waitingInputs.push(i);
      return;
    }
    const r = learnerStep(this.state, i, this.clock.monotonicMs(), this.random);
    this.state = r.state;
    this.carryOut(r.outputs, 0);
  }

  /** Outputs in order; one that returns a promise holds back the rest and every new input. */
  private carryOut(outputs: LearnerOutput[], from: number): void {
    for (let k = from; k < outputs.length; k++) {
      const pending = this.output(outputs[k]!);
      if (pending === undefined) continue;
      this.blocked = true;
      pending.then(
        () => {
          this.blocked = false;
          this.carryOut(outputs, k + 1);
          while (!this.blocked && !this.ended && this.waitingInputs.length > 0)
            this.input(this.waitingInputs.shift()!);
        },
        (err: unknown) => this.finish(`sync step failed: ${String(err)}`),
      );
      return;
    }
  }

  private output(o: LearnerOutput): Promise<void> | undefined {
    if (this.ended) return undefined;
    switch (o.kind) {
      case 'send':
        this.ports.send(o.packet);
        return undefined;
      case 'persist':
        this.persistReports.watch(this.ports.persist(o.txns));
        return undefined;
      case 'apply':
        this.ports.apply(o.txn);
        return undefined;
      case 'write-epoch':
        this.ports.writeEpoch(o.which, o.epoch);
        return undefined;
      case 'truncate-log':
        return this.ports.truncateLog(o.zxid);
      case 'take-snapshot':
        return this.ports.takeSnapshot(o.zxid);
      case 'serving':
        this.ports.serving(o.epoch);
        return undefined;
      case 'sync-done':
        this.ports.syncDone();
        return undefined;
      case 'revalidated':
        this.ports.revalidated(o.sessionId, o.valid);
        return undefined;
      case 'activate-config':
        this.ports.activateConfig(o.zxid, o.designatedLeader);
        return undefined;
      case 'shutdown':
        this.finish(o.reason);
        return undefined;
      case 'wake-at': {
        // Every packet from the leader moves the read deadline a little later. An armed timer
        // that fires no later than asked is kept: its early tick is harmless (the machine
        // checks the deadline and asks again), and re-arming per packet cost a timer-list
        // removal and insertion each time.
        if (this.timer !== null && this.timerAtMs <= o.atMs) return undefined;
        this.timerAtMs = o.atMs;
        if (this.timer !== null) clearTimeout(this.timer);
        this.timer = setTimeout(
          () => {
            this.timer = null;
            this.timerAtMs = Number.NaN;
            this.input({ kind: 'tick' });
          },
          Math.max(0, o.atMs - this.clock.monotonicMs()),
        );
        return undefined;
      }
    }
  }

  private finish(reason: string): void {
    this.stop();
    this.ports.shutdown(reason);
  }
}

/**
 * Drives the pure FLE machine from an ElectionNet and the wall clock: received frames become
 * `notification` inputs, wake-at outputs become timers, send outputs become frames.
 */
import { EventEmitter } from 'node:events';
import type { Random } from '../../shared/prng.js';
import {
  electionStep,
  initialElectionState,
  type ElectionConfig,
  type ElectionInput,
  type ElectionOutput,
  type ElectionState,
} from '../quorum/election/fle.js';
import type { Vote } from '../quorum/election/vote.js';
import { decodeNotification, encodeNotification, PeerState } from '../quorum/wire/notification.js';
import type { ElectionNet } from './quorum-election-net.js';

export interface Decision {
  state: PeerState.LEADING | PeerState.FOLLOWING | PeerState.OBSERVING;
  vote: Vote;
  electionTimeMs: number;
}

export class ElectionDriver extends EventEmitter<{
  decided: [Decision];
  /** A newer committed config came with a notification (reconfig): activate it. */
  config: [string];
  warn: [string];
  /** Every notification in ('in') and out ('out'), for debug logs. */
  traffic: ['in' | 'out', bigint, unknown];
}> {
  private state: ElectionState;
  private timer: NodeJS.Timeout | null = null;
  private startedAtMs = 0;
  /**
   * Between leaving a role and the next look(): the tree is being rebuilt, so our vote is stale.
   * Notifications are dropped (peers re-send) and no timer runs, so nothing is decided on it.
   */
  private idle = false;

  constructor(
    private readonly net: ElectionNet,
    config: ElectionConfig,
    private readonly now: () => number,
    private readonly random: Random,
  ) {
    super();
    this.state = initialElectionState(config, now());
    net.on('message', (from, payload) => {
      const n = decodeNotification(payload);
      if (n === null) this.emit('warn', `undecodable notification from ${from}`);
      else if (!this.idle) {
        this.emit('traffic', 'in', from, n);
        this.input({ kind: 'notification', from, n });
      }
    });
    net.on('peer-up', (sid) => this.input({ kind: 'peer-up', sid }));
    net.on('peer-down', (sid) => this.input({ kind: 'peer-down', sid }));
  }

  get current(): ElectionState {
    return this.state;
  }

  /** Starts (or restarts) looking for a leader. */
  look(lastLoggedZxid: bigint, currentEpoch: bigint, proposedLeader?: bigint): void {
    this.startedAtMs = this.now();
    this.idle = false;
    this.input({ kind: 'start', lastLoggedZxid, currentEpoch, proposedLeader });
  }

  /** After sync: peers asking us are told the new epoch. */
  updateEpoch(peerEpoch: bigint): void {
    this.input({ kind: 'update-epoch', peerEpoch });
  }

  /** A committed reconfig: who votes now, and the config text our notifications carry. */
  setConfig(config: ElectionConfig): void {
    this.input({ kind: 'set-config', config });
  }

  stopServing(): void {
    this.input({ kind: 'stop-serving' });
    this.idle = true;
    this.close();
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private input(i: ElectionInput): void {
    if (this.idle && i.kind === 'tick') return;
    const r = electionStep(this.state, i, this.now(), this.random);
    this.state = r.state;
    for (const o of r.outputs) this.output(o);
  }

  private output(o: ElectionOutput): void {
    switch (o.kind) {
      case 'send':
        if (this.idle) return; // a stale vote must not sway peers while we rebuild
        this.emit('traffic', 'out', o.to, o.n);
        this.net.send(o.to, encodeNotification(o.n));
        return;
      case 'connect':
        // A send to an unconnected peer dials it; re-sending is how the machine asks.
        return;
      case 'adopt-config':
        this.emit('config', o.configText);
        return;
      case 'decided':
        this.close();
        this.emit('decided', {
          state: o.state,
          vote: o.vote,
          electionTimeMs: this.now() - this.startedAtMs,
        });
        return;
      case 'wake-at': {
        if (this.timer !== null) clearTimeout(this.timer);
        this.timer = setTimeout(
          () => {
            this.timer = null;
            this.input({ kind: 'tick' });
          },
          Math.max(0, o.atMs - this.now()),
        );
        return;
      }
    }
  }
}

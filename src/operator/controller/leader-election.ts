/**
 * Lease-based leader election (coordination.k8s.io/v1), as client-go's leaderelection does:
 * acquire the Lease when it is free or expired, renew it every retry period, and give up
 * leadership when a renewal has not succeeded within the renew deadline. Optimistic
 * concurrency (resourceVersion) makes two candidates racing for one Lease safe.
 */
import type { Logger } from 'pino';
import type { Kube } from './kube.js';
import { KubeError } from './kube.js';

export interface LeaderElectionOptions {
  kube: Kube;
  namespace: string;
  name: string;
  identity: string;
  log: Logger;
  leaseDurationS?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  now?: () => Date;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaderElector {
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenewMs = 0;
  private leading = false;

  constructor(private readonly o: LeaderElectionOptions) {}

  private get path() {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.o.namespace}/leases`;
  }

  /** Resolves once this candidate leads; onLost is called if leadership is lost later. */
  async run(onLost: () => void): Promise<void> {
    const retry = this.o.retryPeriodMs ?? 2000;
    const deadline = this.o.renewDeadlineMs ?? 10_000;
    for (;;) {
      if (this.stopped) throw new Error('leader election stopped');
      if (await this.tryAcquireOrRenew()) break;
      await new Promise((r) => (this.timer = setTimeout(r, retry)));
    }
    this.leading = true;
    this.o.log.info({ lease: this.o.name, identity: this.o.identity }, 'became leader');
    const renew = async () => {
      if (this.stopped) return;
      const ok = await this.tryAcquireOrRenew();
      const nowMs = this.now().getTime();
      if (!ok && nowMs - this.lastRenewMs > deadline) {
        this.leading = false;
        this.o.log.error({ lease: this.o.name }, 'lost leadership');
        onLost();
        return;
      }
      this.timer = setTimeout(() => void renew(), retry);
    };
    this.timer = setTimeout(() => void renew(), retry);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Stops renewing and, when leading, releases the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.o.kube.get<Lease>(`${this.path}/${this.o.name}`);
      if (lease?.spec?.holderIdentity === this.o.identity) {
        await this.o.kube.request('PUT', `${this.path}/${this.o.name}`, {
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 },
        });
      }
    } catch (err) {
      this.o.log.warn({ err }, 'could not release the lease');
    }
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    const durationS = this.o.leaseDurationS ?? 15;
    try {
      const lease = await this.o.kube.get<Lease>(`${this.path}/${this.o.name}`);
      if (!lease) {
        await this.o.kube.request('POST', this.path, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec: {
            holderIdentity: this.o.identity,
            leaseDurationSeconds: durationS,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        this.lastRenewMs = now.getTime();
        return true;
      }
      const spec = lease.spec ?? {};
      const mine = spec.holderIdentity === this.o.identity;
      const renewedMs = spec.renewTime ? Date.parse(spec.renewTime) : 0;
      const expired =
        !spec.holderIdentity ||
        renewedMs + (spec.leaseDurationSeconds ?? durationS) * 1000 < now.getTime();
      if (!mine && !expired) return false;
      await this.o.kube.request('PUT', `${this.path}/${this.o.name}`, {
        ...lease,
        spec: {
          holderIdentity: this.o.identity,
          leaseDurationSeconds: durationS,
          acquireTime: mine ? spec.acquireTime : microTime(now),
          renewTime: microTime(now),
          leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
        },
      });
      this.lastRenewMs = now.getTime();
      return true;
    } catch (err) {
      if (!(err instanceof KubeError && err.status === 409))
        this.o.log.warn({ err: String(err) }, 'lease acquire/renew failed');
      return false;
    }
  }
}

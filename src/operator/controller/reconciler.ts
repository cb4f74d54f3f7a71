/**
 * One reconcile of one ensemble: read → desired children (specs/) → observe members → plan
 * (plan/) → act → status. Level-based and idempotent: after a crash or restart the next
 * reconcile continues from what it finds.
 */
import type { Logger } from 'pino';
import {
  API_GROUP_VERSION,
  PLURAL,
  resolveEnsemble,
  validateSpec,
  type ResolvedEnsemble,
  type ZooKeeperEnsemble,
  type ZooKeeperEnsembleStatus,
} from '../api/index.js';
import {
  computeStatus,
  planNext,
  quorumHealth,
  type Action,
  type Observed,
  type ObservedMember,
  type Plan,
} from '../plan/index.js';
import {
  FIELD_MANAGER,
  FINALIZER,
  childrenFor,
  names,
  podOrdinal,
  selectorString,
  serverLine,
  unwantedChildren,
} from '../specs/index.js';
import type { EventRecorder } from './events.js';
import { KubeError, objectPath, type Kube } from './kube.js';
import { memberAddress, readMemberState, requestYield, type MemberState } from './members.js';
import type { OperatorMetrics } from './metrics.js';
import type { Reconfigurer } from './reconfig.js';

export interface ReconcilerDeps {
  kube: Kube;
  log: Logger;
  events: EventRecorder;
  metrics: OperatorMetrics;
  reconfigurer: Reconfigurer;
  memberAddressTemplate: string;
  now: () => Date;
  /** how soon to look again while a step is in progress */
  pollIntervalMs?: number;
  /** how soon to look again when all is stable (roles change without Kubernetes events) */
  resyncIntervalMs?: number;
}

export interface ReconcileResult {
  requeueAfterMs?: number;
}

interface PodLike {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    creationTimestamp?: string;
  };
  spec?: { containers?: { name: string; image?: string }[] };
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
}

interface StatefulSetLike {
  metadata: { generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; updateRevision?: string };
}

const ensemblePath = (ns: string, name?: string) =>
  `/apis/${API_GROUP_VERSION}/namespaces/${ns}/${PLURAL}${name ? `/${name}` : ''}`;

export async function reconcile(
  d: ReconcilerDeps,
  namespace: string,
  name: string,
): Promise<ReconcileResult> {
  const poll = d.pollIntervalMs ?? 3000;
  const resync = d.resyncIntervalMs ?? 30_000;
  const log = d.log.child({ ensemble: `${namespace}/${name}` });
  const cr = await d.kube.get<ZooKeeperEnsemble>(ensemblePath(namespace, name));
  if (!cr) {
    d.metrics.membersReady.remove({ namespace, ensemble: name });
    d.metrics.quorumPresent.remove({ namespace, ensemble: name });
    return {};
  }
  const desired = resolveEnsemble(cr);

  if (cr.metadata.deletionTimestamp) {
    await finalize(d, cr, desired, log);
    return {};
  }
  if (!(cr.metadata.finalizers ?? []).includes(FINALIZER)) {
    await d.kube.request(
      'PATCH',
      ensemblePath(namespace, name),
      {
        metadata: {
          finalizers: [...(cr.metadata.finalizers ?? []), FINALIZER],
          resourceVersion: cr.metadata.resourceVersion,
        },
      },
      'application/merge-patch+json',
    );
  }

  const generation = cr.metadata.generation ?? 0;
  const invalid = validateSpec(desired.spec);
  if (invalid.length > 0) {
    const message = invalid.join('; ');
    await d.events.record(cr.metadata, 'Warning', 'InvalidSpec', message);
    const observed = await observe(d, desired);
    await writeStatus(
      d,
      cr,
      computeStatus({
        observed: observed.observed,
        desired,
        generation,
        previous: cr.status,
        now: d.now().toISOString(),
        error: { reason: 'InvalidSpec', message },
      }),
    );
    return {};
  }

  const { observed, addresses } = await observe(d, desired);
  const plan = planNext(observed, desired);
  let error: { reason: string; message: string } | undefined;
  try {
    await act(d, cr, desired, observed, plan, addresses, log);
  } catch (err) {
    error = { reason: 'ReconcileError', message: String(err instanceof Error ? err.message : err) };
    await d.events.record(cr.metadata, 'Warning', 'ReconcileError', error.message);
  }
  const status = computeStatus({
    observed,
    desired,
    generation,
    plan,
    previous: cr.status,
    now: d.now().toISOString(),
    ...(error ? { error } : {}),
  });
  await writeStatus(d, cr, status);
  d.metrics.membersReady.set({ namespace, ensemble: name }, status.readyReplicas ?? 0);
  d.metrics.quorumPresent.set(
    { namespace, ensemble: name },
    quorumHealth(observed).healthy ? 1 : 0,
  );
  if (error) throw new Error(error.message);
  const busy = plan.phase !== 'Stable' || plan.actions.some((a) => a.type !== 'applyChildren');
  return { requeueAfterMs: busy ? poll : resync };
}

async function observe(
  d: ReconcilerDeps,
  e: ResolvedEnsemble,
): Promise<{ observed: Observed; addresses: Map<string, { admin: string; client: string }> }> {
  const ns = e.metadata.namespace;
  const name = e.metadata.name;
  const sel = encodeURIComponent(selectorString(name));
  const [sts, pods, pvcs] = await Promise.all([
    d.kube.get<StatefulSetLike>(objectPath('apps/v1', 'StatefulSet', ns, names.statefulSet(name))),
    d.kube.request<{ items: PodLike[] }>(
      'GET',
      `${objectPath('v1', 'Pod', ns)}?labelSelector=${sel}`,
    ),
    d.kube.request<{ items: { metadata: { name: string } }[] }>(
      'GET',
      `${objectPath('v1', 'PersistentVolumeClaim', ns)}?labelSelector=${sel}`,
    ),
  ]);
  const updateRevision = sts?.status?.updateRevision;
  const addresses = new Map<string, { admin: string; client: string }>();
  const members: ObservedMember[] = [];
  const states = await Promise.all(
    pods.items.map(async (pod) => {
      const ordinal = podOrdinal(name, pod.metadata.name);
      if (ordinal === undefined) return undefined;
      const vars = {
        pod: pod.metadata.name,
        ensemble: name,
        namespace: ns,
        podIP: pod.status?.podIP,
      };
      const probe = async (template: string) => {
        const admin = memberAddress(template, { ...vars, port: e.spec.ports.admin });
        const client = memberAddress(template, { ...vars, port: e.spec.ports.client });
        if (!admin || !client) return undefined;
        const state = await readMemberState(admin);
        return { state, admin, client };
      };
      let got = await probe(d.memberAddressTemplate);
      // Outside the cluster the headless names do not resolve: fall back to the pod's IP.
      if ((!got || got.state.role === 'unknown') && !d.memberAddressTemplate.includes('{podIP}'))
        got = (await probe('{podIP}:{port}')) ?? got;
      return { pod, ordinal, got };
    }),
  );
  let leaderState: MemberState | undefined;
  for (const s of states) {
    if (!s) continue;
    const { pod, ordinal, got } = s;
    if (got) addresses.set(pod.metadata.name, { admin: got.admin, client: got.client });
    const state = got?.state ?? { role: 'unknown' as const };
    if (state.role === 'leader') leaderState = state;
    const m: ObservedMember = {
      ordinal,
      pod: pod.metadata.name,
      ready:
        pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      terminating: pod.metadata.deletionTimestamp !== undefined,
      upToDate:
        !updateRevision || pod.metadata.labels?.['controller-revision-hash'] === updateRevision,
      role: state.role,
      createdAtMs: pod.metadata.creationTimestamp
        ? Date.parse(pod.metadata.creationTimestamp)
        : d.now().getTime(),
    };
    const image = pod.spec?.containers?.find((c) => c.name === 'zkts')?.image;
    if (image) m.image = image;
    if (state.zxid !== undefined) m.zxid = state.zxid;
    members.push(m);
  }
  const observed: Observed = {
    nowMs: d.now().getTime(),
    statefulSetExists: sts !== undefined,
    statefulSetReplicas: sts?.spec?.replicas ?? 0,
    statefulSetSettled: (sts?.status?.observedGeneration ?? -1) >= (sts?.metadata.generation ?? 0),
    members: members.sort((a, b) => a.ordinal - b.ordinal),
    pvcOrdinals: pvcs.items
      .map((p) => {
        const prefix = `data-${name}-`;
        return p.metadata.name.startsWith(prefix)
          ? podOrdinal(name, p.metadata.name.slice('data-'.length))
          : undefined;
      })
      .filter((o): o is number => o !== undefined),
  };
  if (leaderState?.votingServerIds) observed.votingServerIds = leaderState.votingServerIds;
  if (leaderState?.syncedFollowers !== undefined)
    observed.syncedFollowers = leaderState.syncedFollowers;
  return { observed, addresses };
}

async function act(
  d: ReconcilerDeps,
  cr: ZooKeeperEnsemble,
  e: ResolvedEnsemble,
  o: Observed,
  plan: Plan,
  addresses: Map<string, { admin: string; client: string }>,
  log: Logger,
): Promise<void> {
  const ns = e.metadata.namespace;
  const name = e.metadata.name;
  for (const a of plan.actions) {
    if (a.type !== 'wait') d.metrics.actions.inc({ action: a.type });
    switch (a.type) {
      case 'applyChildren': {
        const memberMeta = { ...e, metadata: { ...e.metadata, uid: cr.metadata.uid ?? '' } };
        for (const child of childrenFor(memberMeta, a.memberCount)) {
          const path = objectPath(child.apiVersion, child.kind, ns, child.metadata.name);
          try {
            await d.kube.apply(path, child, FIELD_MANAGER);
          } catch (err) {
            // No Prometheus Operator in this cluster: the ServiceMonitor is optional.
            if (child.kind === 'ServiceMonitor' && err instanceof KubeError && err.status === 404)
              continue;
            throw err;
          }
        }
        await deleteUnwantedChildren(d, cr, e, log);
        if (!o.statefulSetExists || a.memberCount !== o.statefulSetReplicas) {
          log.info({ memberCount: a.memberCount, reason: a.reason }, 'applied children');
          await d.events.record(
            cr.metadata,
            'Normal',
            o.statefulSetExists ? 'Resized' : 'Created',
            `${a.reason} (StatefulSet replicas ${a.memberCount})`,
          );
        }
        break;
      }
      case 'reconfigAdd':
      case 'reconfigRemove': {
        const leader = o.members.find((m) => m.role === 'leader');
        const target = leader ? addresses.get(leader.pod)?.client : undefined;
        if (!target) throw new Error(`no address for the leader to send ${a.type} to`);
        const change =
          a.type === 'reconfigAdd'
            ? { joining: [participantLine(e, a.ordinal)] }
            : { leaving: [a.ordinal + 1] };
        log.info({ target, change, reason: a.reason }, a.type);
        await d.events.record(
          cr.metadata,
          'Normal',
          a.type === 'reconfigAdd' ? 'MemberAdding' : 'MemberRemoving',
          a.reason,
        );
        await d.reconfigurer.reconfig(target, change);
        await d.events.record(
          cr.metadata,
          'Normal',
          a.type === 'reconfigAdd' ? 'MemberAdded' : 'MemberRemoved',
          `${names.pod(name, a.ordinal)} ${a.type === 'reconfigAdd' ? 'joined' : 'left'} the voting members`,
        );
        break;
      }
      case 'yieldLeadership': {
        const admin = addresses.get(a.pod)?.admin;
        if (!admin) throw new Error(`no admin address for the leader ${a.pod} to ask to yield`);
        const answer = await requestYield(admin);
        if (answer.outcome === 'unsupported') {
          // Apache ZooKeeper cannot hand leadership off: restarting the leader makes the
          // (already restarted, synced) followers elect a new one among themselves.
          log.info({ pod: a.pod, answer: answer.message }, 'leader cannot yield: restart it');
          await d.events.record(
            cr.metadata,
            'Normal',
            'LeaderHandOff',
            `${a.pod} has no yield command (${answer.message}); its restart triggers an election among the updated followers`,
          );
          break;
        }
        if (answer.outcome === 'refused')
          throw new Error(`${a.pod} did not yield leadership: ${answer.message}`);
        log.info({ pod: a.pod, reason: a.reason, answer: answer.message }, 'leader yielding');
        await d.events.record(
          cr.metadata,
          'Normal',
          'YieldingLeadership',
          `${a.reason}: ${answer.message}`,
        );
        const c = e.spec.config;
        const timeoutMs = (c.initLimit + c.syncLimit) * c.tickTime + 5000;
        const next = await waitForOtherLeader(o, addresses, a.pod, timeoutMs);
        if (!next)
          throw new Error(`${a.pod} yielded, but no other member leads after ${timeoutMs} ms`);
        log.info({ from: a.pod, to: next }, 'leadership moved');
        await d.events.record(
          cr.metadata,
          'Normal',
          'LeadershipMoved',
          `leadership moved from ${a.pod} to ${next}; ${a.pod} restarts as a follower once the quorum is healthy`,
        );
        // What this round observed is stale now: the next one restarts the old leader.
        return;
      }
      case 'deletePod':
        log.info({ pod: a.pod, reason: a.reason }, 'deleting pod');
        await d.events.record(cr.metadata, 'Normal', 'RestartingMember', a.reason);
        await d.kube.delete(objectPath('v1', 'Pod', ns, a.pod));
        break;
      case 'deletePvc': {
        const pvc = names.pvc(name, a.ordinal);
        log.info({ pvc, reason: a.reason }, 'deleting PVC');
        await d.events.record(cr.metadata, 'Normal', 'ReclaimingStorage', `${pvc}: ${a.reason}`);
        await d.kube.delete(objectPath('v1', 'PersistentVolumeClaim', ns, pvc));
        break;
      }
      case 'wait':
        log.debug({ reason: a.reason }, 'waiting');
        break;
    }
  }
}

/**
 * Deletes optional children the spec turned off (a ServiceMonitor when monitoring is off), but
 * only ones this ensemble owns: an object of the same name made by someone else stays.
 */
async function deleteUnwantedChildren(
  d: ReconcilerDeps,
  cr: ZooKeeperEnsemble,
  e: ResolvedEnsemble,
  log: Logger,
): Promise<void> {
  const ns = e.metadata.namespace;
  for (const ref of unwantedChildren(e)) {
    const path = objectPath(ref.apiVersion, ref.kind, ns, ref.name);
    // 404 also when the kind is not served (no Prometheus Operator): nothing to delete.
    const found = await d.kube.get<{
      metadata: { uid?: string; ownerReferences?: { uid: string; controller?: boolean }[] };
    }>(path);
    const ours = found?.metadata.ownerReferences?.some(
      (r) => r.controller === true && r.uid === cr.metadata.uid,
    );
    if (!found || !ours) continue;
    log.info({ kind: ref.kind, name: ref.name }, 'deleting a child the spec turned off');
    await d.kube.delete(path, { preconditions: { uid: found.metadata.uid } });
    await d.events.record(
      cr.metadata,
      'Normal',
      'ChildDeleted',
      `${ref.kind} ${ref.name} deleted: turned off in the spec`,
    );
  }
}

/** Polls the other members until one reports itself leader; its pod name, or undefined. */
async function waitForOtherLeader(
  o: Observed,
  addresses: Map<string, { admin: string; client: string }>,
  oldLeader: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const others = o.members
    .filter((m) => m.pod !== oldLeader && !m.terminating)
    .flatMap((m) => {
      const admin = addresses.get(m.pod)?.admin;
      return admin ? [{ pod: m.pod, admin }] : [];
    });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const roles = await Promise.all(others.map((m) => readMemberState(m.admin, 1000)));
    const i = roles.findIndex((r) => r.role === 'leader');
    if (i >= 0) return others[i]!.pod;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

/** A joining member's line in reconfig's form: server.N=host:quorum:election:participant;client. */
export function participantLine(e: ResolvedEnsemble, ordinal: number): string {
  return serverLine(e, ordinal).replace(/;/, ':participant;');
}

async function finalize(
  d: ReconcilerDeps,
  cr: ZooKeeperEnsemble,
  e: ResolvedEnsemble,
  log: Logger,
) {
  const finalizers = cr.metadata.finalizers ?? [];
  if (!finalizers.includes(FINALIZER)) return;
  const ns = e.metadata.namespace;
  if (e.spec.storage.reclaimPolicy === 'Delete') {
    const sel = encodeURIComponent(selectorString(e.metadata.name));
    const pvcs = await d.kube.request<{ items: { metadata: { name: string } }[] }>(
      'GET',
      `${objectPath('v1', 'PersistentVolumeClaim', ns)}?labelSelector=${sel}`,
    );
    for (const p of pvcs.items) {
      // In-use claims wait for their pods (pvc-protection) and then go.
      await d.kube.delete(objectPath('v1', 'PersistentVolumeClaim', ns, p.metadata.name));
    }
    log.info({ pvcs: pvcs.items.length }, 'reclaimed storage of a deleted ensemble');
    await d.events.record(
      cr.metadata,
      'Normal',
      'ReclaimingStorage',
      `deleting ${pvcs.items.length} PVCs (reclaimPolicy Delete)`,
    );
  }
  await d.kube.request(
    'PATCH',
    ensemblePath(ns, e.metadata.name),
    {
      metadata: {
        finalizers: finalizers.filter((f) => f !== FINALIZER),
        resourceVersion: cr.metadata.resourceVersion,
      },
    },
    'application/merge-patch+json',
  );
}

async function writeStatus(
  d: ReconcilerDeps,
  cr: ZooKeeperEnsemble,
  status: ZooKeeperEnsembleStatus,
) {
  if (JSON.stringify(stripTimes(cr.status)) === JSON.stringify(stripTimes(status))) return;
  await d.kube.request(
    'PATCH',
    `${ensemblePath(cr.metadata.namespace, cr.metadata.name)}/status`,
    // Lists are replaced whole by a merge patch; null clears a leader that is gone.
    {
      status: {
        ...status,
        leader: status.leader ?? null,
        currentVersion: status.currentVersion ?? null,
      },
    },
    'application/merge-patch+json',
  );
}

function stripTimes(s: ZooKeeperEnsembleStatus | undefined): unknown {
  if (!s) return s;
  return { ...s, conditions: s.conditions?.map((c) => ({ ...c, lastTransitionTime: '' })) };
}

export type { Action };

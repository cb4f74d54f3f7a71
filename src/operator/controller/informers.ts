/**
 * Informers (list + watch, from @kubernetes/client-node) for ensembles and what they own; each
 * change enqueues the owning ensemble's key. An informer that fails restarts after a back-off.
 */
import { makeInformer, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_GROUP_VERSION, PLURAL, KIND } from '../api/index.js';
import type { Kube } from './kube.js';

export interface Watched {
  /** list path, namespaced or cluster-wide */
  path: string;
  labelSelector?: string;
  /** the ensemble key(s) a changed object concerns */
  keysOf(obj: KubernetesObject): string[];
  /**
   * What of an object is worth a reconcile; an update that leaves it unchanged enqueues
   * nothing. Unset: every update counts.
   */
  fingerprint?(obj: KubernetesObject): string;
}

/**
 * An ensemble's spec, deletion and finalizers, but not its status: the operator's own status
 * writes (members' zxids move with every session the operator opens) must not re-trigger
 * reconciles, which would bypass the error back-off.
 */
export function ensembleFingerprint(o: KubernetesObject): string {
  return JSON.stringify([
    o.metadata?.generation,
    o.metadata?.deletionTimestamp,
    o.metadata?.finalizers,
  ]);
}

export interface RunningInformers {
  /** every list has completed once */
  synced(): boolean;
  stop(): Promise<void>;
}

export function watchedResources(namespace: string | undefined): Watched[] {
  const nsPart = namespace ? `/namespaces/${namespace}` : '';
  const byInstanceLabel = (o: KubernetesObject) => {
    const inst = o.metadata?.labels?.['app.kubernetes.io/instance'];
    return inst && o.metadata?.namespace ? [`${o.metadata.namespace}/${inst}`] : [];
  };
  const byOwner = (o: KubernetesObject) =>
    (o.metadata?.ownerReferences ?? [])
      .filter((r) => r.kind === KIND && r.apiVersion === API_GROUP_VERSION)
      .map((r) => `${o.metadata?.namespace}/${r.name}`);
  const managed = 'app.kubernetes.io/name=zkts';
  return [
    {
      path: `/apis/${API_GROUP_VERSION}${nsPart}/${PLURAL}`,
      keysOf: (o) => [`${o.metadata?.namespace}/${o.metadata?.name}`],
      fingerprint: ensembleFingerprint,
    },
    { path: `/apis/apps/v1${nsPart}/statefulsets`, labelSelector: managed, keysOf: byOwner },
    { path: `/api/v1${nsPart}/pods`, labelSelector: managed, keysOf: byInstanceLabel },
    { path: `/api/v1${nsPart}/configmaps`, labelSelector: managed, keysOf: byOwner },
    { path: `/api/v1${nsPart}/services`, labelSelector: managed, keysOf: byOwner },
    {
      path: `/apis/policy/v1${nsPart}/poddisruptionbudgets`,
      labelSelector: managed,
      keysOf: byOwner,
    },
  ];
}

export function startInformers(
  kc: KubeConfig,
  kube: Kube,
  watched: Watched[],
  enqueue: (key: string) => void,
  log: Logger,
): RunningInformers {
  const listed = new Set<number>();
  let stopped = false;
  const informers = watched.map((w, i) => {
    const list = async () => {
      const q = w.labelSelector ? `?labelSelector=${encodeURIComponent(w.labelSelector)}` : '';
      const res = await kube.request<{
        metadata?: { resourceVersion?: string };
        items: KubernetesObject[];
      }>('GET', `${w.path}${q}`);
      listed.add(i);
      return { apiVersion: 'v1', kind: 'List', metadata: res.metadata ?? {}, items: res.items };
    };
    const inf = makeInformer<KubernetesObject>(kc, w.path, list, w.labelSelector);
    const seen = new Map<string, string>(); // uid → fingerprint
    const onChange = (o: KubernetesObject) => w.keysOf(o).forEach(enqueue);
    const remember = (o: KubernetesObject) => {
      if (w.fingerprint && o.metadata?.uid) seen.set(o.metadata.uid, w.fingerprint(o));
    };
    inf.on('add', (o) => {
      remember(o);
      onChange(o);
    });
    inf.on('update', (o) => {
      const uid = o.metadata?.uid;
      if (w.fingerprint && uid !== undefined && seen.get(uid) === w.fingerprint(o)) return;
      remember(o);
      onChange(o);
    });
    inf.on('delete', (o) => {
      if (o.metadata?.uid) seen.delete(o.metadata.uid);
      onChange(o);
    });
    let failures = 0;
    inf.on('connect', () => {
      failures = 0;
    });
    inf.on('error', (err: unknown) => {
      if (stopped) return;
      failures++;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
      log.warn({ path: w.path, err: String(err), retryInMs: delay }, 'informer failed; restarting');
      setTimeout(() => {
        if (!stopped)
          inf
            .start()
            .catch((e: unknown) => log.warn({ err: String(e) }, 'informer restart failed'));
      }, delay);
    });
    return inf;
  });
  for (const [i, inf] of informers.entries()) {
    inf.start().catch((err: unknown) => {
      log.warn({ path: watched[i]?.path, err: String(err) }, 'informer start failed; retrying');
      const retry = () => {
        if (stopped) return;
        inf.start().catch(() => setTimeout(retry, 2000));
      };
      setTimeout(retry, 2000);
    });
  }
  return {
    synced: () => listed.size === watched.length,
    async stop() {
      stopped = true;
      await Promise.all(informers.map((inf) => inf.stop().catch(() => undefined)));
    },
  };
}

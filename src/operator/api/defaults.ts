import type { ResolvedEnsemble, ResolvedSpec, ZooKeeperEnsemble } from './types.js';

/**
 * The CRD's schema defaults, in one place for the operator. A unit test checks each of these
 * against the `default:` in crds/zookeeperensembles.zkts.dev.yaml, so the two cannot drift.
 */
export const DEFAULTS = {
  replicas: 3,
  image: 'zkts:0.1.0',
  config: {
    tickTime: 2000,
    initLimit: 10,
    syncLimit: 5,
    autopurge: { snapRetainCount: 3, purgeIntervalHours: 1 },
    fourLetterWordWhitelist: ['ruok', 'srvr', 'stat', 'mntr', 'conf', 'isro', 'envi', 'cons'],
    maxClientCnxns: 60,
  },
  storage: { size: '1Gi', reclaimPolicy: 'Retain' },
  ports: { client: 2181, quorum: 2888, election: 3888, metrics: 7000, admin: 8080 },
  service: { type: 'ClusterIP' },
  metrics: { serviceMonitor: false },
} as const;

/** 4lw words the operator and probes rely on: always whitelisted, whatever the user lists. */
export const REQUIRED_FOUR_LETTER_WORDS = ['ruok', 'srvr', 'mntr'] as const;

export function resolveSpec(e: Pick<ZooKeeperEnsemble, 'spec'>): ResolvedSpec {
  const s = e.spec ?? {};
  const c = s.config ?? {};
  const d = DEFAULTS;
  const whitelist = [...(c.fourLetterWordWhitelist ?? d.config.fourLetterWordWhitelist)];
  for (const w of REQUIRED_FOUR_LETTER_WORDS) if (!whitelist.includes(w)) whitelist.push(w);
  const resolved: ResolvedSpec = {
    replicas: s.replicas ?? d.replicas,
    image: s.image ?? d.image,
    config: {
      tickTime: c.tickTime ?? d.config.tickTime,
      initLimit: c.initLimit ?? d.config.initLimit,
      syncLimit: c.syncLimit ?? d.config.syncLimit,
      autopurge: {
        snapRetainCount: c.autopurge?.snapRetainCount ?? d.config.autopurge.snapRetainCount,
        purgeIntervalHours:
          c.autopurge?.purgeIntervalHours ?? d.config.autopurge.purgeIntervalHours,
      },
      fourLetterWordWhitelist: whitelist,
      maxClientCnxns: c.maxClientCnxns ?? d.config.maxClientCnxns,
      additional: { ...(c.additional ?? {}) },
    },
    storage: {
      size: s.storage?.size ?? d.storage.size,
      reclaimPolicy: s.storage?.reclaimPolicy ?? d.storage.reclaimPolicy,
    },
    resources: s.resources ?? {},
    pod: s.pod ?? {},
    ports: { ...d.ports, ...(s.ports ?? {}) },
    service: { type: s.service?.type ?? d.service.type, annotations: s.service?.annotations ?? {} },
    metrics: { serviceMonitor: s.metrics?.serviceMonitor ?? d.metrics.serviceMonitor },
  };
  if (c.minSessionTimeout !== undefined) resolved.config.minSessionTimeout = c.minSessionTimeout;
  if (c.maxSessionTimeout !== undefined) resolved.config.maxSessionTimeout = c.maxSessionTimeout;
  if (c.juteMaxBuffer !== undefined) resolved.config.juteMaxBuffer = c.juteMaxBuffer;
  if (s.storage?.storageClassName !== undefined)
    resolved.storage.storageClassName = s.storage.storageClassName;
  return resolved;
}

export function resolveEnsemble(e: ZooKeeperEnsemble): ResolvedEnsemble {
  return { metadata: e.metadata, spec: resolveSpec(e) };
}

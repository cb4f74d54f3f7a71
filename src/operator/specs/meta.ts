import { API_GROUP_VERSION, KIND, type ObjectMeta, type ResolvedEnsemble } from '../api/index.js';

/** A Kubernetes object as plain data, ready for server-side apply. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

export const FIELD_MANAGER = 'zkts-operator';
export const CONFIG_HASH_ANNOTATION = 'zkts.dev/config-hash';
export const FINALIZER = 'zkts.dev/reclaim-storage';
export const DATA_VOLUME = 'data';
export const DATA_DIR = '/data';
export const CONF_DIR = '/conf';

/** Labels that select an ensemble's members; kept small and stable (a selector is immutable). */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'zkts', 'app.kubernetes.io/instance': name };
}

export function commonLabels(name: string): Record<string, string> {
  return {
    ...selectorLabels(name),
    'app.kubernetes.io/component': 'ensemble',
    'app.kubernetes.io/part-of': 'zkts',
    'app.kubernetes.io/managed-by': FIELD_MANAGER,
  };
}

export function selectorString(name: string): string {
  return Object.entries(selectorLabels(name))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function ownerReference(meta: ObjectMeta): OwnerReference {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: KIND,
    name: meta.name,
    uid: meta.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function childMeta(e: ResolvedEnsemble, name: string): K8sObject['metadata'] {
  return {
    name,
    namespace: e.metadata.namespace,
    labels: commonLabels(e.metadata.name),
    ownerReferences: [ownerReference(e.metadata)],
  };
}

export const names = {
  headless: (ensemble: string) => `${ensemble}-headless`,
  client: (ensemble: string) => `${ensemble}-client`,
  config: (ensemble: string) => `${ensemble}-config`,
  statefulSet: (ensemble: string) => ensemble,
  pdb: (ensemble: string) => ensemble,
  serviceMonitor: (ensemble: string) => ensemble,
  pod: (ensemble: string, ordinal: number) => `${ensemble}-${ordinal}`,
  pvc: (ensemble: string, ordinal: number) => `${DATA_VOLUME}-${ensemble}-${ordinal}`,
  /** The stable DNS name of a member, through the headless Service. */
  memberHost: (ensemble: string, namespace: string, ordinal: number) =>
    `${ensemble}-${ordinal}.${ensemble}-headless.${namespace}.svc.cluster.local`,
};

/** The ordinal of a StatefulSet pod from its name, or undefined if it is not one of ours. */
export function podOrdinal(ensemble: string, podName: string): number | undefined {
  if (!podName.startsWith(`${ensemble}-`)) return undefined;
  const rest = podName.slice(ensemble.length + 1);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

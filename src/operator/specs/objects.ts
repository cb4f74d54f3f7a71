import type { ResolvedEnsemble } from '../api/index.js';
import { fnv1a64 } from './hash.js';
import {
  CONF_DIR,
  CONFIG_HASH_ANNOTATION,
  DATA_DIR,
  DATA_VOLUME,
  childMeta,
  commonLabels,
  names,
  selectorLabels,
  type K8sObject,
} from './meta.js';
import { zooCfg, zooCfgSettings } from './zoo-cfg.js';

export const CONTAINER_NAME = 'zkts';
/** The config the server runs with: a writable copy of the ConfigMap's zoo.cfg. */
export const SERVER_CONFIG = `${DATA_DIR}/zoo.cfg`;
/** Tells the headless Service (scraped per pod by a ServiceMonitor) from the client one. */
export const SERVICE_ROLE_LABEL = 'zkts.dev/service';
/** Non-root by default; a user's pod.securityContext replaces it whole. */
export const RUN_AS_USER = 1000;

export function configHash(e: ResolvedEnsemble): string {
  return fnv1a64(zooCfgSettings(e).join('\n'));
}

export function configMap(e: ResolvedEnsemble, memberCount: number): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(e, names.config(e.metadata.name)),
    data: { 'zoo.cfg': zooCfg(e, memberCount) },
  };
}

function port(name: string, p: number) {
  return { name, port: p, targetPort: name, protocol: 'TCP' };
}

/** Peers find each other through it before they are ready, hence publishNotReadyAddresses. */
export function headlessService(e: ResolvedEnsemble): K8sObject {
  const p = e.spec.ports;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      ...childMeta(e, names.headless(e.metadata.name)),
      labels: { ...commonLabels(e.metadata.name), [SERVICE_ROLE_LABEL]: 'headless' },
    },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorLabels(e.metadata.name),
      ports: [
        port('client', p.client),
        port('quorum', p.quorum),
        port('election', p.election),
        port('metrics', p.metrics),
        port('admin', p.admin),
      ],
    },
  };
}

export function clientService(e: ResolvedEnsemble): K8sObject {
  const meta = childMeta(e, names.client(e.metadata.name));
  if (Object.keys(e.spec.service.annotations).length > 0)
    meta.annotations = { ...e.spec.service.annotations };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta,
    spec: {
      type: e.spec.service.type,
      selector: selectorLabels(e.metadata.name),
      ports: [port('client', e.spec.ports.client)],
    },
  };
}

function defaultAffinity(name: string) {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: 'kubernetes.io/hostname',
            labelSelector: { matchLabels: selectorLabels(name) },
          },
        },
      ],
    },
  };
}

/**
 * Readiness: the member serves requests (admin `ruok` answers without error: it does so only
 * while the member is in a quorum). The admin endpoint answers HTTP 200 with the error in the
 * body, as Apache's does, so an httpGet probe cannot see it; a short node script can.
 */
export function readinessScript(adminPort: number): string {
  // The pod's own IP (the server listens on all addresses): "localhost" may resolve to ::1
  // while the server listens on IPv4 only.
  return [
    "const ip = process.env.POD_IP || 'localhost';",
    "const host = ip.includes(':') ? `[${ip}]` : ip;",
    `fetch(\`http://\${host}:${adminPort}/commands/ruok\`, { signal: AbortSignal.timeout(2000) })`,
    '.then((r) => r.json())',
    '.then((b) => process.exit(b.error === null ? 0 : 1), () => process.exit(1));',
  ].join(' ');
}

function readinessProbe(e: ResolvedEnsemble) {
  return {
    exec: { command: ['node', '-e', readinessScript(e.spec.ports.admin)] },
    initialDelaySeconds: 2,
    periodSeconds: 5,
    timeoutSeconds: 4,
    failureThreshold: 3,
  };
}

/** Liveness: the process answers at all; not tied to quorum, so elections restart nothing. */
function livenessProbe() {
  return {
    httpGet: { path: '/commands/ruok', port: 'admin' },
    initialDelaySeconds: 20,
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 6,
  };
}

export function statefulSet(e: ResolvedEnsemble, replicas: number): K8sObject {
  const name = e.metadata.name;
  const s = e.spec;
  const p = s.ports;
  const podLabels = { ...(s.pod.labels ?? {}), ...commonLabels(name) };
  const podAnnotations = { ...(s.pod.annotations ?? {}), [CONFIG_HASH_ANNOTATION]: configHash(e) };
  const containerSecurity = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
  const podName = { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };
  const podSpec: Record<string, unknown> = {
    securityContext: s.pod.securityContext ?? {
      runAsNonRoot: true,
      runAsUser: RUN_AS_USER,
      runAsGroup: RUN_AS_USER,
      fsGroup: RUN_AS_USER,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    affinity: s.pod.affinity ?? defaultAffinity(name),
    terminationGracePeriodSeconds: 30,
    initContainers: [
      {
        // myid is the ordinal + 1, the N of this member's server.N line. zoo.cfg is copied
        // next to it because a server writes zoo.cfg.dynamic.<version> beside its config file
        // after each reconfig, and the ConfigMap mount is read-only; each start takes the
        // ConfigMap's current membership again.
        name: 'myid',
        image: s.image,
        command: [
          'sh',
          '-c',
          `echo $(( \${POD_NAME##*-} + 1 )) > ${DATA_DIR}/myid && cp ${CONF_DIR}/zoo.cfg ${SERVER_CONFIG}`,
        ],
        env: [podName],
        securityContext: containerSecurity,
        volumeMounts: [
          { name: DATA_VOLUME, mountPath: DATA_DIR },
          { name: 'conf', mountPath: CONF_DIR, readOnly: true },
        ],
      },
    ],
    containers: [
      {
        name: CONTAINER_NAME,
        image: s.image,
        args: ['server', '--config', SERVER_CONFIG],
        ports: [
          { name: 'client', containerPort: p.client, protocol: 'TCP' },
          { name: 'quorum', containerPort: p.quorum, protocol: 'TCP' },
          { name: 'election', containerPort: p.election, protocol: 'TCP' },
          { name: 'metrics', containerPort: p.metrics, protocol: 'TCP' },
          { name: 'admin', containerPort: p.admin, protocol: 'TCP' },
        ],
        env: [
          podName,
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          ...(s.pod.env ?? []),
        ],
        readinessProbe: readinessProbe(e),
        livenessProbe: livenessProbe(),
        // Leave the client Service's endpoints before SIGTERM, so clients move on to other
        // members instead of connecting to one that is shutting down; the server then
        // flushes its log and closes its sessions on SIGTERM.
        lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 5'] } } },
        resources: s.resources,
        securityContext: containerSecurity,
        volumeMounts: [
          { name: DATA_VOLUME, mountPath: DATA_DIR },
          { name: 'conf', mountPath: CONF_DIR, readOnly: true },
        ],
      },
    ],
    volumes: [{ name: 'conf', configMap: { name: names.config(name) } }],
  };
  if (s.pod.tolerations) podSpec.tolerations = s.pod.tolerations;
  if (s.pod.nodeSelector) podSpec.nodeSelector = s.pod.nodeSelector;
  if (s.pod.topologySpreadConstraints)
    podSpec.topologySpreadConstraints = s.pod.topologySpreadConstraints;
  if (s.pod.priorityClassName) podSpec.priorityClassName = s.pod.priorityClassName;
  if (s.pod.serviceAccountName) podSpec.serviceAccountName = s.pod.serviceAccountName;

  const claimSpec: Record<string, unknown> = {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: s.storage.size } },
  };
  if (s.storage.storageClassName !== undefined)
    claimSpec.storageClassName = s.storage.storageClassName;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMeta(e, names.statefulSet(name)),
    spec: {
      replicas,
      serviceName: names.headless(name),
      podManagementPolicy: 'Parallel',
      // The operator deletes pods itself, in the order the planner gives.
      updateStrategy: { type: 'OnDelete' },
      // Claims of removed members are handled by the operator per reclaimPolicy (after the
      // member left the quorum), so the StatefulSet controller itself keeps them.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      selector: { matchLabels: selectorLabels(name) },
      template: {
        metadata: { labels: podLabels, annotations: podAnnotations },
        spec: podSpec,
      },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: DATA_VOLUME, labels: commonLabels(name) },
          spec: claimSpec,
        },
      ],
    },
  };
}

/**
 * Voluntary disruptions never take the ensemble below quorum: with n ≥ 3 one member at a time
 * (a majority stays while the operator may also be restarting one); with n ≤ 2 there is no
 * member to spare, so none (a drain waits for a human; unhealthy pods may still be evicted,
 * they do not count toward quorum anyway).
 */
export function podDisruptionBudget(e: ResolvedEnsemble): K8sObject {
  const n = e.spec.replicas;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(e, names.pdb(e.metadata.name)),
    spec: {
      maxUnavailable: n >= 3 ? 1 : 0,
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      selector: { matchLabels: selectorLabels(e.metadata.name) },
    },
  };
}

export function serviceMonitor(e: ResolvedEnsemble): K8sObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: childMeta(e, names.serviceMonitor(e.metadata.name)),
    spec: {
      selector: {
        matchLabels: { ...selectorLabels(e.metadata.name), [SERVICE_ROLE_LABEL]: 'headless' },
      },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
    },
  };
}

/** Everything the ensemble owns, for a membership of memberCount members. */
export function childrenFor(e: ResolvedEnsemble, memberCount: number): K8sObject[] {
  const out = [
    configMap(e, memberCount),
    headlessService(e),
    clientService(e),
    statefulSet(e, memberCount),
    podDisruptionBudget(e),
  ];
  if (e.spec.metrics.serviceMonitor) out.push(serviceMonitor(e));
  return out;
}

export interface ChildRef {
  apiVersion: string;
  kind: string;
  name: string;
}

/**
 * Optional children the spec has turned off: the operator deletes those it created (owned by
 * the ensemble). Server-side apply never removes a whole object that is no longer applied.
 */
export function unwantedChildren(e: ResolvedEnsemble): ChildRef[] {
  const out: ChildRef[] = [];
  if (!e.spec.metrics.serviceMonitor)
    out.push({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      name: names.serviceMonitor(e.metadata.name),
    });
  return out;
}

/**
 * ZooKeeperEnsemble v1alpha1, as stored by the API server (crds/zookeeperensembles.zkts.dev.yaml).
 * Optional fields are what a user may leave out; `withDefaults` fills them as the CRD's
 * schema defaults do, so the operator works the same on objects that bypassed defaulting.
 */
export const API_GROUP = 'zkts.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
export const KIND = 'ZooKeeperEnsemble';
export const PLURAL = 'zookeeperensembles';
export const SHORT_NAME = 'zke';

export type ReclaimPolicy = 'Retain' | 'Delete';
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
}

export interface AutopurgeSpec {
  snapRetainCount?: number;
  purgeIntervalHours?: number;
}

export interface ConfigSpec {
  tickTime?: number;
  initLimit?: number;
  syncLimit?: number;
  autopurge?: AutopurgeSpec;
  fourLetterWordWhitelist?: string[];
  minSessionTimeout?: number;
  maxSessionTimeout?: number;
  maxClientCnxns?: number;
  juteMaxBuffer?: number;
  additional?: Record<string, string>;
}

export interface StorageSpec {
  size?: string;
  storageClassName?: string;
  reclaimPolicy?: ReclaimPolicy;
}

export interface PortsSpec {
  client?: number;
  quorum?: number;
  election?: number;
  metrics?: number;
  admin?: number;
}

export interface ServiceSpec {
  type?: ServiceType;
  annotations?: Record<string, string>;
}

export interface MetricsSpec {
  serviceMonitor?: boolean;
}

/** Kubernetes objects passed through verbatim into the pod template. */
export type Json = Record<string, unknown>;

export interface PodOverrides {
  affinity?: Json;
  tolerations?: Json[];
  nodeSelector?: Record<string, string>;
  topologySpreadConstraints?: Json[];
  securityContext?: Json;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  env?: Json[];
  priorityClassName?: string;
  serviceAccountName?: string;
}

export interface ResourcesSpec {
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

export interface ZooKeeperEnsembleSpec {
  replicas?: number;
  image?: string;
  config?: ConfigSpec;
  storage?: StorageSpec;
  resources?: ResourcesSpec;
  pod?: PodOverrides;
  ports?: PortsSpec;
  service?: ServiceSpec;
  metrics?: MetricsSpec;
}

export type MemberRole = 'leader' | 'follower' | 'observer' | 'standalone' | 'unknown';

export interface MemberStatus {
  pod: string;
  role: MemberRole;
  /** hex, as ZooKeeper prints it (0x100000003) */
  zxid?: string;
  ready: boolean;
}

export type ConditionType = 'Ready' | 'Progressing' | 'Degraded';

export interface Condition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

export interface ZooKeeperEnsembleStatus {
  replicas?: number;
  readyReplicas?: number;
  /** label selector of the members, for the scale subresource */
  selector?: string;
  leader?: string;
  members?: MemberStatus[];
  currentVersion?: string;
  targetVersion?: string;
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface ZooKeeperEnsemble {
  apiVersion: typeof API_GROUP_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: ZooKeeperEnsembleSpec;
  status?: ZooKeeperEnsembleStatus;
}

/** Every field of the spec filled, as the operator works with it. */
export interface ResolvedSpec {
  replicas: number;
  image: string;
  config: {
    tickTime: number;
    initLimit: number;
    syncLimit: number;
    autopurge: { snapRetainCount: number; purgeIntervalHours: number };
    fourLetterWordWhitelist: string[];
    minSessionTimeout?: number;
    maxSessionTimeout?: number;
    maxClientCnxns: number;
    juteMaxBuffer?: number;
    additional: Record<string, string>;
  };
  storage: { size: string; storageClassName?: string; reclaimPolicy: ReclaimPolicy };
  resources: ResourcesSpec;
  pod: PodOverrides;
  ports: Required<PortsSpec>;
  service: { type: ServiceType; annotations: Record<string, string> };
  metrics: { serviceMonitor: boolean };
}

export interface ResolvedEnsemble {
  metadata: ObjectMeta;
  spec: ResolvedSpec;
}

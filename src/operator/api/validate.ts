import type { ResolvedSpec, ZooKeeperEnsembleSpec } from './types.js';

/**
 * The CRD's validation rules again, so the operator also refuses objects that reached it
 * without the API server's checks (an older CRD, a direct etcd write). Messages are the
 * CRD rules' messages word for word; api.test.ts checks that.
 */
export const MESSAGES = {
  replicas: 'replicas must be between 1 and 9',
  ownedKeys:
    'config.additional may not set keys the operator owns (dataDir, dataLogDir, clientPort, clientPortAddress, secureClientPort, dynamicConfigFile, reconfigEnabled, standaloneEnabled, admin.*, metricsProvider.*, 4lw.commands.whitelist, server.N, group.N, weight.N, or a typed config key)',
  additionalSyntax:
    'config.additional keys are zoo.cfg keys (letters, digits, . _ -) and values are one line',
  portsDistinct: 'ports must be distinct',
  portRange: 'ports must be between 1 and 65535',
  storageClassImmutable: 'storage.storageClassName is immutable',
  storageShrink: 'storage.size may only grow',
  storageSize: 'storage.size must be a Kubernetes quantity such as 1Gi',
  sessionTimeouts: 'config.minSessionTimeout must not exceed config.maxSessionTimeout',
} as const;

/** Exact keys the operator writes itself (typed keys included: they have a typed field). */
export const OWNED_KEYS = [
  'dataDir',
  'dataLogDir',
  'clientPort',
  'clientPortAddress',
  'secureClientPort',
  'dynamicConfigFile',
  'reconfigEnabled',
  'standaloneEnabled',
  '4lw.commands.whitelist',
  'tickTime',
  'initLimit',
  'syncLimit',
  'autopurge.snapRetainCount',
  'autopurge.purgeInterval',
  'minSessionTimeout',
  'maxSessionTimeout',
  'maxClientCnxns',
  'jute.maxbuffer',
] as const;

/** Key prefixes the operator owns: membership lines and the admin / metrics endpoints. */
export const OWNED_KEY_PREFIXES = [
  'server.',
  'group.',
  'weight.',
  'admin.',
  'metricsProvider.',
] as const;

export function isOwnedKey(key: string): boolean {
  return (
    (OWNED_KEYS as readonly string[]).includes(key) ||
    OWNED_KEY_PREFIXES.some((p) => key.startsWith(p))
  );
}

/** Kubernetes quantity: the CRD's pattern for storage.size. */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
export const CONFIG_KEY_PATTERN = '^[A-Za-z0-9._-]+$';

const binarySuffix: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const decimalSuffix: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** A quantity's value in base units (bytes for storage); undefined if it is not a quantity. */
export function parseQuantity(q: string): number | undefined {
  if (!new RegExp(QUANTITY_PATTERN).test(q)) return undefined;
  const m = /^([+-]?[0-9.]+)(.*)$/.exec(q);
  if (!m) return undefined;
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  if (suffix in binarySuffix) return n * binarySuffix[suffix]!;
  if (suffix in decimalSuffix) return n * decimalSuffix[suffix]!;
  if (/^[eE]/.test(suffix)) return n * 10 ** Number(suffix.slice(1));
  return undefined;
}

/** Problems with a spec (after defaults), as the CRD's messages. Empty means valid. */
export function validateSpec(spec: ResolvedSpec): string[] {
  const errors: string[] = [];
  if (!Number.isInteger(spec.replicas) || spec.replicas < 1 || spec.replicas > 9)
    errors.push(MESSAGES.replicas);
  const additional = spec.config.additional;
  if (Object.keys(additional).some(isOwnedKey)) errors.push(MESSAGES.ownedKeys);
  if (
    Object.entries(additional).some(
      ([k, v]) => !new RegExp(CONFIG_KEY_PATTERN).test(k) || /[\r\n]/.test(v),
    )
  )
    errors.push(MESSAGES.additionalSyntax);
  const ports = Object.values(spec.ports);
  if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535))
    errors.push(MESSAGES.portRange);
  if (new Set(ports).size !== ports.length) errors.push(MESSAGES.portsDistinct);
  if (parseQuantity(spec.storage.size) === undefined) errors.push(MESSAGES.storageSize);
  const { minSessionTimeout: min, maxSessionTimeout: max } = spec.config;
  if (min !== undefined && max !== undefined && min > max) errors.push(MESSAGES.sessionTimeouts);
  return errors;
}

/** Transition rules: what may not change from the stored object to the new one. */
export function validateUpdate(
  oldSpec: ZooKeeperEnsembleSpec,
  newSpec: ZooKeeperEnsembleSpec,
): string[] {
  const errors: string[] = [];
  if (oldSpec.storage?.storageClassName !== newSpec.storage?.storageClassName)
    errors.push(MESSAGES.storageClassImmutable);
  const oldSize = parseQuantity(oldSpec.storage?.size ?? '0');
  const newSize = parseQuantity(newSpec.storage?.size ?? '0');
  if (oldSize !== undefined && newSize !== undefined && newSize < oldSize)
    errors.push(MESSAGES.storageShrink);
  return errors;
}

/**
 * Host directories for a pod's volumes. A PersistentVolumeClaim gets a directory of its own
 * (keyed by the claim's uid, so a claim deleted and made again starts empty), exposed as a
 * hostPath PersistentVolume pre-bound to the claim: kube-controller-manager's PV binder then
 * binds the claim, as it would with a real provisioner. ConfigMaps are written out as files.
 */
import type { CoreV1Api, V1Pod, V1Volume } from '@kubernetes/client-node';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export class VolumeNotReady extends Error {}

export interface PodVolumes {
  /** volume name → host path */
  paths: Map<string, string>;
  /** volumes this kubelet cannot provide (e.g. projected service-account tokens); they are not mounted */
  skipped: string[];
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: number }).code === 404;
}

async function claimDir(
  core: CoreV1Api,
  rootDir: string,
  namespace: string,
  claimName: string,
): Promise<string> {
  const pvc = await core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace });
  const uid = pvc.metadata?.uid ?? '';
  const dir = join(rootDir, 'volumes', uid);
  if (pvc.status?.phase === 'Bound') {
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  const pvName = `zkts-test-${uid}`;
  try {
    await core.readPersistentVolume({ name: pvName });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    mkdirSync(dir, { recursive: true });
    await core.createPersistentVolume({
      body: {
        metadata: { name: pvName, labels: { 'zkts.dev/test-kubelet': 'true' } },
        spec: {
          capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
          accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
          storageClassName: pvc.spec?.storageClassName ?? '',
          persistentVolumeReclaimPolicy: 'Retain',
          hostPath: { path: dir, type: 'DirectoryOrCreate' },
          claimRef: { kind: 'PersistentVolumeClaim', namespace, name: claimName, uid },
        },
      },
    });
  }
  throw new VolumeNotReady(`claim ${namespace}/${claimName} is not bound yet`);
}

/** Writes the ConfigMap's keys as files; rewrites only what changed, so bind mounts see updates. */
function writeConfigMapFiles(
  dir: string,
  data: Record<string, string>,
  items?: { key: string; path: string }[],
) {
  mkdirSync(dir, { recursive: true });
  const files = items ?? Object.keys(data).map((key) => ({ key, path: key }));
  for (const { key, path } of files) {
    const content = data[key];
    if (content === undefined) continue;
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    if (!existsSync(file) || readFileSync(file, 'utf8') !== content) writeFileSync(file, content);
  }
}

async function volumePath(
  core: CoreV1Api,
  rootDir: string,
  podDir: string,
  namespace: string,
  volume: V1Volume,
): Promise<string | undefined> {
  if (volume.persistentVolumeClaim) {
    return claimDir(core, rootDir, namespace, volume.persistentVolumeClaim.claimName);
  }
  if (volume.configMap) {
    const dir = join(podDir, 'volumes', volume.name);
    const cm = await core.readNamespacedConfigMap({ name: volume.configMap.name ?? '', namespace });
    writeConfigMapFiles(dir, cm.data ?? {}, volume.configMap.items);
    return dir;
  }
  if (volume.emptyDir) {
    const dir = join(podDir, 'volumes', volume.name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  if (volume.hostPath) return volume.hostPath.path;
  return undefined;
}

/** Throws VolumeNotReady while a claim waits to be bound; the caller retries on its next pass. */
export async function preparePodVolumes(
  core: CoreV1Api,
  rootDir: string,
  podDir: string,
  pod: V1Pod,
): Promise<PodVolumes> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const paths = new Map<string, string>();
  const skipped: string[] = [];
  for (const volume of pod.spec?.volumes ?? []) {
    const path = await volumePath(core, rootDir, podDir, namespace, volume);
    if (path === undefined) skipped.push(volume.name);
    else paths.set(volume.name, path);
  }
  return { paths, skipped };
}

/**
 * The test kubelet against the real control plane: a StatefulSet (run by the real
 * kube-controller-manager) with a headless Service, a ConfigMap volume and a PVC template
 * gets its pods bound, init containers run, pods run as local processes and probed Ready; each
 * pod sees its own hostname,
 * the headless DNS names of its peers and its own volumes; a deleted pod's process is stopped,
 * the pod is recreated at the same address with its data intact; a scale-down stops a pod.
 */
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { startTestKubelet, type TestKubelet } from './kubelet/kubelet.js';
import { waitFor } from './wait.js';

const here = dirname(fileURLToPath(import.meta.url));
const ns = 'kubelet-e2e';
const port = 8080;

let cp: ControlPlane;
let kubelet: TestKubelet;
let core: CoreV1Api;
let apps: AppsV1Api;

beforeAll(async () => {
  cp = await startControlPlane();
  kubelet = await startTestKubelet({
    kubeconfigPath: cp.kubeconfigPath,
    entrypoints: {
      images: { 'e2e/probe-server': ['node', join(here, 'kubelet/testdata/probe-server.mjs')] },
    },
  });
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});

afterAll(async () => {
  await kubelet?.stop();
  await cp?.stop();
});

async function podGet<T>(ip: string, path: string): Promise<T> {
  const res = await fetch(`http://${ip}:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const isReady = (pod: V1Pod) =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function readyPod(name: string, notUid?: string): Promise<V1Pod> {
  let found: V1Pod | undefined;
  await waitFor(
    `pod ${name} Ready`,
    async () => {
      const pod = await core.readNamespacedPod({ name, namespace: ns });
      if (pod.metadata?.uid === notUid || !isReady(pod)) return false;
      found = pod;
      return true;
    },
    90_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${kubelet.logs()}`);
  });
  return found as V1Pod;
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

describe('test kubelet', () => {
  it('registers a Ready node', async () => {
    const node = await core.readNode({ name: kubelet.nodeName });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('runs a StatefulSet: pods bound, Ready, at their own addresses, seeing their names and volumes', async () => {
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'web-config' }, data: { greeting: 'hello from the ConfigMap' } },
    });
    await core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'web-headless' },
        spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port }] },
      },
    });
    await apps.createNamespacedStatefulSet({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          serviceName: 'web-headless',
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              terminationGracePeriodSeconds: 10,
              // As a ZooKeeper pod might: myid from the ordinal, written before the server starts.
              initContainers: [
                {
                  name: 'myid',
                  image: 'busybox',
                  command: [
                    'sh',
                    '-c',
                    'echo $((${POD_NAME##*-} + 1)) > /var/lib/zkts-e2e/data/myid',
                  ],
                  env: [
                    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  ],
                  volumeMounts: [{ name: 'data', mountPath: '/var/lib/zkts-e2e/data' }],
                },
              ],
              containers: [
                {
                  name: 'web',
                  image: 'e2e/probe-server:1.0',
                  ports: [{ name: 'http', containerPort: port }],
                  env: [
                    { name: 'PORT', value: String(port) },
                    { name: 'DATA_DIR', value: '/var/lib/zkts-e2e/data' },
                    { name: 'CONFIG_DIR', value: '/etc/zkts-e2e' },
                    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  ],
                  readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
                  volumeMounts: [
                    { name: 'data', mountPath: '/var/lib/zkts-e2e/data' },
                    { name: 'config', mountPath: '/etc/zkts-e2e', readOnly: true },
                  ],
                },
              ],
              volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
            },
          ],
        },
      },
    });

    const [web0, web1] = [await readyPod('web-0'), await readyPod('web-1')];
    expect(web0.spec?.nodeName).toBe(kubelet.nodeName);
    expect(web0.status?.phase).toBe('Running');
    const ip0 = web0.status?.podIP ?? '';
    const ip1 = web1.status?.podIP ?? '';
    expect(ip0).toMatch(/^127\.0\.0\.\d+$/);
    expect(ip1).toMatch(/^127\.0\.0\.\d+$/);
    expect(ip0).not.toBe(ip1);

    const info = await podGet<{
      hostname: string;
      podName: string;
      greeting: string;
      address: { address: string };
    }>(ip0, '/info');
    expect(info).toMatchObject({
      hostname: 'web-0',
      podName: 'web-0',
      greeting: 'hello from the ConfigMap',
    });
    expect(info.address.address).toBe(ip0);
    const peer = await podGet<{ address: string }>(
      ip0,
      `/lookup?name=web-1.web-headless.${ns}.svc.cluster.local`,
    );
    expect(peer.address).toBe(ip1);

    const pvc = await core.readNamespacedPersistentVolumeClaim({
      name: 'data-web-0',
      namespace: ns,
    });
    expect(pvc.status?.phase).toBe('Bound');
  });

  it('stops a deleted pod, and its replacement gets the same address and the same data', async () => {
    const before = await core.readNamespacedPod({ name: 'web-0', namespace: ns });
    const ip0 = before.status?.podIP ?? '';
    await podGet(ip0, '/write?value=kept-across-restarts');
    const { pid } = await podGet<{ pid: number }>(ip0, '/info');

    await core.deleteNamespacedPod({ name: 'web-0', namespace: ns });
    const after = await readyPod('web-0', before.metadata?.uid);
    expect(processGone(pid)).toBe(true);
    expect(after.status?.podIP).toBe(ip0);
    expect(await podGet<{ value: string }>(ip0, '/read')).toEqual({
      value: 'kept-across-restarts',
    });
    expect((await podGet<{ pid: number }>(ip0, '/info')).pid).not.toBe(pid);
  });

  it('stops the pod a scale-down removes', async () => {
    const ip1 =
      (await core.readNamespacedPod({ name: 'web-1', namespace: ns })).status?.podIP ?? '';
    const { pid } = await podGet<{ pid: number }>(ip1, '/info');
    await apps.patchNamespacedStatefulSetScale(
      { name: 'web', namespace: ns, body: [{ op: 'replace', path: '/spec/replicas', value: 1 }] },
      undefined,
    );
    await waitFor('web-1 gone', async () => {
      const pods = await core.listNamespacedPod({ namespace: ns });
      return !pods.items.some((p) => p.metadata?.name === 'web-1');
    });
    expect(processGone(pid)).toBe(true);
  });
});

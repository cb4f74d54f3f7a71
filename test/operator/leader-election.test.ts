/**
 * Two operators with --leader-elect on one real API server: one holds the Lease and reconciles,
 * the other stands by (and is ready); when the holder stops it releases the Lease and the
 * standby takes over and reconciles.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOperator } from '../../src/operator/controller/main.js';
import { freePort, startControlPlane, type ControlPlane } from '../e2e/control-plane.js';
import { applyCrds, loadCrds } from '../e2e/crds.js';
import { kubeOk } from '../e2e/kube-raw.js';
import { waitFor } from '../e2e/wait.js';

const ns = 'le-test';
const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/zkts-operator`;
const cmPath = `/api/v1/namespaces/${ns}/configmaps/zk-config`;
const crPath = `/apis/zkts.dev/v1alpha1/namespaces/${ns}/zookeeperensembles/zk`;

interface Running {
  stop: AbortController;
  done: Promise<number>;
  port: number;
}

let cp: ControlPlane;
let kc: KubeConfig;
const running: Running[] = [];

async function start(): Promise<Running> {
  const port = await freePort();
  const stop = new AbortController();
  const done = runOperator(
    [
      '--kubeconfig',
      cp.kubeconfigPath,
      '--metrics-port',
      String(port),
      '--leader-elect',
      '--leader-election-namespace',
      ns,
      '--log-level',
      'warn',
    ],
    { signal: stop.signal },
  );
  const r = { stop, done, port };
  running.push(r);
  return r;
}

const holder = async () =>
  (await kubeOk<{ spec: { holderIdentity?: string } }>(kc, 'GET', leasePath)).spec.holderIdentity ??
  '';
const zooCfg = async () =>
  (await kubeOk<{ data: Record<string, string> }>(kc, 'GET', cmPath)).data['zoo.cfg'] ?? '';

beforeAll(async () => {
  cp = await startControlPlane({ controllerManager: false });
  kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  await applyCrds(kc, loadCrds());
  await kubeOk(kc, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns },
  });
});

afterAll(async () => {
  for (const r of running) r.stop.abort();
  await Promise.all(running.map((r) => r.done));
  await cp?.stop();
});

describe('leader election between two operators', () => {
  it('one leads and reconciles, the standby takes over when it stops', async () => {
    const first = await start();
    await waitFor('first operator holds the Lease', async () => (await holder()) !== '', 30_000);
    const firstIdentity = await holder();
    const second = await start();
    await waitFor(
      'standby is ready',
      async () => (await fetch(`http://127.0.0.1:${second.port}/readyz`)).status === 200,
      30_000,
    );

    await kubeOk(kc, 'POST', `/apis/zkts.dev/v1alpha1/namespaces/${ns}/zookeeperensembles`, {
      apiVersion: 'zkts.dev/v1alpha1',
      kind: 'ZooKeeperEnsemble',
      metadata: { name: 'zk', namespace: ns },
      spec: { replicas: 3, image: 'zkts:test' },
    });
    await waitFor(
      'the leader created the ConfigMap',
      async () => (await zooCfg()).includes('tickTime=2000'),
      30_000,
    );
    expect(await holder()).toBe(firstIdentity);

    first.stop.abort();
    expect(await first.done).toBe(0);
    await waitFor(
      'the standby took the Lease',
      async () => ![firstIdentity, ''].includes(await holder()),
      30_000,
    );

    await kubeOk(
      kc,
      'PATCH',
      crPath,
      { spec: { config: { tickTime: 3000 } } },
      'application/merge-patch+json',
    );
    await waitFor(
      'the new leader reconciled the change',
      async () => (await zooCfg()).includes('tickTime=3000'),
      30_000,
    );
  });
});

/**
 * The operator end to end with a server whose quorum already works: Apache ZooKeeper 3.8 as the
 * member image (testdata/apache-member.mjs stands in for `zkts server --config`), pods run by
 * test/e2e's test kubelet on the loopback control plane. The operator's own pod shape (myid
 * init container, zoo.cfg from its ConfigMap, readiness on admin ruok) forms a quorum; the
 * status becomes Ready with the leader named from the members' admin endpoints; a deleted
 * member comes back and the status is Ready again; 3 → 5 → 3 goes one member at a time through
 * reconfig and keeps the data, also when scaled down and straight back up; a settings change rolls followers first and the leader last,
 * across an operator restart; deleting the ensemble reclaims its PVCs.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOperator } from '../../src/operator/controller/main.js';
import { freePort, startControlPlane, type ControlPlane } from '../e2e/control-plane.js';
import { applyCrds, loadCrds } from '../e2e/crds.js';
import { kubeOk, kubeRequest } from '../e2e/kube-raw.js';
import { startTestKubelet, type TestKubelet } from '../e2e/kubelet/kubelet.js';
import { waitFor } from '../e2e/wait.js';
import { connectZk } from '../e2e/zk-client.js';

const ns = 'op-apache';
const crPath = `/apis/zkts.dev/v1alpha1/namespaces/${ns}/zookeeperensembles/zk`;
const wrapper = join(dirname(fileURLToPath(import.meta.url)), 'testdata/apache-member.mjs');

interface Status {
  readyReplicas?: number;
  leader?: string;
  currentVersion?: string;
  members?: { pod: string; role: string; ready: boolean; zxid?: string }[];
  conditions?: { type: string; status: string; reason: string }[];
}

let cp: ControlPlane;
let kc: KubeConfig;
let kubelet: TestKubelet;
let stopOperator: AbortController;
let operatorDone: Promise<number>;

const status = async () => (await kubeOk<{ status?: Status }>(kc, 'GET', crPath)).status ?? {};

async function waitReady(timeoutMs: number, n = 3): Promise<Status> {
  let last: Status = {};
  await waitFor(
    `ensemble Ready with one leader and ${n} ready members`,
    async () => {
      last = await status();
      const leaders = last.members?.filter((m) => m.role === 'leader') ?? [];
      return (
        (last.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false) &&
        last.readyReplicas === n &&
        last.members?.length === n &&
        last.members.every((m) => m.ready) &&
        leaders.length === 1 &&
        last.leader === leaders[0]?.pod
      );
    },
    timeoutMs,
    1000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nlast status: ${JSON.stringify(last)}\n${kubelet.logs()}`);
  });
  return last;
}

beforeAll(async () => {
  cp = await startControlPlane();
  kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  kubelet = await startTestKubelet({
    kubeconfigPath: cp.kubeconfigPath,
    entrypoints: { images: { 'e2e/apache-zk-operator': [process.execPath, wrapper] } },
  });
  await applyCrds(kc, loadCrds());
  await kubeOk(kc, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns },
  });
  stopOperator = new AbortController();
  operatorDone = runOperator(
    [
      '--kubeconfig',
      cp.kubeconfigPath,
      '--metrics-port',
      String(await freePort()),
      '--log-level',
      'warn',
    ],
    { signal: stopOperator.signal },
  );
});

afterAll(async () => {
  stopOperator?.abort();
  await operatorDone;
  await kubelet?.stop();
  await cp?.stop();
});

describe('operator with Apache ZooKeeper members on the test kubelet', () => {
  it('forms a quorum and reports Ready with the leader named', async () => {
    await kubeOk(kc, 'POST', `/apis/zkts.dev/v1alpha1/namespaces/${ns}/zookeeperensembles`, {
      apiVersion: 'zkts.dev/v1alpha1',
      kind: 'ZooKeeperEnsemble',
      metadata: { name: 'zk', namespace: ns },
      spec: {
        replicas: 3,
        image: 'e2e/apache-zk-operator:3.8',
        config: { tickTime: 500, initLimit: 20, syncLimit: 10 },
        storage: { size: '1Gi', reclaimPolicy: 'Delete' },
      },
    });
    const st = await waitReady(240_000);
    expect(st.leader).toMatch(/^zk-[0-2]$/);
    expect(st.currentVersion).toBe('3.8');
    expect(st.members?.map((m) => m.role).sort()).toEqual(['follower', 'follower', 'leader']);
    for (const m of st.members ?? []) expect(m.zxid).toMatch(/^0x[0-9a-f]+$/);
  });

  it('a deleted member comes back and the ensemble is Ready again', async () => {
    const before = await status();
    const follower = before.members!.find((m) => m.role === 'follower')!.pod;
    await kubeOk(kc, 'DELETE', `/api/v1/namespaces/${ns}/pods/${follower}`);
    await waitFor(
      'the status sees the member gone',
      async () => (await status()).readyReplicas !== 3,
      60_000,
      500,
    ).catch(() => undefined);
    await waitReady(180_000);
  });

  it('scales 3 → 5 → 3 one member at a time through reconfig, keeping the data', async () => {
    const podIp = async (i: number) =>
      (
        await kubeOk<{ status: { podIP: string } }>(
          kc,
          'GET',
          `/api/v1/namespaces/${ns}/pods/zk-${i}`,
        )
      ).status.podIP;
    const zk = await connectZk(`${await podIp(0)}:2181`);
    await zk.create('/before-scaling', 'kept');
    zk.close();

    await kubeOk(
      kc,
      'PATCH',
      `${crPath}/scale`,
      { spec: { replicas: 5 } },
      'application/merge-patch+json',
    );
    await waitReady(300_000, 5);
    const sts = await kubeOk<{ spec: { replicas: number } }>(
      kc,
      'GET',
      `/apis/apps/v1/namespaces/${ns}/statefulsets/zk`,
    );
    expect(sts.spec.replicas).toBe(5);

    await kubeOk(kc, 'PATCH', crPath, { spec: { replicas: 3 } }, 'application/merge-patch+json');
    await waitReady(300_000, 3);
    await waitFor(
      "the removed members' PVCs reclaimed",
      async () =>
        (
          await kubeOk<{ items: unknown[] }>(
            kc,
            'GET',
            `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
          )
        ).items.length === 3,
      60_000,
    );
    for (let i = 0; i < 3; i++) {
      const c = await connectZk(`${await podIp(i)}:2181`);
      try {
        expect(await c.get('/before-scaling')).toBe('kept');
      } finally {
        c.close();
      }
    }
  });

  it('rolls a settings change: followers first, the leader last, with the operator restarted mid-way', async () => {
    const leader = (await status()).leader!;
    const restarts = async () =>
      (
        await kubeOk<{
          items: { reason: string; message: string; involvedObject: { name: string } }[];
        }>(kc, 'GET', `/api/v1/namespaces/${ns}/events`)
      ).items.filter((e) => e.reason === 'RestartingMember' && e.involvedObject.name === 'zk');
    const before = (await restarts()).length;
    await kubeOk(
      kc,
      'PATCH',
      crPath,
      { spec: { config: { maxClientCnxns: 100 } } },
      'application/merge-patch+json',
    );
    await waitFor(
      'a first member restarted',
      async () => (await restarts()).length > before,
      120_000,
      500,
    );
    // A new operator process picks up where the old one was.
    stopOperator.abort();
    await operatorDone;
    stopOperator = new AbortController();
    operatorDone = runOperator(
      [
        '--kubeconfig',
        cp.kubeconfigPath,
        '--metrics-port',
        String(await freePort()),
        '--log-level',
        'warn',
      ],
      { signal: stopOperator.signal },
    );
    await waitFor(
      'three members restarted',
      async () => (await restarts()).length >= before + 3,
      300_000,
      1000,
    );
    await waitReady(180_000);
    const rolled = (await restarts()).slice(before).map((e) => e.message);
    expect(rolled).toHaveLength(3);
    expect(rolled[2]).toContain(`restart the leader ${leader} last`);
    const sts = await kubeOk<{ status: { updateRevision: string } }>(
      kc,
      'GET',
      `/apis/apps/v1/namespaces/${ns}/statefulsets/zk`,
    );
    const pods = await kubeOk<{ items: { metadata: { labels: Record<string, string> } }[] }>(
      kc,
      'GET',
      `/api/v1/namespaces/${ns}/pods`,
    );
    for (const p of pods.items)
      expect(p.metadata.labels['controller-revision-hash']).toBe(sts.status.updateRevision);
  });

  it('scaling down and straight back up neither gets stuck nor loses data', async () => {
    const events = async (reason: string) =>
      (
        await kubeOk<{ items: { reason: string; involvedObject: { name: string } }[] }>(
          kc,
          'GET',
          `/api/v1/namespaces/${ns}/events`,
        )
      ).items.filter((e) => e.reason === reason && e.involvedObject.name === 'zk').length;
    await kubeOk(kc, 'PATCH', crPath, { spec: { replicas: 4 } }, 'application/merge-patch+json');
    await waitReady(300_000, 4);
    const removed = await events('MemberRemoved');
    await kubeOk(kc, 'PATCH', crPath, { spec: { replicas: 3 } }, 'application/merge-patch+json');
    await waitFor(
      'zk-3 reconfigured out',
      async () => (await events('MemberRemoved')) > removed,
      120_000,
      200,
    );
    await kubeOk(kc, 'PATCH', crPath, { spec: { replicas: 4 } }, 'application/merge-patch+json');
    await waitReady(400_000, 4);
    const podIp = async (i: number) =>
      (
        await kubeOk<{ status: { podIP: string } }>(
          kc,
          'GET',
          `/api/v1/namespaces/${ns}/pods/zk-${i}`,
        )
      ).status.podIP;
    for (let i = 0; i < 3; i++) {
      const c = await connectZk(`${await podIp(i)}:2181`);
      try {
        expect(await c.get('/before-scaling')).toBe('kept');
      } finally {
        c.close();
      }
    }
    await kubeOk(kc, 'PATCH', crPath, { spec: { replicas: 3 } }, 'application/merge-patch+json');
    await waitReady(300_000, 3);
  });

  it('deleting the ensemble reclaims its PVCs (reclaimPolicy Delete)', async () => {
    const pvcs = async () =>
      (
        await kubeOk<{ items: unknown[] }>(
          kc,
          'GET',
          `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
        )
      ).items.length;
    expect(await pvcs()).toBe(3);
    await kubeOk(kc, 'DELETE', crPath);
    await waitFor(
      'ensemble gone',
      async () => (await kubeRequest(kc, 'GET', crPath)).status === 404,
      120_000,
    );
    await waitFor('PVCs gone', async () => (await pvcs()) === 0, 120_000);
  });
});

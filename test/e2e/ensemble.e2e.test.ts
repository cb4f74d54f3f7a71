/**
 * The operator's end-to-end scenario on the loopback control plane (issue 5):
 * apply the CRD and a 3-member ZooKeeperEnsemble; 3 zkts processes start, form a quorum and
 * the status becomes Ready with the leader named; a client writes through every member's
 * address; a deleted pod is recreated, rejoins, and the data is intact; 3 → 5 → 3 with a
 * writer running and the operator restarted mid-way loses no acknowledged write; deleting
 * the ensemble garbage-collects its children and handles PVCs as reclaimPolicy says.
 *
 * It runs the built server and operator (dist/), which the test command builds first.
 */
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { applyCrds, loadCrds } from './crds.js';
import { kubeOk, kubeRequest } from './kube-raw.js';
import { startTestKubelet, type TestKubelet } from './kubelet/kubelet.js';
import { startOperatorProcess, type OperatorProcess } from './operator-process.js';
import { superUserConfig, superUserFlags } from './super-user.js';
import { waitFor } from './wait.js';
import { connectZk, type ZkClient } from './zk-client.js';

const ns = 'zk-e2e';
const group = '/apis/zkts.dev/v1alpha1';
const clientPort = 2181;

interface EnsembleStatus {
  replicas?: number;
  readyReplicas?: number;
  leader?: string;
  members?: { pod: string; role: string; ready: boolean }[];
  conditions?: { type: string; status: string; reason?: string }[];
}

let cp: ControlPlane;
let kubelet: TestKubelet;
let operator: OperatorProcess;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;

const ensemblePath = (name: string) => `${group}/namespaces/${ns}/zookeeperensembles/${name}`;

function ensemble(name: string, replicas: number, reclaimPolicy: 'Retain' | 'Delete') {
  return {
    apiVersion: 'zkts.dev/v1alpha1',
    kind: 'ZooKeeperEnsemble',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      image: 'zkts:e2e',
      storage: { size: '1Gi', reclaimPolicy },
      // Scaling goes through reconfig, which is for super users only.
      config: { additional: superUserConfig },
    },
  };
}

async function status(name: string): Promise<EnsembleStatus> {
  return (await kubeOk<{ status?: EnsembleStatus }>(kc, 'GET', ensemblePath(name))).status ?? {};
}

const isReady = (pod: V1Pod) =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

function diagnostics(): string {
  return `\n----- operator -----\n${operator.log().split('\n').slice(-40).join('\n')}\n${kubelet.logs()}`;
}

/** Ready condition True, `replicas` members all ready, exactly one leader, named in status.leader. */
async function waitEnsembleReady(
  name: string,
  replicas: number,
  timeoutMs = 180_000,
): Promise<EnsembleStatus> {
  let last: EnsembleStatus = {};
  await waitFor(
    `${name} Ready with ${replicas} members`,
    async () => {
      last = await status(name);
      const ready =
        last.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      // A one-member ensemble may run standalone (the CRD's role enum allows it).
      const leaders =
        last.members?.filter(
          (m) => m.role === 'leader' || (replicas === 1 && m.role === 'standalone'),
        ) ?? [];
      return (
        ready &&
        last.readyReplicas === replicas &&
        last.members?.length === replicas &&
        last.members.every((m) => m.ready) &&
        leaders.length === 1 &&
        last.leader === leaders[0]?.pod
      );
    },
    timeoutMs,
    1000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nlast status: ${JSON.stringify(last)}${diagnostics()}`);
  });
  return last;
}

async function memberAddresses(name: string, replicas: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < replicas; i++) {
    const pod = await core.readNamespacedPod({ name: `${name}-${i}`, namespace: ns });
    out.push(`${pod.status?.podIP}:${clientPort}`);
  }
  return out;
}

/**
 * Every acknowledged znode must be readable through every member. A follower applies a commit
 * a moment after the leader acknowledged it, so a missing node gets a few seconds to appear.
 */
async function expectAllWrites(name: string, replicas: number, acked: Map<string, string>) {
  for (const addr of await memberAddresses(name, replicas)) {
    const zk = await connectZk(addr);
    try {
      for (const [path, value] of acked) {
        let got: string | undefined;
        await waitFor(
          `${path} via ${addr}`,
          async () => {
            got = await zk.get(path);
            return true;
          },
          10_000,
        ).catch(() => undefined);
        expect(got, `${path} via ${addr}`).toBe(value);
      }
    } finally {
      zk.close();
    }
  }
}

async function pvcNames(name: string): Promise<string[]> {
  const pvcs = await core.listNamespacedPersistentVolumeClaim({ namespace: ns });
  return pvcs.items
    .map((p) => p.metadata?.name ?? '')
    .filter((n) => new RegExp(`-${name}-\\d+$`).test(n))
    .sort();
}

beforeAll(async () => {
  cp = await startControlPlane();
  kubelet = await startTestKubelet({ kubeconfigPath: cp.kubeconfigPath });
  kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
});

afterAll(async () => {
  await operator?.stop();
  await kubelet?.stop();
  await cp?.stop();
});

describe('operator end to end on the loopback control plane', () => {
  const acked = new Map<string, string>();

  it('applies the CRD and starts the operator', async () => {
    const crds = loadCrds();
    expect(crds.map((c) => c.metadata.name)).toContain('zookeeperensembles.zkts.dev');
    await applyCrds(kc, crds);
    operator = startOperatorProcess(cp.kubeconfigPath, cp.dir, superUserFlags);
    await new Promise((r) => setTimeout(r, 3000));
    expect(operator.running(), operator.log()).toBe(true);
  });

  it('turns a 3-member ensemble into 3 running zkts processes with a quorum and a named leader', async () => {
    await kubeOk(
      kc,
      'POST',
      `${group}/namespaces/${ns}/zookeeperensembles`,
      ensemble('zk', 3, 'Delete'),
    );
    const st = await waitEnsembleReady('zk', 3);
    expect(st.leader).toMatch(/^zk-[0-2]$/);
    for (let i = 0; i < 3; i++) {
      const pod = await core.readNamespacedPod({ name: `zk-${i}`, namespace: ns });
      expect(isReady(pod)).toBe(true);
    }
  });

  it('takes writes through every member address', async () => {
    const addrs = await memberAddresses('zk', 3);
    for (const [i, addr] of addrs.entries()) {
      const zk = await connectZk(addr);
      try {
        if (i === 0) await zk.mkdirp('/e2e');
        await zk.create(`/e2e/via-${i}`, `written through zk-${i}`);
        acked.set(`/e2e/via-${i}`, `written through zk-${i}`);
      } finally {
        zk.close();
      }
    }
    await expectAllWrites('zk', 3, acked);
  });

  it('recreates a deleted pod, which rejoins with the data intact', async () => {
    const before = await core.readNamespacedPod({ name: 'zk-1', namespace: ns });
    await core.deleteNamespacedPod({ name: 'zk-1', namespace: ns });
    await waitFor(
      'zk-1 recreated',
      async () => {
        const pod = await core.readNamespacedPod({ name: 'zk-1', namespace: ns });
        return pod.metadata?.uid !== before.metadata?.uid && isReady(pod);
      },
      120_000,
    );
    await waitEnsembleReady('zk', 3);
    await expectAllWrites('zk', 3, acked);
  });

  it('scales 3 → 5 → 3 with a writer running and the operator restarted mid-way, losing no acknowledged write', async () => {
    let writing = true;
    let n = 0;
    const writer = (async () => {
      while (writing) {
        const addrs = await memberAddresses('zk', 3);
        let zk: ZkClient | undefined;
        try {
          zk = await connectZk(addrs[n % addrs.length] ?? '', 5_000);
          while (writing) {
            const path = `/e2e/w-${String(n).padStart(6, '0')}`;
            await zk.create(path, `w${n}`);
            acked.set(path, `w${n}`);
            n++;
            await new Promise((r) => setTimeout(r, 50));
          }
        } catch {
          // A member going away drops the session: the write was not acknowledged; retry on another.
          n++;
        } finally {
          zk?.close();
        }
      }
    })();

    await kubeOk(
      kc,
      'PATCH',
      `${ensemblePath('zk')}/scale`,
      { spec: { replicas: 5 } },
      'application/merge-patch+json',
    );
    await waitFor(
      'a 4th member pod',
      async () => (await core.listNamespacedPod({ namespace: ns })).items.length >= 4,
      120_000,
    );
    await operator.restart();
    await waitEnsembleReady('zk', 5, 300_000);
    const sts = await apps.readNamespacedStatefulSet({ name: 'zk', namespace: ns });
    expect(sts.spec?.replicas).toBe(5);

    await kubeOk(
      kc,
      'PATCH',
      ensemblePath('zk'),
      { spec: { replicas: 3 } },
      'application/merge-patch+json',
    );
    await waitEnsembleReady('zk', 3, 300_000);
    writing = false;
    await writer;
    expect(acked.size).toBeGreaterThan(3);
    await expectAllWrites('zk', 3, acked);
    // reclaimPolicy Delete: the removed members' claims go with them.
    await waitFor('PVCs of zk-3 and zk-4 removed', async () => (await pvcNames('zk')).length === 3);
  });

  it('garbage-collects the children of a deleted ensemble and deletes its PVCs (reclaimPolicy Delete)', async () => {
    await kubeOk(kc, 'DELETE', ensemblePath('zk'));
    await waitFor(
      'ensemble zk and its children gone',
      async () => {
        const cr = await kubeRequest(kc, 'GET', ensemblePath('zk'));
        const sts = await apps.listNamespacedStatefulSet({ namespace: ns });
        const svcs = await core.listNamespacedService({ namespace: ns });
        const cms = await core.listNamespacedConfigMap({ namespace: ns });
        const pods = await core.listNamespacedPod({ namespace: ns });
        const pdbs = await kubeOk<{ items: unknown[] }>(
          kc,
          'GET',
          `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`,
        );
        return (
          cr.status === 404 &&
          sts.items.length === 0 &&
          svcs.items.length === 0 &&
          !cms.items.some((c) => c.metadata?.ownerReferences?.length) &&
          pdbs.items.length === 0 &&
          pods.items.length === 0
        );
      },
      120_000,
    );
    await waitFor('PVCs of zk removed', async () => (await pvcNames('zk')).length === 0, 60_000);
  });

  it('keeps the PVCs of a deleted ensemble with reclaimPolicy Retain', async () => {
    await kubeOk(
      kc,
      'POST',
      `${group}/namespaces/${ns}/zookeeperensembles`,
      ensemble('kept', 1, 'Retain'),
    );
    await waitEnsembleReady('kept', 1);
    await kubeOk(kc, 'DELETE', ensemblePath('kept'));
    await waitFor(
      'ensemble kept gone',
      async () => (await kubeRequest(kc, 'GET', ensemblePath('kept'))).status === 404,
      120_000,
    );
    await waitFor(
      'pods of kept gone',
      async () => (await core.listNamespacedPod({ namespace: ns })).items.length === 0,
      120_000,
    );
    expect(await pvcNames('kept')).toHaveLength(1);
  });
});

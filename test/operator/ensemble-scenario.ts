/**
 * The operator end to end, once per member image: pods run by test/e2e's test kubelet on the
 * loopback control plane, the operator in-process. The operator's own pod shape (myid init
 * container, zoo.cfg from its ConfigMap, readiness on admin ruok) forms a quorum; the status
 * becomes Ready with the leader named from the members' admin endpoints; a deleted member comes
 * back and the status is Ready again; a settings change rolls followers first and the leader
 * last, across an operator restart and under client write load, losing no acknowledged write
 * (members that can yield hand leadership away before their pod is deleted); 3 → 5 → 3 goes
 * one member at a time through reconfig and keeps the data, also when scaled down and straight
 * back up; deleting the ensemble reclaims its PVCs; a one-member ensemble (a quorum of one, so
 * that it can grow) leads alone and keeps its PVC when deleted with reclaimPolicy Retain.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOperator } from '../../src/operator/controller/main.js';
import { readMemberState } from '../../src/operator/controller/members.js';
import { freePort, startControlPlane, type ControlPlane } from '../e2e/control-plane.js';
import { applyCrds, loadCrds } from '../e2e/crds.js';
import { kubeOk, kubeRequest } from '../e2e/kube-raw.js';
import { startTestKubelet, type TestKubelet } from '../e2e/kubelet/kubelet.js';
import { superUserConfig, superUserFlags } from '../e2e/super-user.js';
import type { Entrypoints } from '../e2e/kubelet/pod-process.js';
import { waitFor } from '../e2e/wait.js';
import { connectZk } from '../e2e/zk-client.js';
import { startWriter } from './writer.js';

export interface MemberImage {
  /** for test names */
  label: string;
  namespace: string;
  image: string;
  /** what the status reports as currentVersion for that image */
  version: string;
  entrypoints?: Partial<Entrypoints>;
  /** the leader answers admin yield_leadership (zkts); Apache ZooKeeper has no such command */
  canYield: boolean;
}

interface Status {
  readyReplicas?: number;
  leader?: string;
  currentVersion?: string;
  members?: { pod: string; role: string; ready: boolean; zxid?: string }[];
  conditions?: { type: string; status: string; reason: string }[];
}

interface Event {
  reason: string;
  message: string;
  firstTimestamp: string;
  involvedObject: { name: string };
}

const ADMIN_PORT = 8080;

export function operatorScenario(m: MemberImage): void {
  const ns = m.namespace;
  const ensembles = `/apis/zkts.dev/v1alpha1/namespaces/${ns}/zookeeperensembles`;
  const crPath = `${ensembles}/zk`;
  let cp: ControlPlane;
  let kc: KubeConfig;
  let kubelet: TestKubelet;
  let stopOperator: AbortController;
  let operatorDone: Promise<number>;

  const status = async (name = 'zk') =>
    (await kubeOk<{ status?: Status }>(kc, 'GET', `${ensembles}/${name}`)).status ?? {};
  const podIp = async (i: number) =>
    (
      await kubeOk<{ status: { podIP: string } }>(
        kc,
        'GET',
        `/api/v1/namespaces/${ns}/pods/zk-${i}`,
      )
    ).status.podIP;
  const events = async (reason?: string) =>
    (await kubeOk<{ items: Event[] }>(kc, 'GET', `/api/v1/namespaces/${ns}/events`)).items
      .filter((e) => e.involvedObject.name === 'zk' && (!reason || e.reason === reason))
      .sort((a, b) => a.firstTimestamp.localeCompare(b.firstTimestamp));
  /** The ensemble's pods: their template revision, the StatefulSet's, and whether going away. */
  const podsNow = async () => {
    const sts = await kubeOk<{ status: { updateRevision: string } }>(
      kc,
      'GET',
      `/apis/apps/v1/namespaces/${ns}/statefulsets/zk`,
    );
    const pods = await kubeOk<{
      items: { metadata: { labels: Record<string, string>; deletionTimestamp?: string } }[];
    }>(kc, 'GET', `/api/v1/namespaces/${ns}/pods`);
    return pods.items.map((p) => ({
      revision: p.metadata.labels['controller-revision-hash'],
      updateRevision: sts.status.updateRevision,
      terminating: p.metadata.deletionTimestamp !== undefined,
    }));
  };
  const patch = (path: string, body: unknown) =>
    kubeOk(kc, 'PATCH', path, body, 'application/merge-patch+json');

  const startOperator = async () => {
    stopOperator = new AbortController();
    operatorDone = runOperator(
      [
        '--kubeconfig',
        cp.kubeconfigPath,
        '--metrics-port',
        String(await freePort()),
        '--log-level',
        'warn',
        ...superUserFlags,
      ],
      { signal: stopOperator.signal },
    );
  };

  /**
   * Ready with n members. A reconfig the members refuse for good (ZUNIMPLEMENTED -6,
   * ZRECONFIGDISABLED -123) fails the wait at once instead of at its deadline.
   */
  async function waitReady(timeoutMs: number, n = 3, name = 'zk'): Promise<Status> {
    let last: Status = {};
    const errorsBefore = (await events('ReconcileError')).length;
    let refused: string | undefined;
    await waitFor(
      `${name} Ready with one leader and ${n} ready members`,
      async () => {
        refused ??= (await events('ReconcileError'))
          .slice(errorsBefore)
          .find((e) => /reconfig failed with ZooKeeper error (-6|-123)\b/.test(e.message))?.message;
        if (refused) return true;
        last = await status(name);
        const leaders = last.members?.filter((x) => x.role === 'leader') ?? [];
        return (
          (last.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false) &&
          last.readyReplicas === n &&
          last.members?.length === n &&
          last.members.every((x) => x.ready) &&
          leaders.length === 1 &&
          last.leader === leaders[0]?.pod
        );
      },
      timeoutMs,
      1000,
    ).catch(async (err: Error) => {
      const warnings = (await events().catch(() => []))
        .filter((e) => !['RestartingMember', 'Created', 'Resized'].includes(e.reason))
        .slice(-10)
        .map((e) => `${e.firstTimestamp} ${e.reason}: ${e.message}`)
        .join('\n');
      throw new Error(
        `${err.message}\nlast status: ${JSON.stringify(last)}\nlast events:\n${warnings}\n${kubelet.logs()}`,
      );
    });
    if (refused)
      throw new Error(
        `the members refuse to change membership: ${refused}\nlast status: ${JSON.stringify(last)}\n${kubelet.logs()}`,
      );
    return last;
  }

  /**
   * Every acknowledged znode is readable through members 0..members-1 (followers apply a moment
   * later). Scaling checks read through the first three only: an Apache member added by
   * reconfig takes its client address from the reconfig line (`;2181`, all addresses), which
   * cannot bind on the test pods' shared host network.
   */
  async function expectAllThere(acked: Map<string, string>, members = 3) {
    for (let i = 0; i < members; i++) {
      const addr = `${await podIp(i)}:2181`;
      const zk = await connectZk(addr);
      try {
        for (const [path, value] of acked) {
          let got: string | undefined;
          await waitFor(
            `${path} via zk-${i}`,
            async () => {
              got = await zk.get(path);
              return true;
            },
            10_000,
          ).catch(() => undefined);
          expect(got, `${path} via zk-${i}`).toBe(value);
        }
      } finally {
        zk.close();
      }
    }
  }

  const ensemble = (name: string, replicas: number, reclaimPolicy: 'Delete' | 'Retain') => ({
    apiVersion: 'zkts.dev/v1alpha1',
    kind: 'ZooKeeperEnsemble',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      image: m.image,
      config: {
        tickTime: 500,
        initLimit: 20,
        syncLimit: 10,
        // Reconfig is for super users only.
        additional: superUserConfig,
      },
      storage: { size: '1Gi', reclaimPolicy },
    },
  });

  beforeAll(async () => {
    cp = await startControlPlane();
    kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    kubelet = await startTestKubelet({
      kubeconfigPath: cp.kubeconfigPath,
      ...(m.entrypoints ? { entrypoints: m.entrypoints } : {}),
    });
    await applyCrds(kc, loadCrds());
    await kubeOk(kc, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    });
    await startOperator();
  });

  afterAll(async () => {
    stopOperator?.abort();
    await operatorDone;
    await kubelet?.stop();
    await cp?.stop();
  });

  describe(`operator with ${m.label} members on the test kubelet`, () => {
    const kept = new Map<string, string>([['/before-scaling', 'kept']]);

    it('forms a quorum and reports Ready with the leader named', async () => {
      await kubeOk(kc, 'POST', ensembles, ensemble('zk', 3, 'Delete'));
      const st = await waitReady(240_000);
      expect(st.leader).toMatch(/^zk-[0-2]$/);
      expect(st.currentVersion).toBe(m.version);
      expect(st.members?.map((x) => x.role).sort()).toEqual(['follower', 'follower', 'leader']);
      for (const x of st.members ?? []) expect(x.zxid).toMatch(/^0x[0-9a-f]+$/);
      const zk = await connectZk(`${await podIp(0)}:2181`);
      try {
        await zk.create('/before-scaling', 'kept');
      } finally {
        zk.close();
      }
    });

    it('a deleted member comes back and the ensemble is Ready again', async () => {
      const before = await status();
      const follower = before.members!.find((x) => x.role === 'follower')!.pod;
      await kubeOk(kc, 'DELETE', `/api/v1/namespaces/${ns}/pods/${follower}`);
      await waitFor(
        'the status sees the member gone',
        async () => (await status()).readyReplicas !== 3,
        60_000,
        500,
      ).catch(() => undefined);
      await waitReady(180_000);
      await expectAllThere(kept);
    });

    it(`rolls a settings change under write load: followers first, the leader last${m.canYield ? ' after it yielded leadership' : ''}, with the operator restarted mid-way`, async () => {
      const leader = (await status()).leader!;
      const leaderOrdinal = Number(leader.slice('zk-'.length));
      const ips = await Promise.all([0, 1, 2].map(podIp));
      const before = (await events('RestartingMember')).length;
      const writer = await startWriter(
        ips.map((ip) => `${ip}:2181`),
        '/rolling',
      );

      // What the members say at the moment the old leader's pod is marked for deletion (its
      // process runs on through the 5 s preStop).
      let atDeletion: { oldLeaderRole: string; leaders: number[] } | undefined;
      let watching = true;
      const watcher = (async () => {
        while (watching && !atDeletion) {
          const pod = await kubeRequest(kc, 'GET', `/api/v1/namespaces/${ns}/pods/${leader}`);
          const body = pod.body as { metadata?: { deletionTimestamp?: string } } | undefined;
          if (pod.status === 404 || body?.metadata?.deletionTimestamp) {
            const roles = await Promise.all(
              ips.map((ip) => readMemberState(`${ip}:${ADMIN_PORT}`, 1000)),
            );
            atDeletion = {
              oldLeaderRole: roles[leaderOrdinal]!.role,
              leaders: roles.flatMap((r, i) => (r.role === 'leader' ? [i] : [])),
            };
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      })();

      await patch(crPath, { spec: { config: { maxClientCnxns: 100 } } });
      await waitFor(
        'a first member restarted',
        async () => (await events('RestartingMember')).length > before,
        120_000,
        500,
      );
      // A new operator picks up where the old one was.
      stopOperator.abort();
      await operatorDone;
      await startOperator();
      await waitFor(
        'three members restarted',
        async () => (await events('RestartingMember')).length >= before + 3,
        300_000,
        1000,
      );
      // The last restarted pod lingers through its preStop, still ready: wait for its successor.
      await waitFor(
        'three pods on the new template, none terminating',
        async () => {
          const pods = await podsNow();
          return (
            pods.length === 3 &&
            pods.every((p) => p.revision === pods[0]!.updateRevision && !p.terminating)
          );
        },
        120_000,
        500,
      );
      await waitReady(180_000);
      watching = false;
      await watcher;
      const acked = await writer.stop();

      const rolled = (await events('RestartingMember')).slice(before).map((e) => e.message);
      expect(rolled).toHaveLength(3);
      expect(rolled[2]).toContain(leader);
      expect(atDeletion, 'the old leader pod was seen being deleted').toBeDefined();
      if (m.canYield) {
        // Leadership moved before the old leader's pod was deleted.
        expect(atDeletion!.oldLeaderRole).toBe('follower');
        expect(atDeletion!.leaders).toHaveLength(1);
        expect(atDeletion!.leaders[0]).not.toBe(leaderOrdinal);
        const moved = await events('LeadershipMoved');
        expect(moved.at(-1)?.message).toContain(`leadership moved from ${leader} to zk-`);
        expect(rolled[2]).toContain(`restart follower ${leader}`);
      } else {
        // No handoff command: the leader leads until its restart.
        expect(atDeletion!.oldLeaderRole).toBe('leader');
        expect(rolled[2]).toContain(`restart the leader ${leader} last`);
        expect((await events('LeaderHandOff')).at(-1)?.message).toContain('no yield command');
      }

      expect(acked.size).toBeGreaterThan(20);
      await expectAllThere(acked);
      await expectAllThere(kept);
      for (const p of await podsNow()) expect(p.revision).toBe(p.updateRevision);
    }, 900_000);

    it('scales 3 → 5 → 3 one member at a time through reconfig, keeping the data', async () => {
      await patch(`${crPath}/scale`, { spec: { replicas: 5 } });
      await waitReady(300_000, 5);
      const sts = await kubeOk<{ spec: { replicas: number } }>(
        kc,
        'GET',
        `/apis/apps/v1/namespaces/${ns}/statefulsets/zk`,
      );
      expect(sts.spec.replicas).toBe(5);

      await patch(crPath, { spec: { replicas: 3 } });
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
      await expectAllThere(kept);
    }, 720_000);

    it('scaling down and straight back up neither gets stuck nor loses data', async () => {
      await patch(crPath, { spec: { replicas: 4 } });
      await waitReady(300_000, 4);
      const removed = (await events('MemberRemoved')).length;
      await patch(crPath, { spec: { replicas: 3 } });
      await waitFor(
        'zk-3 reconfigured out',
        async () => (await events('MemberRemoved')).length > removed,
        120_000,
        200,
      );
      await patch(crPath, { spec: { replicas: 4 } });
      await waitReady(400_000, 4);
      await expectAllThere(kept);
      await patch(crPath, { spec: { replicas: 3 } });
      await waitReady(300_000, 3);
    }, 1_200_000);

    it('deleting the ensemble reclaims its PVCs (reclaimPolicy Delete)', async () => {
      const pvcs = async () =>
        (
          await kubeOk<{ items: unknown[] }>(
            kc,
            'GET',
            `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
          )
        ).items.length;
      // Three after the scaling steps; also more when those failed: every claim goes.
      expect(await pvcs()).toBeGreaterThanOrEqual(3);
      await kubeOk(kc, 'DELETE', crPath);
      await waitFor(
        'ensemble gone',
        async () => (await kubeRequest(kc, 'GET', crPath)).status === 404,
        120_000,
      );
      await waitFor('PVCs gone', async () => (await pvcs()) === 0, 120_000);
    });

    it('a one-member ensemble leads alone, and its PVC stays when deleted (reclaimPolicy Retain)', async () => {
      await kubeOk(kc, 'POST', ensembles, ensemble('solo', 1, 'Retain'));
      // standaloneEnabled=false (so that it can grow): a quorum of one, its member the leader.
      const st = await waitReady(120_000, 1, 'solo');
      expect(st.leader).toBe('solo-0');
      const pod = await kubeOk<{ status: { podIP: string } }>(
        kc,
        'GET',
        `/api/v1/namespaces/${ns}/pods/solo-0`,
      );
      const zk = await connectZk(`${pod.status.podIP}:2181`);
      try {
        await zk.create('/solo', 'kept');
      } finally {
        zk.close();
      }
      await kubeOk(kc, 'DELETE', `${ensembles}/solo`);
      await waitFor(
        'solo and its pod gone',
        async () =>
          (await kubeRequest(kc, 'GET', `${ensembles}/solo`)).status === 404 &&
          (await kubeRequest(kc, 'GET', `/api/v1/namespaces/${ns}/pods/solo-0`)).status === 404,
        120_000,
      );
      const pvcs = await kubeOk<{ items: { metadata: { name: string } }[] }>(
        kc,
        'GET',
        `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
      );
      expect(pvcs.items.map((p) => p.metadata.name)).toEqual(['data-solo-0']);
    });
  });
}

/**
 * The controller against a real kube-apiserver + kube-controller-manager (test/e2e's loopback
 * control plane), without a kubelet: member pods stay Pending, so there is never a quorum.
 * Checks what the operator does with the API: children by server-side apply under
 * zkts-operator with owner references, the finalizer, status through the status subresource
 * with conditions and observedGeneration, Events, the Lease, its HTTP endpoints; that it does
 * not change membership without a healthy quorum; and that deleting an ensemble with
 * reclaimPolicy Delete removes its PVCs. The operator runs as a ServiceAccount holding only the
 * Helm chart's RBAC rules, so the chart's least-privilege ClusterRole is tested too.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOperator } from '../../src/operator/controller/main.js';
import { startControlPlane, freePort, type ControlPlane } from '../e2e/control-plane.js';
import { applyCrds, loadCrds } from '../e2e/crds.js';
import { kubeOk, kubeRequest } from '../e2e/kube-raw.js';
import { waitFor } from '../e2e/wait.js';

const ns = 'op-test';
const group = `/apis/zkts.dev/v1alpha1/namespaces/${ns}/zookeeperensembles`;

interface Obj {
  metadata: {
    name: string;
    finalizers?: string[];
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
    managedFields?: { manager: string; operation: string }[];
  };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  status?: Record<string, unknown>;
}

let cp: ControlPlane;
let kc: KubeConfig;
let stopOperator: AbortController;
let operatorDone: Promise<number>;
let metricsPort: number;

beforeAll(async () => {
  cp = await startControlPlane();
  kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  await applyCrds(kc, loadCrds());
  await kubeOk(kc, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns },
  });
  const operatorKubeconfig = await serviceAccountKubeconfig();
  metricsPort = await freePort();
  stopOperator = new AbortController();
  operatorDone = runOperator(
    [
      '--kubeconfig',
      operatorKubeconfig,
      '--metrics-port',
      String(metricsPort),
      '--leader-elect',
      '--leader-election-namespace',
      ns,
      '--log-level',
      'warn',
    ],
    { signal: stopOperator.signal },
  );
});

afterAll(async () => {
  stopOperator?.abort();
  await operatorDone;
  await cp?.stop();
});

interface RbacDoc {
  kind: string;
  rules?: unknown[];
}

/** A kubeconfig for a ServiceAccount bound to the chart's ClusterRole and leader-election Role. */
async function serviceAccountKubeconfig(): Promise<string> {
  const text = readFileSync(new URL('../../helm/zkts/templates/rbac.yaml', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => !/^\s*\{\{-?[^}]*\}\}\s*$/.test(l))
    .map((l) => l.replace(/\{\{-?[^}]*-?\}\}/g, 'x'))
    .join('\n');
  const docs = parseAllDocuments(text).map((d) => d.toJS() as RbacDoc);
  const clusterRules = docs.find((d) => d.kind === 'ClusterRole')?.rules;
  const leaseRules = docs.find((d) => d.kind === 'Role')?.rules;
  const sa = 'zkts-operator';
  const subjects = [{ kind: 'ServiceAccount', name: sa, namespace: ns }];
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await kubeOk(kc, 'POST', `/api/v1/namespaces/${ns}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: sa },
  });
  await kubeOk(kc, 'POST', `${rbac}/clusterroles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'zkts-operator-test' },
    rules: clusterRules,
  });
  await kubeOk(kc, 'POST', `${rbac}/clusterrolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'zkts-operator-test' },
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'zkts-operator-test',
    },
    subjects,
  });
  await kubeOk(kc, 'POST', `${rbac}/namespaces/${ns}/roles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'zkts-leader-election' },
    rules: leaseRules,
  });
  await kubeOk(kc, 'POST', `${rbac}/namespaces/${ns}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'zkts-leader-election' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'zkts-leader-election' },
    subjects,
  });
  const token = await kubeOk<{ status: { token: string } }>(
    kc,
    'POST',
    `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`,
    {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    },
  );
  const cluster = kc.getCurrentCluster()!;
  const saKc = new KubeConfig();
  saKc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: sa, token: token.status.token }],
    contexts: [{ name: sa, cluster: cluster.name, user: sa }],
    currentContext: sa,
  });
  const path = join(cp.dir, 'operator-sa.kubeconfig');
  writeFileSync(path, saKc.exportConfig());
  return path;
}

const get = (path: string) => kubeOk<Obj>(kc, 'GET', path);

describe('operator against a real API server', () => {
  it('creates the children of an ensemble by server-side apply, owned by it', async () => {
    await kubeOk(kc, 'POST', group, {
      apiVersion: 'zkts.dev/v1alpha1',
      kind: 'ZooKeeperEnsemble',
      metadata: { name: 'zk', namespace: ns },
      spec: { replicas: 3, image: 'zkts:test', storage: { size: '1Gi', reclaimPolicy: 'Delete' } },
    });
    const paths = [
      `/apis/apps/v1/namespaces/${ns}/statefulsets/zk`,
      `/api/v1/namespaces/${ns}/configmaps/zk-config`,
      `/api/v1/namespaces/${ns}/services/zk-headless`,
      `/api/v1/namespaces/${ns}/services/zk-client`,
      `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/zk`,
    ];
    await waitFor(
      'children created',
      async () => {
        for (const p of paths) if ((await kubeRequest(kc, 'GET', p)).status !== 200) return false;
        return true;
      },
      60_000,
    );
    for (const p of paths) {
      const o = await get(p);
      expect(o.metadata.ownerReferences, p).toEqual([
        expect.objectContaining({ kind: 'ZooKeeperEnsemble', name: 'zk', controller: true }),
      ]);
      expect(
        o.metadata.managedFields?.some(
          (f) => f.manager === 'zkts-operator' && f.operation === 'Apply',
        ),
        p,
      ).toBe(true);
    }
    const sts = await get(paths[0]!);
    expect(sts.spec).toMatchObject({
      replicas: 3,
      updateStrategy: { type: 'OnDelete' },
      podManagementPolicy: 'Parallel',
    });
    const cfg = (await get(paths[1]!)).data?.['zoo.cfg'] ?? '';
    expect(cfg.match(/^server\.\d+=/gm)).toHaveLength(3);
    expect(cfg).toContain(`server.1=zk-0.zk-headless.${ns}.svc.cluster.local:2888:3888;2181`);
    expect((await get(paths[4]!)).spec).toMatchObject({ maxUnavailable: 1 });
  });

  it('adds its finalizer and writes status with conditions for the current generation', async () => {
    await waitFor(
      'status written',
      async () => {
        const cr = await get(`${group}/zk`);
        return cr.status?.observedGeneration === 1 && Array.isArray(cr.status?.conditions);
      },
      60_000,
    );
    const cr = await get(`${group}/zk`);
    expect(cr.metadata.finalizers).toContain('zkts.dev/reclaim-storage');
    const conditions = cr.status?.conditions as {
      type: string;
      status: string;
      reason: string;
      observedGeneration: number;
    }[];
    expect(conditions.map((c) => c.type).sort()).toEqual(['Degraded', 'Progressing', 'Ready']);
    const ready = conditions.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'False', observedGeneration: 1 });
    expect(ready.reason).toMatch(/^[A-Z][A-Za-z]+$/);
    expect(cr.status).toMatchObject({
      replicas: 3,
      targetVersion: 'test',
      selector: 'app.kubernetes.io/name=zkts,app.kubernetes.io/instance=zk',
    });
  });

  it('records Events and holds the Lease', async () => {
    await waitFor(
      'a Created event',
      async () => {
        const evs = await kubeOk<{ items: { reason: string; involvedObject: { name: string } }[] }>(
          kc,
          'GET',
          `/api/v1/namespaces/${ns}/events`,
        );
        return evs.items.some((e) => e.reason === 'Created' && e.involvedObject.name === 'zk');
      },
      30_000,
    );
    const lease = await kubeOk<{ spec: { holderIdentity: string } }>(
      kc,
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/zkts-operator`,
    );
    expect(lease.spec.holderIdentity).toMatch(/_\d+_[0-9a-f]{8}$/);
  });

  it('serves /metrics, /healthz and /readyz', async () => {
    const base = `http://127.0.0.1:${metricsPort}`;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'zkts_operator_reconciles_total',
      'zkts_operator_reconcile_errors_total',
      'zkts_operator_reconcile_duration_seconds',
      'zkts_operator_members_ready',
      'zkts_operator_quorum_present',
    ])
      expect(metrics).toContain(name);
    expect(metrics).toMatch(/zkts_operator_quorum_present\{namespace="op-test",ensemble="zk"\} 0/);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('does not grow the membership while there is no quorum', async () => {
    await kubeOk(
      kc,
      'PATCH',
      `${group}/zk/scale`,
      { spec: { replicas: 5 } },
      'application/merge-patch+json',
    );
    await waitFor(
      'status for generation 2',
      async () => (await get(`${group}/zk`)).status?.observedGeneration === 2,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 4000));
    const sts = await get(`/apis/apps/v1/namespaces/${ns}/statefulsets/zk`);
    expect(sts.spec?.replicas).toBe(3);
  });

  it('deletes the PVCs of a deleted ensemble with reclaimPolicy Delete, then lets it go', async () => {
    const pvcs = async () =>
      (
        await kubeOk<{ items: Obj[] }>(kc, 'GET', `/api/v1/namespaces/${ns}/persistentvolumeclaims`)
      ).items.map((p) => p.metadata.name);
    await waitFor(
      'the StatefulSet controller made the claims',
      async () => (await pvcs()).length === 3,
      60_000,
    );
    await kubeOk(kc, 'DELETE', `${group}/zk`);
    await waitFor(
      'ensemble gone',
      async () => (await kubeRequest(kc, 'GET', `${group}/zk`)).status === 404,
      60_000,
    );
    await waitFor('claims gone', async () => (await pvcs()).length === 0, 60_000);
    await waitFor(
      'children collected',
      async () =>
        (await kubeRequest(kc, 'GET', `/apis/apps/v1/namespaces/${ns}/statefulsets/zk`)).status ===
        404,
      60_000,
    );
  });

  it('deletes the ServiceMonitor it made when monitoring is turned off, and leaves one it did not make', async () => {
    // The Prometheus Operator's kind, served by the real API server (its controller is not
    // needed: the operator only creates and deletes the object).
    await applyCrds(kc, [serviceMonitorCrd]);
    const mns = 'op-monitor';
    await kubeOk(kc, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: mns },
    });
    const smPath = (name: string) =>
      `/apis/monitoring.coreos.com/v1/namespaces/${mns}/servicemonitors/${name}`;
    const ensembles = `/apis/zkts.dev/v1alpha1/namespaces/${mns}/zookeeperensembles`;
    const ensemble = (name: string, serviceMonitor: boolean) => ({
      apiVersion: 'zkts.dev/v1alpha1',
      kind: 'ZooKeeperEnsemble',
      metadata: { name, namespace: mns },
      spec: { replicas: 1, image: 'zkts:test', metrics: { serviceMonitor } },
    });
    // Someone else's ServiceMonitor with the name an ensemble's would have.
    await kubeOk(kc, 'POST', `/apis/monitoring.coreos.com/v1/namespaces/${mns}/servicemonitors`, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'theirs', namespace: mns },
      spec: { endpoints: [{ port: 'web' }] },
    });
    await kubeOk(kc, 'POST', ensembles, ensemble('theirs', false));
    await kubeOk(kc, 'POST', ensembles, ensemble('mon', true));

    await waitFor(
      'the ServiceMonitor of mon',
      async () => (await kubeRequest(kc, 'GET', smPath('mon'))).status === 200,
      60_000,
    );
    const sm = await get(smPath('mon'));
    expect(sm.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'ZooKeeperEnsemble', name: 'mon', controller: true }),
    ]);
    expect(sm.spec).toMatchObject({ endpoints: [{ port: 'metrics', path: '/metrics' }] });

    await kubeOk(
      kc,
      'PATCH',
      `${ensembles}/mon`,
      { spec: { metrics: { serviceMonitor: false } } },
      'application/merge-patch+json',
    );
    await waitFor(
      'the ServiceMonitor of mon deleted',
      async () => (await kubeRequest(kc, 'GET', smPath('mon'))).status === 404,
      60_000,
    );
    const events = await kubeOk<{
      items: { reason: string; message: string; involvedObject: { name: string } }[];
    }>(kc, 'GET', `/api/v1/namespaces/${mns}/events`);
    expect(
      events.items
        .filter((e) => e.involvedObject.name === 'mon' && e.reason === 'ChildDeleted')
        .map((e) => e.message),
    ).toEqual(['ServiceMonitor mon deleted: turned off in the spec']);
    // The ensemble "theirs" has been reconciled (status written) and the object it does not own is still there.
    await waitFor(
      'theirs reconciled',
      async () => (await get(`${ensembles}/theirs`)).status?.observedGeneration === 1,
      60_000,
    );
    expect((await kubeRequest(kc, 'GET', smPath('theirs'))).status).toBe(200);

    for (const name of ['mon', 'theirs']) await kubeOk(kc, 'DELETE', `${ensembles}/${name}`);
    await waitFor(
      'ensembles gone',
      async () => (await kubeOk<{ items: unknown[] }>(kc, 'GET', ensembles)).items.length === 0,
      60_000,
    );
  });
});

const serviceMonitorCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    scope: 'Namespaced',
    names: {
      plural: 'servicemonitors',
      singular: 'servicemonitor',
      kind: 'ServiceMonitor',
      listKind: 'ServiceMonitorList',
    },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        },
      },
    ],
  },
};

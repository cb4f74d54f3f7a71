/**
 * The loopback control plane comes up for real: the API server answers with the admin
 * kubeconfig, stores a namespace, establishes a CRD and serves its custom resources, and the
 * controller manager is working (it makes the namespace's `default` ServiceAccount).
 */
import { ApiextensionsV1Api, CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { kubeOk } from './kube-raw.js';
import { waitFor } from './wait.js';

let cp: ControlPlane;
let kc: KubeConfig;

beforeAll(async () => {
  cp = await startControlPlane();
  kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
});

afterAll(async () => {
  await cp?.stop();
});

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.e2e.zkts.dev' },
  spec: {
    group: 'e2e.zkts.dev',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: { size: { type: 'integer', minimum: 1, default: 3 } },
              },
            },
          },
        },
      },
    ],
  },
};

describe('local control plane', () => {
  it('serves the pinned release over TLS with the admin kubeconfig', async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(cp.apiServerUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('stores a namespace, and the controller manager gives it a default ServiceAccount', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'smoke' } } });
    const ns = await core.readNamespace({ name: 'smoke' });
    expect(ns.status?.phase).toBe('Active');
    await waitFor('default ServiceAccount in smoke', async () => {
      const sas = await core.listNamespacedServiceAccount({ namespace: 'smoke' });
      return sas.items.some((sa) => sa.metadata?.name === 'default');
    });
  });

  it('establishes a CRD and applies its schema defaults to a custom resource', async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    await kubeOk(kc, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd);
    await waitFor('widgets CRD Established', async () => {
      const crd = await ext.readCustomResourceDefinition({ name: 'widgets.e2e.zkts.dev' });
      return (
        crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ??
        false
      );
    });
    const created = await kubeOk<{ spec: { size: number } }>(
      kc,
      'POST',
      '/apis/e2e.zkts.dev/v1/namespaces/smoke/widgets',
      { apiVersion: 'e2e.zkts.dev/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} },
    );
    expect(created.spec.size).toBe(3);
  });
});

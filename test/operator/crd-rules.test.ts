/**
 * The CRD's own rules on the real API server, beyond test/e2e/crd.test.ts: each invalid spec is
 * refused with the message src/operator/api/validate.ts uses for it (the operator refuses the
 * same objects with the same words), and each valid change is accepted.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MESSAGES,
  validateSpec,
  resolveSpec,
  type ZooKeeperEnsembleSpec,
} from '../../src/operator/api/index.js';
import { startControlPlane, type ControlPlane } from '../e2e/control-plane.js';
import { applyCrds, loadCrds } from '../e2e/crds.js';
import { kubeOk, kubeRequest, type KubeStatus } from '../e2e/kube-raw.js';

const ns = 'crd-rules';
const collection = `/apis/zkts.dev/v1alpha1/namespaces/${ns}/zookeeperensembles`;
let cp: ControlPlane;
let kc: KubeConfig;
let n = 0;

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
  await cp?.stop();
});

const create = (spec: ZooKeeperEnsembleSpec) =>
  kubeRequest<KubeStatus>(kc, 'POST', collection, {
    apiVersion: 'zkts.dev/v1alpha1',
    kind: 'ZooKeeperEnsemble',
    metadata: { name: `e${++n}`, namespace: ns },
    spec,
  });

describe('CRD rules on the real API server', () => {
  it.each([
    ['a server.N key', { config: { additional: { 'server.7': 'x:1:2' } } }, MESSAGES.ownedKeys],
    [
      'a metricsProvider key',
      { config: { additional: { 'metricsProvider.httpPort': '9' } } },
      MESSAGES.ownedKeys,
    ],
    [
      'a typed key in additional',
      { config: { additional: { 'jute.maxbuffer': '9' } } },
      MESSAGES.ownedKeys,
    ],
    [
      'a line break in a value',
      { config: { additional: { x: '1\nserver.9=evil:1:2' } } },
      MESSAGES.additionalSyntax,
    ],
    ['a key with a blank', { config: { additional: { 'a b': '1' } } }, MESSAGES.additionalSyntax],
    [
      'min above max session timeout',
      { config: { minSessionTimeout: 9000, maxSessionTimeout: 4000 } },
      MESSAGES.sessionTimeouts,
    ],
    ['a size that is no quantity', { storage: { size: 'lots' } }, MESSAGES.storageSize],
    ['metrics and admin on one port', { ports: { metrics: 8080 } }, MESSAGES.portsDistinct],
  ] as [string, ZooKeeperEnsembleSpec, string][])(
    'refuses %s, as the operator does',
    async (_what, spec, message) => {
      expect(validateSpec(resolveSpec({ spec }))).toContain(message);
      const res = await create(spec);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.message).toContain(message);
    },
  );

  it('accepts keys the operator does not own', async () => {
    const res = await create({
      config: {
        additional: { 'snapshot.compression.method': 'gz', globalOutstandingLimit: '2000' },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  it('lets storage grow, refuses setting a storage class that was not there', async () => {
    const created = await create({ storage: { size: '1Gi' } });
    expect(created.status).toBe(201);
    const path = `${collection}/e${n}`;
    const grow = await kubeRequest(
      kc,
      'PATCH',
      path,
      { spec: { storage: { size: '2Gi' } } },
      'application/merge-patch+json',
    );
    expect(grow.status, JSON.stringify(grow.body)).toBe(200);
    const setClass = await kubeRequest<KubeStatus>(
      kc,
      'PATCH',
      path,
      { spec: { storage: { storageClassName: 'fast' } } },
      'application/merge-patch+json',
    );
    expect(setClass.status).toBe(422);
    expect(setClass.body.message).toContain(MESSAGES.storageClassImmutable);
  });
});

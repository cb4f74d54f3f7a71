/**
 * The ZooKeeperEnsemble CRD (crds/) against the real API server: its schema is accepted and
 * Established with the status and scale subresources, the short name and the printer columns;
 * a valid ensemble is stored with the schema's defaults applied; and each invalid ensemble is
 * refused with the message of the rule it breaks (the message is read from the CRD itself,
 * so the test checks that the right rule fired, not some other error).
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { celRules, schemaAt, type CelRule, type SchemaNode } from './crd-rules.js';
import { applyCrds, loadCrds, type CrdObject } from './crds.js';
import { kubeOk, kubeRequest, type KubeStatus } from './kube-raw.js';

const crdName = 'zookeeperensembles.zkts.dev';
const ns = 'crd-e2e';
const collection = `/apis/zkts.dev/v1alpha1/namespaces/${ns}/zookeeperensembles`;

let cp: ControlPlane;
let kc: KubeConfig;
let crd: CrdObject;
let rules: CelRule[];
let root: SchemaNode;

beforeAll(async () => {
  cp = await startControlPlane({ controllerManager: false });
  kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const found = loadCrds().find((c) => c.metadata.name === crdName);
  if (!found) throw new Error(`crds/ has no CustomResourceDefinition ${crdName}`);
  crd = found;
  const version = crd.spec.versions.find((v) => v.name === 'v1alpha1');
  if (!version?.schema?.openAPIV3Schema)
    throw new Error('the CRD has no v1alpha1 version with a schema');
  root = version.schema.openAPIV3Schema as SchemaNode;
  rules = celRules(root);
  await kubeOk(kc, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns },
  });
});

afterAll(async () => {
  await cp?.stop();
});

function ensemble(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'zkts.dev/v1alpha1',
    kind: 'ZooKeeperEnsemble',
    metadata: { name, namespace: ns },
    spec,
  };
}

const validSpec = () => ({
  replicas: 3,
  image: 'zkts:e2e',
  storage: { size: '1Gi', storageClassName: 'standard', reclaimPolicy: 'Retain' },
});

function ruleMessage(what: string, pick: (r: CelRule) => boolean): string {
  const rule = rules.find(pick);
  if (!rule) throw new Error(`the CRD has no x-kubernetes-validations rule for ${what}`);
  if (rule.message === undefined)
    throw new Error(`the rule for ${what} has no fixed message: ${rule.rule}`);
  return rule.message;
}

/** What the server says for replicas out of range: the schema bound's message, or the CEL rule's. */
function replicasMessage(value: number): string {
  const node = schemaAt(root, 'spec.replicas');
  if (node?.minimum !== undefined && value < node.minimum)
    return `should be greater than or equal to ${node.minimum}`;
  if (node?.maximum !== undefined && value > node.maximum)
    return `should be less than or equal to ${node.maximum}`;
  return ruleMessage('replicas', (r) => r.path === 'spec.replicas' || /replicas/.test(r.rule));
}

const mentions = (r: CelRule, word: string) => r.path.includes(word) || r.rule.includes(word);

async function expectRefused(res: { status: number; body: unknown }, message: string) {
  const status = res.body as KubeStatus;
  expect(res.status, JSON.stringify(res.body)).toBe(422);
  expect(status.reason).toBe('Invalid');
  expect(status.message).toContain(message);
}

describe('ZooKeeperEnsemble CRD on the real API server', () => {
  it('is accepted and Established', async () => {
    await applyCrds(kc, [crd]);
  });

  it('serves the short name zke and the status and scale subresources', async () => {
    const discovery = await kubeOk<{ resources: { name: string; shortNames?: string[] }[] }>(
      kc,
      'GET',
      '/apis/zkts.dev/v1alpha1',
    );
    const names = discovery.resources.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'zookeeperensembles',
        'zookeeperensembles/status',
        'zookeeperensembles/scale',
      ]),
    );
    expect(discovery.resources.find((r) => r.name === 'zookeeperensembles')?.shortNames).toContain(
      'zke',
    );
  });

  it('stores a valid ensemble with defaults applied, shown with the Ready, Leader, Version and Age columns', async () => {
    const created = await kubeOk<{ spec: Record<string, unknown> }>(
      kc,
      'POST',
      collection,
      ensemble('valid', validSpec()),
    );
    expect(created.spec).toMatchObject({
      replicas: 3,
      ports: { client: 2181, quorum: 2888, election: 3888, metrics: 7000, admin: 8080 },
    });
    const asTable = await kubeOkTable(`${collection}/valid`);
    expect(asTable.columnDefinitions.map((c) => c.name)).toEqual(
      expect.arrayContaining(['Ready', 'Leader', 'Version', 'Age']),
    );
  });

  it('scales through the scale subresource', async () => {
    await kubeOk(
      kc,
      'PATCH',
      `${collection}/valid/scale`,
      { spec: { replicas: 5 } },
      'application/merge-patch+json',
    );
    const after = await kubeOk<{ spec: { replicas: number } }>(kc, 'GET', `${collection}/valid`);
    expect(after.spec.replicas).toBe(5);
  });

  it.each([
    ['replicas 0', { replicas: 0 }, () => replicasMessage(0)],
    ['replicas 10', { replicas: 10 }, () => replicasMessage(10)],
    [
      'an operator-owned key in config.additional',
      { config: { additional: { dataDir: '/elsewhere' } } },
      () => ruleMessage('config.additional', (r) => mentions(r, 'additional')),
    ],
    [
      'two ports the same',
      { ports: { client: 2181, quorum: 2181, election: 3888, metrics: 7000, admin: 8080 } },
      () =>
        ruleMessage(
          'distinct ports',
          (r) => r.path === 'spec.ports' || (mentions(r, 'client') && mentions(r, 'quorum')),
        ),
    ],
  ])('refuses an ensemble with %s', async (_what, change, message) => {
    const name = `bad-${_what.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`.replace(/-+$/, '');
    const res = await kubeRequest(
      kc,
      'POST',
      collection,
      ensemble(name, { ...validSpec(), ...change }),
    );
    await expectRefused(res, message());
  });

  it.each([
    [
      'a storage class change',
      { storageClassName: 'fast' },
      () =>
        ruleMessage(
          'storageClassName',
          (r) => r.rule.includes('oldSelf') && mentions(r, 'storageClassName'),
        ),
    ],
    [
      'a storage shrink',
      { size: '512Mi' },
      () =>
        ruleMessage(
          'storage size',
          (r) =>
            r.rule.includes('oldSelf') &&
            (r.path.endsWith('storage.size') || /quantity|size/.test(r.rule)),
        ),
    ],
  ])('refuses %s on update', async (_what, storageChange, message) => {
    const name = `upd-${_what.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`.replace(/-+$/, '');
    await kubeOk(kc, 'POST', collection, ensemble(name, validSpec()));
    const res = await kubeRequest(
      kc,
      'PATCH',
      `${collection}/${name}`,
      { spec: { storage: storageChange } },
      'application/merge-patch+json',
    );
    await expectRefused(res, message());
  });
});

function kubeOkTable(path: string): Promise<{ columnDefinitions: { name: string }[] }> {
  return kubeRequestAs(path, 'application/json;as=Table;v=v1;g=meta.k8s.io');
}

async function kubeRequestAs<T>(path: string, accept: string): Promise<T> {
  const res = await kubeRequest<T>(kc, 'GET', path, undefined, 'application/json', accept);
  if (res.status !== 200)
    throw new Error(`GET ${path} as ${accept}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

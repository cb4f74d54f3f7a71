/**
 * crds/ is the source of truth for the schema; src/operator/api mirrors its defaults and rules
 * and helm/zkts/crds carries a copy. These checks keep the three from drifting.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULTS } from './defaults.js';
import {
  API_GROUP,
  API_VERSION,
  KIND,
  MESSAGES,
  OWNED_KEYS,
  OWNED_KEY_PREFIXES,
  PLURAL,
  SHORT_NAME,
} from './index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const crdPath = resolve(root, 'crds/zookeeperensembles.zkts.dev.yaml');
const crdText = readFileSync(crdPath, 'utf8');

interface Node {
  type?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Node>;
  additionalProperties?: Node;
  items?: Node;
  'x-kubernetes-validations'?: { rule: string; message: string }[];
}

const crd = parse(crdText) as {
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string; plural: string; shortNames: string[] };
    versions: { name: string; schema: { openAPIV3Schema: Node } }[];
  };
};
const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;
const at = (path: string): Node => {
  let n: Node | undefined = schema;
  for (const k of path.split('.')) n = n?.properties?.[k];
  if (!n) throw new Error(`no schema node at ${path}`);
  return n;
};
const allRules = (n: Node): { rule: string; message: string }[] => [
  ...(n['x-kubernetes-validations'] ?? []),
  ...Object.values(n.properties ?? {}).flatMap(allRules),
  ...(n.additionalProperties ? allRules(n.additionalProperties) : []),
  ...(n.items ? allRules(n.items) : []),
];

describe('the CRD agrees with src/operator/api', () => {
  it('names', () => {
    expect(crd.metadata.name).toBe(`${PLURAL}.${API_GROUP}`);
    expect(crd.spec.group).toBe(API_GROUP);
    expect(crd.spec.names.kind).toBe(KIND);
    expect(crd.spec.names.plural).toBe(PLURAL);
    expect(crd.spec.names.shortNames).toEqual([SHORT_NAME]);
    expect(crd.spec.versions.map((v) => v.name)).toEqual([API_VERSION]);
  });

  it('defaults', () => {
    expect(at('spec.replicas').default).toBe(DEFAULTS.replicas);
    expect(at('spec.image').default).toBe(DEFAULTS.image);
    for (const k of ['tickTime', 'initLimit', 'syncLimit', 'maxClientCnxns'] as const)
      expect(at(`spec.config.${k}`).default, k).toBe(DEFAULTS.config[k]);
    expect(at('spec.config.fourLetterWordWhitelist').default).toEqual(
      DEFAULTS.config.fourLetterWordWhitelist,
    );
    for (const k of ['snapRetainCount', 'purgeIntervalHours'] as const)
      expect(at(`spec.config.autopurge.${k}`).default, k).toBe(DEFAULTS.config.autopurge[k]);
    expect(at('spec.storage.size').default).toBe(DEFAULTS.storage.size);
    expect(at('spec.storage.reclaimPolicy').default).toBe(DEFAULTS.storage.reclaimPolicy);
    for (const [k, v] of Object.entries(DEFAULTS.ports))
      expect(at(`spec.ports.${k}`).default, k).toBe(v);
    expect(at('spec.service.type').default).toBe(DEFAULTS.service.type);
    expect(at('spec.metrics.serviceMonitor').default).toBe(DEFAULTS.metrics.serviceMonitor);
    // Nested defaults apply only when the parent object exists: each defaulted parent defaults to {}.
    for (const p of ['config', 'config.autopurge', 'storage', 'service', 'metrics'])
      expect(at(`spec.${p}`).default, p).toEqual({});
  });

  it('ports default as a whole (CEL checks the default as written)', () => {
    expect(at('spec.ports').default).toEqual(DEFAULTS.ports);
  });

  it('bounds and enums', () => {
    expect([at('spec.replicas').minimum, at('spec.replicas').maximum]).toEqual([1, 9]);
    for (const k of Object.keys(DEFAULTS.ports))
      expect([at(`spec.ports.${k}`).minimum, at(`spec.ports.${k}`).maximum]).toEqual([1, 65535]);
    expect(at('spec.storage.reclaimPolicy').enum).toEqual(['Retain', 'Delete']);
  });

  it('every CEL message is one of the operator messages, and the owned keys are the same list', () => {
    const rules = allRules(schema);
    const messages = Object.values(MESSAGES) as string[];
    for (const r of rules) expect(messages, r.rule).toContain(r.message);
    for (const m of [
      MESSAGES.ownedKeys,
      MESSAGES.additionalSyntax,
      MESSAGES.portsDistinct,
      MESSAGES.storageClassImmutable,
      MESSAGES.storageShrink,
      MESSAGES.storageSize,
      MESSAGES.sessionTimeouts,
    ])
      expect(rules.map((r) => r.message)).toContain(m);
    const owned = rules.find((r) => r.message === MESSAGES.ownedKeys)!.rule;
    const listed = [...(/\[([^\]]*)\]/.exec(owned)?.[1] ?? '').matchAll(/'([^']+)'/g)].map(
      (m) => m[1],
    );
    expect(listed).toEqual([...OWNED_KEYS]);
    const prefixes = [...owned.matchAll(/startsWith\('([^']+)'\)/g)].map((m) => m[1]);
    expect(prefixes).toEqual([...OWNED_KEY_PREFIXES]);
  });

  it('the chart carries an identical copy', () => {
    expect(
      readFileSync(resolve(root, 'helm/zkts/crds/zookeeperensembles.zkts.dev.yaml'), 'utf8'),
    ).toBe(crdText);
  });
});

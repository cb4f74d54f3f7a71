/**
 * The builders' output against golden YAML in testdata/ (as data). UPDATE_GOLDEN=1 rewrites the files;
 * review the diff before committing it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { resolveEnsemble, type ZooKeeperEnsemble } from '../api/index.js';
import { childrenFor } from './objects.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

function ensemble(name: string, spec: ZooKeeperEnsemble['spec']): ZooKeeperEnsemble {
  return {
    apiVersion: 'zkts.dev/v1alpha1',
    kind: 'ZooKeeperEnsemble',
    metadata: {
      name,
      namespace: 'prod',
      uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
      generation: 1,
    },
    spec,
  };
}

const cases: [string, ZooKeeperEnsemble, number][] = [
  ['defaults-3', ensemble('zk', {}), 3],
  [
    'custom-1',
    ensemble('coord', {
      replicas: 1,
      image: 'registry.example/zkts:1.2.3',
      config: {
        tickTime: 1000,
        minSessionTimeout: 4000,
        maxSessionTimeout: 40000,
        juteMaxBuffer: 4194304,
        fourLetterWordWhitelist: ['stat'],
        additional: { 'snapshot.compression.method': 'gz', globalOutstandingLimit: '2000' },
      },
      storage: { size: '10Gi', storageClassName: 'fast-ssd', reclaimPolicy: 'Delete' },
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
      pod: {
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'zk', effect: 'NoSchedule' }],
        nodeSelector: { disk: 'ssd' },
        labels: { team: 'platform' },
        annotations: { 'example.com/owner': 'platform' },
        env: [{ name: 'JVMFLAGS', value: '-Xmx1g' }],
        priorityClassName: 'high',
        serviceAccountName: 'zk',
      },
      ports: { client: 12181, admin: 18080 },
      service: { type: 'LoadBalancer', annotations: { 'lb.example/internal': 'true' } },
      metrics: { serviceMonitor: true },
    }),
    1,
  ],
  ['scaling-3-to-4', ensemble('zk', { replicas: 5 }), 4],
];

describe('specs golden YAML', () => {
  it.each(cases)('%s', (file, e, members) => {
    const objects = childrenFor(resolveEnsemble(e), members);
    const yaml = objects
      .map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false }))
      .join('---\n');
    const path = join(testdata, `${file}.yaml`);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, yaml);
    // Compared as data, not text, so that formatting the golden files (prettier) changes nothing.
    const golden = parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as unknown);
    expect(JSON.parse(JSON.stringify(objects))).toEqual(golden);
  });
});

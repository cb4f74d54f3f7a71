import { describe, expect, it } from 'vitest';
import { resolveEnsemble, type ZooKeeperEnsemble } from '../api/index.js';
import { fnv1a64 } from './hash.js';
import { podOrdinal } from './meta.js';
import {
  childrenFor,
  configHash,
  configMap,
  podDisruptionBudget,
  statefulSet,
  unwantedChildren,
} from './objects.js';

const e = (spec: ZooKeeperEnsemble['spec']) =>
  resolveEnsemble({
    apiVersion: 'zkts.dev/v1alpha1',
    kind: 'ZooKeeperEnsemble',
    metadata: { name: 'zk', namespace: 'ns', uid: 'u' },
    spec,
  });

describe('specs', () => {
  it('the ServiceMonitor is a child when monitoring is on, and one to delete when it is off', () => {
    const kinds = (spec: ZooKeeperEnsemble['spec']) => childrenFor(e(spec), 3).map((o) => o.kind);
    expect(kinds({ metrics: { serviceMonitor: true } })).toContain('ServiceMonitor');
    expect(unwantedChildren(e({ metrics: { serviceMonitor: true } }))).toEqual([]);
    expect(kinds({ metrics: { serviceMonitor: false } })).not.toContain('ServiceMonitor');
    expect(unwantedChildren(e({}))).toEqual([
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', name: 'zk' },
    ]);
  });

  it('server.N lines: N from 1, headless names, quorum:election;client', () => {
    const cfg = (configMap(e({}), 3).data as Record<string, string>)['zoo.cfg'];
    expect(cfg).toContain('server.1=zk-0.zk-headless.ns.svc.cluster.local:2888:3888;2181\n');
    expect(cfg).toContain('server.3=zk-2.zk-headless.ns.svc.cluster.local:2888:3888;2181\n');
    expect(cfg).not.toContain('server.4=');
    expect(cfg).toMatch(/^4lw\.commands\.whitelist=.*ruok.*srvr.*mntr/m);
  });

  it('the config hash ignores membership and image, and follows settings', () => {
    expect(configHash(e({ replicas: 5 }))).toBe(configHash(e({ replicas: 3 })));
    expect(configHash(e({ image: 'other' }))).toBe(configHash(e({})));
    expect(configHash(e({ config: { tickTime: 3000 } }))).not.toBe(configHash(e({})));
  });

  it('PDB never lets a voluntary disruption break quorum', () => {
    const max = (n: number) =>
      (podDisruptionBudget(e({ replicas: n })).spec as { maxUnavailable: number }).maxUnavailable;
    expect([1, 2, 3, 4, 5, 7, 9].map(max)).toEqual([0, 0, 1, 1, 1, 1, 1]);
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9]) expect(n - max(n)).toBeGreaterThan(n / 2);
  });

  it('StatefulSet: OnDelete, Parallel, replicas as given', () => {
    const spec = statefulSet(e({}), 4).spec as Record<string, unknown>;
    expect(spec.updateStrategy).toEqual({ type: 'OnDelete' });
    expect(spec.podManagementPolicy).toBe('Parallel');
    expect(spec.replicas).toBe(4);
  });

  it('podOrdinal', () => {
    expect(podOrdinal('zk', 'zk-0')).toBe(0);
    expect(podOrdinal('zk', 'zk-12')).toBe(12);
    expect(podOrdinal('zk', 'zk-01')).toBeUndefined();
    expect(podOrdinal('zk', 'zkx-1')).toBeUndefined();
  });

  it('fnv1a64 known value', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
  });
});

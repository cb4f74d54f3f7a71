/**
 * helm/zkts without a helm binary: plain YAML files parse, the dashboard is JSON on Apache
 * ZooKeeper's metric names, and the templates, with their template actions blanked out, are
 * YAML with the RBAC rules the controller needs.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const chart = resolve(dirname(fileURLToPath(import.meta.url)), '../../../helm/zkts');
const read = (p: string) => readFileSync(join(chart, p), 'utf8');

/** Drops lines that hold only template actions and replaces inline actions with a word. */
function blankTemplate(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*\{\{-?[^}]*\}\}\s*$/.test(l))
    .map((l) => l.replace(/\{\{`[^`]*`\}\}/g, 'x').replace(/\{\{-?[^}]*-?\}\}/g, 'x'))
    .join('\n');
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

describe('helm/zkts', () => {
  it('Chart.yaml and values.yaml parse', () => {
    const c = parse(read('Chart.yaml')) as { apiVersion: string; name: string; version: string };
    expect(c).toMatchObject({ apiVersion: 'v2', name: 'zkts' });
    const v = parse(read('values.yaml')) as Record<string, unknown>;
    expect(v).toHaveProperty('image');
    expect(v).toHaveProperty('leaderElection');
  });

  it('every template is YAML once template actions are blanked', () => {
    for (const f of readdirSync(join(chart, 'templates')).filter((f) => f.endsWith('.yaml'))) {
      const docs = parseAllDocuments(blankTemplate(read(`templates/${f}`)));
      for (const d of docs) expect(d.errors, f).toEqual([]);
      expect(docs.length, f).toBeGreaterThan(0);
    }
  });

  it('the ClusterRole grants what the controller does, and no wildcard', () => {
    const docs = parseAllDocuments(blankTemplate(read('templates/rbac.yaml'))).map(
      (d) => d.toJS() as { kind: string; rules?: Rule[] },
    );
    const rules = docs.flatMap((d) => d.rules ?? []);
    const can = (group: string, resource: string, verb: string) =>
      rules.some(
        (r) =>
          r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb),
      );
    const needed: [string, string, string][] = [
      ['zkts.dev', 'zookeeperensembles', 'list'],
      ['zkts.dev', 'zookeeperensembles', 'watch'],
      ['zkts.dev', 'zookeeperensembles', 'patch'],
      ['zkts.dev', 'zookeeperensembles/status', 'patch'],
      ['zkts.dev', 'zookeeperensembles/finalizers', 'update'],
      ...['statefulsets'].flatMap((r) =>
        ['get', 'list', 'watch', 'create', 'patch'].map(
          (v) => ['apps', r, v] as [string, string, string],
        ),
      ),
      ...['configmaps', 'services'].flatMap((r) =>
        ['list', 'watch', 'create', 'patch'].map((v) => ['', r, v] as [string, string, string]),
      ),
      ['policy', 'poddisruptionbudgets', 'patch'],
      ['', 'pods', 'delete'],
      ['', 'pods', 'watch'],
      ['', 'persistentvolumeclaims', 'delete'],
      ['', 'events', 'create'],
      ['coordination.k8s.io', 'leases', 'update'],
      ['monitoring.coreos.com', 'servicemonitors', 'patch'],
      ['monitoring.coreos.com', 'servicemonitors', 'get'],
      ['monitoring.coreos.com', 'servicemonitors', 'delete'],
    ];
    for (const [g, r, v] of needed) expect(can(g, r, v), `${g}/${r} ${v}`).toBe(true);
    for (const r of rules) expect([...r.verbs, ...r.resources, ...r.apiGroups]).not.toContain('*');
  });

  it('the Grafana dashboard shows quorum health on Apache metric names', () => {
    const dash = JSON.parse(read('files/dashboard.json')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const m of [
      'leader_uptime',
      'synced_followers',
      'quorum_size',
      'election_time_count',
      'outstanding_requests',
      'avg_latency',
      'znode_count',
      'watch_count',
      'global_sessions',
      'fsynctime_sum',
    ])
      expect(exprs).toContain(m);
  });
});

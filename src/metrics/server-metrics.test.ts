import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFourLetterWord } from '../node/server/fourlw.js';
import { fixtureClock, leaderQuorum, StaticView } from '../node/server/testdata/static-view.js';
import { reportDiskFault } from './disk-fault.js';
import { startMetricsServer, type RunningMetricsServer } from './http.js';

let view: StaticView;
let server: RunningMetricsServer;

beforeAll(async () => {
  view = new StaticView();
  server = await startMetricsServer(() => view, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server.close();
});

async function scrape(): Promise<Map<string, number>> {
  const r = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const out = new Map<string, number>();
  for (const line of (await r.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

function mntr(): Map<string, string> {
  const env = {
    clock: fixtureClock,
    environment: () => [],
    traceMask: { get: () => 0n, set: () => {} },
  };
  const text = runFourLetterWord('mntr', view, '*', env);
  return new Map(
    text
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t') as [string, string]),
  );
}

describe('/metrics', () => {
  it('reports the same values as mntr, under Apache names', async () => {
    const m = await scrape();
    const z = mntr();
    for (const name of [
      'znode_count',
      'watch_count',
      'ephemerals_count',
      'approximate_data_size',
      'num_alive_connections',
      'outstanding_requests',
      'packets_received',
      'packets_sent',
      'avg_latency',
      'min_latency',
      'max_latency',
      'global_sessions',
      'open_file_descriptor_count',
    ]) {
      expect(m.get(name), name).toBe(Number(z.get(`zk_${name}`)));
    }
    expect(m.get('updatelatency_count')).toBe(Number(z.get('zk_cnt_updatelatency')));
    expect(m.get('updatelatency_sum')).toBe(Number(z.get('zk_sum_updatelatency')));
    expect(m.get('updatelatency{quantile="0.5"}')).toBe(Number(z.get('zk_p50_updatelatency')));
    expect(m.has('updatelatency{quantile="0.99"}')).toBe(true);
    expect(m.get('fsynctime_count')).toBe(1);
    expect(m.has('fsynctime{quantile="0.5"}')).toBe(true);
    expect(m.has('fsynctime{quantile="0.9"}')).toBe(false);
    expect(m.has('election_time_count')).toBe(true);
    expect(m.get('snap_count')).toBe(0);
    expect(m.has('quorum_size')).toBe(false);
    expect(m.has('process_cpu_user_seconds_total')).toBe(true);
  });

  it('values change with the view, read at scrape time', async () => {
    view.stats.packetReceived();
    view.stats.observe('fsynctime', 4);
    const m = await scrape();
    expect(m.get('packets_received')).toBe(Number(mntr().get('zk_packets_received')));
    expect(m.get('fsynctime_sum')).toBe(4);
    view.modeValue = 'leader';
    view.quorumValue = leaderQuorum();
    try {
      const q = await scrape();
      expect(q.get('quorum_size')).toBe(3);
      expect(q.get('synced_followers')).toBe(2);
      expect(q.get('learners')).toBe(2);
      expect(q.get('max_proposal_size')).toBe(120);
    } finally {
      view.modeValue = 'standalone';
      view.quorumValue = undefined;
    }
  });

  it('other paths are 404', async () => {
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
  });
});

describe('per-namespace summaries', () => {
  it('carry the namespace as the key label', async () => {
    const m = await scrape();
    expect(m.get('read_per_namespace_sum{key="app"}')).toBe(250);
    expect(m.get('read_per_namespace_count{key="app"}')).toBe(3);
    expect(m.get('write_per_namespace{key="app",quantile="0.5"}')).toBe(10);
    expect(mntr().get('zk_avg_app_read_per_namespace')).toBe('83.3333');
  });
});

describe('disk_fault', () => {
  it('is 0, 1 while any store reports a fault, 0 again when all have recovered', async () => {
    expect((await scrape()).get('disk_fault')).toBe(0);
    const a = {};
    const b = {};
    reportDiskFault(a, true);
    expect((await scrape()).get('disk_fault')).toBe(1);
    reportDiskFault(b, true);
    reportDiskFault(a, false);
    expect((await scrape()).get('disk_fault')).toBe(1);
    reportDiskFault(b, false);
    expect((await scrape()).get('disk_fault')).toBe(0);
  });
});

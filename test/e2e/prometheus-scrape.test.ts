/**
 * A real Prometheus (Debian's /usr/bin/prometheus) scrapes zkts's /metrics endpoint: the
 * target must come up (`up == 1`) and the ZooKeeper gauges must arrive under Apache's names.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer, type RunningMetricsServer } from '../../src/metrics/http.js';
import { StaticView } from '../../src/node/server/testdata/static-view.js';

const prometheusBin = '/usr/bin/prometheus';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let metrics: RunningMetricsServer;
let prom: ChildProcess | undefined;
let dir: string;
let promPort: number;
let promLog = '';
const killProm = () => {
  if (prom?.pid !== undefined && prom.exitCode === null) prom.kill('SIGTERM');
};

beforeAll(async () => {
  process.on('exit', killProm);
  metrics = await startMetricsServer(new StaticView(), { host: '127.0.0.1', port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'zkts-prom-'));
  promPort = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: zkts',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${metrics.port}']`,
      '',
    ].join('\n'),
  );
  prom = spawn(
    prometheusBin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prom.stdout!.on('data', (d: Buffer) => (promLog += d.toString()));
  prom.stderr!.on('data', (d: Buffer) => (promLog += d.toString()));
});

afterAll(async () => {
  killProm();
  if (prom && prom.exitCode === null) {
    await new Promise((r) => prom!.once('exit', r));
  }
  process.off('exit', killProm);
  await metrics?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function query(expr: string): Promise<number | undefined> {
  try {
    const r = await fetch(
      `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    if (!r.ok) return undefined;
    const body = (await r.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
    const v = body.data?.result?.[0]?.value[1];
    return v === undefined ? undefined : Number(v);
  } catch {
    return undefined;
  }
}

async function eventually(expr: string, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await query(expr);
    if (v !== undefined || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('Prometheus scrapes zkts /metrics', () => {
  it('target is up and ZooKeeper gauges arrive', async () => {
    const up = await eventually('up{job="zkts"}', 60_000);
    expect(up, promLog.slice(-2000)).toBe(1);
    expect(await eventually('znode_count{job="zkts"}', 10_000)).toBe(8);
    expect(await eventually('avg_latency{job="zkts"}', 10_000)).toBe(1.6923);
    expect(await eventually('updatelatency_count{job="zkts"}', 10_000)).toBe(2);
    // The scrape itself must have parsed cleanly: Prometheus reports no failed samples.
    expect(await eventually('scrape_samples_scraped{job="zkts"}', 10_000)).toBeGreaterThan(100);
  });
});

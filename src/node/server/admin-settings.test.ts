import { describe, expect, it } from 'vitest';
import { opsSettings, startOpsEndpoints } from './admin-settings.js';
import { processFourLetterEnv } from './fourlw-env.js';
import { fixtureClock, StaticView } from './testdata/static-view.js';

const cfg = (o: Record<string, string>) => (k: string) => o[k];

describe('ops settings', () => {
  it('Apache defaults', () => {
    expect(opsSettings(cfg({}))).toEqual({
      fourLetterWhitelist: new Set(['srvr']),
      admin: { enabled: true, host: '0.0.0.0', port: 8080, commandUrl: '/commands' },
      metrics: { enabled: false, host: '0.0.0.0', port: 7000 },
    });
  });

  it('reads the zoo.cfg keys', () => {
    const s = opsSettings(
      cfg({
        '4lw.commands.whitelist': 'mntr, ruok',
        'admin.enableServer': 'false',
        'admin.serverPort': '9090',
        'metricsProvider.className':
          'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
        'metricsProvider.httpHost': '127.0.0.1',
      }),
    );
    expect(s.fourLetterWhitelist).toEqual(new Set(['mntr', 'ruok']));
    expect(s.admin).toMatchObject({ enabled: false, port: 9090 });
    expect(s.metrics).toEqual({ enabled: true, host: '127.0.0.1', port: 7000 });
    expect(opsSettings(cfg({ 'readonlymode.enabled': 'true' })).fourLetterWhitelist).toEqual(
      new Set(['srvr', 'isro']),
    );
    expect(opsSettings(cfg({ 'metricsProvider.httpPort': '7001' })).metrics.enabled).toBe(true);
  });

  it('rejects bad values with the key in the message', () => {
    expect(() => opsSettings(cfg({ 'admin.serverPort': 'http' }))).toThrow('admin.serverPort=http');
    expect(() => opsSettings(cfg({ 'admin.enableServer': 'yes' }))).toThrow('admin.enableServer');
  });

  it('starts and stops both endpoints', async () => {
    const view = new StaticView();
    const env = processFourLetterEnv(fixtureClock, view.version());
    const ops = await startOpsEndpoints(
      view,
      {
        fourLetterWhitelist: '*',
        admin: { enabled: true, host: '127.0.0.1', port: 0, commandUrl: '/commands' },
        metrics: { enabled: true, host: '127.0.0.1', port: 0 },
      },
      env,
    );
    try {
      const ruok = await fetch(`http://127.0.0.1:${ops.admin!.port}/commands/ruok`);
      expect(await ruok.json()).toEqual({ command: 'ruok', error: null });
      const envi = (await (
        await fetch(`http://127.0.0.1:${ops.admin!.port}/commands/envi`)
      ).json()) as Record<string, string>;
      expect(envi['zookeeper.version']).toBe(view.version());
      expect(envi['os.memory.max']).toMatch(/^\d+MB$/);
      const m = await (await fetch(`http://127.0.0.1:${ops.metrics!.port}/metrics`)).text();
      expect(m).toContain('\nznode_count 8\n');
    } finally {
      await ops.close();
    }
  });
});

describe('environment lines', () => {
  it('report the installed version first', async () => {
    const { environmentLines } = await import('./fourlw-env.js');
    const { installedVersion } = await import('./stats.js');
    const lines = environmentLines();
    expect(lines[0]).toEqual(['zookeeper.version', installedVersion()]);
    expect(lines.map(([k]) => k)).toContain('os.memory.total');
  });
});

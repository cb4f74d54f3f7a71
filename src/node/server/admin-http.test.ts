import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCommandAliases, adminCommandNames } from './admin-commands.js';
import { startAdminServer, type RunningAdminServer } from './admin-http.js';
import { toJacksonJson } from './admin-json.js';
import type { AdminEnv } from './admin-commands.js';
import { JavaDouble } from './stats.js';
import { jsonShape } from './testdata/shape.js';
import { fixtureClock, leaderQuorum, StaticView } from './testdata/static-view.js';

const golden = (name: string) =>
  readFileSync(join(import.meta.dirname, 'testdata/apache-3.8.0/admin', `${name}.json`), 'utf8');

let mask = 306n;
const env: AdminEnv = {
  clock: fixtureClock,
  environment: () => [
    ['zookeeper.version', 'v'],
    ['host.name', 'localhost'],
  ],
  traceMask: { get: () => mask, set: (m) => (mask = m) },
};

let view: StaticView;
let server: RunningAdminServer;
const base = () => `http://127.0.0.1:${server.port}`;

beforeAll(async () => {
  view = new StaticView();
  server = await startAdminServer(() => view, { host: '127.0.0.1', port: 0, env });
});
afterAll(async () => {
  await server.close();
});

async function get(name: string): Promise<{ status: number; type: string | null; body: string }> {
  const r = await fetch(`${base()}/commands/${name}`);
  return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
}

const shape = (v: unknown) => jsonShape(v);

describe('admin HTTP server matches Apache 3.8 AdminServer', () => {
  const sameShape = [
    'configuration',
    'connections',
    'dirs',
    'dump',
    'get_trace_mask',
    'hash',
    'is_read_only',
    'last_snapshot',
    'leader',
    'observers',
    'ruok',
    'server_stats',
    'stats',
    'voting_view',
    'watch_summary',
    'watches',
    'watches_by_path',
    'zabstate',
    'initial_configuration',
    'set_trace_mask',
  ];
  for (const name of sameShape) {
    it(`${name}: same fields in the same order`, async () => {
      const r = await get(name);
      expect(r.status).toBe(200);
      expect(r.type).toBe('application/json');
      expect(shape(JSON.parse(r.body))).toEqual(shape(JSON.parse(golden(name))));
    });
  }

  it('monitor: the same keys as Apache, in order', async () => {
    const keys = (t: string) => Object.keys(JSON.parse(t));
    expect(keys((await get('monitor')).body)).toEqual(keys(golden('monitor')));
  });

  it('byte-identical JSON where the values are the same', async () => {
    for (const name of ['configuration', 'watch_summary', 'ruok', 'dirs', 'get_trace_mask']) {
      expect((await get(name)).body).toBe(golden(name));
    }
    expect((await get('nonexist')).body).toBe(golden('unknown_command'));
  });

  it('64-bit session ids stay exact', async () => {
    const body = (await get('watches')).body;
    expect(body).toContain('"72057662994251777" : [ "/app/missing", "/app/config" ]');
    expect((await get('wchp')).body).toContain(
      '"/app/config" : [ 72057662994251776, 72057662994251777 ]',
    );
  });

  it('answers every Apache alias', async () => {
    const aliases = adminCommandAliases();
    for (const alias of [
      'conf',
      'config',
      'crst',
      'cons',
      'env',
      'envi',
      'gtmk',
      'icfg',
      'isro',
      'lsnp',
      'lead',
      'mntr',
      'orst',
      'obsr',
      'srvr',
      'srst',
      'stat',
      'sysp',
      'wchs',
      'wchc',
      'wchp',
      'stmk',
    ]) {
      const primary = aliases.get(alias);
      expect(primary).toBeDefined();
      expect(JSON.parse((await get(alias)).body).command).toBe(primary);
    }
  });

  it('lists the commands Apache lists', async () => {
    const r = await fetch(`${base()}/commands`);
    const text = await r.text();
    expect(r.status).toBe(200);
    const listed = [...text.matchAll(/<a href="\/commands\/(\w+)">/g)].map((m) => m[1]);
    expect(listed).toEqual(adminCommandNames);
    // zkts adds one command of its own (leadership handoff); the rest is Apache's list.
    expect(listed).toContain('yield_leadership');
    expect(listed.filter((n) => n !== 'yield_leadership')).toEqual([
      'configuration',
      'connection_stat_reset',
      'connections',
      'dirs',
      'dump',
      'environment',
      'get_trace_mask',
      'hash',
      'initial_configuration',
      'is_read_only',
      'last_snapshot',
      'leader',
      'monitor',
      'observer_connection_stat_reset',
      'observers',
      'ruok',
      'server_stats',
      'set_trace_mask',
      'stat_reset',
      'stats',
      'system_properties',
      'voting_view',
      'watch_summary',
      'watches',
      'watches_by_path',
      'zabstate',
    ]);
    expect((await fetch(`${base()}/`)).status).toBe(404);
    expect((await fetch(`${base()}/commands/ruok`, { method: 'POST' })).status).toBe(405);
  });

  it('leader fields, set_trace_mask, not serving', async () => {
    view.modeValue = 'leader';
    view.quorumValue = leaderQuorum();
    try {
      const lead = JSON.parse((await get('leader')).body);
      expect(lead).toEqual({
        is_leader: true,
        leader_id: 1,
        leader_ip: '127.0.0.1',
        command: 'leader',
        error: null,
      });
      const stats = JSON.parse((await get('server_stats')).body);
      expect(stats.proposal_stats).toEqual({
        last_buffer_size: 36,
        min_buffer_size: 36,
        max_buffer_size: 120,
      });
      const vv = JSON.parse((await get('voting_view')).body);
      expect(vv.current_config['2']).toBe('127.0.0.2:2888:3888:participant;0.0.0.0:2181');
      expect(JSON.parse((await get('zabstate')).body)).toMatchObject({
        voting: true,
        zabstate: 'broadcast',
      });
    } finally {
      view.modeValue = 'standalone';
      view.quorumValue = undefined;
    }
    expect(JSON.parse((await get('set_trace_mask?traceMask=511')).body).tracemask).toBe(511);
    expect(JSON.parse((await get('gtmk')).body).tracemask).toBe(511);
    expect(JSON.parse((await get('stmk?traceMask=x')).body).error).toBe(
      'setTraceMask requires long traceMask argument, got x',
    );
    view.servingValue = false;
    try {
      expect(JSON.parse((await get('ruok')).body)).toEqual({
        command: 'ruok',
        error: 'This ZooKeeper instance is not currently serving requests',
      });
      expect(JSON.parse((await get('envi')).body).error).toBeNull();
    } finally {
      view.servingValue = true;
    }
  });

  it('stat_reset and connection_stat_reset reset what the 4lw reset', async () => {
    await get('stat_reset');
    const s = JSON.parse((await get('server_stats')).body).server_stats;
    expect([s.packets_sent, s.packets_received, s.max_latency]).toEqual([0, 0, 0]);
    await get('connection_stat_reset');
    const c = JSON.parse((await get('connections')).body).connections[0];
    expect([c.last_operation, c.last_cxid, c.last_zxid]).toEqual(['NA', -1, -1]);
  });
});

describe('Jackson-style JSON', () => {
  it('formats like Apache', () => {
    expect(
      toJacksonJson({ a: [], b: {}, c: [1n, 2], d: new JavaDouble(0), e: [{ x: null }] }),
    ).toBe(
      '{\n  "a" : [ ],\n  "b" : { },\n  "c" : [ 1, 2 ],\n  "d" : 0.0,\n  "e" : [ {\n    "x" : null\n  } ]\n}',
    );
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fourLetterWordOf,
  javaDateString,
  parseFourLetterWhitelist,
  runFourLetterWord,
  type FourLetterEnv,
} from './fourlw.js';
import { environmentEntries } from './fourlw-env.js';
import { ConnectionStatsRecorder, formatJavaDouble, reportedVersion } from './stats.js';
import { fourLetterShape } from './testdata/shape.js';
import { fixtureClock, leaderQuorum, StaticView } from './testdata/static-view.js';

const golden = (name: string) =>
  readFileSync(join(import.meta.dirname, 'testdata/apache-3.8.0', name), 'utf8');

function env(): FourLetterEnv {
  let mask = 306n;
  return {
    clock: fixtureClock,
    environment: () => environmentEntries(new StaticView().version()),
    traceMask: { get: () => mask, set: (m) => (mask = m) },
  };
}

const shape = fourLetterShape;

const all = '*' as const;

describe('four-letter words match Apache 3.8 output shapes', () => {
  const cases = [
    'srvr',
    'stat',
    'conf',
    'cons',
    'wchs',
    'wchc',
    'wchp',
    'dump',
    'dirs',
    'isro',
    'gtmk',
    'ruok',
  ];
  for (const word of cases) {
    it(word, () => {
      const ours = runFourLetterWord(word, new StaticView(), all, env());
      expect(shape(ours)).toEqual(shape(golden(`${word}.txt`)));
    });
  }

  it('mntr: same keys in the same order', () => {
    const keys = (t: string) =>
      t
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split('\t')[0]);
    const ours = runFourLetterWord('mntr', new StaticView(), all, env());
    expect(keys(ours)).toEqual(keys(golden('mntr.txt')));
    for (const line of ours.trimEnd().split('\n')) expect(line).toMatch(/^zk_[a-z0-9_]+\t\S.*$/);
  });

  it('mntr values read from the view', () => {
    const ours = runFourLetterWord('mntr', new StaticView(), all, env());
    const m = new Map(
      ours
        .trimEnd()
        .split('\n')
        .map((l) => l.split('\t') as [string, string]),
    );
    expect(m.get('zk_server_state')).toBe('standalone');
    expect(m.get('zk_avg_latency')).toBe('1.6923');
    expect(m.get('zk_min_latency')).toBe('0');
    expect(m.get('zk_max_latency')).toBe('6');
    expect(m.get('zk_znode_count')).toBe('8');
    expect(m.get('zk_watch_count')).toBe('4');
    expect(m.get('zk_connection_drop_probability')).toBe('0.0');
    expect(m.get('zk_avg_updatelatency')).toBe('3.5');
    expect(m.get('zk_p50_updatelatency')).toBe('1');
    expect(m.get('zk_avg_fsynctime')).toBe('0.0');
    expect(m.get('zk_num_alive_connections')).toBe('3');
  });

  it('envi has Apache keys in Apache order', () => {
    const ours = runFourLetterWord('envi', new StaticView(), all, env());
    const keys = (t: string) => t.split('\n').map((l) => l.split('=')[0]);
    expect(keys(ours)).toEqual(keys(golden('envi.txt')));
    expect(ours).toMatch(/^Environment:\nzookeeper\.version=3\.8\.0-zkts-/);
  });

  it('srvr values', () => {
    expect(runFourLetterWord('srvr', new StaticView(), all, env())).toBe(
      [
        'Zookeeper version: 3.8.0-zkts-0.1.0, built on 2026-11-25 07:00 UTC',
        'Latency min/avg/max: 0/1.6923/6',
        'Received: 15',
        'Sent: 14',
        'Connections: 3',
        'Outstanding: 0',
        'Zxid: 0x5',
        'Mode: standalone',
        'Node count: 8',
        '',
      ].join('\n'),
    );
  });

  it('cons after crst: NA, lcxid hidden, lzxid -1, lresp 0', () => {
    const v = new StaticView();
    expect(runFourLetterWord('crst', v, all, env())).toBe('Connection stats reset.\n');
    const line = runFourLetterWord('cons', v, all, env()).split('\n')[0];
    expect(line).toBe(
      ' /127.0.0.1:54828[1](queued=0,recved=0,sent=0,sid=0x10000100e1e0001,lop=NA,est=1795592566051,' +
        'to=20000,lzxid=0xffffffffffffffff,lresp=0,llat=0,minlat=0,avglat=0,maxlat=0)',
    );
  });

  it('srst resets latency and packet counts', () => {
    const v = new StaticView();
    expect(runFourLetterWord('srst', v, all, env())).toBe('Server stats reset.\n');
    const srvr = runFourLetterWord('srvr', v, all, env());
    expect(srvr).toContain('Latency min/avg/max: 0/0.0/0\nReceived: 0\nSent: 0\n');
  });

  it('whitelist and not-serving messages', () => {
    const v = new StaticView();
    const dflt = parseFourLetterWhitelist(undefined);
    expect(runFourLetterWord('stat', v, dflt, env())).toBe(golden('not-whitelisted-stat.txt'));
    expect(runFourLetterWord('srvr', v, dflt, env())).toMatch(/^Zookeeper version/);
    expect(parseFourLetterWhitelist(undefined, true)).toEqual(new Set(['srvr', 'isro']));
    expect(parseFourLetterWhitelist('stat, ruok ,bogus')).toEqual(new Set(['stat', 'ruok']));
    expect(parseFourLetterWhitelist('srvr,*')).toBe('*');
    v.servingValue = false;
    expect(runFourLetterWord('mntr', v, all, env())).toBe(
      'This ZooKeeper instance is not currently serving requests\n',
    );
    expect(runFourLetterWord('ruok', v, all, env())).toBe('imok');
    expect(runFourLetterWord('isro', v, all, env())).toBe('null');
    expect(runFourLetterWord('ruok', undefined, all, env())).toBe('imok');
  });

  it('leader adds proposal sizes and quorum gauges; read-only adds its banner', () => {
    const v = new StaticView();
    v.modeValue = 'leader';
    v.quorumValue = leaderQuorum();
    const srvr = runFourLetterWord('srvr', v, all, env());
    expect(
      srvr.endsWith('Mode: leader\nNode count: 8\nProposal sizes last/min/max: 36/36/120\n'),
    ).toBe(true);
    const mntr = runFourLetterWord('mntr', v, all, env());
    expect(mntr).toContain('zk_server_state\tleader\nzk_peer_state\tleading - broadcast\n');
    expect(mntr).toContain('zk_quorum_size\t3\n');
    expect(mntr).toContain('zk_synced_followers\t2\n');
    v.modeValue = 'read-only';
    v.quorumValue = undefined;
    expect(runFourLetterWord('srvr', v, all, env()).split('\n')[1]).toBe(
      'READ-ONLY mode; serving only read-only clients',
    );
    expect(runFourLetterWord('isro', v, all, env())).toBe('ro');
  });

  it('latencies are whole milliseconds, as Apache keeps them', () => {
    const v = new StaticView();
    v.stats.reset();
    v.stats.requestCompleted(0.4);
    v.stats.requestCompleted(5.9);
    expect(runFourLetterWord('srvr', v, all, env())).toContain('Latency min/avg/max: 0/2.5/5\n');
    const c = new ConnectionStatsRecorder();
    c.responded('GETD', 3, 5n, 1.7, 1234.56);
    expect(c.snapshot()).toMatchObject({
      lastLatencyMs: 1,
      maxLatencyMs: 1,
      lastResponseMonotonicMs: 1234,
    });
  });

  it('stmk sets the mask gtmk reads', () => {
    const e = env();
    e.stmkArgument = 0x1ffn;
    expect(runFourLetterWord('stmk', new StaticView(), all, e)).toBe('511');
    expect(runFourLetterWord('gtmk', new StaticView(), all, e)).toBe('511');
  });

  it('recognises words by their frame length', () => {
    expect(fourLetterWordOf(0x72756f6b)).toBe('ruok');
    expect(fourLetterWordOf(Buffer.from('mntr').readInt32BE(0))).toBe('mntr');
    expect(fourLetterWordOf(44)).toBeUndefined();
  });

  it('formats like Java', () => {
    expect(formatJavaDouble(0)).toBe('0.0');
    expect(formatJavaDouble(5)).toBe('5.0');
    expect(formatJavaDouble(1.6923)).toBe('1.6923');
    expect(formatJavaDouble(0.0005)).toBe('5.0E-4');
    expect(formatJavaDouble(12345678)).toBe('1.2345678E7');
    expect(javaDateString(Date.UTC(2026, 10, 25, 7, 43, 6))).toBe('Wed Nov 25 07:43:06 UTC 2026');
    expect(reportedVersion('0.1.0', Date.UTC(2024, 11, 29, 17, 54))).toBe(
      '3.8.0-zkts-0.1.0, built on 2024-12-29 17:54 UTC',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { checkHostPrefix, connectString, ensembleLayout } from './ensemble-up-config.js';

describe('ensemble up layout', () => {
  it('puts member N on <prefix>N with the standard ports and every server line', () => {
    const l = ensembleLayout('/d', 3, '127.0.0.');
    expect(l.map((m) => [m.name, m.host, m.cfgFile, m.dataDir, m.myid])).toEqual([
      ['server.1', '127.0.0.1', '/d/server.1/zoo.cfg', '/d/server.1/data', '1\n'],
      ['server.2', '127.0.0.2', '/d/server.2/zoo.cfg', '/d/server.2/data', '2\n'],
      ['server.3', '127.0.0.3', '/d/server.3/zoo.cfg', '/d/server.3/data', '3\n'],
    ]);
    const cfg = l[1]!.zooCfg.split('\n');
    for (const line of [
      'dataDir=/d/server.2/data',
      'clientPort=2181',
      'clientPortAddress=127.0.0.2',
      'admin.serverAddress=127.0.0.2',
      'admin.serverPort=8080',
      'metricsProvider.httpHost=127.0.0.2',
      'metricsProvider.httpPort=7000',
      'server.1=127.0.0.1:2888:3888',
      'server.2=127.0.0.2:2888:3888',
      'server.3=127.0.0.3:2888:3888',
    ])
      expect(cfg).toContain(line);
    expect(connectString(l)).toBe('127.0.0.1:2181,127.0.0.2:2181,127.0.0.3:2181');
  });

  it('takes loopback prefixes ending in a dot only', () => {
    expect(checkHostPrefix('127.0.0.')).toBeUndefined();
    expect(checkHostPrefix('127.0.2.')).toBeUndefined();
    for (const bad of ['127.0.0', '10.0.0.', '127.0.0.1', '127.300.0.', 'localhost'])
      expect(checkHostPrefix(bad), bad).toMatch(/--host-prefix/);
  });
});

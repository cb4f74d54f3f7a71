import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../quorum/reconfig.js';
import { parseZooCfg } from './config.js';
import {
  withDynamicConfig,
  writeDynamicConfigFiles,
  writeNextDynamicConfig,
} from './dynamic-config-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const line = (i: number) => `server.${i}=127.0.0.${i}:2888:3888:participant;127.0.0.${i}:2181`;

describe('dynamic config files (Apache writeDynamicConfig + editStaticConfig)', () => {
  it('writes zoo.cfg.dynamic.<hex>, keeps zoo.cfg.bak and points zoo.cfg at it; a restart reads it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zkts-dyncfg-'));
    dirs.push(dir);
    const cfg = join(dir, 'zoo.cfg');
    const original = [
      'tickTime=2000',
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${dir}`,
      'clientPort=2181',
      'clientPortAddress=127.0.0.1',
      'reconfigEnabled=true',
      'standaloneEnabled=false',
      'server.1=127.0.0.1:2888:3888',
      'server.2=127.0.0.2:2888:3888',
      '',
    ].join('\n');
    writeFileSync(cfg, original);
    const next = parseConfigText(`${line(1)}\n${line(2)}\n${line(3)}\nversion=100000003`);
    // Proposed: `.next` with its version line; committed: `.next` goes.
    writeNextDynamicConfig(cfg, next);
    expect(readFileSync(`${cfg}.dynamic.next`, 'utf8')).toBe(
      `${line(1)}\n${line(2)}\n${line(3)}\nversion=100000003\n`,
    );
    const file = writeDynamicConfigFiles(cfg, next, 1);
    expect(existsSync(`${cfg}.dynamic.next`)).toBe(false);
    expect(file).toBe(`${cfg}.dynamic.100000003`);
    expect(readFileSync(file, 'utf8')).toBe(`${line(1)}\n${line(2)}\n${line(3)}\n`);
    expect(readFileSync(`${cfg}.bak`, 'utf8')).toBe(original);
    const rewritten = readFileSync(cfg, 'utf8');
    expect(rewritten).not.toMatch(/^server\.|^clientPort/m);
    expect(rewritten).toMatch(new RegExp(`^dynamicConfigFile=${file}$`, 'm'));

    const { config, version } = withDynamicConfig(parseZooCfg(rewritten, cfg).config, cfg);
    expect(version).toBe(0x100000003n);
    expect(config.distributed).toBe(true);
    expect(config.servers.map((s) => s.id)).toEqual([1, 2, 3]);
    expect(config.servers[0]!.clientAddress).toEqual({ host: '127.0.0.1', port: 2181 });

    // The next reconfig replaces the pointer; the backup stays the first zoo.cfg.
    const after = writeDynamicConfigFiles(cfg, { ...next, version: 0x200000001n }, 1);
    expect(readFileSync(cfg, 'utf8').match(/dynamicConfigFile=/g)).toHaveLength(1);
    expect(readFileSync(cfg, 'utf8')).toContain(`dynamicConfigFile=${after}`);
    expect(readFileSync(`${cfg}.bak`, 'utf8')).toBe(original);
    expect(existsSync(`${cfg}.dynamic.100000003`)).toBe(true);
  });

  it('a zoo.cfg without dynamicConfigFile is left as parsed (version 0)', () => {
    const text = 'tickTime=2000\ndataDir=/tmp/x\nclientPort=2181\n';
    const parsed = parseZooCfg(text, 'zoo.cfg').config;
    expect(withDynamicConfig(parsed, 'zoo.cfg')).toEqual({ config: parsed, version: 0n });
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serverLaunch } from '../../cli/server-launch.js';
import { SERVER_NODE_FLAGS, withServerNodeFlags } from './node-flags.js';

const repoFile = (name: string) =>
  readFileSync(new URL(`../../../${name}`, import.meta.url), 'utf8');

describe('server node flags', () => {
  it('are added to a launcher’s own flags, whose value for the same flag wins', () => {
    expect(withServerNodeFlags([])).toEqual([...SERVER_NODE_FLAGS]);
    expect(withServerNodeFlags(['--cpu-prof'])).toEqual(['--cpu-prof', ...SERVER_NODE_FLAGS]);
    const own = ['--initial-old-space-size=64'];
    expect(withServerNodeFlags(own)).toEqual([
      ...own,
      ...SERVER_NODE_FLAGS.filter((f) => !f.startsWith('--initial-old-space-size=')),
    ]);
  });

  it('are on the command line of the daemon and ensemble members this program starts', () => {
    const { args } = serverLaunch();
    for (const f of SERVER_NODE_FLAGS) expect(args).toContain(f);
    expect(args.at(-1)).toBe('server');
  });

  it('are the ones bin/zkts’s shebang and the Dockerfile’s entry point give node', () => {
    const shebang = repoFile('bin/zkts').split('\n')[0]!;
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(repoFile('Dockerfile'))?.[1];
    expect(entry).toBeDefined();
    const entryArgv = JSON.parse(entry!) as string[];
    expect(shebang.split(' ').slice(0, 3)).toEqual(['#!/usr/bin/env', '-S', 'node']);
    expect(shebang.split(' ').slice(3)).toEqual([...SERVER_NODE_FLAGS]);
    expect(entryArgv.slice(1, -1)).toEqual([...SERVER_NODE_FLAGS]);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serverLaunch } from '../../cli/server-launch.js';
import { SERVER_ENV, SERVER_NODE_FLAGS, withServerEnv, withServerNodeFlags } from './node-flags.js';

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
    const { args, env } = serverLaunch();
    for (const f of SERVER_NODE_FLAGS) expect(args).toContain(f);
    expect(args.at(-1)).toBe('server');
    for (const [k, v] of Object.entries(SERVER_ENV)) expect(env?.[k]).toBe(process.env[k] ?? v);
  });

  it('come with an environment whose variables a caller may set itself', () => {
    expect(withServerEnv({ PATH: '/bin' })).toEqual({ ...SERVER_ENV, PATH: '/bin' });
    expect(withServerEnv({ MALLOC_MMAP_THRESHOLD_: '65536' }).MALLOC_MMAP_THRESHOLD_).toBe('65536');
  });

  it('are the ones bin/zkts’s shebang and the Dockerfile’s entry point give node', () => {
    const shebang = repoFile('bin/zkts').split('\n')[0]!;
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(repoFile('Dockerfile'))?.[1];
    expect(entry).toBeDefined();
    const entryArgv = JSON.parse(entry!) as string[];
    const assignments = Object.entries(SERVER_ENV).map(([k, v]) => `${k}=${v}`);
    const words = shebang.split(' ');
    expect(words.slice(0, 2)).toEqual(['#!/usr/bin/env', '-S']);
    expect(words.slice(2, 2 + assignments.length)).toEqual(assignments);
    expect(words[2 + assignments.length]).toBe('node');
    expect(words.slice(3 + assignments.length)).toEqual([...SERVER_NODE_FLAGS]);
    expect(entryArgv.slice(1, -1)).toEqual([...SERVER_NODE_FLAGS]);
    const dockerEnv = [...repoFile('Dockerfile').matchAll(/^ENV (\S+)=(\S+)$/gm)].map(
      (m) => `${m[1]}=${m[2]}`,
    );
    for (const a of assignments) expect(dockerEnv).toContain(a);
  });
});

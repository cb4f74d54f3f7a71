/**
 * kazoo (Debian python3-kazoo) recipes against the target: Lock with two contenders, Election,
 * Barrier, Counter, Queue and LockingQueue, Party, DataWatch and ChildrenWatch.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget, targetKind, type Target } from '../support/target.js';

const kind = targetKind();
let target: Target;

beforeAll(async () => {
  target = await startTarget();
});

afterAll(async () => {
  await target?.stop();
});

function runRecipes(hosts: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      '/usr/bin/python3',
      [join(import.meta.dirname, 'python/kazoo_recipes.py'), hosts],
      { timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    ),
  );
}

describe(`kazoo recipes against ${kind}`, () => {
  it('runs every recipe with the outcome Apache 3.8 gives', async () => {
    const run = await runRecipes(target.connectString);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out).toEqual({
      lock_contenders: ['a', 'b'],
      lock_b_blocked: true,
      lock_order: ['a-acquired', 'a-released', 'b-acquired'],
      lock_children_after: [],
      election_contenders: ['a', 'b'],
      election_leaders: ['a', 'b'],
      barrier_held: true,
      barrier_passed: [true],
      counter: 7,
      float_counter: 2.5,
      queue_len: 3,
      queue: ['high', 'mid', 'low'],
      queue_empty: null,
      lqueue_first: 'x',
      lqueue_consume: true,
      lqueue_len: 1,
      lqueue_second: 'y',
      lqueue_len_after: 0,
      party: ['alice', 'bob'],
      party_after_leave: ['alice'],
      party_len: 1,
      data_watch: [null, ['v0', 0], ['v1', 1], null],
      children_watch: [[], ['node'], ['node', 'other'], ['other']],
      ephemeral_removed_on_close: true,
      tree: ['counter', 'election', 'fcounter', 'lock', 'lqueue', 'party', 'queue', 'watched'],
    });
  });
});

import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LogReadAhead } from './log-read-ahead.js';

const dir = mkdtempSync(join(tmpdir(), 'zkts-read-ahead-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function files(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const path = join(dir, `${prefix}${i}`);
    writeFileSync(path, `${prefix} file ${i}`);
    return path;
  });
}

describe('LogReadAhead', () => {
  it('hands out every listed file in order, and reads an unlisted one on demand', async () => {
    const paths = files('a', 4);
    const ahead = new LogReadAhead(paths, 2);
    for (const [i, p] of paths.entries())
      expect((await ahead.take(p)).toString()).toBe(`a file ${i}`);
    const [extra] = files('extra', 1);
    expect((await ahead.take(extra!)).toString()).toBe('extra file 0');
  });

  it('reads no further ahead than its depth', async () => {
    const [first, second, third] = files('b', 3);
    const ahead = new LogReadAhead([first!, second!, third!], 1);
    // Only the first is read yet: the third, gone before the second is taken, is missed.
    unlinkSync(third!);
    expect((await ahead.take(first!)).toString()).toBe('b file 0');
    expect((await ahead.take(second!)).toString()).toBe('b file 1');
    await expect(ahead.take(third!)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reports a failed read when the file is taken, not before', async () => {
    const [present] = files('c', 1);
    const missing = join(dir, 'missing');
    const ahead = new LogReadAhead([missing, present!], 2);
    await new Promise((r) => setTimeout(r, 20)); // both reads settle; none may go unhandled
    await expect(ahead.take(missing)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await ahead.take(present!)).toString()).toBe('c file 0');
  });

  it('drop lets go of the files read ahead; a later take reads afresh', async () => {
    const [only] = files('d', 1);
    const ahead = new LogReadAhead([only!], 1);
    ahead.drop();
    writeFileSync(only!, 'rewritten');
    expect((await ahead.take(only!)).toString()).toBe('rewritten');
  });
});

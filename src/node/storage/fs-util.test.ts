import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWholeFile } from './fs-util.js';

const dir = mkdtempSync(join(tmpdir(), 'zkts-fs-util-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readWholeFile', () => {
  it('returns every byte of files larger than one readFile chunk, and of empty files', async () => {
    for (const size of [0, 1, 512 * 1024 + 3, 3 * 1024 * 1024]) {
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >> 9)) & 0xff;
      const path = join(dir, `f${size}`);
      writeFileSync(path, bytes);
      expect((await readWholeFile(path)).equals(bytes)).toBe(true);
    }
  });

  it('rejects a missing file with ENOENT', async () => {
    await expect(readWholeFile(join(dir, 'absent'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

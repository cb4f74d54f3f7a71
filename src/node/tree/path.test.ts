import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pathProblem } from './path.js';

/** The segment rules as PathUtils.validatePath states them, written the obvious way. */
function segmentProblemBySplit(path: string): string | null {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    if (parts[i] === '') return 'empty node name';
    if (parts[i] === '.' || parts[i] === '..') return 'relative paths not allowed';
  }
  return null;
}

describe('pathProblem', () => {
  it('names the problem of each kind of bad path', () => {
    expect(pathProblem('/')).toBeNull();
    expect(pathProblem('/a/b.c/..d/...')).toBeNull();
    expect(pathProblem('')).toBe('path length must be > 0');
    expect(pathProblem('a')).toBe('path must start with /');
    expect(pathProblem('/a/')).toBe('path must not end with /');
    expect(pathProblem('/a//b')).toBe('empty node name');
    expect(pathProblem('/a/./b')).toBe('relative paths not allowed');
    expect(pathProblem('/a/..')).toBe('relative paths not allowed');
    expect(pathProblem('/a/\u0001')).toBe('invalid character @3');
  });

  it('judges segments as a split on "/" does', () => {
    const segment = fc.constantFrom('', '.', '..', '...', 'a', '.a', 'a.', 'zk', '\u0001');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (segments) => {
        const path = `/${segments.join('/')}`;
        if (path.endsWith('/')) return; // '/' itself and the trailing-slash rule come first
        const bySplit = segmentProblemBySplit(path);
        const got = pathProblem(path);
        if (bySplit !== null) expect(got).toBe(bySplit);
        else expect(got === null || got.startsWith('invalid character')).toBe(true);
      }),
    );
  });
});

/** PathUtils.validatePath and the parent/child split the tree uses (client-protocol.md §9.1). */

/** null when valid, else the reason. */
export function pathProblem(path: string | null | undefined): string | null {
  if (path === null || path === undefined) return 'path is null';
  if (path.length === 0) return 'path length must be > 0';
  if (path[0] !== '/') return 'path must start with /';
  if (path.length === 1) return null;
  if (path.endsWith('/')) return 'path must not end with /';
  // Segment by segment without split(): every write validates its path.
  for (let start = 1; start <= path.length;) {
    let end = path.indexOf('/', start);
    if (end < 0) end = path.length;
    const len = end - start;
    if (len === 0) return 'empty node name';
    if (
      path.charCodeAt(start) === 0x2e &&
      (len === 1 || (len === 2 && path.charCodeAt(start + 1) === 0x2e))
    )
      return 'relative paths not allowed';
    start = end + 1;
  }
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (
      c === 0 ||
      (c > 0 && c < 0x1f + 1) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      (c >= 0xfff0 && c <= 0xffff)
    )
      return `invalid character @${i}`;
  }
  return null;
}

export function isValidPath(path: string | null | undefined): boolean {
  return pathProblem(path) === null;
}

/** Parent as the tree keys it: "/a" → "/" (Apache keys the root as "" too; we normalise to "/"). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** The four nodes delete refuses with BadArguments (DataTree.isSpecialPath). */
export function isSpecialPath(path: string): boolean {
  return (
    path === '/' ||
    path === '/zookeeper' ||
    path === '/zookeeper/quota' ||
    path === '/zookeeper/config'
  );
}

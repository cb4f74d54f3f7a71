/** How a (connection, path) pair is watched in one manager; a pair may hold several modes at once. */
export const WatchMode = {
  standard: 1,
  persistent: 2,
  persistentRecursive: 4,
} as const;
export type WatchMode = (typeof WatchMode)[keyof typeof WatchMode];

/** Paths from `path` up to "/" (the path itself first). */
function pathAndAncestors(path: string): string[] {
  const out = [path];
  let p = path;
  while (p !== '/' && p !== '') {
    const slash = p.lastIndexOf('/');
    p = slash <= 0 ? '/' : p.slice(0, slash);
    out.push(p);
  }
  return out;
}

/**
 * One of the two watch managers (data or child), as Apache 3.9's WatchManager: a table
 * path → watchers and, per watcher, path → set of modes. Standard modes are one-shot;
 * persistent ones stay; persistent-recursive ones also fire for descendants.
 * Maps keep insertion order, which makes every listing and delivery order deterministic.
 */
export class WatchManager {
  private readonly pathTable = new Map<string, Set<number>>();
  private readonly watcherTable = new Map<number, Map<string, number>>();
  private recursiveCount = 0;

  /** True if the mode was new for this pair. */
  add(watcher: number, path: string, mode: WatchMode): boolean {
    let watchers = this.pathTable.get(path);
    if (watchers === undefined) {
      watchers = new Set();
      this.pathTable.set(path, watchers);
    }
    watchers.add(watcher);
    let paths = this.watcherTable.get(watcher);
    if (paths === undefined) {
      paths = new Map();
      this.watcherTable.set(watcher, paths);
    }
    const modes = paths.get(path) ?? 0;
    if (modes & mode) return false;
    paths.set(path, modes | mode);
    if (mode === WatchMode.persistentRecursive) this.recursiveCount++;
    return true;
  }

  /** False when no watch here could fire for `path` (most writes: no allocation then). */
  mayHit(path: string): boolean {
    return this.recursiveCount > 0 || this.pathTable.has(path);
  }

  /**
   * Watchers to notify of an event on `path`, each once: those on the path itself (their
   * standard mode is consumed) and those with a recursive watch on an ancestor. Watchers in
   * `suppress` still lose their one-shot watch but are left out of the result.
   */
  trigger(path: string, suppress?: ReadonlySet<number>): number[] {
    const hit = new Set<number>();
    const candidates = this.recursiveCount > 0 ? pathAndAncestors(path) : [path];
    candidates.forEach((localPath, depth) => {
      const watchers = this.pathTable.get(localPath);
      if (watchers === undefined) return;
      for (const watcher of [...watchers]) {
        const paths = this.watcherTable.get(watcher);
        const modes = paths?.get(localPath);
        if (paths === undefined || modes === undefined) continue;
        if (depth === 0) {
          hit.add(watcher);
          const left = modes & ~WatchMode.standard;
          if (left === 0) {
            watchers.delete(watcher);
            paths.delete(localPath);
            if (paths.size === 0) this.watcherTable.delete(watcher);
          } else {
            paths.set(localPath, left);
          }
        } else if (modes & WatchMode.persistentRecursive) {
          hit.add(watcher);
        }
      }
      if (watchers.size === 0) this.pathTable.delete(localPath);
    });
    return [...hit].filter((w) => suppress === undefined || !suppress.has(w));
  }

  /** With no mode: any watch of this watcher on path. */
  contains(watcher: number, path: string, mode?: WatchMode): boolean {
    const modes = this.watcherTable.get(watcher)?.get(path);
    return modes !== undefined && (mode === undefined || (modes & mode) !== 0);
  }

  /** Removes one mode (or, with none, every mode) of the pair; true if anything changed. */
  remove(watcher: number, path: string, mode?: WatchMode): boolean {
    const paths = this.watcherTable.get(watcher);
    const modes = paths?.get(path);
    if (paths === undefined || modes === undefined) return false;
    const left = mode === undefined ? 0 : modes & ~mode;
    if (left === modes) return false;
    if (modes & WatchMode.persistentRecursive && !(left & WatchMode.persistentRecursive)) {
      this.recursiveCount--;
    }
    if (left !== 0) {
      paths.set(path, left);
      return true;
    }
    paths.delete(path);
    if (paths.size === 0) this.watcherTable.delete(watcher);
    const watchers = this.pathTable.get(path);
    watchers?.delete(watcher);
    if (watchers?.size === 0) this.pathTable.delete(path);
    return true;
  }

  /** The connection closed: forget all its watches. */
  removeWatcher(watcher: number): void {
    const paths = this.watcherTable.get(watcher);
    if (paths === undefined) return;
    this.watcherTable.delete(watcher);
    for (const [path, modes] of paths) {
      if (modes & WatchMode.persistentRecursive) this.recursiveCount--;
      const watchers = this.pathTable.get(path);
      watchers?.delete(watcher);
      if (watchers?.size === 0) this.pathTable.delete(path);
    }
  }

  /** (path, watcher) pairs, whatever their modes: Apache's WatchManager.size(). */
  get size(): number {
    let n = 0;
    for (const watchers of this.pathTable.values()) n += watchers.size;
    return n;
  }

  /** Pairs holding `mode`. */
  countMode(mode: WatchMode): number {
    let n = 0;
    for (const paths of this.watcherTable.values()) {
      for (const modes of paths.values()) if (modes & mode) n++;
    }
    return n;
  }

  get watcherCount(): number {
    return this.watcherTable.size;
  }

  get pathCount(): number {
    return this.pathTable.size;
  }

  byWatcher(): Map<number, string[]> {
    const out = new Map<number, string[]>();
    for (const [watcher, paths] of this.watcherTable) out.set(watcher, [...paths.keys()]);
    return out;
  }

  byPath(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [path, watchers] of this.pathTable) out.set(path, [...watchers]);
    return out;
  }
}

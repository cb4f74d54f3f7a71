/**
 * Node flags that every launcher of `zkts server` passes: bin/zkts's shebang, the Dockerfile's
 * entry point, the daemon and `ensemble up` (src/cli/server-launch.ts), and the test and
 * benchmark harnesses. They must come on node's command line: V8 reads them when the heap is
 * set up, so setting them from inside the process changes nothing. See docs/adr/0006.
 */
export const SERVER_NODE_FLAGS: readonly string[] = [
  // V8 sets the old generation's limit from the live heap. With a small tree (a few MiB) that
  // meant a mark-compact every ~150 ms under writes, each one stalling every request in flight.
  // A 128 MiB start cut them about fivefold and set p99 by a quarter; it is a limit, not a
  // reservation, so only garbage not yet collected ever fills it.
  '--initial-old-space-size=128',
  // Recovery reads whole log files (64 MiB each, preallocated) and a snapshot, then an idle
  // server allocates nothing, so V8 kept those dead buffers: 60+ MiB of RSS after a 1M-node
  // restart. With gc exposed the server collects a second after it starts serving, and once
  // more when idle long enough for V8 to shrink its young generation (recovery-gc.ts).
  '--expose-gc',
];

/**
 * Environment every launcher of `zkts server` gives node, for the same reason: glibc reads it
 * when malloc starts. By default glibc raises its mmap threshold to the size of each large
 * block freed (up to 32 MiB) and keeps up to twice that free at the top of its heap; after
 * recovery frees its big read buffers, the slab chunks and columns allocated next came from
 * the heap and ~14 MiB of freed memory stayed resident at 1M znodes. A fixed threshold (glibc's
 * own default, 128 KiB) gives large blocks their own mappings, returned when freed.
 */
export const SERVER_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '131072',
};

/** `env` plus the server environment it does not set already (a caller's own value wins). */
export function withServerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...SERVER_ENV, ...env };
}

/** `flags` plus the server flags it does not set already (a caller's own value wins). */
export function withServerNodeFlags(flags: readonly string[]): string[] {
  const named = (f: string) => f.split('=')[0];
  const given = new Set(flags.map(named));
  return [...flags, ...SERVER_NODE_FLAGS.filter((f) => !given.has(named(f)))];
}

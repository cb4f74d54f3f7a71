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

/** `flags` plus the server flags it does not set already (a caller's own value wins). */
export function withServerNodeFlags(flags: readonly string[]): string[] {
  const named = (f: string) => f.split('=')[0];
  const given = new Set(flags.map(named));
  return [...flags, ...SERVER_NODE_FLAGS.filter((f) => !given.has(named(f)))];
}

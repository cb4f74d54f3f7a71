/**
 * One full garbage collection once recovery is over. Recovery reads whole txn log files
 * (64 MiB each when preallocated) and a snapshot; an idle server allocates nothing afterwards,
 * so V8 would keep those dead buffers resident for as long as it stays idle. `gc` exists when
 * node runs with --expose-gc (SERVER_NODE_FLAGS, ADR 0006); without it this does nothing.
 */
export function collectRecoveryGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  return true;
}

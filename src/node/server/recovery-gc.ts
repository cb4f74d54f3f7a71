/**
 * One full garbage collection soon after recovery. Recovery reads whole txn log files
 * (64 MiB each when preallocated) and a snapshot; an idle server allocates nothing afterwards,
 * so V8 would keep those dead buffers resident for as long as it stays idle (60+ MiB after a
 * 1M-node restart). The collection waits until the server serves: run before the client port
 * opened, its 35-90 ms at 1M znodes were part of every restart. `gc` exists when node runs
 * with --expose-gc (SERVER_NODE_FLAGS, ADR 0006); without it this does nothing.
 */
export const recoveryGcDelayMs = 1000;

export function collectRecoveryGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  return true;
}

/** Schedules collectRecoveryGarbage; the timer does not keep the process alive. */
export function collectRecoveryGarbageSoon(delayMs = recoveryGcDelayMs): NodeJS.Timeout {
  const timer = setTimeout(collectRecoveryGarbage, delayMs);
  timer.unref();
  return timer;
}

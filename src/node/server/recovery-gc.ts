/**
 * Two full garbage collections soon after recovery. Recovery reads whole txn log files
 * (64 MiB each when preallocated) and a snapshot; an idle server allocates nothing afterwards,
 * so V8 would keep those dead buffers resident for as long as it stays idle (60+ MiB after a
 * 1M-node restart). The first collection waits until the server serves: run before the client
 * port opened, its 35-90 ms at 1M znodes were part of every restart.
 *
 * The second one returns the young generation, which recovery's allocation grew to two 16 MiB
 * semi-spaces: V8 shrinks it only in a full collection that follows about 5 s of low
 * allocation (the window of its allocation-rate estimate), which left it to V8's memory
 * reducer, 20-30 s after a restart. Under load the rate is high and V8 keeps the space; the
 * collection then costs one pause of a few ms (the tree lives outside the JS heap).
 *
 * `gc` exists when node runs with --expose-gc (SERVER_NODE_FLAGS, ADR 0006); without it this
 * does nothing.
 */
export const recoveryGcDelayMs = 1000;
/** After the first collection: past V8's 5 s allocation-rate window. */
export const settleGcDelayMs = 6000;

export function collectRecoveryGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  return true;
}

export interface ScheduledCollections {
  cancel(): void;
  /** False: the timers never keep the process alive. */
  hasRef(): boolean;
}

/** Schedules collectRecoveryGarbage after `delayMs` and again `settleDelayMs` later. */
export function collectRecoveryGarbageSoon(
  delayMs = recoveryGcDelayMs,
  settleDelayMs = settleGcDelayMs,
): ScheduledCollections {
  let timer = setTimeout(() => {
    collectRecoveryGarbage();
    timer = setTimeout(collectRecoveryGarbage, settleDelayMs);
    timer.unref();
  }, delayMs);
  timer.unref();
  return { cancel: () => clearTimeout(timer), hasRef: () => timer.hasRef() };
}

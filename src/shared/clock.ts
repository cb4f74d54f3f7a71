/** Time as an argument. The shell passes the real clock; tests and the simulator pass their own. */
export interface Clock {
  /** Wall clock, ms since the epoch: stamped into txns (ctime/mtime) and shown to people. */
  wallMs(): number;
  /** Monotonic ms: for timeouts, expiry and latency. */
  monotonicMs(): number;
}

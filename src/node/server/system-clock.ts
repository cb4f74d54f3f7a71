import type { Clock } from '../../shared/clock.js';

/** The real clock, for the shell. Pure code receives it as an argument. */
export const systemClock: Clock = {
  wallMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

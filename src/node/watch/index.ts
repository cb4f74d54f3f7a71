export { WatchRegistry, type WatchKind, type WatchSummary } from './watch-registry.js';
export { WatchManager, WatchMode } from './watch-manager.js';
export type { Delivery, WatchTrigger } from './watch-trigger.js';

export * from './types.js';
export * from './health.js';
export * from './plan.js';
export * from './status.js';

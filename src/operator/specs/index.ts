export * from './meta.js';
export * from './hash.js';
export * from './zoo-cfg.js';
export * from './objects.js';

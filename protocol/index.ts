export * from './version.js';
export * from './topics.js';
export * from './schema.js';
export * from './metrics.js';
export * from './decode.js';


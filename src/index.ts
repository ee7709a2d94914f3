export * from './errors.js';
export * from './topic/index.js';

export * from './constants.js';
export * from './limits.js';
export * from './path.js';
export * from './types.js';
export * from './messages.js';
export * from './codec.js';
export * from './txn.js';
export * from './msgpack-guard.js';

/** Moved to main/node-rpc/rpc-error.ts; re-exported for existing callers. */
export * from '../node-rpc/rpc-error.js';

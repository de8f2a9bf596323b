/**
 * A CometBFT v0.38 light-client verifier: the encodings it hashes and signs
 * (hash.ts, proto.ts), the RPC's JSON (types.ts), times (time.ts), the checks
 * (verify.ts) and their refusals (errors.ts). docs/formats/commit-evidence.md
 * describes it. Pure.
 */
export * from './chain.js';
export * from './errors.js';
export * from './hash.js';
export * from './time.js';
export * from './types.js';
export * from './verify.js';

/**
 * Transaction envelopes (version 1) at their historical import path: the
 * generic envelope code of core/tx/codec.ts, and the decoder bound to the
 * engine's transaction types (core/engine/tx.ts). This is the one file of
 * core/tx that reaches core/engine (tests/unit/layering.test.ts); nothing in
 * core/engine or core/tx imports it. New code imports core/tx/codec.ts for the
 * envelope and core/engine/tx.ts for decodeTx.
 */
export * from './codec.js';
export { BODY_SCHEMAS, decodeTx, decodeTxWithDigest } from '../engine/tx.js';

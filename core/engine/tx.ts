/**
 * The engine's transaction codec: the generic envelope decoder of
 * core/tx/codec.ts given the body schemas of the registered modules.
 */
import { envelopeDecoder } from '../tx/codec.js';
import type { Sha256Fn } from '../tx/types.js';
import { BODY_SCHEMAS } from './modules/specs.js';
import type { SignedEnvelope, TxBodies } from './types.js';

export { BODY_SCHEMAS };

const decoder = envelopeDecoder<TxBodies>(BODY_SCHEMAS);

/** Decode and strictly validate a wire transaction of the engine (see EnvelopeDecoder.decodeTx in core/tx/codec.ts). */
export const decodeTx: (bytes: Uint8Array) => SignedEnvelope = decoder.decodeTx;
/** decodeTx, plus the envelope's signing digest computed from the wire bytes (see EnvelopeDecoder.decodeTxWithDigest). */
export const decodeTxWithDigest: (bytes: Uint8Array, hash?: Sha256Fn) => { env: SignedEnvelope; digest: Uint8Array } = decoder.decodeTxWithDigest;

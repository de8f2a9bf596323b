/**
 * The engine's transaction codec: the generic envelope decoder of
 * core/tx/codec.ts given the engine's body schemas.
 */
import { z } from 'zod';
import { envelopeDecoder } from '../tx/codec.js';
import type { BodySchemas } from '../tx/codec.js';
import { CONTROL_BODY_SCHEMAS } from './bodies.js';
import { int, str } from './schema.js';
import type { SignedEnvelope, TxBodies } from './types.js';

/**
 * Body shapes: every field present, of the right JSON type, nothing else.
 * Content rules (asset symbols, amounts, key encodings, policies, …) are the
 * engine's, which answers them with their specific codes.
 */
export const BODY_SCHEMAS: BodySchemas<TxBodies> = {
  'key.register': z.strictObject({ public_key: str, scheme: z.enum(['ed25519', 'p256', 'secp256k1']), label: str }),
  'vault.create': z.strictObject({
    vault_id: str,
    name: str,
    policy: z.strictObject({ approvers: z.array(str).max(256), threshold: int }),
  }),
  'vault.fund': z.strictObject({ vault_id: str, asset: str, amount: str }),
  'withdrawal.create': z.strictObject({ vault_id: str, asset: str, amount: str, destination: str, memo: str }),
  'withdrawal.approve': z.strictObject({ request_id: str }),
  ...CONTROL_BODY_SCHEMAS,
};

const decoder = envelopeDecoder<TxBodies>(BODY_SCHEMAS);

/** Decode and strictly validate a wire transaction of the engine (see EnvelopeDecoder.decodeTx in core/tx/codec.ts). */
export const decodeTx: (bytes: Uint8Array) => SignedEnvelope = decoder.decodeTx;
/** decodeTx, plus the envelope's signing digest computed from the wire bytes (see EnvelopeDecoder.decodeTxWithDigest). */
export const decodeTxWithDigest: (bytes: Uint8Array, hash?: (data: Uint8Array) => Uint8Array) => { env: SignedEnvelope; digest: Uint8Array } = decoder.decodeTxWithDigest;

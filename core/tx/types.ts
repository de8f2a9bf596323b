/**
 * Transaction envelopes (version 1), generic over their bodies: the envelope
 * code in core/tx knows the fields every transaction has (version, chain,
 * type, signer, nonce, expiry, signature) and nothing of what a body means.
 * The engine names its transaction types and body shapes (core/engine/types.ts
 * `TxBodies`, derived from its modules) and supplies their schemas to the
 * decoder (core/engine/tx.ts).
 */

export const ENVELOPE_VERSION = 1;

/** Signature schemes the engine verifies (docs/formats/transactions.md, "Signature schemes"). */
export type SignatureScheme = 'ed25519' | 'p256' | 'secp256k1';

/**
 * The unsigned part of an envelope of type `T` with body `B`. Its canonical
 * JSON (RFC 8785) is what the signing digest covers:
 *   digest = SHA-256( "charter/tx/v1" || 0x00 || JCS(unsigned envelope) )
 * The digest binds version and chain_id because both are fields of it.
 */
export interface Envelope<T extends string = string, B = unknown> {
  version: 1;
  chain_id: string;
  type: T;
  body: B;
  /** Key id of the signer (see keyIdOf). */
  signer: string;
  /** The signer's next nonce: its account nonce + 1. Nonces start at 1. */
  nonce: number;
  /** Last height at which the transaction may be included. */
  expires_at: number;
}

export interface SignedEnvelopeOf<T extends string = string, B = unknown> extends Envelope<T, B> {
  /** Lower-case hex signature over the signing digest (Ed25519: 64 bytes). */
  signature: string;
}

/** A SHA-256 implementation; hosts may inject a faster one (node:crypto) than the pure-JS default. */
export type Sha256Fn = (data: Uint8Array) => Uint8Array;

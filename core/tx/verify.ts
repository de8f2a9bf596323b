/**
 * Signature verification of an envelope: the one seam between the engine and
 * the signature schemes. The engine asks "does this envelope verify for this
 * registered key?"; which digest the scheme signs (the domain-separated
 * envelope digest, or for secp256k1 an EIP-712 typed-data digest of the same
 * body) and how the curve is checked live here and in core/crypto.
 */
import { fromHex } from '../codec/index.js';
import type { SignatureVerifier } from '../crypto/ed25519.js';
import type { SignatureScheme, SignedEnvelope } from '../engine/types.js';
import { signingDigest, unsignedOf } from './envelope.js';

/** The digest a key of `scheme` signs for this envelope. */
export function digestForScheme(scheme: SignatureScheme, env: SignedEnvelope): Uint8Array {
  switch (scheme) {
    case 'ed25519':
      return signingDigest(unsignedOf(env));
    default:
      throw new Error(`no signing digest for scheme ${String(scheme)}`);
  }
}

/** Whether `env.signature` verifies for the registered key. Never throws on malformed input. */
export function verifyEnvelope(verifier: SignatureVerifier, env: SignedEnvelope, key: { scheme: SignatureScheme; public_key: string }): boolean {
  let digest: Uint8Array;
  let sig: Uint8Array;
  let pk: Uint8Array;
  try {
    digest = digestForScheme(key.scheme, env);
    sig = fromHex(env.signature);
    pk = fromHex(key.public_key);
  } catch {
    return false;
  }
  return verifier.verify(key.scheme, pk, digest, sig);
}

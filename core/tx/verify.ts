/**
 * Signature verification of an envelope: the one seam between the engine and
 * the signature schemes. The engine asks "does this envelope verify for this
 * registered key?"; which digest the scheme signs (the domain-separated
 * envelope digest, or for secp256k1 an EIP-712 typed-data digest of the same
 * body) and how the curve is checked live here and in core/crypto.
 */
import { fromHex } from '../codec/index.js';
import type { SignatureVerifier } from '../crypto/ed25519.js';
import { toHex } from '../codec/index.js';
import { eip712Digest } from './eip712.js';
import { signingDigest, unsignedOf } from './codec.js';
import type { Envelope, SignatureScheme, SignedEnvelopeOf } from './types.js';

/**
 * The 32-byte digest a key of `scheme` signs for this envelope:
 *   ed25519, p256  the envelope signing digest, SHA-256("charter/tx/v1" || 0x00 || JCS(unsigned));
 *                  Ed25519 signs these bytes (pure EdDSA), P-256 signs them as the
 *                  message of ECDSA-SHA256 (core/crypto/ecdsa.ts);
 *   secp256k1      the EIP-712 typed-data digest of the same envelope (core/tx/eip712.ts),
 *                  signed as the ECDSA hash itself.
 * Throws on an unknown scheme or an envelope that does not fit its EIP-712 struct.
 */
export function digestForScheme(scheme: SignatureScheme, env: SignedEnvelopeOf | Envelope): Uint8Array {
  switch (scheme) {
    case 'ed25519':
    case 'p256':
      return signingDigest(unsignedOf(env as SignedEnvelopeOf));
    case 'secp256k1':
      return eip712Digest(unsignedOf(env as SignedEnvelopeOf));
    default:
      throw new Error(`no signing digest for scheme ${String(scheme)}`);
  }
}

/**
 * Whether `env.signature` verifies for the registered key. Never throws on malformed input.
 * `envelopeDigest`, when given, is the envelope signing digest already computed
 * (signingDigest(unsignedOf(env))); Ed25519 and P-256 use it instead of recomputing it.
 */
export function verifyEnvelope(
  verifier: SignatureVerifier,
  env: SignedEnvelopeOf,
  key: { scheme: SignatureScheme; public_key: string },
  envelopeDigest?: Uint8Array,
): boolean {
  let digest: Uint8Array;
  let sig: Uint8Array;
  let pk: Uint8Array;
  try {
    digest = envelopeDigest !== undefined && (key.scheme === 'ed25519' || key.scheme === 'p256') ? envelopeDigest : digestForScheme(key.scheme, env);
    sig = fromHex(env.signature);
    pk = publicKeyBytes(key.public_key);
  } catch {
    return false;
  }
  return verifier.verify(key.scheme, pk, digest, sig);
}

/**
 * The bytes of a registered key's hex public key, decoded once per key: every
 * transaction a key signs needs them. Bounded (cleared when full), and only a
 * cache: the answer is fromHex's.
 */
const PUBLIC_KEYS = new Map<string, Uint8Array>();
const PUBLIC_KEYS_MAX = 1 << 16;
function publicKeyBytes(hex: string): Uint8Array {
  let b = PUBLIC_KEYS.get(hex);
  if (b === undefined) {
    b = fromHex(hex);
    if (PUBLIC_KEYS.size >= PUBLIC_KEYS_MAX) PUBLIC_KEYS.clear();
    PUBLIC_KEYS.set(hex, b);
  }
  return b;
}

/** Sign an unsigned envelope with a key of `scheme`: `sign` gets the digest of digestForScheme. */
export async function signEnvelopeFor<T extends string, B>(
  scheme: SignatureScheme,
  u: Envelope<T, B>,
  sign: (digest: Uint8Array) => Uint8Array | Promise<Uint8Array>,
): Promise<SignedEnvelopeOf<T, B>> {
  const unsigned = unsignedOf(u as SignedEnvelopeOf<T, B>);
  const sig = await sign(digestForScheme(scheme, unsigned));
  if (!(sig instanceof Uint8Array)) throw new Error('the signer returned no bytes');
  return { ...unsigned, signature: toHex(sig) };
}

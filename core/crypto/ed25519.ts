/**
 * Signature verification for the engine: the SignatureVerifier seam, the strict
 * Ed25519 rules (below), and the scheme-aware default verifier, which adds
 * ECDSA P-256 and secp256k1 from ./ecdsa.ts (its header has their rules).
 *
 * Ed25519:
 *
 * The engine takes a SignatureVerifier in its constructor so that the Node host
 * can inject a faster node:crypto (OpenSSL) verifier later. Whatever verifier is
 * used, every node and every offline replay must reach the same verdict on the
 * same bytes, so this module pins down one rule set and the default verifier
 * implements it with @noble/curves:
 *
 *   1. the public key is 32 bytes and decodes strictly (RFC 8032: y < p, no
 *      "negative zero" x), and is not a small-order point;
 *   2. the signature is 64 bytes, R decodes strictly and S < L;
 *   3. the cofactored equation [8][S]B = [8]R + [8][k]A holds
 *      (this is `ed25519.verify(…, { zip215: false })`), and
 *   4. the cofactorless equation holds exactly: encode([S]B − [k]A) == R bytes,
 *      which is what OpenSSL checks.
 *
 * (4) implies (3); (1) and (2) are what strict decoding adds. OpenSSL does not
 * reject small-order or non-canonical public keys, but the engine refuses to
 * register such keys (isValidPublicKey), so over every key that can sign on
 * chain the two verifiers agree. core/crypto/ed25519.test.ts checks this
 * against WebCrypto (OpenSSL in Node) on edge-case vectors.
 *
 * Nothing here throws on malformed input: a verifier answers true or false.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import type { SignatureScheme } from '../engine/types.js';
import { bytesEqual, concatBytes } from '../codec/index.js';
import { isValidEcdsaPublicKey, verifyEcdsa } from './ecdsa.js';

/** Every scheme the verifiers know, in a fixed order. */
export const SIGNATURE_SCHEMES: readonly SignatureScheme[] = ['ed25519', 'p256', 'secp256k1'];

/** Length in bytes of a registered public key of each scheme (Ed25519 raw; ECDSA compressed SEC1). */
export const PUBLIC_KEY_BYTES: { readonly [S in SignatureScheme]: number } = { ed25519: 32, p256: 33, secp256k1: 33 };

/** Whether `s` names a scheme the verifiers know. */
export function isSignatureScheme(s: unknown): s is SignatureScheme {
  return typeof s === 'string' && (SIGNATURE_SCHEMES as readonly string[]).includes(s);
}

export interface SignatureVerifier {
  verify(scheme: SignatureScheme, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

const Point = ed25519.Point;
/** The prime order of the Ed25519 base point. */
const L: bigint = Point.Fn.ORDER;

/** Strict decoding of an Ed25519 point, or null. */
function decodeStrict(bytes: Uint8Array): InstanceType<typeof Point> | null {
  try {
    return Point.fromBytes(bytes, false);
  } catch {
    return null;
  }
}

/** An Ed25519 public key the engine accepts: 32 bytes, strictly (canonically) encoded, not of small order. */
export function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  const A = decodeStrict(publicKey);
  if (A === null) return false;
  return !A.isSmallOrder();
}

/**
 * Whether `publicKey` may be registered for `scheme`. Ed25519: 32 bytes, a
 * strictly encoded curve point, not of small order. P-256 and secp256k1: 33
 * bytes compressed SEC1, x < p, on the curve (see ./ecdsa.ts). Never throws;
 * an unknown scheme is false.
 */
export function isValidPublicKey(scheme: SignatureScheme, publicKey: Uint8Array): boolean {
  switch (scheme) {
    case 'ed25519':
      return isValidEd25519PublicKey(publicKey);
    case 'p256':
    case 'secp256k1':
      return isValidEcdsaPublicKey(scheme, publicKey);
    default:
      return false;
  }
}

function cofactorlessHolds(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const A = decodeStrict(publicKey);
  if (A === null) return false;
  const r = signature.subarray(0, 32);
  const s = bytesToNumberLE(signature.subarray(32, 64));
  if (s >= L) return false;
  const k = bytesToNumberLE(sha512(concatBytes(r, publicKey, message))) % L;
  const check = Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(k));
  return bytesEqual(check.toBytes(), r);
}

/** Strict Ed25519 verification (see the rules at the top of this file). Never throws. */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (!(publicKey instanceof Uint8Array) || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    if (!ed25519.verify(signature, message, publicKey, { zip215: false })) return false;
    return cofactorlessHolds(publicKey, message, signature);
  } catch {
    return false;
  }
}

/**
 * The default verifier, pure JS (@noble/curves) so it runs everywhere core/
 * runs: Ed25519 with the strict RFC 8032 rules plus the cofactorless check;
 * P-256 and secp256k1 with the rules of ./ecdsa.ts (low-S, 64-byte r||s,
 * 33-byte compressed keys). An unknown scheme is false. Never throws.
 */
export const nobleVerifier: SignatureVerifier = {
  verify(scheme, publicKey, message, signature) {
    switch (scheme) {
      case 'ed25519':
        return verifyEd25519(publicKey, message, signature);
      case 'p256':
      case 'secp256k1':
        return verifyEcdsa(scheme, publicKey, message, signature);
      default:
        return false;
    }
  },
};

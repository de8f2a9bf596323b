/**
 * Ed25519 signature verification for the engine.
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

/**
 * Whether `publicKey` may be registered for `scheme`: 32 bytes, a strictly
 * (canonically) encoded curve point, and not of small order.
 */
export function isValidPublicKey(scheme: SignatureScheme, publicKey: Uint8Array): boolean {
  if (scheme !== 'ed25519') return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  const A = decodeStrict(publicKey);
  if (A === null) return false;
  return !A.isSmallOrder();
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

/** The default verifier: @noble/curves, strict RFC 8032 rules plus the cofactorless check. */
export const nobleVerifier: SignatureVerifier = {
  verify(scheme, publicKey, message, signature) {
    if (scheme !== 'ed25519') return false;
    return verifyEd25519(publicKey, message, signature);
  },
};

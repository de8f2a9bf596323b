/**
 * A SignatureVerifier on node:crypto (OpenSSL): the same verdicts as
 * core/crypto's nobleVerifier on every input, several times faster where
 * OpenSSL has the scheme.
 *
 *   ed25519    crypto.verify(null, message, key, sig) — OpenSSL checks S < L
 *              and the cofactorless equation encode([S]B − [k]A) == R, which
 *              also implies R is canonically encoded. What OpenSSL does not
 *              check, the public-key rules (32 bytes, strict encoding, not of
 *              small order), is checked here in JS with core/crypto's
 *              isValidPublicKey, once per key (cached).
 *   p256       crypto.verify('sha256', message, {key, dsaEncoding: 'ieee-p1363'}, sig):
 *              ECDSA-SHA256 over the 32-byte digest, exactly the defined form.
 *              OpenSSL accepts high-S and either point encoding, so the shape
 *              rules (32-byte message, 64-byte r||s, 1 ≤ r < n, 1 ≤ s ≤ n/2)
 *              and the key rules (33-byte compressed, on the curve) run in JS
 *              first — the very functions the noble verifier uses.
 *   secp256k1  delegated to @noble/curves: the signature is over the EIP-712
 *              digest itself (no further hashing), and node:crypto can only
 *              "hash, then verify" (crypto.verify always hashes the message;
 *              checked in Node 20 / OpenSSL 3.0), so OpenSSL cannot verify it.
 *
 * Public keys repeat (a chain has few signers), so their KeyObjects are cached
 * (bounded; invalid keys are cached as such too). Never throws.
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { ecdsaSignatureShapeOk, verifyEcdsa } from '../../core/crypto/ecdsa.js';
import { isValidPublicKey, type SignatureVerifier } from '../../core/crypto/ed25519.js';
import type { SignatureScheme } from '../../core/engine/types.js';

/** DER prefixes of SubjectPublicKeyInfo for a raw key of each natively verified scheme. */
const SPKI_PREFIX: { readonly [S in 'ed25519' | 'p256']: Buffer } = {
  // SEQ { SEQ { OID 1.3.101.112 } BIT STRING (32 bytes) }
  ed25519: Buffer.from('302a300506032b6570032100', 'hex'),
  // SEQ { SEQ { OID ecPublicKey, OID prime256v1 } BIT STRING (33 bytes, compressed point) }
  p256: Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
};

const ED25519_L = ed25519.Point.Fn.ORDER;

/** Largest number of cached keys; the cache is emptied when it is full (keys repeat, so it refills at once). */
export const KEY_CACHE_LIMIT = 4096;

/** Creates a native verifier with its own key cache. */
export function createNativeVerifier(): SignatureVerifier & { readonly cacheSize: number } {
  const cache = new Map<string, KeyObject | null>();

  function keyObject(scheme: 'ed25519' | 'p256', publicKey: Uint8Array): KeyObject | null {
    const id = scheme + ':' + Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex');
    const hit = cache.get(id);
    if (hit !== undefined) return hit;
    let key: KeyObject | null = null;
    if (isValidPublicKey(scheme, publicKey)) {
      try {
        key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX[scheme], publicKey]), format: 'der', type: 'spki' });
      } catch {
        key = null;
      }
    }
    if (cache.size >= KEY_CACHE_LIMIT) cache.clear();
    cache.set(id, key);
    return key;
  }

  function verify(scheme: SignatureScheme, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    try {
      if (!(publicKey instanceof Uint8Array) || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
      switch (scheme) {
        case 'ed25519': {
          if (publicKey.length !== 32 || signature.length !== 64) return false;
          if (bytesToNumberLE(signature.subarray(32, 64)) >= ED25519_L) return false;
          const key = keyObject('ed25519', publicKey);
          if (key === null) return false;
          return cryptoVerify(null, message, key, signature);
        }
        case 'p256': {
          if (!ecdsaSignatureShapeOk('p256', message, signature)) return false;
          const key = keyObject('p256', publicKey);
          if (key === null) return false;
          return cryptoVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
        }
        case 'secp256k1':
          // Prehashed (EIP-712) ECDSA: node:crypto cannot verify it; see the header.
          return verifyEcdsa('secp256k1', publicKey, message, signature);
        default:
          return false;
      }
    } catch {
      return false;
    }
  }

  return {
    verify,
    get cacheSize() {
      return cache.size;
    },
  };
}

/** The process-wide native verifier. */
export const nativeVerifier: SignatureVerifier = createNativeVerifier();

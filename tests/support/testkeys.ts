/**
 * Deterministic test keys of every signature scheme, and envelope building
 * with the scheme's own digest (core/tx/verify.ts digestForScheme), for tests
 * of the verifiers and of the engine. The engine's test kit has the Ed25519
 * keys the engine's own tests use; these follow the same pattern.
 *
 * NEVER use these keys for anything but tests: their secrets are public.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keyIdOf, toHex } from '../../core/codec/index.js';
import type { SignatureScheme, SignedEnvelope, TxBodies, TxType, UnsignedEnvelope } from '../../core/engine/types.js';
import { encodeTx } from '../../core/tx/envelope.js';
import { digestForScheme } from '../../core/tx/verify.js';

export interface SchemeTestKey {
  scheme: SignatureScheme;
  secretKey: Uint8Array;
  /** Ed25519: 32 bytes; P-256 and secp256k1: 33-byte compressed SEC1. */
  publicKey: Uint8Array;
  publicKeyHex: string;
  keyId: string;
  /** Signs a digest as the scheme defines it (P-256: ECDSA-SHA256 over it; secp256k1: the digest is the hash), low-S. */
  sign(digest: Uint8Array): Uint8Array;
}

/** Sign `digest` with `secretKey` under `scheme`'s rules (low-S for ECDSA). */
export function signDigest(scheme: SignatureScheme, secretKey: Uint8Array, digest: Uint8Array): Uint8Array {
  switch (scheme) {
    case 'ed25519':
      return ed25519.sign(digest, secretKey);
    case 'p256':
      return p256.sign(digest, secretKey, { prehash: true, lowS: true, format: 'compact' });
    case 'secp256k1':
      return secp256k1.sign(digest, secretKey, { prehash: false, lowS: true, format: 'compact' });
  }
}

/** The registered (canonical) public key of a secret key. */
export function publicKeyOf(scheme: SignatureScheme, secretKey: Uint8Array): Uint8Array {
  switch (scheme) {
    case 'ed25519':
      return ed25519.getPublicKey(secretKey);
    case 'p256':
      return p256.getPublicKey(secretKey, true);
    case 'secp256k1':
      return secp256k1.getPublicKey(secretKey, true);
  }
}

/** Test key number n of `scheme`: the 32-byte secret key is n repeated (1 ≤ n ≤ 255; a valid scalar on every curve). */
export function schemeTestKey(scheme: SignatureScheme, n: number): SchemeTestKey {
  if (!Number.isInteger(n) || n < 1 || n > 255) throw new Error('test key number must be 1–255');
  const secretKey = new Uint8Array(32).fill(n);
  const publicKey = publicKeyOf(scheme, secretKey);
  return {
    scheme,
    secretKey,
    publicKey,
    publicKeyHex: toHex(publicKey),
    keyId: keyIdOf(scheme, publicKey),
    sign: (digest) => signDigest(scheme, secretKey, digest),
  };
}

/** Build an envelope signed by `key` over the digest of its scheme; returns the envelope and its wire bytes. */
export function buildSchemeTx<T extends TxType>(
  key: SchemeTestKey,
  type: T,
  body: TxBodies[T],
  nonce: number,
  opts: { chain_id?: string; expires_at?: number } = {},
): { env: SignedEnvelope<T>; bytes: Uint8Array; unsigned: UnsignedEnvelope<T> } {
  const unsigned = {
    version: 1,
    chain_id: opts.chain_id ?? 'charter-test',
    type,
    body,
    signer: key.keyId,
    nonce,
    expires_at: opts.expires_at ?? 100,
  } as UnsignedEnvelope<T>;
  const env = { ...unsigned, signature: toHex(key.sign(digestForScheme(key.scheme, unsigned))) } as SignedEnvelope<T>;
  return { env, bytes: encodeTx(env), unsigned };
}

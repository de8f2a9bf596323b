/**
 * ECDSA verification for the engine: P-256 (PKCS#11 HSMs) and secp256k1
 * (Ledger, over an EIP-712 digest). One rule set, pinned here; every verifier
 * the engine is given (this @noble/curves one, the node:crypto one in
 * main/crypto/native-verifier.ts) must reach the same verdict on the same bytes.
 *
 * What is signed (`message` is the 32-byte digest the engine hands over):
 *   p256       ECDSA-P256 with SHA-256 over the 32 digest bytes as the message,
 *              i.e. the ECDSA hash input is e = SHA-256(digest). node:crypto can
 *              only verify "hash, then verify" (crypto.verify always hashes), so
 *              this is the form both paths check natively. A PKCS#11 token signs
 *              it with CKM_ECDSA_SHA256 over the digest, or with CKM_ECDSA over
 *              SHA-256(digest).
 *   secp256k1  ECDSA-secp256k1 over the 32-byte EIP-712 digest itself (no
 *              further hashing: e = digest), which is what an Ethereum wallet
 *              signs for eth_signTypedData_v4.
 *
 * Encodings and rejection rules, the same for both curves:
 *   - public key: exactly 33 bytes, compressed SEC1 (0x02/0x03 || x), x < p,
 *     and x must be the abscissa of a curve point (so never the point at
 *     infinity). The uncompressed 65-byte form is not accepted: one key, one
 *     encoding, one key id.
 *   - signature: exactly 64 bytes r || s, big-endian (IEEE P1363), with
 *     1 ≤ r < n and 1 ≤ s ≤ ⌊n/2⌋ (low-S; a signer whose device returns a high
 *     s submits n − s, which is equally valid and unique). No recovery byte.
 *   - message: exactly 32 bytes.
 *
 * Nothing here throws on malformed input: a verifier answers true or false.
 */
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';

export type EcdsaScheme = 'p256' | 'secp256k1';

const CURVES = { p256, secp256k1 } as const;

/** Curve constants: field prime p, group order n, and ⌊n/2⌋ (the largest low s). */
export const ECDSA_CURVES: { readonly [S in EcdsaScheme]: { readonly p: bigint; readonly n: bigint; readonly halfN: bigint } } = {
  p256: { p: p256.Point.Fp.ORDER, n: p256.Point.Fn.ORDER, halfN: p256.Point.Fn.ORDER >> 1n },
  secp256k1: { p: secp256k1.Point.Fp.ORDER, n: secp256k1.Point.Fn.ORDER, halfN: secp256k1.Point.Fn.ORDER >> 1n },
};

/** Length of a registered ECDSA public key (compressed SEC1). */
export const ECDSA_PUBLIC_KEY_BYTES = 33;
/** Length of an ECDSA signature: r || s. */
export const ECDSA_SIGNATURE_BYTES = 64;

/**
 * Whether `publicKey` may be registered for an ECDSA scheme: 33 bytes,
 * prefix 0x02 or 0x03, x < p, and a point of the curve. Never throws.
 */
export function isValidEcdsaPublicKey(scheme: EcdsaScheme, publicKey: Uint8Array): boolean {
  try {
    if (scheme !== 'p256' && scheme !== 'secp256k1') return false;
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== ECDSA_PUBLIC_KEY_BYTES) return false;
    if (publicKey[0] !== 0x02 && publicKey[0] !== 0x03) return false;
    if (bytesToNumberBE(publicKey.subarray(1)) >= ECDSA_CURVES[scheme].p) return false;
    const P = CURVES[scheme].Point.fromBytes(publicKey);
    P.assertValidity();
    return !P.is0();
  } catch {
    return false;
  }
}

/**
 * The signature and message shape checks every ECDSA verifier applies before
 * any curve arithmetic: 64-byte signature with 1 ≤ r < n, 1 ≤ s ≤ ⌊n/2⌋, and a
 * 32-byte message. Never throws.
 */
export function ecdsaSignatureShapeOk(scheme: EcdsaScheme, message: Uint8Array, signature: Uint8Array): boolean {
  if (scheme !== 'p256' && scheme !== 'secp256k1') return false;
  if (!(message instanceof Uint8Array) || message.length !== 32) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== ECDSA_SIGNATURE_BYTES) return false;
  const { n, halfN } = ECDSA_CURVES[scheme];
  const r = bytesToNumberBE(signature.subarray(0, 32));
  const s = bytesToNumberBE(signature.subarray(32, 64));
  return r >= 1n && r < n && s >= 1n && s <= halfN;
}

/** Whether the ECDSA hash input is SHA-256(message) (p256) or the message itself (secp256k1, EIP-712). */
export const ECDSA_PREHASH: { readonly [S in EcdsaScheme]: boolean } = { p256: true, secp256k1: false };

/** ECDSA verification under the rules at the top of this file, with @noble/curves. Never throws. */
export function verifyEcdsa(scheme: EcdsaScheme, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (!ecdsaSignatureShapeOk(scheme, message, signature)) return false;
    if (!isValidEcdsaPublicKey(scheme, publicKey)) return false;
    return CURVES[scheme].verify(signature, message, publicKey, { prehash: ECDSA_PREHASH[scheme], lowS: true, format: 'compact' });
  } catch {
    return false;
  }
}

/**
 * ECDSA verification where the caller hands over the hash value itself
 * (`hash` = the 32-byte e, no further hashing), under the same key and
 * signature rules as above (33-byte compressed key, 64-byte r||s, low S).
 * Evidence attestations use it: ECDSA over SHA-256(DSSE PAE) for both curves,
 * as DSSE/Sigstore do for P-256 (docs/formats/evidence-bundle.md §4). For
 * secp256k1 this is exactly verifyEcdsa; for P-256 it differs from the
 * engine's transaction rule, which hashes its 32-byte message once more.
 * Never throws.
 */
export function verifyEcdsaHashed(scheme: EcdsaScheme, publicKey: Uint8Array, hash: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (!ecdsaSignatureShapeOk(scheme, hash, signature)) return false;
    if (!isValidEcdsaPublicKey(scheme, publicKey)) return false;
    return CURVES[scheme].verify(signature, hash, publicKey, { prehash: false, lowS: true, format: 'compact' });
  } catch {
    return false;
  }
}

// ─── ASN.1 DER signatures (evidence attestations, bundle format v2) ────────
//
// DER form: SEQUENCE { INTEGER r, INTEGER s }, as X.509 / OpenSSL / DSSE
// tooling write ECDSA signatures. Accepted only in its one canonical encoding
// (strict minimal DER: definite minimal lengths, INTEGERs without a redundant
// leading 0x00 and never negative, no bytes after the SEQUENCE or inside it
// after s), with 1 ≤ r < n and 1 ≤ s ≤ ⌊n/2⌋ (low S). @noble/curves parses; a
// parse is accepted only if re-encoding the parsed (r, s) gives back exactly
// the input bytes, so no alternative encoding of the same pair gets through.

/** The longest DER signature of a 256-bit curve: 2 + 2 × (2 + 33). */
export const ECDSA_DER_MAX_BYTES = 72;

/**
 * The 64-byte r || s of a strict-DER, low-S ECDSA signature, or null if `der`
 * is not exactly that (any other encoding, trailing bytes, r or s out of
 * range, high S). Never throws.
 */
export function ecdsaCompactFromDer(scheme: EcdsaScheme, der: Uint8Array): Uint8Array | null {
  try {
    if (scheme !== 'p256' && scheme !== 'secp256k1') return null;
    if (!(der instanceof Uint8Array) || der.length < 8 || der.length > ECDSA_DER_MAX_BYTES) return null;
    const sig = CURVES[scheme].Signature.fromBytes(der, 'der');
    const again = sig.toBytes('der');
    if (again.length !== der.length || again.some((b, i) => b !== der[i])) return null;
    const { n, halfN } = ECDSA_CURVES[scheme];
    if (sig.r < 1n || sig.r >= n || sig.s < 1n || sig.s > halfN) return null;
    return sig.toBytes('compact');
  } catch {
    return null;
  }
}

/**
 * The DER encoding of a 64-byte r || s signature with 1 ≤ r < n and
 * 1 ≤ s ≤ ⌊n/2⌋. Throws RangeError on anything else (a signer that returned
 * another form, or a high S): a signature is converted, never repaired.
 */
export function ecdsaDerFromCompact(scheme: EcdsaScheme, compact: Uint8Array): Uint8Array {
  if (scheme !== 'p256' && scheme !== 'secp256k1') throw new RangeError(`not an ECDSA scheme: ${String(scheme)}`);
  if (!(compact instanceof Uint8Array) || compact.length !== ECDSA_SIGNATURE_BYTES)
    throw new RangeError(`an ECDSA signature to encode is ${ECDSA_SIGNATURE_BYTES} bytes r || s`);
  const { n, halfN } = ECDSA_CURVES[scheme];
  const r = bytesToNumberBE(compact.subarray(0, 32));
  const s = bytesToNumberBE(compact.subarray(32, 64));
  if (r < 1n || r >= n || s < 1n || s > halfN) throw new RangeError('the ECDSA signature to encode has r or s out of range (1 ≤ r < n, 1 ≤ s ≤ n/2)');
  return CURVES[scheme].Signature.fromBytes(compact, 'compact').toBytes('der');
}

/**
 * Public keys as X.509 SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), DER and PEM
 * ("-----BEGIN PUBLIC KEY-----"), the form OpenSSL, pyca/cryptography,
 * securesystemslib, cosign and most verifiers load. One encoding per key:
 *
 *   ed25519    AlgorithmIdentifier { id-Ed25519 (1.3.101.112) } (RFC 8410),
 *              subjectPublicKey = the 32 key bytes;
 *   p256       AlgorithmIdentifier { id-ecPublicKey (1.2.840.10045.2.1),
 *              prime256v1 (1.2.840.10045.3.1.7) } (RFC 5480),
 *   secp256k1  AlgorithmIdentifier { id-ecPublicKey, secp256k1 (1.3.132.0.10) },
 *              both with subjectPublicKey = the uncompressed SEC1 point
 *              04 || x || y (65 bytes; every EC tool reads it, not all read
 *              the compressed form).
 *
 * Input keys are the registry form (Ed25519 32 bytes; ECDSA 33-byte
 * compressed SEC1) and must be valid for their scheme. The DER is built from
 * fixed prefixes: each scheme's SPKI has one length. Pure.
 */
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { concatBytes, fromHex } from '../codec/index.js';
import type { SignatureScheme } from '../engine/types.js';
import { CharterError } from '../errors.js';
import { toBase64 } from '../evidence/bundle/base64.js';
import { isValidPublicKey } from './ed25519.js';

/** SEQUENCE { AlgorithmIdentifier, BIT STRING (0 unused bits) header } before the key bytes. */
const SPKI_PREFIX: { readonly [S in SignatureScheme]: string } = {
  // 30 2a | 30 05 06 03 2b6570 | 03 21 00
  ed25519: '302a300506032b6570032100',
  // 30 59 | 30 13 06 07 2a8648ce3d0201 06 08 2a8648ce3d030107 | 03 42 00
  p256: '3059301306072a8648ce3d020106082a8648ce3d030107034200',
  // 30 56 | 30 10 06 07 2a8648ce3d0201 06 05 2b8104000a | 03 42 00
  secp256k1: '3056301006072a8648ce3d020106052b8104000a034200',
};

/** The SubjectPublicKeyInfo DER of a registry public key. Throws CharterError('INVALID_KEY') for a key not valid for its scheme. */
export function spkiDer(scheme: SignatureScheme, publicKey: Uint8Array): Uint8Array {
  if (!Object.prototype.hasOwnProperty.call(SPKI_PREFIX, scheme))
    throw new CharterError('INVALID_KEY', `no SubjectPublicKeyInfo form for scheme ${String(scheme)}`);
  if (!isValidPublicKey(scheme, publicKey)) throw new CharterError('INVALID_KEY', `not a valid ${scheme} public key`);
  const point = scheme === 'ed25519' ? publicKey : (scheme === 'p256' ? p256 : secp256k1).Point.fromBytes(publicKey).toBytes(false);
  return concatBytes(fromHex(SPKI_PREFIX[scheme]), point);
}

/** PEM text (RFC 7468 "PUBLIC KEY", 64-character lines, final newline) of the SubjectPublicKeyInfo of a registry public key. */
export function spkiPem(scheme: SignatureScheme, publicKey: Uint8Array): string {
  const b64 = toBase64(spkiDer(scheme, publicKey));
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

/**
 * DSSE envelopes (protocol v1) carrying in-toto Statement v1 documents whose
 * one subject is the manifest digest. The signature covers the DSSE
 * pre-authentication encoding:
 *
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 *
 * with LEN the ASCII decimal byte length. What a signature covers depends on
 * the key's scheme (docs/formats/evidence-bundle.md §4):
 *
 *   ed25519    Ed25519 (strict RFC 8032) over the PAE bytes themselves;
 *   p256       ECDSA P-256 with SHA-256 over PAE (e = SHA-256(PAE)), as DSSE
 *              and Sigstore sign with ECDSA P-256;
 *   secp256k1  ECDSA secp256k1 with SHA-256 over PAE (e = SHA-256(PAE)).
 *
 * How an ECDSA signature is written depends on the bundle's format (the
 * manifest's `format`):
 *
 *   charter.bundle/v2  ASN.1 DER SEQUENCE { INTEGER r, INTEGER s }, strict
 *                      minimal DER, low S (what DSSE / OpenSSL tooling reads);
 *   charter.bundle/v1  64-byte r||s (IEEE P1363), low S.
 *
 * Either form in a bundle of the other format does not verify. Keys are
 * 33-byte compressed SEC1 in the manifest and trust file; other tools take
 * them as PEM SubjectPublicKeyInfo (core/crypto/spki.ts). Signers always hand
 * over r||s; signStatement writes the format's form. Pure.
 */
import { canonicalJson, concatBytes, sha256, toHex, utf8 } from '../../codec/index.js';
import { ECDSA_SIGNATURE_BYTES, ecdsaCompactFromDer, ecdsaDerFromCompact, verifyEcdsaHashed } from '../../crypto/ecdsa.js';
import { CharterError } from '../../errors.js';
import type { SignatureVerifier } from '../../crypto/ed25519.js';
import type { SignatureScheme } from '../../engine/types.js';
import { toBase64, fromBase64 } from './base64.js';
import { parseStrictJsonBytes } from '../jcs.js';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_V1,
  BUNDLE_PREDICATE_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  MANIFEST_PATH,
  type BundleFormat,
  type BundleSigner,
  type BundleStatement,
  type BundleSubject,
  type DsseEnvelope,
} from './types.js';

export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8(payloadType);
  return concatBytes(utf8(`DSSEv1 ${type.length} `), type, utf8(` ${payload.length} `), payload);
}

/**
 * The bytes a signer's primitive takes for an attestation: the PAE itself for
 * Ed25519; for ECDSA the hash value e = SHA-256(PAE), signed without further
 * hashing.
 */
export function attestationSigningInput(scheme: SignatureScheme, paeBytes: Uint8Array): Uint8Array {
  return scheme === 'ed25519' ? paeBytes : sha256(paeBytes);
}

/**
 * Whether `sig` is a valid attestation signature by `publicKey` over
 * `paeBytes` in a bundle of `format` (rules at the top): Ed25519 the same in
 * every format; ECDSA strict DER with low S in v2, 64-byte r||s with low S in
 * v1. Never throws.
 */
export function verifyAttestationSignature(
  scheme: SignatureScheme,
  publicKey: Uint8Array,
  paeBytes: Uint8Array,
  sig: Uint8Array,
  verifier: SignatureVerifier,
  format: BundleFormat,
): boolean {
  try {
    if (format !== BUNDLE_FORMAT && format !== BUNDLE_FORMAT_V1) return false;
    if (scheme === 'ed25519') return verifier.verify('ed25519', publicKey, paeBytes, sig);
    if (scheme === 'p256' || scheme === 'secp256k1') {
      const compact = format === BUNDLE_FORMAT ? ecdsaCompactFromDer(scheme, sig) : sig;
      return compact !== null && compact.length === ECDSA_SIGNATURE_BYTES && verifyEcdsaHashed(scheme, publicKey, sha256(paeBytes), compact);
    }
    return false;
  } catch {
    return false;
  }
}

/**
 * The attestation signature bytes a bundle of `format` carries, from what a
 * signer returned (Ed25519: 64 bytes, as is; ECDSA: 64-byte r||s with low S,
 * kept in v1, DER-encoded in v2). Throws CharterError('INTERNAL') when an
 * ECDSA signer returned anything but 64-byte low-S r||s.
 */
export function encodeAttestationSignature(scheme: SignatureScheme, raw: Uint8Array, format: BundleFormat): Uint8Array {
  if (format !== BUNDLE_FORMAT && format !== BUNDLE_FORMAT_V1) throw new CharterError('INVALID_INPUT', `unknown bundle format ${String(format)}`);
  if (scheme !== 'p256' && scheme !== 'secp256k1') return raw;
  if (raw.length !== ECDSA_SIGNATURE_BYTES)
    throw new CharterError('INTERNAL', `the ${scheme} signer returned ${raw.length} bytes, not ${ECDSA_SIGNATURE_BYTES}-byte r||s`);
  if (format === BUNDLE_FORMAT_V1) return raw;
  try {
    return ecdsaDerFromCompact(scheme, raw);
  } catch (e) {
    throw new CharterError('INTERNAL', `the ${scheme} signer's signature cannot be written as DER: ${(e as Error).message}`);
  }
}

export function bundleStatement(manifestSha256: string, kind: string, subject: BundleSubject, signer: BundleSigner): BundleStatement {
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: MANIFEST_PATH, digest: { sha256: manifestSha256 } }],
    predicateType: BUNDLE_PREDICATE_TYPE,
    predicate: { kind, subject, signer },
  };
}

/**
 * Sign a statement for a bundle of `format`: each `sign` receives the PAE
 * bytes and returns the raw signature (ECDSA: 64-byte r||s, low S), which is
 * written in the format's encoding (encodeAttestationSignature).
 */
export async function signStatement(
  statement: BundleStatement,
  signers: { keyId: string; scheme: SignatureScheme; sign: (pae: Uint8Array) => Promise<Uint8Array> | Uint8Array }[],
  format: BundleFormat,
): Promise<DsseEnvelope> {
  const payload = utf8(canonicalJson(statement));
  const bytes = pae(IN_TOTO_PAYLOAD_TYPE, payload);
  const signatures = [];
  for (const s of signers) signatures.push({ keyid: s.keyId, sig: toBase64(encodeAttestationSignature(s.scheme, await s.sign(bytes), format)) });
  return { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: toBase64(payload), signatures };
}

export function envelopeBytes(env: DsseEnvelope): Uint8Array {
  return utf8(canonicalJson(env));
}

export type OpenedEnvelope =
  | { ok: true; envelope: DsseEnvelope; payload: Uint8Array; statement: unknown; pae: Uint8Array }
  | { ok: false; reason: 'ATTESTATION_INVALID' | 'WRONG_PAYLOAD_TYPE'; detail: string };

/** Parse a DSSE envelope and its in-toto payload (does not check signatures). */
export function openEnvelope(bytes: Uint8Array): OpenedEnvelope {
  let v: unknown;
  try {
    v = parseStrictJsonBytes(bytes);
  } catch (e) {
    return { ok: false, reason: 'ATTESTATION_INVALID', detail: `not UTF-8 JSON: ${(e as Error).message}` };
  }
  const env = v as Partial<DsseEnvelope> | null;
  if (!env || typeof env !== 'object' || typeof env.payloadType !== 'string' || typeof env.payload !== 'string' || !Array.isArray(env.signatures)) {
    return { ok: false, reason: 'ATTESTATION_INVALID', detail: 'not a DSSE envelope (payloadType, payload, signatures)' };
  }
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return { ok: false, reason: 'WRONG_PAYLOAD_TYPE', detail: `payloadType is ${JSON.stringify(env.payloadType).slice(0, 80)}, not ${IN_TOTO_PAYLOAD_TYPE}` };
  for (const s of env.signatures as unknown[]) {
    const sig = s as { keyid?: unknown; sig?: unknown } | null;
    if (!sig || typeof sig.keyid !== 'string' || typeof sig.sig !== 'string')
      return { ok: false, reason: 'ATTESTATION_INVALID', detail: 'a signature lacks keyid or sig' };
  }
  const payload = fromBase64(env.payload);
  if (payload === null) return { ok: false, reason: 'ATTESTATION_INVALID', detail: 'payload is not standard base64' };
  let statement: unknown;
  try {
    statement = parseStrictJsonBytes(payload);
  } catch (e) {
    return { ok: false, reason: 'ATTESTATION_INVALID', detail: `payload is not UTF-8 JSON: ${(e as Error).message}` };
  }
  return { ok: true, envelope: env as DsseEnvelope, payload, statement, pae: pae(env.payloadType, payload) };
}

/** The manifest digest a statement names, or a problem. */
export function statementSubjectDigest(
  statement: unknown,
): { ok: true; sha256: string; predicate: unknown; predicateType: unknown } | { ok: false; detail: string } {
  const s = statement as { _type?: unknown; subject?: unknown; predicate?: unknown; predicateType?: unknown } | null;
  if (!s || typeof s !== 'object' || s._type !== IN_TOTO_STATEMENT_TYPE)
    return { ok: false, detail: `the payload is not an in-toto Statement v1 (_type ${IN_TOTO_STATEMENT_TYPE})` };
  if (!Array.isArray(s.subject) || (s.subject as unknown[]).length === 0) return { ok: false, detail: 'the statement has no subject' };
  const m = (s.subject as unknown[]).find((x) => (x as { name?: unknown })?.name === MANIFEST_PATH) as { digest?: { sha256?: unknown } } | undefined;
  const d = m?.digest?.sha256;
  if (typeof d !== 'string' || !/^[0-9a-f]{64}$/.test(d)) return { ok: false, detail: 'the statement has no subject "manifest.json" with a sha256 digest' };
  return { ok: true, sha256: d, predicate: s.predicate, predicateType: s.predicateType };
}

export function decodeSig(sig: string): Uint8Array | null {
  return fromBase64(sig);
}

/** core/codec's fromHexOrNull under the name the bundle API has exported. */
export { fromHexOrNull as hexToBytesOrNull } from '../../codec/index.js';

export { toHex };

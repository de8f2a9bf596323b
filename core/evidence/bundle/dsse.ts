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
 * ECDSA signatures are 64-byte r||s (IEEE P1363), low S; keys 33-byte
 * compressed SEC1. Pure.
 */
import { canonicalJson, concatBytes, fromHex, sha256, toHex, utf8 } from '../../codec/index.js';
import { verifyEcdsaHashed } from '../../crypto/ecdsa.js';
import type { SignatureVerifier } from '../../crypto/ed25519.js';
import type { SignatureScheme } from '../../engine/types.js';
import { toBase64, fromBase64 } from './base64.js';
import { parseStrictJsonBytes } from '../jcs.js';
import {
  BUNDLE_PREDICATE_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  MANIFEST_PATH,
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

/** Whether `sig` is a valid attestation signature by `publicKey` over `paeBytes` (rules at the top). Never throws. */
export function verifyAttestationSignature(scheme: SignatureScheme, publicKey: Uint8Array, paeBytes: Uint8Array, sig: Uint8Array, verifier: SignatureVerifier): boolean {
  try {
    if (scheme === 'ed25519') return verifier.verify('ed25519', publicKey, paeBytes, sig);
    if (scheme === 'p256' || scheme === 'secp256k1') return verifyEcdsaHashed(scheme, publicKey, sha256(paeBytes), sig);
    return false;
  } catch {
    return false;
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

/** Sign a statement: `sign` receives the PAE bytes and returns the raw signature. */
export async function signStatement(
  statement: BundleStatement,
  signers: { keyId: string; sign: (pae: Uint8Array) => Promise<Uint8Array> | Uint8Array }[],
): Promise<DsseEnvelope> {
  const payload = utf8(canonicalJson(statement));
  const bytes = pae(IN_TOTO_PAYLOAD_TYPE, payload);
  const signatures = [];
  for (const s of signers) signatures.push({ keyid: s.keyId, sig: toBase64(await s.sign(bytes)) });
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
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) return { ok: false, reason: 'WRONG_PAYLOAD_TYPE', detail: `payloadType is ${JSON.stringify(env.payloadType).slice(0, 80)}, not ${IN_TOTO_PAYLOAD_TYPE}` };
  for (const s of env.signatures as unknown[]) {
    const sig = s as { keyid?: unknown; sig?: unknown } | null;
    if (!sig || typeof sig.keyid !== 'string' || typeof sig.sig !== 'string') return { ok: false, reason: 'ATTESTATION_INVALID', detail: 'a signature lacks keyid or sig' };
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
export function statementSubjectDigest(statement: unknown): { ok: true; sha256: string; predicate: unknown; predicateType: unknown } | { ok: false; detail: string } {
  const s = statement as { _type?: unknown; subject?: unknown; predicate?: unknown; predicateType?: unknown } | null;
  if (!s || typeof s !== 'object' || s._type !== IN_TOTO_STATEMENT_TYPE) return { ok: false, detail: `the payload is not an in-toto Statement v1 (_type ${IN_TOTO_STATEMENT_TYPE})` };
  if (!Array.isArray(s.subject) || (s.subject as unknown[]).length === 0) return { ok: false, detail: 'the statement has no subject' };
  const m = (s.subject as unknown[]).find((x) => (x as { name?: unknown })?.name === MANIFEST_PATH) as { digest?: { sha256?: unknown } } | undefined;
  const d = m?.digest?.sha256;
  if (typeof d !== 'string' || !/^[0-9a-f]{64}$/.test(d)) return { ok: false, detail: 'the statement has no subject "manifest.json" with a sha256 digest' };
  return { ok: true, sha256: d, predicate: s.predicate, predicateType: s.predicateType };
}

export function decodeSig(sig: string): Uint8Array | null {
  return fromBase64(sig);
}

export function hexToBytesOrNull(h: unknown): Uint8Array | null {
  if (typeof h !== 'string' || !/^([0-9a-f]{2})*$/.test(h)) return null;
  return fromHex(h);
}

export { toHex };

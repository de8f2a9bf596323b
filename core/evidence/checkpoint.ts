/**
 * Signed checkpoints of the receipt log and the trust file that says whose
 * signatures count. docs/formats/evidence-log.md is the normative text.
 *
 *   checkpoint          {log_id, mmr_size, peaks, height, time}
 *   signing digest      SHA-256("charter/checkpoint/v1" || 0x00 || JCS(checkpoint))
 *   signed checkpoint   {checkpoint, signatures: [{key_id, scheme, signature}],
 *                        cosignatures?: [{key_id, scheme, signature}]}
 *   cosignature digest  SHA-256("charter/cosignature/v1" || 0x00 || JCS(checkpoint))
 *   trust file          {version: 1, log_id, quorum, keys: [{key_id, scheme, public_key,
 *                        valid_from_height, valid_until_height?, revoked_at_height?}],
 *                        witnesses?: {quorum, keys: [same as keys]}}
 *
 * Each scheme signs the 32-byte digest as core/tx/verify.ts describes for
 * envelopes: Ed25519 signs the digest bytes (pure EdDSA), P-256 signs them as
 * the message of ECDSA-SHA256, secp256k1 signs the digest as the ECDSA hash.
 *
 * One rule for signatures against a key set (verifyQuorum): each signature is
 * classified, in this order, UNKNOWN_KEY (no key of that id and scheme),
 * BAD_SIGNATURE (does not verify under that key), KEY_REVOKED /
 * KEY_OUTSIDE_VALIDITY (at the judging height h: revoked when
 * revoked_at_height ≤ h; the window valid_from_height..valid_until_height is
 * inclusive), DUPLICATE_SIGNER (the key already counted), or it counts. Any
 * BAD_SIGNATURE fails the check whatever the quorum. Otherwise it passes when
 * at least `quorum` distinct keys count; when they do not, the reason is that
 * of the first signature that did not count, or BELOW_QUORUM.
 *
 * A checkpoint passes when its shape is right (mmr_size a valid MMR size,
 * one peak per peak of MMR(mmr_size)), its log_id is the trust file's and its
 * signatures pass the rule against trust.keys/quorum. Its cosignatures
 * (witnesses) pass the same rule against trust.witnesses.
 */
import { z } from 'zod';
import { concatBytes, fromHex, keyIdOf, sha256, utf8, toHex } from '../codec/index.js';
import { isSignatureScheme, isValidPublicKey, type SignatureVerifier } from '../crypto/ed25519.js';
import type { SignatureScheme } from '../engine/types.js';
import { CharterError } from '../errors.js';
import { jcsBytes } from './jcs.js';
import { isValidSize, peakIndices } from './mmr.js';

export const CHECKPOINT_DOMAIN = 'charter/checkpoint/v1';
export const COSIGNATURE_DOMAIN = 'charter/cosignature/v1';

const HEX32 = /^[0-9a-f]{64}$/;
const KEY_ID = /^[0-9a-f]{40}$/;

export interface Checkpoint {
  log_id: string;
  mmr_size: number;
  /** Accumulator of MMR(mmr_size), highest peak first, lower-case hex. */
  peaks: string[];
  height: number;
  /** RFC 3339 UTC time of the block at `height` (block time, never the wall clock). */
  time: string;
}

export interface EvidenceSignature {
  key_id: string;
  scheme: SignatureScheme;
  /** Lower-case hex: 64 bytes (Ed25519 R||S, ECDSA r||s low-S). */
  signature: string;
}

export interface SignedCheckpoint {
  checkpoint: Checkpoint;
  signatures: EvidenceSignature[];
  /** Witnesses' cosignatures, each over cosignatureDigest(checkpoint); absent when there are none. */
  cosignatures?: EvidenceSignature[];
}

export interface TrustKey {
  key_id: string;
  scheme: SignatureScheme;
  public_key: string;
  valid_from_height: number;
  valid_until_height?: number;
  revoked_at_height?: number;
}

/** The witnesses a trust file names: 1 ≤ quorum ≤ keys.length, key ids unique. */
export interface TrustWitnesses {
  quorum: number;
  keys: TrustKey[];
}

export interface TrustFile {
  version: 1;
  log_id: string;
  quorum: number;
  keys: TrustKey[];
  /** Absent: no cosignature is required. */
  witnesses?: TrustWitnesses;
  /**
   * Keys that may sign bundle attestations and nothing else: a console's own key
   * vouches for the bundles it builds, but must never count as a log key or a
   * validator (else it could sign the checkpoints and headers its bundles rest on).
   */
  attesters?: TrustKey[];
}

/** A key set and how many distinct keys of it must count (trust.keys/quorum, or trust.witnesses). */
export interface KeySet {
  quorum: number;
  keys: readonly TrustKey[];
}

export type SignatureReason = 'UNKNOWN_KEY' | 'KEY_REVOKED' | 'KEY_OUTSIDE_VALIDITY' | 'BAD_SIGNATURE' | 'DUPLICATE_SIGNER';
/**
 * Why a check failed. BAD_SIGNATURE: some signature claims a key of the set
 * and does not verify (fails whatever the quorum). Below the quorum: the
 * reason of the first signature that did not count, or BELOW_QUORUM.
 */
export type OverallReason = 'BELOW_QUORUM' | 'LOG_ID_MISMATCH' | 'MALFORMED' | SignatureReason;

export interface SignatureVerdict {
  key_id: string;
  ok: boolean;
  reason?: SignatureReason;
}

export interface QuorumVerdict {
  ok: boolean;
  /** Why it failed; empty when ok. Stable codes. */
  reasons: OverallReason[];
  /** Distinct trusted keys whose signature verified. */
  valid: number;
  quorum: number;
  signatures: SignatureVerdict[];
}

const intSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const schemeSchema = z.string().refine(isSignatureScheme, 'unknown signature scheme') as unknown as z.ZodType<SignatureScheme>;

export const checkpointSchema = z
  .strictObject({
    log_id: z.string().min(1).max(128),
    mmr_size: intSchema,
    peaks: z.array(z.string().regex(HEX32)).max(64),
    height: intSchema,
    time: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/),
  })
  .superRefine((c, ctx) => {
    if (!isValidSize(c.mmr_size)) {
      ctx.addIssue({ code: 'custom', path: ['mmr_size'], message: `${c.mmr_size} is not a valid MMR size` });
      return;
    }
    const n = peakIndices(c.mmr_size).length;
    if (c.peaks.length !== n)
      ctx.addIssue({ code: 'custom', path: ['peaks'], message: `MMR(${c.mmr_size}) has ${n} peak(s), the checkpoint lists ${c.peaks.length}` });
  });

export const evidenceSignatureSchema = z.strictObject({
  key_id: z.string().regex(KEY_ID),
  scheme: schemeSchema,
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});

export const signedCheckpointSchema = z.strictObject({
  checkpoint: checkpointSchema,
  signatures: z.array(evidenceSignatureSchema).min(1).max(64),
  cosignatures: z.array(evidenceSignatureSchema).max(64).optional(),
});

export const trustKeySchema = z.strictObject({
  key_id: z.string().regex(KEY_ID),
  scheme: schemeSchema,
  public_key: z.string().regex(/^[0-9a-f]+$/),
  valid_from_height: intSchema,
  valid_until_height: intSchema.optional(),
  revoked_at_height: intSchema.optional(),
});

export const trustWitnessesSchema = z.strictObject({
  quorum: z.number().int().min(1).max(64),
  keys: z.array(trustKeySchema).min(1).max(256),
});

export const trustFileSchema = z.strictObject({
  version: z.literal(1),
  log_id: z.string().min(1).max(128),
  quorum: z.number().int().min(1).max(64),
  keys: z.array(trustKeySchema).min(1).max(256),
  witnesses: trustWitnessesSchema.optional(),
  attesters: z.array(trustKeySchema).min(1).max(256).optional(),
});

function checkKeys(keys: readonly TrustKey[], quorum: number, where: string): void {
  const ids = new Set<string>();
  for (const k of keys) {
    let pk: Uint8Array;
    try {
      pk = fromHex(k.public_key);
    } catch {
      throw new CharterError('INVALID_INPUT', `trust file: ${where}key ${k.key_id}: public_key is not hex`);
    }
    if (!isValidPublicKey(k.scheme, pk)) throw new CharterError('INVALID_INPUT', `trust file: ${where}key ${k.key_id}: not a valid ${k.scheme} public key`);
    if (keyIdOf(k.scheme, pk) !== k.key_id)
      throw new CharterError('INVALID_INPUT', `trust file: ${where}key ${k.key_id}: key_id is not keyIdOf(scheme, public_key)`);
    if (ids.has(k.key_id)) throw new CharterError('INVALID_INPUT', `trust file: ${where}key ${k.key_id} is listed twice`);
    ids.add(k.key_id);
  }
  if (quorum > keys.length) throw new CharterError('INVALID_INPUT', `trust file: ${where}quorum ${quorum} exceeds its ${keys.length} keys`);
}

/**
 * Validate a trust file: shape, every key_id = keyIdOf(scheme, public_key),
 * valid public keys, unique key ids, quorum ≤ number of keys — for `keys` and
 * for `witnesses` alike. Throws CharterError('INVALID_INPUT') naming the problem.
 */
export function parseTrustFile(value: unknown): TrustFile {
  const r = trustFileSchema.safeParse(value);
  if (!r.success) throw new CharterError('INVALID_INPUT', `trust file: ${r.error.issues.map((i) => `${i.path.join('.') || '$'}: ${i.message}`).join('; ')}`);
  const t = r.data as TrustFile;
  checkKeys(t.keys, t.quorum, '');
  if (t.witnesses !== undefined) checkKeys(t.witnesses.keys, t.witnesses.quorum, 'witnesses: ');
  if (t.attesters !== undefined) checkKeys(t.attesters, 1, 'attesters: ');
  // Each key has one role: a witness is someone other than the log, and an attester never counts as a log key.
  const roles = new Map<string, string>();
  for (const [role, ks] of [
    ['keys', t.keys],
    ['witnesses', t.witnesses?.keys ?? []],
    ['attesters', t.attesters ?? []],
  ] as const) {
    for (const k of ks) {
      const other = roles.get(k.key_id);
      if (other !== undefined) throw new CharterError('INVALID_INPUT', `trust file: key ${k.key_id} is in both ${other} and ${role}; a key has one role`);
      roles.set(k.key_id, role);
    }
  }
  return t;
}

/** SHA-256(domain || 0x00 || bytes): the one domain-separation rule of the evidence formats. */
export function domainDigest(domain: string, bytes: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8(domain), new Uint8Array([0]), bytes));
}

/** The 32 bytes every checkpoint signature covers. */
export function checkpointSigningDigest(c: Checkpoint): Uint8Array {
  return domainDigest(CHECKPOINT_DOMAIN, jcsBytes(c));
}

/** The 32 bytes every witness cosignature covers: D("charter/cosignature/v1", JCS(checkpoint)). */
export function cosignatureDigest(c: Checkpoint): Uint8Array {
  return domainDigest(COSIGNATURE_DOMAIN, jcsBytes(c));
}

/** Cosign a checkpoint as a witness; `sign` receives the 32-byte cosignature digest and returns 64 signature bytes. */
export async function cosignCheckpoint(
  c: Checkpoint,
  key: { key_id: string; scheme: SignatureScheme },
  sign: (digest: Uint8Array) => Uint8Array | Promise<Uint8Array>,
): Promise<EvidenceSignature> {
  const sig = await sign(cosignatureDigest(c));
  return { key_id: key.key_id, scheme: key.scheme, signature: toHex(sig) };
}

/** Sign a checkpoint digest with one key; `sign` receives the 32-byte digest and returns 64 signature bytes. */
export async function signCheckpoint(
  c: Checkpoint,
  key: { key_id: string; scheme: SignatureScheme },
  sign: (digest: Uint8Array) => Uint8Array | Promise<Uint8Array>,
): Promise<EvidenceSignature> {
  const sig = await sign(checkpointSigningDigest(c));
  return { key_id: key.key_id, scheme: key.scheme, signature: toHex(sig) };
}

/** Whether `key` may sign for height h, or why not. */
export function keyStatusAt(key: TrustKey, h: number): 'ok' | 'KEY_REVOKED' | 'KEY_OUTSIDE_VALIDITY' {
  if (key.revoked_at_height !== undefined && h >= key.revoked_at_height) return 'KEY_REVOKED';
  if (h < key.valid_from_height) return 'KEY_OUTSIDE_VALIDITY';
  if (key.valid_until_height !== undefined && h > key.valid_until_height) return 'KEY_OUTSIDE_VALIDITY';
  return 'ok';
}

/**
 * Judge a list of signatures over `digest` against a key set at height h, by
 * the one rule of the module comment. Shared by checkpoints (trust.keys),
 * cosignatures (trust.witnesses) and fork-resolution records. Never throws.
 */
export function verifyQuorum(
  digest: Uint8Array,
  signatures: readonly EvidenceSignature[],
  set: KeySet,
  height: number,
  verifier: SignatureVerifier,
): QuorumVerdict {
  const byId = new Map(set.keys.map((k) => [k.key_id, k]));
  const counted = new Set<string>();
  const verdicts: SignatureVerdict[] = [];
  for (const s of signatures) {
    const key = byId.get(s.key_id);
    if (key === undefined || key.scheme !== s.scheme) {
      verdicts.push({ key_id: s.key_id, ok: false, reason: 'UNKNOWN_KEY' });
      continue;
    }
    let good = false;
    try {
      good = verifier.verify(key.scheme, fromHex(key.public_key), digest, fromHex(s.signature));
    } catch {
      good = false;
    }
    if (!good) {
      verdicts.push({ key_id: s.key_id, ok: false, reason: 'BAD_SIGNATURE' });
      continue;
    }
    const status = keyStatusAt(key, height);
    if (status !== 'ok') {
      verdicts.push({ key_id: s.key_id, ok: false, reason: status });
      continue;
    }
    if (counted.has(s.key_id)) {
      verdicts.push({ key_id: s.key_id, ok: false, reason: 'DUPLICATE_SIGNER' });
      continue;
    }
    counted.add(s.key_id);
    verdicts.push({ key_id: s.key_id, ok: true });
  }
  let reasons: OverallReason[] = [];
  if (verdicts.some((v) => v.reason === 'BAD_SIGNATURE')) reasons = ['BAD_SIGNATURE'];
  else if (counted.size < set.quorum) reasons = [verdicts.find((v) => !v.ok)?.reason ?? 'BELOW_QUORUM'];
  return { ok: reasons.length === 0, reasons, valid: counted.size, quorum: set.quorum, signatures: verdicts };
}

/**
 * Verify a signed checkpoint against a trust file: per-signature verdicts and
 * an overall verdict with stable reasons (MALFORMED, LOG_ID_MISMATCH, then the
 * rule's BAD_SIGNATURE / first non-counting reason / BELOW_QUORUM). Its
 * cosignatures are not looked at (verifyCosignatures). Never throws.
 */
export function verifyCheckpoint(signed: unknown, trust: TrustFile, verifier: SignatureVerifier): QuorumVerdict {
  const parsed = signedCheckpointSchema.safeParse(signed);
  if (!parsed.success) return { ok: false, reasons: ['MALFORMED'], valid: 0, quorum: trust.quorum, signatures: [] };
  const sc = parsed.data as SignedCheckpoint;
  const v = verifyQuorum(checkpointSigningDigest(sc.checkpoint), sc.signatures, trust, sc.checkpoint.height, verifier);
  if (sc.checkpoint.log_id !== trust.log_id) return { ...v, ok: false, reasons: ['LOG_ID_MISMATCH', ...v.reasons] };
  return v;
}

/**
 * Verify a signed checkpoint's witness cosignatures against trust.witnesses at
 * the checkpoint's height, by the same rule (no cosignatures: the first
 * reason is BELOW_QUORUM). Null when the trust file names no witnesses
 * (nothing is required). MALFORMED when the signed checkpoint is not one;
 * LOG_ID_MISMATCH when it is of another log. Never throws.
 */
export function verifyCosignatures(signed: SignedCheckpoint, trust: TrustFile, verifier: SignatureVerifier): QuorumVerdict | null {
  const w = trust.witnesses;
  if (w === undefined) return null;
  const parsed = signedCheckpointSchema.safeParse(signed);
  if (!parsed.success) return { ok: false, reasons: ['MALFORMED'], valid: 0, quorum: w.quorum, signatures: [] };
  const sc = parsed.data as SignedCheckpoint;
  const v = verifyQuorum(cosignatureDigest(sc.checkpoint), sc.cosignatures ?? [], w, sc.checkpoint.height, verifier);
  if (sc.checkpoint.log_id !== trust.log_id) return { ...v, ok: false, reasons: ['LOG_ID_MISMATCH', ...v.reasons] };
  return v;
}

/** Accumulator bytes of a checkpoint (peaks decoded from hex). */
export function checkpointAccumulator(c: Checkpoint): Uint8Array[] {
  return c.peaks.map((p) => fromHex(p));
}

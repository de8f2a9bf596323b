/**
 * Signed checkpoints of the receipt log and the trust file that says whose
 * signatures count. docs/formats/evidence-log.md is the normative text.
 *
 *   checkpoint          {log_id, mmr_size, peaks, height, time}
 *   signing digest      SHA-256("charter/checkpoint/v1" || 0x00 || JCS(checkpoint))
 *   signed checkpoint   {checkpoint, signatures: [{key_id, scheme, signature}]}
 *   trust file          {version: 1, log_id, quorum, keys: [{key_id, scheme, public_key,
 *                        valid_from_height, valid_until_height?, revoked_at_height?}]}
 *
 * Each scheme signs the 32-byte digest as core/tx/verify.ts describes for
 * envelopes: Ed25519 signs the digest bytes (pure EdDSA), P-256 signs them as
 * the message of ECDSA-SHA256, secp256k1 signs the digest as the ECDSA hash.
 *
 * Key windows are inclusive, judged at the checkpoint's height h: a key counts
 * when valid_from_height ≤ h, (valid_until_height absent or h ≤ valid_until_height)
 * and (revoked_at_height absent or h < revoked_at_height). Several signatures by
 * one key count once. A checkpoint passes when at least `quorum` distinct trusted
 * keys signed it validly and its log_id is the trust file's.
 */
import { z } from 'zod';
import { concatBytes, fromHex, keyIdOf, sha256, utf8, toHex } from '../codec/index.js';
import { isSignatureScheme, isValidPublicKey, type SignatureVerifier } from '../crypto/ed25519.js';
import type { SignatureScheme } from '../engine/types.js';
import { CharterError } from '../errors.js';
import { jcsBytes } from './jcs.js';

export const CHECKPOINT_DOMAIN = 'charter/checkpoint/v1';

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
}

export interface TrustKey {
  key_id: string;
  scheme: SignatureScheme;
  public_key: string;
  valid_from_height: number;
  valid_until_height?: number;
  revoked_at_height?: number;
}

export interface TrustFile {
  version: 1;
  log_id: string;
  quorum: number;
  keys: TrustKey[];
}

export type SignatureReason = 'UNKNOWN_KEY' | 'KEY_REVOKED' | 'KEY_OUTSIDE_VALIDITY' | 'BAD_SIGNATURE' | 'DUPLICATE_SIGNER';
export type OverallReason = 'BELOW_QUORUM' | 'LOG_ID_MISMATCH' | 'MALFORMED';

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

export const checkpointSchema = z.strictObject({
  log_id: z.string().min(1).max(128),
  mmr_size: intSchema,
  peaks: z.array(z.string().regex(HEX32)).max(64),
  height: intSchema,
  time: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/),
});

export const evidenceSignatureSchema = z.strictObject({
  key_id: z.string().regex(KEY_ID),
  scheme: schemeSchema,
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});

export const signedCheckpointSchema = z.strictObject({
  checkpoint: checkpointSchema,
  signatures: z.array(evidenceSignatureSchema).min(1).max(64),
});

export const trustKeySchema = z.strictObject({
  key_id: z.string().regex(KEY_ID),
  scheme: schemeSchema,
  public_key: z.string().regex(/^[0-9a-f]+$/),
  valid_from_height: intSchema,
  valid_until_height: intSchema.optional(),
  revoked_at_height: intSchema.optional(),
});

export const trustFileSchema = z.strictObject({
  version: z.literal(1),
  log_id: z.string().min(1).max(128),
  quorum: z.number().int().min(1).max(64),
  keys: z.array(trustKeySchema).min(1).max(256),
});

/**
 * Validate a trust file: shape, every key_id = keyIdOf(scheme, public_key),
 * valid public keys, unique key ids, quorum ≤ number of keys. Throws
 * CharterError('INVALID_INPUT') naming the problem.
 */
export function parseTrustFile(value: unknown): TrustFile {
  const r = trustFileSchema.safeParse(value);
  if (!r.success) throw new CharterError('INVALID_INPUT', `trust file: ${r.error.issues.map((i) => `${i.path.join('.') || '$'}: ${i.message}`).join('; ')}`);
  const t = r.data as TrustFile;
  const ids = new Set<string>();
  for (const k of t.keys) {
    let pk: Uint8Array;
    try {
      pk = fromHex(k.public_key);
    } catch {
      throw new CharterError('INVALID_INPUT', `trust file: key ${k.key_id}: public_key is not hex`);
    }
    if (!isValidPublicKey(k.scheme, pk)) throw new CharterError('INVALID_INPUT', `trust file: key ${k.key_id}: not a valid ${k.scheme} public key`);
    if (keyIdOf(k.scheme, pk) !== k.key_id) throw new CharterError('INVALID_INPUT', `trust file: key ${k.key_id}: key_id is not keyIdOf(scheme, public_key)`);
    if (ids.has(k.key_id)) throw new CharterError('INVALID_INPUT', `trust file: key ${k.key_id} is listed twice`);
    ids.add(k.key_id);
  }
  if (t.quorum > t.keys.length) throw new CharterError('INVALID_INPUT', `trust file: quorum ${t.quorum} exceeds its ${t.keys.length} keys`);
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
 * Judge a list of signatures over `digest` against a trust file at height h.
 * Shared by checkpoints and fork-resolution records. Never throws.
 */
export function verifyQuorum(
  digest: Uint8Array,
  signatures: readonly EvidenceSignature[],
  trust: TrustFile,
  height: number,
  verifier: SignatureVerifier,
): QuorumVerdict {
  const byId = new Map(trust.keys.map((k) => [k.key_id, k]));
  const counted = new Set<string>();
  const verdicts: SignatureVerdict[] = [];
  for (const s of signatures) {
    const key = byId.get(s.key_id);
    if (key === undefined || key.scheme !== s.scheme) {
      verdicts.push({ key_id: s.key_id, ok: false, reason: 'UNKNOWN_KEY' });
      continue;
    }
    const status = keyStatusAt(key, height);
    if (status !== 'ok') {
      verdicts.push({ key_id: s.key_id, ok: false, reason: status });
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
    if (counted.has(s.key_id)) {
      verdicts.push({ key_id: s.key_id, ok: false, reason: 'DUPLICATE_SIGNER' });
      continue;
    }
    counted.add(s.key_id);
    verdicts.push({ key_id: s.key_id, ok: true });
  }
  const reasons: OverallReason[] = counted.size >= trust.quorum ? [] : ['BELOW_QUORUM'];
  return { ok: reasons.length === 0, reasons, valid: counted.size, quorum: trust.quorum, signatures: verdicts };
}

/**
 * Verify a signed checkpoint against a trust file: per-signature verdicts and
 * an overall verdict with stable reasons (MALFORMED, LOG_ID_MISMATCH,
 * BELOW_QUORUM). A DUPLICATE_SIGNER verdict does not fail the checkpoint by
 * itself (the key already counted once). Never throws.
 */
export function verifyCheckpoint(signed: unknown, trust: TrustFile, verifier: SignatureVerifier): QuorumVerdict {
  const parsed = signedCheckpointSchema.safeParse(signed);
  if (!parsed.success) return { ok: false, reasons: ['MALFORMED'], valid: 0, quorum: trust.quorum, signatures: [] };
  const sc = parsed.data as SignedCheckpoint;
  const v = verifyQuorum(checkpointSigningDigest(sc.checkpoint), sc.signatures, trust, sc.checkpoint.height, verifier);
  if (sc.checkpoint.log_id !== trust.log_id) return { ...v, ok: false, reasons: ['LOG_ID_MISMATCH', ...v.reasons] };
  return v;
}

/** Accumulator bytes of a checkpoint (peaks decoded from hex). */
export function checkpointAccumulator(c: Checkpoint): Uint8Array[] {
  return c.peaks.map((p) => fromHex(p));
}

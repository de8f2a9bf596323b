/**
 * Witness cosignatures of the devnet's signed checkpoints
 * (docs/formats/evidence-log.md §5.3, §7): what POST /explorer/cosignature
 * accepts, and how a stored checkpoint is served with its cosignatures.
 *
 * The node accepts a cosignature only for a checkpoint it signed itself (the
 * same JCS bytes as the one stored at that height), by a key whose id is
 * keyIdOf(scheme, public_key), and only if it verifies over
 * cosignatureDigest(checkpoint). Which witnesses count is for each auditor's
 * trust file to say, not the node: it stores any valid one, once per key.
 */
import { z } from 'zod';
import { fromHex, keyIdOf, toHex } from '../../core/codec/index.js';
import { isValidPublicKey, type SignatureVerifier } from '../../core/crypto/ed25519.js';
import {
  checkpointSchema,
  cosignatureDigest,
  evidenceSignatureSchema,
  type Checkpoint,
  type EvidenceSignature,
  type SignedCheckpoint,
} from '../../core/evidence/checkpoint.js';
import { jcsBytes } from '../../core/evidence/jcs.js';
import { CharterError } from '../../core/errors.js';
import type { CheckpointRow } from './evidence.js';
import type { CosignatureRow } from './store.js';

/** At most this many cosignatures per checkpoint (the signed-checkpoint schema's cap). */
export const MAX_COSIGNATURES = 64;

export interface CosignaturePost {
  checkpoint: Checkpoint;
  cosignature: EvidenceSignature;
  public_key: string;
}

const postSchema = z.strictObject({
  checkpoint: z.unknown(),
  cosignature: z.unknown(),
  public_key: z.string().regex(/^[0-9a-f]{2,200}$/, 'lower-case hex'),
});

/** The body {checkpoint, cosignature: {key_id, scheme, signature}, public_key}, shape-checked; INVALID_INPUT naming the field otherwise. */
export function parseCosignaturePost(body: unknown): CosignaturePost {
  const p = postSchema.safeParse(body);
  if (!p.success)
    throw new CharterError(
      'INVALID_INPUT',
      `the body must be {"checkpoint": {…}, "cosignature": {"key_id", "scheme", "signature"}, "public_key": "<hex>"}: ${p.error.issues.map((i) => `${i.path.join('.') || '$'}: ${i.message}`).join('; ')}`,
    );
  const c = checkpointSchema.safeParse(p.data.checkpoint);
  if (!c.success) throw new CharterError('INVALID_INPUT', `checkpoint: ${c.error.issues.map((i) => `${i.path.join('.') || '$'}: ${i.message}`).join('; ')}`);
  const s = evidenceSignatureSchema.safeParse(p.data.cosignature);
  if (!s.success) throw new CharterError('INVALID_INPUT', `cosignature: ${s.error.issues.map((i) => `${i.path.join('.') || '$'}: ${i.message}`).join('; ')}`);
  return { checkpoint: c.data as Checkpoint, cosignature: s.data as EvidenceSignature, public_key: p.data.public_key };
}

/**
 * Check a cosignature against the checkpoint the node stored at that height.
 * NOT_FOUND: no checkpoint at that height; CHECKPOINT_MISMATCH: another
 * checkpoint is stored there; INVALID_INPUT: the key is not valid or its id is
 * not key_id; BAD_SIGNATURE: the signature does not verify.
 */
export function checkCosignature(post: CosignaturePost, stored: CheckpointRow | null, verifier: SignatureVerifier): void {
  const c = post.checkpoint;
  if (stored === null) throw new CharterError('NOT_FOUND', `this node signed no checkpoint at height ${c.height}`);
  const mine = (JSON.parse(stored.signed) as SignedCheckpoint).checkpoint;
  if (stored.mmr_size !== c.mmr_size || toHex(jcsBytes(mine)) !== toHex(jcsBytes(c))) {
    throw new CharterError(
      'CHECKPOINT_MISMATCH',
      `the checkpoint at height ${c.height} that this node signed (MMR size ${stored.mmr_size}) is not the one given (MMR size ${c.mmr_size})`,
      { height: c.height },
    );
  }
  const s = post.cosignature;
  const pk = fromHex(post.public_key);
  if (!isValidPublicKey(s.scheme, pk)) throw new CharterError('INVALID_INPUT', `public_key is not a valid ${s.scheme} public key`);
  const id = keyIdOf(s.scheme, pk);
  if (id !== s.key_id) throw new CharterError('INVALID_INPUT', `key_id ${s.key_id} is not keyIdOf(${s.scheme}, public_key) = ${id}`);
  let ok = false;
  try {
    ok = verifier.verify(s.scheme, pk, cosignatureDigest(c), fromHex(s.signature));
  } catch {
    ok = false;
  }
  if (!ok)
    throw new CharterError(
      'BAD_SIGNATURE',
      `the cosignature of key ${s.key_id} does not verify over the cosignature digest of the checkpoint at height ${c.height}`,
      { key_id: s.key_id, height: c.height },
    );
}

/** A stored signed checkpoint as the routes serve it: with `cosignatures` when there are any. */
export function servedCheckpoint(row: CheckpointRow, cosignatures: readonly CosignatureRow[]): SignedCheckpoint {
  const signed = JSON.parse(row.signed) as SignedCheckpoint;
  if (cosignatures.length === 0) return signed;
  return { ...signed, cosignatures: cosignatures.map((r) => ({ key_id: r.key_id, scheme: r.scheme as EvidenceSignature['scheme'], signature: r.signature })) };
}

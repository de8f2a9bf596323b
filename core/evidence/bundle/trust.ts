/**
 * The trust file as the bundle verifier reads it (the format belongs to
 * core/evidence/checkpoint.ts: {version, log_id, quorum, keys:[…]}). The same
 * keys vouch for checkpoints and for bundle attestations; a key counts for an
 * attestation when it is valid at the bundle subject's height.
 */
import { z } from 'zod';

export const TrustKeySchema = z.object({
  key_id: z.string().regex(/^[0-9a-f]{40}$/),
  scheme: z.string(),
  public_key: z.string().regex(/^[0-9a-f]+$/),
  valid_from_height: z.number().int().nonnegative(),
  valid_until_height: z.number().int().nonnegative().optional(),
  revoked_at_height: z.number().int().nonnegative().optional(),
}).passthrough();

export const TrustFileSchema = z.object({
  version: z.number().int(),
  log_id: z.string(),
  quorum: z.number().int().positive(),
  keys: z.array(TrustKeySchema),
}).passthrough();

export type TrustKeyView = z.infer<typeof TrustKeySchema>;
export type TrustFileView = z.infer<typeof TrustFileSchema>;

export type KeyStanding = { ok: true; key: TrustKeyView } | { ok: false; reason: 'UNKNOWN_KEY' | 'KEY_REVOKED' | 'KEY_OUTSIDE_VALIDITY'; detail: string };

/** Whether the trust file vouches for `keyId` at `height`. */
export function keyStanding(trust: TrustFileView, keyId: string, height: number): KeyStanding {
  const key = trust.keys.find((k) => k.key_id === keyId);
  if (!key) return { ok: false, reason: 'UNKNOWN_KEY', detail: `key ${keyId} is not in the trust file` };
  if (key.revoked_at_height !== undefined && key.revoked_at_height <= height) {
    return { ok: false, reason: 'KEY_REVOKED', detail: `key ${keyId} was revoked at height ${key.revoked_at_height} (the bundle is anchored at ${height})` };
  }
  if (height < key.valid_from_height || (key.valid_until_height !== undefined && height > key.valid_until_height)) {
    return { ok: false, reason: 'KEY_OUTSIDE_VALIDITY', detail: `key ${keyId} is valid for heights ${key.valid_from_height}–${key.valid_until_height ?? '∞'}, not ${height}` };
  }
  return { ok: true, key };
}

export type ParsedTrust = { ok: true; trust: TrustFileView } | { ok: false; detail: string };

export function parseTrustFile(value: unknown): ParsedTrust {
  const p = TrustFileSchema.safeParse(value);
  if (!p.success) {
    const i = p.error.issues[0];
    return { ok: false, detail: `not a trust file: ${i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid'}` };
  }
  return { ok: true, trust: p.data };
}

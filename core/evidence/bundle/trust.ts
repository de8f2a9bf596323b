/**
 * The trust file as the bundle verifier uses it. The format and its parser
 * belong to core/evidence/checkpoint.ts ({version, log_id, quorum, keys:[…]});
 * the same keys vouch for checkpoints and for bundle attestations. A key counts
 * for an attestation when it is in good standing at the bundle subject's height.
 */
import { CharterError } from '../../errors.js';
import { keyStatusAt, parseTrustFile as parseTrust, type TrustFile, type TrustKey } from '../checkpoint.js';

export type TrustFileView = TrustFile;
export type TrustKeyView = TrustKey;

export type KeyStanding = { ok: true; key: TrustKey } | { ok: false; reason: 'UNKNOWN_KEY' | 'KEY_REVOKED' | 'KEY_OUTSIDE_VALIDITY'; detail: string };

/** Whether the trust file vouches for `keyId` at `height`, among `keys` (default) or the keys that may sign attestations (`keys` and `attesters`). */
export function keyStanding(trust: TrustFile, keyId: string, height: number, among: 'keys' | 'attestation' = 'keys'): KeyStanding {
  const key = attestationKeys(trust, among).find((k) => k.key_id === keyId);
  if (!key) return { ok: false, reason: 'UNKNOWN_KEY', detail: `key ${keyId} is not in the trust file` };
  const st = keyStatusAt(key, height);
  if (st === 'KEY_REVOKED')
    return { ok: false, reason: st, detail: `key ${keyId} was revoked at height ${String(key.revoked_at_height)} (the bundle is anchored at ${height})` };
  if (st === 'KEY_OUTSIDE_VALIDITY')
    return { ok: false, reason: st, detail: `key ${keyId} is valid for heights ${key.valid_from_height}–${key.valid_until_height ?? '∞'}, not ${height}` };
  return { ok: true, key };
}

/** The keys that may sign a bundle's attestation: the log's keys and the attesters. */
function attestationKeys(trust: TrustFile, among: 'keys' | 'attestation'): readonly TrustKey[] {
  return among === 'attestation' ? [...trust.keys, ...(trust.attesters ?? [])] : trust.keys;
}

export function attestationKey(trust: TrustFile, keyId: string): TrustKey | undefined {
  return attestationKeys(trust, 'attestation').find((k) => k.key_id === keyId);
}

export type ParsedTrust = { ok: true; trust: TrustFile } | { ok: false; detail: string };

export function parseTrustFile(value: unknown): ParsedTrust {
  try {
    return { ok: true, trust: parseTrust(value) };
  } catch (e) {
    return { ok: false, detail: e instanceof CharterError ? e.message : String(e) };
  }
}

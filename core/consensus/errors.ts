/**
 * Every refusal of the light-client verifier: CharterError PROOF_INVALID with
 * a stable `reason` in its details (docs/formats/commit-evidence.md lists
 * them). Pure.
 */
import { CharterError } from '../errors.js';

export const REFUSAL_REASONS = [
  // parsing
  'MALFORMED',
  'UNSUPPORTED_KEY_TYPE',
  'VALIDATOR_ADDRESS_MISMATCH',
  'VALIDATORS_INCOMPLETE',
  'VALIDATORS_INVALID',
  // a signed header on its own (SignedHeader.ValidateBasic)
  'HEADER_INVALID',
  'COMMIT_INVALID',
  'CHAIN_ID_MISMATCH',
  'HEIGHT_MISMATCH',
  'HEADER_HASH_MISMATCH',
  // a commit against a validator set (VerifyCommitLight, VerifyCommitLightTrusting)
  'VALIDATORS_HASH_MISMATCH',
  'SIGNATURE_COUNT_MISMATCH',
  'SIGNER_ADDRESS_MISMATCH',
  'SIGNATURE_INVALID',
  'DOUBLE_VOTE',
  'NOT_ENOUGH_POWER',
  'NOT_ENOUGH_TRUSTED_POWER',
  // one header after another (light/verifier.go)
  'TRUST_LEVEL_INVALID',
  'NOT_ADJACENT',
  'ADJACENT',
  'TRUSTED_HEADER_EXPIRED',
  'HEIGHT_NOT_INCREASING',
  'TIME_NOT_INCREASING',
  'TIME_IN_FUTURE',
  'NEXT_VALIDATORS_MISMATCH',
  'TRUSTED_VALIDATORS_MISMATCH',
  // a chain of light blocks from a trust anchor
  'LIGHT_CHAIN_INVALID',
  'ANCHOR_NOT_FOUND',
  'ANCHOR_MISMATCH',
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface RefusalDetails {
  readonly reason: RefusalReason;
  readonly [k: string]: unknown;
}

export function refuse(reason: RefusalReason, message: string, extra: Record<string, unknown> = {}): never {
  throw new CharterError('PROOF_INVALID', message, { ...extra, reason });
}

/** The reason of a light-client refusal, or null when `e` is not one. */
export function refusalReason(e: unknown): RefusalReason | null {
  if (!(e instanceof CharterError) || e.code !== 'PROOF_INVALID') return null;
  const r = (e.details as { reason?: unknown } | undefined)?.reason;
  return typeof r === 'string' && (REFUSAL_REASONS as readonly string[]).includes(r) ? (r as RefusalReason) : null;
}

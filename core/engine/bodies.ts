/**
 * Body shapes of the engine's control transactions (the opt-in policy controls,
 * governance, emergency and key lifecycle): every
 * field present and of the right JSON type, nothing else. core/engine/tx.ts
 * merges them into BODY_SCHEMAS. Content rules are the engine's.
 */
import { z } from 'zod';
import type { TxBodies } from './types.js';
import { ROLES } from './types.js';

const str = z.string().refine((s) => !/\p{Cs}/u.test(s), 'contains a lone UTF-16 surrogate');
const int = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const POLICY_SCHEMA = z.strictObject({
  approvers: z.array(str).max(256),
  threshold: int,
  weights: z.record(str, int).optional(),
  timelock_blocks: int.optional(),
  tx_limits: z.record(str, str).optional(),
  velocity: z.record(str, z.strictObject({ window_seconds: int, max_amount: str.optional(), max_count: int.optional() })).optional(),
  whitelist: z.array(str).max(1024).optional(),
  attestation: z.strictObject({ type: str, attesters: z.array(str).max(256), threshold: int }).optional(),
});

const FRACTION = z.strictObject({ num: int, den: int });
const TRACK = z.strictObject({ quorum: FRACTION, threshold: FRACTION, voting_period_blocks: int, execution_delay_blocks: int });
export const GOVERNANCE_PARAMS_SCHEMA = z.strictObject({ protocol: TRACK, operational: TRACK, whitelist_delay_blocks: int });

export const GOV_ACTION_SCHEMA = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('params.set'), faucet: z.boolean().optional(), max_expiry_blocks: int.optional(), governance: GOVERNANCE_PARAMS_SCHEMA.optional() }),
  z.strictObject({ type: z.literal('validator.add'), public_key: str, power: int, name: str }),
  z.strictObject({ type: z.literal('validator.remove'), public_key: str }),
  z.strictObject({ type: z.literal('key.register'), public_key: str, scheme: z.enum(['ed25519', 'p256', 'secp256k1']), label: str }),
  z.strictObject({ type: z.literal('key.set_roles'), key_id: str, roles: z.array(z.enum(ROLES)).max(8), owner: str.optional() }),
  z.strictObject({ type: z.literal('key.release'), key_id: str, reason: str }),
  z.strictObject({ type: z.literal('whitelist.add'), vault_id: str, destination: str }),
  z.strictObject({ type: z.literal('whitelist.remove'), vault_id: str, destination: str }),
  z.strictObject({ type: z.literal('emergency.ratify'), control_id: str }),
  z.strictObject({ type: z.literal('emergency.lift'), control_id: str }),
  z.strictObject({ type: z.literal('key.rotate_approve'), key_id: str }),
]);

export const EMERGENCY_PARAMS_SCHEMA = z.strictObject({ quorum: int, max_expiry_blocks: int, ratification_window_blocks: int });

export const EMERGENCY_ACTION_SCHEMA = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('vault.freeze'), vault_id: str }),
  z.strictObject({ type: z.literal('key.quarantine'), key_id: str }),
  z.strictObject({ type: z.literal('key.revoke'), key_id: str }),
  z.strictObject({ type: z.literal('degraded.enter'), vault_id: str.optional() }),
]);

export type ControlTxType =
  | 'key.set_roles'
  | 'vault.set_policy'
  | 'withdrawal.attest'
  | 'withdrawal.cancel'
  | 'key.quarantine'
  | 'key.release'
  | 'gov.propose'
  | 'gov.vote'
  | 'gov.execute'
  | 'emergency.propose'
  | 'emergency.sign'
  | 'key.attest'
  | 'key.rotate'
  | 'key.retire';

export const CONTROL_BODY_SCHEMAS: { [T in ControlTxType]: z.ZodType<TxBodies[T]> } = {
  'key.set_roles': z.strictObject({ key_id: str, roles: z.array(z.enum(ROLES)).max(8), owner: str.optional() }),
  'vault.set_policy': z.strictObject({ vault_id: str, policy: POLICY_SCHEMA }) as z.ZodType<TxBodies['vault.set_policy']>,
  'withdrawal.attest': z.strictObject({ request_id: str, attestation_type: str, claim_ref: str }),
  'withdrawal.cancel': z.strictObject({ request_id: str, reason: str }),
  'key.quarantine': z.strictObject({ key_id: str, reason: str }),
  'key.release': z.strictObject({ key_id: str, reason: str }),
  'gov.propose': z.strictObject({ track: z.enum(['protocol', 'operational']), action: GOV_ACTION_SCHEMA, voting_period_blocks: int.optional() }) as z.ZodType<TxBodies['gov.propose']>,
  'gov.vote': z.strictObject({ proposal_id: str, vote: z.enum(['yes', 'no', 'abstain']) }),
  'gov.execute': z.strictObject({ proposal_id: str }),
  'emergency.propose': z.strictObject({ action: EMERGENCY_ACTION_SCHEMA, reason: str, expires_in_blocks: int }) as z.ZodType<TxBodies['emergency.propose']>,
  'emergency.sign': z.strictObject({ control_id: str }),
  'key.attest': z.strictObject({ key_id: str, attestation_ref: str, revalidate_by: int }),
  'key.rotate': z.strictObject({ new_key_id: str }),
  'key.retire': z.strictObject({ key_id: str, reason: str }),
};

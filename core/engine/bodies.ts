/**
 * Body shapes of the engine's control transactions (added in issue 3): every
 * field present and of the right JSON type, nothing else. core/tx/envelope.ts
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

export type ControlTxType = 'key.set_roles' | 'vault.set_policy' | 'withdrawal.attest' | 'withdrawal.cancel' | 'key.quarantine' | 'key.release';

export const CONTROL_BODY_SCHEMAS: { [T in ControlTxType]: z.ZodType<TxBodies[T]> } = {
  'key.set_roles': z.strictObject({ key_id: str, roles: z.array(z.enum(ROLES)).max(8), owner: str.optional() }),
  'vault.set_policy': z.strictObject({ vault_id: str, policy: POLICY_SCHEMA }) as z.ZodType<TxBodies['vault.set_policy']>,
  'withdrawal.attest': z.strictObject({ request_id: str, attestation_type: str, claim_ref: str }),
  'withdrawal.cancel': z.strictObject({ request_id: str, reason: str }),
  'key.quarantine': z.strictObject({ key_id: str, reason: str }),
  'key.release': z.strictObject({ key_id: str, reason: str }),
};

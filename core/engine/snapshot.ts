/**
 * Snapshots: the committed state as canonical JSON, and the strict schema a
 * snapshot must satisfy to be restored (record shapes, cross-record
 * invariants).
 */
import { z } from 'zod';
import { CharterError } from '../errors.js';
import { KEY_ID_RE } from '../tx/codec.js';
import { lookup } from './controls.js';
import { GENESIS_VALIDATOR_PROPOSAL, RFC3339_UTC_RE } from './genesis.js';
import { EMERGENCY_ACTION_SCHEMA, EMERGENCY_PARAMS_SCHEMA } from './modules/emergency/spec.js';
import { GOVERNANCE_PARAMS_SCHEMA } from './modules/governance/spec.js';
import { GOV_ACTION_SCHEMA } from './modules/specs.js';
import { POLICY_SCHEMA } from './modules/vaults/spec.js';
import { AMOUNT_RE, ASSET_RE, CONTROL_ID_RE, DESTINATION_RE, MAX_APPROVERS, PROPOSAL_ID_RE, REQUEST_ID_RE, VAULT_ID_RE } from './shared.js';
import type { EngineState, VaultRecord, WithdrawalRecord } from './types.js';

export const SNAPSHOT_FORMAT = 'charter/engine-snapshot/v1';

const KeyId = z.string().regex(KEY_ID_RE);
const Height = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const TxHash = z.string().regex(/^[0-9A-F]{64}$/);
const Decimal = z.string().regex(/^(0|[1-9][0-9]*)$/);

const Hold = z.strictObject({ control_id: z.string().regex(CONTROL_ID_RE), until: Height });
const KeyRecordSchema = z.strictObject({
  key_id: KeyId,
  scheme: z.enum(['ed25519', 'p256', 'secp256k1']),
  public_key: z.string().regex(/^[0-9a-f]{64,130}$/),
  label: z.string(),
  status: z.enum(['active', 'quarantined', 'revoked', 'retired']),
  roles: z.array(z.string()),
  registered_at: Height,
  owner: z.string().optional(),
  quarantine: z.strictObject({ reason: z.string(), since: Height, by: KeyId, control_id: z.string().regex(CONTROL_ID_RE).optional() }).optional(),
  attestation: z.strictObject({ ref: z.string(), revalidate_by: Height, attested_at: Height, by: KeyId }).optional(),
  rotation: z
    .strictObject({
      to: KeyId.optional(),
      from: KeyId.optional(),
      requested_at: Height.optional(),
      approved_at: Height.nullable().optional(),
      proposal_id: z.string().regex(PROPOSAL_ID_RE).optional(),
    })
    .optional(),
  ended: z.strictObject({ reason: z.string(), height: Height, by: z.string() }).optional(),
});
const VaultRecordSchema = z.strictObject({
  vault_id: z.string().regex(VAULT_ID_RE),
  name: z.string(),
  policy: POLICY_SCHEMA.extend({ approvers: z.array(KeyId).min(1).max(MAX_APPROVERS), threshold: z.number().int().min(1) }),
  balances: z.record(z.string().regex(ASSET_RE), Decimal),
  created_at: Height,
  spent: z.record(z.string().regex(ASSET_RE), z.array(z.tuple([z.number().int(), Decimal]))).optional(),
  pending_whitelist: z
    .array(
      z.strictObject({
        op: z.enum(['add', 'remove']),
        destination: z.string().regex(DESTINATION_RE),
        apply_at: Height,
        proposal_id: z.string().regex(PROPOSAL_ID_RE),
      }),
    )
    .optional(),
  frozen: Hold.optional(),
  degraded: Hold.optional(),
});
const WithdrawalRecordSchema = z.strictObject({
  request_id: z.string().regex(REQUEST_ID_RE),
  vault_id: z.string().regex(VAULT_ID_RE),
  asset: z.string().regex(ASSET_RE),
  amount: z.string().regex(AMOUNT_RE),
  destination: z.string().regex(DESTINATION_RE),
  memo: z.string(),
  initiator: KeyId,
  created_at: Height,
  created_tx: TxHash,
  approvals: z.array(z.strictObject({ key_id: KeyId, height: Height, tx_hash: TxHash })),
  status: z.enum(['pending', 'approved', 'executed', 'failed', 'cancelled']),
  executed_at: Height.nullable(),
  executed_tx: TxHash.nullable(),
  failure: z.string().nullable(),
  attestations: z.array(z.strictObject({ key_id: KeyId, attestation_type: z.string(), claim_ref: z.string(), height: Height, tx_hash: TxHash })).optional(),
  executable_at: Height.optional(),
  cancelled: z.strictObject({ by: KeyId, reason: z.string(), height: Height }).optional(),
});
const ProposalRecordSchema = z.strictObject({
  proposal_id: z.string().regex(PROPOSAL_ID_RE),
  track: z.enum(['protocol', 'operational']),
  action: GOV_ACTION_SCHEMA,
  proposer: KeyId,
  created_at: Height,
  created_tx: TxHash,
  voting_ends_at: Height,
  votes: z.array(z.strictObject({ key_id: KeyId, vote: z.enum(['yes', 'no', 'abstain']), height: Height })),
  status: z.enum(['open', 'passed', 'rejected', 'expired', 'executed']),
  decided_at: Height.nullable(),
  executable_at: Height.nullable(),
  executed_at: Height.nullable(),
});
const ValidatorRecordSchema = z.strictObject({
  public_key: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string(),
  power: z.number().int().min(1),
  added_at: Height,
  proposal_id: z.union([z.string().regex(PROPOSAL_ID_RE), z.literal(GENESIS_VALIDATOR_PROPOSAL)]),
  removed_at: Height.nullable(),
});
const ControlRecordSchema = z.strictObject({
  control_id: z.string().regex(CONTROL_ID_RE),
  action: EMERGENCY_ACTION_SCHEMA,
  reason: z.string(),
  proposer: KeyId,
  created_at: Height,
  signatures: z.array(z.strictObject({ key_id: KeyId, height: Height })),
  expires_in_blocks: Height,
  status: z.enum(['collecting', 'active', 'ratified', 'lapsed', 'expired', 'lifted']),
  activated_at: Height.nullable(),
  expires_at: Height.nullable(),
  ratify_by: Height.nullable(),
  proposal_id: z.string().regex(PROPOSAL_ID_RE).nullable(),
  ended_at: Height.nullable(),
});
const EngineStateSchema = z.strictObject({
  chain_id: z.string(),
  height: Height,
  time: z.string().regex(RFC3339_UTC_RE),
  params: z.strictObject({
    faucet: z.boolean(),
    max_expiry_blocks: z.number().int().min(1),
    governance: GOVERNANCE_PARAMS_SCHEMA.optional(),
    emergency: EMERGENCY_PARAMS_SCHEMA.optional(),
  }),
  admins: z.array(KeyId),
  keys: z.record(KeyId, KeyRecordSchema),
  accounts: z.record(KeyId, z.strictObject({ key_id: KeyId, nonce: Height })),
  vaults: z.record(z.string().regex(VAULT_ID_RE), VaultRecordSchema),
  requests: z.record(z.string().regex(REQUEST_ID_RE), WithdrawalRecordSchema),
  proposals: z.record(z.string().regex(PROPOSAL_ID_RE), ProposalRecordSchema).optional(),
  validators: z.record(z.string().regex(/^[0-9a-f]{64}$/), ValidatorRecordSchema).optional(),
  controls: z.record(z.string().regex(CONTROL_ID_RE), ControlRecordSchema).optional(),
  mode: z.strictObject({ degraded: Hold.nullable() }).optional(),
});
export const SnapshotSchema = z.strictObject({
  format: z.literal(SNAPSHOT_FORMAT),
  genesis_hash: z.string().regex(/^[0-9a-f]{64}$/),
  app_hash: z.string().regex(/^[0-9a-f]{64}$/),
  state: EngineStateSchema,
});

/** Cross-record invariants a snapshot must satisfy (ids match their map keys, references resolve). */
export function checkStateConsistency(s: EngineState): void {
  const bad = (m: string): never => {
    throw new CharterError('INVALID_INPUT', `snapshot: ${m}`);
  };
  for (const id of Object.keys(s.keys)) if ((s.keys[id] as { key_id: string }).key_id !== id) bad(`keys.${id} has another key_id`);
  for (const id of Object.keys(s.accounts)) if ((s.accounts[id] as { key_id: string }).key_id !== id) bad(`accounts.${id} has another key_id`);
  for (const id of s.admins) if (lookup(s.keys, id) === undefined) bad(`admin ${id} is not a registered key`);
  for (const id of Object.keys(s.vaults)) {
    const v = s.vaults[id] as VaultRecord;
    if (v.vault_id !== id) bad(`vaults.${id} has another vault_id`);
    if (v.policy.threshold > v.policy.approvers.length) bad(`vaults.${id} threshold exceeds its approvers`);
  }
  for (const id of Object.keys(s.requests)) {
    const r = s.requests[id] as WithdrawalRecord;
    if (r.request_id !== id) bad(`requests.${id} has another request_id`);
    if (lookup(s.vaults, r.vault_id) === undefined) bad(`requests.${id} refers to unknown vault ${r.vault_id}`);
  }
}

/** The stored shapes of a withdrawal request and of a vault policy, for verifiers of the chain's records (evidence bundles). */
export { WithdrawalRecordSchema as WITHDRAWAL_RECORD_SCHEMA };

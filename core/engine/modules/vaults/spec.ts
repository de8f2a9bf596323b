/** The vaults module's declarations: vaults, their policies and funding, and the whitelist actions of governance. */
import { z } from 'zod';
import { defineSpec } from '../../module.js';
import type { ModuleSpec } from '../../module.js';
import { int, str } from '../../schema.js';
import type { VaultPolicy } from '../../types.js';

export interface VaultsTxBodies {
  /** Create a vault with an M-of-N approval policy. Signed by a chain admin. */
  'vault.create': { vault_id: string; name: string; policy: { approvers: string[]; threshold: number } };
  /** Devnet faucet: credit a vault. Signed by a chain admin; only when params.faucet is true. */
  'vault.fund': { vault_id: string; asset: string; amount: string };
  /** Replace a vault's policy (approvers, threshold and the optional controls). Signed by a chain admin. */
  'vault.set_policy': { vault_id: string; policy: VaultPolicy };
}

export interface VaultsActions {
  'whitelist.add': { type: 'whitelist.add'; vault_id: string; destination: string };
  'whitelist.remove': { type: 'whitelist.remove'; vault_id: string; destination: string };
}

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

export const vaultsSpec: ModuleSpec<VaultsTxBodies, VaultsActions> = defineSpec({
  name: 'vaults',
  txs: {
    'vault.create': {
      roles: ['admin'],
      body: z.strictObject({ vault_id: str, name: str, policy: z.strictObject({ approvers: z.array(str).max(256), threshold: int }) }),
      rule: '',
    },
    'vault.fund': { roles: ['admin'], body: z.strictObject({ vault_id: str, asset: str, amount: str }), rule: '' },
    'vault.set_policy': {
      roles: ['admin'],
      body: z.strictObject({ vault_id: str, policy: POLICY_SCHEMA }) as z.ZodType<VaultsTxBodies['vault.set_policy']>,
      rule: '',
    },
  },
  actions: {
    'whitelist.add': { track: 'operational', schema: z.strictObject({ type: z.literal('whitelist.add'), vault_id: str, destination: str }) },
    'whitelist.remove': { track: 'operational', schema: z.strictObject({ type: z.literal('whitelist.remove'), vault_id: str, destination: str }) },
  },
});

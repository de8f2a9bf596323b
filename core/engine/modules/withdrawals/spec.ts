/** The withdrawals module's declarations: requests, approvals, attestations, cancellation. */
import { z } from 'zod';
import { defineSpec } from '../../module.js';
import type { ModuleSpec } from '../../module.js';
import { str } from '../../schema.js';

export interface WithdrawalsTxBodies {
  /** Request a withdrawal. Signed by any active registered key (the initiator). */
  'withdrawal.create': { vault_id: string; asset: string; amount: string; destination: string; memo: string };
  /** Approve a pending withdrawal. Signed by an approver of the vault's policy. */
  'withdrawal.approve': { request_id: string };
  /** Attest a claim for a pending withdrawal. Signed by an attester of the vault's attestation gate. */
  'withdrawal.attest': { request_id: string; attestation_type: string; claim_ref: string };
  /** Cancel a pending (or timelocked) withdrawal. Signed by its initiator, a governance member or an admin. */
  'withdrawal.cancel': { request_id: string; reason: string };
}

export const withdrawalsSpec: ModuleSpec<WithdrawalsTxBodies, object> = defineSpec({
  name: 'withdrawals',
  txs: {
    'withdrawal.create': {
      roles: ['initiator', 'admin'],
      body: z.strictObject({ vault_id: str, asset: str, amount: str, destination: str, memo: str }),
      freezeStops: true,
      rule: 'if the vault has `tx_limits` / `whitelist`, the request must fit them',
    },
    'withdrawal.approve': {
      roles: ['approver'],
      body: z.strictObject({ request_id: str }),
      freezeStops: true,
      rule: "listed in the vault's `policy.approvers`; not the initiator nor a key of the initiator's owner; has not attested the request",
    },
    'withdrawal.attest': {
      roles: ['attester'],
      body: z.strictObject({ request_id: str, attestation_type: str, claim_ref: str }),
      freezeStops: true,
      rule: 'listed in `policy.attestation.attesters`; not the initiator; has not approved the request',
    },
    'withdrawal.cancel': {
      roles: ['initiator', 'governance', 'admin'],
      body: z.strictObject({ request_id: str, reason: str }),
      degradedOk: true,
      rule: '`initiator` only for a request it initiated',
    },
  },
  actions: {},
});

/**
 * The contract's `custody.*` operations. Vaults, withdrawal requests, their pre-check, approvals and cancellation.
 */
import { z } from 'zod';
import { op, type DomainOperations } from '../operation.js';
import {
  Empty,
  TxHash,
  KeyId,
  VaultId,
  RequestId,
  Asset,
  Amount,
  Digest,
  Passphrase,
  Label,
  Height,
  Destination,
  Reason,
  SigningPreview,
  Expected,
} from '../shapes.js';

export const PolicyView = z.object({ approvers: z.array(KeyId), threshold: z.number().int().positive() });

export const VaultView = z.object({
  vaultId: VaultId,
  name: z.string(),
  policy: PolicyView,
  balances: z.record(z.string(), z.string()),
  createdAt: Height,
});
export type VaultView = z.infer<typeof VaultView>;

export const ApprovalView = z.object({ keyId: KeyId, height: Height, txHash: TxHash });

export const RequestView = z.object({
  requestId: RequestId,
  vaultId: VaultId,
  asset: z.string(),
  amount: z.string(),
  destination: z.string(),
  memo: z.string(),
  initiator: KeyId,
  createdAt: Height,
  createdTx: TxHash,
  approvals: z.array(ApprovalView),
  threshold: z.number().int(),
  /** pending: collecting approvals; approved: fully approved, waiting (timelock, velocity, attestation); then executed, failed or cancelled. */
  status: z.enum(['pending', 'approved', 'executed', 'failed', 'cancelled']),
  executedAt: Height.nullable(),
  executedTx: TxHash.nullable(),
  failure: z.string().nullable(),
  /** Who cancelled it (key id), why and when; null unless cancelled. */
  cancelled: z.object({ by: KeyId, reason: z.string(), height: Height }).nullable().default(null),
});
export type RequestView = z.infer<typeof RequestView>;

/** One control's verdict in a pre-check (the engine's simulate, without changing state). */
export const ControlVerdict = z.object({
  control: z.string(),
  status: z.enum(['met', 'not_met', 'waiting', 'not_applicable']),
  detail: z.string(),
  numbers: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
});
export type ControlVerdict = z.infer<typeof ControlVerdict>;

export const Precheck = z.object({
  requestId: RequestId,
  /** Height of the committed state the verdicts were computed on. */
  height: Height,
  /** Whether the request would execute now (all controls met). */
  ok: z.boolean(),
  /** The first blocking code, if any. */
  code: z.string().nullable(),
  controls: z.array(ControlVerdict),
});
export type Precheck = z.infer<typeof Precheck>;

export const operations = {
  'custody.listVaults': op('Vaults with balances and policies', Empty, z.object({ vaults: z.array(VaultView) })),
  'custody.createVault': op(
    'Create a vault with an M-of-N approval policy (registers unregistered approver keys)',
    z
      .object({
        vaultId: VaultId,
        name: Label,
        approvers: z.array(KeyId).min(1).max(32),
        threshold: z.number().int().min(1).max(32),
      })
      .strict(),
    z.object({ vault: VaultView, txHash: TxHash, height: Height }),
    { subject: (i) => `vault ${String(i['vaultId'])}` },
  ),
  'custody.fundVault': op(
    'Devnet faucet: credit a vault with an asset',
    z.object({ vaultId: VaultId, asset: Asset, amount: Amount }).strict(),
    z.object({ vault: VaultView, txHash: TxHash, height: Height }),
    { subject: (i) => `vault ${String(i['vaultId'])}` },
  ),
  'custody.listRequests': op(
    'Withdrawal requests, newest first',
    z.object({ vaultId: VaultId.optional() }).strict(),
    z.object({ requests: z.array(RequestView) }),
  ),
  'custody.getRequest': op('One withdrawal request', z.object({ requestId: RequestId }).strict(), RequestView),
  'custody.createWithdrawal': op(
    'Request a withdrawal, signed by an initiator key',
    z
      .object({
        vaultId: VaultId,
        asset: Asset,
        amount: Amount,
        destination: Destination,
        memo: z.string().max(256).default(''),
        keyId: KeyId,
        /** The key's passphrase or PIN; none for a Ledger key. */
        passphrase: Passphrase.optional(),
      })
      .strict(),
    z.object({ request: RequestView, txHash: TxHash, height: Height }),
    {
      subject: (i, o) => {
        const req = o?.['request'] as { requestId?: string } | undefined;
        return req?.requestId ? `request ${req.requestId}` : `vault ${String(i['vaultId'])}`;
      },
      signer: (i) => i['keyId'],
    },
  ),
  'custody.precheck': op(
    "Every control's verdict for a request, computed by the engine without changing state",
    z.object({ requestId: RequestId }).strict(),
    Precheck,
  ),
  'custody.previewApproval': op(
    'Exactly what an approval would sign: the envelope, its canonical bytes and digest',
    z.object({ requestId: RequestId, keyId: KeyId }).strict(),
    // An approval is always signed by a local approver key, never the devnet admin.
    SigningPreview.omit({ asAdmin: true }),
  ),
  'custody.approve': op(
    'Approve a withdrawal with an approver key; with `expected` (a preview), sign exactly the previewed envelope or nothing',
    z
      .object({
        requestId: RequestId,
        keyId: KeyId,
        /** The key's passphrase or PIN; none for a Ledger key. */
        passphrase: Passphrase.optional(),
        expected: z.object({ nonce: z.number().int().positive(), expiresAt: Height, digest: Digest }).strict().optional(),
      })
      .strict(),
    z.object({ request: RequestView, txHash: TxHash, height: Height }),
    { subject: (i) => `request ${String(i['requestId'])}`, signer: (i) => i['keyId'] },
  ),
  'custody.previewCancel': op(
    'Exactly what cancelling a pending or approved request would sign (withdrawal.cancel with its reason): by a local key (its initiator, or a governance key) or, without keyId, the devnet admin',
    z
      .object({
        requestId: RequestId,
        reason: Reason,
        keyId: KeyId.optional(),
      })
      .strict(),
    SigningPreview,
  ),
  'custody.cancel': op(
    'Cancel a pending or approved withdrawal request with a reason; signed by its initiator, a governance key or (without keyId) the devnet admin; with `expected` (a preview), sign exactly the previewed envelope or nothing',
    z
      .object({
        requestId: RequestId,
        reason: Reason,
        keyId: KeyId.optional(),
        /** The key's passphrase or PIN; none for a Ledger key or the devnet admin. */
        passphrase: Passphrase.optional(),
        expected: Expected.optional(),
      })
      .strict(),
    z.object({ request: RequestView, txHash: TxHash, height: Height }),
    { subject: (i) => `request ${String(i['requestId'])}`, signer: (i) => i['keyId'] },
  ),
} as const satisfies DomainOperations<'custody'>;

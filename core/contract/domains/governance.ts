/**
 * The contract's `governance.*` operations. Governance proposals: list, propose, vote, execute, preview.
 */
import { z } from 'zod';
import { op, type DomainOperations } from '../operation.js';
import { Empty, TxHash, KeyId, Passphrase, Height, SigningPreview, Expected } from '../shapes.js';

export const ProposalView = z.object({
  proposalId: z.string(),
  track: z.enum(['protocol', 'operational']),
  actionType: z.string(),
  /** The proposed action (JSON), as the engine stores it. */
  action: z.unknown(),
  proposer: z.string(),
  createdAt: Height,
  createdTx: z.string(),
  votingEndsAt: Height,
  votes: z.array(z.object({ keyId: z.string(), vote: z.enum(['yes', 'no', 'abstain']), height: Height })),
  status: z.enum(['open', 'passed', 'rejected', 'expired', 'executed']),
  decidedAt: Height.nullable(),
  executableAt: Height.nullable(),
  executedAt: Height.nullable(),
  /** Against the current members; null if the node does not report it. */
  tally: z
    .object({
      members: z.number().int(),
      yes: z.number().int(),
      no: z.number().int(),
      abstain: z.number().int(),
      quorumMet: z.boolean(),
      thresholdMet: z.boolean(),
    })
    .nullable(),
});
export type ProposalView = z.infer<typeof ProposalView>;

/** Who signs a governance transaction: a local key of any backend (with its passphrase or PIN; a Ledger key needs none), or — without keyId — the devnet admin. */
const SignAs = { keyId: KeyId.optional(), passphrase: Passphrase.optional() };
const GovOutcome = z.object({ proposal: ProposalView, txHash: TxHash, height: Height });

export const operations = {
  'governance.list': op('Governance proposals of both tracks with votes and tally, newest first', Empty, z.object({ proposals: z.array(ProposalView) })),
  'governance.propose': op(
    'Draft and sign a proposal (protocol or operational track); the engine validates the action',
    z
      .object({
        track: z.enum(['protocol', 'operational']),
        /** The action, e.g. {"type":"params.set","max_expiry_blocks":500}; see docs/formats/transactions.md. */
        action: z
          .record(z.string(), z.unknown())
          .refine((a) => typeof a['type'] === 'string', 'the action needs a "type"')
          .optional(),
        /** The action as typed (JSON text); the host parses it and refuses text that is not a JSON object with a "type" (INVALID_JSON, INVALID_INPUT). Give exactly one of action and actionJson. */
        actionJson: z
          .string()
          .min(1, 'required')
          .max(16 * 1024)
          .optional(),
        votingPeriodBlocks: z.number().int().positive().max(1_000_000).optional(),
        ...SignAs,
        expected: Expected.optional(),
      })
      .strict()
      .refine((i) => (i.action === undefined) !== (i.actionJson === undefined), 'give exactly one of action and actionJson'),
    GovOutcome,
    {
      subject: (i, o) => {
        const p = o?.['proposal'] as { proposalId?: string } | undefined;
        return p?.proposalId ? `proposal ${p.proposalId}` : `proposal (${String(i['track'])})`;
      },
      signer: (i) => i['keyId'],
    },
  ),
  'governance.vote': op(
    'Sign a vote on an open proposal; with `expected` (a preview), sign exactly the previewed envelope or nothing',
    z.object({ proposalId: z.string().min(1).max(80), vote: z.enum(['yes', 'no', 'abstain']), ...SignAs, expected: Expected.optional() }).strict(),
    GovOutcome,
    { subject: (i) => `proposal ${String(i['proposalId'])}`, signer: (i) => i['keyId'] },
  ),
  'governance.execute': op(
    'Execute a passed proposal once its execution delay is over; with `expected` (a preview), sign exactly the previewed envelope or nothing',
    z.object({ proposalId: z.string().min(1).max(80), ...SignAs, expected: Expected.optional() }).strict(),
    GovOutcome,
    { subject: (i) => `proposal ${String(i['proposalId'])}`, signer: (i) => i['keyId'] },
  ),
  'governance.preview': op(
    'Exactly what a governance vote, execution or proposal would sign, by a local key or (without keyId) the devnet admin',
    z.discriminatedUnion('op', [
      z.object({ op: z.literal('vote'), proposalId: z.string().min(1).max(80), vote: z.enum(['yes', 'no', 'abstain']), keyId: KeyId.optional() }).strict(),
      z.object({ op: z.literal('execute'), proposalId: z.string().min(1).max(80), keyId: KeyId.optional() }).strict(),
      z
        .object({
          op: z.literal('propose'),
          track: z.enum(['protocol', 'operational']),
          action: z
            .record(z.string(), z.unknown())
            .refine((a) => typeof a['type'] === 'string', 'the action needs a "type"')
            .optional(),
          /** The action as typed (JSON text): the host parses it and checks it against the engine's action schema; a refusal is recorded in the audit log. Give exactly one of action and actionJson. */
          actionJson: z
            .string()
            .min(1, 'required')
            .max(16 * 1024)
            .optional(),
          votingPeriodBlocks: z.number().int().positive().max(1_000_000).optional(),
          keyId: KeyId.optional(),
        })
        .strict()
        .refine((i) => (i.action === undefined) !== (i.actionJson === undefined), 'give exactly one of action and actionJson'),
    ]),
    SigningPreview,
    { when: 'refused', subject: (i) => `preview of a governance ${String(i['op'] ?? 'transaction')}` },
  ),
} as const satisfies DomainOperations<'governance'>;

/** The governance module's declarations: proposals, votes, execution, and the protocol track's params.set. */
import { z } from 'zod';
import { defineSpec } from '../../module.js';
import type { ModuleSpec } from '../../module.js';
import { int, str } from '../../schema.js';
import type { GovAction, GovernanceParams, GovTrack } from '../../types.js';

export interface GovernanceTxBodies {
  /** Open a governance proposal on a track. Signed by a governance member. */
  'gov.propose': { track: GovTrack; action: GovAction; voting_period_blocks?: number };
  /** Vote on an open proposal. Signed by a governance member. */
  'gov.vote': { proposal_id: string; vote: 'yes' | 'no' | 'abstain' };
  /** Carry out a passed proposal once its execution delay has passed. Signed by a governance member. */
  'gov.execute': { proposal_id: string };
}

export interface GovernanceActions {
  /** The protocol track's only action. */
  'params.set': { type: 'params.set'; faucet?: boolean; max_expiry_blocks?: number; governance?: GovernanceParams };
}

const FRACTION = z.strictObject({ num: int, den: int });
const TRACK = z.strictObject({ quorum: FRACTION, threshold: FRACTION, voting_period_blocks: int, execution_delay_blocks: int });
export const GOVERNANCE_PARAMS_SCHEMA = z.strictObject({ protocol: TRACK, operational: TRACK, whitelist_delay_blocks: int });

export const governanceSpec: ModuleSpec<GovernanceTxBodies, GovernanceActions> = defineSpec({
  name: 'governance',
  txs: {
    'gov.propose': {
      roles: ['governance'],
      body: ({ actionSchema }) =>
        z.strictObject({ track: z.enum(['protocol', 'operational']), action: actionSchema, voting_period_blocks: int.optional() }) as z.ZodType<
          GovernanceTxBodies['gov.propose']
        >,
      degradedOk: true,
      rule: "the action belongs to the proposal's track; it must be valid now (and is validated again at execution)",
    },
    'gov.vote': {
      roles: ['governance'],
      body: z.strictObject({ proposal_id: str, vote: z.enum(['yes', 'no', 'abstain']) }),
      degradedOk: true,
      rule: 'the proposal is open and in its voting period; one vote per key',
    },
    'gov.execute': {
      roles: ['governance'],
      body: z.strictObject({ proposal_id: str }),
      degradedOk: true,
      rule: 'the proposal passed and its execution delay has ended',
    },
  },
  actions: {
    'params.set': {
      track: 'protocol',
      schema: z.strictObject({
        type: z.literal('params.set'),
        faucet: z.boolean().optional(),
        max_expiry_blocks: int.optional(),
        governance: GOVERNANCE_PARAMS_SCHEMA.optional(),
      }),
    },
  },
});

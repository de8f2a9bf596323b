/** The emergency module's declarations: emergency controls (freeze, quarantine, revoke, degraded mode) and their ratification. */
import { z } from 'zod';
import { defineSpec } from '../../module.js';
import type { ModuleSpec } from '../../module.js';
import { int, str } from '../../schema.js';
import type { EmergencyAction } from '../../types.js';

export interface EmergencyTxBodies {
  /** Propose an emergency control; the proposer's signature counts toward the emergency quorum. Signed by an operator. */
  'emergency.propose': { action: EmergencyAction; reason: string; expires_in_blocks: number };
  /** Co-sign a collecting emergency control. Signed by an operator. */
  'emergency.sign': { control_id: string };
}

export interface EmergencyActions {
  'emergency.ratify': { type: 'emergency.ratify'; control_id: string };
  'emergency.lift': { type: 'emergency.lift'; control_id: string };
}

export const EMERGENCY_PARAMS_SCHEMA = z.strictObject({ quorum: int, max_expiry_blocks: int, ratification_window_blocks: int });

export const EMERGENCY_ACTION_SCHEMA = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('vault.freeze'), vault_id: str }),
  z.strictObject({ type: z.literal('key.quarantine'), key_id: str }),
  z.strictObject({ type: z.literal('key.revoke'), key_id: str }),
  z.strictObject({ type: z.literal('degraded.enter'), vault_id: str.optional() }),
]);

export const emergencySpec: ModuleSpec<EmergencyTxBodies, EmergencyActions> = defineSpec({
  name: 'emergency',
  txs: {
    'emergency.propose': {
      roles: ['operator'],
      body: z.strictObject({ action: EMERGENCY_ACTION_SCHEMA, reason: str, expires_in_blocks: int }) as z.ZodType<EmergencyTxBodies['emergency.propose']>,
      degradedOk: true,
      rule: "the action can take effect now; `expires_in_blocks` within `params.emergency.max_expiry_blocks`; the proposer's signature counts",
    },
    'emergency.sign': {
      roles: ['operator'],
      body: z.strictObject({ control_id: str }),
      degradedOk: true,
      rule: 'the control is collecting; one signature per owner',
    },
  },
  actions: {
    'emergency.ratify': { track: 'operational', schema: z.strictObject({ type: z.literal('emergency.ratify'), control_id: str }) },
    'emergency.lift': { track: 'operational', schema: z.strictObject({ type: z.literal('emergency.lift'), control_id: str }) },
  },
});

/** The validators module's declarations: the consensus validator set, changed by operational proposals only. */
import { z } from 'zod';
import { defineSpec } from '../../module.js';
import type { ModuleSpec } from '../../module.js';
import { int, str } from '../../schema.js';

export interface ValidatorsActions {
  'validator.add': { type: 'validator.add'; public_key: string; power: number; name: string };
  'validator.remove': { type: 'validator.remove'; public_key: string };
}

export const validatorsSpec: ModuleSpec<object, ValidatorsActions> = defineSpec({
  name: 'validators',
  txs: {},
  actions: {
    'validator.add': { track: 'operational', schema: z.strictObject({ type: z.literal('validator.add'), public_key: str, power: int, name: str }) },
    'validator.remove': { track: 'operational', schema: z.strictObject({ type: z.literal('validator.remove'), public_key: str }) },
  },
});

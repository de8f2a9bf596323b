/**
 * The validators module: the consensus validator set, admitted and removed
 * by operational proposals.
 */
import { fromHex } from '../../../codec/index.js';
import { isValidPublicKey } from '../../../crypto/ed25519.js';
import { lookup } from '../../controls.js';
import { labelOk } from '../../genesis.js';
import { defineModule } from '../../module.js';
import type { ActionHandler } from '../../module.js';
import { ev, fail } from '../../shared.js';
import type { ValidatorRecord } from '../../types.js';
import { validatorsSpec } from './spec.js';
import type { ValidatorsActions } from './spec.js';

const validatorAdd: ActionHandler<ValidatorsActions['validator.add']> = (s, _env, a, proposalId, ctx) => {
  if (!/^[0-9a-f]{64}$/.test(a.public_key) || !isValidPublicKey('ed25519', fromHex(a.public_key)))
    fail('INVALID_KEY', 'a validator public_key is an Ed25519 key: 64 lower-case hex digits');
  if (!labelOk(a.name)) fail('INVALID_FIELD', 'name must be 1–64 characters');
  if (!Number.isSafeInteger(a.power) || a.power < 1 || a.power > 1_000_000) fail('INVALID_FIELD', 'power must be 1–1000000');
  const cur = lookup(s.validators, a.public_key);
  if (cur && cur.removed_at === null) fail('INVALID_PROPOSAL', `validator ${a.public_key} is already admitted`);
  const rec: ValidatorRecord = { public_key: a.public_key, name: a.name, power: a.power, added_at: ctx.height, proposal_id: proposalId, removed_at: null };
  return {
    apply: (w) => w.putValidator(rec),
    data: undefined,
    events: [
      ev('security.validator_added', [
        ['public_key', a.public_key],
        ['power', a.power],
        ['proposal_id', proposalId],
      ]),
    ],
  };
};

const validatorRemove: ActionHandler<ValidatorsActions['validator.remove']> = (s, _env, a, proposalId, ctx) => {
  const cur = lookup(s.validators, a.public_key);
  if (!cur || cur.removed_at !== null) fail('INVALID_PROPOSAL', `${JSON.stringify(a.public_key.slice(0, 64))} is not a validator`);
  const rec: ValidatorRecord = { ...cur, removed_at: ctx.height, proposal_id: proposalId };
  return {
    apply: (w) => w.putValidator(rec),
    data: undefined,
    events: [
      ev('security.validator_removed', [
        ['public_key', a.public_key],
        ['proposal_id', proposalId],
      ]),
    ],
  };
};

export const validators = defineModule({
  spec: validatorsSpec,
  txs: {},
  actions: {
    'validator.add': validatorAdd,
    'validator.remove': validatorRemove,
  },
});

/**
 * The engine's modules, one line each (their specs are registered in
 * modules/specs.ts, in the same order), and the order in which their block
 * hooks run before a block's transactions — as a Cosmos SDK app sets the order
 * of its begin-blockers.
 */
import { emergency } from './emergency/index.js';
import { governance } from './governance/index.js';
import { keys } from './keys/index.js';
import { validators } from './validators/index.js';
import { vaults } from './vaults/index.js';
import { withdrawals } from './withdrawals/index.js';

export const MODULES = [governance, validators, keys, vaults, emergency, withdrawals] as const;

/**
 * Block hooks by module name: emergency controls lapse or expire first, then
 * proposals whose voting ended are decided, then due whitelist changes apply,
 * then approved withdrawals execute (under the modes and whitelists now in force).
 */
export const BEGIN_BLOCK_ORDER = ['emergency', 'governance', 'vaults', 'withdrawals'] as const;

/**
 * The body schemas the console and verifiers read, at their historical path:
 * each is declared by its module (core/engine/modules/<domain>/spec.ts) and the
 * governance action union is derived from all of them (modules/specs.ts).
 */
export { POLICY_SCHEMA } from './modules/vaults/spec.js';
export { GOVERNANCE_PARAMS_SCHEMA } from './modules/governance/spec.js';
export { EMERGENCY_ACTION_SCHEMA, EMERGENCY_PARAMS_SCHEMA } from './modules/emergency/spec.js';
export { BODY_SCHEMAS, GOV_ACTION_SCHEMA } from './modules/specs.js';

/**
 * The roles a key can hold. Apart from the rest of core/engine/types.ts so the
 * module specs (core/engine/modules/<domain>/spec.ts) can use them while types.ts
 * derives the transaction types from those specs.
 */
/** The roles a key can hold (docs/policy.md). */
export const ROLES = ['initiator', 'approver', 'attester', 'custodian', 'governance', 'operator', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

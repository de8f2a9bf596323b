/**
 * Every kind of security event the engine emits (ABCI event types without their
 * "security." prefix): the one list the contract's `security.events` filter and
 * the console's kind selector are built from. A unit test checks it against the
 * event types the engine's source emits, so a new kind cannot be left out.
 */
export const SECURITY_EVENT_KINDS = [
  'approvals_lost',
  'control_activated',
  'control_expired',
  'control_lapsed',
  'control_lifted',
  'control_proposed',
  'control_ratified',
  'control_signed',
  'degraded_entered',
  'degraded_exited',
  'key_attested',
  'key_quarantined',
  'key_reinstated',
  'key_released',
  'key_retired',
  'key_revoked',
  'key_rotated',
  'key_rotation_requested',
  'params_changed',
  'policy_changed',
  'proposal_created',
  'proposal_executed',
  'proposal_passed',
  'proposal_rejected',
  'proposal_voted',
  'roles_changed',
  'timelock_started',
  'tx_rejected',
  'validator_added',
  'validator_removed',
  'vault_frozen',
  'vault_unfrozen',
  'velocity_deferred',
  'whitelist_change_scheduled',
  'whitelist_changed',
  'withdrawal_blocked',
  'withdrawal_cancelled',
] as const;

export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/** The ABCI event type of a kind: "security." + kind. */
export const SECURITY_EVENT_TYPE_PREFIX = 'security.';

/** "tx_rejected" or "security.tx_rejected" → the kind, or null if the engine emits no such kind. */
export function securityKindOf(s: string): SecurityEventKind | null {
  const k = s.startsWith(SECURITY_EVENT_TYPE_PREFIX) ? s.slice(SECURITY_EVENT_TYPE_PREFIX.length) : s;
  return (SECURITY_EVENT_KINDS as readonly string[]).includes(k) ? (k as SecurityEventKind) : null;
}

/**
 * Checks the custody dialogs make before anything is signed or a passphrase is
 * asked, and the choices they offer. Pure functions of what the console already
 * knows (vault balances, the chosen approvers, the engine's own tables), so the
 * user hears "no" at once instead of after typing a passphrase; the engine
 * still checks everything again.
 */
import type { KeyView, RequestView, SerializedError } from '../../../core/contract/index.js';
import { GOV_ACTION_SCHEMA } from '../../../core/engine/bodies.js';
import { GOV_ACTION_TRACK } from '../../../core/engine/types.js';
import { compareBaseUnits, formatAmount } from './amounts.js';

/** Why the amount cannot be requested from this vault, checked before any passphrase is asked; null if it can. */
export function amountProblem(amount: string, asset: string, balances: Record<string, string>): string | null {
  const a = amount.trim();
  if (a === '') return null;
  if (!/^[0-9]+$/.test(a)) return 'Type a whole number of base units (digits only).';
  if (/^0+$/.test(a)) return 'The amount must be more than zero.';
  if (!asset) return null;
  const held = balances[asset] ?? '0';
  if (compareBaseUnits(a, held) > 0) {
    return held === '0' ? `The vault holds no ${asset}.` : `More than the vault holds: it has ${formatAmount(held, asset)} (${held} base units).`;
  }
  return null;
}

/** Why a threshold cannot work with this many approvers, or null if it can. */
export function thresholdProblemOf(threshold: number, approvers: number): string | null {
  if (!Number.isInteger(threshold) || threshold < 1) return 'The threshold is a whole number of at least 1.';
  if (approvers > 0 && threshold > approvers) {
    return `A threshold of ${threshold} needs at least ${threshold} approvers; ${approvers === 1 ? '1 is' : `${approvers} are`} chosen. Lower the threshold or choose more approvers.`;
  }
  return null;
}

/**
 * Why a local key may not cancel this request (docs/policy.md: its initiator,
 * a governance member or an admin), or null if it may. The engine decides; this
 * only keeps keys that would be refused out of the way.
 */
export function cancelIneligibility(k: KeyView, r: RequestView): string | null {
  if (k.onChain !== 'active' && k.onChain !== 'unknown') return `on-chain status: ${k.onChain}`;
  if (r.initiator === k.keyId) return null;
  if (k.roles.includes('governance')) return null;
  return 'neither the initiator of this request nor a governance key';
}

/**
 * Why a local key cannot initiate a withdrawal, or null if it may: the engine takes a
 * request only from an active key with the initiator role (a new key holds it once
 * registered). A key whose on-chain state is unknown (no node) is not held back.
 */
export function initiatorIneligibility(k: KeyView): string | null {
  if (k.onChain === 'unknown') return null;
  if (k.onChain === 'unregistered') return 'not registered on chain (add it to a vault, or register it in the Keys view)';
  if (k.onChain !== 'active') return `on-chain status: ${k.onChain}`;
  if (!k.roles.includes('initiator')) return 'no initiator role';
  return null;
}

/** The tracks an action may be proposed on: exactly the engine's one (a proposal on another is refused as INVALID_PROPOSAL). */
export function tracksFor(action: string): ('protocol' | 'operational')[] {
  const t = (GOV_ACTION_TRACK as Record<string, 'protocol' | 'operational' | undefined>)[action];
  return t ? [t] : [];
}

/**
 * Check the action before anything is signed, with the engine's own body schema
 * (core/engine/bodies.ts): JSON, a known type matching the chosen action, its fields.
 */
export function actionProblem(text: string, chosen: string): { action: Record<string, unknown> } | { error: SerializedError } {
  let action: unknown;
  try {
    action = JSON.parse(text);
  } catch (err) {
    return {
      error: {
        code: 'INVALID_INPUT',
        message: `The action is not valid JSON: ${(err as Error).message}`,
        hint: "Fix the JSON; the template shows the action's fields.",
      },
    };
  }
  if (action === null || typeof action !== 'object' || Array.isArray(action)) {
    return { error: { code: 'INVALID_INPUT', message: 'The action must be a JSON object with a "type".', hint: 'Start again from the template.' } };
  }
  const type = (action as { type?: unknown }).type;
  if (type !== chosen) {
    return {
      error: {
        code: 'INVALID_INPUT',
        message: `The action's "type" is ${JSON.stringify(type)}, but ${chosen} is chosen.`,
        hint: 'Choose the action in the list, or fix the "type" field.',
      },
    };
  }
  const parsed = GOV_ACTION_SCHEMA.safeParse(action);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const missing = /expected (\w+), received undefined/.exec(i.message);
      return `${i.path.join('.') || 'action'}: ${missing ? `required (a ${missing[1]})` : i.message}`;
    });
    return {
      error: {
        code: 'INVALID_INPUT',
        message: `The ${chosen} action is not valid: ${problems.join('; ')}.`,
        hint: "docs/formats/transactions.md lists each action's fields.",
      },
    };
  }
  return { action: action as Record<string, unknown> };
}

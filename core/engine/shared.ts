/**
 * Helpers shared by the engine's modules (core/engine/modules/<domain>/): events,
 * failures, the id and field formats, and the cross-cutting rules every
 * module's transactions meet (roles, the degraded and frozen modes). Modules
 * do not import each other; what two of them need lives here.
 */
import { CharterError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { keyOf, lookup } from './controls.js';
import type { AbciEvent, EngineState, Role, VaultRecord } from './types.js';

export const VAULT_ID_RE = /^[a-z0-9][a-z0-9-]{1,31}$/;
export const ASSET_RE = /^[A-Z0-9][A-Z0-9.-]{0,15}$/;
export const AMOUNT_RE = /^[1-9][0-9]{0,30}$/;
export const DESTINATION_RE = /^[\x21-\x7e]{1,128}$/;
export const REQUEST_ID_RE = /^wr-[0-9a-f]{24}$/;
export const PROPOSAL_ID_RE = /^gp-[0-9a-f]{24}$/;
export const CONTROL_ID_RE = /^ec-[0-9a-f]{24}$/;
export const ATTESTATION_TYPE_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MAX_APPROVERS = 32;
export const MAX_MEMO_CHARS = 256;
export const MAX_REASON_CHARS = 256;
/** Roles a newly registered key holds until key.set_roles changes them. */
export const DEFAULT_KEY_ROLES: readonly Role[] = ['approver', 'initiator'];

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export function ev(type: string, attrs: [string, string | number][]): AbciEvent {
  return { type, attributes: attrs.map(([key, value]) => ({ key, value: String(value) })) };
}

export function fail(code: ErrorCode, message: string): never {
  throw new CharterError(code, message);
}

export function chars(s: string): number {
  return [...s].length;
}

export function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

export function checkAsset(asset: string): void {
  if (!ASSET_RE.test(asset))
    fail('INVALID_ASSET', `${JSON.stringify(asset.slice(0, 32))} is not an asset symbol (1–16 characters: A–Z, 0–9, "." or "-", starting with A–Z or 0–9)`);
}

export function checkAmount(amount: string): void {
  if (!AMOUNT_RE.test(amount))
    fail('INVALID_AMOUNT', `${JSON.stringify(amount.slice(0, 40))} is not a positive whole number of base units (1–31 decimal digits, no leading zero)`);
}

/** Roles a key holds: its roles, plus "admin" for chain admins. */
export function rolesOf(s: EngineState, id: string): Set<string> {
  const k = keyOf(s, id);
  const out = new Set<string>(k ? k.roles : []);
  if (s.admins.includes(id)) out.add('admin');
  return out;
}

/** Whether the block may execute requests of this vault now (no degraded mode, no freeze). */
export function vaultMoves(s: EngineState, v: VaultRecord): boolean {
  return !s.mode?.degraded && !v.degraded && !v.frozen;
}

/** The vault a transaction body names (directly or through its request), if any. */
export function vaultOfBody(s: EngineState, body: unknown): VaultRecord | undefined {
  const b = body as { vault_id?: unknown; request_id?: unknown };
  if (typeof b.vault_id === 'string') return lookup(s.vaults, b.vault_id);
  if (typeof b.request_id === 'string') {
    const r = lookup(s.requests, b.request_id);
    return r ? lookup(s.vaults, r.vault_id) : undefined;
  }
  return undefined;
}

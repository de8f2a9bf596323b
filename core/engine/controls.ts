/**
 * The policy controls as pure functions of the state: who counts toward a
 * threshold (roles, owners, quarantine), the attestation gate, limits,
 * velocity and the whitelist. The engine enforces them; simulate() reports
 * them. Nothing here writes.
 */
import type { EngineState, KeyRecord, VaultPolicy, VaultRecord, WithdrawalRecord } from './types.js';

function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/**
 * The value under `k` in a state map, or undefined. Maps of a working state
 * are copy-on-write overlays whose prototype is the committed map, so this
 * looks at own properties along the chain, never at Object.prototype.
 */
export function lookup<V>(map: Record<string, V>, k: string): V | undefined {
  // Fast path: the engine's native property lookup walks the same chain. What
  // it could find on Object.prototype is a function (the state's values are
  // records, never functions), except "__proto__", which takes the slow path.
  if (k !== '__proto__') {
    const v = (map as Record<string, unknown>)[k];
    return typeof v === 'function' ? undefined : (v as V | undefined);
  }
  let o: object | null = map;
  while (o !== null && o !== Object.prototype) {
    if (hasOwn(o, k)) return (o as Record<string, V>)[k];
    o = Object.getPrototypeOf(o) as object | null;
  }
  return undefined;
}

export function keyOf(s: EngineState, id: string): KeyRecord | undefined {
  return lookup(s.keys, id);
}

/** The owner a key counts as: its `owner`, or itself. */
export function ownerOf(s: EngineState, id: string): string {
  const k = keyOf(s, id);
  return k?.owner ?? `key:${id}`;
}

/** Whether a key's approvals and attestations count now: active (not quarantined, revoked, retired). */
export function keyCounts(s: EngineState, id: string): boolean {
  return notCounting(s, id) === null;
}

/**
 * Why a key's approvals and attestations do not count now, or null when they do:
 * its status (quarantined, revoked, retired), "unknown", or "revalidation_due"
 * when the height of the state is past its attestation's re-validation deadline.
 */
export function notCounting(s: EngineState, id: string): string | null {
  const k = keyOf(s, id);
  if (!k) return 'unknown';
  if (k.status !== 'active') return k.status;
  if (k.attestation && s.height > k.attestation.revalidate_by) return 'revalidation_due';
  return null;
}

export interface Tally {
  weight: number;
  threshold: number;
  counted: string[];
  ignored: { key_id: string; why: string }[];
}

/** The approvals of `req` that count toward the vault's threshold now. */
export function approvalTally(s: EngineState, vault: VaultRecord, req: WithdrawalRecord): Tally {
  const p = vault.policy;
  const initiatorOwner = ownerOf(s, req.initiator);
  const owners = new Set<string>();
  const out: Tally = { weight: 0, threshold: p.threshold, counted: [], ignored: [] };
  for (const a of req.approvals) {
    const why = notCounting(s, a.key_id);
    if (why !== null) {
      out.ignored.push({ key_id: a.key_id, why });
      continue;
    }
    if (!p.approvers.includes(a.key_id)) {
      out.ignored.push({ key_id: a.key_id, why: 'not_an_approver' });
      continue;
    }
    const owner = ownerOf(s, a.key_id);
    if (owner === initiatorOwner) {
      out.ignored.push({ key_id: a.key_id, why: 'same_owner_as_initiator' });
      continue;
    }
    if (owners.has(owner)) {
      out.ignored.push({ key_id: a.key_id, why: 'same_owner' });
      continue;
    }
    owners.add(owner);
    out.counted.push(a.key_id);
    out.weight += weightOf(p, a.key_id);
  }
  return out;
}

export function weightOf(p: VaultPolicy, keyId: string): number {
  return p.weights && hasOwn(p.weights, keyId) ? (p.weights[keyId] as number) : 1;
}

/** Attestations that count toward the gate now (distinct active attesters of distinct owners, the right type). */
export function attestationTally(s: EngineState, vault: VaultRecord, req: WithdrawalRecord): Tally | null {
  const gate = vault.policy.attestation;
  if (!gate) return null;
  const owners = new Set<string>();
  const out: Tally = { weight: 0, threshold: gate.threshold, counted: [], ignored: [] };
  for (const a of req.attestations ?? []) {
    if (a.attestation_type !== gate.type) {
      out.ignored.push({ key_id: a.key_id, why: 'wrong_type' });
      continue;
    }
    if (!keyCounts(s, a.key_id)) {
      out.ignored.push({ key_id: a.key_id, why: notCounting(s, a.key_id) ?? 'unknown' });
      continue;
    }
    if (!gate.attesters.includes(a.key_id)) {
      out.ignored.push({ key_id: a.key_id, why: 'not_an_attester' });
      continue;
    }
    const owner = ownerOf(s, a.key_id);
    if (owners.has(owner)) {
      out.ignored.push({ key_id: a.key_id, why: 'same_owner' });
      continue;
    }
    owners.add(owner);
    out.counted.push(a.key_id);
    out.weight += 1;
  }
  return out;
}

/** Seconds since the epoch of an RFC 3339 UTC block time (fraction dropped). Pure: no clock. */
export function timeSeconds(t: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(t);
  if (!m) return 0;
  const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
  return Math.floor(Date.UTC(y as number, (mo as number) - 1, d as number, h as number, mi as number, Math.min(se as number, 59)) / 1000);
}

export interface VelocityUse {
  window_seconds: number;
  used_amount: bigint;
  used_count: number;
  max_amount: bigint | null;
  max_count: number | null;
  /** The spent list pruned to the window at `now`. */
  kept: [number, string][];
}

/** Velocity usage of (vault, asset) at block time `now` (seconds), or null when the policy has no velocity limit for the asset. */
export function velocityUse(vault: VaultRecord, asset: string, now: number): VelocityUse | null {
  const v = vault.policy.velocity;
  if (!v || !hasOwn(v, asset)) return null;
  const cfg = v[asset] as { window_seconds: number; max_amount?: string; max_count?: number };
  const list = vault.spent && hasOwn(vault.spent, asset) ? (vault.spent[asset] as [number, string][]) : [];
  const kept = list.filter(([t]) => t > now - cfg.window_seconds);
  let used = 0n;
  for (const [, a] of kept) used += BigInt(a);
  return {
    window_seconds: cfg.window_seconds,
    used_amount: used,
    used_count: kept.length,
    max_amount: cfg.max_amount === undefined ? null : BigInt(cfg.max_amount),
    max_count: cfg.max_count === undefined ? null : cfg.max_count,
    kept,
  };
}

/** Whether one more withdrawal of `amount` fits the velocity limit. */
export function velocityRoom(u: VelocityUse | null, amount: bigint): boolean {
  if (!u) return true;
  if (u.max_amount !== null && u.used_amount + amount > u.max_amount) return false;
  if (u.max_count !== null && u.used_count + 1 > u.max_count) return false;
  return true;
}

export function txLimitOf(vault: VaultRecord, asset: string): bigint | null {
  const l = vault.policy.tx_limits;
  return l && hasOwn(l, asset) ? BigInt(l[asset] as string) : null;
}

export function whitelisted(vault: VaultRecord, destination: string): boolean {
  const w = vault.policy.whitelist;
  return !w || w.includes(destination);
}

/**
 * The vaults module: vaults, their policies (the opt-in controls) and the
 * devnet faucet; the whitelist actions of governance and the block-level
 * application of whitelist changes when due.
 */
import { KEY_ID_RE } from '../../../tx/codec.js';
import { keyOf, lookup } from '../../controls.js';
import { governanceOf, labelOk } from '../../genesis.js';
import { defineModule } from '../../module.js';
import type { ActionHandler } from '../../module.js';
import {
  AMOUNT_RE,
  ASSET_RE,
  ATTESTATION_TYPE_RE,
  checkAmount,
  checkAsset,
  DESTINATION_RE,
  ev,
  fail,
  hasOwn,
  MAX_APPROVERS,
  VAULT_ID_RE,
} from '../../shared.js';
import { compareUtf8 } from '../../state-root.js';
import type { AbciEvent, EngineState, SignedEnvelope, VaultPolicy, VaultRecord } from '../../types.js';
import type { Effect, TxContext, Work } from '../../work.js';
import { vaultsSpec } from './spec.js';
import type { VaultsActions } from './spec.js';

function checkPolicy(s: EngineState, p: VaultPolicy): VaultPolicy {
  const { approvers, threshold } = p;
  if (approvers.length < 1 || approvers.length > MAX_APPROVERS) fail('INVALID_POLICY', `a policy has 1–${MAX_APPROVERS} approvers, not ${approvers.length}`);
  const seen = new Set<string>();
  for (const a of approvers) {
    if (!KEY_ID_RE.test(a)) fail('INVALID_POLICY', `approver ${JSON.stringify(a.slice(0, 48))} is not a key id`);
    if (seen.has(a)) fail('INVALID_POLICY', `approver ${a} is listed twice`);
    seen.add(a);
    const k = keyOf(s, a);
    if (!k) fail('INVALID_POLICY', `approver ${a} is not a registered key`);
    if (k.status !== 'active') fail('INVALID_POLICY', `approver ${a} is ${k.status}, not active`);
  }
  const out: VaultPolicy = { approvers: [...approvers], threshold };
  let total = approvers.length;
  if (p.weights !== undefined) {
    total = 0;
    const w: Record<string, number> = {};
    for (const id of Object.keys(p.weights).sort(compareUtf8)) {
      const n = p.weights[id] as number;
      if (!seen.has(id)) fail('INVALID_POLICY', `weights name ${JSON.stringify(id.slice(0, 48))}, which is not an approver`);
      if (!Number.isSafeInteger(n) || n < 1 || n > 1000) fail('INVALID_POLICY', `weight of ${id} must be 1–1000`);
      w[id] = n;
    }
    for (const a of approvers) total += hasOwn(w, a) ? (w[a] as number) : 1;
    out.weights = w;
  }
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > total) {
    fail('INVALID_POLICY', `threshold ${threshold} is not between 1 and ${total}${p.weights ? ' (total weight)' : ''}`);
  }
  if (p.timelock_blocks !== undefined) {
    if (!Number.isSafeInteger(p.timelock_blocks) || p.timelock_blocks > 1_000_000) fail('INVALID_POLICY', 'timelock_blocks must be 0–1000000');
    if (p.timelock_blocks > 0) out.timelock_blocks = p.timelock_blocks;
  }
  if (p.tx_limits !== undefined) {
    const l: Record<string, string> = {};
    for (const a of Object.keys(p.tx_limits).sort(compareUtf8)) {
      if (!ASSET_RE.test(a)) fail('INVALID_POLICY', `tx_limits: ${JSON.stringify(a.slice(0, 32))} is not an asset`);
      if (!AMOUNT_RE.test(p.tx_limits[a] as string)) fail('INVALID_POLICY', `tx_limits.${a} is not a positive amount`);
      l[a] = p.tx_limits[a] as string;
    }
    out.tx_limits = l;
  }
  if (p.velocity !== undefined) {
    const v: NonNullable<VaultPolicy['velocity']> = {};
    for (const a of Object.keys(p.velocity).sort(compareUtf8)) {
      const c = p.velocity[a] as { window_seconds: number; max_amount?: string; max_count?: number };
      if (!ASSET_RE.test(a)) fail('INVALID_POLICY', `velocity: ${JSON.stringify(a.slice(0, 32))} is not an asset`);
      if (!Number.isSafeInteger(c.window_seconds) || c.window_seconds < 1 || c.window_seconds > 366 * 86400)
        fail('INVALID_POLICY', `velocity.${a}.window_seconds must be 1–${366 * 86400}`);
      if (c.max_amount === undefined && c.max_count === undefined) fail('INVALID_POLICY', `velocity.${a} needs max_amount or max_count`);
      if (c.max_amount !== undefined && !AMOUNT_RE.test(c.max_amount)) fail('INVALID_POLICY', `velocity.${a}.max_amount is not a positive amount`);
      if (c.max_count !== undefined && (!Number.isSafeInteger(c.max_count) || c.max_count < 1 || c.max_count > 100000))
        fail('INVALID_POLICY', `velocity.${a}.max_count must be 1–100000`);
      v[a] = {
        window_seconds: c.window_seconds,
        ...(c.max_amount !== undefined ? { max_amount: c.max_amount } : {}),
        ...(c.max_count !== undefined ? { max_count: c.max_count } : {}),
      };
    }
    out.velocity = v;
  }
  if (p.whitelist !== undefined) {
    const wl = [...new Set(p.whitelist)].sort(compareUtf8);
    for (const d of wl) if (!DESTINATION_RE.test(d)) fail('INVALID_POLICY', `whitelist entry ${JSON.stringify(d.slice(0, 64))} is not a destination`);
    out.whitelist = wl;
  }
  if (p.attestation !== undefined) {
    const g = p.attestation;
    if (!ATTESTATION_TYPE_RE.test(g.type)) fail('INVALID_POLICY', 'attestation.type must be 1–64 characters a–z 0–9 . _ -');
    const at = [...new Set(g.attesters)];
    if (at.length !== g.attesters.length || at.length < 1 || at.length > MAX_APPROVERS)
      fail('INVALID_POLICY', `attestation.attesters: 1–${MAX_APPROVERS} distinct keys`);
    for (const a of at) {
      const k = keyOf(s, a);
      if (!k) fail('INVALID_POLICY', `attester ${JSON.stringify(a.slice(0, 48))} is not a registered key`);
    }
    if (!Number.isSafeInteger(g.threshold) || g.threshold < 1 || g.threshold > at.length)
      fail('INVALID_POLICY', `attestation.threshold must be 1–${at.length}`);
    out.attestation = { type: g.type, attesters: at, threshold: g.threshold };
  }
  return out;
}

function vaultCreate(s: EngineState, env: SignedEnvelope<'vault.create'>, ctx: TxContext): Effect {
  const b = env.body;
  if (!VAULT_ID_RE.test(b.vault_id)) fail('INVALID_FIELD', 'vault_id must be 2–32 characters: a–z, 0–9 or "-", starting with a letter or digit');
  if (!labelOk(b.name)) fail('INVALID_FIELD', 'name must be 1–64 characters');
  if (lookup(s.vaults, b.vault_id) !== undefined) fail('VAULT_EXISTS', `vault ${b.vault_id} already exists`);
  const policy = checkPolicy(s, { approvers: b.policy.approvers, threshold: b.policy.threshold });
  const vault: VaultRecord = { vault_id: b.vault_id, name: b.name, policy, balances: {}, created_at: ctx.height };
  return {
    apply: (w) => w.putVault(vault),
    data: { vault_id: b.vault_id },
    events: [
      ev('custody.vault_created', [
        ['vault_id', b.vault_id],
        ['threshold', policy.threshold],
        ['approvers', policy.approvers.join(',')],
        ['created_by', env.signer],
      ]),
    ],
  };
}

function vaultSetPolicy(s: EngineState, env: SignedEnvelope<'vault.set_policy'>): Effect {
  const b = env.body;
  const vault = lookup(s.vaults, b.vault_id);
  if (!vault) fail('VAULT_NOT_FOUND', `no vault ${JSON.stringify(b.vault_id.slice(0, 64))}`);
  const policy = checkPolicy(s, b.policy);
  const rec: VaultRecord = { ...vault, policy };
  if (!policy.velocity) delete rec.spent;
  return {
    apply: (w) => w.putVault(rec),
    data: { vault_id: b.vault_id, policy },
    events: [
      ev('security.policy_changed', [
        ['vault_id', b.vault_id],
        ['threshold', policy.threshold],
        ['controls', controlNames(policy).join(',')],
        ['by', env.signer],
      ]),
    ],
  };
}

function controlNames(p: VaultPolicy): string[] {
  const out = ['threshold'];
  if (p.weights) out.push('weights');
  if (p.timelock_blocks) out.push('timelock');
  if (p.tx_limits) out.push('tx_limit');
  if (p.velocity) out.push('velocity');
  if (p.whitelist) out.push('whitelist');
  if (p.attestation) out.push('attestation');
  return out;
}

function vaultFund(s: EngineState, env: SignedEnvelope<'vault.fund'>): Effect {
  if (!s.params.faucet) fail('FAUCET_DISABLED', 'this chain has no faucet (params.faucet is false)');
  const b = env.body;
  const vault = lookup(s.vaults, b.vault_id);
  if (!vault) fail('VAULT_NOT_FOUND', `no vault ${JSON.stringify(b.vault_id)}`);
  checkAsset(b.asset);
  checkAmount(b.amount);
  const balance = (hasOwn(vault.balances, b.asset) ? BigInt(vault.balances[b.asset] as string) : 0n) + BigInt(b.amount);
  const next = balance.toString();
  const rec: VaultRecord = { ...vault, balances: { ...vault.balances, [b.asset]: next } };
  return {
    apply: (w) => w.putVault(rec),
    data: { vault_id: b.vault_id, asset: b.asset, balance: next },
    events: [
      ev('custody.vault_funded', [
        ['vault_id', b.vault_id],
        ['asset', b.asset],
        ['amount', b.amount],
        ['balance', next],
        ['funded_by', env.signer],
      ]),
    ],
  };
}

/** whitelist.add / whitelist.remove: a change scheduled whitelist_delay_blocks after execution. */
const whitelistAction: ActionHandler<VaultsActions['whitelist.add'] | VaultsActions['whitelist.remove']> = (s, _env, a, proposalId, ctx) => {
  const vault = lookup(s.vaults, a.vault_id);
  if (!vault) fail('VAULT_NOT_FOUND', `no vault ${JSON.stringify(a.vault_id.slice(0, 64))}`);
  if (!DESTINATION_RE.test(a.destination)) fail('INVALID_DESTINATION', `${JSON.stringify(a.destination.slice(0, 64))} is not a destination`);
  const op = a.type === 'whitelist.add' ? 'add' : 'remove';
  const apply_at = ctx.height + governanceOf(s.params).whitelist_delay_blocks;
  const rec: VaultRecord = {
    ...vault,
    pending_whitelist: [...(vault.pending_whitelist ?? []), { op, destination: a.destination, apply_at, proposal_id: proposalId }],
  };
  return {
    apply: (w) => w.putVault(rec),
    data: { apply_at },
    events: [
      ev('security.whitelist_change_scheduled', [
        ['vault_id', a.vault_id],
        ['op', op],
        ['destination', a.destination],
        ['apply_at', apply_at],
        ['proposal_id', proposalId],
      ]),
    ],
  };
};

/** Block-level: whitelist changes that are due. */
function runWhitelistDue(w: Work, height: number): AbciEvent[] {
  const events: AbciEvent[] = [];
  if (w.wl.size === 0) return events;
  for (const vid of [...w.wl].sort(compareUtf8)) {
    const v = w.s.vaults[vid] as VaultRecord;
    const all = v.pending_whitelist ?? [];
    const due = all.filter((c) => c.apply_at <= height);
    if (due.length === 0) continue;
    let list = [...(v.policy.whitelist ?? [])];
    for (const c of due) {
      list = c.op === 'add' ? [...new Set([...list, c.destination])].sort(compareUtf8) : list.filter((d) => d !== c.destination);
      events.push(
        ev('security.whitelist_changed', [
          ['vault_id', vid],
          ['op', c.op],
          ['destination', c.destination],
          ['proposal_id', c.proposal_id],
        ]),
      );
    }
    const rec: VaultRecord = { ...v, policy: { ...v.policy, whitelist: list } };
    const rest = all.filter((c) => c.apply_at > height);
    if (rest.length > 0) rec.pending_whitelist = rest;
    else delete rec.pending_whitelist;
    w.putVault(rec);
  }
  return events;
}

export const vaults = defineModule({
  spec: vaultsSpec,
  txs: {
    'vault.create': vaultCreate,
    'vault.fund': vaultFund,
    'vault.set_policy': vaultSetPolicy,
  },
  actions: {
    'whitelist.add': whitelistAction,
    'whitelist.remove': whitelistAction,
  },
  beginBlock: runWhitelistDue,
});

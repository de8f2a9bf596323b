/**
 * The withdrawals module: requests, approvals, attestations and cancellation,
 * the decision of what happens to a request (wait, timelock, execute, fail),
 * and the block-level execution of approved requests when due.
 */
import type { ErrorCode } from '../../../errors.js';
import { toHex } from '../../../codec/index.js';
import { requestIdOf, unsignedOf } from '../../../tx/codec.js';
import type { Tally } from '../../controls.js';
import { approvalTally, attestationTally, lookup, ownerOf, txLimitOf, velocityRoom, velocityUse, whitelisted } from '../../controls.js';
import { defineModule } from '../../module.js';
import { chars, checkAmount, checkAsset, DESTINATION_RE, ev, fail, hasOwn, MAX_MEMO_CHARS, MAX_REASON_CHARS, rolesOf, vaultMoves } from '../../shared.js';
import { compareUtf8 } from '../../state-root.js';
import type { AbciEvent, EngineState, SignedEnvelope, UnsignedEnvelope, VaultRecord, WithdrawalRecord } from '../../types.js';
import type { Effect, TxContext, Work } from '../../work.js';
import { withdrawalsSpec } from './spec.js';

function withdrawalCreate(s: EngineState, env: SignedEnvelope<'withdrawal.create'>, ctx: TxContext): Effect {
  const b = env.body;
  const vault = lookup(s.vaults, b.vault_id);
  if (!vault) fail('VAULT_NOT_FOUND', `no vault ${JSON.stringify(b.vault_id)}`);
  checkAsset(b.asset);
  checkAmount(b.amount);
  if (!DESTINATION_RE.test(b.destination)) fail('INVALID_DESTINATION', 'destination must be 1–128 printable ASCII characters without spaces');
  if (chars(b.memo) > MAX_MEMO_CHARS) fail('INVALID_FIELD', `memo is longer than ${MAX_MEMO_CHARS} characters`);
  const amount = BigInt(b.amount);
  const limit = txLimitOf(vault, b.asset);
  if (limit !== null && amount > limit)
    fail('LIMIT_EXCEEDED', `vault ${b.vault_id} allows at most ${limit} ${b.asset} per withdrawal; the request is for ${b.amount}`);
  if (!whitelisted(vault, b.destination)) fail('DESTINATION_NOT_WHITELISTED', `destination ${b.destination} is not on the whitelist of vault ${b.vault_id}`);
  const balance = hasOwn(vault.balances, b.asset) ? BigInt(vault.balances[b.asset] as string) : 0n;
  if (amount > balance) fail('INSUFFICIENT_BALANCE', `vault ${b.vault_id} holds ${balance} ${b.asset}; the request is for ${b.amount}`);
  const id = ctx.digest !== undefined ? 'wr-' + toHex(ctx.digest).slice(0, 24) : requestIdOf(unsignedOf(env) as UnsignedEnvelope<'withdrawal.create'>);
  if (lookup(s.requests, id) !== undefined) fail('REQUEST_EXISTS', `request ${id} already exists`);
  const record: WithdrawalRecord = {
    request_id: id,
    vault_id: b.vault_id,
    asset: b.asset,
    amount: b.amount,
    destination: b.destination,
    memo: b.memo,
    initiator: env.signer,
    created_at: ctx.height,
    created_tx: ctx.txHash,
    approvals: [],
    status: 'pending',
    executed_at: null,
    executed_tx: null,
    failure: null,
  };
  if (vault.policy.attestation) record.attestations = [];
  return {
    apply: (w) => w.putRequest(record),
    data: { request_id: id },
    events: [
      ev('custody.withdrawal_created', [
        ['request_id', id],
        ['vault_id', b.vault_id],
        ['asset', b.asset],
        ['amount', b.amount],
        ['destination', b.destination],
        ['initiator', env.signer],
      ]),
    ],
  };
}

function pendingRequest(s: EngineState, id: string): { req: WithdrawalRecord; vault: VaultRecord } {
  const req = lookup(s.requests, id);
  if (!req) fail('REQUEST_NOT_FOUND', `no withdrawal request ${JSON.stringify(id.slice(0, 64))}`);
  if (req.status !== 'pending') fail('REQUEST_NOT_PENDING', `request ${id} is ${req.status}`);
  return { req, vault: s.vaults[req.vault_id] as VaultRecord };
}

function withdrawalApprove(s: EngineState, env: SignedEnvelope<'withdrawal.approve'>, ctx: TxContext): Effect {
  const id = env.body.request_id;
  const { req, vault } = pendingRequest(s, id);
  if (!vault.policy.approvers.includes(env.signer)) fail('NOT_AN_APPROVER', `key ${env.signer} is not an approver of vault ${vault.vault_id}`);
  if (req.approvals.some((a) => a.key_id === env.signer)) fail('DUPLICATE_APPROVAL', `key ${env.signer} has already approved request ${id}`);
  if (req.initiator === env.signer || ownerOf(s, req.initiator) === ownerOf(s, env.signer)) {
    fail('SELF_APPROVAL', `key ${env.signer} initiated request ${id} (or shares its owner) and may not approve it`);
  }
  if ((req.attestations ?? []).some((a) => a.key_id === env.signer))
    fail('ROLE_CONFLICT', `key ${env.signer} attested request ${id} and may not also approve it`);
  const next: WithdrawalRecord = { ...req, approvals: [...req.approvals, { key_id: env.signer, height: ctx.height, tx_hash: ctx.txHash }] };
  const t = approvalTally(s, vault, next);
  const events: AbciEvent[] = [
    ev('custody.withdrawal_approved', [
      ['request_id', id],
      ['approver', env.signer],
      ['approvals', t.counted.length],
      ['threshold', t.threshold],
      ['weight', t.weight],
    ]),
  ];
  const out = decide(s, vault, next, ctx, ctx.txHash, t);
  return {
    apply: (w) => {
      if (out.kind === 'wait') w.putRequest(next);
      else out.apply(w);
    },
    data: { request_id: id, status: out.kind === 'wait' ? 'pending' : out.status },
    events: [...events, ...out.events],
  };
}

function withdrawalAttest(s: EngineState, env: SignedEnvelope<'withdrawal.attest'>, ctx: TxContext): Effect {
  const b = env.body;
  const { req, vault } = pendingRequest(s, b.request_id);
  const gate = vault.policy.attestation;
  if (!gate || b.attestation_type !== gate.type)
    fail(
      'WRONG_ATTESTATION_TYPE',
      gate ? `vault ${vault.vault_id} requires attestations of type ${gate.type}` : `vault ${vault.vault_id} has no attestation gate`,
    );
  if (!gate.attesters.includes(env.signer)) fail('NOT_AN_ATTESTER', `key ${env.signer} is not an attester of vault ${vault.vault_id}`);
  if (!/^[\x20-\x7e]{1,256}$/.test(b.claim_ref)) fail('INVALID_FIELD', 'claim_ref must be 1–256 printable ASCII characters');
  if ((req.attestations ?? []).some((a) => a.key_id === env.signer))
    fail('DUPLICATE_ATTESTATION', `key ${env.signer} has already attested request ${req.request_id}`);
  if (req.initiator === env.signer) fail('ROLE_CONFLICT', `key ${env.signer} initiated request ${req.request_id} and may not attest it`);
  if (req.approvals.some((a) => a.key_id === env.signer))
    fail('ROLE_CONFLICT', `key ${env.signer} approved request ${req.request_id} and may not also attest it`);
  const next: WithdrawalRecord = {
    ...req,
    attestations: [
      ...(req.attestations ?? []),
      { key_id: env.signer, attestation_type: b.attestation_type, claim_ref: b.claim_ref, height: ctx.height, tx_hash: ctx.txHash },
    ],
  };
  const t = attestationTally(s, vault, next) as NonNullable<ReturnType<typeof attestationTally>>;
  const out = decide(s, vault, next, ctx, ctx.txHash);
  return {
    apply: (w) => {
      if (out.kind === 'wait') w.putRequest(next);
      else out.apply(w);
    },
    data: { request_id: req.request_id, status: out.kind === 'wait' ? 'pending' : out.status },
    events: [
      ev('custody.withdrawal_attested', [
        ['request_id', req.request_id],
        ['key_id', env.signer],
        ['attestation_type', b.attestation_type],
        ['attestations', t.counted.length],
        ['threshold', t.threshold],
      ]),
      ...out.events,
    ],
  };
}

function withdrawalCancel(s: EngineState, env: SignedEnvelope<'withdrawal.cancel'>, ctx: TxContext): Effect {
  const b = env.body;
  const req = lookup(s.requests, b.request_id);
  if (!req) fail('REQUEST_NOT_FOUND', `no withdrawal request ${JSON.stringify(b.request_id.slice(0, 64))}`);
  if (req.status !== 'pending' && req.status !== 'approved') fail('REQUEST_NOT_PENDING', `request ${req.request_id} is ${req.status}`);
  if (chars(b.reason) < 1 || chars(b.reason) > MAX_REASON_CHARS) fail('INVALID_FIELD', `reason must be 1–${MAX_REASON_CHARS} characters`);
  const roles = rolesOf(s, env.signer);
  if (req.initiator !== env.signer && !roles.has('governance') && !roles.has('admin')) {
    fail('NOT_AUTHORIZED', `only the initiator of request ${req.request_id}, a governance member or an admin may cancel it`);
  }
  const next: WithdrawalRecord = { ...req, status: 'cancelled', cancelled: { by: env.signer, reason: b.reason, height: ctx.height } };
  delete next.executable_at;
  return {
    apply: (w) => w.putRequest(next),
    data: { request_id: req.request_id, status: 'cancelled' },
    events: [
      ev('security.withdrawal_cancelled', [
        ['request_id', req.request_id],
        ['vault_id', req.vault_id],
        ['key_id', env.signer],
        ['reason', b.reason],
      ]),
    ],
  };
}

type Decision =
  | { kind: 'wait'; events: AbciEvent[] }
  | { kind: 'done'; status: 'approved' | 'executed' | 'failed' | 'pending'; apply: (w: Work) => void; events: AbciEvent[] };

/**
 * What happens to `req` now: still short of approvals / attestations (wait),
 * timelocked (approved, executable_at set), executed, failed (insufficient
 * balance, or the destination or limit no longer allowed), or — for an
 * approved request whose approvals stopped counting — back to pending.
 * `txHash` is the hash of the transaction that completed it, or null when the
 * block executes a timelocked request.
 */
export function decide(s: EngineState, vault: VaultRecord, req: WithdrawalRecord, ctx: TxContext, txHash: string | null, tally?: Tally): Decision {
  const t = tally ?? approvalTally(s, vault, req);
  const gate = attestationTally(s, vault, req);
  const ready = t.weight >= t.threshold && (gate === null || gate.weight >= gate.threshold);
  const base: [string, string][] = [
    ['request_id', req.request_id],
    ['vault_id', req.vault_id],
  ];
  if (!ready) {
    if (req.status === 'approved') {
      const back: WithdrawalRecord = { ...req, status: 'pending' };
      delete back.executable_at;
      return {
        kind: 'done',
        status: 'pending',
        apply: (w) => w.putRequest(back),
        events: [ev('security.approvals_lost', [...base, ['approvals', String(t.counted.length)], ['threshold', String(t.threshold)]])],
      };
    }
    return { kind: 'wait', events: [] };
  }
  const lock = vault.policy.timelock_blocks ?? 0;
  if (req.status === 'pending' && lock > 0) {
    const rec: WithdrawalRecord = { ...req, status: 'approved', executable_at: ctx.height + lock };
    return {
      kind: 'done',
      status: 'approved',
      apply: (w) => w.putRequest(rec),
      events: [ev('security.timelock_started', [...base, ['executable_at', String(ctx.height + lock)]])],
    };
  }
  if ((req.executable_at ?? 0) > ctx.height) return { kind: 'wait', events: [] };
  const amount = BigInt(req.amount);
  const balance = hasOwn(vault.balances, req.asset) ? BigInt(vault.balances[req.asset] as string) : 0n;
  const failWith = (code: ErrorCode, extra: [string, string][]): Decision => {
    const rec: WithdrawalRecord = { ...req, status: 'failed', failure: code };
    delete rec.executable_at;
    const evs = [ev('custody.withdrawal_failed', [...base, ['failure', code], ...extra])];
    if (code !== 'INSUFFICIENT_BALANCE') evs.push(ev('security.withdrawal_blocked', [...base, ['code', code]]));
    return { kind: 'done', status: 'failed', apply: (w) => w.putRequest(rec), events: evs };
  };
  const limit = txLimitOf(vault, req.asset);
  if (limit !== null && amount > limit)
    return failWith('LIMIT_EXCEEDED', [
      ['limit', limit.toString()],
      ['amount', req.amount],
    ]);
  if (!whitelisted(vault, req.destination)) return failWith('DESTINATION_NOT_WHITELISTED', [['destination', req.destination]]);
  if (amount > balance)
    return failWith('INSUFFICIENT_BALANCE', [
      ['balance', balance.toString()],
      ['amount', req.amount],
    ]);
  const vel = velocityUse(vault, req.asset, ctx.now);
  if (!velocityRoom(vel, amount)) {
    if (req.status === 'approved') return { kind: 'wait', events: [] };
    // Fully approved but the window is full: it waits (status approved) and the block retries it.
    const rec: WithdrawalRecord = { ...req, status: 'approved', executable_at: ctx.height + 1 };
    return {
      kind: 'done',
      status: 'approved',
      apply: (w) => w.putRequest(rec),
      events: [
        ev('security.velocity_deferred', [
          ...base,
          ['code', 'VELOCITY_EXCEEDED'],
          ['used_amount', (vel as NonNullable<typeof vel>).used_amount.toString()],
          ['used_count', String((vel as NonNullable<typeof vel>).used_count)],
        ]),
      ],
    };
  }
  const newBalance = (balance - amount).toString();
  const vrec: VaultRecord = { ...vault, balances: { ...vault.balances, [req.asset]: newBalance } };
  if (vel) vrec.spent = { ...(vault.spent ?? {}), [req.asset]: [...vel.kept, [ctx.now, req.amount]] };
  const rec: WithdrawalRecord = { ...req, status: 'executed', executed_at: ctx.height, executed_tx: txHash };
  delete rec.executable_at;
  return {
    kind: 'done',
    status: 'executed',
    apply: (w) => {
      w.putVault(vrec);
      w.putRequest(rec);
    },
    events: [
      ev('custody.withdrawal_executed', [...base, ['asset', req.asset], ['amount', req.amount], ['destination', req.destination], ['balance', newBalance]]),
    ],
  };
}

/** Block-level: execute approved requests whose timelock has ended (sorted by executable_at, then id); their events are block events. */
function runApprovedDue(w: Work, height: number, now: number): AbciEvent[] {
  const events: AbciEvent[] = [];
  if (w.approved.size === 0) return events;
  const due = [...w.approved]
    .map((id) => w.s.requests[id] as WithdrawalRecord)
    .filter((r) => (r.executable_at ?? 0) <= height)
    .sort((a, b) => (a.executable_at ?? 0) - (b.executable_at ?? 0) || compareUtf8(a.request_id, b.request_id));
  for (const r of due) {
    const vault = w.s.vaults[r.vault_id] as VaultRecord;
    if (!vaultMoves(w.s, vault)) continue;
    const out = decide(w.s, vault, r, { height, now, txHash: '' }, null);
    if (out.kind === 'wait') continue;
    out.apply(w);
    events.push(...out.events);
  }
  return events;
}

export const withdrawals = defineModule({
  spec: withdrawalsSpec,
  txs: {
    'withdrawal.create': withdrawalCreate,
    'withdrawal.approve': withdrawalApprove,
    'withdrawal.attest': withdrawalAttest,
    'withdrawal.cancel': withdrawalCancel,
  },
  actions: {},
  beginBlock: runApprovedDue,
});

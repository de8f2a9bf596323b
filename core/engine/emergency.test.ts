/**
 * Emergency controls (control 10 of docs/policy.md) and degraded mode (control 9):
 * an emergency quorum of operators freezes a vault, quarantines a key or
 * enters degraded mode (global or per vault); every control has a strict
 * expiry and lapses at a block boundary unless governance ratifies it in
 * time; governance lifts it. Events, queries, simulate and snapshots.
 */
import { describe, expect, it } from 'vitest';
import { fromUtf8 } from '../codec/index.js';
import { CustodyEngine } from './engine.js';
import { precheckRequest, simulate } from './simulate.js';
import { BlockDriver, blockTime, buildTx, testGenesis, testKey } from '../../tests/support/engine-kit.js';
import type { TestKey } from '../../tests/support/engine-kit.js';
import type { AbciEvent, EmergencyAction, EmergencyControlRecord, GovAction, KeyRecord, TxResult, VaultRecord, WithdrawalRecord } from './types.js';

const admin = testKey(1);
const [alice, bob, carol, op1, op2, op3] = [testKey(2), testKey(3), testKey(4), testKey(5), testKey(6), testKey(7)] as [
  TestKey,
  TestKey,
  TestKey,
  TestKey,
  TestKey,
  TestKey,
];
const EM = { quorum: 2, max_expiry_blocks: 50, ratification_window_blocks: 5 };

class D extends BlockDriver {
  constructor() {
    super(testGenesis({ params: { emergency: EM } }));
  }
  /** Both operators: propose and co-sign; returns the control id and the activating result. */
  emergency(action: EmergencyAction, expires = 20): { id: string; res: TxResult } {
    const id = this.ok(op1, 'emergency.propose', { action, reason: 'incident 7', expires_in_blocks: expires }).control_id as string;
    const res = this.send(op2, 'emergency.sign', { control_id: id });
    return { id, res };
  }
  /** The genesis admin alone is the governance (1 of 1). */
  govern(action: GovAction): TxResult {
    const id = this.ok(admin, 'gov.propose', { track: 'operational', action }).proposal_id as string;
    this.ok(admin, 'gov.vote', { proposal_id: id, vote: 'yes' });
    return this.send(admin, 'gov.execute', { proposal_id: id });
  }
  until(h: number): AbciEvent[] {
    const out: AbciEvent[] = [];
    while (this.engine.height() < h) out.push(...this.block().events);
    return out;
  }
}

function types(evs: AbciEvent[]): string[] {
  return evs.map((e) => e.type);
}

function setup(): D {
  const d = new D();
  for (const k of [alice, bob, carol, op1, op2, op3]) d.ok(admin, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: 'k' });
  for (const k of [op1, op2, op3]) d.ok(admin, 'key.set_roles', { key_id: k.keyId, roles: ['operator'] });
  d.ok(admin, 'vault.create', { vault_id: 'v1', name: 'V', policy: { approvers: [alice.keyId, bob.keyId, carol.keyId], threshold: 2 } });
  d.ok(admin, 'vault.create', { vault_id: 'v2', name: 'W', policy: { approvers: [alice.keyId, bob.keyId, carol.keyId], threshold: 2 } });
  d.ok(admin, 'vault.fund', { vault_id: 'v1', asset: 'USD', amount: '1000' });
  d.ok(admin, 'vault.fund', { vault_id: 'v2', asset: 'USD', amount: '1000' });
  return d;
}

const W = (vault = 'v1') => ({ vault_id: vault, asset: 'USD', amount: '10', destination: 'acct:x', memo: '' });

describe('emergency quorum', () => {
  it('the proposer signs first; the quorum-th distinct operator activates; events name the control', () => {
    const d = setup();
    const r1 = d.send(op1, 'emergency.propose', { action: { type: 'vault.freeze', vault_id: 'v1' }, reason: 'x', expires_in_blocks: 10 });
    expect(JSON.parse(fromUtf8(r1.data))).toMatchObject({ status: 'collecting' });
    expect(types(r1.events)).toEqual(['security.control_proposed']);
    const id = (JSON.parse(fromUtf8(r1.data)) as { control_id: string }).control_id;
    expect(id).toMatch(/^ec-[0-9a-f]{24}$/);
    expect(d.code(op1, 'emergency.sign', { control_id: id })).toBe('DUPLICATE_SIGNATURE');
    const r2 = d.send(op2, 'emergency.sign', { control_id: id });
    expect(types(r2.events)).toEqual(['security.control_signed', 'security.control_activated', 'security.vault_frozen']);
    expect(d.q<EmergencyControlRecord>(`/control/${id}`)).toMatchObject({
      status: 'active',
      activated_at: d.engine.height(),
      expires_at: d.engine.height() + 10,
      ratify_by: d.engine.height() + 5,
    });
    expect(d.code(op3, 'emergency.sign', { control_id: id })).toBe('CONTROL_STATUS_CONFLICT');
    expect(d.q<EmergencyControlRecord[]>('/controls').map((c) => c.control_id)).toEqual([id]);
  });
  it('keys of one owner sign once; non-operators are refused; expiry beyond the maximum is refused', () => {
    const d = setup();
    d.ok(admin, 'key.set_roles', { key_id: op1.keyId, roles: ['operator'], owner: 'org:o' });
    d.ok(admin, 'key.set_roles', { key_id: op2.keyId, roles: ['operator'], owner: 'org:o' });
    const id = d.ok(op1, 'emergency.propose', { action: { type: 'vault.freeze', vault_id: 'v1' }, reason: 'x', expires_in_blocks: 10 }).control_id as string;
    expect(d.code(op2, 'emergency.sign', { control_id: id })).toBe('DUPLICATE_SIGNATURE');
    expect(d.code(alice, 'emergency.sign', { control_id: id })).toBe('NOT_AUTHORIZED');
    expect(d.code(op3, 'emergency.propose', { action: { type: 'vault.freeze', vault_id: 'v2' }, reason: 'x', expires_in_blocks: 51 })).toBe('INVALID_FIELD');
    expect(d.code(op3, 'emergency.propose', { action: { type: 'key.quarantine', key_id: op3.keyId }, reason: 'x', expires_in_blocks: 5 })).toBe(
      'KEY_STATUS_CONFLICT',
    );
  });
  it('a control that does not reach quorum within the window lapses at a block boundary (quorum_not_reached)', () => {
    const d = setup();
    const id = d.ok(op1, 'emergency.propose', { action: { type: 'vault.freeze', vault_id: 'v1' }, reason: 'x', expires_in_blocks: 10 }).control_id as string;
    const created = d.q<EmergencyControlRecord>(`/control/${id}`).created_at;
    const evs = d.until(created + EM.ratification_window_blocks + 1);
    expect(types(evs)).toEqual(['security.control_lapsed']);
    expect(evs[0]!.attributes).toContainEqual({ key: 'reason', value: 'quorum_not_reached' });
    expect(d.code(op2, 'emergency.sign', { control_id: id })).toBe('CONTROL_STATUS_CONFLICT');
  });
});

describe('vault freeze', () => {
  it('stops withdrawals of that vault (VAULT_FROZEN), not others; cancellations pass; unratified it lapses and the timelocked request then executes', () => {
    const d = setup();
    d.ok(admin, 'vault.set_policy', { vault_id: 'v1', policy: { approvers: [alice.keyId, bob.keyId, carol.keyId], threshold: 2, timelock_blocks: 4 } });
    const rid = d.ok(alice, 'withdrawal.create', W()).request_id as string;
    const other = d.ok(alice, 'withdrawal.create', W()).request_id as string;
    d.ok(bob, 'withdrawal.approve', { request_id: rid });
    d.ok(carol, 'withdrawal.approve', { request_id: rid }); // timelocked
    const { id } = d.emergency({ type: 'vault.freeze', vault_id: 'v1' });
    expect(d.code(alice, 'withdrawal.create', W())).toBe('VAULT_FROZEN');
    expect(d.code(bob, 'withdrawal.approve', { request_id: other })).toBe('VAULT_FROZEN');
    expect(d.code(alice, 'withdrawal.create', W('v2'))).toBe('OK');
    const pc = precheckRequest(d.engine.state(), other, { height: d.engine.height() + 1, time: blockTime(9999) });
    expect(pc).toMatchObject({ ok: false, code: 'VAULT_FROZEN' });
    expect(pc.controls.find((c) => c.control === 'freeze')).toMatchObject({ status: 'not_met' });
    expect(d.code(alice, 'withdrawal.cancel', { request_id: other, reason: 'r' })).toBe('OK');
    expect(d.engine.height()).toBeGreaterThan(d.q<WithdrawalRecord>(`/request/${rid}`).executable_at as number);
    expect(d.q<WithdrawalRecord>(`/request/${rid}`).status).toBe('approved'); // past its timelock, held by the freeze
    const c = d.q<EmergencyControlRecord>(`/control/${id}`);
    const evs = d.until((c.ratify_by as number) + 1);
    expect(types(evs)).toEqual(['security.control_lapsed', 'security.vault_unfrozen', 'custody.withdrawal_executed']);
    expect(evs[0]!.attributes).toContainEqual({ key: 'reason', value: 'not_ratified' });
    expect(d.q<VaultRecord>('/vault/v1').frozen).toBeUndefined();
    expect(d.q<EmergencyControlRecord>(`/control/${id}`).status).toBe('lapsed');
  });
  it('ratified by governance it holds until its expiry (security.control_expired); governance can lift it earlier', () => {
    const d = setup();
    const { id } = d.emergency({ type: 'vault.freeze', vault_id: 'v1' }, 10);
    const r = d.govern({ type: 'emergency.ratify', control_id: id });
    expect(types(r.events)).toEqual(['security.control_ratified', 'security.proposal_executed']);
    const c = d.q<EmergencyControlRecord>(`/control/${id}`);
    expect(c.status).toBe('ratified');
    d.until((c.ratify_by as number) + 1);
    expect(d.code(alice, 'withdrawal.create', W())).toBe('VAULT_FROZEN');
    const evs = d.until(c.expires_at as number);
    expect(types(evs)).toEqual(['security.control_expired', 'security.vault_unfrozen']);
    expect(d.code(alice, 'withdrawal.create', W())).toBe('OK');
    const second = d.emergency({ type: 'vault.freeze', vault_id: 'v1' }, 10).id;
    const lift = d.govern({ type: 'emergency.lift', control_id: second });
    expect(types(lift.events)).toEqual(['security.control_lifted', 'security.proposal_executed']);
    expect(d.q<EmergencyControlRecord>(`/control/${second}`).status).toBe('lifted');
    expect(d.code(alice, 'withdrawal.create', W())).toBe('OK');
    expect(d.send(admin, 'gov.propose', { track: 'operational', action: { type: 'emergency.ratify', control_id: second } }).log).toMatch(
      /^CONTROL_STATUS_CONFLICT/,
    );
  });
});

describe('emergency key quarantine', () => {
  it("the key's approvals stop counting; governance releases it; or it is released when the control lapses", () => {
    const d = setup();
    const rid = d.ok(alice, 'withdrawal.create', W()).request_id as string;
    d.ok(bob, 'withdrawal.approve', { request_id: rid });
    const { id, res } = d.emergency({ type: 'key.quarantine', key_id: bob.keyId });
    expect(types(res.events)).toContain('security.key_quarantined');
    expect(d.q<KeyRecord>(`/key/${bob.keyId}`)).toMatchObject({ status: 'quarantined', quarantine: { control_id: id } });
    d.ok(carol, 'withdrawal.approve', { request_id: rid });
    expect(d.q<WithdrawalRecord>(`/request/${rid}`).status).toBe('pending'); // bob's approval does not count
    const c = d.q<EmergencyControlRecord>(`/control/${id}`);
    const evs = d.until((c.ratify_by as number) + 1);
    expect(types(evs)).toEqual(['security.control_lapsed', 'security.key_released']);
    expect(d.q<KeyRecord>(`/key/${bob.keyId}`).status).toBe('active');
    // quarantined again, then released by governance before the control ends
    const again = d.emergency({ type: 'key.quarantine', key_id: bob.keyId }).id;
    d.govern({ type: 'emergency.ratify', control_id: again });
    const rel = d.govern({ type: 'key.release', key_id: bob.keyId, reason: 'cleared' });
    expect(types(rel.events)).toEqual(['security.key_released', 'security.proposal_executed']);
    expect(d.q<KeyRecord>(`/key/${bob.keyId}`).status).toBe('active');
  });
});

describe('degraded mode', () => {
  it('global: only cancellations, governance and emergency transactions; mandatory expiry; entered/exited events', () => {
    const d = setup();
    const rid = d.ok(alice, 'withdrawal.create', W()).request_id as string;
    const { id, res } = d.emergency({ type: 'degraded.enter' }, 20);
    expect(types(res.events)).toEqual(['security.control_signed', 'security.control_activated', 'security.degraded_entered']);
    const r = d.govern({ type: 'emergency.ratify', control_id: id }); // governance works in degraded mode
    expect(r.code).toBe(0);
    expect(d.q<{ degraded: { control_id: string } | null }>('/mode').degraded).toMatchObject({ control_id: id });
    expect(d.code(alice, 'withdrawal.create', W('v2'))).toBe('DEGRADED_MODE');
    expect(d.code(bob, 'withdrawal.approve', { request_id: rid })).toBe('DEGRADED_MODE');
    expect(d.code(admin, 'vault.fund', { vault_id: 'v1', asset: 'USD', amount: '1' })).toBe('DEGRADED_MODE');
    expect(d.code(admin, 'key.register', { public_key: testKey(60).publicKeyHex, scheme: 'ed25519', label: 'x' })).toBe('DEGRADED_MODE');
    const env = buildTx(alice, 'withdrawal.create', W(), (d.nonces.get(alice.keyId) ?? 0) + 1, { expires_at: d.engine.height() + 50 }).env;
    expect(simulate(d.engine.state(), env, { height: d.engine.height() + 1, time: blockTime(9999) }).code).toBe('DEGRADED_MODE');
    const pc = precheckRequest(d.engine.state(), rid, { height: d.engine.height() + 1, time: blockTime(9999) });
    expect(pc).toMatchObject({ ok: false, code: 'DEGRADED_MODE' });
    expect(pc.controls.find((c) => c.control === 'degraded_mode')).toMatchObject({ status: 'not_met', numbers: { until: expect.any(Number) } });
    expect(d.code(alice, 'withdrawal.cancel', { request_id: rid, reason: 'r' })).toBe('OK');
    const c = d.q<EmergencyControlRecord>(`/control/${id}`);
    const evs = d.until(c.expires_at as number);
    expect(types(evs)).toEqual(['security.control_expired', 'security.degraded_exited']);
    expect(d.q<{ degraded: unknown }>('/mode').degraded).toBeNull();
    expect(d.code(alice, 'withdrawal.create', W())).toBe('OK');
  });
  it('global degraded mode holds timelocked executions; they run at the first block after it ends', () => {
    const d = setup();
    d.ok(admin, 'vault.set_policy', { vault_id: 'v1', policy: { approvers: [alice.keyId, bob.keyId, carol.keyId], threshold: 2, timelock_blocks: 3 } });
    const rid = d.ok(alice, 'withdrawal.create', W()).request_id as string;
    d.ok(bob, 'withdrawal.approve', { request_id: rid });
    d.ok(carol, 'withdrawal.approve', { request_id: rid });
    const { id } = d.emergency({ type: 'degraded.enter' }, 4);
    expect(d.engine.height()).toBeLessThan(d.q<WithdrawalRecord>(`/request/${rid}`).executable_at as number);
    const c = d.q<EmergencyControlRecord>(`/control/${id}`);
    d.until((c.expires_at as number) - 1);
    expect(d.q<WithdrawalRecord>(`/request/${rid}`).status).toBe('approved');
    const evs = d.block().events;
    expect(types(evs)).toEqual(['security.control_expired', 'security.degraded_exited', 'custody.withdrawal_executed']);
  });
  it('per vault: only that vault is degraded; a second degraded mode on it is refused', () => {
    const d = setup();
    d.emergency({ type: 'degraded.enter', vault_id: 'v1' });
    expect(d.code(alice, 'withdrawal.create', W())).toBe('DEGRADED_MODE');
    expect(d.code(alice, 'withdrawal.create', W('v2'))).toBe('OK');
    expect(d.q<{ vaults: { vault_id: string }[] }>('/mode').vaults.map((v) => v.vault_id)).toEqual(['v1']);
    expect(d.code(op1, 'emergency.propose', { action: { type: 'degraded.enter', vault_id: 'v1' }, reason: 'x', expires_in_blocks: 5 })).toBe(
      'CONTROL_STATUS_CONFLICT',
    );
  });
  it('active controls survive snapshot and restore with the same root, and lapse the same way', () => {
    const d = setup();
    d.emergency({ type: 'degraded.enter' });
    const e = CustodyEngine.restore(d.engine.snapshot(), testGenesis({ params: { emergency: EM } }));
    expect(e.appHash()).toEqual(d.engine.appHash());
    for (let i = 0; i < 8; i++) {
      d.block();
      const h = e.height() + 1;
      e.finalizeBlock({ height: h, time: blockTime(h * 10), txs: [] });
      e.commit();
    }
    expect(e.appHash()).toEqual(d.engine.appHash());
    expect(d.q<{ degraded: unknown }>('/mode').degraded).toBeNull();
  });
});

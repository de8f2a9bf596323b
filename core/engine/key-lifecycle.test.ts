/**
 * Key lifecycle (control 12 of docs/policy.md): attestation reference and re-validation
 * deadline, rotation (old key signs, governance approves, link both ways,
 * policies follow), revocation by emergency quorum, retirement.
 */
import { describe, expect, it } from 'vitest';
import { CustodyEngine } from './engine.js';
import { precheckRequest } from './simulate.js';
import { BlockDriver, blockTime, testGenesis, testKey } from '../../tests/support/engine-kit.js';
import type { TestKey } from '../../tests/support/engine-kit.js';
import type { AbciEvent, EmergencyControlRecord, GovAction, KeyRecord, TxResult, VaultRecord, WithdrawalRecord } from './types.js';

const admin = testKey(1);
const [alice, bob, carol, dave, op1, op2] = [testKey(2), testKey(3), testKey(4), testKey(5), testKey(6), testKey(7)] as [
  TestKey,
  TestKey,
  TestKey,
  TestKey,
  TestKey,
  TestKey,
];

class D extends BlockDriver {
  constructor() {
    super(testGenesis({ params: { emergency: { quorum: 2, max_expiry_blocks: 50, ratification_window_blocks: 5 } } }));
  }
  govern(action: GovAction): TxResult {
    const id = this.ok(admin, 'gov.propose', { track: 'operational', action }).proposal_id as string;
    this.ok(admin, 'gov.vote', { proposal_id: id, vote: 'yes' });
    return this.send(admin, 'gov.execute', { proposal_id: id });
  }
}

function types(evs: AbciEvent[]): string[] {
  return evs.map((e) => e.type);
}

function setup(): D {
  const d = new D();
  for (const k of [alice, bob, carol, dave, op1, op2]) d.ok(admin, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: 'k' });
  for (const k of [op1, op2]) d.ok(admin, 'key.set_roles', { key_id: k.keyId, roles: ['operator'] });
  d.ok(admin, 'vault.create', { vault_id: 'v1', name: 'V', policy: { approvers: [alice.keyId, bob.keyId, carol.keyId], threshold: 2 } });
  d.ok(admin, 'vault.fund', { vault_id: 'v1', asset: 'USD', amount: '1000' });
  return d;
}
const W = { vault_id: 'v1', asset: 'USD', amount: '10', destination: 'acct:x', memo: '' };

describe('attestation reference and re-validation deadline', () => {
  it("past revalidate_by the key's approvals stop counting (also ones already given) until re-attested", () => {
    const d = setup();
    const r = d.send(admin, 'key.attest', { key_id: bob.keyId, attestation_ref: 'hsm-cert:42', revalidate_by: d.engine.height() + 3 });
    expect(types(r.events)).toEqual(['security.key_attested']);
    expect(d.q<KeyRecord>(`/key/${bob.keyId}`).attestation).toMatchObject({ ref: 'hsm-cert:42', by: admin.keyId });
    const rid = d.ok(alice, 'withdrawal.create', W).request_id as string;
    d.ok(bob, 'withdrawal.approve', { request_id: rid });
    d.block();
    d.block(); // past the deadline
    const pc = precheckRequest(d.engine.state(), rid, { height: d.engine.height() + 1, time: blockTime(9999) });
    expect(pc.controls.find((c) => c.control === 'quarantine')).toMatchObject({ status: 'not_met' });
    d.ok(carol, 'withdrawal.approve', { request_id: rid });
    expect(d.q<WithdrawalRecord>(`/request/${rid}`).status).toBe('pending');
    d.ok(admin, 'key.attest', { key_id: bob.keyId, attestation_ref: 'hsm-cert:43', revalidate_by: d.engine.height() + 100 });
    const other = d.ok(alice, 'withdrawal.create', W).request_id as string;
    d.ok(bob, 'withdrawal.approve', { request_id: other });
    expect(d.ok(carol, 'withdrawal.approve', { request_id: other })).toEqual({ request_id: other, status: 'executed' });
  });
  it('rejects a deadline in the past, a bad reference, non-admins', () => {
    const d = setup();
    expect(d.code(admin, 'key.attest', { key_id: bob.keyId, attestation_ref: 'x', revalidate_by: 1 })).toBe('INVALID_FIELD');
    expect(d.code(admin, 'key.attest', { key_id: bob.keyId, attestation_ref: 'a b', revalidate_by: 1000 })).toBe('INVALID_FIELD');
    expect(d.code(alice, 'key.attest', { key_id: bob.keyId, attestation_ref: 'x', revalidate_by: 1000 })).toBe('NOT_AUTHORIZED');
  });
});

describe('rotation', () => {
  it('the old key signs the hand-over; governance approves; old retired, link both ways, policies name the new key', () => {
    const d = setup();
    const r = d.send(bob, 'key.rotate', { new_key_id: dave.keyId });
    expect(types(r.events)).toEqual(['security.key_rotation_requested']);
    expect(d.q<KeyRecord>(`/key/${bob.keyId}`)).toMatchObject({ status: 'active', rotation: { to: dave.keyId, approved_at: null } });
    expect(d.code(bob, 'key.rotate', { new_key_id: carol.keyId })).toBe('KEY_STATUS_CONFLICT');
    const x = d.govern({ type: 'key.rotate_approve', key_id: bob.keyId });
    expect(types(x.events)).toEqual(['security.key_rotated', 'security.proposal_executed']);
    expect(d.q<KeyRecord>(`/key/${bob.keyId}`)).toMatchObject({ status: 'retired', rotation: { to: dave.keyId }, ended: { reason: 'rotated' } });
    expect(d.q<KeyRecord>(`/key/${dave.keyId}`)).toMatchObject({ status: 'active', rotation: { from: bob.keyId } });
    expect(d.q<VaultRecord>('/vault/v1').policy.approvers).toEqual([alice.keyId, dave.keyId, carol.keyId]);
    const rid = d.ok(alice, 'withdrawal.create', W).request_id as string;
    expect(d.code(bob, 'withdrawal.approve', { request_id: rid })).toBe('KEY_NOT_ACTIVE');
    d.ok(dave, 'withdrawal.approve', { request_id: rid });
    expect(d.ok(carol, 'withdrawal.approve', { request_id: rid })).toEqual({ request_id: rid, status: 'executed' });
    expect(d.send(admin, 'gov.propose', { track: 'operational', action: { type: 'key.rotate_approve', key_id: carol.keyId } }).log).toMatch(
      /^KEY_STATUS_CONFLICT/,
    );
  });
});

describe('revocation (emergency quorum) and retirement', () => {
  it('revoked at once; unratified it lapses and the key is reinstated; ratified it stays revoked after expiry', () => {
    const d = setup();
    const id = d.ok(op1, 'emergency.propose', { action: { type: 'key.revoke', key_id: bob.keyId }, reason: 'stolen', expires_in_blocks: 10 })
      .control_id as string;
    const r = d.send(op2, 'emergency.sign', { control_id: id });
    expect(types(r.events)).toEqual(['security.control_signed', 'security.control_activated', 'security.key_revoked']);
    expect(d.q<KeyRecord>(`/key/${bob.keyId}`).status).toBe('revoked');
    const c = d.q<EmergencyControlRecord>(`/control/${id}`);
    const evs: AbciEvent[] = [];
    while (d.engine.height() <= (c.ratify_by as number)) evs.push(...d.block().events);
    expect(types(evs)).toEqual(['security.control_lapsed', 'security.key_reinstated']);
    expect(d.q<KeyRecord>(`/key/${bob.keyId}`).status).toBe('active');
    const again = d.ok(op1, 'emergency.propose', { action: { type: 'key.revoke', key_id: bob.keyId }, reason: 'stolen', expires_in_blocks: 8 })
      .control_id as string;
    d.ok(op2, 'emergency.sign', { control_id: again });
    d.govern({ type: 'emergency.ratify', control_id: again });
    for (let i = 0; i < 10; i++) d.block();
    expect(d.q<EmergencyControlRecord>(`/control/${again}`).status).toBe('expired');
    expect(d.q<KeyRecord>(`/key/${bob.keyId}`).status).toBe('revoked');
  });
  it('a key retires itself or is retired by an admin; nobody else; not twice', () => {
    const d = setup();
    expect(d.code(alice, 'key.retire', { key_id: bob.keyId, reason: 'r' })).toBe('NOT_AUTHORIZED');
    const r = d.send(bob, 'key.retire', { key_id: bob.keyId, reason: 'left the company' });
    expect(types(r.events)).toEqual(['security.key_retired']);
    expect(d.q<KeyRecord>(`/key/${bob.keyId}`)).toMatchObject({ status: 'retired', ended: { reason: 'left the company', by: bob.keyId } });
    d.ok(admin, 'key.retire', { key_id: carol.keyId, reason: 'r' });
    expect(d.code(admin, 'key.retire', { key_id: carol.keyId, reason: 'r' })).toBe('KEY_STATUS_CONFLICT');
    expect(d.code(admin, 'key.retire', { key_id: admin.keyId, reason: 'r' })).toBe('KEY_STATUS_CONFLICT');
    const e = CustodyEngine.restore(d.engine.snapshot(), d.engine.genesisDoc());
    expect(e.appHash()).toEqual(d.engine.appHash());
  });
});

/**
 * The policy controls, each alone and in combination (docs/policy.md), the
 * policy matrix cell by cell, security events and the pre-check.
 */
import { describe, expect, it } from 'vitest';
import { fromUtf8 } from '../codec/index.js';
import { CustodyEngine, POLICY_MATRIX } from './engine.js';
import { precheckRequest, simulate } from './simulate.js';
import { BlockDriver, blockTime, buildTx, testGenesis, testKey } from '../../tests/support/engine-kit.js';
import type { TestKey } from '../../tests/support/engine-kit.js';
import type { AbciEvent, Role, TxBodies, TxType, VaultPolicy, WithdrawalRecord } from './types.js';
import { ROLES, TX_TYPES } from './types.js';

const admin = testKey(1);
const [alice, bob, carol, dave, erin] = [testKey(2), testKey(3), testKey(4), testKey(5), testKey(6)] as [TestKey, TestKey, TestKey, TestKey, TestKey];

class D extends BlockDriver {
  req(id: string): WithdrawalRecord {
    return JSON.parse(fromUtf8(this.engine.query({ path: `/request/${id}` }).value)) as WithdrawalRecord;
  }
  balance(): string {
    return (JSON.parse(fromUtf8(this.engine.query({ path: '/vault/v1' }).value)) as { balances: Record<string, string> }).balances.USD ?? '0';
  }
}

let base: { snap: Uint8Array; nonces: Map<string, number> } | null = null;

function setup(policy?: Partial<VaultPolicy>): D {
  if (base === null) {
    const b = build();
    base = { snap: b.engine.snapshot(), nonces: b.nonces };
  }
  const d = new D();
  d.engine = CustodyEngine.restore(base.snap, testGenesis());
  d.nonces = new Map(base.nonces);
  if (policy) d.ok(admin, 'vault.set_policy', { vault_id: 'v1', policy: { approvers: [alice.keyId, bob.keyId, carol.keyId], threshold: 2, ...policy } });
  return d;
}

function build(): D {
  const d = new D();
  for (const k of [alice, bob, carol, dave, erin]) d.ok(admin, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: 'k' });
  d.ok(admin, 'vault.create', { vault_id: 'v1', name: 'V', policy: { approvers: [alice.keyId, bob.keyId, carol.keyId], threshold: 2 } });
  d.ok(admin, 'vault.fund', { vault_id: 'v1', asset: 'USD', amount: '1000' });
  return d;
}

function create(d: D, k: TestKey = alice, amount = '100', destination = 'acct:x'): string {
  return d.ok(k, 'withdrawal.create', { vault_id: 'v1', asset: 'USD', amount, destination, memo: '' }).request_id as string;
}

function types(evs: AbciEvent[]): string[] {
  return evs.map((e) => e.type);
}

describe("default policy (the README's 2-of-3 flow)", () => {
  it('2-of-3 executes at once on the second approval by two other keys', () => {
    const d = setup();
    const id = create(d);
    d.ok(bob, 'withdrawal.approve', { request_id: id });
    expect(d.ok(carol, 'withdrawal.approve', { request_id: id })).toEqual({ request_id: id, status: 'executed' });
    expect(d.balance()).toBe('900');
  });
});

describe('roles and separation of duties', () => {
  it('the initiator cannot approve its own request; neither can another key of the same owner', () => {
    const d = setup();
    const id = create(d);
    expect(d.code(alice, 'withdrawal.approve', { request_id: id })).toBe('SELF_APPROVAL');
    d.ok(admin, 'key.set_roles', { key_id: alice.keyId, roles: ['initiator', 'approver'], owner: 'org:ann' });
    d.ok(admin, 'key.set_roles', { key_id: bob.keyId, roles: ['approver'], owner: 'org:ann' });
    expect(d.code(bob, 'withdrawal.approve', { request_id: id })).toBe('SELF_APPROVAL');
  });
  it('keys bound to one owner count once toward the threshold', () => {
    const d = setup();
    d.ok(admin, 'key.set_roles', { key_id: bob.keyId, roles: ['approver'], owner: 'org:bo' });
    d.ok(admin, 'key.set_roles', { key_id: carol.keyId, roles: ['approver'], owner: 'org:bo' });
    const id = create(d);
    d.ok(bob, 'withdrawal.approve', { request_id: id });
    expect(d.ok(carol, 'withdrawal.approve', { request_id: id })).toEqual({ request_id: id, status: 'pending' });
    const pc = precheckRequest(d.engine.state(), id, { height: 99, time: blockTime(990) });
    expect(pc.controls.find((c) => c.control === 'approvals')).toMatchObject({ status: 'waiting', numbers: { have: 1, need: 2 } });
  });
  it('one key cannot both attest and approve one request', () => {
    const d = setup({ attestation: { type: 'kyc', attesters: [bob.keyId, dave.keyId], threshold: 1 } });
    d.ok(admin, 'key.set_roles', { key_id: bob.keyId, roles: ['approver', 'attester'] });
    const id = create(d);
    d.ok(bob, 'withdrawal.approve', { request_id: id });
    expect(d.code(bob, 'withdrawal.attest', { request_id: id, attestation_type: 'kyc', claim_ref: 'c1' })).toBe('ROLE_CONFLICT');
  });
  it('a key without the role is refused (NOT_AUTHORIZED) and set_roles emits security.roles_changed', () => {
    const d = setup();
    const r = d.send(admin, 'key.set_roles', { key_id: alice.keyId, roles: ['auditor'] });
    expect(types(r.events)).toEqual(['security.roles_changed']);
    expect(d.code(alice, 'withdrawal.create', { vault_id: 'v1', asset: 'USD', amount: '1', destination: 'd', memo: '' })).toBe('NOT_AUTHORIZED');
    expect(d.code(admin, 'key.set_roles', { key_id: alice.keyId, roles: ['admin'] })).toBe('INVALID_FIELD');
  });
});

describe('policy matrix (docs/policy.md), cell by cell', () => {
  // Every tx type × every role: a key holding only that role submits the tx;
  // it must be refused with NOT_AUTHORIZED exactly when the matrix says no.
  const doc = new URL('../../docs/policy.md', import.meta.url);
  it('docs/policy.md shows the table generated from the modules (CHARTER_UPDATE_POLICY=1 rewrites it)', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { policyMatrixMarkdown } = await import('./modules/specs.js');
    const text = readFileSync(doc, 'utf8');
    const m = /<!-- policy-matrix -->\n((?:\|.*\n)+)/.exec(text);
    expect(m, 'docs/policy.md has a <!-- policy-matrix --> table').not.toBeNull();
    const table = policyMatrixMarkdown(ROLES);
    if (process.env.CHARTER_UPDATE_POLICY === '1') writeFileSync(doc, text.replace((m as RegExpExecArray)[1] as string, table + '\n'));
    else expect((m as RegExpExecArray)[1]).toBe(table + '\n');
  });
  it('docs/policy.md shows the same table', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(doc, 'utf8');
    for (const t of TX_TYPES) {
      const row = text.split('\n').find((l) => l.startsWith(`| \`${t}\` |`));
      expect(row, t).toBeDefined();
      const cells = (row as string)
        .split('|')
        .slice(2, 2 + ROLES.length)
        .map((c) => c.trim());
      ROLES.forEach((r, i) => expect(cells[i], `${t} × ${r}`).toBe(POLICY_MATRIX[t].includes(r) ? 'yes' : '—'));
    }
  });
  for (const t of TX_TYPES) {
    for (const role of ROLES) {
      if (role === 'admin') continue; // the admin role is a genesis role: tested with the genesis admin below
      it(`${t} × ${role}`, () => {
        const d = setup();
        d.ok(admin, 'key.set_roles', { key_id: dave.keyId, roles: [role as Exclude<Role, 'admin'>] });
        const code = d.code(dave, t, sampleBody(d, t, role === 'initiator' ? dave : erin));
        if (POLICY_MATRIX[t].includes(role)) expect(code).not.toBe('NOT_AUTHORIZED');
        else expect(code).toBe('NOT_AUTHORIZED');
      });
    }
    it(`${t} × admin`, () => {
      const d = setup();
      const body = sampleBody(d, t, admin);
      // The genesis admin is also a governance member by default: test the admin role alone.
      d.ok(admin, 'key.set_roles', { key_id: admin.keyId, roles: [] });
      const code = d.code(admin, t, body);
      if (POLICY_MATRIX[t].includes('admin')) expect(code).not.toBe('NOT_AUTHORIZED');
      else expect(code).toBe('NOT_AUTHORIZED');
    });
  }
});

/** An open operational proposal by the genesis admin (a governance member by default). */
function propose(d: D, period?: number): string {
  const body: TxBodies['gov.propose'] = { track: 'operational', action: { type: 'key.set_roles', key_id: erin.keyId, roles: ['auditor'] } };
  if (period !== undefined) body.voting_period_blocks = period;
  return d.ok(admin, 'gov.propose', body).proposal_id as string;
}

/** A passed proposal: the admin votes yes and the (1-block) voting period ends. */
function passed(d: D): string {
  const id = propose(d, 1);
  d.ok(admin, 'gov.vote', { proposal_id: id, vote: 'yes' });
  d.block();
  return id;
}

/** A collecting emergency control proposed by carol as an operator (the default quorum is 2). */
function emergency(d: D): string {
  d.ok(admin, 'key.set_roles', { key_id: carol.keyId, roles: ['operator'] });
  return d.ok(carol, 'emergency.propose', { action: { type: 'vault.freeze', vault_id: 'v1' }, reason: 'r', expires_in_blocks: 10 }).control_id as string;
}

/** A body for `t` that passes the role check's object-level rules when the signer's role allows it (a cancel targets the signer's own request when it is an initiator). */
function sampleBody(d: D, t: TxType, creator: TestKey = erin): never {
  const id = create(d, creator);
  const b: { [K in TxType]: TxBodies[K] } = {
    'key.register': { public_key: testKey(40).publicKeyHex, scheme: 'ed25519', label: 'x' },
    'key.set_roles': { key_id: erin.keyId, roles: ['auditor'] },
    'vault.create': { vault_id: 'v2', name: 'V2', policy: { approvers: [alice.keyId], threshold: 1 } },
    'vault.set_policy': { vault_id: 'v1', policy: { approvers: [alice.keyId], threshold: 1 } },
    'vault.fund': { vault_id: 'v1', asset: 'USD', amount: '1' },
    'withdrawal.create': { vault_id: 'v1', asset: 'USD', amount: '1', destination: 'd', memo: '' },
    'withdrawal.approve': { request_id: id },
    'withdrawal.attest': { request_id: id, attestation_type: 'kyc', claim_ref: 'c' },
    'withdrawal.cancel': { request_id: id, reason: 'r' },
    'key.quarantine': { key_id: erin.keyId, reason: 'r' },
    'key.release': { key_id: erin.keyId, reason: 'r' },
    'gov.propose': { track: 'operational', action: { type: 'key.set_roles', key_id: erin.keyId, roles: ['auditor'] } },
    'gov.vote': { proposal_id: t === 'gov.vote' ? propose(d) : '', vote: 'yes' },
    'gov.execute': { proposal_id: t === 'gov.execute' ? passed(d) : '' },
    'emergency.propose': { action: { type: 'vault.freeze', vault_id: 'v1' }, reason: 'r', expires_in_blocks: 10 },
    'emergency.sign': { control_id: t === 'emergency.sign' ? emergency(d) : '' },
    'key.attest': { key_id: erin.keyId, attestation_ref: 'att:1', revalidate_by: d.engine.height() + 100 },
    'key.rotate': { new_key_id: erin.keyId },
    'key.retire': { key_id: dave.keyId, reason: 'r' },
  };
  return b[t] as never;
}

describe('threshold with weights', () => {
  it('threshold in weight units; distinct keys', () => {
    const d = setup({ weights: { [alice.keyId]: 1, [bob.keyId]: 3, [carol.keyId]: 1 }, threshold: 3 });
    const id = create(d, dave);
    expect(d.ok(carol, 'withdrawal.approve', { request_id: id })).toEqual({ request_id: id, status: 'pending' });
    expect(d.ok(bob, 'withdrawal.approve', { request_id: id })).toEqual({ request_id: id, status: 'executed' });
    const id2 = create(d, dave);
    d.ok(bob, 'withdrawal.approve', { request_id: id2 }); // 3 of 3 alone
    expect(d.req(id2).status).toBe('executed');
  });
  it('rejects weights on non-approvers and thresholds above the total weight', () => {
    const d = setup();
    expect(d.code(admin, 'vault.set_policy', { vault_id: 'v1', policy: { approvers: [alice.keyId], threshold: 1, weights: { [bob.keyId]: 2 } } })).toBe(
      'INVALID_POLICY',
    );
    expect(d.code(admin, 'vault.set_policy', { vault_id: 'v1', policy: { approvers: [alice.keyId], threshold: 3, weights: { [alice.keyId]: 2 } } })).toBe(
      'INVALID_POLICY',
    );
  });
});

describe('timelock', () => {
  it('executes at the first block at or past last approval + timelock_blocks, as a block event', () => {
    const d = setup({ timelock_blocks: 3 });
    const id = create(d);
    d.ok(bob, 'withdrawal.approve', { request_id: id });
    const r = d.send(carol, 'withdrawal.approve', { request_id: id });
    expect(JSON.parse(fromUtf8(r.data))).toEqual({ request_id: id, status: 'approved' });
    expect(types(r.events)).toContain('security.timelock_started');
    const h = d.engine.height();
    expect(d.req(id)).toMatchObject({ status: 'approved', executable_at: h + 3 });
    d.block();
    d.block();
    expect(d.req(id).status).toBe('approved');
    const res = d.block();
    expect(d.engine.height()).toBe(h + 3);
    expect(types(res.events)).toEqual(['custody.withdrawal_executed']);
    expect(d.req(id)).toMatchObject({ status: 'executed', executed_at: h + 3, executed_tx: null });
    expect(d.balance()).toBe('900');
  });
  it('a timelocked request can be cancelled by its initiator; others may not', () => {
    const d = setup({ timelock_blocks: 5 });
    const id = create(d);
    d.ok(bob, 'withdrawal.approve', { request_id: id });
    d.ok(carol, 'withdrawal.approve', { request_id: id });
    expect(d.code(bob, 'withdrawal.cancel', { request_id: id, reason: 'x' })).toBe('NOT_AUTHORIZED');
    const r = d.send(alice, 'withdrawal.cancel', { request_id: id, reason: 'mistake' });
    expect(types(r.events)).toEqual(['security.withdrawal_cancelled']);
    for (let i = 0; i < 6; i++) d.block();
    expect(d.req(id).status).toBe('cancelled');
    expect(d.balance()).toBe('1000');
  });
});

describe('per-transaction limit', () => {
  it('refuses requests above the limit for that asset only', () => {
    const d = setup({ tx_limits: { USD: '150' } });
    expect(d.code(alice, 'withdrawal.create', { vault_id: 'v1', asset: 'USD', amount: '151', destination: 'd', memo: '' })).toBe('LIMIT_EXCEEDED');
    create(d, alice, '150');
  });
});

describe('velocity', () => {
  it('amount per rolling window: the request over the limit waits until the window has room', () => {
    const d = setup({ velocity: { USD: { window_seconds: 100, max_amount: '250' } } });
    const a = create(d, alice, '200');
    d.ok(bob, 'withdrawal.approve', { request_id: a });
    d.ok(carol, 'withdrawal.approve', { request_id: a });
    expect(d.req(a).status).toBe('executed');
    const b = create(d, alice, '100');
    d.ok(bob, 'withdrawal.approve', { request_id: b });
    const r = d.send(carol, 'withdrawal.approve', { request_id: b });
    expect(types(r.events)).toContain('security.velocity_deferred');
    expect(d.req(b).status).toBe('approved');
    const pc = precheckRequest(d.engine.state(), b, { height: d.engine.height() + 1, time: blockTime((d.engine.height() + 1) * 10) });
    expect(pc.controls.find((c) => c.control === 'velocity')).toMatchObject({ status: 'waiting', numbers: { used_percent: 80 } });
    // blocks are 10 s apart: 100 s later the first spend leaves the window.
    let n = 0;
    while (d.req(b).status === 'approved' && n++ < 20) d.block();
    expect(d.req(b).status).toBe('executed');
    expect(n).toBeGreaterThan(3);
    expect(d.balance()).toBe('700');
  });
  it('count per rolling window', () => {
    const d = setup({ velocity: { USD: { window_seconds: 1000, max_count: 1 } } });
    for (const amt of ['1', '2']) {
      const id = create(d, alice, amt);
      d.ok(bob, 'withdrawal.approve', { request_id: id });
      d.ok(carol, 'withdrawal.approve', { request_id: id });
    }
    expect(d.balance()).toBe('999');
  });
});

describe('destination whitelist', () => {
  it('refuses other destinations at create; a destination removed later fails at execution', () => {
    const d = setup({ whitelist: ['acct:ok'] });
    expect(d.code(alice, 'withdrawal.create', { vault_id: 'v1', asset: 'USD', amount: '1', destination: 'acct:no', memo: '' })).toBe(
      'DESTINATION_NOT_WHITELISTED',
    );
    const id = create(d, alice, '10', 'acct:ok');
    d.ok(bob, 'withdrawal.approve', { request_id: id });
    d.ok(admin, 'vault.set_policy', { vault_id: 'v1', policy: { approvers: [alice.keyId, bob.keyId, carol.keyId], threshold: 2, whitelist: ['acct:other'] } });
    const r = d.send(carol, 'withdrawal.approve', { request_id: id });
    expect(types(r.events)).toEqual(['custody.withdrawal_approved', 'custody.withdrawal_failed', 'security.withdrawal_blocked']);
    expect(d.req(id)).toMatchObject({ status: 'failed', failure: 'DESTINATION_NOT_WHITELISTED' });
  });
});

describe('attestation gate', () => {
  it('a fully approved request waits for the attestation; the attestation executes it', () => {
    const d = setup({ attestation: { type: 'kyc', attesters: [dave.keyId], threshold: 1 } });
    d.ok(admin, 'key.set_roles', { key_id: dave.keyId, roles: ['attester'] });
    const id = create(d);
    expect(d.code(dave, 'withdrawal.attest', { request_id: id, attestation_type: 'aml', claim_ref: 'c' })).toBe('WRONG_ATTESTATION_TYPE');
    d.ok(bob, 'withdrawal.approve', { request_id: id });
    expect(d.ok(carol, 'withdrawal.approve', { request_id: id })).toEqual({ request_id: id, status: 'pending' });
    expect(d.ok(dave, 'withdrawal.attest', { request_id: id, attestation_type: 'kyc', claim_ref: 'case-1' })).toEqual({ request_id: id, status: 'executed' });
    expect(d.code(dave, 'withdrawal.attest', { request_id: id, attestation_type: 'kyc', claim_ref: 'c' })).toBe('REQUEST_NOT_PENDING');
  });
  it('attesters outside the set are refused', () => {
    const d = setup({ attestation: { type: 'kyc', attesters: [dave.keyId], threshold: 1 } });
    d.ok(admin, 'key.set_roles', { key_id: erin.keyId, roles: ['attester'] });
    const id = create(d);
    expect(d.code(erin, 'withdrawal.attest', { request_id: id, attestation_type: 'kyc', claim_ref: 'c' })).toBe('NOT_AN_ATTESTER');
  });
});

describe('signer quarantine', () => {
  it('approvals already given stop counting; release by governance restores them', () => {
    const d = setup();
    d.ok(admin, 'key.set_roles', { key_id: erin.keyId, roles: ['governance'] });
    const id = create(d);
    d.ok(bob, 'withdrawal.approve', { request_id: id });
    const q = d.send(erin, 'key.quarantine', { key_id: bob.keyId, reason: 'lost laptop' });
    expect(types(q.events)).toEqual(['security.key_quarantined']);
    expect(d.ok(carol, 'withdrawal.approve', { request_id: id })).toEqual({ request_id: id, status: 'pending' });
    const pc = precheckRequest(d.engine.state(), id, { height: 1, time: blockTime(1) });
    expect(pc.controls.find((c) => c.control === 'quarantine')?.status).toBe('not_met');
    expect(d.code(bob, 'withdrawal.approve', { request_id: id })).toBe('KEY_NOT_ACTIVE');
    expect(d.code(erin, 'key.quarantine', { key_id: bob.keyId, reason: 'again' })).toBe('KEY_STATUS_CONFLICT');
    expect(types(d.send(erin, 'key.release', { key_id: bob.keyId, reason: 'found' }).events)).toEqual(['security.key_released']);
    // Released: bob's earlier approval counts again, so the next counting approval executes.
    d.ok(admin, 'vault.set_policy', { vault_id: 'v1', policy: { approvers: [alice.keyId, bob.keyId, carol.keyId, dave.keyId], threshold: 3 } });
    expect(d.ok(dave, 'withdrawal.approve', { request_id: id })).toEqual({ request_id: id, status: 'executed' });
  });
  it('a quarantine during a timelock sends the request back to pending', () => {
    const d = setup({ timelock_blocks: 2 });
    const id = create(d);
    d.ok(bob, 'withdrawal.approve', { request_id: id });
    d.ok(carol, 'withdrawal.approve', { request_id: id });
    d.ok(admin, 'key.quarantine', { key_id: carol.keyId, reason: 'x' });
    d.block();
    expect(types(d.last?.events ?? [])).toEqual(['security.approvals_lost']);
    expect(d.req(id).status).toBe('pending');
    expect(d.balance()).toBe('1000');
  });
});

describe('simulate', () => {
  it('gives the verdict without changing state', () => {
    const d = setup({ tx_limits: { USD: '50' } });
    const before = d.engine.appHash();
    const s = d.engine.state();
    const env = buildTx(alice, 'withdrawal.create', { vault_id: 'v1', asset: 'USD', amount: '60', destination: 'd', memo: '' }, 1).unsigned;
    const r = simulate(s, env, { height: d.engine.height() + 1, time: blockTime(1) });
    expect(r.ok).toBe(false);
    expect(r.code).toBe('LIMIT_EXCEEDED');
    expect(r.controls.find((c) => c.control === 'tx_limit')).toMatchObject({ status: 'not_met' });
    expect(d.engine.appHash()).toEqual(before);
    expect(s).toEqual(d.engine.state());
  });
  it('/precheck/<id> answers the control list', () => {
    const d = setup({ timelock_blocks: 4 });
    const id = create(d);
    d.ok(bob, 'withdrawal.approve', { request_id: id });
    const v = JSON.parse(fromUtf8(d.engine.query({ path: `/precheck/${id}` }).value)) as { controls: { control: string; status: string; detail: string }[] };
    expect(v.controls.find((c) => c.control === 'approvals')).toMatchObject({ status: 'waiting', detail: '1 of 2 approvals' });
    expect(v.controls.find((c) => c.control === 'timelock')?.status).toBe('waiting');
    expect(d.engine.query({ path: '/precheck/wr-000000000000000000000000' }).log).toMatch(/^REQUEST_NOT_FOUND/);
  });
});

/**
 * Governance (control 11 of docs/policy.md) and the whitelist lifecycle (control 5):
 * proposals on two tracks, votes, quorum and threshold, voting period,
 * execution delay, execution of every action, block-level decisions and
 * whitelist changes, events, queries, simulate verdicts and snapshots.
 */
import { describe, expect, it } from 'vitest';
import { CustodyEngine } from './engine.js';
import { simulate } from './simulate.js';
import { BlockDriver, blockTime, buildTx, testGenesis, testKey } from '../../tests/support/engine-kit.js';
import type { TestKey } from '../../tests/support/engine-kit.js';
import type { AbciEvent, ChainParams, GovAction, ProposalRecord, TxBodies, VaultRecord } from './types.js';

const admin = testKey(1);
const [alice, bob, carol, dave] = [testKey(2), testKey(3), testKey(4), testKey(5)] as [TestKey, TestKey, TestKey, TestKey];

class D extends BlockDriver {
  constructor(params?: Partial<ChainParams>) {
    super(testGenesis(params ? { params } : {}));
  }
  propose(k: TestKey, action: GovAction, period?: number): string {
    const body: TxBodies['gov.propose'] = { track: action.type === 'params.set' ? 'protocol' : 'operational', action };
    if (period !== undefined) body.voting_period_blocks = period;
    return this.ok(k, 'gov.propose', body).proposal_id as string;
  }
  /** Propose, vote yes with `voters`, execute: the one-admin devnet path. */
  pass(action: GovAction, voters: TestKey[] = [admin]): string {
    const id = this.propose(voters[0] as TestKey, action);
    for (const v of voters) this.ok(v, 'gov.vote', { proposal_id: id, vote: 'yes' });
    this.ok(voters[0] as TestKey, 'gov.execute', { proposal_id: id });
    return id;
  }
}

function types(evs: AbciEvent[]): string[] {
  return evs.map((e) => e.type);
}
function attr(e: AbciEvent | undefined, k: string): string | undefined {
  return e?.attributes.find((a) => a.key === k)?.value;
}

/** A chain with three more governance members (alice, bob, carol) besides the admin. */
function council(params?: Partial<ChainParams>): D {
  const d = new D(params);
  for (const k of [alice, bob, carol, dave]) d.ok(admin, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: 'k' });
  for (const k of [alice, bob, carol]) d.ok(admin, 'key.set_roles', { key_id: k.keyId, roles: ['governance'] });
  return d;
}

describe('governance: the one-admin devnet', () => {
  it('the genesis admin is a governance member and alone proposes, votes (1 of 1) and executes', () => {
    const d = new D();
    expect(d.q<{ roles: string[] }>(`/key/${admin.keyId}`).roles).toEqual(['admin', 'governance']);
    const id = d.propose(admin, { type: 'key.register', public_key: alice.publicKeyHex, scheme: 'ed25519', label: 'Alice' });
    expect(id).toMatch(/^gp-[0-9a-f]{24}$/);
    expect(types(d.last!.txResults[0]!.events)).toEqual(['security.proposal_created']);
    const v = d.send(admin, 'gov.vote', { proposal_id: id, vote: 'yes' });
    expect(types(v.events)).toEqual(['security.proposal_voted', 'security.proposal_passed']);
    expect(attr(v.events[1], 'proposal_id')).toBe(id);
    const x = d.send(admin, 'gov.execute', { proposal_id: id });
    expect(x.code).toBe(0);
    expect(types(x.events)).toEqual(['custody.key_registered', 'security.proposal_executed']);
    expect(attr(x.events[0], 'proposal_id')).toBe(id);
    expect(d.q<{ status: string }>(`/key/${alice.keyId}`).status).toBe('active');
    const p = d.q<ProposalRecord & { tally: { yes: number; members: number } }>(`/proposal/${id}`);
    expect(p).toMatchObject({ status: 'executed', track: 'operational', proposer: admin.keyId, executed_at: d.engine.height() });
    expect(p.tally).toMatchObject({ yes: 1, members: 1 });
    expect(d.q<ProposalRecord[]>('/proposals').map((r) => r.proposal_id)).toEqual([id]);
    expect(d.q<ProposalRecord[]>('/proposals?status=open')).toEqual([]);
    expect(d.code(admin, 'gov.execute', { proposal_id: id })).toBe('PROPOSAL_NOT_EXECUTABLE');
  });
  it('proposal ids are deterministic: the same envelope gives the same id on two engines', () => {
    const a = new D();
    const b = new D();
    const action: GovAction = { type: 'params.set', faucet: false };
    expect(a.propose(admin, action)).toBe(b.propose(admin, action));
  });
});

describe('governance: tracks, quorum, threshold, period', () => {
  it('an action on the wrong track, an empty params.set or bad parameters are INVALID_PROPOSAL; actions are validated at proposal time', () => {
    const d = new D();
    expect(d.code(admin, 'gov.propose', { track: 'operational', action: { type: 'params.set', faucet: false } })).toBe('INVALID_PROPOSAL');
    expect(d.code(admin, 'gov.propose', { track: 'protocol', action: { type: 'key.release', key_id: admin.keyId, reason: 'r' } })).toBe('INVALID_PROPOSAL');
    expect(d.code(admin, 'gov.propose', { track: 'protocol', action: { type: 'params.set' } })).toBe('INVALID_PROPOSAL');
    expect(d.code(admin, 'gov.propose', { track: 'protocol', action: { type: 'params.set', max_expiry_blocks: 0 } })).toBe('INVALID_PROPOSAL');
    expect(d.code(admin, 'gov.propose', { track: 'operational', action: { type: 'key.release', key_id: admin.keyId, reason: 'r' } })).toBe(
      'KEY_STATUS_CONFLICT',
    );
    expect(d.code(admin, 'gov.propose', { track: 'operational', action: { type: 'whitelist.add', vault_id: 'nope', destination: 'd' } })).toBe(
      'VAULT_NOT_FOUND',
    );
    expect(
      d.code(admin, 'gov.propose', { track: 'operational', action: { type: 'key.set_roles', key_id: alice.keyId, roles: [] }, voting_period_blocks: 0 }),
    ).toBe('INVALID_PROPOSAL');
    expect(d.code(admin, 'gov.vote', { proposal_id: 'gp-000000000000000000000000', vote: 'yes' })).toBe('PROPOSAL_NOT_FOUND');
  });
  it('with four members one yes is short of quorum-and-threshold; 3 yes of 4 passes early; a second vote is DUPLICATE_VOTE', () => {
    const d = council();
    const id = d.propose(alice, { type: 'key.set_roles', key_id: dave.keyId, roles: ['operator'] });
    expect(d.ok(alice, 'gov.vote', { proposal_id: id, vote: 'yes' })).toEqual({ proposal_id: id, status: 'open' });
    expect(d.code(alice, 'gov.vote', { proposal_id: id, vote: 'no' })).toBe('DUPLICATE_VOTE');
    expect(d.code(alice, 'gov.execute', { proposal_id: id })).toBe('PROPOSAL_NOT_EXECUTABLE');
    expect(d.ok(bob, 'gov.vote', { proposal_id: id, vote: 'yes' })).toEqual({ proposal_id: id, status: 'open' });
    expect(d.ok(carol, 'gov.vote', { proposal_id: id, vote: 'yes' })).toEqual({ proposal_id: id, status: 'passed' });
    expect(d.code(admin, 'gov.vote', { proposal_id: id, vote: 'no' })).toBe('PROPOSAL_NOT_OPEN');
    d.ok(bob, 'gov.execute', { proposal_id: id });
    expect(d.q<{ roles: string[] }>(`/key/${dave.keyId}`).roles).toEqual(['operator']);
  });
  it('two no of four is rejected early (2/3 threshold can no longer be met)', () => {
    const d = council();
    const id = d.propose(alice, { type: 'key.set_roles', key_id: dave.keyId, roles: ['operator'] });
    d.ok(alice, 'gov.vote', { proposal_id: id, vote: 'no' });
    const r = d.send(bob, 'gov.vote', { proposal_id: id, vote: 'no' });
    expect(types(r.events)).toEqual(['security.proposal_voted', 'security.proposal_rejected']);
    expect(d.q<ProposalRecord>(`/proposal/${id}`).status).toBe('rejected');
  });
  it('at the end of the voting period the block decides: passed (quorum + threshold, abstentions count toward quorum only), expired (no quorum)', () => {
    const d = council();
    const a = d.propose(alice, { type: 'key.set_roles', key_id: dave.keyId, roles: ['operator'] }, 3);
    const b = d.propose(alice, { type: 'key.set_roles', key_id: dave.keyId, roles: ['auditor'] }, 3);
    d.ok(alice, 'gov.vote', { proposal_id: a, vote: 'yes' });
    d.ok(bob, 'gov.vote', { proposal_id: a, vote: 'abstain' });
    const ends = d.q<ProposalRecord>(`/proposal/${a}`).voting_ends_at;
    const endsB = d.q<ProposalRecord>(`/proposal/${b}`).voting_ends_at;
    const events: AbciEvent[] = [];
    while (d.engine.height() <= endsB) events.push(...d.block().events);
    expect(types(events)).toEqual(['security.proposal_passed', 'security.proposal_rejected']);
    expect(d.q<ProposalRecord>(`/proposal/${a}`)).toMatchObject({ status: 'passed', decided_at: ends + 1 });
    expect(d.q<ProposalRecord>(`/proposal/${b}`)).toMatchObject({ status: 'expired', decided_at: endsB + 1 });
    expect(attr(events[1], 'reason')).toBe('no_quorum');
    expect(d.code(carol, 'gov.vote', { proposal_id: b, vote: 'yes' })).toBe('PROPOSAL_NOT_OPEN');
  });
  it('a quarantined member stops counting: its vote and its membership', () => {
    const d = council();
    const id = d.propose(alice, { type: 'key.set_roles', key_id: dave.keyId, roles: ['operator'] });
    d.ok(alice, 'gov.vote', { proposal_id: id, vote: 'yes' });
    d.ok(admin, 'key.quarantine', { key_id: alice.keyId, reason: 'lost' });
    expect(d.q<{ tally: { yes: number; members: number } }>(`/proposal/${id}`).tally).toMatchObject({ yes: 0, members: 3 });
  });
  it('the execution delay of the track is honoured', () => {
    const d = new D({
      governance: {
        protocol: { quorum: { num: 1, den: 2 }, threshold: { num: 2, den: 3 }, voting_period_blocks: 10, execution_delay_blocks: 3 },
        operational: { quorum: { num: 1, den: 2 }, threshold: { num: 2, den: 3 }, voting_period_blocks: 10, execution_delay_blocks: 0 },
        whitelist_delay_blocks: 2,
      },
    });
    const id = d.propose(admin, { type: 'params.set', faucet: false });
    d.ok(admin, 'gov.vote', { proposal_id: id, vote: 'yes' });
    const at = d.q<ProposalRecord>(`/proposal/${id}`).executable_at as number;
    expect(at).toBe(d.engine.height() + 3);
    expect(d.code(admin, 'gov.execute', { proposal_id: id })).toBe('PROPOSAL_NOT_EXECUTABLE');
    d.block();
    const r = d.send(admin, 'gov.execute', { proposal_id: id });
    expect(r.code).toBe(0);
    expect(types(r.events)).toEqual(['security.params_changed', 'security.proposal_executed']);
    expect(d.q<ChainParams>('/params').faucet).toBe(false);
    expect(d.code(admin, 'vault.fund', { vault_id: 'x1', asset: 'USD', amount: '1' })).toBe('FAUCET_DISABLED');
  });
  it('non-members are refused (NOT_AUTHORIZED)', () => {
    const d = council();
    expect(d.code(dave, 'gov.propose', { track: 'protocol', action: { type: 'params.set', faucet: false } })).toBe('NOT_AUTHORIZED');
  });
});

describe('governance: operational actions', () => {
  it('validators are admitted and removed, recorded in state and listed', () => {
    const d = new D();
    const v = testKey(90).publicKeyHex;
    const id = d.pass({ type: 'validator.add', public_key: v, power: 10, name: 'val-1' });
    expect(types(d.last!.txResults[0]!.events)).toEqual(['security.validator_added', 'security.proposal_executed']);
    expect(d.q<unknown[]>('/validators')).toEqual([
      { public_key: v, name: 'val-1', power: 10, added_at: d.engine.height(), proposal_id: id, removed_at: null },
    ]);
    expect(d.code(admin, 'gov.propose', { track: 'operational', action: { type: 'validator.add', public_key: v, power: 1, name: 'again' } })).toBe(
      'INVALID_PROPOSAL',
    );
    d.pass({ type: 'validator.remove', public_key: v });
    expect(d.q<unknown[]>('/validators')).toEqual([]);
    expect(d.q<{ value: { removed_at: number } }>(`/proof/validator/${v}`).value.removed_at).toBe(d.engine.height());
  });
  it('quarantine release and role assignment by proposal; a stale action fails at execution and the proposal stays passed', () => {
    const d = council();
    d.ok(admin, 'key.quarantine', { key_id: dave.keyId, reason: 'x' });
    const id = d.propose(alice, { type: 'key.release', key_id: dave.keyId, reason: 'cleared' });
    for (const k of [alice, bob, carol]) d.ok(k, 'gov.vote', { proposal_id: id, vote: 'yes' });
    d.ok(admin, 'key.release', { key_id: dave.keyId, reason: 'direct' });
    expect(d.code(alice, 'gov.execute', { proposal_id: id })).toBe('KEY_STATUS_CONFLICT');
    expect(d.q<ProposalRecord>(`/proposal/${id}`).status).toBe('passed');
  });
});

describe('whitelist lifecycle (control 5)', () => {
  function vault(d: D): void {
    d.ok(admin, 'key.register', { public_key: alice.publicKeyHex, scheme: 'ed25519', label: 'a' });
    d.ok(admin, 'key.register', { public_key: bob.publicKeyHex, scheme: 'ed25519', label: 'b' });
    d.ok(admin, 'vault.create', { vault_id: 'v1', name: 'V', policy: { approvers: [alice.keyId, bob.keyId], threshold: 1 } });
    d.ok(admin, 'vault.fund', { vault_id: 'v1', asset: 'USD', amount: '100' });
    d.ok(admin, 'vault.set_policy', { vault_id: 'v1', policy: { approvers: [alice.keyId, bob.keyId], threshold: 1, whitelist: ['acct:a'] } });
  }
  it('an add is scheduled at execution and applied by the block at apply_at; a remove the same way', () => {
    const d = new D();
    vault(d);
    const create = { vault_id: 'v1', asset: 'USD', amount: '1', destination: 'acct:b', memo: '' };
    expect(d.code(alice, 'withdrawal.create', create)).toBe('DESTINATION_NOT_WHITELISTED');
    const id = d.pass({ type: 'whitelist.add', vault_id: 'v1', destination: 'acct:b' });
    const x = d.last!.txResults[0]!;
    expect(types(x.events)).toEqual(['security.whitelist_change_scheduled', 'security.proposal_executed']);
    const applyAt = Number(attr(x.events[0], 'apply_at'));
    expect(applyAt).toBe(d.engine.height() + 10);
    expect(d.q<VaultRecord>('/vault/v1').pending_whitelist).toEqual([{ op: 'add', destination: 'acct:b', apply_at: applyAt, proposal_id: id }]);
    // not yet: the pre-check (simulate) and the engine agree
    const env = buildTx(alice, 'withdrawal.create', create, (d.nonces.get(alice.keyId) ?? 0) + 1, { expires_at: d.engine.height() + 50 }).env;
    expect(simulate(d.engine.state(), env, { height: d.engine.height() + 1, time: blockTime(9999) }).code).toBe('DESTINATION_NOT_WHITELISTED');
    while (d.engine.height() < applyAt - 1) d.block();
    const res = d.block();
    expect(d.engine.height()).toBe(applyAt);
    expect(types(res.events)).toEqual(['security.whitelist_changed']);
    expect(attr(res.events[0], 'proposal_id')).toBe(id);
    const v = d.q<VaultRecord>('/vault/v1');
    expect(v.policy.whitelist).toEqual(['acct:a', 'acct:b']);
    expect(v.pending_whitelist).toBeUndefined();
    expect(d.code(alice, 'withdrawal.create', create)).toBe('OK');
    d.pass({ type: 'whitelist.remove', vault_id: 'v1', destination: 'acct:a' });
    for (let i = 0; i < 10; i++) d.block();
    expect(d.q<VaultRecord>('/vault/v1').policy.whitelist).toEqual(['acct:b']);
    expect(d.code(alice, 'withdrawal.create', { ...create, destination: 'acct:a' })).toBe('DESTINATION_NOT_WHITELISTED');
  });
  it('pending changes survive snapshot and restore with the same root and still apply', () => {
    const d = new D();
    vault(d);
    d.pass({ type: 'whitelist.add', vault_id: 'v1', destination: 'acct:c' });
    const restored = CustodyEngine.restore(d.engine.snapshot(), testGenesis());
    expect(restored.appHash()).toEqual(d.engine.appHash());
    for (let i = 0; i < 10; i++) {
      d.block();
      const h = restored.height() + 1;
      restored.finalizeBlock({ height: h, time: blockTime(h * 10), txs: [] });
      restored.commit();
    }
    expect(restored.appHash()).toEqual(d.engine.appHash());
    expect(d.q<VaultRecord>('/vault/v1').policy.whitelist).toEqual(['acct:a', 'acct:c']);
  });
});

describe('simulate: governance verdicts', () => {
  it('reports the rejection code without changing state', () => {
    const d = new D();
    const id = d.propose(admin, { type: 'params.set', faucet: false });
    const s = d.engine.state();
    const at = { height: d.engine.height() + 1, time: blockTime(9999) };
    const n = (d.nonces.get(admin.keyId) ?? 0) + 1;
    expect(simulate(s, buildTx(admin, 'gov.execute', { proposal_id: id }, n).unsigned, at)).toMatchObject({ ok: false, code: 'PROPOSAL_NOT_EXECUTABLE' });
    expect(simulate(s, buildTx(admin, 'gov.vote', { proposal_id: id, vote: 'yes' }, n).unsigned, at)).toMatchObject({ ok: true, code: null });
    expect(d.engine.state()).toEqual(s);
  });
});

// Cancelling withdrawal requests, the workspace address book, governance
// signing with a preview, and the Overview's milestones — through the console's
// contract on a real workspace (SQLite file) and the real embedded devnet over
// its RPC socket. Nothing is mocked.
import { describe, expect, it } from 'vitest';
import { useConsole } from './console-harness.js';
import type { KeyView, ProposalView, RequestView } from '../../core/contract/index.js';
import { Workspace } from '../../main/workspace/workspace.js';
import { AddressBook } from '../../main/services/address-book.js';

const PASS = 'correct horse battery staple';
const h = useConsole('charter-cancel-');
const { call, fail } = h;

let keys: KeyView[] = [];
const byLabel = (l: string) => keys.find((k) => k.label === l)!.keyId;

async function request(amount: string, destination: string, initiator: string): Promise<RequestView> {
  const r = await call('custody.createWithdrawal', {
    vaultId: 'treasury',
    asset: 'USDC',
    amount,
    destination,
    memo: '',
    keyId: byLabel(initiator),
    passphrase: PASS,
  });
  return r.request;
}

/** What a refused action could have changed: the committed state root, vaults and requests. */
async function observable(): Promise<unknown> {
  const info = await (await h.charter.services.chain.get()).abciInfo();
  return { appHash: info.appHash, vaults: await call('custody.listVaults', {}), requests: await call('custody.listRequests', {}) };
}

async function auditEntries(action: string): Promise<{ action: string; result: string; subject: string; details: Record<string, unknown> }[]> {
  const { entries } = await call('audit.list', { limit: 500 });
  return entries.filter((e) => e.action === action);
}

describe('cancelling a withdrawal request', () => {
  it('sets up three keys and a funded 2-of-3 vault', async () => {
    for (const label of ['alice', 'bob', 'carol']) keys.push(await call('keys.create', { label, passphrase: PASS }));
    await call('custody.createVault', { vaultId: 'treasury', name: 'Treasury', approvers: keys.map((k) => k.keyId), threshold: 2 });
    await call('custody.fundVault', { vaultId: 'treasury', asset: 'USDC', amount: '1000000' });
    keys = (await call('keys.list', {})).keys;
  });

  it('previews exactly the withdrawal.cancel the initiator signs, and signs that or nothing', async () => {
    const r = await request('2500', 'acct-cancel-1', 'carol');
    const preview = await call('custody.previewCancel', { requestId: r.requestId, reason: 'wrong amount', keyId: byLabel('carol') });
    expect(preview.asAdmin).toBe(false);
    expect(preview.keyId).toBe(byLabel('carol'));
    expect(preview.envelope).toMatchObject({ type: 'withdrawal.cancel', signer: byLabel('carol'), body: { request_id: r.requestId, reason: 'wrong amount' } });
    expect(preview.signingDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(preview.canonical)).toEqual(preview.envelope);

    const before = await observable();
    // A digest that is not the previewed one: PREVIEW_STALE, nothing signed.
    const stale = { nonce: preview.nonce, expiresAt: preview.expiresAt, digest: '0'.repeat(64) };
    expect(await fail('custody.cancel', { requestId: r.requestId, reason: 'wrong amount', keyId: byLabel('carol'), passphrase: PASS, expected: stale })).toBe(
      'PREVIEW_STALE',
    );
    // Another reason than the previewed one is another envelope: refused too.
    const expected = { nonce: preview.nonce, expiresAt: preview.expiresAt, digest: preview.signingDigest };
    expect(await fail('custody.cancel', { requestId: r.requestId, reason: 'something else', keyId: byLabel('carol'), passphrase: PASS, expected })).toBe(
      'PREVIEW_STALE',
    );
    expect(await fail('custody.cancel', { requestId: r.requestId, reason: 'wrong amount', keyId: byLabel('carol'), passphrase: 'not it', expected })).toBe(
      'WRONG_PASSPHRASE',
    );
    expect(await fail('custody.cancel', { requestId: r.requestId, reason: '   ', keyId: byLabel('carol'), passphrase: PASS })).toBe('INVALID_INPUT');
    expect(await observable()).toEqual(before);

    const out = await call('custody.cancel', { requestId: r.requestId, reason: 'wrong amount', keyId: byLabel('carol'), passphrase: PASS, expected });
    expect(out.request.status).toBe('cancelled');
    // On chain is exactly the previewed envelope.
    const tx = await call('explorer.tx', { hash: out.txHash });
    expect(tx.type).toBe('withdrawal.cancel');
    expect(tx.signingDigest).toBe(preview.signingDigest);
    const { signature: _sig, ...unsigned } = tx.envelope as Record<string, unknown>;
    expect(unsigned).toEqual(preview.envelope);
    expect(out.request.cancelled).toEqual({ by: byLabel('carol'), reason: 'wrong amount', height: out.height });

    // Nothing left to cancel or approve.
    expect(await fail('custody.previewCancel', { requestId: r.requestId, reason: 'again', keyId: byLabel('carol') })).toBe('REQUEST_NOT_PENDING');
    expect(await fail('custody.cancel', { requestId: r.requestId, reason: 'again', keyId: byLabel('carol'), passphrase: PASS })).toBe('REQUEST_NOT_PENDING');
    expect(await fail('custody.approve', { requestId: r.requestId, keyId: byLabel('alice'), passphrase: PASS })).toBe('REQUEST_NOT_PENDING');

    // The audit log names the request and the key that signed, and never the passphrase.
    const entries = await auditEntries('custody.cancel');
    const ok = entries.find((e) => e.result === 'ok');
    expect(ok?.subject).toBe(`request ${r.requestId}`);
    expect(ok?.details['input']).toMatchObject({ keyId: byLabel('carol'), reason: 'wrong amount', passphrase: '[redacted]' });
    expect(entries.map((e) => e.details['code'])).toEqual(expect.arrayContaining(['PREVIEW_STALE', 'WRONG_PASSPHRASE', 'REQUEST_NOT_PENDING']));
    expect(JSON.stringify(entries)).not.toContain(PASS);
  });

  it("refuses a key that is neither the initiator nor governance (the engine's rule), changing nothing", async () => {
    const r = await request('1000', 'acct-cancel-2', 'carol');
    const before = await observable();
    expect(await fail('custody.cancel', { requestId: r.requestId, reason: 'not mine', keyId: byLabel('bob'), passphrase: PASS })).toBe('NOT_AUTHORIZED');
    expect(await observable()).toEqual(before);
    // The devnet admin (admin and governance member) may cancel it; without keyId it signs.
    const preview = await call('custody.previewCancel', { requestId: r.requestId, reason: 'policy review' });
    expect(preview.asAdmin).toBe(true);
    const out = await call('custody.cancel', {
      requestId: r.requestId,
      reason: 'policy review',
      expected: { nonce: preview.nonce, expiresAt: preview.expiresAt, digest: preview.signingDigest },
    });
    expect(out.request.status).toBe('cancelled');
    expect(out.request.cancelled?.by).toBe(preview.keyId);
  });

  it('cancels a request that already has an approval; its balance stays with the vault', async () => {
    const r = await request('4000', 'acct-cancel-3', 'carol');
    await call('custody.approve', { requestId: r.requestId, keyId: byLabel('alice'), passphrase: PASS });
    const out = await call('custody.cancel', { requestId: r.requestId, reason: 'changed plans', keyId: byLabel('carol'), passphrase: PASS });
    expect(out.request.status).toBe('cancelled');
    expect(out.request.approvals).toHaveLength(1);
    const { vaults } = await call('custody.listVaults', {});
    expect(vaults[0]!.balances['USDC']).toBe('1000000');
  });
});

describe('the address book', () => {
  it('adds, lists, refuses duplicates and bad input with stable codes, and removes', async () => {
    expect((await call('addressBook.list', {})).entries).toEqual([]);
    const e = await call('addressBook.add', { name: 'Exchange hot wallet', destination: 'acct-exchange-hot', note: 'rebalancing' });
    expect(e).toMatchObject({ name: 'Exchange hot wallet', destination: 'acct-exchange-hot', note: 'rebalancing' });
    await call('addressBook.add', { name: 'Payroll', destination: 'acct-payroll' });
    expect(await fail('addressBook.add', { name: 'exchange HOT wallet', destination: 'acct-other' })).toBe('ADDRESS_EXISTS');
    expect(await fail('addressBook.add', { name: 'Second name', destination: 'acct-payroll' })).toBe('ADDRESS_EXISTS');
    expect(await fail('addressBook.add', { name: 'Spaces', destination: 'has a space' })).toBe('INVALID_INPUT');
    expect(await fail('addressBook.add', { name: 'bell\u0007', destination: 'acct-bell' })).toBe('INVALID_INPUT');
    expect(await fail('addressBook.add', { name: '', destination: 'acct-empty' })).toBe('INVALID_INPUT');
    expect(await fail('addressBook.add', { name: 'x'.repeat(65), destination: 'acct-long' })).toBe('INVALID_INPUT');
    expect(await fail('addressBook.add', { name: 'Extra', destination: 'acct-extra', colour: 'red' })).toBe('INVALID_INPUT');
    expect(await fail('addressBook.remove', { name: 'Nobody' })).toBe('NOT_FOUND');
    const listed = (await call('addressBook.list', {})).entries;
    expect(listed.map((x) => x.name)).toEqual(['Exchange hot wallet', 'Payroll']);

    // Kept in workspace.db: another connection to the same file sees it.
    const other = Workspace.open(h.dir);
    try {
      expect(other.schemaVersion()).toBeGreaterThanOrEqual(2);
      expect(new AddressBook(other).list().map((x) => x.destination)).toEqual(['acct-exchange-hot', 'acct-payroll']);
    } finally {
      other.close();
    }

    const removed = await call('addressBook.remove', { name: 'payroll' });
    expect(removed.removed.destination).toBe('acct-payroll');
    expect((await call('addressBook.list', {})).entries.map((x) => x.name)).toEqual(['Exchange hot wallet']);

    const adds = await auditEntries('addressBook.add');
    expect(adds.filter((a) => a.result === 'ok').map((a) => a.subject)).toEqual(expect.arrayContaining(['address "Exchange hot wallet"', 'address "Payroll"']));
    expect(adds.filter((a) => a.result === 'error').map((a) => a.details['code'])).toEqual(expect.arrayContaining(['ADDRESS_EXISTS', 'INVALID_INPUT']));
    expect((await auditEntries('addressBook.remove')).map((a) => a.result)).toEqual(expect.arrayContaining(['ok', 'error']));
  });
});

describe('governance signs what it previewed', () => {
  it('previews a proposal, a vote and an execution by the devnet admin; a stale preview signs nothing', async () => {
    const action = { type: 'params.set', max_expiry_blocks: 640 };
    const p = await call('governance.preview', { op: 'propose', track: 'protocol', action });
    expect(p.asAdmin).toBe(true);
    expect(p.envelope).toMatchObject({ type: 'gov.propose', body: { track: 'protocol', action } });
    const proposed = await call('governance.propose', {
      track: 'protocol',
      action,
      expected: { nonce: p.nonce, expiresAt: p.expiresAt, digest: p.signingDigest },
    });
    const id = proposed.proposal.proposalId;

    const v = await call('governance.preview', { op: 'vote', proposalId: id, vote: 'yes' });
    expect(v.envelope).toMatchObject({ type: 'gov.vote', body: { proposal_id: id, vote: 'yes' } });
    // The previewed vote was "yes": signing "no" with that preview is refused, and changes nothing.
    const expected = { nonce: v.nonce, expiresAt: v.expiresAt, digest: v.signingDigest };
    expect(await fail('governance.vote', { proposalId: id, vote: 'no', expected })).toBe('PREVIEW_STALE');
    expect((await call('governance.list', {})).proposals.find((x) => x.proposalId === id)?.votes).toHaveLength(0);
    const voted = await call('governance.vote', { proposalId: id, vote: 'yes', expected });
    expect(voted.proposal.votes).toHaveLength(1);

    let done: ProposalView | null = null;
    for (let i = 0; i < 30 && !done; i++) {
      const e = await call('governance.preview', { op: 'execute', proposalId: id });
      expect(e.envelope).toMatchObject({ type: 'gov.execute', body: { proposal_id: id } });
      const r = await h.api.result('governance.execute', { proposalId: id, expected: { nonce: e.nonce, expiresAt: e.expiresAt, digest: e.signingDigest } });
      if (r.ok) done = r.value.proposal;
      else await new Promise((res) => setTimeout(res, 150));
    }
    expect(done?.status).toBe('executed');
    expect(await fail('governance.preview', { op: 'vote', proposalId: 'gp-000000000000000000000000', vote: 'yes' })).toBe('NOT_FOUND');
    expect(await fail('governance.preview', { op: 'sideways', proposalId: id })).toBe('INVALID_INPUT');
  });

  it("refuses an action on the wrong track (the engine's one table)", async () => {
    expect(await fail('governance.propose', { track: 'protocol', action: { type: 'whitelist.add', vault_id: 'treasury', destination: 'acct-x' } })).toBe(
      'INVALID_PROPOSAL',
    );
  });
});

describe('milestones for the first-steps checklist', () => {
  it('records opened blocks and exported evidence from the audit log; they only grow', async () => {
    const before = await call('app.milestones', {});
    const r = await request('2500', 'acct-milestone', 'carol');
    await call('custody.approve', { requestId: r.requestId, keyId: byLabel('alice'), passphrase: PASS });
    const done = await call('custody.approve', { requestId: r.requestId, keyId: byLabel('bob'), passphrase: PASS });
    expect(done.request.status).toBe('executed');
    await call('explorer.block', { height: done.request.executedAt! });
    await call('evidence.exportWithdrawal', { requestId: r.requestId });
    // A failed export is not a milestone.
    const other = await request('10', 'acct-not-exported', 'carol');
    expect(await fail('evidence.exportWithdrawal', { requestId: other.requestId })).not.toBe('INTERNAL');
    const after = await call('app.milestones', {});
    expect(after.openedBlocks).toContain(done.request.executedAt);
    expect(after.exportedRequests).toContain(r.requestId);
    expect(after.exportedRequests).not.toContain(other.requestId);
    for (const b of before.openedBlocks) expect(after.openedBlocks).toContain(b);
  });
});

// The README's five steps through the real services: a real workspace file,
// the real embedded devnet, reached by the CometBFT client over its RPC socket.
// Nothing is mocked. The evidence file is checked with an independent
// implementation (node:crypto's Ed25519 and SHA-256), not with our own code.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import canonicalize from 'canonicalize';
import { createCharter, type Charter } from '../../main/app.js';
import type { KeyView, MethodName, MethodOutput } from '../../core/contract/index.js';
import { contractApi, type InputArgs } from '../../core/contract/client.js';

const PASS = 'correct horse battery staple';
const FAST = { n: 1 << 12, r: 8, p: 1 }; // keeps the suite quick; the product uses N=2^17
const jcs = ((canonicalize as unknown as { default?: unknown }).default ?? canonicalize) as (v: unknown) => string;

let dir: string;
let charter: Charter;

/** Call an operation with its real types; a refusal rejects with its code. */
function call<M extends MethodName>(method: M, ...input: InputArgs<M>): Promise<MethodOutput<M>> {
  return contractApi(charter.dispatch).call(method, ...input);
}
async function fail(method: string, input: unknown): Promise<string> {
  const r = await charter.dispatch(method, input);
  if (r.ok) throw new Error(`${method} unexpectedly succeeded`);
  expect(r.error.message.length).toBeGreaterThan(0);
  expect(r.error.hint.length).toBeGreaterThan(0);
  return r.error.code;
}
/**
 * Everything a rejected action could change: the application's committed state
 * root (abci_info), vaults and requests. Not the height: like CometBFT, the node
 * may add one more block after a block with transactions, to carry its app hash.
 */
async function observable(): Promise<unknown> {
  const info = await charter.services.chain.get().then((c) => c.abciInfo());
  return {
    appHash: info.appHash,
    vaults: await call('custody.listVaults', {}),
    requests: await call('custody.listRequests', {}),
  };
}

function ed25519Verify(publicKeyHex: string, message: Buffer, signatureHex: string): boolean {
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKeyHex, 'hex')]);
  const key = crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' });
  return crypto.verify(null, message, key, Buffer.from(signatureHex, 'hex'));
}

const keys: KeyView[] = [];
let requestId = '';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-flow-'));
  charter = await createCharter({ host: 'serve', workspace: dir, blockTimeMs: 100, scrypt: FAST, watch: false });
});
afterAll(async () => {
  await charter?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the first custody flow, end to end through the services', () => {
  it('names the embedded devnet\'s admin key in app.info, so the console can show it as "Devnet admin"', async () => {
    const info = await call('app.info', {});
    expect(info.devnet).toBe(true);
    expect(info.devnetAdminKeyId).toMatch(/^[0-9a-f]{40}$/);
  });

  it('1. creates three encrypted Ed25519 software keys', async () => {
    for (const label of ['alice', 'bob', 'carol']) keys.push(await call('keys.create', { label, passphrase: PASS }));
    expect(keys.map((k) => k.scheme)).toEqual(['ed25519', 'ed25519', 'ed25519']);
    expect(keys.every((k) => k.onChain === 'unregistered')).toBe(true);
    const files = fs.readdirSync(path.join(dir, 'keystore'));
    expect(files).toHaveLength(3);
    for (const f of files) expect(fs.readFileSync(path.join(dir, 'keystore', f), 'utf8')).not.toContain(PASS);
  });

  it('2. creates a 2-of-3 vault over them and funds it from the devnet faucet', async () => {
    const created = await call('custody.createVault', {
      vaultId: 'treasury',
      name: 'Treasury',
      approvers: keys.map((k) => k.keyId),
      threshold: 2,
    });
    expect(created.vault.policy).toEqual({ approvers: keys.map((k) => k.keyId), threshold: 2 });
    const listed = await call('keys.list', {});
    expect(listed.keys.every((k) => k.onChain === 'active')).toBe(true);
    const funded = await call('custody.fundVault', { vaultId: 'treasury', asset: 'USDC', amount: '1000000' });
    expect(funded.vault.balances).toEqual({ USDC: '1000000' });
  });

  it('3. requests a withdrawal and approves it with two keys; it executes in a block', async () => {
    const created = await call('custody.createWithdrawal', {
      vaultId: 'treasury',
      asset: 'USDC',
      amount: '250000',
      destination: 'acct:exchange-hot-1',
      memo: 'rebalance',
      keyId: keys[0]!.keyId,
      passphrase: PASS,
    });
    requestId = created.request.requestId;
    expect(created.request.status).toBe('pending');
    // The engine's pre-check, before anyone signs: approvals are the one control not yet met.
    const pre = await call('custody.precheck', { requestId });
    const approvals = pre.controls.find((c) => /approv|threshold/.test(c.control));
    expect(approvals, JSON.stringify(pre.controls)).toBeDefined();
    expect(approvals!.status).not.toBe('met');
    expect(pre.controls.every((c) => ['met', 'not_met', 'waiting', 'not_applicable'].includes(c.status))).toBe(true);
    // The engine knows no decimals: its words say base units, never "1000000 USDC" (which would read as a million dollars).
    expect(pre.controls.find((c) => c.control === 'balance')?.detail).toBe('vault holds 1000000 base units of USDC');
    const first = await call('custody.approve', { requestId, keyId: keys[1]!.keyId, passphrase: PASS });
    expect(first.request.status).toBe('pending');
    expect(first.request.approvals).toHaveLength(1);
    const second = await call('custody.approve', { requestId, keyId: keys[2]!.keyId, passphrase: PASS });
    expect(second.request.status).toBe('executed');
    expect(second.request.executedAt).toBe(second.height);
    const vaults = await call('custody.listVaults', {});
    expect(vaults.vaults[0]!.balances).toEqual({ USDC: '750000' });
  });

  it('4. opens the executing block and transaction in the explorer', async () => {
    const req = await call('custody.getRequest', { requestId });
    const block = await call('explorer.block', { height: req.executedAt! });
    expect(block.height).toBe(req.executedAt);
    expect(block.txs.map((t) => t.hash)).toContain(req.executedTx);
    expect(block.hash).toMatch(/^[0-9A-F]{64}$/);
    // The header carries the root before this block; the root after it is reported separately.
    const after = block.resultAppHash;
    expect(after).toMatch(/^[0-9A-F]{64}$/);
    // The node adds a block after one that changed state; its header carries the new root.
    let next: { appHash: string } | null = null;
    for (let i = 0; i < 50 && !next; i++) {
      const r = await contractApi(charter.dispatch).result('explorer.block', { height: req.executedAt! + 1 });
      if (r.ok) next = r.value;
      else await new Promise((res) => setTimeout(res, 100));
    }
    expect(next?.appHash).toBe(after);
    const tx = await call('explorer.tx', { hash: req.executedTx! });
    expect(tx.type).toBe('withdrawal.approve');
    expect(tx.code).toBe(0);
    expect((tx.envelope as { body: { request_id: string } }).body.request_id).toBe(requestId);
    expect(tx.events.map((e) => e.type)).toContain('custody.withdrawal_executed');
    const overview = await call('explorer.overview', { limit: 5 });
    expect(overview.blocks[0]!.height).toBeGreaterThanOrEqual(block.height);
  });

  it('5. exports canonical JSON evidence that an independent verifier accepts', async () => {
    const ev = await call('evidence.exportWithdrawal', { requestId });
    const doc = JSON.parse(ev.content);
    expect(jcs(doc)).toBe(ev.content); // canonical
    expect(crypto.createHash('sha256').update(ev.content).digest('hex')).toBe(ev.sha256);
    expect(fs.readFileSync(ev.artifact, 'utf8')).toBe(ev.content);
    expect(doc.request.request_id).toBe(requestId);
    expect(doc.approvals).toHaveLength(2);
    const approvers = new Set<string>();
    for (const t of [doc.creation, ...doc.approvals]) {
      const { signature, ...unsigned } = t.envelope;
      const digest = crypto
        .createHash('sha256')
        .update(Buffer.concat([Buffer.from('charter/tx/v1'), Buffer.from([0]), Buffer.from(jcs(unsigned))]))
        .digest();
      expect(digest.toString('hex')).toBe(t.signing_digest);
      expect(ed25519Verify(t.signer.public_key, digest, signature)).toBe(true);
      expect(t.signature).toBe(signature);
      const keyId = crypto
        .createHash('sha256')
        .update(Buffer.concat([Buffer.from('ed25519'), Buffer.from([0]), Buffer.from(t.signer.public_key, 'hex')]))
        .digest('hex')
        .slice(0, 40);
      expect(t.signer.key_id).toBe(keyId);
      expect(crypto.createHash('sha256').update(jcs(t.envelope)).digest('hex').toUpperCase()).toBe(t.tx_hash);
      if (t.envelope.type === 'withdrawal.approve') approvers.add(t.signer.key_id);
    }
    expect(approvers.size).toBe(2);
    expect(doc.execution.block.height).toBe(doc.request.executed_at);
    expect(doc.execution.block.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(doc.execution.block.result_app_hash).toMatch(/^[0-9A-F]{64}$/);
    expect(doc.execution.block.validator_signatures.length).toBeGreaterThanOrEqual(1);
    // Same request, same bytes.
    const again = await call('evidence.exportWithdrawal', { requestId });
    expect(again.sha256).toBe(ev.sha256);
  });

  it('records every action in the audit log, whose chain verifies', async () => {
    const { entries } = await call('audit.list', { limit: 100 });
    const actions = entries.map((e) => e.action);
    for (const a of [
      'keys.create',
      'custody.createVault',
      'custody.fundVault',
      'custody.createWithdrawal',
      'custody.approve',
      'explorer.block',
      'explorer.tx',
      'evidence.exportWithdrawal',
    ]) {
      expect(actions, a).toContain(a);
    }
    expect(await call('audit.verify', {})).toMatchObject({ ok: true });
  });
});

describe('bad input gets a stable code and changes nothing', () => {
  it('malformed contract calls', async () => {
    expect(await fail('keys.explode', {})).toBe('UNKNOWN_METHOD');
    expect(await fail('custody.createVault', { vaultId: 'x' })).toBe('INVALID_INPUT');
    expect(await fail('custody.createVault', { vaultId: 'Bad Id!', name: 'n', approvers: [], threshold: 0 })).toBe('INVALID_INPUT');
    expect(await fail('keys.create', { label: 'x', passphrase: 'long enough', extra: 1 })).toBe('INVALID_INPUT');
    expect(await fail('keys.create', 'not an object')).toBe('INVALID_INPUT');
    expect(await fail('custody.fundVault', { vaultId: 'treasury', asset: 'USDC', amount: '-5' })).toBe('INVALID_INPUT');
    expect(await fail('explorer.block', { height: 999_999 })).toBe('NOT_FOUND');
    expect(await fail('explorer.tx', { hash: 'AB'.repeat(32) })).toBe('NOT_FOUND');
    const r = await charter.dispatch('custody.approve', { requestId: 'nope', keyId: 'zz', passphrase: PASS });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(JSON.stringify(r.error)).not.toContain(PASS); // the secret is not echoed back
  });

  it('a vault that would be refused registers no key on the way', async () => {
    const fresh = await call('keys.create', { label: 'unregistered', passphrase: PASS });
    const before = await observable();
    expect(await fail('custody.createVault', { vaultId: 'treasury', name: 'Again', approvers: [fresh.keyId, keys[0]!.keyId], threshold: 1 })).toBe(
      'VAULT_EXISTS',
    );
    expect(await fail('custody.createVault', { vaultId: 'other', name: 'Other', approvers: [fresh.keyId, 'ab'.repeat(20)], threshold: 1 })).toBe(
      'KEY_NOT_FOUND',
    );
    expect(await fail('custody.createVault', { vaultId: 'other', name: 'Other', approvers: [fresh.keyId], threshold: 2 })).toBe('INVALID_POLICY');
    expect(await observable()).toEqual(before);
    expect((await call('keys.list', {})).keys.find((k) => k.keyId === fresh.keyId)?.onChain).toBe('unregistered');
  });

  it('a wrong passphrase signs nothing', async () => {
    const before = await observable();
    const { request } = await call('custody.createWithdrawal', {
      vaultId: 'treasury',
      asset: 'USDC',
      amount: '10',
      destination: 'acct:x',
      memo: '',
      keyId: keys[0]!.keyId,
      passphrase: PASS,
    });
    requestId = request.requestId;
    const mid = await observable();
    expect(await fail('custody.approve', { requestId: request.requestId, keyId: keys[1]!.keyId, passphrase: 'not the passphrase' })).toBe('WRONG_PASSPHRASE');
    expect(await observable()).toEqual(mid);
    expect(before).not.toEqual(mid);
  });

  it('an approval by a key outside the policy', async () => {
    const outsider = await call('keys.create', { label: 'mallory', passphrase: PASS });
    await call('keys.register', { keyId: outsider.keyId });
    const before = await observable();
    expect(await fail('custody.approve', { requestId, keyId: outsider.keyId, passphrase: PASS })).toBe('NOT_AN_APPROVER');
    expect(await observable()).toEqual(before);
  });

  it('a double approval', async () => {
    await call('custody.approve', { requestId, keyId: keys[1]!.keyId, passphrase: PASS });
    const before = await observable();
    expect(await fail('custody.approve', { requestId, keyId: keys[1]!.keyId, passphrase: PASS })).toBe('DUPLICATE_APPROVAL');
    expect(await observable()).toEqual(before);
  });

  it('an approval signs exactly what its preview showed, or nothing', async () => {
    const { request } = await call('custody.createWithdrawal', {
      vaultId: 'treasury',
      asset: 'USDC',
      amount: '7',
      destination: 'acct:preview',
      memo: '',
      keyId: keys[0]!.keyId,
      passphrase: PASS,
    });
    const preview = await call('custody.previewApproval', { requestId: request.requestId, keyId: keys[2]!.keyId });
    expect(preview.envelope).toMatchObject({ type: 'withdrawal.approve', body: { request_id: request.requestId }, signer: keys[2]!.keyId });
    expect(jcs(JSON.parse(preview.canonical))).toBe(preview.canonical);
    const digest = crypto
      .createHash('sha256')
      .update(Buffer.concat([Buffer.from('charter/tx/v1'), Buffer.from([0]), Buffer.from(preview.canonical)]))
      .digest('hex');
    expect(preview.signingDigest).toBe(digest);
    // A preview that does not match what would be signed now: refused before signing.
    const before = await observable();
    const tampered = { nonce: preview.nonce, expiresAt: preview.expiresAt, digest: 'ab'.repeat(32) };
    expect(await fail('custody.approve', { requestId: request.requestId, keyId: keys[2]!.keyId, passphrase: PASS, expected: tampered })).toBe('PREVIEW_STALE');
    expect(
      await fail('custody.approve', {
        requestId: request.requestId,
        keyId: keys[2]!.keyId,
        passphrase: PASS,
        expected: { ...tampered, digest: preview.signingDigest, nonce: preview.nonce + 5 },
      }),
    ).toBe('PREVIEW_STALE');
    expect(await observable()).toEqual(before);
    // The real preview: the approval on chain is exactly the previewed envelope.
    await new Promise((r) => setTimeout(r, 300)); // let a block or two pass: the previewed expiry still holds
    const approved = await call('custody.approve', {
      requestId: request.requestId,
      keyId: keys[2]!.keyId,
      passphrase: PASS,
      expected: { nonce: preview.nonce, expiresAt: preview.expiresAt, digest: preview.signingDigest },
    });
    const tx = await call('explorer.tx', { hash: approved.txHash });
    expect(tx.signingDigest).toBe(preview.signingDigest);
    const { signature: _sig, ...unsigned } = tx.envelope as Record<string, unknown>;
    expect(jcs(unsigned)).toBe(preview.canonical);
  });

  it('a withdrawal above the balance', async () => {
    const before = await observable();
    expect(
      await fail('custody.createWithdrawal', {
        vaultId: 'treasury',
        asset: 'USDC',
        amount: '999999999',
        destination: 'acct:x',
        memo: '',
        keyId: keys[0]!.keyId,
        passphrase: PASS,
      }),
    ).toBe('INSUFFICIENT_BALANCE');
    expect(await observable()).toEqual(before);
  });

  it('failed attempts are audited with their code, and no secret reaches the database or the Output log', async () => {
    const { entries } = await call('audit.list', { limit: 200 });
    const codes = entries.filter((e) => e.result === 'error').map((e) => e.details.code);
    expect(codes).toEqual(expect.arrayContaining(['WRONG_PASSPHRASE', 'NOT_AN_APPROVER', 'DUPLICATE_APPROVAL', 'INSUFFICIENT_BALANCE', 'INVALID_INPUT']));
    const out = await call('output.recent', {});
    expect(JSON.stringify(out)).not.toContain(PASS);
    const blobs = ['workspace.db', 'workspace.db-wal'].filter((f) => fs.existsSync(path.join(dir, f))).map((f) => fs.readFileSync(path.join(dir, f)));
    for (const b of blobs) expect(b.includes(Buffer.from(PASS))).toBe(false);
  });

  it('restarting the console resumes the chain at the same height and state root', async () => {
    const before = await charter.services.chain.get().then((c) => c.status());
    await charter.close();
    charter = await createCharter({ host: 'serve', workspace: dir, blockTimeMs: 100, scrypt: FAST, watch: false });
    const after = await charter.services.chain.get().then((c) => c.status());
    expect(after.height).toBe(before.height);
    expect(after.appHash).toBe(before.appHash);
    const listed = await call('keys.list', {});
    expect(listed.keys).toHaveLength(5);
  });
});

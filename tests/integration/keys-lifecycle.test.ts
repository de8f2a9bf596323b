// The key lifecycle through the console's contract on the real embedded devnet,
// with software keys: generate (with an attestation record) → register with the
// record as evidence (content-addressed in the workspace, referenced by sha256
// on chain) → re-attest → rotate (the old key signs, governance approves) →
// retire, and emergency revoke by an operator quorum; a revoked key's
// approval no longer counts. Wrong secrets are refused with their codes and
// change nothing. At the end the workspace (SQLite files incl. WAL), the
// Output log and the audit log are searched for every secret typed.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex, utf8 } from '../../core/codec/index.js';
import type { KeyView, ProposalView } from '../../core/contract/index.js';
import type { KeyRecord } from '../../core/engine/types.js';
import { useConsole } from './console-harness.js';
import { findSecrets } from './secrets-scan.js';

const h = useConsole('charter-keys-');
const { call, fail } = h;

// Distinct secrets per key, so a leak names its source.
const SECRETS = {
  a: 'alpha-passphrase-7431',
  b: 'bravo-passphrase-9902',
  c: 'charlie-passphrase-5518',
  d: 'delta-operator-2207',
  e: 'echo-operator-6641',
  f: 'foxtrot-target-3090',
  g: 'golf-p256-pass-4471',
  h: 'hotel-k1-pass-8823',
  wrong: 'not-the-right-one-1111',
};

const keys: Record<string, KeyView> = {};

async function keyView(keyId: string): Promise<KeyView> {
  const k = (await call('keys.list', {})).keys.find((x) => x.keyId === keyId);
  if (!k) throw new Error(`key ${keyId} not listed`);
  return k;
}

async function record(keyId: string): Promise<KeyRecord | null> {
  return (await h.charter.services.chain.get()).query<KeyRecord>(`/key/${keyId}`);
}

/** Vote yes as the devnet admin (the genesis governance member) and execute once passed. */
async function pass(proposalId: string): Promise<ProposalView> {
  await call('governance.vote', { proposalId, vote: 'yes' });
  for (let i = 0; i < 40; i++) {
    const r = await h.api.result('governance.execute', { proposalId });
    if (r.ok) return r.value.proposal;
    await new Promise((res) => setTimeout(res, 150));
  }
  throw new Error(`proposal ${proposalId} did not become executable`);
}

describe('the key lifecycle in the console (software keys, real devnet)', () => {
  it('lists the software keystore as a ready device', async () => {
    const { devices } = await call('keys.devices', {});
    expect(devices.find((d) => d.backend === 'software')).toMatchObject({ deviceId: 'software', state: 'ready' });
  });

  it('generates keys with an attestation record kept content-addressed in the workspace', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f'] as const) {
      const out = await call('keys.generate', { backend: 'software', scheme: 'ed25519', label: `key-${n}`, secret: SECRETS[n] });
      keys[n] = out.key;
      expect(out.key).toMatchObject({ backend: 'software', scheme: 'ed25519', deviceId: 'software', onChain: 'unregistered', roles: [] });
      expect(out.attestation.record).toMatchObject({
        format: 'charter-key-attestation/v1',
        key_id: out.key.keyId,
        public_key: out.key.publicKey,
        backend: 'software',
      });
      expect(out.attestation.canonical).toBe(canonicalJson(out.attestation.record));
      expect(out.attestation.sha256).toBe(sha256Hex(utf8(out.attestation.canonical)));
      expect(out.attestation.ref).toBe(`sha256:${out.attestation.sha256}`);
      expect(fs.readFileSync(out.attestation.artifact, 'utf8')).toBe(out.attestation.canonical);
      expect(path.dirname(out.attestation.artifact)).toBe(h.charter.workspace.artifactsDir);
    }
    // A short passphrase and an unconfigured backend are refused with their codes, and create nothing.
    const before = (await call('keys.list', {})).keys.length;
    expect(await fail('keys.generate', { backend: 'software', scheme: 'ed25519', label: 'short', secret: 'short' })).toBe('WEAK_PASSPHRASE');
    expect(await fail('keys.generate', { backend: 'pkcs11', scheme: 'p256', label: 'no-module', secret: '1234' })).toBe('NOT_AVAILABLE');
    expect(await fail('keys.generate', { backend: 'usb-stick', scheme: 'ed25519', label: 'x' })).toBe('INVALID_INPUT');
    expect((await call('keys.list', {})).keys.length).toBe(before);
  });

  it('registers a key with its attestation record as on-chain evidence; a wrong passphrase changes nothing', async () => {
    const a = keys['a']!;
    expect(await fail('keys.register', { keyId: a.keyId, secret: SECRETS.wrong })).toBe('WRONG_PASSPHRASE');
    expect(await record(a.keyId)).toBeNull();

    const out = await call('keys.register', { keyId: a.keyId, secret: SECRETS.a, revalidateInBlocks: 500 });
    expect(out.attestationRef).toMatch(/^sha256:[0-9a-f]{64}$/);
    const rec = await record(a.keyId);
    expect(rec).toMatchObject({ status: 'active', public_key: a.publicKey, attestation: { ref: out.attestationRef, revalidate_by: out.revalidateBy } });
    expect(out.revalidateBy).toBeGreaterThan(out.height);
    // The reference names a record the workspace holds, whose hash it is.
    const sha = out.attestationRef!.slice('sha256:'.length);
    const text = fs.readFileSync(path.join(h.charter.workspace.artifactsDir, `${sha}.json`), 'utf8');
    expect(sha256Hex(utf8(text))).toBe(sha);
    expect(JSON.parse(text)).toMatchObject({ key_id: a.keyId, public_key: a.publicKey });

    const v = await keyView(a.keyId);
    expect(v).toMatchObject({ onChain: 'active', attestationRef: out.attestationRef, revalidateBy: out.revalidateBy, revalidationDue: false });
    expect(v.roles).toEqual(expect.arrayContaining(['approver', 'initiator']));

    expect(await fail('keys.register', { keyId: a.keyId })).toBe('KEY_EXISTS');
  });

  it('registers without a secret using the record kept at generation', async () => {
    for (const n of ['b', 'd', 'e', 'f'] as const) {
      const out = await call('keys.register', { keyId: keys[n]!.keyId });
      expect(out.attestationRef).toMatch(/^sha256:/);
    }
    expect((await keyView(keys['b']!.keyId)).onChain).toBe('active');
  });

  it('re-attests a registered key: a new deadline on chain', async () => {
    const a = keys['a']!;
    const before = (await record(a.keyId))!.attestation!;
    const out = await call('keys.attest', { keyId: a.keyId, secret: SECRETS.a, submit: true, revalidateInBlocks: 2000 });
    expect(out.revalidateBy).toBeGreaterThan(before.revalidate_by);
    expect((await record(a.keyId))!.attestation).toMatchObject({ ref: out.ref, revalidate_by: out.revalidateBy });
    // Without submit: the record only, read from the device, nothing on chain.
    const local = await call('keys.attest', { keyId: a.keyId, secret: SECRETS.a });
    expect(local.txHash).toBeNull();
    expect(await fail('keys.attest', { keyId: a.keyId, secret: SECRETS.wrong })).toBe('WRONG_PASSPHRASE');
  });

  it('rotates: the old key signs the hand-over, governance approves, the old key retires', async () => {
    const a = keys['a']!;
    const c = keys['c']!;
    // A wrong passphrase for the old key: refused, and the successor is NOT registered on the way.
    expect(await fail('keys.rotate', { keyId: a.keyId, newKeyId: c.keyId, secret: SECRETS.wrong })).toBe('WRONG_PASSPHRASE');
    expect(await record(c.keyId)).toBeNull();
    expect((await record(a.keyId))!.rotation).toBeUndefined();

    const out = await call('keys.rotate', { keyId: a.keyId, newKeyId: c.keyId, secret: SECRETS.a });
    expect(out.newKeyRegistered).toBe(true);
    expect((await keyView(a.keyId)).rotation).toEqual({ to: c.keyId, from: null, pending: true });
    const done = await pass(out.proposalId);
    expect(done.status).toBe('executed');
    const oldView = await keyView(a.keyId);
    expect(oldView.onChain).toBe('retired');
    expect(oldView.rotation).toMatchObject({ to: c.keyId, pending: false });
    expect((await keyView(c.keyId)).rotation).toMatchObject({ from: a.keyId });
  });

  it('retires a key signed by the key itself', async () => {
    const b = keys['b']!;
    expect(await fail('keys.retire', { keyId: b.keyId, reason: 'decommissioned', secret: SECRETS.wrong })).toBe('WRONG_PASSPHRASE');
    expect((await record(b.keyId))!.status).toBe('active');
    await call('keys.retire', { keyId: b.keyId, reason: 'decommissioned', secret: SECRETS.b });
    expect(await keyView(b.keyId)).toMatchObject({ onChain: 'retired', ended: { reason: 'decommissioned' } });
    expect(await fail('keys.retire', { keyId: b.keyId, reason: 'again', secret: SECRETS.b })).toBe('KEY_STATUS_CONFLICT');
  });

  it("emergency revoke: two operators (distinct owners) reach the quorum; the revoked key's approval no longer counts", async () => {
    const [d, e, f, c] = [keys['d']!, keys['e']!, keys['f']!, keys['c']!];
    await call('keys.setRoles', { keyId: d.keyId, roles: ['operator'], owner: 'ops-dana' });
    await call('keys.setRoles', { keyId: e.keyId, roles: ['operator'], owner: 'ops-eli' });
    expect((await keyView(d.keyId)).roles).toEqual(['operator']);

    // A 1-of-2 vault over f and c, funded; f will be revoked before it approves.
    await call('custody.createVault', { vaultId: 'rv-vault', name: 'Revocation test', approvers: [f.keyId, c.keyId], threshold: 1 });
    await call('custody.fundVault', { vaultId: 'rv-vault', asset: 'USDC', amount: '1000' });
    const req = await call('custody.createWithdrawal', {
      vaultId: 'rv-vault',
      asset: 'USDC',
      amount: '10',
      destination: 'acct:x',
      memo: '',
      keyId: c.keyId,
      passphrase: SECRETS.c,
    });

    // Not an operator: refused by the engine, nothing proposed.
    expect(await fail('keys.revoke', { keyId: f.keyId, reason: 'lost laptop', signerKeyId: c.keyId, secret: SECRETS.c })).toBe('NOT_AUTHORIZED');
    const first = await call('keys.revoke', { keyId: f.keyId, reason: 'lost laptop', signerKeyId: d.keyId, secret: SECRETS.d });
    expect(first.control).toMatchObject({ action: 'key.revoke', keyId: f.keyId, status: 'collecting', signatures: [d.keyId], quorum: 2 });
    expect((await keyView(f.keyId)).onChain).toBe('active');
    const second = await call('keys.revoke', { keyId: f.keyId, reason: 'lost laptop', signerKeyId: e.keyId, secret: SECRETS.e });
    expect(second.control.controlId).toBe(first.control.controlId);
    expect(second.control.status).toBe('active');
    expect(await keyView(f.keyId)).toMatchObject({ onChain: 'revoked' });

    // The revoked key's approval is refused and the request stays pending.
    const code = await fail('custody.approve', { requestId: req.request.requestId, keyId: f.keyId, passphrase: SECRETS.f });
    expect(code).toMatch(/^[A-Z_]+$/);
    expect(code).not.toBe('INTERNAL');
    expect((await call('custody.getRequest', { requestId: req.request.requestId })).status).toBe('pending');

    // Governance ratifies: the revocation is permanent.
    const prop = await call('governance.propose', { track: 'operational', action: { type: 'emergency.ratify', control_id: first.control.controlId } });
    await pass(prop.proposal.proposalId);
    expect((await h.charter.services.keys.control(first.control.controlId)).status).toBe('ratified');
  });

  it('a governance vote and a withdrawal approval can be signed with a software key of the registry', async () => {
    const c = keys['c']!;
    await call('keys.setRoles', { keyId: c.keyId, roles: ['approver', 'initiator', 'governance'], owner: 'carol' });
    const prop = await call('governance.propose', { track: 'protocol', action: { type: 'params.set', max_expiry_blocks: 900 } });
    expect(await fail('governance.vote', { proposalId: prop.proposal.proposalId, vote: 'yes', keyId: c.keyId, passphrase: SECRETS.wrong })).toBe(
      'WRONG_PASSPHRASE',
    );
    expect(await fail('governance.vote', { proposalId: prop.proposal.proposalId, vote: 'yes', keyId: c.keyId })).toBe('WRONG_PASSPHRASE');
    const voted = await call('governance.vote', { proposalId: prop.proposal.proposalId, vote: 'yes', keyId: c.keyId, passphrase: SECRETS.c });
    expect(voted.proposal.votes.map((v) => v.keyId)).toContain(c.keyId);
  });

  it('software P-256 and secp256k1 (Web3 keystore) keys approve a withdrawal that executes', async () => {
    const p = await call('keys.generate', { backend: 'software', scheme: 'p256', label: 'sw-p256', secret: SECRETS.g });
    const s = await call('keys.generate', { backend: 'software', scheme: 'secp256k1', label: 'sw-k1', secret: SECRETS.h });
    expect([p.key.scheme, s.key.scheme]).toEqual(['p256', 'secp256k1']);
    await call('custody.createVault', { vaultId: 'curves', name: 'Curves', approvers: [p.key.keyId, s.key.keyId], threshold: 2 });
    await call('custody.fundVault', { vaultId: 'curves', asset: 'USDC', amount: '100' });
    const req = await call('custody.createWithdrawal', {
      vaultId: 'curves',
      asset: 'USDC',
      amount: '40',
      destination: 'acct:y',
      memo: '',
      keyId: keys['c']!.keyId,
      passphrase: SECRETS.c,
    });
    const requestId = req.request.requestId;
    await call('custody.approve', { requestId, keyId: p.key.keyId, passphrase: SECRETS.g });
    const done = await call('custody.approve', { requestId, keyId: s.key.keyId, passphrase: SECRETS.h });
    expect(done.request.status).toBe('executed');
  });

  it('every action is in the audit log, and no secret typed is anywhere in the workspace, the Output log or the audit log', async () => {
    const { entries } = await call('audit.list', { limit: 1000 });
    const actions = new Set(entries.map((e) => e.action));
    for (const a of ['keys.generate', 'keys.register', 'keys.attest', 'keys.rotate', 'keys.retire', 'keys.revoke', 'keys.setRoles'])
      expect(actions, a).toContain(a);
    // Refusals are audited too, with their code.
    expect(entries.some((e) => e.action === 'keys.register' && e.result === 'error' && e.details['code'] === 'WRONG_PASSPHRASE')).toBe(true);
    // Secret inputs are recorded as redacted.
    const gen = entries.find((e) => e.action === 'keys.generate' && e.result === 'ok')!;
    expect((gen.details['input'] as Record<string, unknown>)['secret']).toBe('[redacted]');

    const secrets = Object.values(SECRETS);
    // The scanner finds a planted secret in either encoding (so this check can fail).
    expect(findSecrets(Buffer.concat([Buffer.from('x'), Buffer.from(SECRETS.a, 'utf16le')]), secrets)).toEqual([SECRETS.a]);
    expect(findSecrets(`..${SECRETS.e}..`, secrets)).toEqual([SECRETS.e]);
    const out = await call('output.recent', {});
    expect(JSON.stringify(out.lines).length).toBeGreaterThan(10); // the Output log has lines to search
    expect(findSecrets(JSON.stringify(out.lines), secrets)).toEqual([]);
    expect(findSecrets(JSON.stringify(entries), secrets)).toEqual([]);
    // Every file of the workspace, SQLite database, -wal and -shm included, as bytes (UTF-8 and UTF-16).
    const files = listFiles(h.dir);
    expect(files.some((f) => f.endsWith('.sqlite') || f.endsWith('.db') || f.endsWith('-wal'))).toBe(true);
    const hits: string[] = [];
    for (const f of files) for (const s of findSecrets(fs.readFileSync(f), secrets)) hits.push(`${f}: ${s}`);
    expect(hits).toEqual([]);
  });
});

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

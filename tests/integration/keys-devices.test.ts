// Keys of several backends in one console, on the real embedded devnet:
// the software keystore and a real SoftHSM2 token (its own token store in a
// temp directory). A P-256 key generated ON the token is registered with its
// attestation record (CKA_LOCAL, CKA_NEVER_EXTRACTABLE… read back from the
// token) as evidence, approves a withdrawal of a 2-of-3 vault with its PIN,
// and wrong PINs are refused with PIN_INCORRECT, changing nothing. At the end
// every PIN and passphrase typed is searched for in the workspace (SQLite
// files incl. WAL), the Output log and the audit log: none is found.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyView } from '../../core/contract/index.js';
import type { KeyRecord } from '../../core/engine/types.js';
import { makeSoftHsmToken, type SoftHsmToken } from '../support/softhsm.js';
import { useConsole } from './console-harness.js';
import { findSecrets } from './secrets-scan.js';

const SO_PIN = 'so-pin-console-6Fq2';
const USER_PIN = 'user-pin-console-8Kx4';
const WRONG_PIN = 'wrong-pin-console-1Zr7';
const SW_PASS = 'software-approver-pass-3321';
const INIT_PASS = 'initiator-pass-9054';

let tok: SoftHsmToken;
beforeAll(async () => {
  tok = await makeSoftHsmToken({ label: 'console-ops', soPin: SO_PIN, userPin: USER_PIN });
});
// The token's module is configured as an operator does: in the workspace's config.json, edited outside the console.
const h = useConsole('charter-keys-dev-', (dir) => {
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ pkcs11: { modules: [{ path: tok.modulePath, tokenLabel: 'console-ops' }] } }, null, 2), {
    mode: 0o600,
  });
  return {};
});
afterAll(() => tok?.cleanup());
const { call, fail } = h;

const k: Record<string, KeyView> = {};
let requestId = '';

describe('software and PKCS#11 keys in one console', () => {
  it('lists the software keystore and the SoftHSM token as ready devices', async () => {
    const { devices } = await call('keys.devices', {});
    expect(devices.map((d) => [d.backend, d.state])).toEqual(
      expect.arrayContaining([
        ['software', 'ready'],
        ['pkcs11', 'ready'],
      ]),
    );
    const token = devices.find((d) => d.backend === 'pkcs11')!;
    expect(token.deviceId).toBe(`pkcs11:${tok.serial}`);
    // settings.get shows it, read-only, with where it came from.
    const settings = await call('settings.get', {});
    expect(settings.pkcs11Modules).toEqual([
      { path: tok.modulePath, source: 'config-file', origin: path.join(h.dir, 'config.json'), tokenLabel: 'console-ops', problem: null },
    ]);
    expect(JSON.stringify(token)).not.toContain(USER_PIN);
  });

  it('generates a P-256 key on the token with its attestation; a wrong PIN creates nothing', async () => {
    expect(await fail('keys.generate', { backend: 'pkcs11', scheme: 'p256', label: 'hsm-approver', secret: WRONG_PIN })).toBe('PIN_INCORRECT');
    expect((await call('keys.list', {})).keys.filter((x) => x.backend === 'pkcs11')).toEqual([]);

    const out = await call('keys.generate', { backend: 'pkcs11', scheme: 'p256', label: 'hsm-approver', secret: USER_PIN });
    k['hsm'] = out.key;
    expect(out.key).toMatchObject({ backend: 'pkcs11', scheme: 'p256', deviceId: `pkcs11:${tok.serial}`, onChain: 'unregistered' });
    expect(out.key.publicKey).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(out.attestation.record.key).toMatchObject({ CKA_LOCAL: true, CKA_NEVER_EXTRACTABLE: true, CKA_ALWAYS_SENSITIVE: true, CKA_EXTRACTABLE: false });
    expect(out.attestation.record.device['serial'] ?? JSON.stringify(out.attestation.record.device)).toContain(tok.serial);

    for (const [name, label, pass] of [
      ['sw', 'sw-approver', SW_PASS],
      ['init', 'initiator', INIT_PASS],
    ] as const) {
      k[name] = (await call('keys.generate', { backend: 'software', scheme: 'ed25519', label, secret: pass })).key;
    }
  });

  it('registers the token key with its attestation as evidence (PIN typed), and lists it with its status', async () => {
    expect(await fail('keys.register', { keyId: k['hsm']!.keyId, secret: WRONG_PIN })).toBe('PIN_INCORRECT');
    expect(await (await h.charter.services.chain.get()).query<KeyRecord>(`/key/${k['hsm']!.keyId}`)).toBeNull();
    const reg = await call('keys.register', { keyId: k['hsm']!.keyId, secret: USER_PIN });
    const sha = reg.attestationRef!.slice('sha256:'.length);
    const stored = JSON.parse(fs.readFileSync(path.join(h.charter.workspace.artifactsDir, `${sha}.json`), 'utf8'));
    expect(stored.key.CKA_LOCAL).toBe(true);
    const listed = (await call('keys.list', {})).keys.find((x) => x.keyId === k['hsm']!.keyId)!;
    expect(listed).toMatchObject({ onChain: 'active', attestationRef: reg.attestationRef, backend: 'pkcs11' });
  });

  it('a 2-of-3 vault: the HSM key (PIN) and a software key approve; the withdrawal executes on the devnet', async () => {
    await call('custody.createVault', { vaultId: 'mixed', name: 'Mixed', approvers: [k['sw']!.keyId, k['hsm']!.keyId, k['init']!.keyId], threshold: 2 });
    await call('custody.fundVault', { vaultId: 'mixed', asset: 'USDC', amount: '5000' });
    const created = await call('custody.createWithdrawal', {
      vaultId: 'mixed',
      asset: 'USDC',
      amount: '1200',
      destination: 'acct:cold',
      memo: '',
      keyId: k['init']!.keyId,
      passphrase: INIT_PASS,
    });
    requestId = created.request.requestId;

    expect(await fail('custody.approve', { requestId, keyId: k['hsm']!.keyId, passphrase: WRONG_PIN })).toBe('PIN_INCORRECT');
    expect((await call('custody.getRequest', { requestId })).approvals).toHaveLength(0);

    const first = await call('custody.approve', { requestId, keyId: k['hsm']!.keyId, passphrase: USER_PIN });
    expect(first.request.approvals.map((a) => a.keyId)).toEqual([k['hsm']!.keyId]);
    const second = await call('custody.approve', { requestId, keyId: k['sw']!.keyId, passphrase: SW_PASS });
    expect(second.request.status).toBe('executed');
    const v = (await call('custody.listVaults', {})).vaults.find((x) => x.vaultId === 'mixed');
    expect(v?.balances).toEqual({ USDC: '3800' });
  });

  it('no PIN or passphrase typed is in the workspace, the Output log or the audit log', async () => {
    const secrets = [SO_PIN, USER_PIN, WRONG_PIN, SW_PASS, INIT_PASS];
    expect(findSecrets(`x${USER_PIN}x`, secrets)).toEqual([USER_PIN]); // the scanner can find one
    const { entries } = await call('audit.list', { limit: 1000 });
    expect(entries.length).toBeGreaterThan(5);
    const { lines } = await call('output.recent', {});
    expect(findSecrets(JSON.stringify(entries), secrets)).toEqual([]);
    expect(findSecrets(JSON.stringify(lines), secrets)).toEqual([]);
    const walk = (d: string): string[] =>
      fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    const files = walk(h.dir);
    expect(files.some((f) => /-wal$|\.sqlite$|\.db$/.test(f))).toBe(true);
    const hits = files.flatMap((f) => findSecrets(fs.readFileSync(f), secrets).map((s) => `${path.relative(h.dir, f)}: ${s}`));
    expect(hits).toEqual([]);
  });
});

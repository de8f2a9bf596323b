// Keys of all three backends end to end, through the console's contract on the real
// embedded devnet: a 2-of-3 vault whose approvers are one software key, one
// SoftHSM2 P-256 key (a real token in a temp directory) and one Ledger
// secp256k1 key; a withdrawal approved by the HSM and Ledger keys executes.
// Then: a quarantined key's approval no longer counts.
//
// Mocked, because it cannot exist here: the Ledger device. Its place is taken by
// the APDU-level emulator of the Ethereum app (tests/support/ledger-emulator.ts)
// under the real @ledgerhq/hw-app-eth client and the real LedgerBackend.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyView } from '../../core/contract/index.js';
import { LedgerBackend } from '../../hsm/ledger.js';
import { emulatedLedger, LedgerEmulator } from '../support/ledger-emulator.js';
import { makeSoftHsmToken, type SoftHsmToken } from '../support/softhsm.js';
import { useConsole } from './console-harness.js';
import { findSecrets } from './secrets-scan.js';

const SO_PIN = 'so-pin-three-4Tq8';
const USER_PIN = 'user-pin-three-2Wd6';
const WRONG_PIN = 'wrong-pin-three-7Hb1';
const SW_PASS = 'software-three-pass-5090';

let tok: SoftHsmToken;
let ledgerDir: string;
// "Raw messages" on, Blind signing off: the device must show every field of what it signs.
const emulator = new LedgerEmulator({ rawMessages: true, blindSigning: false });
// The token's module comes from the environment, as an operator sets it: $CHARTER_PKCS11_MODULE (+ _TOKEN).
const savedEnv = { module: process.env.CHARTER_PKCS11_MODULE, token: process.env.CHARTER_PKCS11_TOKEN };
beforeAll(async () => {
  tok = await makeSoftHsmToken({ label: 'three-ops', soPin: SO_PIN, userPin: USER_PIN });
  ledgerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-ledger-store-'));
  process.env.CHARTER_PKCS11_MODULE = tok.modulePath;
  process.env.CHARTER_PKCS11_TOKEN = 'three-ops';
});
const h = useConsole('charter-keys-three-', () => ({
  keyBackends: [new LedgerBackend({ store: ledgerDir, ...emulatedLedger(emulator) })],
}));
afterAll(() => {
  for (const [k, v] of [
    ['CHARTER_PKCS11_MODULE', savedEnv.module],
    ['CHARTER_PKCS11_TOKEN', savedEnv.token],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  tok?.cleanup();
  if (ledgerDir) fs.rmSync(ledgerDir, { recursive: true, force: true });
});
const { call, fail } = h;

const k: Record<'sw' | 'hsm' | 'ledger', KeyView> = {} as never;

async function request(amount: string): Promise<string> {
  const r = await call('custody.createWithdrawal', {
    vaultId: 'tri',
    asset: 'USDC',
    amount,
    destination: 'acct:settlement',
    memo: '',
    keyId: k.sw.keyId,
    passphrase: SW_PASS,
  });
  return r.request.requestId;
}

describe('a 2-of-3 vault over a software key, a SoftHSM P-256 key and a Ledger secp256k1 key', () => {
  it("shows all three backends' devices ready", async () => {
    const { devices } = await call('keys.devices', {});
    const states = Object.fromEntries(devices.map((d) => [d.backend, d.state]));
    expect(states).toEqual({ software: 'ready', pkcs11: 'ready', ledger: 'ready' });
  });

  it('generates one key on each backend, each with its attestation record', async () => {
    const sw = await call('keys.generate', { backend: 'software', scheme: 'ed25519', label: 'sw-1', secret: SW_PASS });
    const hsm = await call('keys.generate', { backend: 'pkcs11', scheme: 'p256', label: 'hsm-1', secret: USER_PIN });
    const led = await call('keys.generate', { backend: 'ledger', scheme: 'secp256k1', label: 'ledger-1', path: "m/44'/60'/0'/0/0" });
    k.sw = sw.key;
    k.hsm = hsm.key;
    k.ledger = led.key;
    expect([sw.key.backend, hsm.key.backend, led.key.backend]).toEqual(['software', 'pkcs11', 'ledger']);
    expect([sw.key.scheme, hsm.key.scheme, led.key.scheme]).toEqual(['ed25519', 'p256', 'secp256k1']);
    expect(led.key.locator).toContain("44'/60'/0'/0/0");
    expect(hsm.attestation.record.key).toMatchObject({ CKA_LOCAL: true, CKA_NEVER_EXTRACTABLE: true });
    expect(led.attestation.record.backend).toBe('ledger');
    // The address was confirmed on the (emulated) device screen.
    expect(emulator.shown.some((s) => s.screen === 'address')).toBe(true);
    // Each is registered with its attestation as evidence.
    for (const key of [k.sw, k.hsm, k.ledger]) {
      const out = await call('keys.register', { keyId: key.keyId });
      expect(out.attestationRef).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    const listed = (await call('keys.list', {})).keys;
    expect(
      listed
        .filter((x) => x.onChain === 'active')
        .map((x) => x.backend)
        .sort(),
    ).toEqual(['ledger', 'pkcs11', 'software']);
  });

  it('a withdrawal approved by the HSM key and the Ledger key executes on the devnet', async () => {
    await call('custody.createVault', { vaultId: 'tri', name: 'Three backends', approvers: [k.sw.keyId, k.hsm.keyId, k.ledger.keyId], threshold: 2 });
    await call('custody.fundVault', { vaultId: 'tri', asset: 'USDC', amount: '10000' });
    const requestId = await request('2500');

    // A wrong PIN and a user rejection on the Ledger: refused with their codes, nothing counted.
    expect(await fail('custody.approve', { requestId, keyId: k.hsm.keyId, passphrase: WRONG_PIN })).toBe('PIN_INCORRECT');
    emulator.user = 'reject';
    const rejected = await fail('custody.approve', { requestId, keyId: k.ledger.keyId });
    emulator.user = 'approve';
    expect(rejected).toMatch(/^LEDGER_/);
    expect((await call('custody.getRequest', { requestId })).approvals).toHaveLength(0);

    const first = await call('custody.approve', { requestId, keyId: k.hsm.keyId, passphrase: USER_PIN });
    expect(first.request.status).toBe('pending');
    const shownBefore = emulator.shown.filter((s) => s.screen === 'eip712-sign').length;
    const fieldsBefore = emulator.shown.length;
    const second = await call('custody.approve', { requestId, keyId: k.ledger.keyId });
    expect(second.request.status).toBe('executed');
    expect(second.request.approvals.map((a) => a.keyId).sort()).toEqual([k.hsm.keyId, k.ledger.keyId].sort());
    // The Ledger showed the EIP-712 request it signed, field by field, then the sign screen.
    expect(emulator.shown.filter((s) => s.screen === 'eip712-sign').length).toBe(shownBefore + 1);
    const fields = emulator.shown.slice(fieldsBefore).flatMap((s) => (s.screen === 'eip712-field' ? [s.name] : []));
    expect(fields).toContain('request_id');
    const v = (await call('custody.listVaults', {})).vaults.find((x) => x.vaultId === 'tri');
    expect(v?.balances).toEqual({ USDC: '7500' });
  });

  it("a quarantined key's approval no longer counts", async () => {
    const requestId = await request('100');
    await call('custody.approve', { requestId, keyId: k.ledger.keyId });
    const q = await h.submitAsAdmin('key.quarantine', { key_id: k.ledger.keyId, reason: 'device reported lost' });
    expect(q.code).toBe(0);
    expect((await call('keys.list', {})).keys.find((x) => x.keyId === k.ledger.keyId)?.onChain).toBe('quarantined');
    // The HSM's approval would be the second: with the Ledger's quarantined, the request does not execute.
    const after = await call('custody.approve', { requestId, keyId: k.hsm.keyId, passphrase: USER_PIN });
    expect(after.request.status).toBe('pending');
    // The engine's pre-check says why: one approval counted of two, the Ledger's discounted by the quarantine.
    const pre = await call('custody.precheck', { requestId });
    const approvals = pre.controls.find((c) => c.control === 'approvals');
    expect(approvals?.numbers).toMatchObject({ counted: 1, need: 2 });
    const quarantine = pre.controls.find((c) => c.control === 'quarantine');
    expect(quarantine?.status).toBe('not_met');
    expect(quarantine?.detail).toContain(k.ledger.keyId);
    const v = (await call('custody.listVaults', {})).vaults.find((x) => x.vaultId === 'tri');
    expect(v?.balances).toEqual({ USDC: '7500' });
  });

  it('no PIN or passphrase is in the workspace, the Output log or the audit log', async () => {
    const secrets = [SO_PIN, USER_PIN, WRONG_PIN, SW_PASS];
    const { entries } = await call('audit.list', { limit: 1000 });
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['keys.generate', 'keys.register', 'custody.approve']));
    const { lines } = await call('output.recent', {});
    expect(findSecrets(JSON.stringify(entries) + JSON.stringify(lines), secrets)).toEqual([]);
    const walk = (d: string): string[] =>
      fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    const hits = [...walk(h.dir), ...walk(ledgerDir)].flatMap((f) => findSecrets(fs.readFileSync(f), secrets).map((s) => `${f}: ${s}`));
    expect(hits).toEqual([]);
  });
});

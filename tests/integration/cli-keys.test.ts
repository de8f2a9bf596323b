// `charter keys generate | attest | devices | list` through the real binary
// (bin/charter.js → dist/; run `node scripts/build.mjs` first when running
// this file alone), with software keys: secrets come from named environment
// variables (CI has no terminal) and appear in no output and no workspace file.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex, utf8 } from '../../core/codec/index.js';
import { findSecrets } from './secrets-scan.js';
import { makeSoftHsmToken } from '../support/softhsm.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'charter.js');
let tmp: string;
const PASS = 'cli-generate-passphrase-4471';

beforeAll(() => {
  if (!fs.existsSync(path.join(root, 'dist', 'main', 'cli', 'index.js'))) throw new Error('dist/ is missing: run `npm run build`');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-cli-keys-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CHARTER_PKCS11_MODULE: '', ...env },
    timeout: 90_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('charter keys generate / attest / devices', () => {
  it('generates a software key offline and prints its id, public key and attestation record; attest reads the same record back', () => {
    const ws = path.join(tmp, 'ws');
    const made = run(
      ['keys', 'generate', '--backend', 'software', '--algo', 'ed25519', '--label', 'ops-1', '--passphrase-env', 'KP', '--workspace', ws, '--json'],
      { KP: PASS },
    );
    expect(made.status, made.stderr).toBe(0);
    const out = JSON.parse(made.stdout) as {
      key: { keyId: string; publicKey: string; scheme: string };
      attestation: { record: Record<string, unknown>; sha256: string; canonical: string; artifact: string };
    };
    expect(out.key.keyId).toMatch(/^[0-9a-f]{40}$/);
    expect(out.key.scheme).toBe('ed25519');
    expect(out.attestation.record).toMatchObject({ format: 'charter-key-attestation/v1', key_id: out.key.keyId, public_key: out.key.publicKey });
    expect(out.attestation.sha256).toBe(sha256Hex(utf8(canonicalJson(out.attestation.record))));
    expect(fs.readFileSync(out.attestation.artifact, 'utf8')).toBe(out.attestation.canonical);

    const human = run(['keys', 'attest', out.key.keyId, '--passphrase-env', 'KP', '--workspace', ws], { KP: PASS });
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toContain(`sha256:${out.attestation.sha256}`);
    const wrong = run(['keys', 'attest', out.key.keyId, '--passphrase-env', 'KP', '--workspace', ws, '--json'], { KP: 'not the passphrase at all' });
    expect(wrong.status).toBe(1);
    expect(JSON.parse(wrong.stdout).error.code).toBe('WRONG_PASSPHRASE');

    const devices = run(['keys', 'devices', '--workspace', ws, '--json']);
    expect(devices.status, devices.stderr).toBe(0);
    expect(JSON.parse(devices.stdout).devices).toEqual(expect.arrayContaining([expect.objectContaining({ deviceId: 'software', state: 'ready' })]));

    const audit = run(['audit', 'list', '--workspace', ws, '--json']);
    const entries = JSON.parse(audit.stdout).entries as { action: string; result: string }[];
    expect(entries.map((e) => `${e.action}:${e.result}`)).toEqual(expect.arrayContaining(['keys.generate:ok', 'keys.attest:ok', 'keys.attest:error']));

    // The passphrase is in no output and no file of the workspace.
    const hits: string[] = [];
    for (const text of [made.stdout, made.stderr, human.stdout, human.stderr, audit.stdout]) hits.push(...findSecrets(text, [PASS]));
    const walk = (d: string): string[] =>
      fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const f of walk(ws)) hits.push(...findSecrets(fs.readFileSync(f), [PASS]).map((s) => `${f}:${s}`));
    expect(hits).toEqual([]);
  });

  it('generates a P-256 key on a SoftHSM token (module, token label, PIN from the environment) and attests it', async () => {
    const PIN = 'cli-user-pin-6613';
    const tok = await makeSoftHsmToken({ label: 'cli-ops', soPin: 'cli-so-pin-2290', userPin: PIN }); // sets SOFTHSM2_CONF, which the child inherits
    try {
      const ws = path.join(tmp, 'ws-hsm');
      const common = ['--module', tok.modulePath, '--token-label', 'cli-ops', '--pin-env', 'HSM_PIN', '--workspace', ws, '--json'];
      const wrong = run(['keys', 'generate', '--backend', 'pkcs11', '--algo', 'p256', '--label', 'hsm-cli', ...common], { HSM_PIN: 'not-the-pin-000' });
      expect(wrong.status).toBe(1);
      expect(JSON.parse(wrong.stdout).error.code).toBe('PIN_INCORRECT');
      const made = run(['keys', 'generate', '--backend', 'pkcs11', '--algo', 'p256', '--label', 'hsm-cli', ...common], { HSM_PIN: PIN });
      expect(made.status, made.stderr).toBe(0);
      const out = JSON.parse(made.stdout) as {
        key: { keyId: string; backend: string; scheme: string };
        attestation: { sha256: string; record: { key: Record<string, unknown> } };
      };
      expect(out.key).toMatchObject({ backend: 'pkcs11', scheme: 'p256' });
      expect(out.attestation.record.key).toMatchObject({ CKA_LOCAL: true, CKA_NEVER_EXTRACTABLE: true, CKA_EXTRACTABLE: false });
      const att = run(['keys', 'attest', out.key.keyId, ...common], { HSM_PIN: PIN });
      expect(att.status, att.stderr).toBe(0);
      expect(JSON.parse(att.stdout).record.key_id).toBe(out.key.keyId);
      const devices = run(['keys', 'devices', '--module', tok.modulePath, '--workspace', ws, '--json']);
      expect(JSON.parse(devices.stdout).devices).toEqual(expect.arrayContaining([expect.objectContaining({ backend: 'pkcs11', state: 'ready' })]));
      // The same module from the workspace's config.json: the CLI uses it without --module.
      fs.writeFileSync(path.join(ws, 'config.json'), JSON.stringify({ pkcs11: { modules: [{ path: tok.modulePath, tokenLabel: 'cli-ops' }] } }), {
        mode: 0o600,
      });
      const fromFile = run(['keys', 'attest', out.key.keyId, '--pin-env', 'HSM_PIN', '--workspace', ws, '--json'], { HSM_PIN: PIN });
      expect(fromFile.status, fromFile.stderr).toBe(0);
      expect(JSON.parse(fromFile.stdout).record.key).toMatchObject({ usage: 'sign', public_key_usage: 'verify' });
      fs.rmSync(path.join(ws, 'config.json'));
      // A module path that is not absolute is refused, never handed to the loader.
      const relative = run(['keys', 'devices', '--module', 'libsofthsm2.so', '--workspace', ws, '--json']);
      expect(relative.status, relative.stderr).toBe(0);
      expect(JSON.parse(relative.stdout).devices).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ backend: 'pkcs11', state: 'error', facts: expect.objectContaining({ code: 'PKCS11_MODULE_REFUSED' }) }),
        ]),
      );
      expect(relative.stderr).toContain('PKCS11_MODULE_REFUSED');
      expect(findSecrets(made.stdout + made.stderr + att.stdout + att.stderr + wrong.stdout + wrong.stderr, [PIN])).toEqual([]);
    } finally {
      tok.cleanup();
    }
  });

  it('refuses bad usage with exit 64 and an unconfigured backend with its code', () => {
    const ws = path.join(tmp, 'ws2');
    expect(run(['keys', 'generate', '--backend', 'usb', '--algo', 'ed25519', '--label', 'x', '--workspace', ws]).status).toBe(64);
    expect(run(['keys', 'generate', '--backend', 'software', '--label', 'x', '--workspace', ws]).status).toBe(64);
    const noTty = run(['keys', 'generate', '--backend', 'software', '--algo', 'ed25519', '--label', 'x', '--workspace', ws]);
    expect(noTty.status).toBe(64);
    expect(noTty.stderr).toMatch(/--passphrase-env/);
    const noPin = run(['keys', 'generate', '--backend', 'pkcs11', '--algo', 'p256', '--label', 'x', '--workspace', ws]);
    expect(noPin.status).toBe(64);
    expect(noPin.stderr).toMatch(/--pin-env/);
    const noModule = run(['keys', 'generate', '--backend', 'pkcs11', '--algo', 'p256', '--label', 'x', '--pin-env', 'PIN', '--workspace', ws, '--json'], {
      PIN: '1234',
    });
    expect(noModule.status).toBe(1);
    expect(JSON.parse(noModule.stdout).error.code).toBe('NOT_AVAILABLE');
    // --backend ledger enables the Ledger backend (real USB listing); with no Ledger plugged in, its own code.
    const noLedger = run(['keys', 'generate', '--backend', 'ledger', '--algo', 'secp256k1', '--label', 'x', '--workspace', ws, '--json']);
    expect(noLedger.status).toBe(1);
    expect(JSON.parse(noLedger.stdout).error.code).toMatch(/^LEDGER_/);
  });
});

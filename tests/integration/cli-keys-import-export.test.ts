// `charter keys export | import` through the real binary (bin/charter.js →
// dist/; run `node scripts/build.mjs` first when running this file alone):
// a key exported from one workspace imports into another with the same key id
// and signs there; the Web3 Secret Storage v3 pbkdf2 test vector (the spec's
// own) imports; a wrong passphrase or a duplicate changes nothing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { fromHex, keyIdOf, toHex } from '../../core/codec/index.js';
import { findSecrets } from './secrets-scan.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'charter.js');
let tmp: string;
const PASS = 'cli-export-passphrase-5813';

// The Web3 Secret Storage v3 test vector (pbkdf2), password "testpassword".
const PBKDF2_VECTOR = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: { c: 262144, dklen: 32, prf: 'hmac-sha256', salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd' },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};
const VECTOR_KEY = '7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';

beforeAll(() => {
  if (!fs.existsSync(path.join(root, 'dist', 'main', 'cli', 'index.js'))) throw new Error('dist/ is missing: run `npm run build`');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-cli-keyio-'));
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
const keystoreFiles = (ws: string) => (fs.existsSync(path.join(ws, 'keystore')) ? fs.readdirSync(path.join(ws, 'keystore')).sort() : []);

describe('charter keys export / import', () => {
  it('exports a key (0600, no overwrite without --force) and imports it into a second workspace with the same id; it signs there', () => {
    const wsA = path.join(tmp, 'a');
    const wsB = path.join(tmp, 'b');
    const made = run(
      ['keys', 'generate', '--backend', 'software', '--algo', 'p256', '--label', 'ops-export', '--passphrase-env', 'KP', '--workspace', wsA, '--json'],
      { KP: PASS },
    );
    expect(made.status, made.stderr).toBe(0);
    const key = (JSON.parse(made.stdout) as { key: { keyId: string; publicKey: string; scheme: string } }).key;

    const out = path.join(tmp, 'exported.json');
    const ex = run(['keys', 'export', key.keyId, '--out', out, '--workspace', wsA, '--json']);
    expect(ex.status, ex.stderr).toBe(0);
    expect(JSON.parse(ex.stdout)).toMatchObject({ keyId: key.keyId, file: out, fileName: `${key.keyId}.json` });
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(out, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ format: 'charter-keystore/v1', key_id: key.keyId, public_key: key.publicKey });
    expect(findSecrets(text, [PASS])).toEqual([]);

    // An existing file is not overwritten without --force.
    fs.writeFileSync(out, 'keep me');
    const again = run(['keys', 'export', key.keyId, '--out', out, '--workspace', wsA, '--json']);
    expect(again.status).toBe(1);
    expect(JSON.parse(again.stdout).error.code).toBe('EXPORT_FAILED');
    expect(fs.readFileSync(out, 'utf8')).toBe('keep me');
    const forced = run(['keys', 'export', key.keyId, '--out', out, '--force', '--workspace', wsA]);
    expect(forced.status, forced.stderr).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(text);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);

    // Wrong passphrase: exit 1, WRONG_PASSPHRASE, nothing written.
    const wrong = run(['keys', 'import', out, '--passphrase-env', 'KP', '--workspace', wsB, '--json'], { KP: 'not the passphrase at all' });
    expect(wrong.status).toBe(1);
    expect(JSON.parse(wrong.stdout).error.code).toBe('WRONG_PASSPHRASE');
    expect(keystoreFiles(wsB)).toEqual([]);

    const imp = run(['keys', 'import', out, '--passphrase-env', 'KP', '--workspace', wsB, '--json'], { KP: PASS });
    expect(imp.status, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ keyId: key.keyId, scheme: 'p256', publicKey: key.publicKey, label: 'ops-export' });
    expect(keystoreFiles(wsB)).toEqual([`${key.keyId}.json`]);

    // Duplicate (with or without another label): KEYSTORE_DUPLICATE, the stored file unchanged.
    const stored = fs.readFileSync(path.join(wsB, 'keystore', `${key.keyId}.json`));
    const relabel = run(['keys', 'import', out, '--label', 'other', '--passphrase-env', 'KP', '--workspace', wsB, '--json'], { KP: PASS });
    expect(relabel.status).toBe(1);
    expect(JSON.parse(relabel.stdout).error.code).toBe('KEYSTORE_DUPLICATE');
    const dup = run(['keys', 'import', out, '--passphrase-env', 'KP', '--workspace', wsB, '--json'], { KP: PASS });
    expect(dup.status).toBe(1);
    expect(JSON.parse(dup.stdout).error.code).toBe('KEYSTORE_DUPLICATE');
    expect(fs.readFileSync(path.join(wsB, 'keystore', `${key.keyId}.json`))).toEqual(stored);

    // The imported key unlocks and signs its attestation record in the second workspace.
    const att = run(['keys', 'attest', key.keyId, '--passphrase-env', 'KP', '--workspace', wsB, '--json'], { KP: PASS });
    expect(att.status, att.stderr).toBe(0);
    expect(JSON.parse(att.stdout).record).toMatchObject({ key_id: key.keyId, public_key: key.publicKey });

    const audit = run(['audit', 'list', '--workspace', wsB, '--json']);
    const entries = JSON.parse(audit.stdout).entries as { action: string; result: string; subject: string }[];
    expect(entries.map((e) => `${e.action}:${e.result}`)).toEqual(expect.arrayContaining(['keys.import:ok', 'keys.import:error']));
    expect(entries.find((e) => e.action === 'keys.import' && e.result === 'ok')!.subject).toBe(`key ${key.keyId}`);
    const hits: string[] = [];
    for (const t of [imp.stdout, imp.stderr, wrong.stdout, dup.stdout, audit.stdout, ex.stdout]) hits.push(...findSecrets(t, [PASS]));
    // The audit log keeps no file text either.
    expect(audit.stdout).not.toContain(JSON.parse(text).crypto.ciphertext);
    expect(hits).toEqual([]);
  });

  it('imports the Web3 Secret Storage v3 pbkdf2 test vector as a secp256k1 key', () => {
    const ws = path.join(tmp, 'w3');
    const file = path.join(tmp, 'vector.json');
    fs.writeFileSync(file, JSON.stringify(PBKDF2_VECTOR));
    const pk = secp256k1.getPublicKey(fromHex(VECTOR_KEY), true);
    const imp = run(['keys', 'import', file, '--label', 'vector', '--passphrase-env', 'KP', '--workspace', ws, '--json'], { KP: 'testpassword' });
    expect(imp.status, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ keyId: keyIdOf('secp256k1', pk), scheme: 'secp256k1', publicKey: toHex(pk), label: 'vector' });
    // Stored re-encrypted under the console's own KDF (scrypt N=2^17, r=8, p=1), not the vector's PBKDF2.
    const stored = JSON.parse(fs.readFileSync(path.join(ws, 'keystore', `${keyIdOf('secp256k1', pk)}.json`), 'utf8'));
    expect(stored.crypto).toMatchObject({ kdf: 'scrypt', kdfparams: { n: 131072, r: 8, p: 1, dklen: 32 } });
    const human = run(['keys', 'list', '--workspace', ws, '--node', 'http://127.0.0.1:1', '--json']);
    expect(human.status, human.stderr).toBe(0);
    expect((JSON.parse(human.stdout).keys as { keyId: string }[]).map((k) => k.keyId)).toEqual([keyIdOf('secp256k1', pk)]);

    const bad = path.join(tmp, 'not-a-key.json');
    fs.writeFileSync(bad, '{"hello": "world"}');
    const corrupt = run(['keys', 'import', bad, '--passphrase-env', 'KP', '--workspace', ws, '--json'], { KP: 'testpassword' });
    expect(corrupt.status).toBe(1);
    expect(JSON.parse(corrupt.stdout).error.code).toBe('KEYSTORE_CORRUPT');
    expect(keystoreFiles(ws)).toEqual([`${keyIdOf('secp256k1', pk)}.json`]);

    // A 500-byte file asking scrypt for N=2^20, r=32 (4 GiB): refused before the KDF runs, nothing written.
    const huge = path.join(tmp, 'huge-scrypt.json');
    fs.writeFileSync(
      huge,
      JSON.stringify({
        ...PBKDF2_VECTOR,
        crypto: { ...PBKDF2_VECTOR.crypto, kdf: 'scrypt', kdfparams: { dklen: 32, n: 2 ** 20, r: 32, p: 1, salt: PBKDF2_VECTOR.crypto.kdfparams.salt } },
      }),
    );
    expect(fs.statSync(huge).size).toBeLessThan(600);
    const refused = run(['keys', 'import', huge, '--label', 'huge', '--passphrase-env', 'KP', '--workspace', ws, '--json'], { KP: 'testpassword' });
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stdout).error).toMatchObject({
      code: 'KDF_LIMIT_EXCEEDED',
      details: { kdf: 'scrypt', parameter: 'n', value: 2 ** 20, limit: 2 ** 18 },
    });
    expect(keystoreFiles(ws)).toEqual([`${keyIdOf('secp256k1', pk)}.json`]);
  });
});

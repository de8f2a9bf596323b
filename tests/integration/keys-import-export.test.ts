// keys.import / keys.export through the contract dispatcher of a real console
// (real workspace SQLite, real keystore directory; the node URL points at a
// closed port, so on-chain status reads "unknown" and no devnet is started).
// The audit entry of an import names the key id only: no passphrase, no file text.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyView } from '../../core/contract/index.js';
import { createCharter, type Charter } from '../../main/app.js';
import { AuditLog } from '../../main/services/audit.js';
import { findSecrets } from './secrets-scan.js';

const PASS = 'service-import-pass-7702';
const FAST = { n: 1 << 12, r: 8, p: 1 };
let tmp = '';
let a: Charter;
let b: Charter;

async function call<T>(c: Charter, method: string, input: unknown): Promise<T> {
  const r = await c.dispatch(method, input);
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}
async function fail(c: Charter, method: string, input: unknown): Promise<string> {
  const r = await c.dispatch(method, input);
  if (r.ok) throw new Error(`${method} succeeded`);
  return r.error.code;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-keyio-svc-'));
  a = await createCharter({ host: 'serve', workspace: path.join(tmp, 'a'), nodeUrl: 'http://127.0.0.1:1', scrypt: FAST, watch: false });
  b = await createCharter({ host: 'serve', workspace: path.join(tmp, 'b'), nodeUrl: 'http://127.0.0.1:1', scrypt: FAST, watch: false });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('keys.import / keys.export through dispatch', () => {
  it('exports a key from one console and imports it into another; the audit entry holds the key id, not the passphrase or the file', async () => {
    const made = await call<KeyView>(a, 'keys.create', { label: 'svc-export', passphrase: PASS });
    const ex = await call<{ fileName: string; text: string }>(a, 'keys.export', { keyId: made.keyId });
    expect(ex.fileName).toBe(`${made.keyId}.json`);
    expect(JSON.parse(ex.text)).toMatchObject({ key_id: made.keyId, public_key: made.publicKey });

    expect(await fail(b, 'keys.import', { fileText: ex.text, passphrase: 'wrong passphrase 000' })).toBe('WRONG_PASSPHRASE');
    expect((await call<{ keys: KeyView[] }>(b, 'keys.list', {})).keys).toEqual([]);
    expect(await fail(b, 'keys.import', { fileText: '{"not":"a key"}', passphrase: PASS })).toBe('KEYSTORE_CORRUPT');

    // A charter-keystore/v1 file keeps its authenticated label.
    expect(await fail(b, 'keys.import', { fileText: ex.text, passphrase: PASS, label: 'svc-imported' })).toBe('INVALID_INPUT');
    const imp = await call<KeyView>(b, 'keys.import', { fileText: ex.text, passphrase: PASS, label: 'svc-export' });
    expect(imp).toMatchObject({ keyId: made.keyId, publicKey: made.publicKey, scheme: 'ed25519', backend: 'software', label: 'svc-export' });
    expect(await fail(b, 'keys.import', { fileText: ex.text, passphrase: PASS })).toBe('KEYSTORE_DUPLICATE');
    expect((await call<{ keys: KeyView[] }>(b, 'keys.list', {})).keys.map((k) => k.keyId)).toEqual([made.keyId]);

    const entries = new AuditLog(b.workspace).list().filter((e) => e.action === 'keys.import');
    expect(entries.map((e) => e.result).sort()).toEqual(['error', 'error', 'error', 'error', 'ok']);
    const ok = entries.find((e) => e.result === 'ok')!;
    expect(ok.subject).toBe(`key ${made.keyId}`);
    expect(ok.details).toMatchObject({ keyId: made.keyId });
    const dump = JSON.stringify(entries);
    expect(findSecrets(dump, [PASS])).toEqual([]);
    expect(dump).not.toContain('fileText');
    expect(dump).not.toContain(JSON.parse(ex.text).crypto.ciphertext);

    const exAudit = new AuditLog(a.workspace).list().find((e) => e.action === 'keys.export')!;
    expect(exAudit).toMatchObject({ subject: `key ${made.keyId}`, result: 'ok' });
    expect(JSON.stringify(exAudit)).not.toContain(JSON.parse(ex.text).crypto.ciphertext);
  });
});

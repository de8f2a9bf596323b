// Files already in the software keystore directory (real files, real scrypt,
// the real SoftwareKeystore): what a wrong passphrase says about them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes, keyIdOf, toHex } from '../../core/codec/index.js';
import { CharterError } from '../../core/errors.js';
import { SoftwareKeystore } from '../../hsm/software.js';

const PASS = 'correct horse battery staple';
const FAST = { n: 1 << 12, r: 8, p: 1 };
let tmp = '';

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-stored-keys-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A charter-keystore/v1 file made here, independently of hsm/software.ts (docs/formats/keystore.md). */
function charterFile(o: { seed: Uint8Array; passphrase: string; n: number; r: number; p: number; label: string; created_at: string }): { text: string; keyId: string } {
  const pk = ed25519.getPublicKey(o.seed);
  const header = { format: 'charter-keystore/v1', key_id: keyIdOf('ed25519', pk), scheme: 'ed25519', public_key: toHex(pk), label: o.label, created_at: o.created_at };
  const salt = crypto.randomBytes(32);
  const iv = crypto.randomBytes(12);
  const dk = crypto.scryptSync(Buffer.from(o.passphrase.normalize('NFKC')), salt, 32, { N: o.n, r: o.r, p: o.p, maxmem: 512 * 1024 * 1024 });
  const c = crypto.createCipheriv('aes-256-gcm', dk, iv);
  c.setAAD(canonicalBytes(header));
  const ct = Buffer.concat([c.update(o.seed), c.final()]);
  const text = JSON.stringify({
    ...header,
    crypto: { kdf: 'scrypt', kdfparams: { n: o.n, r: o.r, p: o.p, dklen: 32, salt: salt.toString('hex') }, cipher: 'aes-256-gcm', iv: iv.toString('hex'), ciphertext: ct.toString('hex'), tag: c.getAuthTag().toString('hex') },
  });
  return { text, keyId: header.key_id };
}

async function failure(p: Promise<unknown>): Promise<CharterError> {
  try {
    await p;
  } catch (e) {
    return e as CharterError;
  }
  throw new Error('it succeeded');
}

describe('a key file already in the keystore', () => {
  it('a wrong passphrase names the key id, never the file\'s own label (unchecked: any length, control characters)', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'label-'));
    const label = '\u001b]0;owned\u0007\u009b31m' + 'x'.repeat(20_000);
    const f = charterFile({ seed: crypto.randomBytes(32), passphrase: PASS, ...FAST, label, created_at: '2026-01-01T00:00:00.000Z' });
    fs.writeFileSync(path.join(dir, `${f.keyId}.json`), f.text, { mode: 0o600 });
    const ks = new SoftwareKeystore(dir, FAST);
    const e = await failure(ks.sign(f.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: 'not the passphrase' }));
    expect(e.code).toBe('WRONG_PASSPHRASE');
    expect(e.message).toContain(f.keyId);
    expect(e.message).not.toContain('xxxx');
    expect(e.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(e.message.length).toBeLessThan(200);
  });
});

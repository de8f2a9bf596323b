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
import { checkKdfCost, encryptWeb3, KDF_LIMITS, SoftwareKeystore } from '../../hsm/software.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { nobleVerifier } from '../../core/crypto/ed25519.js';

const PASS = 'correct horse battery staple';
const FAST = { n: 1 << 12, r: 8, p: 1 };
let tmp = '';

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-stored-keys-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A charter-keystore/v1 file made here, independently of hsm/software.ts (docs/formats/keystore.md). */
function charterFile(o: { seed: Uint8Array; passphrase: string; n: number; r: number; p: number; label: string; created_at: string }): {
  text: string;
  keyId: string;
} {
  const pk = ed25519.getPublicKey(o.seed);
  const header = {
    format: 'charter-keystore/v1',
    key_id: keyIdOf('ed25519', pk),
    scheme: 'ed25519',
    public_key: toHex(pk),
    label: o.label,
    created_at: o.created_at,
  };
  const salt = crypto.randomBytes(32);
  const iv = crypto.randomBytes(12);
  const dk = crypto.scryptSync(Buffer.from(o.passphrase.normalize('NFKC')), salt, 32, { N: o.n, r: o.r, p: o.p, maxmem: 512 * 1024 * 1024 });
  const c = crypto.createCipheriv('aes-256-gcm', dk, iv);
  c.setAAD(canonicalBytes(header));
  const ct = Buffer.concat([c.update(o.seed), c.final()]);
  const text = JSON.stringify({
    ...header,
    crypto: {
      kdf: 'scrypt',
      kdfparams: { n: o.n, r: o.r, p: o.p, dklen: 32, salt: salt.toString('hex') },
      cipher: 'aes-256-gcm',
      iv: iv.toString('hex'),
      ciphertext: ct.toString('hex'),
      tag: c.getAuthTag().toString('hex'),
    },
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
  it("a wrong passphrase names the key id, never the file's own label (unchecked: any length, control characters)", async () => {
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
  it("a stored file whose KDF cost is above the import limits is re-encrypted under the console's scrypt after its first unlock, keeping its key id, label and date", async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'costly-'));
    // r = 17: within the bounds a stored file may keep (r ≤ 32), above the import limit (r ≤ 16); cheap enough to run here.
    const costly = { n: 1024, r: KDF_LIMITS.scrypt.r + 1, p: 1 };
    expect(() => checkKdfCost({ kdf: 'scrypt', kdfparams: costly })).toThrow(expect.objectContaining({ code: 'KDF_LIMIT_EXCEEDED' }));
    const label = 'legacy key';
    const created = '2025-06-01T12:00:00.000Z';
    const f = charterFile({ seed: crypto.randomBytes(32), passphrase: PASS, ...costly, label, created_at: created });
    const file = path.join(dir, `${f.keyId}.json`);
    fs.writeFileSync(file, f.text, { mode: 0o600 });
    // A Web3 file (secp256k1) with the same cost, as an older console would have stored it.
    const sk = secp256k1.utils.randomSecretKey();
    const pk = secp256k1.getPublicKey(sk, true);
    const w = await encryptWeb3(sk, pk, PASS, { scrypt: costly }, { label: 'legacy web3', created_at: created });
    const wId = w['x-charter'].key_id;
    const wFile = path.join(dir, `${wId}.json`);
    fs.writeFileSync(wFile, JSON.stringify(w, null, 2) + '\n', { mode: 0o600 });

    const ks = new SoftwareKeystore(dir, FAST);
    const before = await ks.list();
    // A wrong passphrase changes nothing.
    await expect(ks.sign(f.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: 'not the passphrase' })).rejects.toMatchObject({
      code: 'WRONG_PASSPHRASE',
    });
    expect(fs.readFileSync(file, 'utf8')).toBe(f.text);

    const digest = crypto.randomBytes(32);
    const sig = await ks.sign(f.keyId, { scheme: 'ed25519', digest }, { secret: PASS });
    expect(nobleVerifier.verify('ed25519', Buffer.from(JSON.parse(f.text).public_key, 'hex'), digest, sig)).toBe(true);
    const after = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(after.crypto.kdfparams).toMatchObject(FAST);
    expect(after).toMatchObject({ key_id: f.keyId, label, created_at: created, public_key: JSON.parse(f.text).public_key });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    await ks.attest(wId, { secret: PASS });
    const wAfter = JSON.parse(fs.readFileSync(wFile, 'utf8'));
    expect(wAfter.crypto.kdfparams).toMatchObject(FAST);
    expect(wAfter).toMatchObject({ id: w.id, address: w.address, 'x-charter': { key_id: wId, label: 'legacy web3', created_at: created } });

    // Same keys, same listing; both still unlock with the same passphrase.
    expect(await ks.list()).toEqual(before);
    const sig2 = await ks.sign(f.keyId, { scheme: 'ed25519', digest }, { secret: PASS });
    expect(toHex(sig2)).toBe(toHex(sig));
    await ks.sign(wId, { scheme: 'secp256k1', digest }, { secret: PASS });
  });

  it('a stored file within the import limits is left as it is', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'cheap-'));
    const f = charterFile({ seed: crypto.randomBytes(32), passphrase: PASS, n: 2048, r: 8, p: 1, label: 'fine', created_at: '2025-06-01T12:00:00.000Z' });
    const file = path.join(dir, `${f.keyId}.json`);
    fs.writeFileSync(file, f.text, { mode: 0o600 });
    await new SoftwareKeystore(dir, FAST).sign(f.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: PASS });
    expect(fs.readFileSync(file, 'utf8')).toBe(f.text);
  });
});

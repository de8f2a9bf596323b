import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromHex, keyIdOf } from '../core/codec/index.js';
import { CharterError } from '../core/errors.js';
import { SoftwareKeystore, DEFAULT_SCRYPT } from './software.js';

// A lower scrypt cost keeps the suite fast; the product default is checked separately below.
const FAST = { n: 1 << 12, r: 8, p: 1 };
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-ks-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof CharterError ? e.code : `not a CharterError: ${String(e)}`;
  }
  return 'no error';
}

describe('SoftwareKeystore', () => {
  it('generates an Ed25519 key whose signatures verify, with the key id derived from the public key', async () => {
    const ks = new SoftwareKeystore(dir, FAST);
    const k = await ks.generate({ label: 'alice', secret: 'correct horse battery', scheme: 'ed25519' });
    expect(k.keyId).toBe(keyIdOf('ed25519', fromHex(k.publicKey)));
    const digest = new Uint8Array(32).fill(7);
    const sig = await ks.sign(k.keyId, { scheme: 'ed25519', digest: digest }, { secret: 'correct horse battery' });
    expect(ed25519.verify(sig, digest, fromHex(k.publicKey))).toBe(true);
    expect((await ks.list()).map((x) => x.keyId)).toEqual([k.keyId]);
  });

  it('keeps the secret encrypted at rest, in a 0600 file, and never writes the passphrase', async () => {
    const ks = new SoftwareKeystore(dir, FAST);
    const k = await ks.generate({ label: 'bob', secret: 'passphrase-bob-1', scheme: 'ed25519' });
    const file = path.join(dir, `${k.keyId}.json`);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain('passphrase-bob-1');
    const f = JSON.parse(text);
    expect(f.crypto.kdf).toBe('scrypt');
    expect(f.crypto.cipher).toBe('aes-256-gcm');
    expect(f.crypto.ciphertext).toHaveLength(64);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('rejects a wrong passphrase with WRONG_PASSPHRASE and signs nothing', async () => {
    const ks = new SoftwareKeystore(dir, FAST);
    const k = await ks.generate({ label: 'carol', secret: 'right passphrase', scheme: 'ed25519' });
    expect(await code(ks.sign(k.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: 'wrong passphrase' }))).toBe('WRONG_PASSPHRASE');
  });

  it('rejects a short passphrase with WEAK_PASSPHRASE and creates no file', async () => {
    const ks = new SoftwareKeystore(dir, FAST);
    expect(await code(ks.generate({ label: 'x', secret: 'short', scheme: 'ed25519' }))).toBe('WEAK_PASSPHRASE');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('detects a file whose public header was swapped (bound as associated data)', async () => {
    const ks = new SoftwareKeystore(dir, FAST);
    const a = await ks.generate({ label: 'a', secret: 'passphrase-a', scheme: 'ed25519' });
    const file = path.join(dir, `${a.keyId}.json`);
    const f = JSON.parse(fs.readFileSync(file, 'utf8'));
    f.label = 'renamed by someone';
    fs.writeFileSync(file, JSON.stringify(f));
    expect(await code(ks.sign(a.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: 'passphrase-a' }))).toBe('WRONG_PASSPHRASE');
    f.public_key = '11'.repeat(32);
    fs.writeFileSync(file, JSON.stringify(f));
    expect(await code(ks.sign(a.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: 'passphrase-a' }))).toBe('KEYSTORE_CORRUPT');
  });

  it('refuses an edited file with KEYSTORE_CORRUPT, never an internal error', async () => {
    const ks = new SoftwareKeystore(dir, FAST);
    const a = await ks.generate({ label: 'a', secret: 'passphrase-a', scheme: 'ed25519' });
    const file = path.join(dir, `${a.keyId}.json`);
    const good = fs.readFileSync(file, 'utf8');
    for (const edit of [
      (f: any) => delete f.crypto.kdfparams.r,
      (f: any) => (f.crypto.kdfparams.n = 3000),
      (f: any) => (f.crypto.iv = 'zz'),
      (f: any) => (f.crypto.tag = ''),
      (f: any) => (f.crypto.kdfparams.salt = 42),
    ]) {
      const f = JSON.parse(good);
      edit(f);
      fs.writeFileSync(file, JSON.stringify(f));
      expect(await code(ks.sign(a.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: 'passphrase-a' }))).toBe('KEYSTORE_CORRUPT');
    }
  });

  it('reports unknown keys as KEY_NOT_FOUND', async () => {
    const ks = new SoftwareKeystore(dir, FAST);
    expect(await code(ks.sign('ab'.repeat(20), { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: 'whatever-123' }))).toBe('KEY_NOT_FOUND');
    expect(await code(ks.get('../../etc/passwd'))).toBe('KEY_NOT_FOUND');
  });

  it('uses a memory-hard default (scrypt N=2^17, r=8)', () => {
    expect(DEFAULT_SCRYPT.n).toBeGreaterThanOrEqual(1 << 17);
    expect(DEFAULT_SCRYPT.r).toBe(8);
  });
});

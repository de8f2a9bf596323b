import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromHex, keyIdOf } from '../core/codec/index.js';
import { CharterError } from '../core/errors.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { toHex } from '../core/codec/index.js';
import { nobleVerifier } from '../core/crypto/ed25519.js';
import { SoftwareKeystore, DEFAULT_SCRYPT, WEB3_EXTRA_FIELD, decryptWeb3, ethereumAddressOf } from './software.js';

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

  it('uses the same passphrase rule and error for every scheme', async () => {
    const ks = new SoftwareKeystore(dir, FAST);
    for (const scheme of ['p256', 'secp256k1'] as const) expect(await code(ks.generate({ label: 'x', secret: 'short', scheme }))).toBe('WEAK_PASSPHRASE');
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('SoftwareKeystore: P-256 and secp256k1', () => {
  it('generates a P-256 key in charter-keystore/v1 whose signatures (ECDSA-SHA256 over the digest, low S) the engine verifies', async () => {
    const ks = new SoftwareKeystore(dir, FAST);
    const k = await ks.generate({ label: 'hsm-less', secret: 'p256 passphrase', scheme: 'p256' });
    expect(k.publicKey).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(k.keyId).toBe(keyIdOf('p256', fromHex(k.publicKey)));
    const f = JSON.parse(fs.readFileSync(path.join(dir, `${k.keyId}.json`), 'utf8'));
    expect(f.format).toBe('charter-keystore/v1');
    expect(f.scheme).toBe('p256');
    for (let i = 0; i < 8; i++) {
      const digest = new Uint8Array(32).fill(i + 1);
      const sig = await ks.sign(k.keyId, { scheme: 'p256', digest }, { secret: 'p256 passphrase' });
      expect(sig).toHaveLength(64);
      expect(nobleVerifier.verify('p256', fromHex(k.publicKey), digest, sig)).toBe(true);
      // The engine's rule is over the digest as the message: the same bytes with another digest do not verify.
      expect(nobleVerifier.verify('p256', fromHex(k.publicKey), new Uint8Array(32).fill(0xee), sig)).toBe(false);
    }
    expect(await code(ks.sign(k.keyId, { scheme: 'p256', digest: new Uint8Array(32) }, { secret: 'not the passphrase' }))).toBe('WRONG_PASSPHRASE');
    expect(await code(ks.sign(k.keyId, { scheme: 'secp256k1', digest: new Uint8Array(32) }, { secret: 'p256 passphrase' }))).toBe('INVALID_INPUT');
  });

  it('generates a secp256k1 key as a Web3 Secret Storage v3 file with our facts in an extra field; the engine verifies its signatures over the digest itself', async () => {
    const ks = new SoftwareKeystore(dir, FAST);
    const k = await ks.generate({ label: 'eth', secret: 'secp passphrase', scheme: 'secp256k1' });
    const f = JSON.parse(fs.readFileSync(path.join(dir, `${k.keyId}.json`), 'utf8'));
    expect(f.version).toBe(3);
    expect(f.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(f.crypto.cipher).toBe('aes-128-ctr');
    expect(f.crypto.kdf).toBe('scrypt');
    expect(f.crypto.kdfparams).toMatchObject({ dklen: 32, n: FAST.n, r: FAST.r, p: FAST.p });
    // The address, computed here independently: keccak-256 of the uncompressed point's x||y, last 20 bytes.
    const xy = secp256k1.Point.fromBytes(fromHex(k.publicKey)).toBytes(false).subarray(1);
    expect(f.address).toBe(toHex(keccak_256(xy).subarray(12)));
    expect(f[WEB3_EXTRA_FIELD]).toMatchObject({ key_id: k.keyId, scheme: 'secp256k1', public_key: k.publicKey, label: 'eth' });
    expect(JSON.stringify(f)).not.toContain('secp passphrase');
    for (let i = 0; i < 8; i++) {
      const digest = keccak_256(new Uint8Array([i]));
      const sig = await ks.sign(k.keyId, { scheme: 'secp256k1', digest }, { secret: 'secp passphrase' });
      const s = BigInt('0x' + toHex(sig.subarray(32)));
      expect(s <= secp256k1.Point.Fn.ORDER >> 1n).toBe(true);
      expect(nobleVerifier.verify('secp256k1', fromHex(k.publicKey), digest, sig)).toBe(true);
    }
    expect(await code(ks.sign(k.keyId, { scheme: 'secp256k1', digest: new Uint8Array(32) }, { secret: 'wrong passphrase' }))).toBe('WRONG_PASSPHRASE');
    const att = await ks.attest(k.keyId, { secret: 'secp passphrase' });
    expect(att.key.address).toBe('0x' + f.address);
    expect(att.device.format).toBe('web3-secret-storage/v3');
    expect((await ks.list()).map((x) => [x.keyId, x.scheme])).toEqual([[k.keyId, 'secp256k1']]);
  });

  // The two test vectors of Ethereum's Web3 Secret Storage definition: password
  // "testpassword", private key 7a28b5ba…fe9d, one file per KDF.
  const VECTOR_KEY = '7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';
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
  const SCRYPT_VECTOR = {
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
      ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
      kdf: 'scrypt',
      kdfparams: { dklen: 32, n: 262144, p: 8, r: 1, salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19' },
      mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
    },
    id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
    version: 3,
  };

  for (const [name, vector] of [
    ['pbkdf2', PBKDF2_VECTOR],
    ['scrypt', SCRYPT_VECTOR],
  ] as const) {
    it(`decrypts and imports the Web3 Secret Storage ${name} test vector, signs with it, and exports a file that decrypts to the same key`, async () => {
      const ks = new SoftwareKeystore(dir, FAST);
      expect(await code(ks.importFile(JSON.stringify(vector), 'wrongpassword'))).toBe('WRONG_PASSPHRASE');
      expect(fs.readdirSync(dir)).toEqual([]);
      const k = await ks.importFile(JSON.stringify(vector), 'testpassword', { label: 'vector' });
      const pk = secp256k1.getPublicKey(fromHex(VECTOR_KEY), true);
      expect(k.publicKey).toBe(toHex(pk));
      expect(k.keyId).toBe(keyIdOf('secp256k1', pk));
      expect(k.label).toBe('vector');
      expect(toHex(await decryptWeb3(JSON.parse(fs.readFileSync(path.join(dir, `${k.keyId}.json`), 'utf8')), 'testpassword'))).toBe(VECTOR_KEY);
      const digest = keccak_256(new TextEncoder().encode(name));
      const sig = await ks.sign(k.keyId, { scheme: 'secp256k1', digest }, { secret: 'testpassword' });
      expect(nobleVerifier.verify('secp256k1', pk, digest, sig)).toBe(true);
      // The scrypt vector's N=2^18, r=1, p=8 is beyond OpenSSL's bound and runs in pure JS
      // (seconds per derivation); the export round trip is the same code for both KDFs.
      if (name === 'scrypt') return;
      const out = await ks.exportFile(k.keyId);
      const ex = JSON.parse(out.text);
      // Stored, and so exported, re-encrypted under this keystore's own KDF settings, not the vector's.
      expect(ex.crypto.kdf).toBe('scrypt');
      expect(ex.crypto.kdfparams).toMatchObject({ n: FAST.n, r: FAST.r, p: FAST.p, dklen: 32 });
      expect(ex.crypto.mac).not.toBe(vector.crypto.mac);
      expect(ex.id).toBe(vector.id);
      expect(ex.address).toBe(ethereumAddressOf(pk));
      expect(out.fileName).toBe(`UTC--${k.createdAt.replace(/:/g, '-')}--${ex.address}`);
      expect(toHex(await decryptWeb3(ex, 'testpassword'))).toBe(VECTOR_KEY);
      expect(await code(ks.importFile(out.text, 'testpassword'))).toBe('KEYSTORE_DUPLICATE');
      // The exported file, imported into another keystore, keeps its label and key id.
      const other = new SoftwareKeystore(path.join(dir, 'other'), FAST);
      expect(await other.importFile(out.text, 'testpassword')).toMatchObject({ keyId: k.keyId, label: 'vector', createdAt: k.createdAt });
    });
  }

  it("refuses a Web3 file whose address is not its key's, and files of no known format, writing nothing", async () => {
    const ks = new SoftwareKeystore(dir, FAST);
    expect(await code(ks.importFile(JSON.stringify({ ...PBKDF2_VECTOR, address: '11'.repeat(20) }), 'testpassword'))).toBe('KEYSTORE_CORRUPT');
    expect(await code(ks.importFile('{not json', 'testpassword'))).toBe('KEYSTORE_CORRUPT');
    expect(await code(ks.importFile(JSON.stringify({ ...PBKDF2_VECTOR, crypto: { ...PBKDF2_VECTOR.crypto, cipher: 'aes-128-cbc' } }), 'testpassword'))).toBe(
      'KEYSTORE_CORRUPT',
    );
    expect(
      await code(
        ks.importFile(
          JSON.stringify({ ...PBKDF2_VECTOR, crypto: { ...PBKDF2_VECTOR.crypto, kdfparams: { ...PBKDF2_VECTOR.crypto.kdfparams, prf: 'hmac-sha1' } } }),
          'testpassword',
        ),
      ),
    ).toBe('KEYSTORE_CORRUPT');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('exports and re-imports P-256 and Ed25519 charter-keystore files, which keep their passphrase and label', async () => {
    const a = new SoftwareKeystore(path.join(dir, 'a'), FAST);
    const b = new SoftwareKeystore(path.join(dir, 'b'), FAST);
    for (const scheme of ['p256', 'ed25519'] as const) {
      const k = await a.generate({ label: `L-${scheme}`, secret: 'export passphrase', scheme });
      const out = await a.exportFile(k.keyId);
      expect(out.fileName).toBe(`${k.keyId}.json`);
      expect(await code(b.importFile(out.text, 'not the passphrase'))).toBe('WRONG_PASSPHRASE');
      expect(await b.importFile(out.text, 'export passphrase')).toEqual(k);
      const digest = new Uint8Array(32).fill(9);
      expect(nobleVerifier.verify(scheme, fromHex(k.publicKey), digest, await b.sign(k.keyId, { scheme, digest }, { secret: 'export passphrase' }))).toBe(true);
    }
  });

  it('detects a Web3 file whose public key was swapped for another (the decrypted key does not match)', async () => {
    const ks = new SoftwareKeystore(dir, FAST);
    const k = await ks.generate({ label: 'eth', secret: 'secp passphrase', scheme: 'secp256k1' });
    const file = path.join(dir, `${k.keyId}.json`);
    const f = JSON.parse(fs.readFileSync(file, 'utf8'));
    const otherPk = secp256k1.getPublicKey(new Uint8Array(32).fill(3), true);
    f[WEB3_EXTRA_FIELD].public_key = toHex(otherPk);
    f[WEB3_EXTRA_FIELD].key_id = keyIdOf('secp256k1', otherPk);
    f.address = ethereumAddressOf(otherPk);
    fs.writeFileSync(file, JSON.stringify(f));
    // The file now names another key than its file name: refused before decryption.
    expect(await code(ks.sign(k.keyId, { scheme: 'secp256k1', digest: new Uint8Array(32) }, { secret: 'secp passphrase' }))).toBe('KEYSTORE_CORRUPT');
    const moved = path.join(dir, `${keyIdOf('secp256k1', otherPk)}.json`);
    fs.renameSync(file, moved);
    expect(await code(ks.sign(keyIdOf('secp256k1', otherPk), { scheme: 'secp256k1', digest: new Uint8Array(32) }, { secret: 'secp passphrase' }))).toBe(
      'KEYSTORE_CORRUPT',
    );
  });
});

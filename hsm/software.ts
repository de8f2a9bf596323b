/**
 * Encrypted software keys (Ed25519), kept one file per key in the
 * workspace's keystore/ directory.
 *
 * File format "charter-keystore/v1" (docs/formats/keystore.md):
 *   the secret key is encrypted with AES-256-GCM under a key derived from the
 *   passphrase with scrypt (memory-hard; N=2^17, r=8, p=1 by default), and the
 *   public header (key id, scheme, public key, label) is bound as associated
 *   data, so a file whose public key was swapped no longer decrypts.
 *
 * Keys are generated with @noble/curves. The passphrase is used for one call
 * and not kept; decrypted secret bytes are zeroed after use.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { canonicalBytes, keyIdOf, toHex, fromHex } from '../core/codec/index.js';
import { CharterError } from '../core/errors.js';
import { writeFileAtomic } from './atomic-file.js';
import { DeviceQueue, type AttestationRecord, type DeviceInfo, type GenerateOptions, type KeyBackend, type KeyInfo, type SignRequest, type Unlock } from './types.js';

export const KEYSTORE_FORMAT = 'charter-keystore/v1';
export const MIN_PASSPHRASE_LENGTH = 8;

export interface ScryptParams {
  n: number;
  r: number;
  p: number;
}
export const DEFAULT_SCRYPT: ScryptParams = { n: 1 << 17, r: 8, p: 1 };

interface KeystoreFile {
  format: typeof KEYSTORE_FORMAT;
  key_id: string;
  scheme: 'ed25519';
  public_key: string;
  label: string;
  created_at: string;
  crypto: {
    kdf: 'scrypt';
    kdfparams: { n: number; r: number; p: number; dklen: 32; salt: string };
    cipher: 'aes-256-gcm';
    iv: string;
    ciphertext: string;
    tag: string;
  };
}

function headerAad(f: Pick<KeystoreFile, 'format' | 'key_id' | 'scheme' | 'public_key' | 'label' | 'created_at'>): Uint8Array {
  return canonicalBytes({ format: f.format, key_id: f.key_id, scheme: f.scheme, public_key: f.public_key, label: f.label, created_at: f.created_at });
}

function deriveKey(passphrase: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Runs on libuv's thread pool, off the main thread.
    crypto.scrypt(passphrase.normalize('NFKC'), salt, 32, { N: p.n, r: p.r, p: p.p, maxmem: 256 * p.n * p.r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export class SoftwareKeystore implements KeyBackend {
  readonly kind = 'software' as const;
  private readonly queue = new DeviceQueue();

  constructor(
    readonly dir: string,
    private readonly scrypt: ScryptParams = DEFAULT_SCRYPT,
    private readonly clock: () => Date = () => new Date(),
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private fileOf(keyId: string): string {
    if (!/^[0-9a-f]{40}$/.test(keyId)) throw new CharterError('KEY_NOT_FOUND', `no key ${keyId}`);
    return path.join(this.dir, `${keyId}.json`);
  }

  private read(keyId: string): KeystoreFile {
    const file = this.fileOf(keyId);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new CharterError('KEY_NOT_FOUND', `no key ${keyId} in ${this.dir}`);
    }
    return parseKeystore(text, file);
  }

  private static info(f: KeystoreFile): KeyInfo {
    return { keyId: f.key_id, label: f.label, scheme: f.scheme, backend: 'software', deviceId: 'software', publicKey: f.public_key, createdAt: f.created_at };
  }

  async devices(): Promise<DeviceInfo[]> {
    return [{ deviceId: 'software', backend: 'software', label: 'Software keystore', state: 'ready', facts: { directory: this.dir } }];
  }

  async list(): Promise<KeyInfo[]> {
    const out: KeyInfo[] = [];
    for (const name of fs.readdirSync(this.dir).sort()) {
      if (!/^[0-9a-f]{40}\.json$/.test(name)) continue;
      const file = path.join(this.dir, name);
      out.push(SoftwareKeystore.info(parseKeystore(fs.readFileSync(file, 'utf8'), file)));
    }
    // Plain code-unit order (ISO times and hex ids): the same on every machine, whatever its locale.
    const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
    return out.sort((a, b) => cmp(a.createdAt, b.createdAt) || cmp(a.keyId, b.keyId));
  }

  async get(keyId: string): Promise<KeyInfo> {
    return SoftwareKeystore.info(this.read(keyId));
  }

  async generate({ label, secret = '', scheme }: GenerateOptions): Promise<KeyInfo> {
    if (scheme !== 'ed25519') throw new CharterError('NOT_AVAILABLE', `the software keystore makes ${scheme} keys only as Web3 keystore files (issue 5); ed25519 here`);
    if (secret.length < MIN_PASSPHRASE_LENGTH) throw new CharterError('WEAK_PASSPHRASE', `the passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters`);
    return this.queue.run(async () => {
      const sk = ed25519.utils.randomSecretKey();
      try {
        const pk = ed25519.getPublicKey(sk);
        const header = {
          format: KEYSTORE_FORMAT as typeof KEYSTORE_FORMAT,
          key_id: keyIdOf('ed25519', pk),
          scheme: 'ed25519' as const,
          public_key: toHex(pk),
          label,
          created_at: this.clock().toISOString(),
        };
        const salt = crypto.randomBytes(32);
        const iv = crypto.randomBytes(12);
        const dk = await deriveKey(secret, salt, this.scrypt);
        const cipher = crypto.createCipheriv('aes-256-gcm', dk, iv);
        cipher.setAAD(headerAad(header));
        const ct = Buffer.concat([cipher.update(sk), cipher.final()]);
        dk.fill(0);
        const file: KeystoreFile = {
          ...header,
          crypto: {
            kdf: 'scrypt',
            kdfparams: { n: this.scrypt.n, r: this.scrypt.r, p: this.scrypt.p, dklen: 32, salt: salt.toString('hex') },
            cipher: 'aes-256-gcm',
            iv: iv.toString('hex'),
            ciphertext: ct.toString('hex'),
            tag: cipher.getAuthTag().toString('hex'),
          },
        };
        writeFileAtomic(this.fileOf(header.key_id), JSON.stringify(file, null, 2) + '\n', 0o600);
        return SoftwareKeystore.info(file);
      } finally {
        sk.fill(0);
      }
    });
  }

  async sign(keyId: string, req: SignRequest, { secret = '' }: Unlock): Promise<Uint8Array> {
    const f = this.read(keyId);
    if (req.scheme !== f.scheme) throw new CharterError('INVALID_INPUT', `key ${keyId} is ${f.scheme}, not ${req.scheme}`);
    const digest = req.digest;
    return this.queue.run(async () => {
      const sk = await decryptSecret(f, secret);
      try {
        const pk = ed25519.getPublicKey(sk);
        if (toHex(pk) !== f.public_key) throw new CharterError('KEYSTORE_CORRUPT', `${keyId}: the decrypted key does not match the file's public key`);
        return ed25519.sign(digest, sk);
      } finally {
        sk.fill(0);
      }
    });
  }

  /** A software key has no hardware to vouch for it: the record says so, and proves the passphrase unlocks it. */
  async attest(keyId: string, unlock: Unlock): Promise<AttestationRecord> {
    const f = this.read(keyId);
    const sk = await decryptSecret(f, unlock.secret ?? '');
    sk.fill(0);
    return {
      format: 'charter-key-attestation/v1',
      key_id: f.key_id,
      scheme: f.scheme,
      public_key: f.public_key,
      backend: 'software',
      device: { kind: 'software-keystore', format: f.format },
      key: { label: f.label, created_at: f.created_at, kdf: f.crypto.kdf, cipher: f.crypto.cipher, hardware_backed: false },
    };
  }
}

async function decryptSecret(f: KeystoreFile, passphrase: string): Promise<Uint8Array> {
  const k = f.crypto.kdfparams;
  const dk = await deriveKey(passphrase, Buffer.from(k.salt, 'hex'), { n: k.n, r: k.r, p: k.p });
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', dk, Buffer.from(f.crypto.iv, 'hex'));
    decipher.setAAD(headerAad(f));
    decipher.setAuthTag(Buffer.from(f.crypto.tag, 'hex'));
    const pt = Buffer.concat([decipher.update(Buffer.from(f.crypto.ciphertext, 'hex')), decipher.final()]);
    const out = new Uint8Array(pt);
    pt.fill(0);
    return out;
  } catch {
    // GCM authentication failed: wrong passphrase (or an edited header — which
    // also means this passphrase cannot be trusted to have unlocked it).
    throw new CharterError('WRONG_PASSPHRASE', `the passphrase does not unlock key ${f.key_id} (${f.label})`);
  } finally {
    dk.fill(0);
  }
}

function parseKeystore(text: string, file: string): KeystoreFile {
  let f: KeystoreFile;
  try {
    f = JSON.parse(text) as KeystoreFile;
  } catch {
    throw new CharterError('KEYSTORE_CORRUPT', `${file} is not valid JSON`);
  }
  const ok =
    f &&
    f.format === KEYSTORE_FORMAT &&
    f.scheme === 'ed25519' &&
    typeof f.public_key === 'string' &&
    /^[0-9a-f]{64}$/.test(f.public_key) &&
    f.key_id === keyIdOf('ed25519', fromHex(f.public_key)) &&
    typeof f.label === 'string' &&
    typeof f.created_at === 'string' &&
    f.crypto?.kdf === 'scrypt' &&
    f.crypto.cipher === 'aes-256-gcm' &&
    Number.isInteger(f.crypto.kdfparams?.n) &&
    f.crypto.kdfparams.n >= 1024 &&
    f.crypto.kdfparams.n <= 1 << 20 &&
    (f.crypto.kdfparams.n & (f.crypto.kdfparams.n - 1)) === 0 &&
    Number.isInteger(f.crypto.kdfparams.r) &&
    f.crypto.kdfparams.r >= 1 &&
    f.crypto.kdfparams.r <= 32 &&
    Number.isInteger(f.crypto.kdfparams.p) &&
    f.crypto.kdfparams.p >= 1 &&
    f.crypto.kdfparams.p <= 16 &&
    /^[0-9a-f]{32,128}$/.test(String(f.crypto.kdfparams.salt)) &&
    /^[0-9a-f]{24}$/.test(String(f.crypto.iv)) &&
    /^[0-9a-f]{64}$/.test(String(f.crypto.ciphertext)) &&
    /^[0-9a-f]{32}$/.test(String(f.crypto.tag));
  if (!ok) throw new CharterError('KEYSTORE_CORRUPT', `${file} is not a ${KEYSTORE_FORMAT} file or its fields do not agree`);
  return f;
}

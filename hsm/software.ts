/**
 * Encrypted software keys, kept one file per key in the workspace's
 * keystore/ directory as `<key id>.json` (docs/formats/keystore.md):
 *
 *   ed25519, p256  "charter-keystore/v1": the 32-byte secret key encrypted with
 *                  AES-256-GCM under scrypt(passphrase) (memory-hard; N=2^17,
 *                  r=8, p=1 by default), the public header (key id, scheme,
 *                  public key, label, created_at) bound as associated data, so a
 *                  file whose public key was swapped no longer decrypts.
 *   secp256k1      Web3 Secret Storage v3 (Ethereum's keystore: scrypt or
 *                  PBKDF2-HMAC-SHA256, AES-128-CTR, keccak-256 MAC), so the
 *                  files open in Ethereum tools; our id/label/scheme facts sit in
 *                  an extra "x-charter" object those tools ignore.
 *
 * importFile() takes a file of either format (a foreign Web3 v3 file from
 * geth, MyEtherWallet, ethers…), checks its KDF's cost before running it, and
 * stores the key re-encrypted under this keystore's own KDF settings;
 * exportFile() hands the stored file back.
 *
 * Keys are generated with @noble/curves. The passphrase is used for one call
 * and not kept; decrypted secret bytes are zeroed after use. ECDSA signatures
 * are 64-byte r||s with low S and are checked against the engine's verifier
 * before they are returned.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { canonicalBytes, keyIdOf, toHex, fromHex } from '../core/codec/index.js';
import { verifyEcdsa, verifyEcdsaHashed } from '../core/crypto/ecdsa.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { SignatureScheme } from '../core/engine/types.js';
import { FileTimestamp, Label } from '../core/contract/index.js';
import { CharterError } from '../core/errors.js';
import { writeFileAtomic } from '../base/node/files.js';
import {
  DeviceQueue,
  type AttestationRecord,
  type DeviceInfo,
  type GenerateOptions,
  type KeyBackend,
  type KeyInfo,
  type SignRequest,
  type Unlock,
} from './types.js';

export const KEYSTORE_FORMAT = 'charter-keystore/v1';
/** The extra field of a Web3 v3 file that carries our facts (Ethereum tools ignore unknown fields). */
export const WEB3_EXTRA_FIELD = 'x-charter';
export const MIN_PASSPHRASE_LENGTH = 8;

export interface ScryptParams {
  n: number;
  r: number;
  p: number;
}
export const DEFAULT_SCRYPT: ScryptParams = { n: 1 << 17, r: 8, p: 1 };

/**
 * The most a key file may ask the key derivation to cost, checked before it
 * runs (a 500-byte file must not hold the keystore for seconds or take GiBs).
 * The standard files fit: geth's scrypt N=2^18, r=8, p=1 and the Web3 v3
 * spec's vectors (scrypt N=2^18, r=1, p=8; PBKDF2 c=262144) are 256 MiB or less.
 */
export const KDF_LIMITS = {
  scrypt: { n: 1 << 18, r: 16, p: 16, memoryBytes: 256 * 1024 * 1024 },
  pbkdf2: { c: 2_000_000 },
} as const;

function kdfLimit(kdf: string, parameter: string, value: number, limit: number, what: string): never {
  throw new CharterError(
    'KDF_LIMIT_EXCEEDED',
    `the key file's ${kdf} parameter ${parameter} = ${value} is above the console's limit of ${limit}${what}; nothing was derived or imported`,
    {
      kdf,
      parameter,
      value,
      limit,
    },
  );
}

/** KDF_LIMIT_EXCEEDED, naming the parameter and the limit, if deriving with these parameters would cost more than KDF_LIMITS allows. */
export function checkKdfCost(c: { kdf: 'scrypt'; kdfparams: { n: number; r: number; p: number } } | { kdf: 'pbkdf2'; kdfparams: { c: number } }): void {
  if (c.kdf === 'pbkdf2') {
    if (c.kdfparams.c > KDF_LIMITS.pbkdf2.c) kdfLimit('pbkdf2', 'c', c.kdfparams.c, KDF_LIMITS.pbkdf2.c, ' iterations');
    return;
  }
  const { n, r, p } = c.kdfparams;
  const L = KDF_LIMITS.scrypt;
  if (n > L.n) kdfLimit('scrypt', 'n', n, L.n, ' (2^18)');
  if (r > L.r) kdfLimit('scrypt', 'r', r, L.r, '');
  if (p > L.p) kdfLimit('scrypt', 'p', p, L.p, '');
  const memory = 128 * n * r * p;
  if (memory > L.memoryBytes) kdfLimit('scrypt', '128·n·r·p', memory, L.memoryBytes, ' bytes (256 MiB)');
}

/** Schemes of the charter-keystore/v1 format. */
type CharterScheme = 'ed25519' | 'p256';

interface KeystoreFile {
  format: typeof KEYSTORE_FORMAT;
  key_id: string;
  scheme: CharterScheme;
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

type Web3Kdf =
  | { kdf: 'scrypt'; kdfparams: { dklen: 32; n: number; r: number; p: number; salt: string } }
  | { kdf: 'pbkdf2'; kdfparams: { dklen: 32; c: number; prf: 'hmac-sha256'; salt: string } };

/** Web3 Secret Storage v3, as Ethereum tools write it, plus our extra field. */
interface Web3File {
  version: 3;
  id: string;
  address?: string;
  crypto: { cipher: 'aes-128-ctr'; cipherparams: { iv: string }; ciphertext: string; mac: string } & Web3Kdf;
  [WEB3_EXTRA_FIELD]?: Web3Extra;
}
interface Web3Extra {
  key_id: string;
  scheme: 'secp256k1';
  public_key: string;
  label: string;
  created_at: string;
}

type Stored = { kind: 'charter'; file: KeystoreFile } | { kind: 'web3'; file: Web3File & { [WEB3_EXTRA_FIELD]: Web3Extra } };

const PUBLIC_KEY_HEX: Record<CharterScheme, RegExp> = { ed25519: /^[0-9a-f]{64}$/, p256: /^0[23][0-9a-f]{64}$/ };

function headerAad(f: Pick<KeystoreFile, 'format' | 'key_id' | 'scheme' | 'public_key' | 'label' | 'created_at'>): Uint8Array {
  return canonicalBytes({ format: f.format, key_id: f.key_id, scheme: f.scheme, public_key: f.public_key, label: f.label, created_at: f.created_at });
}

function passphraseBytes(passphrase: string): Buffer {
  return Buffer.from(passphrase.normalize('NFKC'), 'utf8');
}

function scryptKey(passphrase: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  // OpenSSL refuses N ≥ 2^(16·r) (RFC 7914's bound), which some Web3 files
  // exceed — the spec's own test vector has N=2^18 with r=1. Those go through
  // @noble/hashes' scrypt, which yields to the event loop as it works.
  if (p.n >= 2 ** (16 * p.r))
    return scryptAsync(passphraseBytes(passphrase), salt, { N: p.n, r: p.r, p: p.p, dkLen: 32, maxmem: 256 * p.n * p.r * p.p + 1024 * 1024 }).then((k) =>
      Buffer.from(k),
    );
  return new Promise((resolve, reject) => {
    // Runs on libuv's thread pool, off the main thread.
    crypto.scrypt(passphraseBytes(passphrase), salt, 32, { N: p.n, r: p.r, p: p.p, maxmem: 256 * p.n * p.r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

function pbkdf2Key(passphrase: string, salt: Buffer, c: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.pbkdf2(passphraseBytes(passphrase), salt, c, 32, 'sha256', (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** The public key in the engine's encoding (ed25519 32 bytes; ECDSA 33-byte compressed). */
function publicKeyOf(scheme: SignatureScheme, sk: Uint8Array): Uint8Array {
  switch (scheme) {
    case 'ed25519':
      return ed25519.getPublicKey(sk);
    case 'p256':
      return p256.getPublicKey(sk, true);
    case 'secp256k1':
      return secp256k1.getPublicKey(sk, true);
  }
}

/** Ethereum address (lower-case hex, no 0x) of a secp256k1 public key: the last 20 bytes of keccak-256 of the uncompressed point's x||y. */
export function ethereumAddressOf(publicKey: Uint8Array): string {
  const full = secp256k1.Point.fromBytes(publicKey).toBytes(false);
  return toHex(keccak_256(full.subarray(1)).subarray(12));
}

function randomSecretKey(scheme: SignatureScheme): Uint8Array {
  switch (scheme) {
    case 'ed25519':
      return ed25519.utils.randomSecretKey();
    case 'p256':
      return p256.utils.randomSecretKey();
    case 'secp256k1':
      return secp256k1.utils.randomSecretKey();
  }
}

/** Sign under the engine's rules: Ed25519 over the digest; P-256 over SHA-256(digest); secp256k1 over the digest itself; low S. */
function signWith(scheme: SignatureScheme, sk: Uint8Array, pk: Uint8Array, digest: Uint8Array): Uint8Array {
  if (scheme === 'ed25519') return ed25519.sign(digest, sk);
  const sig =
    scheme === 'p256'
      ? p256.sign(digest, sk, { prehash: true, lowS: true, format: 'compact' })
      : secp256k1.sign(digest, sk, { prehash: false, lowS: true, format: 'compact' });
  if (!verifyEcdsa(scheme, pk, digest, sig)) throw new CharterError('INTERNAL', `the ${scheme} signature does not verify under the engine's rules`);
  return sig;
}

/**
 * Sign an attestation (SignRequest.attestationPae): Ed25519 over PAE; ECDSA
 * over e = SHA-256(PAE) without further hashing, as 64-byte r||s with low S
 * (core/evidence/bundle/dsse.ts encodeAttestationSignature writes it as DER in
 * a v2 bundle).
 */
function signAttestationWith(scheme: SignatureScheme, sk: Uint8Array, pk: Uint8Array, paeBytes: Uint8Array): Uint8Array {
  if (scheme === 'ed25519') return ed25519.sign(paeBytes, sk);
  const e = sha256(paeBytes);
  const sig =
    scheme === 'p256'
      ? p256.sign(e, sk, { prehash: false, lowS: true, format: 'compact' })
      : secp256k1.sign(e, sk, { prehash: false, lowS: true, format: 'compact' });
  if (!verifyEcdsaHashed(scheme, pk, e, sig)) throw new CharterError('INTERNAL', `the ${scheme} attestation signature does not verify`);
  return sig;
}

function info(s: Stored): KeyInfo {
  if (s.kind === 'charter') {
    const f = s.file;
    return { keyId: f.key_id, label: f.label, scheme: f.scheme, backend: 'software', deviceId: 'software', publicKey: f.public_key, createdAt: f.created_at };
  }
  const x = s.file[WEB3_EXTRA_FIELD];
  return { keyId: x.key_id, label: x.label, scheme: 'secp256k1', backend: 'software', deviceId: 'software', publicKey: x.public_key, createdAt: x.created_at };
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

  private read(keyId: string): Stored {
    const file = this.fileOf(keyId);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new CharterError('KEY_NOT_FOUND', `no key ${keyId} in ${this.dir}`);
    }
    const s = parseStored(text, file);
    if (info(s).keyId !== keyId) throw new CharterError('KEYSTORE_CORRUPT', `${file} holds another key`);
    return s;
  }

  async devices(): Promise<DeviceInfo[]> {
    return [{ deviceId: 'software', backend: 'software', label: 'Software keystore', state: 'ready', facts: { directory: this.dir } }];
  }

  async list(): Promise<KeyInfo[]> {
    const out: KeyInfo[] = [];
    for (const name of fs.readdirSync(this.dir).sort()) {
      if (!/^[0-9a-f]{40}\.json$/.test(name)) continue;
      const file = path.join(this.dir, name);
      out.push(info(parseStored(fs.readFileSync(file, 'utf8'), file)));
    }
    // Plain code-unit order (ISO times and hex ids): the same on every machine, whatever its locale.
    const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
    return out.sort((a, b) => cmp(a.createdAt, b.createdAt) || cmp(a.keyId, b.keyId));
  }

  async get(keyId: string): Promise<KeyInfo> {
    return info(this.read(keyId));
  }

  async generate({ label, secret = '', scheme }: GenerateOptions): Promise<KeyInfo> {
    if (scheme !== 'ed25519' && scheme !== 'p256' && scheme !== 'secp256k1')
      throw new CharterError('INVALID_INPUT', `the software keystore has no scheme ${String(scheme)}`);
    if (typeof label !== 'string') throw new CharterError('INVALID_INPUT', 'a key needs a label');
    if (secret.length < MIN_PASSPHRASE_LENGTH)
      throw new CharterError('WEAK_PASSPHRASE', `the passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters`);
    return this.queue.run(async () => {
      const sk = randomSecretKey(scheme);
      try {
        const pk = publicKeyOf(scheme, sk);
        const createdAt = this.clock().toISOString();
        const stored: Stored =
          scheme === 'secp256k1'
            ? { kind: 'web3', file: await encryptWeb3(sk, pk, secret, { scrypt: this.scrypt }, { label, created_at: createdAt }) }
            : { kind: 'charter', file: await encryptCharter(scheme, sk, pk, secret, this.scrypt, label, createdAt) };
        const i = info(stored);
        writeFileAtomic(this.fileOf(i.keyId), JSON.stringify(stored.file, null, 2) + '\n', 0o600);
        return i;
      } finally {
        sk.fill(0);
      }
    });
  }

  async sign(keyId: string, req: SignRequest, { secret = '' }: Unlock): Promise<Uint8Array> {
    const s = this.read(keyId);
    const ki = info(s);
    if (req.scheme !== ki.scheme) throw new CharterError('INVALID_INPUT', `key ${keyId} is ${ki.scheme}, not ${req.scheme}`);
    if (!(req.digest instanceof Uint8Array) || req.digest.length !== 32) throw new CharterError('INVALID_INPUT', 'the digest to sign must be 32 bytes');
    const digest = req.digest;
    const attestationPae = req.attestationPae;
    if (attestationPae !== undefined && (!(attestationPae instanceof Uint8Array) || toHex(sha256(attestationPae)) !== toHex(digest))) {
      throw new CharterError('INVALID_INPUT', 'an attestation signing request carries digest = SHA-256(PAE)');
    }
    return this.queue.run(async () => {
      const sk = await decryptStored(s, secret);
      try {
        const pk = publicKeyOf(ki.scheme, sk);
        if (toHex(pk) !== ki.publicKey) throw new CharterError('KEYSTORE_CORRUPT', `${keyId}: the decrypted key does not match the file's public key`);
        await this.reencryptIfCostly(keyId, s, sk, pk, secret);
        return attestationPae !== undefined ? signAttestationWith(ki.scheme, sk, pk, attestationPae) : signWith(ki.scheme, sk, pk, digest);
      } finally {
        sk.fill(0);
      }
    });
  }

  /**
   * A file already in the keystore passes looser per-parameter bounds than an
   * import (storedKdfOk: what older consoles wrote), and nothing caps their
   * product there. Once its passphrase has unlocked it, a file whose cost is
   * above the import limits (KDF_LIMITS) is re-encrypted under this keystore's
   * scrypt settings, atomically, keeping its key id, label and creation time
   * (and a Web3 file's id), so that cost is paid once. The file is rewritten
   * only if it is still the one that was read; if rewriting fails it is left as
   * it was (still usable) and tried again at the next unlock.
   */
  private async reencryptIfCostly(keyId: string, s: Stored, sk: Uint8Array, pk: Uint8Array, secret: string): Promise<void> {
    try {
      checkKdfCost(s.file.crypto);
      return;
    } catch (e) {
      if (!(e instanceof CharterError) || e.code !== 'KDF_LIMIT_EXCEEDED') return;
    }
    try {
      let file: KeystoreFile | Web3File;
      if (s.kind === 'charter') {
        const f = s.file;
        file = await encryptCharter(f.scheme, sk, pk, secret, this.scrypt, f.label, f.created_at);
      } else {
        const x = s.file[WEB3_EXTRA_FIELD];
        const f = await encryptWeb3(sk, pk, secret, { scrypt: this.scrypt }, { label: x.label, created_at: x.created_at });
        file = { ...f, id: s.file.id };
      }
      const current = this.read(keyId);
      if (JSON.stringify(current.file) !== JSON.stringify(s.file)) return; // changed since: leave it
      writeFileAtomic(this.fileOf(keyId), JSON.stringify(file, null, 2) + '\n', 0o600);
    } catch {
      // Left as it was: it still unlocks, and is re-encrypted at the next unlock.
    }
  }

  /** A software key has no hardware to vouch for it: the record says so, and proves the passphrase unlocks it. */
  async attest(keyId: string, unlock: Unlock): Promise<AttestationRecord> {
    const s = this.read(keyId);
    const ki = info(s);
    const sk = await decryptStored(s, unlock.secret ?? '');
    try {
      const pk = publicKeyOf(ki.scheme, sk);
      if (toHex(pk) !== ki.publicKey) throw new CharterError('KEYSTORE_CORRUPT', `${keyId}: the decrypted key does not match the file's public key`);
      await this.queue.run(() => this.reencryptIfCostly(keyId, s, sk, pk, unlock.secret ?? ''));
    } finally {
      sk.fill(0);
    }
    const key: Record<string, string | boolean> = {
      label: ki.label,
      created_at: ki.createdAt,
      kdf: s.file.crypto.kdf,
      cipher: s.file.crypto.cipher,
      hardware_backed: false,
    };
    if (s.kind === 'web3') key.address = '0x' + ethereumAddressOf(fromHex(ki.publicKey));
    return {
      format: 'charter-key-attestation/v1',
      key_id: ki.keyId,
      scheme: ki.scheme,
      public_key: ki.publicKey,
      backend: 'software',
      device: { kind: 'software-keystore', format: s.kind === 'web3' ? 'web3-secret-storage/v3' : KEYSTORE_FORMAT },
      key,
    };
  }

  /**
   * Import a keystore file: Web3 Secret Storage v3 (secp256k1; from geth,
   * ethers, MyEtherWallet… or one we exported) or charter-keystore/v1
   * (ed25519, p256). Before any key derivation runs, its cost is checked
   * (KDF_LIMIT_EXCEEDED naming the parameter and the limit). The passphrase
   * must unlock it (WRONG_PASSPHRASE otherwise). The key is then stored
   * re-encrypted under this keystore's own KDF settings (scrypt, N=2^17 by
   * default) with the same passphrase: a weak file (PBKDF2 with c=1) is not
   * kept as it came. Its label: `label` if given, else the file's (a Web3
   * file without one: its address); a file's label that is not a valid key
   * label (contract Label: 1–64 characters, no control characters) is refused
   * with INVALID_INPUT unless `label` is given. Its created_at: the file's if
   * it is an ISO 8601 UTC time not later than now, else the time of import.
   * KEYSTORE_DUPLICATE if the keystore already holds the key; KEYSTORE_CORRUPT
   * for a file that is neither format or whose fields disagree. Nothing is
   * written on failure.
   */
  async importFile(text: string, passphrase: string, opts: { label?: string } = {}): Promise<KeyInfo> {
    const parsed = parseImport(text);
    const given = opts.label === undefined ? undefined : validLabel(opts.label, 'the label given');
    return this.queue.run(async () => {
      const now = this.clock();
      let stored: Stored;
      if (parsed.kind === 'charter') {
        const f = parsed.file;
        const label = given ?? validLabel(f.label, "the file's label");
        const sk = await decryptStored(parsed, passphrase);
        try {
          if (toHex(publicKeyOf(f.scheme, sk)) !== f.public_key)
            throw new CharterError('KEYSTORE_CORRUPT', "the decrypted key does not match the file's public key");
          stored = {
            kind: 'charter',
            file: await encryptCharter(f.scheme, sk, fromHex(f.public_key), passphrase, this.scrypt, label, importedDate(f.created_at, now)),
          };
        } finally {
          sk.fill(0);
        }
      } else {
        const sk = await decryptWeb3(parsed.file, passphrase);
        try {
          let pk: Uint8Array;
          try {
            pk = publicKeyOf('secp256k1', sk);
          } catch {
            throw new CharterError('KEYSTORE_CORRUPT', 'the decrypted secret is not a secp256k1 private key');
          }
          const address = ethereumAddressOf(pk);
          if (parsed.file.address !== undefined && parsed.file.address.toLowerCase().replace(/^0x/, '') !== address)
            throw new CharterError('KEYSTORE_CORRUPT', `the file's address ${parsed.file.address} is not the address of the key it holds (0x${address})`);
          const prev = parsed.file[WEB3_EXTRA_FIELD];
          const ours = prev !== undefined && prev.public_key === toHex(pk);
          const label = given ?? (ours ? validLabel(prev.label, "the file's label") : `0x${address}`);
          const createdAt = ours ? importedDate(prev.created_at, now) : now.toISOString();
          const file = await encryptWeb3(sk, pk, passphrase, { scrypt: this.scrypt }, { label, created_at: createdAt });
          // The file's own id (a UUID) is kept, so tools that track it still know the key.
          const id = typeof parsed.file.id === 'string' && /^[0-9a-fA-F-]{36}$/.test(parsed.file.id) ? parsed.file.id.toLowerCase() : file.id;
          stored = { kind: 'web3', file: { ...file, id } };
        } finally {
          sk.fill(0);
        }
      }
      const i = info(stored);
      const file = this.fileOf(i.keyId);
      if (fs.existsSync(file))
        throw new CharterError(
          'KEYSTORE_DUPLICATE',
          `the keystore already holds key ${i.keyId} (${info(parseStored(fs.readFileSync(file, 'utf8'), file)).label})`,
        );
      writeFileAtomic(file, JSON.stringify(stored.file, null, 2) + '\n', 0o600);
      return i;
    });
  }

  /**
   * The key's file, still encrypted under its passphrase, to save elsewhere:
   * a Web3 v3 file for secp256k1 (`fileName` in geth's
   * "UTC--<time>--<address>" style, which Ethereum tools open), a
   * charter-keystore/v1 file otherwise ("<key id>.json").
   */
  async exportFile(keyId: string): Promise<{ fileName: string; text: string }> {
    const s = this.read(keyId);
    const text = JSON.stringify(s.file, null, 2) + '\n';
    if (s.kind === 'charter') return { fileName: `${keyId}.json`, text };
    const x = s.file[WEB3_EXTRA_FIELD];
    return { fileName: `UTC--${x.created_at.replace(/:/g, '-')}--${s.file.address}`, text };
  }
}

/** A key label by the contract's rule (core/contract Label), trimmed; INVALID_INPUT naming `what` otherwise. The label itself is not echoed (it may hold control characters). */
function validLabel(label: unknown, what: string): string {
  const r = Label.safeParse(label);
  if (r.success) return r.data;
  const reason = r.error.issues[0]?.message ?? 'not valid';
  throw new CharterError(
    'INVALID_INPUT',
    `${what} is not a valid key label (${reason}: 1–64 characters, no control characters); give the key a label of your own to import it`,
    {
      field: 'label',
      problem: reason,
    },
  );
}

/** The file's created_at if it is an ISO 8601 UTC time no later than `now`; else `now` (the time of import). */
function importedDate(createdAt: unknown, now: Date): string {
  if (typeof createdAt === 'string' && FileTimestamp.safeParse(createdAt).success) {
    const t = Date.parse(createdAt);
    if (Number.isFinite(t) && t <= now.getTime()) return new Date(t).toISOString();
  }
  return now.toISOString();
}

async function encryptCharter(
  scheme: CharterScheme,
  sk: Uint8Array,
  pk: Uint8Array,
  secret: string,
  params: ScryptParams,
  label: string,
  createdAt: string,
): Promise<KeystoreFile> {
  const header = {
    format: KEYSTORE_FORMAT as typeof KEYSTORE_FORMAT,
    key_id: keyIdOf(scheme, pk),
    scheme,
    public_key: toHex(pk),
    label,
    created_at: createdAt,
  };
  const salt = crypto.randomBytes(32);
  const iv = crypto.randomBytes(12);
  const dk = await scryptKey(secret, salt, params);
  try {
    const cipher = crypto.createCipheriv('aes-256-gcm', dk, iv);
    cipher.setAAD(headerAad(header));
    const ct = Buffer.concat([cipher.update(sk), cipher.final()]);
    return {
      ...header,
      crypto: {
        kdf: 'scrypt',
        kdfparams: { n: params.n, r: params.r, p: params.p, dklen: 32, salt: salt.toString('hex') },
        cipher: 'aes-256-gcm',
        iv: iv.toString('hex'),
        ciphertext: ct.toString('hex'),
        tag: cipher.getAuthTag().toString('hex'),
      },
    };
  } finally {
    dk.fill(0);
  }
}

/** Encrypt a secp256k1 secret key as a Web3 Secret Storage v3 file. Exported for tests and tools. */
export async function encryptWeb3(
  sk: Uint8Array,
  pk: Uint8Array,
  secret: string,
  kdf: { scrypt: ScryptParams } | { pbkdf2: { c: number } },
  meta: { label: string; created_at: string },
): Promise<Web3File & { [WEB3_EXTRA_FIELD]: Web3Extra }> {
  const salt = crypto.randomBytes(32);
  const iv = crypto.randomBytes(16);
  const dk = 'scrypt' in kdf ? await scryptKey(secret, salt, kdf.scrypt) : await pbkdf2Key(secret, salt, kdf.pbkdf2.c);
  try {
    const cipher = crypto.createCipheriv('aes-128-ctr', dk.subarray(0, 16), iv);
    const ct = Buffer.concat([cipher.update(sk), cipher.final()]);
    const mac = keccak_256(Buffer.concat([dk.subarray(16, 32), ct]));
    const kdfPart: Web3Kdf =
      'scrypt' in kdf
        ? { kdf: 'scrypt', kdfparams: { dklen: 32, n: kdf.scrypt.n, r: kdf.scrypt.r, p: kdf.scrypt.p, salt: salt.toString('hex') } }
        : { kdf: 'pbkdf2', kdfparams: { dklen: 32, c: kdf.pbkdf2.c, prf: 'hmac-sha256', salt: salt.toString('hex') } };
    return {
      version: 3,
      id: crypto.randomUUID(),
      address: ethereumAddressOf(pk),
      crypto: { cipher: 'aes-128-ctr', cipherparams: { iv: iv.toString('hex') }, ciphertext: ct.toString('hex'), ...kdfPart, mac: toHex(mac) },
      [WEB3_EXTRA_FIELD]: { key_id: keyIdOf('secp256k1', pk), scheme: 'secp256k1', public_key: toHex(pk), label: meta.label, created_at: meta.created_at },
    };
  } finally {
    dk.fill(0);
  }
}

/** Decrypt a Web3 v3 file's secret (32 bytes): MAC first (WRONG_PASSPHRASE on mismatch), then AES-128-CTR. */
export async function decryptWeb3(f: Web3File, passphrase: string): Promise<Uint8Array> {
  const c = f.crypto;
  const salt = Buffer.from(c.kdfparams.salt, 'hex');
  const dk = c.kdf === 'scrypt' ? await scryptKey(passphrase, salt, c.kdfparams) : await pbkdf2Key(passphrase, salt, c.kdfparams.c);
  try {
    const ct = Buffer.from(c.ciphertext, 'hex');
    const mac = keccak_256(Buffer.concat([dk.subarray(16, 32), ct]));
    if (!crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(c.mac, 'hex')))
      throw new CharterError(
        'WRONG_PASSPHRASE',
        `the passphrase does not unlock this keystore file${f.address ? ` (address 0x${f.address.replace(/^0x/, '')})` : ''}`,
      );
    const decipher = crypto.createDecipheriv('aes-128-ctr', dk.subarray(0, 16), Buffer.from(c.cipherparams.iv, 'hex'));
    const pt = Buffer.concat([decipher.update(ct), decipher.final()]);
    const out = new Uint8Array(pt);
    pt.fill(0);
    return out;
  } finally {
    dk.fill(0);
  }
}

async function decryptStored(s: Stored, passphrase: string): Promise<Uint8Array> {
  return s.kind === 'web3' ? decryptWeb3(s.file, passphrase) : decryptCharter(s.file, passphrase);
}

async function decryptCharter(f: KeystoreFile, passphrase: string): Promise<Uint8Array> {
  const k = f.crypto.kdfparams;
  const dk = await scryptKey(passphrase, Buffer.from(k.salt, 'hex'), { n: k.n, r: k.r, p: k.p });
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
    // The label is the file's own, unchecked text (any length, any characters): the key id names the key.
    throw new CharterError('WRONG_PASSPHRASE', `the passphrase does not unlock key ${f.key_id}`);
  } finally {
    dk.fill(0);
  }
}

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The bounds a file already in the keystore directory must keep (what consoles accepted
 * before imports were re-encrypted, so a key imported then stays usable); files from
 * outside must pass the lower KDF_LIMITS (checkKdfCost) instead.
 */
function storedKdfOk(c: any): boolean {
  if (c?.kdf === 'scrypt') return c.kdfparams.n <= 1 << 20 && c.kdfparams.r <= 32 && c.kdfparams.p <= 16;
  return c?.kdf === 'pbkdf2' && c.kdfparams.c <= 10_000_000;
}

/** The shape of scrypt parameters (their cost is checkKdfCost's). */
function scryptParamsOk(k: any): boolean {
  return (
    Number.isSafeInteger(k?.n) &&
    k.n >= 1024 &&
    Number.isInteger(Math.log2(k.n)) &&
    Number.isSafeInteger(k.r) &&
    k.r >= 1 &&
    Number.isSafeInteger(k.p) &&
    k.p >= 1 &&
    k.dklen === 32 &&
    /^[0-9a-f]{32,128}$/.test(String(k.salt))
  );
}

function charterFileOk(f: any): f is KeystoreFile {
  return (
    isObj(f) &&
    f.format === KEYSTORE_FORMAT &&
    (f.scheme === 'ed25519' || f.scheme === 'p256') &&
    typeof f.public_key === 'string' &&
    PUBLIC_KEY_HEX[f.scheme as CharterScheme].test(f.public_key) &&
    f.key_id === keyIdOf(f.scheme, fromHex(f.public_key)) &&
    typeof f.label === 'string' &&
    typeof f.created_at === 'string' &&
    f.crypto?.kdf === 'scrypt' &&
    f.crypto.cipher === 'aes-256-gcm' &&
    scryptParamsOk(f.crypto.kdfparams) &&
    /^[0-9a-f]{24}$/.test(String(f.crypto.iv)) &&
    /^[0-9a-f]{64}$/.test(String(f.crypto.ciphertext)) &&
    /^[0-9a-f]{32}$/.test(String(f.crypto.tag))
  );
}

/** Web3 v3 as Ethereum's spec and its tools write it (hex may come in either case). */
function web3FileOk(f: any): f is Web3File {
  if (!isObj(f) || f.version !== 3 || !isObj(f.crypto)) return false;
  const c = f.crypto;
  const hex = (v: unknown, n: number) => typeof v === 'string' && new RegExp(`^[0-9a-fA-F]{${n}}$`).test(v);
  if (c.cipher !== 'aes-128-ctr' || !isObj(c.cipherparams) || !hex(c.cipherparams.iv, 32) || !hex(c.ciphertext, 64) || !hex(c.mac, 64)) return false;
  if (f.address !== undefined && !(typeof f.address === 'string' && /^(0x)?[0-9a-fA-F]{40}$/.test(f.address))) return false;
  if (c.kdf === 'scrypt') return scryptParamsOk({ ...c.kdfparams, salt: String(c.kdfparams?.salt).toLowerCase() });
  if (c.kdf === 'pbkdf2') {
    const k = c.kdfparams;
    return isObj(k) && k.prf === 'hmac-sha256' && k.dklen === 32 && Number.isSafeInteger(k.c) && k.c >= 1 && /^[0-9a-fA-F]{32,128}$/.test(String(k.salt));
  }
  return false;
}

/** Lower-case the hex fields of a Web3 file so the stored copy is in one form. */
function normaliseWeb3(f: Web3File): Web3File {
  const c = f.crypto;
  const kdf: Web3Kdf =
    c.kdf === 'scrypt'
      ? { kdf: 'scrypt', kdfparams: { ...c.kdfparams, salt: c.kdfparams.salt.toLowerCase() } }
      : { kdf: 'pbkdf2', kdfparams: { ...c.kdfparams, salt: c.kdfparams.salt.toLowerCase() } };
  return {
    ...f,
    ...(f.address === undefined ? {} : { address: f.address.toLowerCase().replace(/^0x/, '') }),
    crypto: { ...c, cipherparams: { iv: c.cipherparams.iv.toLowerCase() }, ciphertext: c.ciphertext.toLowerCase(), mac: c.mac.toLowerCase(), ...kdf },
  };
}

function web3ExtraOk(x: any): x is Web3Extra {
  return (
    isObj(x) &&
    x.scheme === 'secp256k1' &&
    typeof x.public_key === 'string' &&
    /^0[23][0-9a-f]{64}$/.test(x.public_key) &&
    x.key_id === keyIdOf('secp256k1', fromHex(x.public_key)) &&
    typeof x.label === 'string' &&
    typeof x.created_at === 'string'
  );
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CharterError('KEYSTORE_CORRUPT', `${what} is not valid JSON`);
  }
}

/** A file of our keystore directory. */
function parseStored(text: string, file: string): Stored {
  const f = parseJson(text, file) as any;
  if (charterFileOk(f) && storedKdfOk(f.crypto)) return { kind: 'charter', file: f };
  if (web3FileOk(f) && storedKdfOk(f.crypto) && web3ExtraOk(f[WEB3_EXTRA_FIELD])) {
    const x = f[WEB3_EXTRA_FIELD] as Web3Extra;
    let addressOk = false;
    try {
      addressOk = f.address !== undefined && f.address.toLowerCase().replace(/^0x/, '') === ethereumAddressOf(fromHex(x.public_key));
    } catch {
      addressOk = false;
    }
    if (addressOk) return { kind: 'web3', file: normaliseWeb3(f) as Web3File & { [WEB3_EXTRA_FIELD]: Web3Extra } };
  }
  throw new CharterError('KEYSTORE_CORRUPT', `${file} is not a ${KEYSTORE_FORMAT} or Web3 v3 keystore file, or its fields do not agree`);
}

/** A file handed to importFile: either format; a Web3 file's extra field is optional. */
function parseImport(text: string): { kind: 'charter'; file: KeystoreFile } | { kind: 'web3'; file: Web3File } {
  if (typeof text !== 'string' || text.length > 64 * 1024) throw new CharterError('KEYSTORE_CORRUPT', 'a keystore file is a JSON text of at most 64 KiB');
  const f = parseJson(text, 'the file') as any;
  // The cost of the key derivation is checked before anything runs it.
  if (charterFileOk(f)) {
    checkKdfCost(f.crypto);
    return { kind: 'charter', file: f };
  }
  if (web3FileOk(f)) {
    checkKdfCost(f.crypto);
    const g = normaliseWeb3(f);
    if (g[WEB3_EXTRA_FIELD] !== undefined && !web3ExtraOk(g[WEB3_EXTRA_FIELD])) delete g[WEB3_EXTRA_FIELD];
    return { kind: 'web3', file: g };
  }
  throw new CharterError(
    'KEYSTORE_CORRUPT',
    `the file is neither a Web3 Secret Storage v3 file (aes-128-ctr; scrypt or pbkdf2 hmac-sha256) nor a ${KEYSTORE_FORMAT} file`,
  );
}

/**
 * The devnet's two keys, kept in its home directory:
 *
 * - node_key.json: the validator's Ed25519 key, in the shape of CometBFT's
 *   priv_validator_key.json (address, pub_key, priv_key). It signs blocks.
 * - admin_key.json: the DEVNET-ONLY chain admin key, in plaintext (like
 *   hardhat's well-known accounts), registered as admin in genesis so the
 *   console can register keys, create and fund vaults on a devnet.
 *
 * Both are written with mode 0600.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { tightenMode, writeFileAtomic } from '../../base/node/files.js';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { CharterError } from '../../core/errors.js';
import { keyIdOf } from '../../core/codec/index.js';
import { b64, fromB64, hexUpper, sha256 } from '../cometbft/encoding.js';

export const NODE_KEY_FILE = 'node_key.json';
export const ADMIN_KEY_FILE = 'admin_key.json';
export const ADMIN_KEY_WARNING =
  'DEVNET ONLY. This admin key is stored in plaintext so that a local devnet works with no setup. ' +
  'Anyone who can read this file controls this devnet. Never use it, or this file, on a real network.';

export interface ValidatorKey {
  /** Upper-case hex, first 20 bytes of SHA-256(public key), as CometBFT. */
  address: string;
  publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export interface DevnetAdmin {
  keyId: string;
  publicKey: Uint8Array;
  label: string;
  sign(digest: Uint8Array): Uint8Array;
}

interface NodeKeyFile {
  address: string;
  pub_key: { type: 'tendermint/PubKeyEd25519'; value: string };
  priv_key: { type: 'tendermint/PrivKeyEd25519'; value: string };
}

interface AdminKeyFile {
  warning: string;
  devnet_only: true;
  scheme: 'ed25519';
  label: string;
  key_id: string;
  public_key: string;
  secret_key: string;
}

export function validatorAddress(publicKey: Uint8Array): string {
  return hexUpper(sha256(publicKey).slice(0, 20));
}

/** Writes a file atomically (temp file, fsync, rename) with mode 0600. */
export function writeSecretFile(path: string, text: string): void {
  writeFileAtomic(path, text, 0o600);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CharterError('WORKSPACE_INVALID', `${path} cannot be read: ${(e as Error).message}`, { file: path });
  }
}

/** A key file others could read (an older home, a copy): narrowed to 0600, with a warning that it was open. */
function warnIfOpen(path: string, log?: (level: 'warn', msg: string) => void): void {
  if (process.platform === 'win32') return;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  try {
    tightenMode(path, 0o600);
    log?.('warn', `${path} was readable by other users (mode ${mode.toString(8)}); narrowed to 0600`);
  } catch (e) {
    log?.('warn', `${path} is readable by other users (mode ${mode.toString(8)}) and cannot be narrowed to 0600: ${(e as Error).message}`);
  }
}

/** Loads node_key.json, creating it (from `secret` or fresh randomness) when absent. */
export function loadOrCreateValidatorKey(home: string, secret?: Uint8Array, log?: (level: 'warn', msg: string) => void): ValidatorKey {
  const path = join(home, NODE_KEY_FILE);
  if (!existsSync(path)) {
    const seed = secret ?? new Uint8Array(randomBytes(32));
    const pub = ed25519.getPublicKey(seed);
    const file: NodeKeyFile = {
      address: validatorAddress(pub),
      pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(pub) },
      priv_key: { type: 'tendermint/PrivKeyEd25519', value: b64(new Uint8Array([...seed, ...pub])) },
    };
    writeSecretFile(path, JSON.stringify(file, null, 2) + '\n');
  }
  warnIfOpen(path, log);
  const f = readJson(path) as Partial<NodeKeyFile>;
  const priv = typeof f.priv_key?.value === 'string' ? fromB64(f.priv_key.value) : null;
  if (!priv || priv.length !== 64) throw new CharterError('WORKSPACE_INVALID', `${path}: priv_key is not a 64-byte Ed25519 key`, { file: path });
  const seed = priv.slice(0, 32);
  const pub = ed25519.getPublicKey(seed);
  if (b64(pub) !== f.pub_key?.value || validatorAddress(pub) !== f.address) {
    throw new CharterError('WORKSPACE_INVALID', `${path}: pub_key or address does not match priv_key`, { file: path });
  }
  return { address: validatorAddress(pub), publicKey: pub, sign: (m) => ed25519.sign(m, seed) };
}

/** Creates admin_key.json (from `secret` or fresh randomness) when absent. */
export function ensureAdminKey(home: string, secret?: Uint8Array): void {
  const path = join(home, ADMIN_KEY_FILE);
  if (existsSync(path)) return;
  const seed = secret ?? new Uint8Array(randomBytes(32));
  const pub = ed25519.getPublicKey(seed);
  const file: AdminKeyFile = {
    warning: ADMIN_KEY_WARNING,
    devnet_only: true,
    scheme: 'ed25519',
    label: 'devnet-admin',
    key_id: keyIdOf('ed25519', pub),
    public_key: Buffer.from(pub).toString('hex'),
    secret_key: Buffer.from(seed).toString('hex'),
  };
  writeSecretFile(path, JSON.stringify(file, null, 2) + '\n');
}

/** The devnet admin key of a devnet home (admin_key.json), ready to sign envelope digests. */
export function loadDevnetAdmin(home: string): DevnetAdmin {
  const path = join(home, ADMIN_KEY_FILE);
  if (!existsSync(path)) throw new CharterError('WORKSPACE_INVALID', `${path} does not exist; start the devnet once to create it`, { file: path });
  const f = readJson(path) as Partial<AdminKeyFile>;
  if (f.devnet_only !== true || f.scheme !== 'ed25519' || typeof f.secret_key !== 'string' || !/^[0-9a-f]{64}$/.test(f.secret_key)) {
    throw new CharterError('WORKSPACE_INVALID', `${path} is not a devnet admin key file`, { file: path });
  }
  const seed = new Uint8Array(Buffer.from(f.secret_key, 'hex'));
  const pub = ed25519.getPublicKey(seed);
  const keyId = keyIdOf('ed25519', pub);
  if (f.public_key !== Buffer.from(pub).toString('hex') || f.key_id !== keyId) {
    throw new CharterError('WORKSPACE_INVALID', `${path}: public_key or key_id does not match secret_key`, { file: path });
  }
  return { keyId, publicKey: pub, label: typeof f.label === 'string' ? f.label : 'devnet-admin', sign: (d) => ed25519.sign(d, seed) };
}

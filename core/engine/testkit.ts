/**
 * Deterministic fixtures for tests of the engine and of anything built on it
 * (services, devnet, replay): Ed25519 test keys from fixed bytes, envelope
 * building and signing, and a tiny block driver.
 *
 * NEVER use these keys for anything but tests: their secrets are public.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { keyIdOf, toHex } from '../codec/index.js';
import { encodeTx, signingDigest } from '../tx/envelope.js';
import { makeGenesis } from './genesis.js';
import type { Application, ChainParams, FinalizeBlockResponse, GenesisDoc, SignedEnvelope, TxBodies, TxType, UnsignedEnvelope } from './types.js';

export interface TestKey {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  publicKeyHex: string;
  keyId: string;
  sign(digest: Uint8Array): Uint8Array;
}

/** Test key number n: the Ed25519 secret key is 32 bytes all equal to n (1 ≤ n ≤ 255). */
export function testKey(n: number): TestKey {
  if (!Number.isInteger(n) || n < 1 || n > 255) throw new Error('test key number must be 1–255');
  const secretKey = new Uint8Array(32).fill(n);
  const publicKey = ed25519.getPublicKey(secretKey);
  return {
    secretKey,
    publicKey,
    publicKeyHex: toHex(publicKey),
    keyId: keyIdOf('ed25519', publicKey),
    sign: (digest) => ed25519.sign(digest, secretKey),
  };
}

export const TEST_GENESIS_TIME = '2026-01-01T00:00:00Z';
export const TEST_CHAIN_ID = 'charter-test';

/** A genesis with the given admins (default: test key 1). */
export function testGenesis(opts: { admins?: TestKey[]; params?: Partial<ChainParams>; chain_id?: string } = {}): GenesisDoc {
  const admins = opts.admins ?? [testKey(1)];
  return makeGenesis({
    chain_id: opts.chain_id ?? TEST_CHAIN_ID,
    genesis_time: TEST_GENESIS_TIME,
    admins: admins.map((k, i) => ({ public_key: k.publicKeyHex, label: `admin ${i + 1}` })),
    ...(opts.params ? { params: opts.params } : {}),
  });
}

export interface BuildOpts {
  chain_id?: string;
  expires_at?: number;
  version?: number;
}

/** Build and sign an envelope synchronously; returns the envelope and its wire bytes. */
export function buildTx<T extends TxType>(
  key: TestKey,
  type: T,
  body: TxBodies[T],
  nonce: number,
  opts: BuildOpts = {},
): { env: SignedEnvelope<T>; bytes: Uint8Array; unsigned: UnsignedEnvelope<T> } {
  const unsigned = {
    version: (opts.version ?? 1) as 1,
    chain_id: opts.chain_id ?? TEST_CHAIN_ID,
    type,
    body,
    signer: key.keyId,
    nonce,
    expires_at: opts.expires_at ?? 100,
  } as UnsignedEnvelope<T>;
  const env = { ...unsigned, signature: toHex(key.sign(signingDigest(unsigned))) } as SignedEnvelope<T>;
  return { env, bytes: encodeTx(env), unsigned };
}

/** Block time for height h: genesis time + h seconds (h < 86400). */
export function blockTime(h: number): string {
  const s = h % 60;
  const m = Math.floor(h / 60) % 60;
  const hr = Math.floor(h / 3600);
  const pad = (x: number) => String(x).padStart(2, '0');
  return `2026-01-01T${pad(hr)}:${pad(m)}:${pad(s)}Z`;
}

/** Finalize and commit the next block with these transactions. */
export function runBlock(app: Application, txs: Uint8Array[]): FinalizeBlockResponse {
  const height = app.info().lastBlockHeight + 1;
  const res = app.finalizeBlock({ height, time: blockTime(height), txs });
  app.commit();
  return res;
}

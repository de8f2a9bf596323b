/**
 * Deterministic fixtures (test support, not product code) for tests of the engine and of anything built on it
 * (services, devnet, replay): Ed25519 test keys from fixed bytes, envelope
 * building and signing, and a tiny block driver.
 *
 * NEVER use these keys for anything but tests: their secrets are public.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromUtf8, keyIdOf, toHex } from '../../core/codec/index.js';
import { encodeTx, signingDigest } from '../../core/tx/codec.js';
import { CustodyEngine } from '../../core/engine/engine.js';
import { makeGenesis } from '../../core/engine/genesis.js';
import type {
  Application,
  ChainParams,
  FinalizeBlockResponse,
  GenesisDoc,
  SignedEnvelope,
  TxBodies,
  TxResult,
  TxType,
  UnsignedEnvelope,
} from '../../core/engine/types.js';

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

/**
 * A block driver for engine tests: one transaction per block at block time
 * h×10 s, nonces learned from accepted transactions, results decoded.
 * Test files extend it with their own helpers (governance, emergency…).
 */
export class BlockDriver {
  engine: CustodyEngine;
  nonces = new Map<string, number>();
  last: FinalizeBlockResponse | null = null;
  constructor(genesis: GenesisDoc = testGenesis()) {
    this.engine = new CustodyEngine(genesis);
  }
  /** A signed transaction with the signer's next nonce, valid for 500 blocks. */
  tx<T extends TxType>(k: TestKey, type: T, body: TxBodies[T]): Uint8Array {
    const n = (this.nonces.get(k.keyId) ?? 0) + 1;
    return buildTx(k, type, body, n, { expires_at: this.engine.height() + 500 }).bytes;
  }
  block(txs: Uint8Array[] = []): FinalizeBlockResponse {
    const h = this.engine.height() + 1;
    const res = this.engine.finalizeBlock({ height: h, time: blockTime(h * 10), txs });
    this.engine.commit();
    txs.forEach((b, i) => {
      if ((res.txResults[i] as TxResult).code === 0) {
        const env = JSON.parse(fromUtf8(b)) as { signer: string; nonce: number };
        this.nonces.set(env.signer, env.nonce);
      }
    });
    this.last = res;
    return res;
  }
  send<T extends TxType>(k: TestKey, type: T, body: TxBodies[T]): TxResult {
    return this.block([this.tx(k, type, body)]).txResults[0] as TxResult;
  }
  /** The result data of an accepted transaction; throws with the log when refused. */
  ok<T extends TxType>(k: TestKey, type: T, body: TxBodies[T]): Record<string, unknown> {
    const r = this.send(k, type, body);
    if (r.code !== 0) throw new Error(`expected success, got ${r.log}`);
    return r.data.length ? (JSON.parse(fromUtf8(r.data)) as Record<string, unknown>) : {};
  }
  /** 'OK', or the error code of the refusal. */
  code<T extends TxType>(k: TestKey, type: T, body: TxBodies[T]): string {
    const r = this.send(k, type, body);
    return r.code === 0 ? 'OK' : (r.log.split(':')[0] as string);
  }
  q<T>(path: string): T {
    const r = this.engine.query({ path });
    if (r.code !== 0) throw new Error(r.log);
    return JSON.parse(fromUtf8(r.value)) as T;
  }
}

/**
 * Deterministic Ed25519 keys for generated workloads (the benchmarks): the
 * seed is SHA-256 of a text, so the same text gives the same key, and the
 * envelopes it signs with increasing nonces give the same bytes on every run.
 * Never for real custody keys.
 */
import { createPrivateKey, createPublicKey, sign as edSign, type KeyObject } from 'node:crypto';
import { keyIdOf, toHex } from '../../core/codec/index.js';
import { encodeTx, signingDigest } from '../../core/tx/codec.js';
import type { SignedEnvelope, TxBodies, TxType, UnsignedEnvelope } from '../../core/engine/types.js';
import { nodeSha256 } from './node-hash.js';

export interface SeededKey {
  keyId: string;
  publicKeyHex: string;
  priv: KeyObject;
  /** The nonce of the last envelope signed. */
  nonce: number;
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The Ed25519 key whose seed is SHA-256(utf8(seedText)). */
export function seededKey(seedText: string): SeededKey {
  const seed = nodeSha256(Buffer.from(seedText, 'utf8'));
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  const pub = spki.subarray(spki.length - 32);
  return { keyId: keyIdOf('ed25519', pub), publicKeyHex: pub.toString('hex'), priv, nonce: 0 };
}

/** An envelope signed by `k` with its next nonce, expiring 100 blocks after `height`: its wire bytes and unsigned part. */
export function signSeeded<T extends TxType>(
  k: SeededKey,
  chainId: string,
  type: T,
  body: TxBodies[T],
  height: number,
): { bytes: Uint8Array; unsigned: UnsignedEnvelope<T> } {
  const unsigned = { version: 1, chain_id: chainId, type, body, signer: k.keyId, nonce: ++k.nonce, expires_at: height + 100 } as UnsignedEnvelope<T>;
  const sig = edSign(null, signingDigest(unsigned), k.priv);
  return { bytes: encodeTx({ ...unsigned, signature: toHex(sig) } as SignedEnvelope<T>), unsigned };
}

/**
 * Shared fixtures of the devnet and chain-client integration tests: temp
 * homes, nodes that are always stopped, a deterministic clock, and
 * transaction signing with fixed-secret Ed25519 test keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { keyIdOf, toHex } from '../../core/codec/index.js';
import { encodeTx, signingDigest } from '../../core/tx/envelope.js';
import type { TxBodies, TxType, UnsignedEnvelope } from '../../core/engine/types.js';
import { DevnetNode, type DevnetNodeOptions } from '../../main/devnet/node.js';

export interface Signer {
  keyId: string;
  publicKeyHex: string;
  sign(digest: Uint8Array): Uint8Array;
}

/** Test signer n: Ed25519 secret = 32 bytes of value (0x40 + n). Public test secrets; tests only. */
export function signer(n: number): Signer {
  const secret = new Uint8Array(32).fill(0x40 + n);
  const pub = ed25519.getPublicKey(secret);
  return { keyId: keyIdOf('ed25519', pub), publicKeyHex: toHex(pub), sign: (d) => ed25519.sign(d, secret) };
}

export const ADMIN_SECRET = new Uint8Array(32).fill(0x11);
export const VALIDATOR_SECRET = new Uint8Array(32).fill(0x22);

/** Signs an envelope and returns its wire bytes. */
export function signTx<T extends TxType>(
  s: Pick<Signer, 'keyId' | 'sign'>,
  chainId: string,
  type: T,
  body: TxBodies[T],
  nonce: number,
  expiresAt = 1000,
): Uint8Array {
  const unsigned = { version: 1, chain_id: chainId, type, body, signer: s.keyId, nonce, expires_at: expiresAt } as UnsignedEnvelope<T>;
  return encodeTx({ ...unsigned, signature: toHex(s.sign(signingDigest(unsigned))) });
}

/** A clock that starts at a fixed instant and moves 1 s per call. */
export function steppingClock(startMs = Date.UTC(2026, 0, 1), stepMs = 1000): () => number {
  let t = startMs;
  return () => {
    const now = t;
    t += stepMs;
    return now;
  };
}

export class Homes {
  private readonly dirs: string[] = [];
  private readonly nodes: DevnetNode[] = [];

  home(): string {
    const d = mkdtempSync(join(tmpdir(), 'charter-devnet-'));
    this.dirs.push(d);
    return d;
  }

  async start(opts: Partial<DevnetNodeOptions> & { home?: string } = {}): Promise<DevnetNode> {
    const node = await DevnetNode.start({ home: opts.home ?? this.home(), blockTimeMs: 50, ...opts });
    this.nodes.push(node);
    return node;
  }

  async cleanup(): Promise<void> {
    for (const n of this.nodes.splice(0)) await n.stop();
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** Polls until f() is truthy (or throws after timeoutMs). */
export async function until<T>(f: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Raw JSON-RPC POST. */
export async function rpcPost(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

export async function getJson(url: string): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}

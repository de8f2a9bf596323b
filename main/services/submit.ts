/**
 * Build, sign and submit one custody transaction.
 *
 * The signer's nonce is read from the chain, the envelope is signed over its
 * domain-separated digest, and the transaction is broadcast and awaited until
 * it is in a block. Submissions by one signer are serialised, so concurrent
 * actions never race for a nonce. A rejection surfaces as a CharterError with
 * the engine's stable code, and changes nothing on chain.
 */
import { canonicalJson, toHex } from '../../core/codec/index.js';
import { CharterError } from '../../core/errors.js';
import type { TxBodies, TxType, UnsignedEnvelope } from '../../core/engine/types.js';
import { encodeTx, signingDigest } from '../../core/tx/envelope.js';
import type { CustodyNodes } from '../nodes/types.js';

export interface TxSigner {
  keyId: string;
  /** Sign the envelope's signing digest; the envelope is passed so a device can show its fields. */
  sign(digest: Uint8Array, envelope: UnsignedEnvelope): Promise<Uint8Array>;
}

/** What a preview showed: the signer's nonce, the expiry height and the signing digest (hex). */
export interface ExpectedEnvelope {
  nonce: number;
  expiresAt: number;
  digest: string;
}

export interface Submitted {
  txHash: string;
  height: number;
  data: unknown;
  unsigned: UnsignedEnvelope;
}

/** A preview of what a signer would sign (the contract's SigningPreview). */
export interface SigningPreviewOut<T extends TxType = TxType> {
  chainId: string;
  keyId: string;
  asAdmin: boolean;
  scheme: string;
  envelope: UnsignedEnvelope<T>;
  canonical: string;
  signingDigest: string;
  nonce: number;
  expiresAt: number;
}

/** How many blocks a signed transaction stays valid. */
export const EXPIRY_BLOCKS = 100;

export class Submitter {
  private locks = new Map<string, Promise<unknown>>();

  constructor(private readonly nodes: CustodyNodes) {}

  private serialise<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return next;
  }

  /** Prepare the unsigned envelope (reads chain id, height and the signer's nonce). */
  async prepare<T extends TxType>(type: T, body: TxBodies[T], signerKeyId: string): Promise<UnsignedEnvelope<T>> {
    const client = await this.nodes.custody().get();
    const [status, last] = await Promise.all([client.status(), client.nonceOf(signerKeyId)]);
    const nonce = last + 1;
    return { version: 1, chain_id: status.chainId, type, body, signer: signerKeyId, nonce, expires_at: status.height + EXPIRY_BLOCKS };
  }

  /**
   * Exactly what `signerKeyId` would sign for this transaction now: the unsigned
   * envelope, its canonical JSON and the signing digest. Submitting with
   * `expected` set from this preview signs these bytes or nothing.
   */
  async preview<T extends TxType>(type: T, body: TxBodies[T], signer: { keyId: string; scheme: string; asAdmin: boolean }): Promise<SigningPreviewOut<T>> {
    const unsigned = await this.prepare(type, body, signer.keyId);
    return {
      chainId: unsigned.chain_id,
      keyId: signer.keyId,
      asAdmin: signer.asAdmin,
      scheme: signer.scheme,
      envelope: unsigned,
      canonical: canonicalJson(unsigned),
      signingDigest: toHex(signingDigest(unsigned)),
      nonce: unsigned.nonce,
      expiresAt: unsigned.expires_at,
    };
  }

  /**
   * Sign and submit. With `expected` (what a preview showed the user), the
   * envelope is rebuilt with the previewed nonce and expiry and signed only if
   * its digest is exactly the previewed one; otherwise PREVIEW_STALE, and
   * nothing is signed.
   */
  submit<T extends TxType>(
    type: T,
    body: TxBodies[T],
    signer: TxSigner,
    opts: { before?: (u: UnsignedEnvelope<T>) => void; expected?: ExpectedEnvelope } = {},
  ): Promise<Submitted> {
    return this.serialise(signer.keyId, async () => {
      const unsigned = await this.prepare(type, body, signer.keyId);
      if (opts.expected) {
        if (unsigned.nonce !== opts.expected.nonce) {
          throw new CharterError(
            'PREVIEW_STALE',
            `the key's next nonce is now ${unsigned.nonce}, not the previewed ${opts.expected.nonce} (it signed something else meanwhile)`,
          );
        }
        unsigned.expires_at = opts.expected.expiresAt;
        const digest = toHex(signingDigest(unsigned));
        if (digest !== opts.expected.digest) {
          throw new CharterError(
            'PREVIEW_STALE',
            `the envelope to sign no longer matches the preview (digest ${digest.slice(0, 16)}…, previewed ${opts.expected.digest.slice(0, 16)}…)`,
          );
        }
      }
      opts.before?.(unsigned);
      const signature = await signer.sign(signingDigest(unsigned), unsigned);
      const bytes = encodeTx({ ...unsigned, signature: toHex(signature) });
      const client = await this.nodes.custody().get();
      const res = await client.broadcastCommit(bytes);
      if (res.checkTx.code !== 0 || res.txResult.code !== 0) {
        // The client maps rejections to CharterErrors; this is the safety net.
        throw new CharterError('NODE_ERROR', res.checkTx.code !== 0 ? res.checkTx.log : res.txResult.log, { hash: res.hash });
      }
      // The result payload as the client decoded it from the committed transaction.
      return { txHash: res.hash, height: res.height, data: res.txResult.result, unsigned };
    });
  }
}

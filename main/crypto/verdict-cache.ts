/**
 * A SignatureVerifier that remembers verdicts: the same (scheme, public key,
 * message, signature) bytes get the answer the inner verifier gave them,
 * without verifying again. Verification is a pure function of those bytes,
 * so the answers, and with them every root, are the inner verifier's.
 *
 * Under CometBFT a transaction's signature is checked when it is admitted
 * (CheckTx), again at every mempool recheck after a block, and again when
 * its block executes; the application host keeps one cache so that each is
 * verified once. Bounded: the oldest entries are dropped first.
 */
import type { SignatureVerifier } from '../../core/crypto/ed25519.js';
import type { SignatureScheme } from '../../core/engine/types.js';

export const DEFAULT_VERDICT_CACHE_ENTRIES = 50_000;

export class VerdictCache implements SignatureVerifier {
  private readonly verdicts = new Map<string, boolean>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly inner: SignatureVerifier,
    private readonly max = DEFAULT_VERDICT_CACHE_ENTRIES,
  ) {}

  verify(scheme: SignatureScheme, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    // Each field with its length first: no two inputs share a key.
    const key = `${scheme}|${publicKey.length}|${message.length}|${signature.length}|${latin1(publicKey)}${latin1(message)}${latin1(signature)}`;
    const known = this.verdicts.get(key);
    if (known !== undefined) {
      this.hits++;
      return known;
    }
    this.misses++;
    const ok = this.inner.verify(scheme, publicKey, message, signature);
    if (this.verdicts.size >= this.max) {
      const oldest = this.verdicts.keys().next();
      if (!oldest.done) this.verdicts.delete(oldest.value);
    }
    this.verdicts.set(key, ok);
    return ok;
  }
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

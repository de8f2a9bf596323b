import { describe, expect, it } from 'vitest';
import type { SignatureVerifier } from '../../core/crypto/ed25519.js';
import { VerdictCache } from './verdict-cache.js';

describe('VerdictCache', () => {
  it("answers the inner verifier's verdict, asking it once per distinct input, and stays within its bound", () => {
    const calls: string[] = [];
    const inner: SignatureVerifier = {
      verify: (_s, pk, msg, sig) => {
        calls.push(`${pk[0]}-${msg[0]}-${sig[0]}`);
        return sig[0] === 1;
      },
    };
    const c = new VerdictCache(inner, 2);
    const b = (n: number) => Uint8Array.of(n);
    expect(c.verify('ed25519', b(9), b(9), b(1))).toBe(true);
    expect(c.verify('ed25519', b(9), b(9), b(1))).toBe(true);
    expect(c.verify('ed25519', b(9), b(9), b(2))).toBe(false);
    expect(c.verify('ed25519', b(9), b(9), b(2))).toBe(false);
    // Another message or key is another input.
    expect(c.verify('ed25519', b(9), b(8), b(1))).toBe(true);
    expect(calls).toEqual(['9-9-1', '9-9-2', '9-8-1']);
    expect([c.hits, c.misses]).toEqual([2, 3]);
    // Bound 2: the oldest (9-9-1) was dropped and is asked again.
    expect(c.verify('ed25519', b(9), b(9), b(1))).toBe(true);
    expect(calls).toHaveLength(4);
    expect(c.verify('p256', b(9), b(9), b(1))).toBe(true);
    expect(calls).toHaveLength(5);
  });
});

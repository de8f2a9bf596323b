// Signature verification per scheme: node:crypto (nativeVerifier) against
// @noble/curves (nobleVerifier), over 64 distinct valid signatures by 8 keys
// (keys repeat, as on a chain). Printed by `npm run bench`; nothing asserted.
// secp256k1 has no native path (EIP-712 digests are prehashed; node:crypto only
// hashes-then-verifies), so its "native" row is noble through the native verifier.
import { bench, describe } from 'vitest';
import { nobleVerifier } from '../../core/crypto/ed25519.js';
import { schemeTestKey } from '../support/testkeys.js';
import type { SignatureScheme } from '../../core/engine/types.js';
import { nativeVerifier } from '../../main/crypto/native-verifier.js';

function cases(scheme: SignatureScheme): { pk: Uint8Array; msg: Uint8Array; sig: Uint8Array }[] {
  const out = [];
  for (let i = 0; i < 64; i++) {
    const k = schemeTestKey(scheme, 1 + (i % 8));
    const msg = new Uint8Array(32).fill(i);
    out.push({ pk: k.publicKey, msg, sig: k.sign(msg) });
  }
  return out;
}

for (const scheme of ['ed25519', 'p256', 'secp256k1'] as const) {
  describe(`verify ${scheme} (ops/s = verifications/s)`, () => {
    const cs = cases(scheme);
    let i = 0;
    bench('native (node:crypto)', () => {
      const c = cs[i++ % cs.length]!;
      if (!nativeVerifier.verify(scheme, c.pk, c.msg, c.sig)) throw new Error('did not verify');
    });
    bench('noble (@noble/curves)', () => {
      const c = cs[i++ % cs.length]!;
      if (!nobleVerifier.verify(scheme, c.pk, c.msg, c.sig)) throw new Error('did not verify');
    });
  });
}

// Strict DER for ECDSA attestation signatures (bundle format v2): the one
// canonical encoding of SEQUENCE { INTEGER r, INTEGER s } with low S is
// accepted, every other byte string is refused; OpenSSL (node:crypto) reads
// what we write.
import crypto from 'node:crypto';
import fc from 'fast-check';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import { fromHex, sha256, toHex, utf8 } from '../codec/index.js';
import { ECDSA_CURVES, ecdsaCompactFromDer, ecdsaDerFromCompact, verifyEcdsaHashed, type EcdsaScheme } from './ecdsa.js';
import { spkiDer } from './spki.js';

const CURVES = { p256, secp256k1 } as const;
const hex32 = (n: bigint) => n.toString(16).padStart(64, '0');
const compactOf = (r: bigint, s: bigint) => fromHex(hex32(r) + hex32(s));
/** DER INTEGER content of a positive n, minimal, by hand (independent of the code under test). */
function intContent(n: bigint): string {
  let h = n.toString(16);
  if (h.length % 2) h = '0' + h;
  if (parseInt(h.slice(0, 2), 16) & 0x80) h = '00' + h;
  return h;
}
const tlv = (tag: string, content: string) => tag + (content.length / 2).toString(16).padStart(2, '0') + content;
const derHex = (r: bigint, s: bigint) => tlv('30', tlv('02', intContent(r)) + tlv('02', intContent(s)));

for (const scheme of ['p256', 'secp256k1'] as const satisfies readonly EcdsaScheme[]) {
  const { n, halfN } = ECDSA_CURVES[scheme];
  const curve = CURVES[scheme];
  const sk = curve.utils.randomSecretKey();
  const pk = curve.getPublicKey(sk, true);
  const e = sha256(utf8(`DSSEv1 ${scheme}`));
  const compact = curve.sign(e, sk, { prehash: false, lowS: true, format: 'compact' });
  const r = BigInt('0x' + toHex(compact.subarray(0, 32)));
  const s = BigInt('0x' + toHex(compact.subarray(32)));
  const der = ecdsaDerFromCompact(scheme, compact);

  describe(`${scheme} DER signatures`, () => {
    it('encodes r||s as the minimal DER SEQUENCE of two INTEGERs and decodes it back', () => {
      expect(toHex(der)).toBe(derHex(r, s));
      expect(toHex(ecdsaCompactFromDer(scheme, der) as Uint8Array)).toBe(toHex(compact));
      expect(verifyEcdsaHashed(scheme, pk, e, ecdsaCompactFromDer(scheme, der) as Uint8Array)).toBe(true);
    });

    it('OpenSSL verifies the DER signature as ECDSA over the hash value', () => {
      const key = crypto.createPublicKey({ key: Buffer.from(spkiDer(scheme, pk)), format: 'der', type: 'spki' });
      // OpenSSL hashes the message itself: sign e = SHA-256(msg), as attestations do over the PAE.
      const msg = utf8(`DSSEv1 ${scheme}`);
      const sig2 = ecdsaDerFromCompact(scheme, curve.sign(sha256(msg), sk, { prehash: false, lowS: true, format: 'compact' }));
      expect(crypto.verify('sha256', msg, { key, dsaEncoding: 'der' }, sig2)).toBe(true);
    });

    it('small r and s (short INTEGERs, a 0x00 pad on a high first byte) round-trip', () => {
      for (const [rr, ss] of [
        [1n, 1n],
        [0x7fn, 0x80n],
        [0xffn, 0x0100n],
        [n - 1n, halfN],
      ] as const) {
        const d = ecdsaDerFromCompact(scheme, compactOf(rr, ss));
        expect(toHex(d)).toBe(derHex(rr, ss));
        expect(toHex(ecdsaCompactFromDer(scheme, d) as Uint8Array)).toBe(toHex(compactOf(rr, ss)));
      }
    });

    it('refuses every non-canonical or out-of-range encoding', () => {
      const rc = intContent(r);
      const sc = intContent(s);
      const bad: Record<string, string> = {
        'long-form SEQUENCE length': '3081' + (derHex(r, s).length / 2 - 2).toString(16).padStart(2, '0') + derHex(r, s).slice(4),
        'long-form INTEGER length': tlv('30', '0281' + (rc.length / 2).toString(16).padStart(2, '0') + rc + tlv('02', sc)),
        'indefinite length': '3080' + tlv('02', rc) + tlv('02', sc) + '0000',
        'redundant leading zero on r': tlv('30', tlv('02', '00' + rc) + tlv('02', sc)),
        'redundant leading zero on s': tlv('30', tlv('02', rc) + tlv('02', '00' + sc)),
        'negative r (high bit, no pad)': tlv('30', tlv('02', 'ff' + hex32(r).slice(2)) + tlv('02', sc)),
        'trailing byte after the SEQUENCE': derHex(r, s) + '00',
        'a third INTEGER inside': tlv('30', tlv('02', rc) + tlv('02', sc) + '020101'),
        'SET instead of SEQUENCE': '31' + derHex(r, s).slice(2),
        'BIT STRING instead of INTEGER': tlv('30', tlv('03', rc) + tlv('02', sc)),
        'length longer than the bytes': '30ff' + derHex(r, s).slice(4),
        truncated: derHex(r, s).slice(0, -2),
        'empty INTEGER': tlv('30', '0200' + tlv('02', sc)),
        'r = 0': derHex(0n, s),
        's = 0': derHex(r, 0n),
        'r = n': derHex(n, s),
        'high S (n − s)': derHex(r, n - s),
        's = n/2 + 1': derHex(r, halfN + 1n),
        empty: '',
      };
      for (const [what, h] of Object.entries(bad)) expect(ecdsaCompactFromDer(scheme, fromHex(h)), what).toBeNull();
      // The 64-byte r||s form is not DER.
      expect(ecdsaCompactFromDer(scheme, compact)).toBeNull();
      // OpenSSL accepts the high-S twin; the format does not.
      const key = crypto.createPublicKey({ key: Buffer.from(spkiDer(scheme, pk)), format: 'der', type: 'spki' });
      const msg = utf8('twin');
      const lo = curve.sign(sha256(msg), sk, { prehash: false, lowS: true, format: 'compact' });
      const loS = BigInt('0x' + toHex(lo.subarray(32)));
      const twin = fromHex(derHex(BigInt('0x' + toHex(lo.subarray(0, 32))), n - loS));
      expect(crypto.verify('sha256', msg, { key, dsaEncoding: 'der' }, twin)).toBe(true);
      expect(ecdsaCompactFromDer(scheme, twin)).toBeNull();
    });

    it('refuses to encode anything but 64-byte low-S r||s with 1 ≤ r < n', () => {
      expect(() => ecdsaDerFromCompact(scheme, der)).toThrow(RangeError);
      expect(() => ecdsaDerFromCompact(scheme, compactOf(r, n - s))).toThrow(RangeError);
      expect(() => ecdsaDerFromCompact(scheme, compactOf(0n, s))).toThrow(RangeError);
      expect(() => ecdsaDerFromCompact(scheme, compactOf(n, s))).toThrow(RangeError);
    });

    it('property: what decodes re-encodes to the very same bytes (one encoding per signature), and valid pairs round-trip', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 1n, max: n - 1n }), fc.bigInt({ min: 1n, max: halfN }), fc.nat({ max: 80 }), fc.nat({ max: 255 }), (rr, ss, at, byte) => {
          const good = ecdsaDerFromCompact(scheme, compactOf(rr, ss));
          expect(toHex(good)).toBe(derHex(rr, ss));
          expect(toHex(ecdsaCompactFromDer(scheme, good) as Uint8Array)).toBe(toHex(compactOf(rr, ss)));
          const mutated = Uint8Array.from(good);
          if (at < mutated.length) mutated[at] = byte;
          const back = ecdsaCompactFromDer(scheme, mutated);
          if (back !== null) expect(toHex(ecdsaDerFromCompact(scheme, back))).toBe(toHex(mutated));
        }),
        { numRuns: 500 },
      );
    });
  });
}

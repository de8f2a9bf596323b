// The PKCS#11 backend's pure encodings: CKA_EC_POINT unwrapping, the engine's
// public-key form, ECDSA signature normalisation (DER → r||s, high S → low S),
// names of CKR codes and token flags. The backend itself runs against SoftHSM2
// in tests/integration/pkcs11.test.ts.
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { describe, expect, it } from 'vitest';
import { sha256, toHex } from '../core/codec/index.js';
import { ECDSA_CURVES, verifyEcdsa } from '../core/crypto/ecdsa.js';
import { ckrName, enginePublicKey, normalizeEcdsaSignature, popDigest, tokenFlagNames, unwrapEcPoint } from './pkcs11.js';

const octet = (b: Uint8Array) => new Uint8Array([0x04, b.length, ...b]);

describe('CKA_EC_POINT → engine public key', () => {
  it('unwraps the DER OCTET STRING and compresses EC points; keeps raw points', () => {
    for (const [scheme, curve] of [
      ['p256', p256],
      ['secp256k1', secp256k1],
    ] as const) {
      const sk = curve.utils.randomSecretKey();
      const full = curve.getPublicKey(sk, false);
      const compressed = curve.getPublicKey(sk, true);
      expect(unwrapEcPoint(octet(full), scheme)).toEqual(full);
      expect(unwrapEcPoint(full, scheme)).toEqual(full);
      expect(toHex(enginePublicKey(scheme, unwrapEcPoint(octet(full), scheme)))).toBe(toHex(compressed));
      expect(toHex(enginePublicKey(scheme, unwrapEcPoint(octet(compressed), scheme)))).toBe(toHex(compressed));
    }
    const edPk = ed25519.getPublicKey(ed25519.utils.randomSecretKey());
    expect(unwrapEcPoint(octet(edPk), 'ed25519')).toEqual(edPk);
    expect(unwrapEcPoint(edPk, 'ed25519')).toEqual(edPk);
  });

  it('a raw uncompressed point whose second byte looks like a DER length is still read as raw', () => {
    // 65 bytes starting 04 3f: as DER it would claim 63 bytes of content — exactly the rest.
    let full: Uint8Array;
    do full = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), false);
    while (full[1] === 0x3f);
    const forged = Uint8Array.from(full);
    forged[1] = 0x3f;
    expect(unwrapEcPoint(forged, 'secp256k1')).toEqual(forged);
  });

  it('rejects a bad DER length or a point off the curve', () => {
    expect(() => unwrapEcPoint(new Uint8Array([0x04, 0x41, 1, 2, 3]), 'p256')).toThrow(/DER length/);
    expect(() => unwrapEcPoint(new Uint8Array([0x30, 0x01, 0x00]), 'p256')).toThrow();
    expect(() => enginePublicKey('p256', new Uint8Array(65).fill(4))).toThrow();
    expect(() => enginePublicKey('ed25519', new Uint8Array(33))).toThrow(/32 bytes/);
  });
});

describe('ECDSA signature normalisation', () => {
  const der = (r: bigint, s: bigint): Uint8Array => {
    const int = (x: bigint) => {
      let b: Uint8Array = numberToBytesBE(x, 32);
      while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
      if (b[0]! & 0x80) b = new Uint8Array([0, ...b]);
      return [0x02, b.length, ...b];
    };
    const body = [...int(r), ...int(s)];
    return new Uint8Array([0x30, body.length, ...body]);
  };

  for (const scheme of ['p256', 'secp256k1'] as const) {
    it(`${scheme}: high S becomes n − S, low S is kept, DER becomes r||s; all verify under the engine's rules`, () => {
      const curve = scheme === 'p256' ? p256 : secp256k1;
      const { n, halfN } = ECDSA_CURVES[scheme];
      const sk = curve.utils.randomSecretKey();
      const pk = curve.getPublicKey(sk, true);
      const digest = sha256(new Uint8Array([7]));
      const sig = curve.sign(digest, sk, { prehash: scheme === 'p256', lowS: true, format: 'compact' });
      const r = bytesToNumberBE(sig.subarray(0, 32));
      const s = bytesToNumberBE(sig.subarray(32));
      expect(s <= halfN).toBe(true);
      const high = new Uint8Array([...numberToBytesBE(r, 32), ...numberToBytesBE(n - s, 32)]);
      expect(verifyEcdsa(scheme, pk, digest, high)).toBe(false); // the engine refuses high S
      for (const input of [sig, high, der(r, s), der(r, n - s)]) {
        const out = normalizeEcdsaSignature(scheme, input);
        expect(toHex(out)).toBe(toHex(sig));
        expect(verifyEcdsa(scheme, pk, digest, out)).toBe(true);
      }
    });
  }

  it('refuses shapes it does not know', () => {
    expect(() => normalizeEcdsaSignature('p256', new Uint8Array(63))).toThrow(/63-byte/);
    expect(() => normalizeEcdsaSignature('p256', new Uint8Array([0x30, 0x02, 0x05, 0x00]))).toThrow(/malformed/);
  });
});

describe('names', () => {
  it('CKR codes and token flags by name', () => {
    expect(ckrName(0xa0)).toBe('CKR_PIN_INCORRECT');
    expect(ckrName(0xa4)).toBe('CKR_PIN_LOCKED');
    expect(ckrName(0x140)).toBe('CKR_CURVE_NOT_SUPPORTED');
    expect(ckrName(0x7ffffff1)).toBe('CKR_0x7FFFFFF1');
    expect(tokenFlagNames(0x40000 | 0x400 | 0x4)).toEqual(['login-required', 'token-initialized', 'user-pin-locked']);
  });

  it('the proof-of-possession digest is SHA-256 of the tag, a zero byte and the key id', () => {
    const id = 'ab'.repeat(20);
    expect(toHex(popDigest(id))).toBe(toHex(sha256(new TextEncoder().encode(`charter/key-attestation/v1\0${id}`))));
    expect(toHex(popDigest(id))).not.toBe(toHex(popDigest('cd'.repeat(20))));
  });
});

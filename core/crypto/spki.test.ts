// SubjectPublicKeyInfo / PEM of registry keys: OpenSSL (node:crypto) loads
// the PEM as the same key, and a signature by the private key verifies under it.
import crypto from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../codec/index.js';
import { spkiDer, spkiPem } from './spki.js';

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

describe('spkiPem', () => {
  it('ed25519: OpenSSL loads the PEM as the same raw key and verifies a signature under it', () => {
    const sk = ed25519.utils.randomSecretKey();
    const pk = ed25519.getPublicKey(sk);
    const pem = spkiPem('ed25519', pk);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----\n$/);
    const key = crypto.createPublicKey(pem);
    expect(key.asymmetricKeyType).toBe('ed25519');
    expect(key.export({ format: 'jwk' }).x).toBe(b64u(pk));
    expect(Buffer.from(key.export({ format: 'der', type: 'spki' })).toString('hex')).toBe(toHex(spkiDer('ed25519', pk)));
    const msg = utf8('hello');
    expect(crypto.verify(null, msg, key, ed25519.sign(msg, sk))).toBe(true);
  });

  for (const [scheme, curve, crv] of [
    ['p256', p256, 'P-256'],
    ['secp256k1', secp256k1, 'secp256k1'],
  ] as const) {
    it(`${scheme}: the compressed registry key becomes an uncompressed-point SPKI OpenSSL loads as the same key`, () => {
      const sk = curve.utils.randomSecretKey();
      const pk = curve.getPublicKey(sk, true);
      expect(pk.length).toBe(33);
      const pem = spkiPem(scheme, pk);
      const key = crypto.createPublicKey(pem);
      expect(key.asymmetricKeyType).toBe('ec');
      expect(key.asymmetricKeyDetails?.namedCurve).toBe(scheme === 'p256' ? 'prime256v1' : 'secp256k1');
      const jwk = key.export({ format: 'jwk' });
      const { x, y } = curve.Point.fromBytes(pk).toAffine();
      expect(jwk).toMatchObject({ kty: 'EC', crv, x: b64u(fromHex(x.toString(16).padStart(64, '0'))), y: b64u(fromHex(y.toString(16).padStart(64, '0'))) });
      // OpenSSL's own SPKI encoding of the key (uncompressed point) is byte for byte ours.
      expect(Buffer.from(key.export({ format: 'der', type: 'spki' })).toString('hex')).toBe(toHex(spkiDer(scheme, pk)));
      const msg = utf8('hello');
      const sig = curve.sign(msg, sk, { prehash: true, lowS: true, format: 'der' });
      expect(crypto.verify('sha256', msg, { key, dsaEncoding: 'der' }, sig)).toBe(true);
    });
  }

  it('refuses a key that is not valid for its scheme (INVALID_KEY)', () => {
    expect(() => spkiPem('p256', new Uint8Array(33))).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }));
    expect(() => spkiPem('secp256k1', secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), false))).toThrow(
      expect.objectContaining({ code: 'INVALID_KEY' }),
    );
    expect(() => spkiPem('ed25519', new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }));
    expect(() => spkiPem('rsa' as never, new Uint8Array(32))).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }));
  });
});

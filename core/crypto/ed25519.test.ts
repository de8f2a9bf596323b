import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { concatBytes, fromHex, utf8 } from '../codec/index.js';
import { isValidPublicKey, nobleVerifier, verifyEd25519 } from './ed25519.js';

const Point = ed25519.Point;
const L = Point.Fn.ORDER;

/** WebCrypto Ed25519 — OpenSSL underneath in Node — as the reference the engine must agree with. */
async function opensslVerify(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): Promise<boolean> {
  try {
    const key = await globalThis.crypto.subtle.importKey('raw', pk, { name: 'Ed25519' }, false, ['verify']);
    return await globalThis.crypto.subtle.verify('Ed25519', key, sig, msg);
  } catch {
    return false;
  }
}

const sk = new Uint8Array(32).fill(7);
const pk = ed25519.getPublicKey(sk);
const msg = utf8('charter test message');

/** An order-8 point: adding it to R gives a signature only the cofactored equation accepts. */
const T8 = Point.fromBytes(fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'));

/** Sign with a chosen nonce point R = [r]B + extra (extra: a torsion point or ZERO). */
function signWithR(secret: Uint8Array, message: Uint8Array, r: bigint, extra = Point.ZERO): Uint8Array {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(secret);
  const R = Point.BASE.multiply(r).add(extra).toBytes();
  const k = bytesToNumberLE(sha512(concatBytes(R, pointBytes, message))) % L;
  const s = (r + k * scalar) % L;
  return concatBytes(R, numberToBytesLE(s, 32));
}

describe('nobleVerifier', () => {
  it('accepts valid signatures and agrees with OpenSSL on random ones', async () => {
    for (let i = 1; i <= 20; i++) {
      const key = new Uint8Array(32).fill(i);
      const m = utf8(`message ${i}`);
      const sig = ed25519.sign(m, key);
      const pub = ed25519.getPublicKey(key);
      expect(nobleVerifier.verify('ed25519', pub, m, sig)).toBe(true);
      expect(await opensslVerify(pub, m, sig)).toBe(true);
      const bad = sig.slice();
      bad[i % 64] = (bad[i % 64] as number) ^ 1;
      expect(nobleVerifier.verify('ed25519', pub, m, bad)).toBe(false);
      expect(await opensslVerify(pub, m, bad)).toBe(false);
    }
  });

  it('rejects a wrong message or key', () => {
    const sig = ed25519.sign(msg, sk);
    expect(verifyEd25519(pk, utf8('other'), sig)).toBe(false);
    expect(verifyEd25519(ed25519.getPublicKey(new Uint8Array(32).fill(8)), msg, sig)).toBe(false);
  });

  it('rejects S ≥ L (malleated signature), as OpenSSL does', async () => {
    const sig = ed25519.sign(msg, sk);
    const s = bytesToNumberLE(sig.subarray(32));
    const mall = concatBytes(sig.subarray(0, 32), numberToBytesLE(s + L, 32));
    expect(verifyEd25519(pk, msg, mall)).toBe(false);
    expect(await opensslVerify(pk, msg, mall)).toBe(false);
  });

  it('rejects R with a torsion component (cofactored-only valid) — agreeing with OpenSSL, unlike plain zip215:false', async () => {
    const sig = signWithR(sk, msg, 123456789n, T8);
    // The cofactored equation alone accepts it …
    expect(ed25519.verify(sig, msg, pk, { zip215: false })).toBe(true);
    // … OpenSSL (cofactorless) does not, and neither do we.
    expect(await opensslVerify(pk, msg, sig)).toBe(false);
    expect(verifyEd25519(pk, msg, sig)).toBe(false);
    // Control: the same construction without torsion is an ordinary valid signature.
    const clean = signWithR(sk, msg, 123456789n);
    expect(verifyEd25519(pk, msg, clean)).toBe(true);
    expect(await opensslVerify(pk, msg, clean)).toBe(true);
  });

  it('rejects a non-canonical R encoding', async () => {
    // The identity point (0, 1) also encodes as y = 1 + p (non-canonical, ≥ p).
    const p = 2n ** 255n - 19n;
    const nonCanonicalIdentity = numberToBytesLE(1n + p, 32);
    const sig = concatBytes(nonCanonicalIdentity, new Uint8Array(32));
    expect(verifyEd25519(pk, msg, sig)).toBe(false);
    expect(await opensslVerify(pk, msg, sig)).toBe(false);
  });

  it('rejects small-order public keys (which the engine also refuses to register)', () => {
    const identity = Point.ZERO.toBytes();
    // With A = identity, R = identity, S = 0 the equation holds for every message.
    const sig = concatBytes(identity, new Uint8Array(32));
    expect(verifyEd25519(identity, msg, sig)).toBe(false);
    expect(verifyEd25519(T8.toBytes(), msg, sig)).toBe(false);
    expect(isValidPublicKey('ed25519', identity)).toBe(false);
    expect(isValidPublicKey('ed25519', T8.toBytes())).toBe(false);
  });

  it('never throws on malformed input', () => {
    const sig = ed25519.sign(msg, sk);
    expect(verifyEd25519(pk.subarray(0, 31), msg, sig)).toBe(false);
    expect(verifyEd25519(pk, msg, sig.subarray(0, 63))).toBe(false);
    expect(verifyEd25519(new Uint8Array(32).fill(0xff), msg, sig)).toBe(false);
    expect(verifyEd25519(null as unknown as Uint8Array, msg, sig)).toBe(false);
    expect(verifyEd25519(pk, 'x' as unknown as Uint8Array, sig)).toBe(false);
    expect(nobleVerifier.verify('rsa' as 'ed25519', pk, msg, sig)).toBe(false);
  });
});

describe('isValidPublicKey', () => {
  it('accepts real keys and rejects bad lengths, non-canonical and off-curve encodings', () => {
    expect(isValidPublicKey('ed25519', pk)).toBe(true);
    expect(isValidPublicKey('ed25519', pk.subarray(1))).toBe(false);
    // y = p - 1 + p … ≥ p is non-canonical
    expect(
      isValidPublicKey(
        'ed25519',
        new Uint8Array(32).fill(0xff).map((b, i) => (i === 31 ? 0x7f : b)),
      ),
    ).toBe(false);
    // find an off-curve y quickly: y = 2 is not on the curve
    const y2 = numberToBytesLE(2n, 32);
    expect(isValidPublicKey('ed25519', y2)).toBe(false);
  });
});

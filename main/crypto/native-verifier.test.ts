/**
 * The node:crypto verifier against the @noble/curves one: identical verdicts
 * over thousands of generated cases per scheme (valid, tampered message,
 * tampered signature, high-S / non-canonical S, malformed lengths, off-curve
 * and small-order keys, r or s zero or ≥ n, torsion R, uncompressed keys), and
 * the engine accepting a withdrawal approval signed by a key of each scheme
 * with either verifier.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, bytesToNumberLE, numberToBytesBE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, fromHex, toHex } from '../../core/codec/index.js';
import { nobleVerifier, type SignatureVerifier } from '../../core/crypto/ed25519.js';
import { ECDSA_CURVES } from '../../core/crypto/ecdsa.js';
import { buildSchemeTx, publicKeyOf, schemeTestKey, signDigest, type SchemeTestKey } from '../../tests/support/testkeys.js';
import { CustodyEngine } from '../../core/engine/engine.js';
import { runBlock, testGenesis, testKey } from '../../tests/support/engine-kit.js';
import type { SignatureScheme, SignedEnvelope } from '../../core/engine/types.js';
import { verifyEnvelope } from '../../core/tx/verify.js';
import { createNativeVerifier, nativeVerifier } from './native-verifier.js';

const SEED = 0x5eed_c0de;
const RUNS = 2000;
const TIMEOUT = 120_000;

type Case = { pk: Uint8Array; msg: Uint8Array; sig: Uint8Array; kind: string };

const flip = (b: Uint8Array, bit: number): Uint8Array => {
  const c = b.slice();
  const i = Math.floor(bit / 8) % c.length;
  c[i] = (c[i] as number) ^ (1 << (bit % 8));
  return c;
};

// ─── Ed25519 ───────────────────────────────────────────────────────────────

const EdPoint = ed25519.Point;
const L = EdPoint.Fn.ORDER;
const P25519 = 2n ** 255n - 19n;
/** The eight small-order points, and some non-canonical encodings (y + p). */
const T8 = EdPoint.fromBytes(fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'));
const SMALL_ORDER: Uint8Array[] = Array.from({ length: 8 }, (_, i) => T8.multiply(BigInt(i + 1)).toBytes());
const NON_CANONICAL: Uint8Array[] = [numberToBytesLE(1n + P25519, 32), numberToBytesLE(P25519, 32), numberToBytesLE(P25519 - 1n + 2n ** 255n, 32)];

const edKeys = Array.from({ length: 12 }, (_, i) => new Uint8Array(32).fill(i + 1));
const edPubs = edKeys.map((k) => ed25519.getPublicKey(k));

function edSignWithR(secret: Uint8Array, message: Uint8Array, r: bigint, extra: InstanceType<typeof EdPoint>): Uint8Array {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(secret);
  const R = EdPoint.BASE.multiply(r).add(extra).toBytes();
  const k = bytesToNumberLE(sha512(concatBytes(R, pointBytes, message))) % L;
  return concatBytes(R, numberToBytesLE((r + k * scalar) % L, 32));
}

const edCase: fc.Arbitrary<Case> = fc
  .record({
    key: fc.nat({ max: edKeys.length - 1 }),
    msg: fc.uint8Array({ minLength: 0, maxLength: 96 }),
    kind: fc.constantFrom('valid', 'msg', 'sig', 'highS', 'length', 'offcurve', 'smallorder', 'noncanonical', 'torsionR', 'random'),
    bit: fc.nat({ max: 511 }),
    n: fc.nat({ max: 7 }),
    rnd: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  })
  .map(({ key, msg, kind, bit, n, rnd }): Case => {
    const sk = edKeys[key]!;
    const pk = edPubs[key]!;
    const sig = ed25519.sign(msg, sk);
    switch (kind) {
      case 'valid':
        return { pk, msg, sig, kind };
      case 'msg':
        return { pk, msg: msg.length ? flip(msg, bit) : new Uint8Array([n]), sig, kind };
      case 'sig':
        return { pk, msg, sig: flip(sig, bit), kind };
      case 'highS':
        return { pk, msg, sig: concatBytes(sig.subarray(0, 32), numberToBytesLE(bytesToNumberLE(sig.subarray(32)) + L * BigInt(1 + (n % 1)), 32)), kind };
      case 'length':
        return n % 2 ? { pk, msg, sig: sig.subarray(0, 64 - 1 - n), kind } : { pk: concatBytes(pk, new Uint8Array(1 + n)), msg, sig, kind };
      case 'offcurve':
        return { pk: rnd, msg, sig, kind };
      case 'smallorder': {
        // A = small-order point; R = small-order point, S = 0 satisfies the cofactored equation for every message.
        const A = SMALL_ORDER[n]!;
        return { pk: A, msg, sig: concatBytes(SMALL_ORDER[(n + bit) % 8]!, new Uint8Array(32)), kind };
      }
      case 'noncanonical':
        return n % 2 ? { pk: NON_CANONICAL[n % 3]!, msg, sig, kind } : { pk, msg, sig: concatBytes(NON_CANONICAL[n % 3]!, sig.subarray(32)), kind };
      case 'torsionR':
        return { pk, msg, sig: edSignWithR(sk, msg, bytesToNumberLE(rnd) % L || 1n, T8.multiply(BigInt(1 + (n % 7)))), kind };
      default:
        return { pk: rnd, msg, sig: concatBytes(rnd, rnd), kind };
    }
  });

// ─── ECDSA ─────────────────────────────────────────────────────────────────

const CURVE = { p256, secp256k1 } as const;
type Ecdsa = 'p256' | 'secp256k1';

function ecdsaCase(scheme: Ecdsa): fc.Arbitrary<Case> {
  const curve = CURVE[scheme];
  const { n: N, halfN, p: P } = ECDSA_CURVES[scheme];
  const keys = Array.from({ length: 12 }, (_, i) => new Uint8Array(32).fill(i + 1));
  const pubs = keys.map((k) => publicKeyOf(scheme, k));
  return fc
    .record({
      key: fc.nat({ max: keys.length - 1 }),
      msg: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      kind: fc.constantFrom('valid', 'msg', 'sig', 'highS', 'length', 'offcurve', 'rs', 'uncompressed', 'prefix', 'random', 'bigx'),
      bit: fc.nat({ max: 511 }),
      n: fc.nat({ max: 7 }),
      rnd: fc.uint8Array({ minLength: 33, maxLength: 33 }),
    })
    .map(({ key, msg, kind, bit, n, rnd }): Case => {
      const sk = keys[key]!;
      const pk = pubs[key]!;
      const sig = signDigest(scheme, sk, msg);
      const r = bytesToNumberBE(sig.subarray(0, 32));
      const s = bytesToNumberBE(sig.subarray(32));
      const rs = (a: bigint, b: bigint) => concatBytes(numberToBytesBE(a, 32), numberToBytesBE(b, 32));
      switch (kind) {
        case 'valid':
          return { pk, msg, sig, kind };
        case 'msg':
          return { pk, msg: flip(msg, bit), sig, kind };
        case 'sig':
          return { pk, msg, sig: flip(sig, bit), kind };
        case 'highS':
          // n − s verifies under plain ECDSA (OpenSSL accepts it); the rules reject it. Also s = ⌊n/2⌋ + 1 and ⌊n/2⌋ exactly.
          return { pk, msg, sig: n < 5 ? rs(r, N - s) : rs(r, n === 5 ? halfN + 1n : halfN), kind };
        case 'length':
          if (n < 3) return { pk, msg, sig: sig.subarray(0, 63 - n), kind };
          if (n < 5) return { pk, msg: msg.subarray(0, 31), sig, kind };
          if (n < 6) return { pk, msg: concatBytes(msg, new Uint8Array(1)), sig, kind };
          return { pk: pk.subarray(0, 32), msg, sig, kind };
        case 'offcurve': {
          const c = rnd.slice();
          c[0] = 2 + (n % 2);
          return { pk: c, msg, sig, kind };
        }
        case 'rs': {
          const bad = [
            rs(0n, s),
            rs(r, 0n),
            rs(N, s),
            rs(r + N < 2n ** 256n ? r + N : N + 1n, s),
            rs(r, N),
            rs(0n, 0n),
            rs(N - 1n, 1n),
            rs(2n ** 256n - 1n, s),
          ];
          return { pk, msg, sig: bad[n]!, kind };
        }
        case 'uncompressed':
          return { pk: curve.getPublicKey(sk, false), msg, sig, kind };
        case 'prefix': {
          const c = pk.slice();
          c[0] = [0, 1, 4, 5, 6, 7, 0x12, 0xff][n]!;
          return { pk: c, msg, sig, kind };
        }
        case 'bigx':
          // x ≥ p: not a canonical field element.
          return { pk: concatBytes(new Uint8Array([2 + (n % 2)]), numberToBytesBE(P + BigInt(n), 32)), msg, sig, kind };
        default:
          return { pk: rnd, msg, sig: concatBytes(rnd.subarray(1), rnd.subarray(1)), kind };
      }
    });
}

function differential(scheme: SignatureScheme, arb: fc.Arbitrary<Case>): Map<string, [number, number]> {
  const native = createNativeVerifier();
  const tally = new Map<string, [number, number]>();
  fc.assert(
    fc.property(arb, (c) => {
      const a = nobleVerifier.verify(scheme, c.pk, c.msg, c.sig);
      const b = native.verify(scheme, c.pk, c.msg, c.sig);
      const t = tally.get(c.kind) ?? [0, 0];
      t[a ? 0 : 1]++;
      tally.set(c.kind, t);
      if (c.kind === 'valid' && !a) return false;
      return a === b;
    }),
    { seed: SEED, numRuns: RUNS },
  );
  return tally;
}

describe('nativeVerifier ≡ nobleVerifier (fast-check, fixed seed)', () => {
  it(`ed25519: ${RUNS} cases`, { timeout: TIMEOUT }, () => {
    const t = differential('ed25519', edCase);
    expect(t.get('valid')?.[1]).toBe(0);
    for (const k of ['highS', 'length', 'smallorder', 'noncanonical', 'torsionR']) expect(t.get(k)?.[0] ?? 0).toBe(0);
  });

  for (const scheme of ['p256', 'secp256k1'] as const) {
    it(`${scheme}: ${RUNS} cases`, { timeout: TIMEOUT }, () => {
      const t = differential(scheme, ecdsaCase(scheme));
      expect(t.get('valid')?.[1]).toBe(0);
      for (const k of ['length', 'offcurve', 'rs', 'uncompressed', 'prefix', 'bigx', 'msg']) expect(t.get(k)?.[0] ?? 0).toBe(0);
      // highS: only the s = ⌊n/2⌋ variant (itself low) can verify — and it does not, for a random message.
      expect(t.get('highS')?.[0] ?? 0).toBe(0);
    });
  }

  it('OpenSSL alone would accept high-S — the native verifier rejects it like noble', async () => {
    const { createPublicKey, verify } = await import('node:crypto');
    const k = schemeTestKey('p256', 9);
    const msg = new Uint8Array(32).fill(0x42);
    const sig = k.sign(msg);
    const { n } = ECDSA_CURVES.p256;
    const high = concatBytes(sig.subarray(0, 32), numberToBytesBE(n - bytesToNumberBE(sig.subarray(32)), 32));
    const key = createPublicKey({
      key: Buffer.concat([Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'), k.publicKey]),
      format: 'der',
      type: 'spki',
    });
    expect(verify('sha256', msg, { key, dsaEncoding: 'ieee-p1363' }, high)).toBe(true);
    expect(nativeVerifier.verify('p256', k.publicKey, msg, high)).toBe(false);
    expect(nobleVerifier.verify('p256', k.publicKey, msg, high)).toBe(false);
    expect(nativeVerifier.verify('p256', k.publicKey, msg, sig)).toBe(true);
  });

  it('caches key objects, bounded, and never throws on junk', () => {
    const v = createNativeVerifier();
    const k = schemeTestKey('ed25519', 3);
    const msg = new Uint8Array([1, 2, 3]);
    const sig = k.sign(msg);
    for (let i = 0; i < 5; i++) expect(v.verify('ed25519', k.publicKey, msg, sig)).toBe(true);
    expect(v.cacheSize).toBe(1);
    for (const bad of [null, undefined, 'x', 1, {}] as unknown as Uint8Array[]) {
      for (const scheme of ['ed25519', 'p256', 'secp256k1', 'rsa'] as SignatureScheme[]) {
        expect(v.verify(scheme, bad, msg, sig)).toBe(false);
        expect(v.verify(scheme, k.publicKey, bad, sig)).toBe(false);
        expect(v.verify(scheme, k.publicKey, msg, bad)).toBe(false);
      }
    }
  });
});

// ─── Through the engine ────────────────────────────────────────────────────

const admin = testKey(1);
const initiator = testKey(2);

/** Registers an approver of `scheme`, a 1-of-1 vault, funds it; the initiator requests; the approver approves. */
function approveFlow(verifier: SignatureVerifier, approver: SchemeTestKey): { engine: CustodyEngine; approveCode: number; status: unknown } {
  const engine = new CustodyEngine(testGenesis(), { verifier });
  const sign = (type: 'key.register' | 'vault.create' | 'vault.fund', body: unknown, nonce: number) =>
    buildSchemeTx({ ...admin, scheme: 'ed25519' }, type, body as never, nonce).bytes;
  const b1 = runBlock(engine, [
    sign('key.register', { public_key: initiator.publicKeyHex, scheme: 'ed25519', label: 'initiator' }, 1),
    sign('key.register', { public_key: approver.publicKeyHex, scheme: approver.scheme, label: 'approver' }, 2),
    sign('vault.create', { vault_id: 'v1', name: 'V1', policy: { approvers: [approver.keyId], threshold: 1 } }, 3),
    sign('vault.fund', { vault_id: 'v1', asset: 'USDC', amount: '1000' }, 4),
  ]);
  for (const r of b1.txResults) expect(r.log).toBe('');
  const create = buildSchemeTx(
    { ...initiator, scheme: 'ed25519' },
    'withdrawal.create',
    { vault_id: 'v1', asset: 'USDC', amount: '250', destination: 'acct:out', memo: 'm' },
    1,
  );
  const b2 = runBlock(engine, [create.bytes]);
  expect(b2.txResults[0]!.log).toBe('');
  const requestId = (JSON.parse(new TextDecoder().decode(b2.txResults[0]!.data)) as { request_id: string }).request_id;
  const approve = buildSchemeTx(approver, 'withdrawal.approve', { request_id: requestId }, 1);
  // A tampered approval is refused with BAD_SIGNATURE by both verifiers.
  const tampered = { ...approve.env, signature: toHex(flip(fromHex(approve.env.signature), 77)) } as SignedEnvelope;
  expect(verifyEnvelope(verifier, tampered, { scheme: approver.scheme, public_key: approver.publicKeyHex })).toBe(false);
  const b3 = runBlock(engine, [approve.bytes]);
  const q = engine.query({ path: `/request/${requestId}` });
  return { engine, approveCode: b3.txResults[0]!.code, status: (JSON.parse(new TextDecoder().decode(q.value)) as { status: string }).status };
}

/** Whether the engine registers keys of this scheme yet (the key.register rules are the engine's). */
function engineRegisters(scheme: SignatureScheme): boolean {
  const engine = new CustodyEngine(testGenesis());
  const k = schemeTestKey(scheme, 5);
  const res = runBlock(engine, [
    buildSchemeTx({ ...admin, scheme: 'ed25519' }, 'key.register', { public_key: k.publicKeyHex, scheme, label: 'probe' }, 1).bytes,
  ]);
  return res.txResults[0]!.code === 0;
}

describe('the engine verifies envelopes of every scheme, with either verifier', () => {
  for (const scheme of ['ed25519', 'p256', 'secp256k1'] as const) {
    it(`${scheme}: verifyEnvelope accepts the scheme's digest and nothing else`, () => {
      const k = schemeTestKey(scheme, 7);
      const { env } = buildSchemeTx(k, 'withdrawal.approve', { request_id: 'wr-000000000000000000000000' }, 1);
      const rec = { scheme, public_key: k.publicKeyHex };
      for (const v of [nobleVerifier, nativeVerifier]) {
        expect(verifyEnvelope(v, env, rec)).toBe(true);
        expect(verifyEnvelope(v, { ...env, nonce: 2 }, rec)).toBe(false);
        expect(verifyEnvelope(v, { ...env, chain_id: 'other' }, rec)).toBe(false);
        // Signed under another scheme's digest form: refused.
        const other = scheme === 'secp256k1' ? 'p256' : 'secp256k1';
        expect(verifyEnvelope(v, env, { scheme: other, public_key: schemeTestKey(other, 7).publicKeyHex })).toBe(false);
      }
    });

    it(`${scheme}: a registered key's withdrawal approval executes the request`, () => {
      // The engine must register keys of every scheme; if it stops, this fails (never a skip).
      expect(engineRegisters(scheme)).toBe(true);
      for (const v of [nobleVerifier, nativeVerifier]) {
        const { approveCode, status } = approveFlow(v, schemeTestKey(scheme, 4));
        expect(approveCode).toBe(0);
        expect(status).toBe('executed');
      }
    });
  }
});

import { describe, expect, it } from 'vitest';
import { keyIdOf, toHex } from '../codec/index.js';
import { nobleVerifier } from '../crypto/ed25519.js';
import { schemeTestKey } from '../../tests/support/testkeys.js';
import { CharterError } from '../errors.js';
import {
  checkpointSigningDigest,
  cosignCheckpoint,
  cosignatureDigest,
  domainDigest,
  parseTrustFile,
  signCheckpoint,
  verifyCheckpoint,
  verifyCosignatures,
  verifyQuorum,
  type Checkpoint,
  type SignedCheckpoint,
  type TrustFile,
} from './checkpoint.js';
import { jcsBytes } from './jcs.js';

const keys = [schemeTestKey('ed25519', 1), schemeTestKey('p256', 2), schemeTestKey('secp256k1', 3), schemeTestKey('ed25519', 4)];
const cp: Checkpoint = {
  log_id: 'charter-devnet',
  mmr_size: 39,
  peaks: ['aa'.repeat(32), 'bb'.repeat(32), 'cc'.repeat(32)],
  height: 100,
  time: '2026-01-01T00:01:40.000Z',
};
const trust: TrustFile = parseTrustFile({
  version: 1,
  log_id: 'charter-devnet',
  quorum: 2,
  keys: [
    { key_id: keys[0]!.keyId, scheme: 'ed25519', public_key: keys[0]!.publicKeyHex, valid_from_height: 0 },
    { key_id: keys[1]!.keyId, scheme: 'p256', public_key: keys[1]!.publicKeyHex, valid_from_height: 0, valid_until_height: 99 },
    { key_id: keys[2]!.keyId, scheme: 'secp256k1', public_key: keys[2]!.publicKeyHex, valid_from_height: 50 },
    { key_id: keys[3]!.keyId, scheme: 'ed25519', public_key: keys[3]!.publicKeyHex, valid_from_height: 0, revoked_at_height: 100 },
  ],
});

async function signed(c: Checkpoint, ks = keys): Promise<SignedCheckpoint> {
  return { checkpoint: c, signatures: await Promise.all(ks.map((k) => signCheckpoint(c, { key_id: k.keyId, scheme: k.scheme }, k.sign))) };
}

describe('signed checkpoints', () => {
  it('the signing digest is domain-separated SHA-256 of the JCS bytes, and changes with every field', () => {
    const d = toHex(checkpointSigningDigest(cp));
    for (const change of [{ mmr_size: 40 }, { height: 101 }, { log_id: 'x' }, { time: '2026-01-01T00:01:41.000Z' }, { peaks: cp.peaks.slice(1) }]) {
      expect(toHex(checkpointSigningDigest({ ...cp, ...change }))).not.toBe(d);
    }
    expect(toHex(checkpointSigningDigest({ time: cp.time, peaks: cp.peaks, height: 100, mmr_size: 39, log_id: 'charter-devnet' }))).toBe(d);
  });

  it('gives a verdict per signature with stable reasons, and passes at quorum', async () => {
    const v = verifyCheckpoint(await signed(cp), trust, nobleVerifier);
    expect(v.signatures).toEqual([
      { key_id: keys[0]!.keyId, ok: true },
      { key_id: keys[1]!.keyId, ok: false, reason: 'KEY_OUTSIDE_VALIDITY' },
      { key_id: keys[2]!.keyId, ok: true },
      { key_id: keys[3]!.keyId, ok: false, reason: 'KEY_REVOKED' },
    ]);
    expect(v).toMatchObject({ ok: true, reasons: [], valid: 2, quorum: 2 });
  });

  it('fails below quorum, with a bad signature, an unknown key, a repeated signer, or another log', async () => {
    const one = await signed(cp, [keys[0]!]);
    expect(verifyCheckpoint(one, trust, nobleVerifier)).toMatchObject({ ok: false, reasons: ['BELOW_QUORUM'], valid: 1 });
    const twice = { ...one, signatures: [one.signatures[0]!, one.signatures[0]!] };
    // below the quorum, the reason is that of the first signature that did not count
    expect(verifyCheckpoint(twice, trust, nobleVerifier)).toMatchObject({ ok: false, reasons: ['DUPLICATE_SIGNER'], valid: 1 });
    expect(verifyCheckpoint(twice, trust, nobleVerifier).signatures[1]).toMatchObject({ reason: 'DUPLICATE_SIGNER' });
    const good = await signed(cp, [keys[0]!, keys[2]!]);
    const tampered = { ...good, checkpoint: { ...cp, height: 101 } };
    expect(verifyCheckpoint(tampered, trust, nobleVerifier)).toMatchObject({ ok: false, reasons: ['BAD_SIGNATURE'], valid: 0 });
    expect(verifyCheckpoint(tampered, trust, nobleVerifier).signatures.map((s) => s.reason)).toEqual(['BAD_SIGNATURE', 'BAD_SIGNATURE']);
    const stranger = schemeTestKey('ed25519', 77);
    const withStranger = await signed(cp, [keys[0]!, stranger]);
    expect(verifyCheckpoint(withStranger, trust, nobleVerifier).signatures[1]).toEqual({ key_id: stranger.keyId, ok: false, reason: 'UNKNOWN_KEY' });
    const other = await signed({ ...cp, log_id: 'elsewhere' }, [keys[0]!, keys[2]!]);
    expect(verifyCheckpoint(other, trust, nobleVerifier)).toMatchObject({ ok: false, reasons: ['LOG_ID_MISMATCH'] });
    expect(verifyCheckpoint({ checkpoint: cp, signatures: [] }, trust, nobleVerifier)).toMatchObject({ ok: false, reasons: ['MALFORMED'] });
    // before height 50 the secp256k1 key is not yet valid
    const early = await signed({ ...cp, height: 49 }, [keys[0]!, keys[2]!]);
    expect(verifyCheckpoint(early, trust, nobleVerifier)).toMatchObject({ ok: false, reasons: ['KEY_OUTSIDE_VALIDITY'] });
    expect(verifyCheckpoint(early, trust, nobleVerifier).signatures[1]).toMatchObject({ reason: 'KEY_OUTSIDE_VALIDITY' });
  });

  it('refuses malformed trust files', () => {
    const base = { version: 1, log_id: 'l', quorum: 1, keys: [trust.keys[0]] };
    expect(parseTrustFile(base).quorum).toBe(1);
    for (const bad of [
      { ...base, version: 2 },
      { ...base, quorum: 2 },
      { ...base, quorum: 0 },
      { ...base, keys: [{ ...trust.keys[0], key_id: keyIdOf('p256', keys[0]!.publicKey) }] },
      { ...base, keys: [trust.keys[0], trust.keys[0]] },
      { ...base, keys: [{ ...trust.keys[0], public_key: '00'.repeat(32) }] },
      { ...base, extra: true },
    ]) {
      let code = 'none';
      try {
        parseTrustFile(bad);
      } catch (e) {
        code = (e as CharterError).code;
      }
      expect(code, JSON.stringify(bad)).toBe('INVALID_INPUT');
    }
  });
});

describe('checkpoint shape: the size and the peaks', () => {
  it('refuses an mmr_size that is not a valid MMR size (MALFORMED)', async () => {
    // 2, 5, 6, 9 are not valid sizes (the next node would not be a leaf); 0, 1, 3, 4, 7 are
    for (const [size, peaks] of [
      [2, 1],
      [5, 2],
      [6, 2],
      [9, 2],
      [40, 3],
    ] as const) {
      const c = { ...cp, mmr_size: size, peaks: cp.peaks.slice(0, peaks) };
      const v = verifyCheckpoint(await signed(c, [keys[0]!, keys[2]!]), trust, nobleVerifier);
      expect(v, `size ${size}`).toMatchObject({ ok: false, reasons: ['MALFORMED'] });
    }
  });

  it('refuses a peak list that is not one entry per peak of MMR(mmr_size) (MALFORMED)', async () => {
    // MMR(39) has 3 peaks, MMR(7) one, MMR(0) none
    for (const [size, n] of [
      [39, 2],
      [39, 4],
      [7, 0],
      [7, 2],
      [0, 1],
    ] as const) {
      const c = { ...cp, mmr_size: size, peaks: Array.from({ length: n }, (_, k) => (k % 10).toString().repeat(64)) };
      expect(verifyCheckpoint(await signed(c, [keys[0]!, keys[2]!]), trust, nobleVerifier), `size ${size} with ${n} peaks`).toMatchObject({
        ok: false,
        reasons: ['MALFORMED'],
      });
    }
    for (const [size, n] of [
      [39, 3],
      [7, 1],
      [0, 0],
      [4, 2],
    ] as const) {
      const c = { ...cp, mmr_size: size, peaks: Array.from({ length: n }, () => 'ab'.repeat(32)) };
      expect(verifyCheckpoint(await signed(c, [keys[0]!, keys[2]!]), trust, nobleVerifier).ok, `size ${size} with ${n} peaks`).toBe(true);
    }
  });
});

describe('witness cosignatures', () => {
  const w = [schemeTestKey('ed25519', 11), schemeTestKey('p256', 12), schemeTestKey('ed25519', 13)];
  const entry = (k: (typeof w)[number], extra: Record<string, number> = {}) => ({
    key_id: k.keyId,
    scheme: k.scheme,
    public_key: k.publicKeyHex,
    valid_from_height: 0,
    ...extra,
  });
  const witnessed: TrustFile = parseTrustFile({
    ...trust,
    witnesses: { quorum: 2, keys: [entry(w[0]!), entry(w[1]!), entry(w[2]!, { revoked_at_height: 100 })] },
  });
  const cosign = (c: Checkpoint, ks: typeof w) => Promise.all(ks.map((k) => cosignCheckpoint(c, { key_id: k.keyId, scheme: k.scheme }, k.sign)));

  it('the cosignature digest is D("charter/cosignature/v1", JCS(checkpoint)), not the signing digest', () => {
    expect(toHex(cosignatureDigest(cp))).toBe(toHex(domainDigest('charter/cosignature/v1', jcsBytes(cp))));
    expect(toHex(cosignatureDigest(cp))).not.toBe(toHex(checkpointSigningDigest(cp)));
  });

  it('null when the trust file names no witnesses', async () => {
    const sc = await signed(cp, [keys[0]!, keys[2]!]);
    expect(verifyCosignatures(sc, trust, nobleVerifier)).toBeNull();
  });

  it('passes with a quorum of good cosignatures; the log signatures do not count as cosignatures', async () => {
    const sc = { ...(await signed(cp, [keys[0]!, keys[2]!])), cosignatures: await cosign(cp, [w[0]!, w[1]!]) };
    expect(verifyCheckpoint(sc, witnessed, nobleVerifier).ok).toBe(true);
    expect(verifyCosignatures(sc, witnessed, nobleVerifier)).toMatchObject({ ok: true, reasons: [], valid: 2, quorum: 2 });
    // a witness's signature over the checkpoint signing digest (not the cosignature digest) is not a cosignature
    const wrongDigest = await Promise.all([w[0]!, w[1]!].map((k) => signCheckpoint(cp, { key_id: k.keyId, scheme: k.scheme }, k.sign)));
    expect(verifyCosignatures({ ...sc, cosignatures: wrongDigest }, witnessed, nobleVerifier)).toMatchObject({ ok: false, reasons: ['BAD_SIGNATURE'] });
    // no cosignatures at all
    expect(verifyCosignatures({ ...sc, cosignatures: [] }, witnessed, nobleVerifier)).toMatchObject({ ok: false, reasons: ['BELOW_QUORUM'], valid: 0 });
    const { cosignatures: _c, ...bare } = sc;
    expect(verifyCosignatures(bare, witnessed, nobleVerifier)).toMatchObject({ ok: false, reasons: ['BELOW_QUORUM'], valid: 0 });
  });

  it('one bad cosignature fails the check even above the quorum', async () => {
    const good = await cosign(cp, [w[0]!, w[1]!]);
    const bad = { ...(await cosign({ ...cp, height: 99 }, [w[2]!]))[0]! };
    const sc = { ...(await signed(cp, [keys[0]!, keys[2]!])), cosignatures: [...good, bad] };
    const v = verifyCosignatures(sc, witnessed, nobleVerifier)!;
    expect(v).toMatchObject({ ok: false, reasons: ['BAD_SIGNATURE'], valid: 2 });
    expect(v.signatures[2]).toEqual({ key_id: w[2]!.keyId, ok: false, reason: 'BAD_SIGNATURE' });
    // classification order: a bad signature by a revoked key is BAD_SIGNATURE, not KEY_REVOKED
    expect(v.signatures[2]!.reason).toBe('BAD_SIGNATURE');
  });

  it('a revoked witness key does not count, and does not fail the check by itself', async () => {
    const sc = { ...(await signed(cp, [keys[0]!, keys[2]!])), cosignatures: await cosign(cp, [w[2]!, w[0]!]) };
    const v = verifyCosignatures(sc, witnessed, nobleVerifier)!;
    expect(v.signatures).toEqual([
      { key_id: w[2]!.keyId, ok: false, reason: 'KEY_REVOKED' },
      { key_id: w[0]!.keyId, ok: true },
    ]);
    // below the quorum of 2: the reason is that of the first cosignature that did not count
    expect(v).toMatchObject({ ok: false, reasons: ['KEY_REVOKED'], valid: 1 });
    // with a second good one the revoked cosignature is simply not counted
    const more = { ...sc, cosignatures: [...sc.cosignatures, ...(await cosign(cp, [w[1]!]))] };
    expect(verifyCosignatures(more, witnessed, nobleVerifier)).toMatchObject({ ok: true, valid: 2 });
    // before its revocation height the key counts
    const early = { ...cp, height: 99 };
    const sEarly = { ...(await signed(early, [keys[0]!, keys[2]!])), cosignatures: await cosign(early, [w[2]!, w[0]!]) };
    expect(verifyCosignatures(sEarly, witnessed, nobleVerifier)).toMatchObject({ ok: true, valid: 2 });
  });

  it('below the quorum: unknown keys, duplicates, and none at all', async () => {
    const stranger = schemeTestKey('ed25519', 99);
    const sc = { ...(await signed(cp, [keys[0]!, keys[2]!])), cosignatures: await cosign(cp, [w[0]!, stranger, w[0]!]) };
    const v = verifyCosignatures(sc, witnessed, nobleVerifier)!;
    expect(v.signatures.map((s) => s.reason)).toEqual([undefined, 'UNKNOWN_KEY', 'DUPLICATE_SIGNER']);
    expect(v).toMatchObject({ ok: false, reasons: ['UNKNOWN_KEY'], valid: 1, quorum: 2 });
    const one = { ...sc, cosignatures: await cosign(cp, [w[0]!]) };
    expect(verifyCosignatures(one, witnessed, nobleVerifier)).toMatchObject({ ok: false, reasons: ['BELOW_QUORUM'], valid: 1 });
    // a log key is not a witness key
    const byLog = { ...sc, cosignatures: await cosign(cp, [keys[0]! as never, w[0]!]) };
    expect(verifyCosignatures(byLog, witnessed, nobleVerifier)).toMatchObject({ ok: false, reasons: ['UNKNOWN_KEY'] });
  });

  it('MALFORMED for a malformed checkpoint or cosignature list, LOG_ID_MISMATCH for another log', async () => {
    const sc = { ...(await signed(cp, [keys[0]!, keys[2]!])), cosignatures: await cosign(cp, [w[0]!, w[1]!]) };
    expect(verifyCosignatures({ ...sc, checkpoint: { ...cp, mmr_size: 40 } }, witnessed, nobleVerifier)).toMatchObject({
      ok: false,
      reasons: ['MALFORMED'],
      quorum: 2,
    });
    expect(verifyCosignatures({ ...sc, cosignatures: [{ key_id: 'x' }] } as never, witnessed, nobleVerifier)).toMatchObject({
      ok: false,
      reasons: ['MALFORMED'],
    });
    const other = { ...cp, log_id: 'elsewhere' };
    const so = { ...(await signed(other, [keys[0]!])), cosignatures: await cosign(other, [w[0]!, w[1]!]) };
    expect(verifyCosignatures(so, witnessed, nobleVerifier)).toMatchObject({ ok: false, reasons: ['LOG_ID_MISMATCH'] });
  });

  it("the trust file's witnesses follow the rules of keys", () => {
    const base = { version: 1, log_id: 'l', quorum: 1, keys: [trust.keys[0]] };
    expect(parseTrustFile({ ...base, witnesses: { quorum: 1, keys: [entry(w[0]!)] } }).witnesses?.quorum).toBe(1);
    for (const bad of [
      { quorum: 0, keys: [entry(w[0]!)] },
      { quorum: 2, keys: [entry(w[0]!)] },
      { quorum: 1, keys: [] },
      { quorum: 1, keys: [entry(w[0]!), entry(w[0]!)] },
      { quorum: 1, keys: [{ ...entry(w[0]!), key_id: w[1]!.keyId }] },
      { quorum: 1, keys: [{ ...entry(w[0]!), public_key: '00'.repeat(32) }] },
      { quorum: 1, keys: [entry(w[0]!)], extra: 1 },
      { keys: [entry(w[0]!)] },
      [],
    ]) {
      let code = 'none';
      try {
        parseTrustFile({ ...base, witnesses: bad });
      } catch (e) {
        code = (e as CharterError).code;
      }
      expect(code, JSON.stringify(bad)).toBe('INVALID_INPUT');
    }
  });

  it("the trust file's attesters follow the rules of keys, and never count as log keys", async () => {
    const base = { version: 1, log_id: 'l', quorum: 1, keys: [trust.keys[0]] };
    expect(parseTrustFile({ ...base, attesters: [entry(w[0]!)] }).attesters?.[0]?.key_id).toBe(w[0]!.keyId);
    for (const bad of [
      [],
      [entry(w[0]!), entry(w[0]!)],
      [{ ...entry(w[0]!), key_id: w[1]!.keyId }],
      [{ ...entry(w[0]!), public_key: '00'.repeat(32) }],
      [{ ...entry(w[0]!), roles: ['log'] }],
      {},
    ]) {
      let code = 'none';
      try {
        parseTrustFile({ ...base, attesters: bad });
      } catch (e) {
        code = (e as CharterError).code;
      }
      expect(code, JSON.stringify(bad)).toBe('INVALID_INPUT');
    }
    // A checkpoint signed by an attester alone is below the log's quorum: the attester is not a log key.
    const t = parseTrustFile({ ...trust, attesters: [entry(w[0]!)] });
    const byAttester = await signed({ ...cp, log_id: t.log_id }, [w[0]!]);
    expect(verifyCheckpoint(byAttester, t, nobleVerifier)).toMatchObject({ ok: false, reasons: ['UNKNOWN_KEY'] });
  });

  it('verifyQuorum: any bad signature fails whatever the quorum, order of classification', async () => {
    const d = cosignatureDigest(cp);
    const set = { quorum: 1, keys: [entry(w[0]!), entry(w[1]!)] };
    const good = toHex(w[0]!.sign(d));
    const badSig = toHex(w[1]!.sign(cosignatureDigest({ ...cp, height: 1 })));
    expect(verifyQuorum(d, [{ key_id: w[0]!.keyId, scheme: 'ed25519', signature: good }], set, 100, nobleVerifier).ok).toBe(true);
    const v = verifyQuorum(
      d,
      [
        { key_id: w[0]!.keyId, scheme: 'ed25519', signature: good },
        { key_id: w[1]!.keyId, scheme: 'p256', signature: badSig },
      ],
      set,
      100,
      nobleVerifier,
    );
    expect(v).toMatchObject({ ok: false, reasons: ['BAD_SIGNATURE'], valid: 1, quorum: 1 });
    // the wrong scheme for a known id is UNKNOWN_KEY (never verified, never fails by itself)
    const u = verifyQuorum(
      d,
      [
        { key_id: w[0]!.keyId, scheme: 'ed25519', signature: good },
        { key_id: w[1]!.keyId, scheme: 'ed25519', signature: badSig },
      ],
      set,
      100,
      nobleVerifier,
    );
    expect(u).toMatchObject({ ok: true, valid: 1 });
    expect(u.signatures[1]).toMatchObject({ reason: 'UNKNOWN_KEY' });
  });
});

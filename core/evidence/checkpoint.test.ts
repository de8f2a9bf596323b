import { describe, expect, it } from 'vitest';
import { keyIdOf, toHex } from '../codec/index.js';
import { nobleVerifier } from '../crypto/ed25519.js';
import { schemeTestKey } from '../crypto/testkeys.js';
import { CharterError } from '../errors.js';
import { checkpointSigningDigest, parseTrustFile, signCheckpoint, verifyCheckpoint, type Checkpoint, type SignedCheckpoint, type TrustFile } from './checkpoint.js';

const keys = [schemeTestKey('ed25519', 1), schemeTestKey('p256', 2), schemeTestKey('secp256k1', 3), schemeTestKey('ed25519', 4)];
const cp: Checkpoint = { log_id: 'charter-devnet', mmr_size: 39, peaks: ['aa'.repeat(32), 'bb'.repeat(32), 'cc'.repeat(32)], height: 100, time: '2026-01-01T00:01:40.000Z' };
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
    expect(verifyCheckpoint(twice, trust, nobleVerifier)).toMatchObject({ ok: false, reasons: ['BELOW_QUORUM'], valid: 1 });
    expect(verifyCheckpoint(twice, trust, nobleVerifier).signatures[1]).toMatchObject({ reason: 'DUPLICATE_SIGNER' });
    const good = await signed(cp, [keys[0]!, keys[2]!]);
    const tampered = { ...good, checkpoint: { ...cp, mmr_size: 38 } };
    expect(verifyCheckpoint(tampered, trust, nobleVerifier)).toMatchObject({ ok: false, reasons: ['BELOW_QUORUM'], valid: 0 });
    expect(verifyCheckpoint(tampered, trust, nobleVerifier).signatures.map((s) => s.reason)).toEqual(['BAD_SIGNATURE', 'BAD_SIGNATURE']);
    const stranger = schemeTestKey('ed25519', 77);
    const withStranger = await signed(cp, [keys[0]!, stranger]);
    expect(verifyCheckpoint(withStranger, trust, nobleVerifier).signatures[1]).toEqual({ key_id: stranger.keyId, ok: false, reason: 'UNKNOWN_KEY' });
    const other = await signed({ ...cp, log_id: 'elsewhere' }, [keys[0]!, keys[2]!]);
    expect(verifyCheckpoint(other, trust, nobleVerifier)).toMatchObject({ ok: false, reasons: ['LOG_ID_MISMATCH'] });
    expect(verifyCheckpoint({ checkpoint: cp, signatures: [] }, trust, nobleVerifier)).toMatchObject({ ok: false, reasons: ['MALFORMED'] });
    // before height 50 the secp256k1 key is not yet valid
    const early = await signed({ ...cp, height: 49 }, [keys[0]!, keys[2]!]);
    expect(verifyCheckpoint(early, trust, nobleVerifier)).toMatchObject({ ok: false, reasons: ['BELOW_QUORUM'] });
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

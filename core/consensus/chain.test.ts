/**
 * A chain of light blocks from a trust anchor, on the real CometBFT v0.38.25
 * kvstore chain of tests/fixtures/cometbft/kvstore-light.json (its validator
 * set changes at heights 7 and 11): the anchor is checked by hash, expiry and
 * its own commit, each later block from the one before it; every way the
 * chain can be wrong is refused with its reason.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CharterError } from '../errors.js';
import { toHexUpper } from '../codec/index.js';
import { addDuration, headerHash, parseLightBlock, refusalReason, verifyLightChain, type LightBlock, type RefusalReason, type TrustAnchor } from './index.js';

interface Fixture {
  chain_id: string;
  commits: Record<string, unknown>;
  validators: Record<string, unknown>;
}
const FIX = JSON.parse(readFileSync(new URL('../../tests/fixtures/cometbft/kvstore-light.json', import.meta.url), 'utf8')) as Fixture;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const json = (h: number) => clone({ signed_header: FIX.commits[String(h)], validator_set: FIX.validators[String(h)] });
const lb = (h: number): LightBlock => parseLightBlock(json(h));
const HOUR = 3_600_000_000_000n;
const anchorAt = (h: number, period = 24n * HOUR): TrustAnchor => ({
  chainId: FIX.chain_id,
  height: BigInt(h),
  hash: toHexUpper(headerHash(lb(h).signedHeader.header)),
  trustingPeriodNs: period,
});
const now = addDuration(lb(13).signedHeader.header.time, 1_000_000_000n);

function refused(fn: () => unknown): RefusalReason {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CharterError);
    return refusalReason(e) as RefusalReason;
  }
  throw new Error('expected a refusal, but it verified');
}

describe('a light chain from a trust anchor', () => {
  it('verifies from the genesis anchor by skipping across both validator-set changes, and header by header', () => {
    const skip = verifyLightChain(anchorAt(1), [1, 5, 9, 12, 13].map(lb), { now });
    expect(skip.verified.map((v) => Number(v.height))).toEqual([1, 5, 9, 12, 13]);
    expect(skip.verified[4]?.hash).toBe(toHexUpper(headerHash(lb(13).signedHeader.header)));
    const seq = verifyLightChain(
      anchorAt(1),
      Array.from({ length: 13 }, (_, i) => lb(i + 1)),
      { now },
    );
    expect(seq.verified).toHaveLength(13);
  });

  it('starts at the anchor wherever it is in the chain; blocks below it are not verified', () => {
    const v = verifyLightChain(anchorAt(6), [2, 6, 7, 13].map(lb), { now });
    expect(v.verified.map((x) => Number(x.height))).toEqual([6, 7, 13]);
  });

  it('refuses an anchor the chain does not hold, or holds with another hash', () => {
    expect(refused(() => verifyLightChain(anchorAt(3), [1, 5, 13].map(lb), { now }))).toBe('ANCHOR_NOT_FOUND');
    const wrong = { ...anchorAt(1), hash: toHexUpper(headerHash(lb(2).signedHeader.header)) };
    expect(refused(() => verifyLightChain(wrong, [1, 13].map(lb), { now }))).toBe('ANCHOR_MISMATCH');
    expect(refused(() => verifyLightChain({ ...anchorAt(1), chainId: 'another-chain' }, [1, 13].map(lb), { now }))).toBe('CHAIN_ID_MISMATCH');
  });

  it('refuses an anchor past its trusting period, and a step from a header past it', () => {
    expect(refused(() => verifyLightChain(anchorAt(1, 1_000_000_000n), [1, 13].map(lb), { now }))).toBe('TRUSTED_HEADER_EXPIRED');
    // The anchor at 12 is fresh, but "now" is a day after it.
    const later = addDuration(now, 24n * HOUR);
    expect(refused(() => verifyLightChain(anchorAt(12), [12, 13].map(lb), { now: later }))).toBe('TRUSTED_HEADER_EXPIRED');
  });

  it("refuses a chain out of order, empty, or with a block whose validator set is another height's", () => {
    expect(refused(() => verifyLightChain(anchorAt(1), [1, 9, 5].map(lb), { now }))).toBe('LIGHT_CHAIN_INVALID');
    expect(refused(() => verifyLightChain(anchorAt(1), [], { now }))).toBe('LIGHT_CHAIN_INVALID');
    const swapped = { signedHeader: lb(12).signedHeader, validatorSet: lb(7).validatorSet };
    expect(refused(() => verifyLightChain(anchorAt(1), [lb(1), swapped], { now }))).toBe('VALIDATORS_HASH_MISMATCH');
    const mixed = clone(json(12));
    mixed.validator_set = FIX.validators['11'];
    expect(refused(() => parseLightBlock(mixed))).toBe('LIGHT_CHAIN_INVALID');
    expect(refused(() => parseLightBlock({ ...json(12), extra: 1 }))).toBe('MALFORMED');
  });

  it('refuses a tampered signature or app hash anywhere in the chain', () => {
    const bad = json(9);
    const sig = bad.signed_header as { commit: { signatures: { signature: string }[] } };
    const s = sig.commit.signatures[0] as { signature: string };
    s.signature = (s.signature.startsWith('A') ? 'B' : 'A') + s.signature.slice(1);
    expect(refused(() => verifyLightChain(anchorAt(1), [lb(1), parseLightBlock(bad), lb(13)], { now }))).toBe('SIGNATURE_INVALID');
    const app = json(13);
    (app.signed_header as { header: { app_hash: string } }).header.app_hash = '00'.repeat(8);
    expect(refused(() => verifyLightChain(anchorAt(1), [lb(1), parseLightBlock(app)], { now }))).toBe('HEADER_HASH_MISMATCH');
  });
});

/**
 * The light-client verifier against a real CometBFT v0.38.25 kvstore chain
 * (tests/fixtures/cometbft/kvstore-light.json, made by
 * scripts/cometbft-light-fixtures.mjs): every header hashes to the block its
 * commit signs, every validator set to its header's validators_hash, every
 * commit's signatures verify, and the chain verifies header by header and by
 * skipping, across two validator-set changes. Then each tamper is refused with
 * its reason. A small chain signed here with fixed keys tests the power
 * thresholds at their edges.
 */
import { readFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { CharterError } from '../errors.js';
import { fromHex, toHex, toHexUpper } from '../codec/index.js';
import { toBase64 } from '../evidence/bundle/base64.js';
import {
  BLOCK_ID_FLAG_ABSENT,
  BLOCK_ID_FLAG_COMMIT,
  BLOCK_ID_FLAG_NIL,
  canonicalVoteSignBytes,
  headerHash,
  headerLeaves,
  simpleValidatorBytes,
  REFUSAL_REASONS,
  parseCommitResult,
  parseRfc3339,
  parseSignedHeader,
  parseValidators,
  refusalReason,
  validatorAddress,
  validatorSetHash,
  verifyAdjacent,
  verifyCommit,
  verifyCommitLightTrusting,
  verifyLight,
  verifyNonAdjacent,
  voteSignBytes,
  ZERO_TIME,
  addDuration,
  formatRfc3339,
  type Commit,
  type CommitSig,
  type Header,
  type LightOptions,
  type SignedHeader,
  type ValidatorSet,
  type RefusalReason,
  type Timestamp,
} from './index.js';

interface Fixture {
  chain_id: string;
  heights: number;
  events: { tx: string; height: number }[];
  commits: Record<string, unknown>;
  validators: Record<string, unknown>;
}
const FIX = JSON.parse(readFileSync(new URL('../../tests/fixtures/cometbft/kvstore-light.json', import.meta.url), 'utf8')) as Fixture;
const CHAIN = FIX.chain_id;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
type Json = Record<string, any>;
const shJson = (h: number): Json => clone(FIX.commits[String(h)]) as Json;
const valsJson = (h: number): Json => clone(FIX.validators[String(h)]) as Json;
const sh = (h: number): SignedHeader => parseSignedHeader(shJson(h));
const vals = (h: number): ValidatorSet => parseValidators(valsJson(h)).set;

const HOUR = 3_600_000_000_000n;
/** Light options with `now` a second after header `h`. */
const opts = (h: number, extra: Partial<LightOptions> = {}): LightOptions => ({
  now: addDuration(sh(h).header.time, 1_000_000_000n),
  trustingPeriodNs: 24n * HOUR,
  ...extra,
});

function refused(fn: () => unknown): RefusalReason {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CharterError);
    expect((e as CharterError).code).toBe('PROOF_INVALID');
    const r = refusalReason(e);
    expect(r, String(e)).not.toBeNull();
    return r as RefusalReason;
  }
  throw new Error('expected a refusal, but it verified');
}

describe('encodings against CometBFT', () => {
  it('vote sign bytes match the vectors CometBFT publishes for VoteSignBytes', () => {
    const zero: Timestamp = ZERO_TIME;
    const bytes = (type: number, height: bigint, round: bigint, chainId: string) =>
      toHex(canonicalVoteSignBytes({ type, height, round, blockId: null, timestamp: zero, chainId }));
    expect(bytes(0, 0n, 0n, '')).toBe('0d2a0b088092b8c398feffffff01');
    expect(bytes(2, 1n, 1n, '')).toBe('210802110100000000000000190100000000000000' + '2a0b088092b8c398feffffff01');
    expect(bytes(1, 1n, 1n, '')).toBe('210801110100000000000000190100000000000000' + '2a0b088092b8c398feffffff01');
    expect(bytes(0, 1n, 1n, 'test_chain_id')).toBe(
      '2e110100000000000000190100000000000000' + '2a0b088092b8c398feffffff01' + '320d' + toHex(new TextEncoder().encode('test_chain_id')),
    );
  });

  it('RFC 3339 times parse as Go writes them, and back', () => {
    expect(parseRfc3339('0001-01-01T00:00:00Z')).toEqual(ZERO_TIME);
    expect(parseRfc3339('1970-01-01T00:00:00.000000001Z')).toEqual({ seconds: 0n, nanos: 1 });
    expect(parseRfc3339('2026-12-02T15:05:13.5982Z')).toEqual({ seconds: 1796223913n, nanos: 598200000 });
    expect(parseRfc3339('2026-12-02T16:05:13+01:00')).toEqual({ seconds: 1796223913n, nanos: 0 });
    for (const bad of [
      '2026-02-30T00:00:00Z',
      '2026-12-02 15:05:13Z',
      '2026-12-02T15:05:13.1234567891Z',
      '2026-12-02T24:00:00Z',
      '2026-12-02T15:05:13',
      '2026-12-02t15:05:13z',
    ])
      expect(parseRfc3339(bad), bad).toBeNull();
    for (let h = 1; h <= FIX.heights; h++) {
      const text = (FIX.commits[String(h)] as Json).header.time as string;
      expect(formatRfc3339(parseRfc3339(text) as Timestamp)).toBe(text);
    }
  });

  it('every header hashes to the block its commit signs, every set to its validators_hash', () => {
    for (let h = 1; h <= FIX.heights; h++) {
      const s = sh(h);
      const j = FIX.commits[String(h)] as Json;
      expect(toHexUpper(headerHash(s.header)), `height ${h}`).toBe(j.commit.block_id.hash);
      expect(toHexUpper(validatorSetHash(vals(h))), `height ${h}`).toBe(j.header.validators_hash);
      if (h > 1) expect(toHexUpper(headerHash(sh(h - 1).header))).toBe(j.header.last_block_id.hash);
    }
  });

  it('the fixture has the validator-set changes the tests rely on', () => {
    const hashes = new Set(Array.from({ length: FIX.heights }, (_, i) => (FIX.commits[String(i + 1)] as Json).header.validators_hash as string));
    expect(hashes.size).toBe(3);
    expect(vals(1).validators.map((v) => v.votingPower)).toEqual([10n]);
    expect(vals(FIX.heights).validators.map((v) => v.votingPower)).toEqual([20n, 1n]);
    const withAbsent = sh(FIX.heights).commit.signatures.map((s) => s.blockIdFlag);
    expect(withAbsent).toEqual([BLOCK_ID_FLAG_COMMIT, BLOCK_ID_FLAG_ABSENT]);
  });

  it("docs/formats/commit-evidence.md's worked examples are what the code computes", () => {
    const doc = readFileSync(new URL('../../docs/formats/commit-evidence.md', import.meta.url), 'utf8');
    const s = sh(7);
    headerLeaves(s.header).forEach((leaf, i) => expect(doc).toContain(`${String(i).padEnd(2)} ${toHex(leaf)}\n`));
    expect(doc).toContain(`root ${toHexUpper(headerHash(s.header))}`);
    for (const v of vals(7).validators) expect(doc).toContain(`\n${toHex(simpleValidatorBytes(v))}\n`);
    expect(doc).toContain(`root ${toHexUpper(validatorSetHash(vals(7)))}`);
    expect(doc).toContain(`\n${toHex(voteSignBytes(CHAIN, s.commit, 0))}\n`);
    for (const r of REFUSAL_REASONS) expect(doc, r).toContain(`\`${r}\``);
  });

  it('a validator address is the first 20 bytes of SHA-256 of its key', () => {
    for (const v of vals(FIX.heights).validators) expect(toHexUpper(validatorAddress(v.pubKey))).toBe(toHexUpper(v.address));
  });
});

describe('verifyCommit on the real chain', () => {
  it('every commit verifies against its validator set', () => {
    for (let h = 1; h <= FIX.heights; h++) {
      const s = sh(h);
      const v = verifyCommit(CHAIN, s.header, s.commit, vals(h));
      expect(v.hash).toBe((FIX.commits[String(h)] as Json).commit.block_id.hash);
      expect(v.signedPower).toBe(vals(h).validators[0]?.votingPower);
    }
  });

  const at = 11; // two validators, the second absent
  const tamperedCommit = (f: (j: Json) => void) => {
    const j = shJson(at);
    f(j);
    return () => {
      const s = parseSignedHeader(j);
      return verifyCommit(CHAIN, s.header, s.commit, vals(at));
    };
  };

  it('one byte of app_hash → HEADER_HASH_MISMATCH', () => {
    expect(
      refused(
        tamperedCommit((j) => {
          const b = fromHex(j.header.app_hash as string);
          b[0] = (b[0] as number) ^ 1;
          j.header.app_hash = toHexUpper(b);
        }),
      ),
    ).toBe('HEADER_HASH_MISMATCH');
  });

  it('one byte of a signature → SIGNATURE_INVALID; of its timestamp too', () => {
    const flip = (j: Json) => {
      const s = j.commit.signatures[0];
      const b = Uint8Array.from(atob(s.signature as string), (c) => c.charCodeAt(0));
      b[10] = (b[10] as number) ^ 0x40;
      s.signature = toBase64(b);
    };
    expect(refused(tamperedCommit(flip))).toBe('SIGNATURE_INVALID');
    expect(refused(tamperedCommit((j) => (j.commit.signatures[0].timestamp = '2026-12-02T15:05:15.5Z')))).toBe('SIGNATURE_INVALID');
    expect(refused(tamperedCommit((j) => (j.commit.round = 1)))).toBe('SIGNATURE_INVALID');
  });

  it('another chain id → CHAIN_ID_MISMATCH', () => {
    const s = sh(at);
    expect(refused(() => verifyCommit('another-chain', s.header, s.commit, vals(at)))).toBe('CHAIN_ID_MISMATCH');
  });

  it('signed power not above 2/3 → NOT_ENOUGH_POWER', () => {
    const absent = (j: Json) => {
      j.commit.signatures[0] = { block_id_flag: BLOCK_ID_FLAG_ABSENT, validator_address: '', timestamp: '0001-01-01T00:00:00Z', signature: null };
    };
    expect(refused(tamperedCommit(absent))).toBe('NOT_ENOUGH_POWER');
    // A nil vote counts for nothing in light verification either.
    expect(refused(tamperedCommit((j) => (j.commit.signatures[0].block_id_flag = BLOCK_ID_FLAG_NIL)))).toBe('NOT_ENOUGH_POWER');
  });

  it('another validator set → VALIDATORS_HASH_MISMATCH; a signature dropped → SIGNATURE_COUNT_MISMATCH', () => {
    const s = sh(at);
    expect(refused(() => verifyCommit(CHAIN, s.header, s.commit, vals(5)))).toBe('VALIDATORS_HASH_MISMATCH');
    expect(refused(tamperedCommit((j) => j.commit.signatures.pop()))).toBe('SIGNATURE_COUNT_MISMATCH');
  });

  it('a signature under another address → SIGNER_ADDRESS_MISMATCH', () => {
    expect(refused(tamperedCommit((j) => (j.commit.signatures[0].validator_address = 'AA'.repeat(20))))).toBe('SIGNER_ADDRESS_MISMATCH');
  });

  it('malformed signed headers are refused before anything is checked', () => {
    expect(refused(tamperedCommit((j) => (j.header.height = '8')))).toBe('HEIGHT_MISMATCH');
    expect(refused(tamperedCommit((j) => (j.header.version.block = '10')))).toBe('HEADER_INVALID');
    expect(refused(tamperedCommit((j) => (j.header.proposer_address = 'AA')))).toBe('HEADER_INVALID');
    expect(refused(tamperedCommit((j) => (j.commit.signatures[1].signature = j.commit.signatures[0].signature)))).toBe('COMMIT_INVALID');
    expect(refused(tamperedCommit((j) => (j.commit.block_id = { hash: '', parts: { total: 0, hash: '' } })))).toBe('COMMIT_INVALID');
    expect(refused(tamperedCommit((j) => (j.commit.signatures[0].block_id_flag = 4)))).toBe('MALFORMED');
    expect(refused(tamperedCommit((j) => (j.header.extra = 1)))).toBe('MALFORMED');
    expect(refused(tamperedCommit((j) => (j.header.app_hash = 'XYZ')))).toBe('MALFORMED');
    expect(refused(tamperedCommit((j) => (j.header.time = 'yesterday')))).toBe('MALFORMED');
    expect(refused(() => parseCommitResult({ signed_header: shJson(at) }))).toBe('MALFORMED');
    expect(parseCommitResult({ signed_header: shJson(at), canonical: true }).canonical).toBe(true);
  });

  it('validator lists that are not a whole, honest set are refused', () => {
    const v = valsJson(at);
    v.validators[0].address = v.validators[1].address;
    expect(refused(() => parseValidators(v))).toBe('VALIDATOR_ADDRESS_MISMATCH');
    const page = valsJson(at);
    page.validators.pop();
    page.count = '1';
    expect(refused(() => parseValidators(page))).toBe('VALIDATORS_INCOMPLETE');
    const secp = valsJson(at);
    secp.validators[0].pub_key.type = 'tendermint/PubKeySecp256k1';
    expect(refused(() => parseValidators(secp))).toBe('UNSUPPORTED_KEY_TYPE');
  });
});

describe('light client on the real chain', () => {
  it('verifies header by header, across both validator-set changes', () => {
    for (let h = 1; h < FIX.heights; h++) {
      const v = verifyAdjacent(sh(h), sh(h + 1), vals(h + 1), opts(h + 1));
      expect(v.height).toBe(BigInt(h + 1));
    }
  });

  it('verifies by skipping, from every height to every later non-adjacent one', () => {
    for (let a = 1; a <= FIX.heights; a++)
      for (let b = a + 2; b <= FIX.heights; b++) {
        const v = verifyNonAdjacent(sh(a), vals(a), sh(b), vals(b), opts(b));
        expect(v.height).toBe(BigInt(b));
        expect(verifyLight(sh(a), vals(a), sh(b), vals(b), opts(b)).hash).toBe(v.hash);
      }
  });

  it('a trusted header past its trusting period → TRUSTED_HEADER_EXPIRED (the period ending at now is expired)', () => {
    const period = 60_000_000_000n;
    const now = addDuration(sh(3).header.time, period);
    expect(refused(() => verifyAdjacent(sh(3), sh(4), vals(4), { now, trustingPeriodNs: period }))).toBe('TRUSTED_HEADER_EXPIRED');
    expect(refused(() => verifyNonAdjacent(sh(3), vals(3), sh(12), vals(12), { now, trustingPeriodNs: period }))).toBe('TRUSTED_HEADER_EXPIRED');
    const justInTime = addDuration(now, -1n);
    expect(verifyAdjacent(sh(3), sh(4), vals(4), { now: justInTime, trustingPeriodNs: period }).height).toBe(4n);
  });

  it('a new header not after the trusted one → TIME_NOT_INCREASING; not above it → HEIGHT_NOT_INCREASING', () => {
    const trusted = sh(3);
    const later: SignedHeader = { ...trusted, header: { ...trusted.header, time: sh(4).header.time } };
    expect(refused(() => verifyAdjacent(later, sh(4), vals(4), opts(4)))).toBe('TIME_NOT_INCREASING');
    expect(refused(() => verifyNonAdjacent(sh(12), vals(12), sh(5), vals(5), opts(12)))).toBe('HEIGHT_NOT_INCREASING');
  });

  it('a new header from the future → TIME_IN_FUTURE (beyond now + max clock drift)', () => {
    const now = addDuration(sh(4).header.time, -10_000_000_000n);
    expect(refused(() => verifyAdjacent(sh(3), sh(4), vals(4), { now, trustingPeriodNs: 24n * HOUR }))).toBe('TIME_IN_FUTURE');
    expect(verifyAdjacent(sh(3), sh(4), vals(4), { now, trustingPeriodNs: 24n * HOUR, maxClockDriftNs: 11_000_000_000n }).height).toBe(4n);
  });

  it("the trusted header's next_validators_hash must be the new header's validators_hash → NEXT_VALIDATORS_MISMATCH", () => {
    const t = sh(10); // names the changed set next
    const wrong: SignedHeader = { ...t, header: { ...t.header, nextValidatorsHash: t.header.validatorsHash } };
    expect(refused(() => verifyAdjacent(wrong, sh(11), vals(11), opts(11)))).toBe('NEXT_VALIDATORS_MISMATCH');
    expect(refused(() => verifyAdjacent(t, sh(11), vals(10), opts(11)))).toBe('VALIDATORS_HASH_MISMATCH');
  });

  it('another chain, wrong adjacency, a bad trust level or trusted set are refused', () => {
    const other: SignedHeader = { ...sh(3), header: { ...sh(3).header, chainId: 'another-chain' } };
    expect(refused(() => verifyAdjacent(other, sh(4), vals(4), opts(4)))).toBe('CHAIN_ID_MISMATCH');
    expect(refused(() => verifyNonAdjacent(other, vals(3), sh(8), vals(8), opts(8)))).toBe('CHAIN_ID_MISMATCH');
    expect(refused(() => verifyAdjacent(sh(3), sh(5), vals(5), opts(5)))).toBe('NOT_ADJACENT');
    expect(refused(() => verifyNonAdjacent(sh(3), vals(3), sh(4), vals(4), opts(4)))).toBe('ADJACENT');
    expect(refused(() => verifyNonAdjacent(sh(3), vals(3), sh(8), vals(8), opts(8, { trustLevel: { numerator: 1n, denominator: 4n } })))).toBe(
      'TRUST_LEVEL_INVALID',
    );
    expect(refused(() => verifyNonAdjacent(sh(3), vals(12), sh(8), vals(8), opts(8)))).toBe('TRUSTED_VALIDATORS_MISMATCH');
  });

  it('a tampered new header or commit is refused on the skipping path too', () => {
    const j = shJson(12);
    j.header.app_hash = '00' + (j.header.app_hash as string).slice(2);
    expect(refused(() => verifyNonAdjacent(sh(3), vals(3), parseSignedHeader(j), vals(12), opts(12)))).toBe('HEADER_HASH_MISMATCH');
    const k = shJson(12);
    k.commit.signatures[0].timestamp = k.header.time;
    expect(refused(() => verifyNonAdjacent(sh(3), vals(3), parseSignedHeader(k), vals(12), opts(12)))).toBe('SIGNATURE_INVALID');
  });

  it('less than the trust level of the trusted set signing → NOT_ENOUGH_TRUSTED_POWER', () => {
    // The trusted set: the chain's validator (power 10) and a heavier one that never signs.
    const heavy = ed25519.getPublicKey(new Uint8Array(32).fill(7));
    const real = vals(3).validators[0] as ValidatorSet['validators'][number];
    const trustedVals: ValidatorSet = {
      validators: [{ address: validatorAddress(heavy), pubKey: heavy, votingPower: 30n, proposerPriority: 0n }, real],
    };
    const t = sh(3);
    const trusted: SignedHeader = { ...t, header: { ...t.header, nextValidatorsHash: validatorSetHash(trustedVals) } };
    // 10 of 40 is not more than 1/3.
    expect(refused(() => verifyNonAdjacent(trusted, trustedVals, sh(8), vals(8), opts(8)))).toBe('NOT_ENOUGH_TRUSTED_POWER');
    // 10 of 40 is more than 1/5 — but 1/5 is below the light client's floor of 1/3.
    expect(refused(() => verifyNonAdjacent(trusted, trustedVals, sh(8), vals(8), opts(8, { trustLevel: { numerator: 1n, denominator: 5n } })))).toBe(
      'TRUST_LEVEL_INVALID',
    );
    expect(verifyCommitLightTrusting(CHAIN, trustedVals, sh(8).commit, { numerator: 1n, denominator: 5n }).signedPower).toBe(10n);
  });
});

// ─── a chain signed here, to test the thresholds at their edges ───────────

const KEYS = [1, 2, 3, 4].map((i) => new Uint8Array(32).fill(i));
const PUBS = KEYS.map((k) => ed25519.getPublicKey(k));

function setOf(powers: bigint[]): ValidatorSet {
  const vs = powers.map((p, i) => ({ address: validatorAddress(PUBS[i] as Uint8Array), pubKey: PUBS[i] as Uint8Array, votingPower: p, proposerPriority: 0n }));
  return { validators: vs };
}

const T0 = parseRfc3339('2026-01-01T00:00:00Z') as Timestamp;

/** A signed header at `height` by `set`, signed by the validators at `signers` (others absent; `nil` ones vote nil). */
function signed(height: bigint, set: ValidatorSet, next: ValidatorSet, signers: number[], nil: number[] = [], dup?: [number, number]): SignedHeader {
  const header: Header = {
    version: { block: 11n, app: 1n },
    chainId: 'edge-chain',
    height,
    time: addDuration(T0, height * 1_000_000_000n),
    lastBlockId: { hash: new Uint8Array(32).fill(9), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(8) } },
    lastCommitHash: new Uint8Array(32),
    dataHash: new Uint8Array(32),
    validatorsHash: validatorSetHash(set),
    nextValidatorsHash: validatorSetHash(next),
    consensusHash: new Uint8Array(32),
    appHash: new Uint8Array(8),
    lastResultsHash: new Uint8Array(32),
    evidenceHash: new Uint8Array(32),
    proposerAddress: set.validators[0]?.address as Uint8Array,
  };
  const blockId = { hash: headerHash(header), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(5) } };
  const unsigned: CommitSig[] = set.validators.map((v, i) =>
    signers.includes(i) || nil.includes(i)
      ? {
          blockIdFlag: nil.includes(i) ? BLOCK_ID_FLAG_NIL : BLOCK_ID_FLAG_COMMIT,
          validatorAddress: v.address,
          timestamp: addDuration(header.time, BigInt(i)),
          signature: new Uint8Array(64),
        }
      : { blockIdFlag: BLOCK_ID_FLAG_ABSENT, validatorAddress: new Uint8Array(0), timestamp: ZERO_TIME, signature: new Uint8Array(0) },
  );
  if (dup) unsigned[dup[1]] = { ...(unsigned[dup[0]] as CommitSig) };
  let commit: Commit = { height, round: 0, blockId, signatures: unsigned };
  const keyOf = (addr: Uint8Array) => KEYS[PUBS.findIndex((p) => toHex(validatorAddress(p)) === toHex(addr))] as Uint8Array;
  commit = {
    ...commit,
    signatures: unsigned.map((s, i) =>
      s.blockIdFlag === BLOCK_ID_FLAG_ABSENT ? s : { ...s, signature: ed25519.sign(voteSignBytes('edge-chain', commit, i), keyOf(s.validatorAddress)) },
    ),
  };
  return { header, commit };
}

describe('power thresholds at their edges (a chain signed here)', () => {
  const three = setOf([1n, 1n, 1n]);
  const edgeOpts = (h: SignedHeader): LightOptions => ({ now: addDuration(h.header.time, 1n), trustingPeriodNs: HOUR });

  it('2 of 3 is not more than 2/3; 3 of 3 is; nil votes and absent ones count for nothing', () => {
    const ok = signed(5n, three, three, [0, 1, 2]);
    expect(verifyCommit('edge-chain', ok.header, ok.commit, three).signedPower).toBe(3n);
    const two = signed(5n, three, three, [0, 1]);
    expect(refused(() => verifyCommit('edge-chain', two.header, two.commit, three))).toBe('NOT_ENOUGH_POWER');
    const withNil = signed(5n, three, three, [0, 1], [2]);
    expect(refused(() => verifyCommit('edge-chain', withNil.header, withNil.commit, three))).toBe('NOT_ENOUGH_POWER');
    // 3 of 4 (power 1 each) is more than 2/3.
    const four = setOf([1n, 1n, 1n, 1n]);
    const threeOfFour = signed(5n, four, four, [0, 1, 3]);
    expect(verifyCommit('edge-chain', threeOfFour.header, threeOfFour.commit, four).signedPower).toBe(3n);
  });

  it('every signature is checked, even once the power counted passes 2/3', () => {
    const four = setOf([1n, 1n, 1n, 1n]);
    const s = signed(5n, four, four, [0, 1, 2, 3]);
    const sigs = s.commit.signatures.map((x) => ({ ...x }));
    const last = sigs[3] as CommitSig;
    const bad = Uint8Array.from(last.signature);
    bad[0] = (bad[0] as number) ^ 1;
    sigs[3] = { ...last, signature: bad };
    expect(refused(() => verifyCommit('edge-chain', s.header, { ...s.commit, signatures: sigs }, four))).toBe('SIGNATURE_INVALID');
  });

  it('skipping: 1 of 3 trusted is not more than 1/3, 2 of 3 is; a validator counted twice → DOUBLE_VOTE', () => {
    const trusted = signed(1n, three, three, [0, 1, 2]);
    // The new set keeps validator 0 and adds 3 (heavy): the trusted overlap is validator 0 alone.
    const next = setOf([1n, 1n, 1n, 9n]);
    const newSet: ValidatorSet = { validators: [next.validators[3], next.validators[0]] as ValidatorSet['validators'] };
    const onlyOne = signed(5n, newSet, newSet, [0, 1]);
    expect(refused(() => verifyNonAdjacent(trusted, three, onlyOne, newSet, edgeOpts(onlyOne)))).toBe('NOT_ENOUGH_TRUSTED_POWER');
    const two = signed(5n, three, three, [0, 1]);
    expect(refused(() => verifyNonAdjacent(trusted, three, two, three, edgeOpts(two)))).toBe('NOT_ENOUGH_POWER');
    expect(verifyCommitLightTrusting('edge-chain', three, two.commit).signedPower).toBe(2n);
    const dup = signed(5n, three, three, [0, 1, 2], [], [0, 2]);
    expect(refused(() => verifyCommitLightTrusting('edge-chain', three, dup.commit))).toBe('DOUBLE_VOTE');
    const all = signed(5n, three, three, [0, 1, 2]);
    expect(verifyNonAdjacent(trusted, three, all, three, edgeOpts(all)).signedPower).toBe(3n);
  });
});

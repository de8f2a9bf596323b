/**
 * CometBFT v0.38's light-client verification, check for check:
 *
 *   validateSignedHeader   SignedHeader.ValidateBasic (Header.ValidateBasic,
 *                          Commit.ValidateBasic, chain id, height, header hash
 *                          = commit.block_id.hash)
 *   verifyCommitLight      ValidatorSet.VerifyCommitLightAllSignatures: same
 *                          size, height and block id; every BLOCK_ID_FLAG_COMMIT
 *                          signature by the validator at its index verifies over
 *                          its vote sign bytes; their power > 2/3 of the total
 *   verifyCommitLightTrusting  VerifyCommitLightTrustingAllSignatures: the
 *                          signers found (by address) in the trusted set, each
 *                          once, hold > trustLevel of its power
 *   verifyCommit           one signed header against its own validator set
 *   verifyAdjacent / verifyNonAdjacent / verifyLight   light/verifier.go's
 *                          VerifyAdjacent, VerifyNonAdjacent and Verify
 *
 * CometBFT stops checking signatures once the power counted passes the
 * threshold; this verifier checks every one (CometBFT's *AllSignatures
 * variants), so a commit carrying any bad signature is refused. Ed25519 is
 * verified under ZIP-215, as CometBFT's crypto/ed25519 does. There is no
 * clock: `now` is the caller's. Every refusal is CharterError PROOF_INVALID
 * with a stable `reason` (./errors.ts). Pure.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesEqual, toHexUpper, utf8 } from '../codec/index.js';
import { refuse } from './errors.js';
import { headerHash, isZeroBlockId, validatorSetHash, voteSignBytes } from './hash.js';
import { addDuration, compareTime, formatRfc3339, type Timestamp } from './time.js';
import {
  BLOCK_ID_FLAG_ABSENT,
  BLOCK_ID_FLAG_COMMIT,
  INT64_MAX,
  type BlockId,
  type Commit,
  type Header,
  type SignedHeader,
  type Validator,
  type ValidatorSet,
} from './types.js';

/** version.BlockProtocol of CometBFT v0.38. */
export const BLOCK_PROTOCOL = 11n;
export const MAX_CHAIN_ID_LEN = 50;
export const MAX_SIGNATURE_SIZE = 64;
/** MaxTotalVotingPower: int64 max / 8. */
export const MAX_TOTAL_VOTING_POWER = INT64_MAX / 8n;
/** Go's zero time.Time (0001-01-01T00:00:00Z), the timestamp of an absent signature. */
export const ZERO_TIME: Timestamp = { seconds: -62135596800n, nanos: 0 };

export interface TrustLevel {
  readonly numerator: bigint;
  readonly denominator: bigint;
}
/** light.DefaultTrustLevel: more than 1/3 of the trusted set's power. */
export const DEFAULT_TRUST_LEVEL: TrustLevel = { numerator: 1n, denominator: 3n };
/** The light client's default max clock drift: 10 s. */
export const DEFAULT_MAX_CLOCK_DRIFT_NS = 10_000_000_000n;

export interface LightOptions {
  /** The caller's current time. */
  readonly now: Timestamp;
  /** How long after its time a trusted header may still be built on (nanoseconds). */
  readonly trustingPeriodNs: bigint;
  /** How far ahead of `now` a new header's time may be (nanoseconds); DEFAULT_MAX_CLOCK_DRIFT_NS if left out. */
  readonly maxClockDriftNs?: bigint;
  /** Non-adjacent only: DEFAULT_TRUST_LEVEL if left out; within [1/3, 1]. */
  readonly trustLevel?: TrustLevel;
}

export interface CommitVerdict {
  readonly height: bigint;
  /** Upper-case hex of the header hash. */
  readonly hash: string;
  /** Power of the validators whose signatures were checked and counted. */
  readonly signedPower: bigint;
  readonly totalPower: bigint;
}

const hex = toHexUpper;

function validHash(b: Uint8Array): boolean {
  return b.length === 0 || b.length === 32;
}

/** Header.ValidateBasic. */
export function validateHeader(h: Header): void {
  const bad = (field: string, message: string): never => refuse('HEADER_INVALID', `header: ${message}`, { field });
  if (h.version.block !== BLOCK_PROTOCOL) bad('version.block', `block protocol is ${h.version.block}, not ${BLOCK_PROTOCOL}`);
  if (utf8(h.chainId).length > MAX_CHAIN_ID_LEN) bad('chain_id', `chain id is longer than ${MAX_CHAIN_ID_LEN} bytes`);
  if (h.height <= 0n) bad('height', `height ${h.height} is not positive`);
  if (!validHash(h.lastBlockId.hash) || !validHash(h.lastBlockId.partSetHeader.hash)) bad('last_block_id', 'last_block_id has a hash of the wrong size');
  const hashes: [string, Uint8Array][] = [
    ['last_commit_hash', h.lastCommitHash],
    ['data_hash', h.dataHash],
    ['evidence_hash', h.evidenceHash],
    ['validators_hash', h.validatorsHash],
    ['next_validators_hash', h.nextValidatorsHash],
    ['consensus_hash', h.consensusHash],
    ['last_results_hash', h.lastResultsHash],
  ];
  for (const [field, b] of hashes) if (!validHash(b)) bad(field, `${field} is ${b.length} bytes, not 32 (or empty)`);
  if (h.proposerAddress.length !== 20) bad('proposer_address', `proposer_address is ${h.proposerAddress.length} bytes, not 20`);
}

/** Commit.ValidateBasic (with CommitSig.ValidateBasic for each signature). */
export function validateCommit(c: Commit): void {
  const bad = (message: string, extra: Record<string, unknown> = {}): never => refuse('COMMIT_INVALID', `commit: ${message}`, extra);
  if (c.height < 0n) bad('negative height');
  if (c.round < 0) bad('negative round');
  if (c.height < 1n) return;
  if (isZeroBlockId(c.blockId)) bad('a commit cannot be for the nil block');
  if (c.signatures.length === 0) bad('no signatures');
  c.signatures.forEach((s, index) => {
    if (s.blockIdFlag === BLOCK_ID_FLAG_ABSENT) {
      if (s.validatorAddress.length !== 0) bad(`signature ${index}: an absent vote has a validator address`, { index });
      if (compareTime(s.timestamp, ZERO_TIME) !== 0) bad(`signature ${index}: an absent vote has a time`, { index });
      if (s.signature.length !== 0) bad(`signature ${index}: an absent vote has a signature`, { index });
    } else {
      if (s.validatorAddress.length !== 20) bad(`signature ${index}: validator address is ${s.validatorAddress.length} bytes, not 20`, { index });
      if (s.signature.length === 0) bad(`signature ${index}: signature is missing`, { index });
      if (s.signature.length > MAX_SIGNATURE_SIZE) bad(`signature ${index}: signature is longer than ${MAX_SIGNATURE_SIZE} bytes`, { index });
    }
  });
}

/** SignedHeader.ValidateBasic(chainId). */
export function validateSignedHeader(sh: SignedHeader, chainId: string): void {
  validateHeader(sh.header);
  validateCommit(sh.commit);
  if (sh.header.chainId !== chainId)
    refuse('CHAIN_ID_MISMATCH', `the header belongs to chain ${JSON.stringify(sh.header.chainId)}, not ${JSON.stringify(chainId)}`, {
      expected: chainId,
      got: sh.header.chainId,
    });
  if (sh.commit.height !== sh.header.height)
    refuse('HEIGHT_MISMATCH', `header height ${sh.header.height} and commit height ${sh.commit.height} differ`, {
      header: String(sh.header.height),
      commit: String(sh.commit.height),
    });
  const h = headerHash(sh.header);
  if (!bytesEqual(h, sh.commit.blockId.hash))
    refuse('HEADER_HASH_MISMATCH', `the commit signs block ${hex(sh.commit.blockId.hash)}, the header is block ${hex(h)}`, {
      header: hex(h),
      commit: hex(sh.commit.blockId.hash),
    });
}

/** The set's total voting power, after checking what a CometBFT ValidatorSet always is. */
export function totalVotingPower(set: ValidatorSet): bigint {
  if (set.validators.length === 0) refuse('VALIDATORS_INVALID', 'the validator set is empty');
  const seen = new Set<string>();
  let total = 0n;
  set.validators.forEach((v, index) => {
    if (v.votingPower <= 0n) refuse('VALIDATORS_INVALID', `validator ${index} has voting power ${v.votingPower}`, { index });
    const a = hex(v.address);
    if (seen.has(a)) refuse('VALIDATORS_INVALID', `validator ${a} is in the set twice`, { index });
    seen.add(a);
    total += v.votingPower;
  });
  if (total > MAX_TOTAL_VOTING_POWER) refuse('VALIDATORS_INVALID', `total voting power ${total} exceeds ${MAX_TOTAL_VOTING_POWER}`);
  return total;
}

function blockIdEquals(a: BlockId, b: BlockId): boolean {
  return bytesEqual(a.hash, b.hash) && a.partSetHeader.total === b.partSetHeader.total && bytesEqual(a.partSetHeader.hash, b.partSetHeader.hash);
}

/** Ed25519 under ZIP-215 (CometBFT's crypto/ed25519); a signature is exactly 64 bytes. */
export function verifyEd25519(pubKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64 || pubKey.length !== 32) return false;
  try {
    return ed25519.verify(signature, message, pubKey, { zip215: true });
  } catch {
    return false;
  }
}

function checkSignature(chainId: string, commit: Commit, index: number, v: Validator): void {
  const sig = commit.signatures[index] as Commit['signatures'][number];
  if (!verifyEd25519(v.pubKey, voteSignBytes(chainId, commit, index), sig.signature))
    refuse('SIGNATURE_INVALID', `signature ${index} (validator ${hex(v.address)}) does not verify`, { index, validator: hex(v.address) });
}

/**
 * VerifyCommitLightAllSignatures: > 2/3 of the set's power signed `blockId`
 * at `height`, every BLOCK_ID_FLAG_COMMIT signature checked.
 */
export function verifyCommitLight(chainId: string, set: ValidatorSet, blockId: BlockId, height: bigint, commit: Commit): CommitVerdict {
  validateCommit(commit);
  const total = totalVotingPower(set);
  if (set.validators.length !== commit.signatures.length)
    refuse('SIGNATURE_COUNT_MISMATCH', `the set has ${set.validators.length} validators, the commit ${commit.signatures.length} signatures`, {
      validators: set.validators.length,
      signatures: commit.signatures.length,
    });
  if (height !== commit.height) refuse('HEIGHT_MISMATCH', `expected a commit at height ${height}, got ${commit.height}`);
  if (!blockIdEquals(blockId, commit.blockId)) refuse('HEADER_HASH_MISMATCH', `the commit is for block ${hex(commit.blockId.hash)}, not ${hex(blockId.hash)}`);
  const needed = (total * 2n) / 3n;
  let tallied = 0n;
  commit.signatures.forEach((sig, index) => {
    if (sig.blockIdFlag !== BLOCK_ID_FLAG_COMMIT) return;
    const v = set.validators[index] as Validator;
    if (!bytesEqual(v.address, sig.validatorAddress))
      refuse('SIGNER_ADDRESS_MISMATCH', `signature ${index} is by ${hex(sig.validatorAddress)}, the validator at that index is ${hex(v.address)}`, {
        index,
      });
    checkSignature(chainId, commit, index, v);
    tallied += v.votingPower;
  });
  if (tallied <= needed)
    refuse('NOT_ENOUGH_POWER', `signed power ${tallied} of ${total} is not more than 2/3 (needs more than ${needed})`, {
      got: String(tallied),
      needed: String(needed),
      total: String(total),
    });
  return { height: commit.height, hash: hex(commit.blockId.hash), signedPower: tallied, totalPower: total };
}

/**
 * VerifyCommitLightTrustingAllSignatures: the commit's signers that are in the
 * (trusted) set, looked up by address and each counted once, hold more than
 * trustLevel of its power.
 */
export function verifyCommitLightTrusting(chainId: string, set: ValidatorSet, commit: Commit, trustLevel: TrustLevel = DEFAULT_TRUST_LEVEL): CommitVerdict {
  if (trustLevel.denominator === 0n) refuse('TRUST_LEVEL_INVALID', 'the trust level has a zero denominator');
  validateCommit(commit);
  const total = totalVotingPower(set);
  const needed = (total * trustLevel.numerator) / trustLevel.denominator;
  const byAddress = new Map(set.validators.map((v, i) => [hex(v.address), i]));
  const seen = new Map<number, number>();
  let tallied = 0n;
  commit.signatures.forEach((sig, index) => {
    if (sig.blockIdFlag !== BLOCK_ID_FLAG_COMMIT) return;
    const vi = byAddress.get(hex(sig.validatorAddress));
    if (vi === undefined) return;
    const first = seen.get(vi);
    if (first !== undefined)
      refuse('DOUBLE_VOTE', `validator ${hex(sig.validatorAddress)} signs twice (signatures ${first} and ${index})`, { first, second: index });
    seen.set(vi, index);
    const v = set.validators[vi] as Validator;
    checkSignature(chainId, commit, index, v);
    tallied += v.votingPower;
  });
  if (tallied <= needed)
    refuse(
      'NOT_ENOUGH_TRUSTED_POWER',
      `the trusted validators that signed hold ${tallied} of ${total}, not more than ${trustLevel.numerator}/${trustLevel.denominator} (needs more than ${needed})`,
      { got: String(tallied), needed: String(needed), total: String(total) },
    );
  return { height: commit.height, hash: hex(commit.blockId.hash), signedPower: tallied, totalPower: total };
}

/**
 * One signed header against its validator set: the signed header is well
 * formed and for `chainId`, the header hashes to the block the commit signs,
 * its validators_hash is the set's hash, and > 2/3 of the set's power signed
 * (every signature checked).
 */
export function verifyCommit(chainId: string, header: Header, commit: Commit, set: ValidatorSet): CommitVerdict {
  validateSignedHeader({ header, commit }, chainId);
  checkValidatorsHash(header, set);
  return verifyCommitLight(chainId, set, commit.blockId, header.height, commit);
}

function checkValidatorsHash(header: Header, set: ValidatorSet): void {
  const got = validatorSetHash(set);
  if (!bytesEqual(header.validatorsHash, got))
    refuse(
      'VALIDATORS_HASH_MISMATCH',
      `the header's validators_hash is ${hex(header.validatorsHash)}, the validator set given hashes to ${hex(got)} (height ${header.height})`,
      {
        header: hex(header.validatorsHash),
        set: hex(got),
      },
    );
}

/** HeaderExpired: trusted time + trusting period is not after now. */
export function headerExpired(h: Header, trustingPeriodNs: bigint, now: Timestamp): boolean {
  return compareTime(addDuration(h.time, trustingPeriodNs), now) <= 0;
}

/** ValidateTrustLevel: within [1/3, 1]. */
export function validateTrustLevel(l: TrustLevel): void {
  if (l.denominator <= 0n || l.numerator < 0n || l.numerator * 3n < l.denominator || l.numerator > l.denominator)
    refuse('TRUST_LEVEL_INVALID', `the trust level ${l.numerator}/${l.denominator} is not within [1/3, 1]`);
}

/** Refuses TRUSTED_HEADER_EXPIRED when `trusted` is past its trusting period at `opts.now`. */
export function checkNotExpired(trusted: Header, opts: Pick<LightOptions, 'now' | 'trustingPeriodNs'>): void {
  if (headerExpired(trusted, opts.trustingPeriodNs, opts.now)) {
    const until = addDuration(trusted.time, opts.trustingPeriodNs);
    refuse('TRUSTED_HEADER_EXPIRED', `the trusted header (height ${trusted.height}) expired at ${formatRfc3339(until)}; now is ${formatRfc3339(opts.now)}`, {
      expiredAt: formatRfc3339(until),
      now: formatRfc3339(opts.now),
    });
  }
}

/** verifyNewHeaderAndVals. */
function verifyNewHeaderAndVals(untrusted: SignedHeader, untrustedVals: ValidatorSet, trusted: Header, opts: LightOptions): void {
  validateSignedHeader(untrusted, trusted.chainId);
  const u = untrusted.header;
  if (u.height <= trusted.height) refuse('HEIGHT_NOT_INCREASING', `the new header's height ${u.height} is not above the trusted ${trusted.height}`);
  if (compareTime(u.time, trusted.time) <= 0)
    refuse('TIME_NOT_INCREASING', `the new header's time ${formatRfc3339(u.time)} is not after the trusted header's ${formatRfc3339(trusted.time)}`);
  const limit = addDuration(opts.now, opts.maxClockDriftNs ?? DEFAULT_MAX_CLOCK_DRIFT_NS);
  if (compareTime(u.time, limit) >= 0)
    refuse('TIME_IN_FUTURE', `the new header's time ${formatRfc3339(u.time)} is from the future (now ${formatRfc3339(opts.now)}, max clock drift allowed)`);
  checkValidatorsHash(u, untrustedVals);
}

/**
 * VerifyAdjacent: `untrusted` is the header right after `trusted`; its
 * validators are the ones the trusted header named next, and > 2/3 of them
 * signed it.
 */
export function verifyAdjacent(trusted: SignedHeader, untrusted: SignedHeader, untrustedVals: ValidatorSet, opts: LightOptions): CommitVerdict {
  const t = trusted.header;
  const u = untrusted.header;
  if (u.height !== t.height + 1n) refuse('NOT_ADJACENT', `headers ${t.height} and ${u.height} are not adjacent`);
  checkNotExpired(t, opts);
  verifyNewHeaderAndVals(untrusted, untrustedVals, t, opts);
  if (!bytesEqual(u.validatorsHash, t.nextValidatorsHash))
    refuse(
      'NEXT_VALIDATORS_MISMATCH',
      `the trusted header's next_validators_hash ${hex(t.nextValidatorsHash)} is not the new header's validators_hash ${hex(u.validatorsHash)}`,
      {
        trusted: hex(t.nextValidatorsHash),
        got: hex(u.validatorsHash),
      },
    );
  return verifyCommitLight(t.chainId, untrustedVals, untrusted.commit.blockId, u.height, untrusted.commit);
}

/**
 * VerifyNonAdjacent (skipping): more than trustLevel of the trusted set's
 * power signed the new commit, and > 2/3 of the new set. `trustedVals` is the
 * set of the trusted header's height or the next (this verifier checks its
 * hash against the trusted header's validators_hash or next_validators_hash,
 * which CometBFT leaves to its caller).
 */
export function verifyNonAdjacent(
  trusted: SignedHeader,
  trustedVals: ValidatorSet,
  untrusted: SignedHeader,
  untrustedVals: ValidatorSet,
  opts: LightOptions,
): CommitVerdict {
  const t = trusted.header;
  const u = untrusted.header;
  const trustLevel = opts.trustLevel ?? DEFAULT_TRUST_LEVEL;
  validateTrustLevel(trustLevel);
  if (u.height === t.height + 1n) refuse('ADJACENT', `headers ${t.height} and ${u.height} are adjacent: use verifyAdjacent`);
  checkNotExpired(t, opts);
  verifyNewHeaderAndVals(untrusted, untrustedVals, t, opts);
  const tv = validatorSetHash(trustedVals);
  if (!bytesEqual(tv, t.validatorsHash) && !bytesEqual(tv, t.nextValidatorsHash))
    refuse(
      'TRUSTED_VALIDATORS_MISMATCH',
      `the trusted validator set hashes to ${hex(tv)}, neither the trusted header's validators_hash nor its next_validators_hash`,
    );
  verifyCommitLightTrusting(t.chainId, trustedVals, untrusted.commit, trustLevel);
  return verifyCommitLight(t.chainId, untrustedVals, untrusted.commit.blockId, u.height, untrusted.commit);
}

/** Verify: adjacent when the new header is the next height, skipping otherwise. */
export function verifyLight(
  trusted: SignedHeader,
  trustedVals: ValidatorSet,
  untrusted: SignedHeader,
  untrustedVals: ValidatorSet,
  opts: LightOptions,
): CommitVerdict {
  return untrusted.header.height === trusted.header.height + 1n
    ? verifyAdjacent(trusted, untrusted, untrustedVals, opts)
    : verifyNonAdjacent(trusted, trustedVals, untrusted, untrustedVals, opts);
}

/**
 * A chain of light blocks from a trust anchor, verified the way CometBFT's
 * light client initialises from its trust options and then moves forward
 * (light/client.go: initializeWithTrustOptions, then verifySequential or
 * verifySkipping, each step by light/verifier.go's Verify). Pure: the caller
 * brings the JSON and the time `now`.
 *
 * The anchor is what an auditor trusts by other means: a height, the hash of
 * the header at that height, the chain, and how long a header stays usable as a
 * base for the next step (the trusting period). The light blocks are CometBFT's
 * own JSON: `/commit`'s `signed_header` and `/validators`' result, for each
 * height of the path, in increasing height.
 */
import { toHexUpper } from '../codec/index.js';
import { refuse } from './errors.js';
import { headerHash } from './hash.js';
import type { Timestamp } from './time.js';
import { parseSignedHeader, parseValidators, type SignedHeader, type ValidatorSet } from './types.js';
import { checkNotExpired, validateSignedHeader, verifyCommit, verifyLight, type TrustLevel } from './verify.js';

/** Most light blocks one chain may hold. */
export const MAX_LIGHT_BLOCKS = 10_000;

export interface TrustAnchor {
  readonly chainId: string;
  readonly height: bigint;
  /** Upper-case hex of the header hash at `height`. */
  readonly hash: string;
  readonly trustingPeriodNs: bigint;
}

export interface LightBlock {
  readonly signedHeader: SignedHeader;
  readonly validatorSet: ValidatorSet;
}

/** `{signed_header, validator_set}` as a bundle carries it: /commit's result.signed_header and /validators' result. */
export function parseLightBlock(json: unknown, index = 0): LightBlock {
  const j = (json ?? {}) as { signed_header?: unknown; validator_set?: unknown };
  if (typeof json !== 'object' || json === null || Array.isArray(json) || Object.keys(json).some((k) => k !== 'signed_header' && k !== 'validator_set'))
    refuse('MALFORMED', `light block ${index}: not exactly {signed_header, validator_set}`, { index });
  const signedHeader = parseSignedHeader(j.signed_header);
  const { height, set } = parseValidators(j.validator_set);
  if (height !== signedHeader.header.height)
    refuse('LIGHT_CHAIN_INVALID', `light block ${index}: the validator set is of height ${height}, the header of ${signedHeader.header.height}`, { index });
  return { signedHeader, validatorSet: set };
}

export interface LightChainOptions {
  readonly now: Timestamp;
  readonly maxClockDriftNs?: bigint;
  readonly trustLevel?: TrustLevel;
}

export interface LightChainVerdict {
  /** The heights verified, ascending, from the anchor on, each with its header hash (upper-case hex). */
  readonly verified: readonly { height: bigint; hash: string }[];
}

/**
 * Verify `blocks` from `anchor`: the block at the anchor's height must hash to
 * the anchor's hash, be within the trusting period of `now`, and be committed
 * by more than 2/3 of its own validator set (as CometBFT checks the header its
 * trust options name); each later block is verified from the one before it
 * (adjacent or skipping, trust level 1/3 by default). Blocks below the anchor
 * are not verified and not in the verdict. Throws PROOF_INVALID with the
 * reason; never answers a partial verdict.
 */
export function verifyLightChain(anchor: TrustAnchor, blocks: readonly LightBlock[], opts: LightChainOptions): LightChainVerdict {
  if (blocks.length === 0) refuse('LIGHT_CHAIN_INVALID', 'the chain holds no light block');
  if (blocks.length > MAX_LIGHT_BLOCKS) refuse('LIGHT_CHAIN_INVALID', `the chain holds ${blocks.length} light blocks; at most ${MAX_LIGHT_BLOCKS}`);
  for (let i = 1; i < blocks.length; i++) {
    const a = (blocks[i - 1] as LightBlock).signedHeader.header.height;
    const b = (blocks[i] as LightBlock).signedHeader.header.height;
    if (b <= a) refuse('LIGHT_CHAIN_INVALID', `light block ${i} is height ${b}, not above the ${a} before it: the chain goes up`, { index: i });
  }
  const start = blocks.findIndex((b) => b.signedHeader.header.height === anchor.height);
  if (start < 0)
    refuse(
      'ANCHOR_NOT_FOUND',
      `the chain holds heights ${(blocks[0] as LightBlock).signedHeader.header.height}–${(blocks[blocks.length - 1] as LightBlock).signedHeader.header.height} but not the anchor's height ${anchor.height}`,
      { anchorHeight: String(anchor.height) },
    );
  const first = blocks[start] as LightBlock;
  validateSignedHeader(first.signedHeader, anchor.chainId);
  const hash = toHexUpper(headerHash(first.signedHeader.header));
  if (hash !== anchor.hash.toUpperCase())
    refuse('ANCHOR_MISMATCH', `the header at the anchor's height ${anchor.height} hashes to ${hash}, the anchor is ${anchor.hash.toUpperCase()}`, {
      got: hash,
      anchor: anchor.hash.toUpperCase(),
    });
  checkNotExpired(first.signedHeader.header, { now: opts.now, trustingPeriodNs: anchor.trustingPeriodNs });
  verifyCommit(anchor.chainId, first.signedHeader.header, first.signedHeader.commit, first.validatorSet);
  const verified: { height: bigint; hash: string }[] = [{ height: anchor.height, hash }];
  const light = {
    now: opts.now,
    trustingPeriodNs: anchor.trustingPeriodNs,
    ...(opts.maxClockDriftNs !== undefined ? { maxClockDriftNs: opts.maxClockDriftNs } : {}),
    ...(opts.trustLevel ? { trustLevel: opts.trustLevel } : {}),
  };
  for (let i = start + 1; i < blocks.length; i++) {
    const trusted = blocks[i - 1] as LightBlock;
    const next = blocks[i] as LightBlock;
    const v = verifyLight(trusted.signedHeader, trusted.validatorSet, next.signedHeader, next.validatorSet, light);
    verified.push({ height: v.height, hash: v.hash });
  }
  return { verified };
}

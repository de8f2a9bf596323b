/**
 * What CometBFT v0.38 hashes and signs:
 *
 *   headerHash      Header.Hash: the RFC 6962 Merkle root (core/crypto/merkle)
 *                   over the 14 header fields in order, each leaf the field's
 *                   protobuf encoding — Version and Timestamp and BlockID as
 *                   messages, the rest wrapped as gogoproto's StringValue /
 *                   Int64Value / BytesValue (field 1, left out at zero; an
 *                   empty value is an empty leaf). No validators_hash → no hash.
 *   validatorSetHash ValidatorSet.Hash: the Merkle root over each validator's
 *                   SimpleValidator {pub_key: PublicKey{ed25519}, voting_power}.
 *   voteSignBytes   VoteSignBytes of the precommit a commit signature stands
 *                   for: CanonicalVote {type, height sfixed64, round sfixed64,
 *                   block_id, timestamp, chain_id}, varint-length-prefixed.
 *
 * docs/formats/commit-evidence.md gives the bytes. Pure.
 */
import { concatBytes } from '../codec/index.js';
import { merkleRoot } from '../crypto/merkle.js';
import { fieldBytes, fieldMessage, fieldSfixed64, fieldString, fieldVarint, lengthDelimited, timestampBody } from './proto.js';
import type { Timestamp } from './time.js';
import { BLOCK_ID_FLAG_COMMIT, type BlockId, type Commit, type Header, type Validator, type ValidatorSet } from './types.js';

/** SignedMsgType of a precommit. */
export const PRECOMMIT_TYPE = 2;

/** tendermint.types.BlockID {hash = 1, part_set_header = 2 (always written)}. */
export function blockIdBody(b: BlockId): Uint8Array {
  const psh = concatBytes(fieldVarint(1, b.partSetHeader.total), fieldBytes(2, b.partSetHeader.hash));
  return concatBytes(fieldBytes(1, b.hash), fieldMessage(2, psh));
}

/** A BlockID is zero (a vote for nil) when it has no hash and an empty part set header. */
export function isZeroBlockId(b: BlockId): boolean {
  return b.hash.length === 0 && b.partSetHeader.total === 0 && b.partSetHeader.hash.length === 0;
}

/** The leaves of Header.Hash, in order (exported for the format's tests and docs). */
export function headerLeaves(h: Header): Uint8Array[] {
  return [
    concatBytes(fieldVarint(1, h.version.block), fieldVarint(2, h.version.app)),
    fieldString(1, h.chainId),
    fieldVarint(1, h.height),
    timestampBody(h.time),
    blockIdBody(h.lastBlockId),
    fieldBytes(1, h.lastCommitHash),
    fieldBytes(1, h.dataHash),
    fieldBytes(1, h.validatorsHash),
    fieldBytes(1, h.nextValidatorsHash),
    fieldBytes(1, h.consensusHash),
    fieldBytes(1, h.appHash),
    fieldBytes(1, h.lastResultsHash),
    fieldBytes(1, h.evidenceHash),
    fieldBytes(1, h.proposerAddress),
  ];
}

/** Header.Hash; empty when the header has no validators_hash (CometBFT returns nil then). */
export function headerHash(h: Header): Uint8Array {
  if (h.validatorsHash.length === 0) return new Uint8Array(0);
  return merkleRoot(headerLeaves(h));
}

/** Validator.Bytes: SimpleValidator {pub_key = 1: PublicKey {ed25519 = 1}, voting_power = 2}. */
export function simpleValidatorBytes(v: Pick<Validator, 'pubKey' | 'votingPower'>): Uint8Array {
  // A oneof member is written whenever it is set, even empty.
  const publicKey = concatBytes(Uint8Array.of(0x0a), lengthDelimited(v.pubKey));
  return concatBytes(fieldMessage(1, publicKey), fieldVarint(2, v.votingPower));
}

export function validatorSetHash(set: ValidatorSet): Uint8Array {
  return merkleRoot(set.validators.map(simpleValidatorBytes));
}

export interface CanonicalVoteFields {
  readonly type: number;
  readonly height: bigint;
  readonly round: bigint;
  /** Null (left out) for a vote for nil. */
  readonly blockId: BlockId | null;
  readonly timestamp: Timestamp;
  readonly chainId: string;
}

/** tendermint.types.CanonicalVote, without its length prefix. */
export function canonicalVoteBody(v: CanonicalVoteFields): Uint8Array {
  const blockId = v.blockId === null || isZeroBlockId(v.blockId) ? new Uint8Array(0) : fieldMessage(4, blockIdBody(v.blockId)); // CanonicalBlockID has BlockID's field layout
  return concatBytes(
    fieldVarint(1, v.type),
    fieldSfixed64(2, v.height),
    fieldSfixed64(3, v.round),
    blockId,
    fieldMessage(5, timestampBody(v.timestamp)),
    fieldString(6, v.chainId),
  );
}

/** VoteSignBytes: the length-delimited CanonicalVote. */
export function canonicalVoteSignBytes(v: CanonicalVoteFields): Uint8Array {
  return lengthDelimited(canonicalVoteBody(v));
}

/** Commit.VoteSignBytes(chainID, index): the bytes the validator at `index` signed. */
export function voteSignBytes(chainId: string, commit: Commit, index: number): Uint8Array {
  const sig = commit.signatures[index];
  if (sig === undefined) throw new RangeError(`commit has no signature ${index}`);
  return canonicalVoteSignBytes({
    type: PRECOMMIT_TYPE,
    height: commit.height,
    round: BigInt(commit.round),
    blockId: sig.blockIdFlag === BLOCK_ID_FLAG_COMMIT ? commit.blockId : null,
    timestamp: sig.timestamp,
    chainId,
  });
}

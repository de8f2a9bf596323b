/**
 * The JSON CometBFT v0.38's RPC returns for /commit (result.signed_header:
 * {header, commit}) and /validators, parsed strictly (zod) into bytes,
 * bigints and timestamps. Hashes and addresses are hex (CometBFT writes
 * upper case; either case is read), signatures and public keys base64,
 * 64-bit integers decimal strings. A validator's address must be the first
 * 20 bytes of SHA-256 of its Ed25519 public key. Anything else is refused
 * with CharterError PROOF_INVALID, reason MALFORMED (or UNSUPPORTED_KEY_TYPE,
 * VALIDATOR_ADDRESS_MISMATCH, VALIDATORS_INCOMPLETE), naming the path. Pure.
 */
import { z } from 'zod';
import { bytesEqual, fromHex, sha256, toHexUpper } from '../codec/index.js';
import { fromBase64 } from '../evidence/bundle/base64.js';
import { refuse } from './errors.js';
import { parseRfc3339, type Timestamp } from './time.js';

export const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

export interface PartSetHeader {
  readonly total: number;
  readonly hash: Uint8Array;
}
export interface BlockId {
  readonly hash: Uint8Array;
  readonly partSetHeader: PartSetHeader;
}
export interface Header {
  readonly version: { readonly block: bigint; readonly app: bigint };
  readonly chainId: string;
  readonly height: bigint;
  readonly time: Timestamp;
  readonly lastBlockId: BlockId;
  readonly lastCommitHash: Uint8Array;
  readonly dataHash: Uint8Array;
  readonly validatorsHash: Uint8Array;
  readonly nextValidatorsHash: Uint8Array;
  readonly consensusHash: Uint8Array;
  readonly appHash: Uint8Array;
  readonly lastResultsHash: Uint8Array;
  readonly evidenceHash: Uint8Array;
  readonly proposerAddress: Uint8Array;
}

/** BlockIDFlag: 1 absent (no vote), 2 commit (voted for the block), 3 nil (voted nil). */
export const BLOCK_ID_FLAG_ABSENT = 1;
export const BLOCK_ID_FLAG_COMMIT = 2;
export const BLOCK_ID_FLAG_NIL = 3;
export type BlockIdFlag = typeof BLOCK_ID_FLAG_ABSENT | typeof BLOCK_ID_FLAG_COMMIT | typeof BLOCK_ID_FLAG_NIL;

export interface CommitSig {
  readonly blockIdFlag: BlockIdFlag;
  readonly validatorAddress: Uint8Array;
  readonly timestamp: Timestamp;
  readonly signature: Uint8Array;
}
export interface Commit {
  readonly height: bigint;
  readonly round: number;
  readonly blockId: BlockId;
  readonly signatures: readonly CommitSig[];
}
export interface SignedHeader {
  readonly header: Header;
  readonly commit: Commit;
}
export interface Validator {
  readonly address: Uint8Array;
  /** Ed25519 public key, 32 bytes (the only key type CometBFT's default validators use). */
  readonly pubKey: Uint8Array;
  readonly votingPower: bigint;
  readonly proposerPriority: bigint;
}
/** A validator set in CometBFT's order (voting power descending, then address): the order its hash is over. */
export interface ValidatorSet {
  readonly validators: readonly Validator[];
}

// ── zod shapes of the RPC's JSON ──────────────────────────────────────────

const hex = z.string().regex(/^(?:[0-9A-Fa-f]{2})*$/, 'hex bytes');
const int64 = z
  .string()
  .regex(/^-?(?:0|[1-9][0-9]*)$/, 'a decimal integer')
  .transform((s) => BigInt(s))
  .refine((v) => v >= INT64_MIN && v <= INT64_MAX, 'outside int64');
const base64 = z.string().refine((s) => fromBase64(s) !== null, 'standard base64');
const time = z.string().refine((s) => parseRfc3339(s) !== null, 'an RFC 3339 time');
const uint32 = z.number().int().min(0).max(0xffffffff);

const blockIdJson = z.strictObject({ hash: hex, parts: z.strictObject({ total: uint32, hash: hex }) });
const headerJson = z.strictObject({
  version: z.strictObject({ block: int64, app: int64.optional() }),
  chain_id: z.string(),
  height: int64,
  time,
  last_block_id: blockIdJson,
  last_commit_hash: hex,
  data_hash: hex,
  validators_hash: hex,
  next_validators_hash: hex,
  consensus_hash: hex,
  app_hash: hex,
  last_results_hash: hex,
  evidence_hash: hex,
  proposer_address: hex,
});
const commitSigJson = z.strictObject({
  block_id_flag: z.number().int(),
  validator_address: hex,
  timestamp: time,
  signature: base64.nullable(),
});
const commitJson = z.strictObject({
  height: int64,
  round: z
    .number()
    .int()
    .min(-(2 ** 31))
    .max(2 ** 31 - 1),
  block_id: blockIdJson,
  signatures: z.array(commitSigJson),
});
export const signedHeaderJson = z.strictObject({ header: headerJson, commit: commitJson });
const commitResultJson = z.strictObject({ signed_header: z.unknown(), canonical: z.boolean() });
const validatorJson = z.strictObject({
  address: hex,
  pub_key: z.strictObject({ type: z.string(), value: base64 }),
  voting_power: int64,
  proposer_priority: int64,
});
export const validatorsResultJson = z.strictObject({
  block_height: int64,
  validators: z.array(validatorJson),
  count: int64,
  total: int64,
});

export type SignedHeaderJson = z.input<typeof signedHeaderJson>;
export type ValidatorsResultJson = z.input<typeof validatorsResultJson>;

function parseWith<S extends z.ZodType>(schema: S, json: unknown, what: string): z.output<S> {
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue ? issue.path.join('.') : '';
    refuse('MALFORMED', `${what}: ${path ? `${path}: ` : ''}${issue?.message ?? 'not the expected shape'}`, { path });
  }
  return r.data as z.output<S>;
}

const b64 = (s: string) => fromBase64(s) as Uint8Array;
const ts = (s: string) => parseRfc3339(s) as Timestamp;
const blockId = (j: z.output<typeof blockIdJson>): BlockId => ({
  hash: fromHex(j.hash),
  partSetHeader: { total: j.parts.total, hash: fromHex(j.parts.hash) },
});

/** A signed header as /commit returns it in result.signed_header. */
export function parseSignedHeader(json: unknown): SignedHeader {
  const j = parseWith(signedHeaderJson, json, 'signed header');
  const h = j.header;
  const header: Header = {
    version: { block: h.version.block, app: h.version.app ?? 0n },
    chainId: h.chain_id,
    height: h.height,
    time: ts(h.time),
    lastBlockId: blockId(h.last_block_id),
    lastCommitHash: fromHex(h.last_commit_hash),
    dataHash: fromHex(h.data_hash),
    validatorsHash: fromHex(h.validators_hash),
    nextValidatorsHash: fromHex(h.next_validators_hash),
    consensusHash: fromHex(h.consensus_hash),
    appHash: fromHex(h.app_hash),
    lastResultsHash: fromHex(h.last_results_hash),
    evidenceHash: fromHex(h.evidence_hash),
    proposerAddress: fromHex(h.proposer_address),
  };
  const signatures = j.commit.signatures.map((s, i): CommitSig => {
    if (s.block_id_flag !== BLOCK_ID_FLAG_ABSENT && s.block_id_flag !== BLOCK_ID_FLAG_COMMIT && s.block_id_flag !== BLOCK_ID_FLAG_NIL)
      refuse('MALFORMED', `signed header: commit.signatures.${i}.block_id_flag: unknown flag ${s.block_id_flag}`, {
        path: `commit.signatures.${i}.block_id_flag`,
      });
    return {
      blockIdFlag: s.block_id_flag,
      validatorAddress: fromHex(s.validator_address),
      timestamp: ts(s.timestamp),
      signature: s.signature === null ? new Uint8Array(0) : b64(s.signature),
    };
  });
  return { header, commit: { height: j.commit.height, round: j.commit.round, blockId: blockId(j.commit.block_id), signatures } };
}

/** /commit's result ({signed_header, canonical}). */
export function parseCommitResult(json: unknown): { signedHeader: SignedHeader; canonical: boolean } {
  const j = parseWith(commitResultJson, json, 'commit result');
  return { signedHeader: parseSignedHeader(j.signed_header), canonical: j.canonical };
}

export const ED25519_PUBKEY_TYPE = 'tendermint/PubKeyEd25519';

/** The first 20 bytes of SHA-256 of the public key: a validator's address. */
export function validatorAddress(pubKey: Uint8Array): Uint8Array {
  return sha256(pubKey).slice(0, 20);
}

/**
 * /validators' result: the whole set in one page (count = total = the list's
 * length; ask with per_page=100, CometBFT's page maximum, and more pages are
 * refused as VALIDATORS_INCOMPLETE), Ed25519 keys only, addresses matching keys.
 */
export function parseValidators(json: unknown): { height: bigint; set: ValidatorSet } {
  const j = parseWith(validatorsResultJson, json, 'validators');
  if (j.count !== j.total || j.total !== BigInt(j.validators.length))
    refuse('VALIDATORS_INCOMPLETE', `validators: the page has ${j.validators.length} of ${j.total} validators (count ${j.count})`, {
      count: String(j.count),
      total: String(j.total),
    });
  const validators = j.validators.map((v, i): Validator => {
    if (v.pub_key.type !== ED25519_PUBKEY_TYPE)
      refuse('UNSUPPORTED_KEY_TYPE', `validators.${i}: key type ${v.pub_key.type} is not ${ED25519_PUBKEY_TYPE}`, { index: i, type: v.pub_key.type });
    const pubKey = b64(v.pub_key.value);
    if (pubKey.length !== 32)
      refuse('MALFORMED', `validators.${i}.pub_key: an Ed25519 key is 32 bytes, not ${pubKey.length}`, { path: `validators.${i}.pub_key` });
    const address = fromHex(v.address);
    if (!bytesEqual(address, validatorAddress(pubKey)))
      refuse('VALIDATOR_ADDRESS_MISMATCH', `validators.${i}: address ${v.address} is not that of its key (${toHexUpper(validatorAddress(pubKey))})`, {
        index: i,
      });
    return { address, pubKey, votingPower: v.voting_power, proposerPriority: v.proposer_priority };
  });
  return { height: j.block_height, set: { validators } };
}

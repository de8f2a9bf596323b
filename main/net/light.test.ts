/**
 * The light-client path over RPC, bisecting: a chain signed here with fixed
 * keys (core/consensus is tested on real CometBFT commits; this chain exists to
 * make the validator set turn over entirely, which one kvstore node cannot),
 * served as CometBFT's /commit and /validators JSON by a server on 127.0.0.1.
 * From the anchor at 1, height 10 cannot be reached in one skip (none of the
 * trusted validators signed it), so the path bisects through 5 and 7.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHexUpper } from '../../core/codec/index.js';
import { toBase64 } from '../../core/evidence/bundle/base64.js';
import {
  BLOCK_ID_FLAG_COMMIT,
  addDuration,
  formatRfc3339,
  headerHash,
  parseRfc3339,
  validatorAddress,
  validatorSetHash,
  voteSignBytes,
  type Commit,
  type Header,
  type SignedHeader,
  type Timestamp,
  type ValidatorSet,
} from '../../core/consensus/index.js';
import { lightPath } from './light.js';

const CHAIN = 'bisect-chain';
const KEYS = [1, 2, 3, 4].map((i) => new Uint8Array(32).fill(i));
const PUBS = KEYS.map((k) => ed25519.getPublicKey(k));
const T0 = parseRfc3339('2026-01-01T00:00:00Z') as Timestamp;
const TOP = 10;

/** Who validates at height h: the set turns over from {0,1,2} to {3}. */
const members = (h: number): number[] => (h <= 4 ? [0, 1, 2] : h <= 6 ? [1, 2, 3] : h <= 9 ? [2, 3] : [3]);
const setAt = (h: number): ValidatorSet => ({
  validators: members(h).map((i) => ({
    address: validatorAddress(PUBS[i] as Uint8Array),
    pubKey: PUBS[i] as Uint8Array,
    votingPower: 1n,
    proposerPriority: 0n,
  })),
});

function signedAt(h: number): SignedHeader {
  const set = setAt(h);
  const header: Header = {
    version: { block: 11n, app: 1n },
    chainId: CHAIN,
    height: BigInt(h),
    time: addDuration(T0, BigInt(h) * 1_000_000_000n),
    lastBlockId: { hash: new Uint8Array(32).fill(9), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(8) } },
    lastCommitHash: new Uint8Array(32),
    dataHash: new Uint8Array(32),
    validatorsHash: validatorSetHash(set),
    nextValidatorsHash: validatorSetHash(setAt(h + 1)),
    consensusHash: new Uint8Array(32),
    appHash: new Uint8Array(8).fill(h),
    lastResultsHash: new Uint8Array(32),
    evidenceHash: new Uint8Array(32),
    proposerAddress: set.validators[0]?.address as Uint8Array,
  };
  const blockId = { hash: headerHash(header), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(5) } };
  const unsigned: Commit = {
    height: BigInt(h),
    round: 0,
    blockId,
    signatures: set.validators.map((v, i) => ({
      blockIdFlag: BLOCK_ID_FLAG_COMMIT,
      validatorAddress: v.address,
      timestamp: addDuration(header.time, BigInt(i)),
      signature: new Uint8Array(0),
    })),
  };
  const commit: Commit = {
    ...unsigned,
    signatures: unsigned.signatures.map((s, i) => ({
      ...s,
      signature: ed25519.sign(voteSignBytes(CHAIN, unsigned, i), KEYS[members(h)[i] as number] as Uint8Array),
    })),
  };
  return { header, commit };
}

const hx = (b: Uint8Array) => toHexUpper(b);
const bid = (b: { hash: Uint8Array; partSetHeader: { total: number; hash: Uint8Array } }) => ({
  hash: hx(b.hash),
  parts: { total: b.partSetHeader.total, hash: hx(b.partSetHeader.hash) },
});
function signedHeaderJson(s: SignedHeader): unknown {
  const h = s.header;
  return {
    header: {
      version: { block: String(h.version.block), app: String(h.version.app) },
      chain_id: h.chainId,
      height: String(h.height),
      time: formatRfc3339(h.time),
      last_block_id: bid(h.lastBlockId),
      last_commit_hash: hx(h.lastCommitHash),
      data_hash: hx(h.dataHash),
      validators_hash: hx(h.validatorsHash),
      next_validators_hash: hx(h.nextValidatorsHash),
      consensus_hash: hx(h.consensusHash),
      app_hash: hx(h.appHash),
      last_results_hash: hx(h.lastResultsHash),
      evidence_hash: hx(h.evidenceHash),
      proposer_address: hx(h.proposerAddress),
    },
    commit: {
      height: String(s.commit.height),
      round: s.commit.round,
      block_id: bid(s.commit.blockId),
      signatures: s.commit.signatures.map((x) => ({
        block_id_flag: x.blockIdFlag,
        validator_address: hx(x.validatorAddress),
        timestamp: formatRfc3339(x.timestamp),
        signature: toBase64(x.signature),
      })),
    },
  };
}
const validatorsJson = (h: number) => {
  const set = setAt(h);
  return {
    block_height: String(h),
    validators: set.validators.map((v) => ({
      address: hx(v.address),
      pub_key: { type: 'tendermint/PubKeyEd25519', value: toBase64(v.pubKey) },
      voting_power: String(v.votingPower),
      proposer_priority: '0',
    })),
    count: String(set.validators.length),
    total: String(set.validators.length),
  };
};

let server: Server;
let url: string;
const asked: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const h = Number(u.searchParams.get('height') ?? TOP);
    const result =
      u.pathname === '/commit' ? { signed_header: signedHeaderJson(signedAt(h)), canonical: true } : u.pathname === '/validators' ? validatorsJson(h) : null;
    if (u.pathname === '/commit') asked.push(h);
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify(result === null ? { jsonrpc: '2.0', id: -1, error: { code: -32601, message: 'Method not found' } } : { jsonrpc: '2.0', id: -1, result }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('a light-client path over RPC', () => {
  const anchor = { chainId: CHAIN, height: 1n, hash: toHexUpper(headerHash(signedAt(1).header)), trustingPeriodNs: 3_600_000_000_000n };
  const nowMs = Date.parse('2026-01-01T00:00:30Z');

  it('bisects where the trusted set signed too little of the target, and the path verifies from the anchor', async () => {
    const p = await lightPath(url, anchor, null, nowMs);
    expect(p.verdict.verified.map((v) => Number(v.height))).toEqual([1, 5, 7, TOP]);
    expect(p.blocks).toHaveLength(4);
    expect(Number(p.target.signedHeader.header.height)).toBe(TOP);
    expect(asked).toContain(5);
  });

  it('refuses an anchor whose hash is not the header at its height, asking nothing more', async () => {
    asked.length = 0;
    const wrong = { ...anchor, hash: toHexUpper(headerHash(signedAt(2).header)) };
    await expect(lightPath(url, wrong, TOP, nowMs)).rejects.toMatchObject({ code: 'PROOF_INVALID', details: { reason: 'ANCHOR_MISMATCH' } });
    expect(asked).toEqual([1]);
  });
});

// Shared by the bundle tests, the fixture generator and the bench: the worked
// examples of docs/formats/evidence-bundle.md §8 — fully deterministic bundles
// over the synthetic chain "charter-test", executed by the real custody engine
// with the engine's public test keys — a trust file for them, and a
// hand-written zip writer for archives yazl refuses to produce (symlinks,
// duplicate names, lying sizes, traversal paths).
//
//   tests/fixtures/bundle/custody-case.zip      custody case, charter.bundle/v2 (caseBundle)
//   tests/fixtures/bundle/history-segment.zip   history segment 3:7, charter.bundle/v2 (segmentBundle)
//   tests/fixtures/bundle/custody-case-v1.zip   the earlier charter.bundle/v1 custody case (caseBundleV1), kept as it was
//   tests/fixtures/bundle/trust.json            key 9 (validator, checkpoints, attestations) + key 8 as witness (fixtureTrust)
//
// Regenerate the fixtures (then update the document's §8 from the failing digest test):
//
//   CHARTER_UPDATE_FIXTURES=1 npx vitest run tests/unit/bundle-fixture.test.ts
//
// NEVER use these keys for anything but tests: their secrets are public (key n's
// Ed25519 secret is 32 bytes of n).
import zlib from 'node:zlib';
import { canonicalBytes, canonicalJson, fromUtf8, toHex, utf8 } from '../../core/codec/index.js';
import { CustodyEngine } from '../../core/engine/engine.js';
import { testGenesis, testKey, buildTx, type TestKey } from '../support/engine-kit.js';
import type { EntryProof } from '../../core/engine/state-root.js';
import type { TxBodies, TxResult, TxType, VaultRecord, WithdrawalRecord } from '../../core/engine/types.js';
import {
  domainDigest,
  signCheckpoint,
  type Checkpoint,
  type EvidenceSignature,
  type SignedCheckpoint,
  type TrustFile,
  type TrustKey,
} from '../../core/evidence/checkpoint.js';
import { jcsBytes } from '../../core/evidence/jcs.js';
import { MemoryMmrStore, addLeafHash, consistencyProof, inclusionProof, mmrIndex, peaks } from '../../core/evidence/mmr.js';
import { GENESIS_ROOT, eventsDigest, makeReceipt, receiptDigest, type Receipt } from '../../core/evidence/receipts.js';
import { receiptEvents, receiptResultOf } from '../../main/app-host/evidence.js';
// The kit lives in tests/, so it may build headers exactly as the devnet does (main/devnet/node.ts).
import { BLOCK_PROTOCOL_VERSION, VALIDATOR_POWER, consensusParams } from '../../main/devnet/node.js';
import { b64, hexUpper, merkleRoot, sha256 } from '../../main/cometbft/encoding.js';
import {
  ARTIFACT_TYPES,
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_V1,
  CASE_PATHS,
  SEGMENT_PATHS,
  assembleBundle,
  headerSigningBytes,
  validatorAddressOf,
  type AssembledBundle,
  type BundleMemberInput,
} from '../../core/evidence/bundle/index.js';
import { requestIdOf } from '../../core/tx/envelope.js';
import { txHashOf } from '../../core/codec/index.js';

export const CHAIN = 'charter-test';
export const INITIATOR = testKey(1);
export const APPROVER = testKey(2);
/** The "console key": signs the attestation and the checkpoints, and is the chain's validator. */
export const CONSOLE_KEY = testKey(9);
export const SECOND_KEY = testKey(10);
/** The witness of the v2 worked examples: cosigns their checkpoints. Used for nothing else. */
export const WITNESS_KEY = testKey(8);
/** What a witness cosignature covers: D(COSIGNATURE_DOMAIN, JCS(checkpoint)) (the brief's format decision 4). */
export const COSIGNATURE_DOMAIN = 'charter/cosignature/v1';

const json = (v: unknown) => utf8(canonicalJson(v));

export function trustFor(keys: TestKey[], over: Partial<TrustFile> = {}, keyOver: Record<string, unknown> = {}): TrustFile {
  return {
    version: 1,
    log_id: CHAIN,
    quorum: 1,
    keys: keys.map((k) => trustKeyOf(k, keyOver)),
    ...over,
  };
}

function trustKeyOf(k: TestKey, over: Record<string, unknown> = {}): TrustKey {
  return { key_id: k.keyId, scheme: 'ed25519' as const, public_key: k.publicKeyHex, valid_from_height: 0, ...over };
}

/** A trust file with witnesses (format decision 5); the trust-file type gains the field with the witness work. */
export type TrustFileWithWitnesses = TrustFile & { witnesses: { quorum: number; keys: TrustKey[] } };

/** tests/fixtures/bundle/trust.json: key 9 from height 0, quorum 1; witness key 8 from height 0, quorum 1. */
export function fixtureTrust(): TrustFileWithWitnesses {
  return { ...trustFor([CONSOLE_KEY]), witnesses: { quorum: 1, keys: [trustKeyOf(WITNESS_KEY)] } };
}

/** A witness's cosignature of a checkpoint: Ed25519 over D("charter/cosignature/v1", JCS(checkpoint)). */
export function cosignCheckpoint(c: Checkpoint, k: TestKey = WITNESS_KEY): EvidenceSignature {
  return { key_id: k.keyId, scheme: 'ed25519', signature: toHex(k.sign(domainDigest(COSIGNATURE_DOMAIN, jcsBytes(c)))) };
}

/** The worked example's validator: the console key (as on the devnet, where the validator key also signs checkpoints). */
export const VALIDATOR_KEY = CONSOLE_KEY;

export interface CaseParts {
  members: BundleMemberInput[];
  requestId: string;
  height: number;
}

/** The worked example's vault, its asset and the amount withdrawn. */
const VAULT = 'treasury';
const POLICY = { approvers: [APPROVER.keyId], threshold: 1 };

interface ChainTx {
  bytes: Uint8Array;
  hash: string;
  env: unknown;
  result: TxResult;
}

interface ChainBlock {
  height: number;
  time: string;
  txs: ChainTx[];
  /** State root after the block (the next header's app_hash), upper-case hex. */
  resultAppHash: string;
}

/** An entry and its proof as the engine's /proof/<key> answers (the devnet's /explorer/state-proof). */
interface ProvenEntry<T> {
  height: number;
  app_hash: string;
  key: string;
  value: T;
  proof: EntryProof;
}

interface ExecutedChain {
  blocks: ChainBlock[];
  engine: CustodyEngine;
  /** State root of the genesis state: block 1's header app_hash. */
  genesisAppHash: string;
  appVersion: number;
  requestId: string;
  createHash: string;
  approveHash: string;
  vaultAt6: ProvenEntry<VaultRecord>;
  requestAt6: ProvenEntry<WithdrawalRecord>;
}

/** The block the receipt log and the checkpoints of the worked examples end at. */
const CHECKPOINT_HEIGHT = 7;
/** The history segment of the worked example. */
export const SEGMENT_FROM = 3;
export const SEGMENT_TO = 7;
/** The earlier checkpoint of the history segment (below FROM). */
const FROM_CHECKPOINT_HEIGHT = 2;

let chainCache: ExecutedChain | undefined;

/**
 * The chain behind the worked examples, executed by the real custody engine
 * from the test genesis (key 1 is its admin): block 1 registers key 2, block 2
 * creates the vault (key 2 approves, 1 of 1), block 3 funds it, block 4 is
 * empty, key 1 requests the withdrawal at block 5 and key 2's approval
 * executes it at block 6; block 7 carries three more transactions and block 8
 * is empty (its signed header states block 7's result app hash). Every app
 * hash, the request record and the state proofs at height 6 are the engine's
 * own, so the state proofs verify against the signed result_app_hash of
 * block 6. Computed once (the engine is only queried afterwards).
 */
function executedChain(): ExecutedChain {
  if (chainCache) return chainCache;
  const engine = new CustodyEngine(testGenesis());
  const genesisAppHash = toHex(engine.info().lastBlockAppHash).toUpperCase();
  const appVersion = engine.info().appVersion;
  const nonces = new Map<string, number>();
  const tx = <T extends TxType>(k: TestKey, type: T, body: TxBodies[T]) => {
    const n = (nonces.get(k.keyId) ?? 0) + 1;
    nonces.set(k.keyId, n);
    return buildTx(k, type, body, n, { chain_id: CHAIN, expires_at: 100 });
  };
  const create = () => tx(INITIATOR, 'withdrawal.create', { vault_id: VAULT, asset: 'BTC', amount: '1500', destination: 'bc1qexampledestination', memo: '' });
  const plan: (() => ReturnType<typeof tx>[])[] = [
    () => [tx(INITIATOR, 'key.register', { public_key: APPROVER.publicKeyHex, scheme: 'ed25519', label: 'approver' })],
    () => [tx(INITIATOR, 'vault.create', { vault_id: VAULT, name: 'Treasury', policy: POLICY })],
    () => [tx(INITIATOR, 'vault.fund', { vault_id: VAULT, asset: 'BTC', amount: '10000' })],
    () => [],
    () => [create()],
    () => [tx(APPROVER, 'withdrawal.approve', { request_id: requestId })],
    () => [
      tx(INITIATOR, 'vault.fund', { vault_id: VAULT, asset: 'ETH', amount: '250' }),
      tx(INITIATOR, 'key.register', { public_key: CONSOLE_KEY.publicKeyHex, scheme: 'ed25519', label: 'console' }),
      tx(INITIATOR, 'vault.fund', { vault_id: VAULT, asset: 'BTC', amount: '500' }),
    ],
    () => [],
  ];
  let requestId = '';
  let createHash = '';
  let approveHash = '';
  let vaultAt6: ProvenEntry<VaultRecord> | undefined;
  let requestAt6: ProvenEntry<WithdrawalRecord> | undefined;
  const proven = <T>(key: string): ProvenEntry<T> => {
    const q = engine.query({ path: `/proof/${key}` });
    if (q.code !== 0) throw new Error(`worked example: /proof/${key}: ${q.log}`);
    return JSON.parse(fromUtf8(q.value)) as ProvenEntry<T>;
  };
  const blocks: ChainBlock[] = [];
  plan.forEach((make, i) => {
    const height = i + 1;
    const txs = make();
    if (height === 5) requestId = requestIdOf(txs[0]!.unsigned as Parameters<typeof requestIdOf>[0]);
    const time = `2026-01-01T00:00:0${height}Z`;
    const res = engine.finalizeBlock({ height, time, txs: txs.map((t) => t.bytes) });
    engine.commit();
    const out = txs.map((t, j) => {
      const result = res.txResults[j] as TxResult;
      if (result.code !== 0) throw new Error(`worked example: block ${height} tx ${j} refused: ${result.log}`);
      return { bytes: t.bytes, hash: txHashOf(t.bytes), env: t.env, result };
    });
    if (height === 5) createHash = out[0]!.hash;
    if (height === 6) {
      approveHash = out[0]!.hash;
      // The entries and their proofs as they are after block 6 (the devnet's /explorer/state-proof?height=6).
      vaultAt6 = proven<VaultRecord>(`vault/${VAULT}`);
      requestAt6 = proven<WithdrawalRecord>(`request/${requestId}`);
    }
    blocks.push({ height, time, txs: out, resultAppHash: toHex(engine.info().lastBlockAppHash).toUpperCase() });
  });
  chainCache = { blocks, engine, genesisAppHash, appVersion, requestId, createHash, approveHash, vaultAt6: vaultAt6!, requestAt6: requestAt6! };
  return chainCache;
}

// ─── headers as the devnet makes them ──────────────────────────────────────

type Header = Record<string, unknown> & { height: string; time: string; app_hash: string; data_hash: string; last_block_id: { hash: string } };

interface SignedBlock {
  height: number;
  header: Header;
  /** SHA-256(JCS(header)), upper-case hex. */
  hash: string;
  /** The validator's commit signature over the 32 bytes of the hash. */
  signatures: { validator_address: string; timestamp: string; signature_base64: string }[];
  txs: ChainTx[];
  appHash: string;
  resultAppHash: string;
  lastBlockHash: string;
}

const EMPTY_BLOCK_ID = { hash: '', parts: { total: 0, hash: '' } };
const headerCache = new Map<string, SignedBlock[]>();

/**
 * The chain's blocks with headers exactly as main/devnet/node.ts commitBlock
 * builds them (one validator, `validator`), each signed by it over
 * SHA-256(JCS(header)): last_block_id and last_commit_hash from the previous
 * block and its commit, data_hash the simple Merkle root over SHA-256 of each
 * tx, validators_hash over the one-validator set, last_results_hash over the
 * previous block's results, app_hash the state root after the previous block.
 */
export function signedChain(validator: TestKey = VALIDATOR_KEY): SignedBlock[] {
  const cached = headerCache.get(validator.keyId);
  if (cached) return cached;
  const chain = executedChain();
  const address = validatorAddressOf(validator.publicKey);
  const validatorsHash = hexUpper(
    merkleRoot([
      canonicalBytes({
        address,
        pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(validator.publicKey) },
        voting_power: VALIDATOR_POWER,
        proposer_priority: '0',
      }),
    ]),
  );
  const out: SignedBlock[] = [];
  let prevId: typeof EMPTY_BLOCK_ID = EMPTY_BLOCK_ID;
  let prev: SignedBlock | null = null;
  let lastResults: TxResult[] = [];
  let appHash = chain.genesisAppHash;
  for (const b of chain.blocks) {
    const lastCommit = prev
      ? {
          height: String(prev.height),
          round: 0,
          block_id: prevId,
          signatures: [{ block_id_flag: 2, validator_address: address, timestamp: prev.header.time, signature: prev.signatures[0]!.signature_base64 }],
        }
      : { height: '0', round: 0, block_id: EMPTY_BLOCK_ID, signatures: [] as unknown[] };
    const header: Header = {
      version: { block: BLOCK_PROTOCOL_VERSION, app: String(chain.appVersion) },
      chain_id: CHAIN,
      height: String(b.height),
      time: b.time,
      last_block_id: prevId,
      last_commit_hash: hexUpper(merkleRoot(lastCommit.signatures.map((s) => canonicalBytes(s)))),
      data_hash: hexUpper(merkleRoot(b.txs.map((t) => sha256(t.bytes)))),
      validators_hash: validatorsHash,
      next_validators_hash: validatorsHash,
      consensus_hash: hexUpper(sha256(canonicalBytes(consensusParams()))),
      app_hash: appHash,
      last_results_hash: hexUpper(merkleRoot(lastResults.map((r) => canonicalBytes({ code: r.code, data: b64(r.data) })))),
      evidence_hash: hexUpper(merkleRoot([])),
      proposer_address: address,
    };
    const hashBytes = headerSigningBytes(header);
    const hash = hexUpper(hashBytes);
    const blockBytes = canonicalBytes({ header, data: { txs: b.txs.map((t) => b64(t.bytes)) }, evidence: { evidence: [] }, last_commit: lastCommit });
    const signed: SignedBlock = {
      height: b.height,
      header,
      hash,
      signatures: [{ validator_address: address, timestamp: b.time, signature_base64: b64(validator.sign(hashBytes)) }],
      txs: b.txs,
      appHash,
      resultAppHash: b.resultAppHash,
      lastBlockHash: prevId.hash,
    };
    out.push(signed);
    prevId = { hash, parts: { total: 1, hash: hexUpper(merkleRoot([blockBytes])) } };
    prev = signed;
    lastResults = b.txs.map((t) => t.result);
    appHash = b.resultAppHash;
  }
  headerCache.set(validator.keyId, out);
  return out;
}

/** A block member (charter.block/v1) as the builder writes it, with the signed header and optionally the next block's. */
function blockDoc(blocks: SignedBlock[], height: number, opts: { next: boolean; txs: boolean }): Record<string, unknown> {
  const b = blocks[height - 1]!;
  const doc: Record<string, unknown> = {
    height: b.height,
    hash: b.hash,
    time: b.header.time,
    chain_id: CHAIN,
    app_hash: b.appHash,
    result_app_hash: b.resultAppHash,
    last_block_hash: b.lastBlockHash,
    data_hash: b.header.data_hash,
    proposer_address: b.header['proposer_address'],
    validator_signatures: b.signatures,
    header: b.header,
  };
  if (opts.next) {
    const n = blocks[height]!;
    doc['next_header'] = n.header;
    doc['next_validator_signatures'] = n.signatures;
  }
  if (opts.txs) doc['txs'] = b.txs.map((t) => t.hash);
  return doc;
}

/**
 * block.json of the v2 custody case: block 6 with its devnet header and the
 * validator's signature, and block 7's signed header whose app_hash is block
 * 6's result_app_hash. `signer` is the chain's validator (default key 9);
 * `over` replaces fields after signing (for failing cases).
 */
export function signedBlockDoc(over: Record<string, unknown> = {}, signer: TestKey = VALIDATOR_KEY): Record<string, unknown> {
  return { ...blockDoc(signedChain(signer), 6, { next: true, txs: false }), ...over };
}

// ─── the receipt log and its checkpoints ───────────────────────────────────

interface ReceiptLog {
  receipts: Receipt[];
  store: MemoryMmrStore;
  /** seq of each transaction's receipt, by tx hash. */
  seqOf: Map<string, number>;
  /** MMR size after the receipts of blocks ≤ h. */
  sizeAt: (h: number) => number;
}

/** The receipt log as the devnet writes it (main/app-host/evidence.ts): one receipt per transaction, in block order, up to block `upTo`. */
function receiptLog(blocks: ChainBlock[], upTo: number): ReceiptLog {
  let prev = GENESIS_ROOT;
  const receipts: Receipt[] = [];
  const store = new MemoryMmrStore();
  const seqOf = new Map<string, number>();
  const sizes = new Map<number, number>();
  let seq = 0;
  for (const b of blocks) {
    if (b.height > upTo) break;
    for (const t of b.txs) {
      const r = makeReceipt(prev, {
        seq,
        height: b.height,
        tx_digest: t.hash.toLowerCase(),
        result: receiptResultOf(t.result.code, t.result.codespace),
        events_digest: eventsDigest(receiptEvents(t.result.events)),
      });
      seqOf.set(t.hash, seq);
      receipts.push(r);
      prev = r.next_root;
      addLeafHash(store, receiptDigest(r));
      seq++;
    }
    sizes.set(b.height, store.size());
  }
  return { receipts, store, seqOf, sizeAt: (h) => sizes.get(h)! };
}

/** The checkpoint of the log at block `height`, signed by key 9 and (witnessed) cosigned by key 8. */
async function checkpointAt(log: ReceiptLog, height: number, witnessed: boolean): Promise<SignedCheckpoint & { cosignatures?: EvidenceSignature[] }> {
  const size = log.sizeAt(height);
  const checkpoint: Checkpoint = { log_id: CHAIN, mmr_size: size, peaks: peaks(log.store, size).map(toHex), height, time: `2026-01-01T00:00:0${height}Z` };
  const sc: SignedCheckpoint & { cosignatures?: EvidenceSignature[] } = {
    checkpoint,
    signatures: [await signCheckpoint(checkpoint, { key_id: CONSOLE_KEY.keyId, scheme: 'ed25519' }, CONSOLE_KEY.sign)],
  };
  if (witnessed) sc.cosignatures = [cosignCheckpoint(checkpoint)];
  return sc;
}

const signedTxDoc = (hash: string, height: number, env: unknown, k: TestKey) => ({
  tx_hash: hash,
  height,
  envelope: env,
  signer: { key_id: k.keyId, scheme: 'ed25519', public_key: k.publicKeyHex, label: `test key ${k.keyId.slice(0, 6)}` },
});

function requestRecord(chain: ExecutedChain): WithdrawalRecord {
  const r = chain.engine.query({ path: `/request/${chain.requestId}` });
  if (r.code !== 0) throw new Error(`worked example: /request/${chain.requestId}: ${r.log}`);
  const request = JSON.parse(fromUtf8(r.value)) as WithdrawalRecord;
  if (request.status !== 'executed' || request.executed_at !== 6 || request.created_at !== 5)
    throw new Error(`worked example: the request is ${request.status} at ${String(request.executed_at)}`);
  return request;
}

// ─── custody case v2 ───────────────────────────────────────────────────────

/** The members of the v2 worked-example custody case (tests/fixtures/bundle/custody-case.zip). */
export async function caseMembers(): Promise<CaseParts> {
  const chain = executedChain();
  const { requestId, createHash, approveHash } = chain;
  const request = requestRecord(chain);
  const b6 = chain.blocks[5]!;
  const createTx = chain.blocks[4]!.txs[0]!;
  const approveTx = b6.txs[0]!;

  const log = receiptLog(chain.blocks, CHECKPOINT_HEIGHT);
  const size = log.sizeAt(CHECKPOINT_HEIGHT);
  const seq = log.seqOf.get(approveHash)!;
  const idx = mmrIndex(seq);
  const sc = await checkpointAt(log, CHECKPOINT_HEIGHT, true);

  // Block 6 as the devnet signs it, and block 7's signed header, whose app_hash is block 6's result app hash.
  const block = signedBlockDoc();
  // The request and the vault as they were after block 6, with their entry proofs against that root:
  // what the devnet's /explorer/state-proof answers (main/app-host/history.ts).
  const stateProof = <T>(p: ProvenEntry<T>) => {
    if (p.app_hash !== b6.resultAppHash || p.height !== 6)
      throw new Error(`worked example: the state proof of ${p.key} is not against block 6's result app hash`);
    return { height: 6, app_hash: p.app_hash, block_hash: block['hash'], key: p.key, value: p.value, proof: p.proof };
  };
  if (canonicalJson(chain.requestAt6.value) !== canonicalJson(request)) throw new Error('worked example: the request record changed after block 6');
  const members: BundleMemberInput[] = [
    { path: CASE_PATHS.request, artifact_type: ARTIFACT_TYPES.request, bytes: json(request) },
    { path: CASE_PATHS.requestState, artifact_type: ARTIFACT_TYPES.stateProof, bytes: json(stateProof(chain.requestAt6)) },
    { path: CASE_PATHS.tx(createHash), artifact_type: ARTIFACT_TYPES.signedTx, bytes: json(signedTxDoc(createHash, 5, createTx.env, INITIATOR)) },
    { path: CASE_PATHS.tx(approveHash), artifact_type: ARTIFACT_TYPES.signedTx, bytes: json(signedTxDoc(approveHash, 6, approveTx.env, APPROVER)) },
    { path: CASE_PATHS.block, artifact_type: ARTIFACT_TYPES.block, bytes: json(block) },
    { path: CASE_PATHS.policy, artifact_type: ARTIFACT_TYPES.policy, bytes: json({ vault_id: VAULT, policy: chain.vaultAt6.value.policy, as_of: 6 }) },
    { path: CASE_PATHS.stateProof, artifact_type: ARTIFACT_TYPES.stateProof, bytes: json(stateProof(chain.vaultAt6)) },
    { path: CASE_PATHS.receipt, artifact_type: ARTIFACT_TYPES.receipt, bytes: json(log.receipts[seq]) },
    {
      path: CASE_PATHS.inclusion,
      artifact_type: ARTIFACT_TYPES.inclusionProof,
      bytes: json({ mmr_index: idx, size, path: inclusionProof(log.store, idx, size).map(toHex) }),
    },
    { path: CASE_PATHS.checkpoint, artifact_type: ARTIFACT_TYPES.checkpoint, bytes: json(sc) },
  ];
  return { members, requestId, height: 6 };
}

/** The v2 worked-example custody case; `mutate` edits the members before assembling (for failing cases). */
export async function caseBundle(mutate?: (m: BundleMemberInput[]) => BundleMemberInput[], signer: TestKey = CONSOLE_KEY): Promise<AssembledBundle> {
  const parts = await caseMembers();
  return assembleBundle({
    format: BUNDLE_FORMAT,
    kind: 'custody-case',
    subject: { type: 'withdrawal', id: parts.requestId, chain_id: CHAIN, height: parts.height },
    tool: { name: 'charter-console', version: 'test' },
    members: mutate ? mutate(parts.members) : parts.members,
    signer: { key_id: signer.keyId, scheme: 'ed25519', public_key: signer.publicKeyHex, sign: (m) => signer.sign(m) },
  });
}

// ─── history segment v2 ────────────────────────────────────────────────────

/** The members of the v2 worked-example history segment 3:7 (tests/fixtures/bundle/history-segment.zip). */
export async function segmentMembers(): Promise<{ members: BundleMemberInput[]; from: number; to: number }> {
  const chain = executedChain();
  const blocks = signedChain(VALIDATOR_KEY);
  const members: BundleMemberInput[] = [];
  for (let h = SEGMENT_FROM; h <= SEGMENT_TO; h++) {
    members.push({
      path: SEGMENT_PATHS.block(h),
      artifact_type: ARTIFACT_TYPES.block,
      bytes: json(blockDoc(blocks, h, { next: h === SEGMENT_TO, txs: true })),
    });
  }
  const log = receiptLog(chain.blocks, CHECKPOINT_HEIGHT);
  const to = await checkpointAt(log, CHECKPOINT_HEIGHT, true);
  const from = await checkpointAt(log, FROM_CHECKPOINT_HEIGHT, true);
  const inRange = log.receipts.filter((r) => r.height >= SEGMENT_FROM && r.height <= SEGMENT_TO);
  const size = to.checkpoint.mmr_size;
  const proofs = inRange.map((r) => ({ mmr_index: mmrIndex(r.seq), path: inclusionProof(log.store, mmrIndex(r.seq), size).map(toHex) }));
  const fromSize = from.checkpoint.mmr_size;
  members.push(
    { path: SEGMENT_PATHS.receipts, artifact_type: ARTIFACT_TYPES.receipts, bytes: json(inRange) },
    { path: SEGMENT_PATHS.receiptsInclusion, artifact_type: ARTIFACT_TYPES.inclusionProofs, bytes: json({ size, proofs }) },
    { path: SEGMENT_PATHS.to, artifact_type: ARTIFACT_TYPES.checkpoint, bytes: json(to) },
    { path: SEGMENT_PATHS.from, artifact_type: ARTIFACT_TYPES.checkpoint, bytes: json(from) },
    {
      path: SEGMENT_PATHS.consistency,
      artifact_type: ARTIFACT_TYPES.consistencyProof,
      bytes: json({ from_size: fromSize, to_size: size, paths: consistencyProof(log.store, fromSize, size).map((p) => p.map(toHex)) }),
    },
  );
  return { members, from: SEGMENT_FROM, to: SEGMENT_TO };
}

/** The v2 worked-example history segment; `mutate` edits the members before assembling. */
export async function segmentBundle(mutate?: (m: BundleMemberInput[]) => BundleMemberInput[], signer: TestKey = CONSOLE_KEY): Promise<AssembledBundle> {
  const parts = await segmentMembers();
  return assembleBundle({
    format: BUNDLE_FORMAT,
    kind: 'history-segment',
    subject: { type: 'height-range', id: `${parts.from}:${parts.to}`, chain_id: CHAIN, height: parts.to },
    tool: { name: 'charter-console', version: 'test' },
    members: mutate ? mutate(parts.members) : parts.members,
    signer: { key_id: signer.keyId, scheme: 'ed25519', public_key: signer.publicKeyHex, sign: (m) => signer.sign(m) },
  });
}

// ─── the v1 custody case, as it was (tests/fixtures/bundle/custody-case-v1.zip) ──

/** The v1 example's simplified header (not the devnet's shape); kept so the v1 fixture rebuilds byte for byte. */
function v1HeaderAt(height: number, appHash: string, lastBlockHash: string): Record<string, unknown> {
  return {
    version: { block: '11', app: '1' },
    chain_id: CHAIN,
    height: String(height),
    time: `2026-01-01T00:00:0${height}Z`,
    last_block_id: { hash: lastBlockHash, parts: { total: 1, hash: '0'.repeat(64) } },
    data_hash: 'D'.repeat(64),
    app_hash: appHash,
    proposer_address: validatorAddressOf(VALIDATOR_KEY.publicKey),
  };
}

function v1CommitOf(header: unknown, key: TestKey = VALIDATOR_KEY): { validator_address: string; timestamp: string; signature_base64: string }[] {
  return [
    {
      validator_address: validatorAddressOf(key.publicKey),
      timestamp: (header as { time: string }).time,
      signature_base64: Buffer.from(key.sign(headerSigningBytes(header))).toString('base64'),
    },
  ];
}

function v1BlockDoc(roots: { appHash: string; resultAppHash: string }, signer: TestKey = VALIDATOR_KEY): Record<string, unknown> {
  const header = v1HeaderAt(6, roots.appHash, '5'.repeat(64));
  const hash = toHex(headerSigningBytes(header)).toUpperCase();
  const next = v1HeaderAt(7, roots.resultAppHash, hash);
  return {
    height: 6,
    hash,
    time: header['time'],
    chain_id: CHAIN,
    app_hash: roots.appHash,
    result_app_hash: roots.resultAppHash,
    last_block_hash: '5'.repeat(64),
    data_hash: 'D'.repeat(64),
    proposer_address: validatorAddressOf(signer.publicKey),
    validator_signatures: v1CommitOf(header, signer),
    header,
    next_header: next,
    next_validator_signatures: v1CommitOf(next, signer),
  };
}

/** The members of the v1 worked example, exactly as they were built before v2 (no request state proof, no witness). */
export async function caseMembersV1(): Promise<CaseParts> {
  const chain = executedChain();
  const { requestId, createHash, approveHash } = chain;
  const request = requestRecord(chain);
  const b6 = chain.blocks[5]!;
  const createTx = chain.blocks[4]!.txs[0]!;
  const approveTx = b6.txs[0]!;
  const log = receiptLog(chain.blocks, CHECKPOINT_HEIGHT);
  const size = log.sizeAt(CHECKPOINT_HEIGHT);
  const seq = log.seqOf.get(approveHash)!;
  const idx = mmrIndex(seq);
  const sc = await checkpointAt(log, CHECKPOINT_HEIGHT, false);
  const block = v1BlockDoc({ appHash: chain.blocks[4]!.resultAppHash, resultAppHash: b6.resultAppHash });
  const v = chain.vaultAt6;
  const stateProof = { height: 6, app_hash: v.app_hash, block_hash: block['hash'], key: v.key, value: v.value, proof: v.proof };
  const members: BundleMemberInput[] = [
    { path: CASE_PATHS.request, artifact_type: ARTIFACT_TYPES.request, bytes: json(request) },
    { path: CASE_PATHS.tx(createHash), artifact_type: ARTIFACT_TYPES.signedTx, bytes: json(signedTxDoc(createHash, 5, createTx.env, INITIATOR)) },
    { path: CASE_PATHS.tx(approveHash), artifact_type: ARTIFACT_TYPES.signedTx, bytes: json(signedTxDoc(approveHash, 6, approveTx.env, APPROVER)) },
    { path: CASE_PATHS.block, artifact_type: ARTIFACT_TYPES.block, bytes: json(block) },
    { path: CASE_PATHS.policy, artifact_type: ARTIFACT_TYPES.policy, bytes: json({ vault_id: VAULT, policy: v.value.policy, as_of: 6 }) },
    { path: CASE_PATHS.stateProof, artifact_type: ARTIFACT_TYPES.stateProof, bytes: json(stateProof) },
    { path: CASE_PATHS.receipt, artifact_type: ARTIFACT_TYPES.receipt, bytes: json(log.receipts[seq]) },
    {
      path: CASE_PATHS.inclusion,
      artifact_type: ARTIFACT_TYPES.inclusionProof,
      bytes: json({ mmr_index: idx, size, path: inclusionProof(log.store, idx, size).map(toHex) }),
    },
    { path: CASE_PATHS.checkpoint, artifact_type: ARTIFACT_TYPES.checkpoint, bytes: json(sc) },
  ];
  return { members, requestId, height: 6 };
}

/** The v1 worked example (manifest format charter.bundle/v1). */
export async function caseBundleV1(): Promise<AssembledBundle> {
  const parts = await caseMembersV1();
  return assembleBundle({
    format: BUNDLE_FORMAT_V1,
    kind: 'custody-case',
    subject: { type: 'withdrawal', id: parts.requestId, chain_id: CHAIN, height: parts.height },
    tool: { name: 'charter-console', version: 'test' },
    members: parts.members,
    signer: { key_id: CONSOLE_KEY.keyId, scheme: 'ed25519', public_key: CONSOLE_KEY.publicKeyHex, sign: (m) => CONSOLE_KEY.sign(m) },
  });
}

// ─── hand-written zips ──────────────────────────────────────────────────────

export interface CraftEntry {
  name: string | Buffer;
  data: Uint8Array;
  /** 0 stored, 8 deflate (default 8). */
  method?: number;
  /** Unix mode (default 0o100644) — written into the external attributes with "made by" Unix. */
  mode?: number;
  /** Override the external attributes entirely. */
  externalAttributes?: number;
  versionMadeBy?: number;
  /** Lie about the inflated size in both headers. */
  declaredSize?: number;
  /** General purpose flags (default 0x800, UTF-8 names). */
  flags?: number;
  /** A different name in the local header than in the central directory. */
  localName?: string;
  /** Extra field bytes, written into both headers. */
  extra?: Buffer;
  /** Written as a local entry only: the central directory does not list it (what a streaming reader would still extract). */
  hidden?: boolean;
}

/** Write a zip by hand: local headers, data, central directory, end record. */
export function craftZip(entries: CraftEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : e.name;
    const method = e.method ?? 8;
    const raw = Buffer.from(e.data);
    const body = method === 8 ? zlib.deflateRawSync(raw) : raw;
    const crc = zlib.crc32(raw);
    const size = e.declaredSize ?? raw.length;
    const flags = e.flags ?? 0x800;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(flags, 6);
    lh.writeUInt16LE(method, 8);
    lh.writeUInt16LE(0, 10);
    lh.writeUInt16LE(0x21, 12);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(size, 22);
    const lname = e.localName !== undefined ? Buffer.from(e.localName, 'utf8') : name;
    lh.writeUInt16LE(lname.length, 26);
    const extra = e.extra ?? Buffer.alloc(0);
    lh.writeUInt16LE(extra.length, 28);
    locals.push(lh, lname, extra, body);
    if (e.hidden) {
      offset += 30 + lname.length + extra.length + body.length;
      continue;
    }
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(e.versionMadeBy ?? (3 << 8) | 20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(flags, 8);
    ch.writeUInt16LE(method, 10);
    ch.writeUInt16LE(0, 12);
    ch.writeUInt16LE(0x21, 14);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(size, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt16LE(extra.length, 30);
    ch.writeUInt16LE(0, 32);
    ch.writeUInt16LE(0, 34);
    ch.writeUInt16LE(0, 36);
    ch.writeUInt32LE(e.externalAttributes ?? ((e.mode ?? 0o100644) << 16) >>> 0, 38);
    ch.writeUInt32LE(offset, 42);
    centrals.push(ch, name, extra);
    offset += 30 + lname.length + extra.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const listed = entries.filter((e) => !e.hidden).length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(listed, 8);
  end.writeUInt16LE(listed, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** The files of an assembled bundle as craft entries, in path order. */
export function entriesOf(files: Map<string, Uint8Array>): CraftEntry[] {
  return [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, data]) => ({ name, data }));
}

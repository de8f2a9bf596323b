// Shared by the bundle tests, the fixture generator and the bench: a small,
// fully deterministic custody-case bundle (synthetic chain "charter-test",
// the engine's public test keys), a trust file for it, and a hand-written zip
// writer for archives yazl refuses to produce (symlinks, duplicate names,
// lying sizes, traversal paths).
import zlib from 'node:zlib';
import { canonicalJson, fromUtf8, toHex, utf8 } from '../../core/codec/index.js';
import { CustodyEngine } from '../../core/engine/engine.js';
import { testGenesis, testKey, buildTx, type TestKey } from '../../core/engine/testkit.js';
import type { TxBodies, TxResult, TxType, VaultRecord, WithdrawalRecord } from '../../core/engine/types.js';
import { signCheckpoint, type Checkpoint, type SignedCheckpoint, type TrustFile } from '../../core/evidence/checkpoint.js';
import { MemoryMmrStore, addLeafHash, inclusionProof, mmrIndex, peaks } from '../../core/evidence/mmr.js';
import { GENESIS_ROOT, eventsDigest, makeReceipt, receiptDigest, type Receipt } from '../../core/evidence/receipts.js';
import { receiptEvents, receiptResultOf } from '../../main/devnet/evidence.js';
import { ARTIFACT_TYPES, CASE_PATHS, assembleBundle, headerSigningBytes, validatorAddressOf, type AssembledBundle, type BundleMemberInput } from '../../core/evidence/bundle/index.js';
import { requestIdOf } from '../../core/tx/envelope.js';
import { txHashOf } from '../../core/codec/index.js';

export const CHAIN = 'charter-test';
export const INITIATOR = testKey(1);
export const APPROVER = testKey(2);
/** The "console key": signs the attestation and the checkpoint. */
export const CONSOLE_KEY = testKey(9);
export const SECOND_KEY = testKey(10);

const json = (v: unknown) => utf8(canonicalJson(v));

export function trustFor(keys: TestKey[], over: Partial<TrustFile> = {}, keyOver: Record<string, unknown> = {}): TrustFile {
  return {
    version: 1,
    log_id: CHAIN,
    quorum: 1,
    keys: keys.map((k) => ({ key_id: k.keyId, scheme: 'ed25519' as const, public_key: k.publicKeyHex, valid_from_height: 0, ...keyOver })),
    ...over,
  };
}

/** The worked example's validator: the console key (as on the devnet, where the validator key also signs checkpoints). */
export const VALIDATOR_KEY = CONSOLE_KEY;

/** A block header in the devnet's shape (main/devnet/node.ts); its hash is SHA-256(JCS(header)). */
export function headerAt(height: number, appHash: string, lastBlockHash: string): Record<string, unknown> {
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

function commitOf(header: unknown, key: TestKey = VALIDATOR_KEY): { validator_address: string; timestamp: string; signature_base64: string }[] {
  return [{ validator_address: validatorAddressOf(key.publicKey), timestamp: (header as { time: string }).time, signature_base64: Buffer.from(key.sign(headerSigningBytes(header))).toString('base64') }];
}

/** The state roots before and after block 6 of the worked example's chain (executedChain). */
let workedRoots: { appHash: string; resultAppHash: string } | undefined;
const WORKED_ROOTS = new Proxy({} as { appHash: string; resultAppHash: string }, {
  get(_t, k: 'appHash' | 'resultAppHash') {
    if (!workedRoots) {
      const c = executedChain();
      workedRoots = { appHash: c.blocks[4]!.resultAppHash, resultAppHash: c.blocks[5]!.resultAppHash };
    }
    return workedRoots[k];
  },
});

/**
 * block.json of the worked example: block 6 with its header and the
 * validator's signature, and block 7's signed header whose app_hash is block
 * 6's result_app_hash. `over` replaces fields after signing (for failing cases).
 */
export function signedBlockDoc(over: Record<string, unknown> = {}, signer: TestKey = VALIDATOR_KEY, roots: { appHash: string; resultAppHash: string } = WORKED_ROOTS): Record<string, unknown> {
  const header = headerAt(6, roots.appHash, '5'.repeat(64));
  const hash = toHex(headerSigningBytes(header)).toUpperCase();
  const next = headerAt(7, roots.resultAppHash, hash);
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
    validator_signatures: commitOf(header, signer),
    header,
    next_header: next,
    next_validator_signatures: commitOf(next, signer),
    ...over,
  };
}

export interface CaseParts {
  members: BundleMemberInput[];
  requestId: string;
  height: number;
}

/** The worked example's vault, its asset and the amount withdrawn. */
const VAULT = 'treasury';
const POLICY = { approvers: [APPROVER.keyId], threshold: 1 };

interface ChainBlock {
  height: number;
  time: string;
  txs: { bytes: Uint8Array; hash: string; env: unknown; result: TxResult }[];
  /** State root after the block (the next header's app_hash), upper-case hex. */
  resultAppHash: string;
}

/**
 * The chain behind the worked example, executed by the real custody engine
 * from the test genesis (key 1 is its admin): block 1 registers key 2, block 2
 * creates the vault (key 2 approves, 1 of 1), block 3 funds it, block 4 is
 * empty, key 1 requests the withdrawal at block 5 and key 2's approval
 * executes it at block 6; block 7 carries three more transactions. Every app
 * hash, the request record and the policy's state proof at height 6 are the
 * engine's own, so the state proof verifies against the signed
 * result_app_hash of block 6.
 */
function executedChain(): { blocks: ChainBlock[]; engine: CustodyEngine; requestId: string; createHash: string; approveHash: string; vaultProofAt6: Uint8Array } {
  const engine = new CustodyEngine(testGenesis());
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
  ];
  let requestId = '';
  let createHash = '';
  let approveHash = '';
  let vaultProofAt6: Uint8Array = new Uint8Array();
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
      // The vault entry and its proof as they are after block 6 (the devnet's /explorer/state-proof).
      const q = engine.query({ path: `/proof/vault/${VAULT}` });
      if (q.code !== 0) throw new Error(`worked example: /proof/vault/${VAULT}: ${q.log}`);
      vaultProofAt6 = q.value;
    }
    blocks.push({ height, time, txs: out, resultAppHash: toHex(engine.info().lastBlockAppHash).toUpperCase() });
  });
  return { blocks, engine, requestId, createHash, approveHash, vaultProofAt6 };
}

/** The members of the worked-example custody case. */
export async function caseMembers(): Promise<CaseParts> {
  const chain = executedChain();
  const { engine, requestId, createHash, approveHash } = chain;
  const query = <T>(path: string): T => {
    const r = engine.query({ path });
    if (r.code !== 0) throw new Error(`worked example: ${path}: ${r.log}`);
    return JSON.parse(fromUtf8(r.value)) as T;
  };
  const request = query<WithdrawalRecord>(`/request/${requestId}`);
  if (request.status !== 'executed' || request.executed_at !== 6 || request.created_at !== 5) throw new Error(`worked example: the request is ${request.status} at ${String(request.executed_at)}`);
  const b6 = chain.blocks[5]!;
  const createTx = chain.blocks[4]!.txs[0]!;
  const approveTx = b6.txs[0]!;
  const signed = (hash: string, height: number, env: unknown, k: TestKey) => ({ tx_hash: hash, height, envelope: env, signer: { key_id: k.keyId, scheme: 'ed25519', public_key: k.publicKeyHex, label: `test key ${k.keyId.slice(0, 6)}` } });

  // The receipt chain as the devnet writes it (main/devnet/evidence.ts): one per transaction, in block order.
  let prev = GENESIS_ROOT;
  const receipts: Receipt[] = [];
  const store = new MemoryMmrStore();
  let seq = 0;
  let approveSeq = -1;
  for (const b of chain.blocks) {
    for (const t of b.txs) {
      const r = makeReceipt(prev, { seq, height: b.height, tx_digest: t.hash.toLowerCase(), result: receiptResultOf(t.result.code, t.result.codespace), events_digest: eventsDigest(receiptEvents(t.result.events)) });
      if (t.hash === approveHash) approveSeq = seq;
      receipts.push(r);
      prev = r.next_root;
      addLeafHash(store, receiptDigest(r));
      seq++;
    }
  }
  const size = store.size();
  const receipt = receipts[approveSeq] as Receipt;
  const checkpoint: Checkpoint = { log_id: CHAIN, mmr_size: size, peaks: peaks(store, size).map(toHex), height: 7, time: '2026-01-01T00:00:07Z' };
  const sc: SignedCheckpoint = { checkpoint, signatures: [await signCheckpoint(checkpoint, { key_id: CONSOLE_KEY.keyId, scheme: 'ed25519' }, CONSOLE_KEY.sign)] };
  const idx = mmrIndex(approveSeq);

  // Block 6 and the signed header of block 7, whose app_hash is block 6's result app hash.
  const block = signedBlockDoc({}, VALIDATOR_KEY, { appHash: chain.blocks[4]!.resultAppHash, resultAppHash: b6.resultAppHash });
  // The vault as it was after block 6, with its entry proof against that root: what the devnet's
  // /explorer/state-proof answers (main/devnet/history.ts).
  const proven = JSON.parse(fromUtf8(chain.vaultProofAt6)) as { height: number; app_hash: string; key: string; value: VaultRecord; proof: unknown };
  if (proven.app_hash !== b6.resultAppHash) throw new Error('worked example: the state proof is not against block 6\'s result app hash');
  const stateProof = { height: 6, app_hash: proven.app_hash, block_hash: block['hash'], key: proven.key, value: proven.value, proof: proven.proof };
  const members: BundleMemberInput[] = [
    { path: CASE_PATHS.request, artifact_type: ARTIFACT_TYPES.request, bytes: json(request) },
    { path: CASE_PATHS.tx(createHash), artifact_type: ARTIFACT_TYPES.signedTx, bytes: json(signed(createHash, 5, createTx.env, INITIATOR)) },
    { path: CASE_PATHS.tx(approveHash), artifact_type: ARTIFACT_TYPES.signedTx, bytes: json(signed(approveHash, 6, approveTx.env, APPROVER)) },
    { path: CASE_PATHS.block, artifact_type: ARTIFACT_TYPES.block, bytes: json(block) },
    { path: CASE_PATHS.policy, artifact_type: ARTIFACT_TYPES.policy, bytes: json({ vault_id: VAULT, policy: proven.value.policy, as_of: 6 }) },
    { path: CASE_PATHS.stateProof, artifact_type: ARTIFACT_TYPES.stateProof, bytes: json(stateProof) },
    { path: CASE_PATHS.receipt, artifact_type: ARTIFACT_TYPES.receipt, bytes: json(receipt) },
    { path: CASE_PATHS.inclusion, artifact_type: ARTIFACT_TYPES.inclusionProof, bytes: json({ mmr_index: idx, size, path: inclusionProof(store, idx, size).map(toHex) }) },
    { path: CASE_PATHS.checkpoint, artifact_type: ARTIFACT_TYPES.checkpoint, bytes: json(sc) },
  ];
  return { members, requestId, height: 6 };
}

export async function caseBundle(mutate?: (m: BundleMemberInput[]) => BundleMemberInput[], signer: TestKey = CONSOLE_KEY): Promise<AssembledBundle> {
  const parts = await caseMembers();
  return assembleBundle({
    kind: 'custody-case',
    subject: { type: 'withdrawal', id: parts.requestId, chain_id: CHAIN, height: parts.height },
    tool: { name: 'charter-console', version: 'test' },
    members: mutate ? mutate(parts.members) : parts.members,
    signer: { key_id: signer.keyId, scheme: 'ed25519', public_key: signer.publicKeyHex, sign: (m) => signer.sign(m) },
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
    lh.writeUInt16LE(0, 28);
    locals.push(lh, lname, body);
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
    ch.writeUInt16LE(0, 30);
    ch.writeUInt16LE(0, 32);
    ch.writeUInt16LE(0, 34);
    ch.writeUInt16LE(0, 36);
    ch.writeUInt32LE(e.externalAttributes ?? ((e.mode ?? 0o100644) << 16) >>> 0, 38);
    ch.writeUInt32LE(offset, 42);
    centrals.push(ch, name);
    offset += 30 + lname.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** The files of an assembled bundle as craft entries, in path order. */
export function entriesOf(files: Map<string, Uint8Array>): CraftEntry[] {
  return [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, data]) => ({ name, data }));
}

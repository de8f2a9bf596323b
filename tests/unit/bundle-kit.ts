// Shared by the bundle tests, the fixture generator and the bench: a small,
// fully deterministic custody-case bundle (synthetic chain "charter-test",
// the engine's public test keys), a trust file for it, and a hand-written zip
// writer for archives yazl refuses to produce (symlinks, duplicate names,
// lying sizes, traversal paths).
import zlib from 'node:zlib';
import { canonicalJson, toHex, utf8 } from '../../core/codec/index.js';
import { testKey, buildTx, type TestKey } from '../../core/engine/testkit.js';
import type { WithdrawalRecord } from '../../core/engine/types.js';
import { signCheckpoint, type Checkpoint, type SignedCheckpoint, type TrustFile } from '../../core/evidence/checkpoint.js';
import { MemoryMmrStore, addLeafHash, inclusionProof, mmrIndex, peaks } from '../../core/evidence/mmr.js';
import { GENESIS_ROOT, makeReceipt, receiptDigest, type Receipt } from '../../core/evidence/receipts.js';
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

/**
 * block.json of the worked example: block 6 with its header and the
 * validator's signature, and block 7's signed header whose app_hash is block
 * 6's result_app_hash. `over` replaces fields after signing (for failing cases).
 */
export function signedBlockDoc(over: Record<string, unknown> = {}, signer: TestKey = VALIDATOR_KEY): Record<string, unknown> {
  const header = headerAt(6, 'A'.repeat(64), '5'.repeat(64));
  const hash = toHex(headerSigningBytes(header)).toUpperCase();
  const next = headerAt(7, 'B'.repeat(64), hash);
  return {
    height: 6,
    hash,
    time: header['time'],
    chain_id: CHAIN,
    app_hash: 'A'.repeat(64),
    result_app_hash: 'B'.repeat(64),
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

/** The members of the worked-example custody case. */
export async function caseMembers(): Promise<CaseParts> {
  const create = buildTx(INITIATOR, 'withdrawal.create', { vault_id: 'treasury', asset: 'BTC', amount: '1500', destination: 'bc1qexampledestination', memo: '' }, 1, { chain_id: CHAIN, expires_at: 100 });
  const requestId = requestIdOf(create.unsigned);
  const approve = buildTx(APPROVER, 'withdrawal.approve', { request_id: requestId }, 1, { chain_id: CHAIN, expires_at: 100 });
  const createHash = txHashOf(create.bytes);
  const approveHash = txHashOf(approve.bytes);
  const request: WithdrawalRecord = {
    request_id: requestId,
    vault_id: 'treasury',
    asset: 'BTC',
    amount: '1500',
    destination: 'bc1qexampledestination',
    memo: '',
    initiator: INITIATOR.keyId,
    created_at: 5,
    created_tx: createHash,
    approvals: [{ key_id: APPROVER.keyId, height: 6, tx_hash: approveHash }],
    status: 'executed',
    executed_at: 6,
    executed_tx: approveHash,
    failure: null,
  };
  const signed = (hash: string, height: number, env: unknown, k: TestKey) => ({ tx_hash: hash, height, envelope: env, signer: { key_id: k.keyId, scheme: 'ed25519', public_key: k.publicKeyHex, label: `test key ${k.keyId.slice(0, 6)}` } });
  // The receipt chain: three earlier transactions, the creation, the approval, three later ones.
  const bodies = [
    { height: 2, tx: 'aa'.repeat(32) },
    { height: 3, tx: 'bb'.repeat(32) },
    { height: 4, tx: 'cc'.repeat(32) },
    { height: 5, tx: createHash.toLowerCase() },
    { height: 6, tx: approveHash.toLowerCase() },
    { height: 6, tx: 'dd'.repeat(32) },
    { height: 7, tx: 'ee'.repeat(32) },
    { height: 7, tx: 'ff'.repeat(32) },
  ];
  let prev = GENESIS_ROOT;
  const receipts: Receipt[] = [];
  const store = new MemoryMmrStore();
  bodies.forEach((b, seq) => {
    const r = makeReceipt(prev, { seq, height: b.height, tx_digest: b.tx, result: { code: 0 }, events_digest: '00'.repeat(32) });
    receipts.push(r);
    prev = r.next_root;
    addLeafHash(store, receiptDigest(r));
  });
  const size = store.size();
  const receipt = receipts[4] as Receipt;
  const checkpoint: Checkpoint = { log_id: CHAIN, mmr_size: size, peaks: peaks(store, size).map(toHex), height: 7, time: '2026-01-01T00:00:07Z' };
  const sc: SignedCheckpoint = { checkpoint, signatures: [await signCheckpoint(checkpoint, { key_id: CONSOLE_KEY.keyId, scheme: 'ed25519' }, CONSOLE_KEY.sign)] };
  const idx = mmrIndex(4);
  const members: BundleMemberInput[] = [
    { path: CASE_PATHS.request, artifact_type: ARTIFACT_TYPES.request, bytes: json(request) },
    { path: CASE_PATHS.tx(createHash), artifact_type: ARTIFACT_TYPES.signedTx, bytes: json(signed(createHash, 5, create.env, INITIATOR)) },
    { path: CASE_PATHS.tx(approveHash), artifact_type: ARTIFACT_TYPES.signedTx, bytes: json(signed(approveHash, 6, approve.env, APPROVER)) },
    { path: CASE_PATHS.block, artifact_type: ARTIFACT_TYPES.block, bytes: json(signedBlockDoc()) },
    { path: CASE_PATHS.policy, artifact_type: ARTIFACT_TYPES.policy, bytes: json({ vault_id: 'treasury', policy: { approvers: [APPROVER.keyId], threshold: 1 }, as_of: 'export' }) },
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

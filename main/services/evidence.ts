/**
 * Evidence for an executed withdrawal: one canonical JSON (RFC 8785) document
 * with the request, every signed transaction behind it (creation and each
 * approval, with its envelope, signing digest, signature and public key), and
 * the block that executed it. No export time inside: the same request yields
 * the same bytes as long as its vault's policy is unchanged (the file carries
 * the policy in force at export; a later governance change makes a new file). A copy goes to the workspace's content-addressed
 * store (artifacts/<sha256>.json). Format: docs/formats/withdrawal-evidence.md.
 */
import { parseStrictJson } from '../../core/evidence/jcs.js';
import { canonicalJson, fromHex, sha256, sha256Hex, toHex, utf8 } from '../../core/codec/index.js';
import type { KeyBackends } from '../../hsm/registry.js';
import { CharterError } from '../../core/errors.js';
import type { KeyRecord, SignedEnvelope, VaultRecord, WithdrawalRecord } from '../../core/engine/types.js';
import { decodeTx, signingDigest, unsignedOf } from '../../core/tx/envelope.js';
import type { Workspace } from '../workspace/workspace.js';
import type { ChainConnection } from './chain.js';
import type { ExplorerService } from './explorer.js';
import {
  ARTIFACT_TYPES,
  CASE_PATHS,
  SEGMENT_PATHS,
  assembleBundle,
  type BundleMemberInput,
  type BundleSignerInput,
  type VerifyReport,
  type ZipEntryInput,
} from '../../core/evidence/bundle/index.js';
import { bundleZip, trustFromJson, verifyBundleBytes, type VerifyPhase } from '../evidence/bundles.js';
import { VERSION } from '../version.js';
import type { HistoricalStateProof, ReceiptView } from '../chain/custody-client.js';
import { merkleRoot } from '../../core/crypto/merkle.js';
import { verifyEntryProof } from '../../core/engine/state-root.js';
import { checkpointAccumulator, type SignedCheckpoint } from '../../core/evidence/checkpoint.js';
import { mmrIndex, verifyInclusion, verifyConsistency } from '../../core/evidence/mmr.js';
import { receiptDigest } from '../../core/evidence/receipts.js';

/** Most blocks one history segment holds (docs/formats/evidence-bundle.md §3.2). */
export const MAX_SEGMENT_BLOCKS = 10_000;
/**
 * Most receipts (= transactions) one history segment carries. Each receipt costs its JSON
 * (~350 bytes) in receipts.json and its inclusion path (up to ~40 hashes, ~2.7 kB) in
 * proofs/receipts-inclusion.json: 20,000 keep that member well under the 64 MiB a verifier
 * reads of one member (main/evidence/zip-read.ts).
 */
export const MAX_SEGMENT_RECEIPTS = 20_000;
/** The node's page sizes (at most 1,000 a call). */
export const RECEIPT_PAGE = 1000;
const CHECKPOINT_PAGE = 1000;

/** The value of a node call, or null when the node does not have it (NOT_FOUND / NOT_IN_STATE / an older node without the route). */
async function optional<T>(f: () => Promise<T>): Promise<T | null> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof CharterError && (e.code === 'NOT_FOUND' || e.code === 'NOT_IN_STATE' || e.code === 'NODE_ERROR')) return null;
    throw e;
  }
}

export const WITHDRAWAL_EVIDENCE_FORMAT = 'charter.evidence.withdrawal/v1';

interface SignedTxEvidence {
  tx_hash: string;
  height: number;
  envelope: SignedEnvelope;
  signing_digest: string;
  signer: { key_id: string; scheme: string; public_key: string; label: string };
  signature: string;
}

/** Who signs bundle attestations: the console's signing key (the devnet validator on the embedded devnet), or null. */
export type BundleSignerSource = () => BundleSignerInput | null;

/** A local key chosen per build: resolves a key of the registry, unlocked with `secret` for this build only. */
export type KeySignerSource = (keyId: string, secret: string | undefined) => Promise<BundleSignerInput>;

/** The signer choice of one build: a registry key and its secret (never stored, never logged). */
export interface BundleSignerChoice {
  keyId: string;
  secret?: string;
}

/**
 * A bundle signer over a key of the registry (docs/formats/evidence-bundle.md §4):
 * the backend signs the DSSE PAE through SignRequest.attestationPae (Ed25519 over
 * PAE; ECDSA over SHA-256(PAE)). Software keys sign; the other backends refuse
 * with NOT_AVAILABLE, before anything is stored.
 */
export async function keyBundleSigner(backends: KeyBackends, keyId: string, secret: string | undefined): Promise<BundleSignerInput> {
  const { backend, info } = await backends.find(keyId);
  if (backend.kind !== 'software')
    throw new CharterError('NOT_AVAILABLE', `key ${keyId} is a ${backend.kind} key; bundle attestations are signed with software keys in this version`);
  return {
    key_id: info.keyId,
    scheme: info.scheme,
    public_key: info.publicKey,
    sign: (pae: Uint8Array) => backend.sign(keyId, { scheme: info.scheme, digest: sha256(pae), attestationPae: pae }, secret !== undefined ? { secret } : {}),
  };
}

export interface BuiltBundle {
  fileName: string;
  /** The zip, base64. */
  contentBase64: string;
  sha256: string;
  size: number;
  manifestSha256: string;
  members: number;
  /** Where the workspace's content-addressed store keeps a copy. */
  artifact: string;
  /**
   * What the bundle lacks that the node could not give at build time, each
   * naming the check it leaves unknown and when it will be there; empty when
   * the bundle carries everything its checks need.
   */
  missing: string[];
}

/** The setting holding the Evidence view's trust file: {name, sha256} of an artifact, or null. */
export const SETTING_TRUST_FILE = 'evidence.trustFile';

/** Bundles and uploads the console keeps in memory for the UI (member reads), newest last. */
const OPEN_BUNDLES = 4;
/** Largest bundle the console accepts over its contract; bigger ones are verified with the CLI. */
export const MAX_CONTRACT_BUNDLE_BYTES = 256 * 1024 * 1024;

export class EvidenceService {
  /** Entries of the bundles opened for the UI, by bundle id (sha256 of the zip). */
  private readonly open = new Map<string, Map<string, ZipEntryInput[]>>();
  private readonly uploads = new Map<string, Buffer[]>();

  constructor(
    private readonly chain: ChainConnection,
    private readonly ws: Workspace,
    private readonly explorer: ExplorerService,
    private readonly bundleSigner: BundleSignerSource = () => null,
    private readonly progress: (p: { jobId: string; phase: VerifyPhase; done: number; total: number }) => void = () => {},
    private readonly keySigner: KeySignerSource | null = null,
    /** What one segment carries at most, and the receipts asked of the node a call (smaller values let a test reach them). */
    private readonly limits: { maxSegmentReceipts: number; receiptPage: number } = { maxSegmentReceipts: MAX_SEGMENT_RECEIPTS, receiptPage: RECEIPT_PAGE },
  ) {}

  private async signedTx(hash: string): Promise<SignedTxEvidence> {
    const client = await this.chain.get();
    const t = await client.tx(hash);
    if (!t) throw new CharterError('NOT_FOUND', `the node has no transaction ${hash}`);
    if (t.result.code !== 0) throw new CharterError('NODE_ERROR', `transaction ${hash} did not succeed (code ${t.result.code})`);
    const env = decodeTx(t.bytes);
    const key = await client.query<KeyRecord>(`/key/${env.signer}`);
    if (!key) throw new CharterError('NODE_ERROR', `signer ${env.signer} of ${hash} is unknown to the node`);
    return {
      tx_hash: hash,
      height: t.height,
      envelope: env,
      signing_digest: toHex(signingDigest(unsignedOf(env))),
      signer: { key_id: key.key_id, scheme: key.scheme, public_key: key.public_key, label: key.label },
      signature: env.signature,
    };
  }

  async build(requestId: string): Promise<{ document: unknown; text: string; sha256: string }> {
    const client = await this.chain.get();
    const req = await client.query<WithdrawalRecord>(`/request/${requestId}`);
    if (!req) throw new CharterError('REQUEST_NOT_FOUND', `no withdrawal request ${requestId}`);
    // executed_tx is null when the engine executed the request by itself at a
    // block boundary (a timelock ran out): the block is then the execution.
    if (req.status !== 'executed' || req.executed_at === null) {
      throw new CharterError('REQUEST_NOT_PENDING', `request ${requestId} is ${req.status}; evidence is exported for executed withdrawals`);
    }
    const vault = await client.query<VaultRecord>(`/vault/${req.vault_id}`);
    const status = await client.status();
    const block = await client.block(req.executed_at);
    const resultAppHash = await this.explorer.resultAppHash(req.executed_at);
    const document = {
      format: WITHDRAWAL_EVIDENCE_FORMAT,
      chain_id: status.chainId,
      request: {
        request_id: req.request_id,
        vault_id: req.vault_id,
        asset: req.asset,
        amount: req.amount,
        destination: req.destination,
        memo: req.memo,
        initiator: req.initiator,
        status: req.status,
        created_at: req.created_at,
        executed_at: req.executed_at,
      },
      policy_at_export: vault ? { approvers: vault.policy.approvers, threshold: vault.policy.threshold } : null,
      creation: await this.signedTx(req.created_tx),
      approvals: await Promise.all(req.approvals.map((a) => this.signedTx(a.tx_hash))),
      execution: {
        /** The approval that executed it, or null when the block executed it (timelock). */
        tx_hash: req.executed_tx,
        by: req.executed_tx === null ? 'block' : 'transaction',
        block: {
          height: block.height,
          hash: block.hash,
          time: block.time,
          chain_id: block.chainId,
          /** Header app_hash: the state root after the previous block (CometBFT semantics). */
          app_hash: block.appHash,
          /** The state root after executing this block. */
          result_app_hash: resultAppHash,
          last_block_hash: block.lastBlockHash,
          data_hash: block.dataHash,
          proposer_address: block.proposer,
          validator_signatures: block.signatures.map((sig) => ({
            validator_address: sig.validatorAddress,
            timestamp: sig.timestamp,
            signature_base64: sig.signature,
          })),
        },
      },
      how_to_verify: [
        'For each signed transaction: recompute signing_digest = SHA-256("charter/tx/v1" || 0x00 || JCS(envelope without signature)) and check the signature with the public key under signer.scheme: ed25519 over the digest (strict RFC 8032); p256 ECDSA-SHA256 with the digest as the message, low-S; secp256k1 ECDSA over the EIP-712 digest of the envelope, low-S (docs/formats/transactions.md §9).',
        'Check that key_id = first 20 bytes of SHA-256(signer.scheme || 0x00 || public key).',
        'Check tx_hash = SHA-256(JCS(envelope)) in upper-case hex, and that the block at execution.block.height on the node has this hash and time.',
      ],
    };
    const text = canonicalJson(document);
    return { document, text, sha256: sha256Hex(utf8(text)) };
  }

  /** Build and keep a copy in the content-addressed store. */
  async exportWithdrawal(requestId: string): Promise<{ fileName: string; content: string; sha256: string; artifact: string }> {
    const { text, sha256 } = await this.build(requestId);
    let artifact: string;
    try {
      artifact = this.ws.artifacts.put(text, { type: WITHDRAWAL_EVIDENCE_FORMAT, subject: requestId, ext: '.json' }).file;
    } catch (e) {
      throw new CharterError('EXPORT_FAILED', `cannot store the evidence artifact: ${(e as Error).message}`);
    }
    return { fileName: `evidence-${requestId}.json`, content: text, sha256, artifact };
  }

  /**
   * A block as a bundle carries it (docs/formats/evidence-bundle.md §3): what the node's CometBFT
   * RPC serves, and, when the node has them,
   * - with `signed`: the signed header (the header whose SHA-256(JCS) is the block hash; a Charter
   *   devnet serves it at /explorer/block), next to the block's validator signatures;
   * - with `next`: block height+1's signed header and signatures, whose app_hash is this block's
   *   result_app_hash;
   * - with `txs`: the upper-case hex SHA-256 of each transaction, in block order, after checking
   *   that their Merkle root (CometBFT's, as the devnet's merkleRoot computes it) is the header's
   *   data_hash; a node whose transactions do not hash to it gets NODE_ERROR and nothing is built.
   */
  private async blockDocument(height: number, opts: { signed?: boolean; next?: boolean; txs?: boolean } = {}): Promise<Record<string, unknown>> {
    const client = await this.chain.get();
    const block = await client.block(height);
    const extra: Record<string, unknown> = {};
    let resultAppHash = '';
    if (opts.signed) {
      const eb = await optional(() => client.explorerBlock(height));
      if (eb && eb.header) extra['header'] = eb.header;
      if (eb && typeof eb.resultAppHash === 'string') resultAppHash = eb.resultAppHash;
      if (eb && opts.next) {
        const next = await optional(() => client.explorerBlock(height + 1));
        if (next && next.header && next.commit) {
          extra['next_header'] = next.header;
          extra['next_validator_signatures'] = [
            { validator_address: next.commit.validatorAddress, timestamp: next.commit.timestamp, signature_base64: next.commit.signature },
          ];
        }
      }
    }
    if (opts.txs) {
      const root = toHex(merkleRoot(block.txs.map((t) => sha256(t.bytes)))).toUpperCase();
      const header = extra['header'] as { data_hash?: unknown } | undefined;
      const claimed = [block.dataHash, ...(header ? [String(header.data_hash ?? '')] : [])];
      const wrong = claimed.find((d) => d.toUpperCase() !== root);
      if (wrong !== undefined) {
        throw new CharterError(
          'NODE_ERROR',
          `block ${height}: the Merkle root of the ${block.txs.length} transaction(s) the node serves is ${root}, but the block's data_hash is ${wrong}; the node's transactions are not the block's, so no bundle is built`,
          { height, data_hash: wrong, computed: root },
        );
      }
      extra['txs'] = block.txs.map((t) => t.hash.toUpperCase());
    }
    // With a signed header, the fields that repeat it are taken from it (the verifier requires them equal):
    // the RPC's block time is the same instant in CometBFT's nanosecond form.
    const signed = extra['header'] as { time?: unknown } | undefined;
    return {
      ...extra,
      height: block.height,
      hash: block.hash,
      time: signed && typeof signed.time === 'string' ? signed.time : block.time,
      chain_id: block.chainId,
      app_hash: block.appHash,
      result_app_hash: resultAppHash || (await this.explorer.resultAppHash(height)),
      last_block_hash: block.lastBlockHash,
      data_hash: block.dataHash,
      proposer_address: block.proposer,
      validator_signatures: block.signatures.map((sig) => ({
        validator_address: sig.validatorAddress,
        timestamp: sig.timestamp,
        signature_base64: sig.signature,
      })),
    };
  }
  /** The attestation signer of one build: the chosen registry key, else the console's own key. Checked before any node work. */
  private async signer(choice?: BundleSignerChoice): Promise<BundleSignerInput> {
    if (choice) {
      if (!this.keySigner) throw new CharterError('NOT_AVAILABLE', 'this console has no key registry to sign bundles with');
      return this.keySigner(choice.keyId, choice.secret);
    }
    const s = this.bundleSigner();
    if (!s)
      throw new CharterError(
        'NOT_AVAILABLE',
        "bundle attestations are signed with the console's signing key (the embedded devnet's validator key) or a local key chosen with --key / the key picker; this console has neither (docs/formats/evidence-bundle.md §4, §6)",
      );
    return s;
  }

  private async finish(
    kind: string,
    subject: { type: string; id: string; chain_id: string; height: number },
    members: BundleMemberInput[],
    fileName: string,
    signer: BundleSignerInput,
    missing: string[] = [],
  ): Promise<BuiltBundle> {
    const assembled = await assembleBundle({ kind, subject, tool: { name: 'charter-console', version: VERSION }, members, signer });
    const zip = await bundleZip(assembled);
    let sha256 = '';
    let artifact = '';
    try {
      const createdAt = new Date().toISOString();
      const about = `${subject.type} ${subject.id}`;
      this.ws.db.transaction(() => {
        ({ sha256, file: artifact } = this.ws.artifacts.put(zip, { type: `charter.bundle/v1+zip;kind=${kind}`, subject: about, ext: '.zip', createdAt }));
        // The members are artifacts too: keep each one, addressed by its digest.
        for (const m of assembled.manifest.members) {
          this.ws.artifacts.put(assembled.files.get(m.path) as Uint8Array, { type: m.artifact_type, subject: about, createdAt });
        }
      })();
    } catch (e) {
      throw new CharterError('EXPORT_FAILED', `cannot store the bundle in the workspace: ${(e as Error).message}`);
    }
    return {
      fileName,
      contentBase64: zip.toString('base64'),
      sha256,
      size: zip.length,
      manifestSha256: assembled.manifestSha256,
      members: assembled.manifest.members.length,
      artifact,
      missing,
    };
  }

  /**
   * A state entry after block `height`, with the node's proof against that block's result app hash
   * (GET /explorer/state-proof), checked here before anything is signed. A custody case needs it:
   * when the node cannot give it (no such route, NOT_FOUND, NOT_IN_STATE, HISTORY_MISMATCH…) the
   * build is refused with NOT_AVAILABLE naming the proof and why; a proof that does not hold is NODE_ERROR.
   */
  private async caseStateProof(requestId: string, height: number, key: string, what: string, resultAppHash: string): Promise<HistoricalStateProof> {
    const client = await this.chain.get();
    let p: HistoricalStateProof;
    try {
      p = await client.stateProofAt(height, key);
    } catch (e) {
      if (!(e instanceof CharterError) || e.code === 'NODE_UNREACHABLE') throw e;
      throw new CharterError(
        'NOT_AVAILABLE',
        `cannot build the custody case of ${requestId}: the node gives no state proof of ${key} at height ${height} (${e.code}: ${e.message}); a custody case carries ${what} as proven against block ${height}'s result app hash, so nothing was written or signed (a Charter devnet serves these proofs at /explorer/state-proof)`,
        { proof: key, height, cause: e.code },
      );
    }
    const where = `the node's state proof of ${key} at height ${height}`;
    if (!p || p.height !== height || p.key !== key || !p.proof || typeof p.app_hash !== 'string') {
      throw new CharterError('NODE_ERROR', `${where} is for ${String(p?.key)} at height ${String(p?.height)}; nothing was written or signed`, {
        proof: key,
        height,
      });
    }
    if (resultAppHash === '') {
      throw new CharterError(
        'NOT_AVAILABLE',
        `cannot build the custody case of ${requestId}: the result app hash of block ${height} is not known yet (the node has not made block ${height + 1}), so ${where} cannot be tied to the block; build the case again once block ${height + 1} is there`,
        { proof: key, height },
      );
    }
    if (p.app_hash.toUpperCase() !== resultAppHash.toUpperCase()) {
      throw new CharterError(
        'NODE_ERROR',
        `${where} is against app hash ${p.app_hash}, but block ${height}'s result app hash is ${resultAppHash}; nothing was written or signed`,
        { proof: key, height },
      );
    }
    if (!verifyEntryProof(p.app_hash.toLowerCase(), key, p.value, p.proof)) {
      throw new CharterError('NODE_ERROR', `${where} does not lead to app hash ${p.app_hash}; nothing was written or signed`, { proof: key, height });
    }
    return p;
  }

  /**
   * From the node's signed checkpoints (GET /explorer/checkpoints, newest first, paged): the
   * oldest at or above height `high` and the newest below height `low`, each re-read as the node
   * serves it alone (GET /explorer/checkpoint?height=…, which carries its cosignatures); null when
   * the node serves no checkpoints at all. `oldest` is the height of the oldest checkpoint seen.
   */
  private async checkpointsAround(
    low: number,
    high: number,
  ): Promise<{ atOrAbove: SignedCheckpoint | null; below: SignedCheckpoint | null; every: number; oldest: number | null } | null> {
    const client = await this.chain.get();
    let atOrAbove: SignedCheckpoint | null = null;
    let below: SignedCheckpoint | null = null;
    let oldest: number | null = null;
    let every = 0;
    let before: number | undefined;
    for (;;) {
      const page = await optional(() => client.checkpoints({ ...(before !== undefined ? { before } : {}), limit: CHECKPOINT_PAGE }));
      if (!page) {
        if (before === undefined) return null;
        break;
      }
      every = page.every;
      for (const c of page.checkpoints) {
        oldest = c.checkpoint.height;
        if (c.checkpoint.height >= high) atOrAbove = c;
        else if (c.checkpoint.height < low) {
          below = c;
          break;
        }
      }
      if (below || page.nextBefore === null || page.checkpoints.length === 0) break;
      before = page.nextBefore;
    }
    const served = async (c: SignedCheckpoint | null): Promise<SignedCheckpoint | null> =>
      c ? ((await optional(() => client.checkpoint(c.checkpoint.height))) ?? c) : null;
    return { atOrAbove: await served(atOrAbove), below: await served(below), every, oldest };
  }

  /** When the node signs its next checkpoint on its cadence, said for `missing`. */
  private nextCheckpointText(every: number | null, chainHeight: number, atLeast: number, issueError: string | null, what: string): string {
    const next = every ? Math.ceil(Math.max(chainHeight + 1, atLeast) / every) * every : null;
    return (
      (next !== null
        ? `; the node signs one every ${every} blocks, the next at height ${next} (the chain is at ${chainHeight}): build the ${what} again once it is there`
        : `; build the ${what} again once the node has signed a newer checkpoint`) + (issueError ? ` (the node could not issue one now: ${issueError})` : '')
    );
  }

  /** The node's inclusion proof of a receipt in MMR(size of `cp`), checked against cp's peaks before anything is signed. */
  private async receiptInclusion(r: ReceiptView, cp: SignedCheckpoint): Promise<{ mmr_index: number; size: number; path: string[] }> {
    const client = await this.chain.get();
    const size = cp.checkpoint.mmr_size;
    const p = await client.inclusionProof({ seq: r.seq }, size);
    const ok =
      p.size === size &&
      p.mmr_index === r.mmr_index &&
      r.mmr_index === mmrIndex(r.receipt.seq) &&
      Array.isArray(p.path) &&
      verifyInclusion(
        size,
        receiptDigest(r.receipt),
        r.mmr_index,
        p.path.map((x) => fromHex(x)),
        checkpointAccumulator(cp.checkpoint),
      );
    if (!ok)
      throw new CharterError(
        'NODE_ERROR',
        `the node's inclusion proof of receipt ${r.seq} (transaction ${r.tx_hash}) in MMR(${size}) does not lead to the peaks of its checkpoint at height ${cp.checkpoint.height}; nothing was written or signed`,
        { seq: r.seq, size },
      );
    return { mmr_index: p.mmr_index, size: p.size, path: p.path };
  }

  /** A custody-case bundle for an executed withdrawal (docs/formats/evidence-bundle.md §3.1). */
  async buildCase(requestId: string, choice?: BundleSignerChoice): Promise<BuiltBundle> {
    const client = await this.chain.get();
    const current = await client.query<WithdrawalRecord>(`/request/${requestId}`);
    if (!current) throw new CharterError('REQUEST_NOT_FOUND', `no withdrawal request ${requestId}`);
    if (current.status !== 'executed' || current.executed_at === null) {
      throw new CharterError('REQUEST_NOT_PENDING', `request ${requestId} is ${current.status}; bundles are built for executed withdrawals`);
    }
    const signer = await this.signer(choice);
    const executedAt = current.executed_at;
    // Right after execution an idle devnet has neither the next block (whose header signs this
    // block's result app hash) nor a checkpoint covering the receipt (one every N blocks): a
    // Charter devnet makes both on request (POST /explorer/checkpoint). Another node is asked
    // nothing more; what it lacks is named in `missing`.
    let issueError: string | null = null;
    try {
      await client.issueCheckpoint(executedAt);
    } catch (e) {
      if (!(e instanceof CharterError)) throw e;
      issueError = e.message;
    }
    const status = await client.status();
    const json = (v: unknown) => utf8(canonicalJson(v));
    const missing: string[] = [];
    const blockDoc = await this.blockDocument(executedAt, { signed: true, next: true });
    const resultAppHash = String(blockDoc['result_app_hash'] ?? '');
    // The request and the vault's policy as the chain held them after the execution block, both
    // proven against that block's result app hash. request.json and policy.json are made FROM the
    // proven values, so they cannot say anything else.
    const requestProof = await this.caseStateProof(requestId, executedAt, `request/${requestId}`, 'the request record', resultAppHash);
    const req = requestProof.value as WithdrawalRecord;
    if (!req || typeof req !== 'object' || req.request_id !== requestId || req.status !== 'executed' || req.executed_at !== executedAt) {
      throw new CharterError(
        'NODE_ERROR',
        `the node's proven record of ${requestId} at height ${executedAt} is not the request executed at that height (${String(req?.status)} at ${String(req?.executed_at)}); nothing was written or signed`,
      );
    }
    const policyProof = await this.caseStateProof(requestId, executedAt, `vault/${req.vault_id}`, `the policy of vault ${req.vault_id}`, resultAppHash);
    const vault = policyProof.value as VaultRecord | null;
    if (!vault || typeof vault !== 'object' || !vault.policy)
      throw new CharterError('NODE_ERROR', `the node's proven vault/${req.vault_id} at height ${executedAt} holds no policy; nothing was written or signed`);

    const members: BundleMemberInput[] = [
      { path: CASE_PATHS.request, artifact_type: ARTIFACT_TYPES.request, bytes: json(requestProof.value) },
      { path: CASE_PATHS.requestState, artifact_type: ARTIFACT_TYPES.stateProof, bytes: json(requestProof) },
    ];
    const hashes = [req.created_tx, ...req.approvals.map((a) => a.tx_hash), ...(req.attestations ?? []).map((a) => a.tx_hash)];
    if (req.executed_tx) hashes.push(req.executed_tx);
    for (const h of [...new Set(hashes)]) {
      const t = await this.signedTx(h);
      members.push({ path: CASE_PATHS.tx(h), artifact_type: ARTIFACT_TYPES.signedTx, bytes: json(t) });
    }
    members.push({ path: CASE_PATHS.block, artifact_type: ARTIFACT_TYPES.block, bytes: json(blockDoc) });
    if (blockDoc['header'] === undefined)
      missing.push(
        `case.block.signature: the node serves no signed header of block ${executedAt} (a Charter devnet does; this node's blocks are checked by hash only)`,
      );
    else if (blockDoc['next_header'] === undefined)
      missing.push(
        `case.block.signature: block ${executedAt + 1} is not made yet, so block ${executedAt}'s result app hash is not covered by a signature; it will be once the node makes block ${executedAt + 1} (build the case again then)`,
      );
    members.push({
      path: CASE_PATHS.policy,
      artifact_type: ARTIFACT_TYPES.policy,
      bytes: json({ vault_id: req.vault_id, policy: vault.policy, as_of: executedAt }),
    });
    members.push({ path: CASE_PATHS.stateProof, artifact_type: ARTIFACT_TYPES.stateProof, bytes: json(policyProof) });

    // The receipt of the transaction that executed it (else the last one behind it), its
    // inclusion proof and the oldest signed checkpoint at or above the receipt's height: all three or none.
    const receiptTx = req.executed_tx ?? (hashes[hashes.length - 1] as string);
    const receipt = await optional(() => client.receipt({ tx: receiptTx }));
    const around = receipt ? await this.checkpointsAround(receipt.height, receipt.height) : null;
    const checkpoint = around?.atOrAbove ?? null;
    if (receipt && checkpoint) {
      const proof = await this.receiptInclusion(receipt, checkpoint);
      members.push({ path: CASE_PATHS.receipt, artifact_type: ARTIFACT_TYPES.receipt, bytes: json(receipt.receipt) });
      members.push({
        path: CASE_PATHS.inclusion,
        artifact_type: ARTIFACT_TYPES.inclusionProof,
        bytes: json({ mmr_index: proof.mmr_index, size: proof.size, path: proof.path }),
      });
      members.push({ path: CASE_PATHS.checkpoint, artifact_type: ARTIFACT_TYPES.checkpoint, bytes: json(checkpoint) });
    } else if (!receipt) {
      missing.push(
        `proofs.receipt, proofs.inclusion, checkpoint.quorum, checkpoint.witnesses: the node serves no receipt of ${receiptTx} (it keeps no evidence log), so the bundle has no receipt, inclusion proof or checkpoint`,
      );
    } else {
      // The node signs checkpoints on a cadence and could not issue one now: say when the next comes.
      missing.push(
        `proofs.receipt, proofs.inclusion, checkpoint.quorum, checkpoint.witnesses: no signed checkpoint covers block ${receipt.height} yet, so the bundle has no receipt, inclusion proof or checkpoint` +
          this.nextCheckpointText(around?.every ?? null, status.height, receipt.height, issueError, 'case'),
      );
    }
    return this.finish(
      'custody-case',
      { type: 'withdrawal', id: requestId, chain_id: status.chainId, height: executedAt },
      members,
      `bundle-${requestId}.zip`,
      signer,
      missing,
    );
  }

  /**
   * A history-segment bundle: the blocks of heights from..to, each with its transactions' hashes
   * and signed header, the receipts of exactly those transactions with their inclusion proofs in
   * the oldest checkpoint at or above `to`, and a consistency proof from the newest checkpoint
   * below `from` (docs/formats/evidence-bundle.md §3.2).
   */
  async buildSegment(from: number, to: number, choice?: BundleSignerChoice): Promise<BuiltBundle> {
    if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 1 && to >= from))
      throw new CharterError('INVALID_INPUT', `not a height range: ${from}:${to}`);
    if (to - from >= MAX_SEGMENT_BLOCKS)
      throw new CharterError(
        'INVALID_INPUT',
        `a segment holds at most ${MAX_SEGMENT_BLOCKS.toLocaleString('en-US')} blocks; ${from}:${to} is ${to - from + 1}`,
      );
    const client = await this.chain.get();
    const before = await client.status();
    if (to > before.height) throw new CharterError('NOT_FOUND', `the node is at height ${before.height}; no block ${to} yet`);
    const signer = await this.signer(choice);
    // As for a case: a Charter devnet makes block to+1 (whose header signs to's result app hash)
    // and a checkpoint covering `to` when they are missing; another node is asked nothing more.
    let issueError: string | null = null;
    try {
      await client.issueCheckpoint(to);
    } catch (e) {
      if (!(e instanceof CharterError)) throw e;
      issueError = e.message;
    }
    const status = await client.status();
    const json = (v: unknown) => utf8(canonicalJson(v));
    const members: BundleMemberInput[] = [];
    const missing: string[] = [];
    /** The range's transactions, block after block: lower-case, as receipts name them. */
    const txs: string[] = [];
    let unsigned = 0;
    let lastDoc: Record<string, unknown> = {};
    for (let h = from; h <= to; h++) {
      const doc = await this.blockDocument(h, { signed: true, next: h === to, txs: true });
      if (doc['header'] === undefined) unsigned++;
      txs.push(...(doc['txs'] as string[]).map((t) => t.toLowerCase()));
      if (txs.length > this.limits.maxSegmentReceipts) {
        throw new CharterError(
          'INVALID_INPUT',
          `blocks ${from}–${h} already hold ${txs.length} transactions; a history segment carries at most ${this.limits.maxSegmentReceipts.toLocaleString('en-US')} receipts (one per transaction), so build ${from}:${to} as smaller segments`,
          { from, to, at: h },
        );
      }
      members.push({ path: SEGMENT_PATHS.block(h), artifact_type: ARTIFACT_TYPES.block, bytes: json(doc) });
      lastDoc = doc;
    }
    if (unsigned > 0)
      missing.push(
        `segment.headers, segment.signatures: the node serves no signed header of ${unsigned} of the ${to - from + 1} blocks (a Charter devnet does); those blocks are checked by hash and link only`,
      );
    else if (lastDoc['next_header'] === undefined)
      missing.push(
        `segment.signatures: block ${to + 1} is not made yet, so block ${to}'s result app hash is not covered by a signature; it will be once the node makes block ${to + 1} (build the segment again then)`,
      );

    // The receipts of exactly the range's transactions (paged: the node gives at most 1,000 a call).
    const receipts = await this.rangeReceipts(from, to);
    if (receipts === null) {
      missing.push(
        `segment.receipts, proofs.receipts, checkpoint.to.quorum, checkpoint.to.witnesses, proofs.consistency, checkpoint.from.quorum, checkpoint.from.witnesses: the node serves no receipts (it keeps no evidence log), so the bundle has no receipts, inclusion proofs or checkpoints`,
      );
    } else {
      const got = receipts.map((r) => r.receipt.tx_digest);
      if (got.length !== txs.length || got.some((d, i) => d !== txs[i])) {
        const i = got.findIndex((d, k) => d !== txs[k]);
        throw new CharterError(
          'NODE_ERROR',
          `the node's receipts of heights ${from}–${to} are not the blocks' transactions (${got.length} receipts for ${txs.length} transactions${i >= 0 ? `; the ${i + 1}. is of ${got[i]}, not ${String(txs[i])}` : ''}); nothing was written or signed`,
          { from, to },
        );
      }
      const around = await this.checkpointsAround(from, to);
      const toCp = around?.atOrAbove ?? null;
      if (!toCp) {
        missing.push(
          `segment.receipts, proofs.receipts, checkpoint.to.quorum, checkpoint.to.witnesses, proofs.consistency, checkpoint.from.quorum, checkpoint.from.witnesses: no signed checkpoint covers block ${to} yet, so the bundle has no receipts, inclusion proofs or checkpoints` +
            this.nextCheckpointText(around?.every ?? null, status.height, to, issueError, 'segment'),
        );
      } else {
        const size = toCp.checkpoint.mmr_size;
        const proofs: { mmr_index: number; path: string[] }[] = [];
        for (const r of receipts) {
          const p = await this.receiptInclusion(r, toCp);
          proofs.push({ mmr_index: p.mmr_index, path: p.path });
        }
        members.push({ path: SEGMENT_PATHS.receipts, artifact_type: ARTIFACT_TYPES.receipts, bytes: json(receipts.map((r) => r.receipt)) });
        members.push({ path: SEGMENT_PATHS.receiptsInclusion, artifact_type: ARTIFACT_TYPES.inclusionProofs, bytes: json({ size, proofs }) });
        members.push({ path: SEGMENT_PATHS.to, artifact_type: ARTIFACT_TYPES.checkpoint, bytes: json(toCp) });
        const fromCp = around?.below ?? null;
        if (!fromCp) {
          missing.push(
            `proofs.consistency, checkpoint.from.quorum, checkpoint.from.witnesses: the node has signed no checkpoint below height ${from}${around?.oldest != null ? ` (its oldest is at height ${around.oldest})` : ''}, so the bundle has no earlier checkpoint to show the log consistent with; a segment starting above that height carries one`,
          );
        } else {
          const cp = await optional(() => client.consistencyProof(fromCp.checkpoint.mmr_size, size));
          const ok =
            cp !== null &&
            cp.from_size === fromCp.checkpoint.mmr_size &&
            cp.to_size === size &&
            Array.isArray(cp.paths) &&
            verifyConsistency(
              cp.from_size,
              cp.to_size,
              checkpointAccumulator(fromCp.checkpoint),
              checkpointAccumulator(toCp.checkpoint),
              cp.paths.map((p) => p.map((x) => fromHex(x))),
            );
          if (cp !== null && !ok)
            throw new CharterError(
              'NODE_ERROR',
              `the node's consistency proof from MMR(${fromCp.checkpoint.mmr_size}) (checkpoint at height ${fromCp.checkpoint.height}) to MMR(${size}) (at height ${toCp.checkpoint.height}) does not verify; nothing was written or signed`,
            );
          if (cp === null)
            missing.push(
              `proofs.consistency, checkpoint.from.quorum, checkpoint.from.witnesses: the node serves no consistency proof from MMR(${fromCp.checkpoint.mmr_size}) to MMR(${size}), so the bundle has no earlier checkpoint`,
            );
          else {
            members.push({ path: SEGMENT_PATHS.from, artifact_type: ARTIFACT_TYPES.checkpoint, bytes: json(fromCp) });
            members.push({
              path: SEGMENT_PATHS.consistency,
              artifact_type: ARTIFACT_TYPES.consistencyProof,
              bytes: json({ from_size: cp.from_size, to_size: cp.to_size, paths: cp.paths }),
            });
          }
        }
      }
    }
    return this.finish(
      'history-segment',
      { type: 'height-range', id: `${from}:${to}`, chain_id: status.chainId, height: to },
      members,
      `segment-${from}-${to}.zip`,
      signer,
      missing,
    );
  }

  /**
   * Every receipt of heights from..to, in log order, or null when the node serves no receipts.
   * GET /explorer/receipts gives at most 1,000 a call: the first page by height, the rest by seq
   * from the last one seen, until a receipt above `to` (or the end of the log).
   */
  private async rangeReceipts(from: number, to: number): Promise<ReceiptView[] | null> {
    const client = await this.chain.get();
    const page = this.limits.receiptPage;
    const first = await optional(() => client.receipts({ fromHeight: from, toHeight: to, limit: page }));
    if (!first) return null;
    const out = [...first.receipts];
    let full = first.receipts.length === page;
    while (full && out.length <= this.limits.maxSegmentReceipts) {
      const last = out[out.length - 1] as ReceiptView;
      const next = await client.receipts({ from: last.seq + 1, limit: page });
      const inRange = next.receipts.filter((r) => r.height <= to);
      out.push(...inRange);
      full = next.receipts.length === page && inRange.length === next.receipts.length;
    }
    return out;
  }

  private remember(bytes: Uint8Array, entries: readonly ZipEntryInput[]): string {
    const id = sha256Hex(bytes);
    const byName = new Map<string, ZipEntryInput[]>();
    for (const e of entries) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
    this.open.delete(id);
    this.open.set(id, byName);
    while (this.open.size > OPEN_BUNDLES) this.open.delete(this.open.keys().next().value as string);
    return id;
  }

  /** Receive a bundle in pieces (the served console's messages are capped at 1 MiB). */
  uploadChunk(uploadId: string | undefined, chunkBase64: string): { uploadId: string; received: number } {
    const id = uploadId ?? `up-${sha256Hex(utf8(`${process.pid}:${process.hrtime.bigint()}`)).slice(0, 24)}`;
    const parts = this.uploads.get(id);
    if (uploadId && !parts) throw new CharterError('BUNDLE_NOT_OPEN', `no upload ${uploadId}`);
    const list = parts ?? [];
    list.push(Buffer.from(chunkBase64, 'base64'));
    const received = list.reduce((n, b) => n + b.length, 0);
    if (received > MAX_CONTRACT_BUNDLE_BYTES) {
      this.uploads.delete(id);
      throw new CharterError('BUNDLE_TOO_LARGE', `more than ${MAX_CONTRACT_BUNDLE_BYTES} bytes`);
    }
    this.uploads.set(id, list);
    while (this.uploads.size > OPEN_BUNDLES) this.uploads.delete(this.uploads.keys().next().value as string);
    return { uploadId: id, received };
  }

  /** Verify a bundle (bytes or a finished upload) in memory; nothing is written. */
  async verify(input: {
    contentBase64?: string;
    uploadId?: string;
    trust?: unknown;
    jobId?: string;
  }): Promise<VerifyReport & { bundleId: string; size: number }> {
    let bytes: Uint8Array;
    if (input.uploadId !== undefined) {
      const parts = this.uploads.get(input.uploadId);
      if (!parts) throw new CharterError('BUNDLE_NOT_OPEN', `no upload ${input.uploadId}`);
      this.uploads.delete(input.uploadId);
      bytes = new Uint8Array(Buffer.concat(parts));
    } else if (input.contentBase64 !== undefined) {
      bytes = new Uint8Array(Buffer.from(input.contentBase64, 'base64'));
    } else throw new CharterError('INVALID_INPUT', 'give contentBase64 or uploadId');
    if (bytes.length > MAX_CONTRACT_BUNDLE_BYTES)
      throw new CharterError('BUNDLE_TOO_LARGE', `${bytes.length} bytes; the console takes up to ${MAX_CONTRACT_BUNDLE_BYTES}`);
    const trust = input.trust === undefined || input.trust === null ? null : trustFromJson(input.trust);
    const jobId = input.jobId ?? '';
    let last = 0;
    const report = await verifyBundleBytes(bytes, {
      trust,
      onProgress: (phase, done, total) => {
        // At most ~100 events per phase.
        if (done === total || done - last >= Math.max(1, Math.floor(total / 100)) || done < last) {
          last = done;
          this.progress({ jobId, phase, done, total });
        }
      },
    });
    const { container, ...rest } = report;
    return { ...rest, bundleId: this.remember(bytes, container.entries), size: bytes.length };
  }

  /**
   * Keep a trust file for the Evidence view: parsed and checked first (nothing is
   * kept if it is refused), stored as an artifact, and its name and digest kept in
   * the setting evidence.trustFile so a reload restores it.
   */
  saveTrust(name: string, text: string): { name: string; sha256: string; size: number; trust: unknown } {
    let value: unknown;
    try {
      value = parseStrictJson(text); // strict (evidence-log.md §2): no duplicate keys, no byte-order mark
    } catch (e) {
      throw new CharterError('BUNDLE_TRUST_INVALID', `${name} is not JSON: ${(e as Error).message}`);
    }
    trustFromJson(value);
    const bytes = utf8(text);
    const sha256 = sha256Hex(bytes);
    this.ws.artifacts.put(bytes, { type: 'trust-file', subject: name, ext: '.json' });
    this.ws.setSetting(SETTING_TRUST_FILE, { name, sha256 });
    return { name, sha256, size: bytes.length, trust: value };
  }

  /**
   * The connected node's own trust file (GET /explorer/trust), kept as saveTrust keeps a
   * chosen one, under the name node-trust-<log id>.json. It is the node vouching for its
   * own keys: convenient on a devnet, no independent check for an auditor.
   */
  async nodeTrust(): Promise<{ name: string; sha256: string; size: number; trust: unknown }> {
    const client = await this.chain.get();
    const trust = await client.trustFile();
    const logId = typeof trust?.log_id === 'string' ? trust.log_id.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) : '';
    return this.saveTrust(logId ? `node-trust-${logId}.json` : 'node-trust.json', `${JSON.stringify(trust, null, 2)}\n`);
  }

  /** The kept trust file, or null (none chosen; its artifact missing, changed or no longer a valid trust file). */
  loadTrust(): { name: string; sha256: string; size: number; trust: unknown } | null {
    const saved = this.ws.getSetting<{ name?: unknown; sha256?: unknown }>(SETTING_TRUST_FILE);
    if (!saved || typeof saved.name !== 'string' || typeof saved.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(saved.sha256)) return null;
    const stored = this.ws.artifacts.get(saved.sha256, '.json');
    if (!stored || !stored.intact) return null;
    const bytes = stored.bytes;
    try {
      const value = parseStrictJson(bytes.toString('utf8'));
      trustFromJson(value);
      return { name: saved.name, sha256: saved.sha256, size: bytes.length, trust: value };
    } catch {
      return null;
    }
  }

  clearTrust(): { cleared: boolean } {
    const had = this.ws.getSetting(SETTING_TRUST_FILE) != null;
    this.ws.setSetting(SETTING_TRUST_FILE, null);
    return { cleared: had };
  }

  /** One entry of an open bundle, from memory (never from disk). */
  async readMember(
    bundleId: string,
    memberPath: string,
  ): Promise<{ path: string; size: number; sha256: string; text: string | null; base64: string | null; truncated: boolean }> {
    const entries = this.open.get(bundleId);
    if (!entries) throw new CharterError('BUNDLE_NOT_OPEN', `bundle ${bundleId.slice(0, 16)}… is not open; open it again`);
    const matches = entries.get(memberPath) ?? [];
    const e = matches[0];
    if (!e || matches.length > 1)
      throw new CharterError(
        'NOT_FOUND',
        matches.length > 1 ? `"${memberPath}" appears more than once in the bundle` : `the bundle has no entry "${memberPath}"`,
      );
    if (!e.data) throw new CharterError('NOT_FOUND', `the entry "${memberPath}" was refused: ${e.error?.reason ?? 'unreadable'}`);
    const MAX = 512 * 1024;
    const shown = e.data.subarray(0, MAX);
    let text: string | null = null;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(shown);
    } catch {
      text = null;
    }
    return {
      path: memberPath,
      size: e.data.length,
      sha256: sha256Hex(e.data),
      text,
      base64: text === null ? Buffer.from(shown).toString('base64') : null,
      truncated: e.data.length > MAX,
    };
  }
}

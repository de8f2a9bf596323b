/**
 * Evidence for an executed withdrawal: one canonical JSON (RFC 8785) document
 * with the request, every signed transaction behind it (creation and each
 * approval, with its envelope, signing digest, signature and public key), and
 * the block that executed it. No export time inside: the same request yields
 * the same bytes as long as its vault's policy is unchanged (the file carries
 * the policy in force at export; a later governance change makes a new file). A copy goes to the workspace's content-addressed
 * store (artifacts/<sha256>.json). Format: docs/formats/withdrawal-evidence.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson, sha256Hex, toHex, utf8 } from '../../core/codec/index.js';
import { CharterError } from '../../core/errors.js';
import type { KeyRecord, SignedEnvelope, VaultRecord, WithdrawalRecord } from '../../core/engine/types.js';
import { decodeTx, signingDigest, unsignedOf } from '../../core/tx/envelope.js';
import { writeFileAtomic, type Workspace } from '../workspace/workspace.js';
import type { ChainConnection } from './chain.js';
import { viaComet, type ExplorerService } from './explorer.js';

export const WITHDRAWAL_EVIDENCE_FORMAT = 'charter.evidence.withdrawal/v1';

interface SignedTxEvidence {
  tx_hash: string;
  height: number;
  envelope: SignedEnvelope;
  signing_digest: string;
  signer: { key_id: string; scheme: string; public_key: string; label: string };
  signature: string;
}

export class EvidenceService {
  constructor(
    private readonly chain: ChainConnection,
    private readonly ws: Workspace,
    private readonly explorer: ExplorerService,
  ) {}

  private async signedTx(hash: string): Promise<SignedTxEvidence> {
    const client = await this.chain.get();
    const t = await viaComet(`tx ${hash}`, () => client.comet.tx({ hash: Uint8Array.from(Buffer.from(hash, 'hex')) }), `the node has no transaction ${hash}`);
    if (t.result.code !== 0) throw new CharterError('NODE_ERROR', `transaction ${hash} did not succeed (code ${t.result.code})`);
    const env = decodeTx(t.tx);
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
    const artifact = path.join(this.ws.artifactsDir, `${sha256}.json`);
    try {
      if (!fs.existsSync(artifact)) writeFileAtomic(artifact, text, 0o644);
      this.ws.db
        .prepare('INSERT OR IGNORE INTO artifacts (sha256, artifact_type, size, subject, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(sha256, WITHDRAWAL_EVIDENCE_FORMAT, Buffer.byteLength(text), requestId, new Date().toISOString());
    } catch (e) {
      throw new CharterError('EXPORT_FAILED', `cannot store the evidence artifact: ${(e as Error).message}`);
    }
    return { fileName: `evidence-${requestId}.json`, content: text, sha256, artifact };
  }
}

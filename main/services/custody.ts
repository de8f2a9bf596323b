/**
 * Custody: vaults, faucet funding (devnet), withdrawal requests and approvals.
 * Every write is a signed transaction submitted to the node; every read is an
 * abci_query against committed state. Nothing is cached that could go stale.
 */
import type { Precheck, RequestView, VaultView } from '../../core/contract/index.js';
import { CharterError } from '../../core/errors.js';
import type { UnsignedEnvelope, VaultRecord, WithdrawalRecord } from '../../core/engine/types.js';
import { canonicalJson, toHex } from '../../core/codec/index.js';
import { requestIdOf, signingDigest } from '../../core/tx/envelope.js';
import type { CustodyNodes } from '../nodes/types.js';
import type { Authority } from '../authority/types.js';
import type { KeysService } from './keys.js';
import type { ExpectedEnvelope, SigningPreviewOut, Submitter, TxSigner } from './submit.js';

export function vaultView(v: VaultRecord): VaultView {
  return {
    vaultId: v.vault_id,
    name: v.name,
    policy: { approvers: [...v.policy.approvers], threshold: v.policy.threshold },
    balances: { ...v.balances },
    createdAt: v.created_at,
  };
}

export function requestView(r: WithdrawalRecord, threshold: number): RequestView {
  return {
    requestId: r.request_id,
    vaultId: r.vault_id,
    asset: r.asset,
    amount: r.amount,
    destination: r.destination,
    memo: r.memo,
    initiator: r.initiator,
    createdAt: r.created_at,
    createdTx: r.created_tx,
    approvals: r.approvals.map((a) => ({ keyId: a.key_id, height: a.height, txHash: a.tx_hash })),
    threshold,
    status: r.status,
    executedAt: r.executed_at,
    executedTx: r.executed_tx,
    failure: r.failure,
    cancelled: r.cancelled ? { by: r.cancelled.by, reason: r.cancelled.reason, height: r.cancelled.height } : null,
  };
}

export class CustodyService {
  constructor(
    private readonly nodes: CustodyNodes,
    private readonly submitter: Submitter,
    private readonly keys: KeysService,
    /** Who signs vault creation and funding, and a cancellation without a local key. */
    private readonly authority: Authority,
  ) {}

  async vault(vaultId: string): Promise<VaultRecord> {
    const v = await (await this.nodes.custody().get()).query<VaultRecord>(`/vault/${vaultId}`);
    if (!v) throw new CharterError('VAULT_NOT_FOUND', `no vault "${vaultId}"`);
    return v;
  }

  async listVaults(): Promise<VaultView[]> {
    const vs = (await (await this.nodes.custody().get()).query<VaultRecord[]>('/vaults')) ?? [];
    return vs.map(vaultView);
  }

  async createVault(input: {
    vaultId: string;
    name: string;
    approvers: string[];
    threshold: number;
  }): Promise<{ vault: VaultView; txHash: string; height: number }> {
    const admin = this.authority.signer('vault.create');
    // Everything that can be checked is checked before anything is signed, so a
    // refused vault registers no key on the way (a refused action changes nothing).
    const distinct = [...new Set(input.approvers)];
    if (distinct.length !== input.approvers.length) throw new CharterError('INVALID_POLICY', 'an approver is listed twice');
    if (input.threshold > distinct.length) {
      throw new CharterError('INVALID_POLICY', `threshold ${input.threshold} is more than the ${distinct.length} approvers`);
    }
    const client = await this.nodes.custody().get();
    if (await client.query<VaultRecord>(`/vault/${input.vaultId}`)) throw new CharterError('VAULT_EXISTS', `vault "${input.vaultId}" already exists`);
    const toRegister: string[] = [];
    for (const keyId of distinct) {
      if (await this.keys.isRegistered(keyId)) continue;
      await this.keys.info(keyId); // KEY_NOT_FOUND: neither on chain nor in this workspace
      toRegister.push(keyId);
    }
    // Approver keys of this workspace that the chain does not know yet are
    // registered (devnet admin), so a newcomer's 2-of-3 works at once.
    for (const keyId of toRegister) await this.keys.register(keyId);
    const res = await this.submitter.submit(
      'vault.create',
      { vault_id: input.vaultId, name: input.name, policy: { approvers: input.approvers, threshold: input.threshold } },
      admin,
    );
    return { vault: vaultView(await this.vault(input.vaultId)), txHash: res.txHash, height: res.height };
  }

  async fundVault(input: { vaultId: string; asset: string; amount: string }): Promise<{ vault: VaultView; txHash: string; height: number }> {
    const admin = this.authority.signer('vault.fund');
    const res = await this.submitter.submit('vault.fund', { vault_id: input.vaultId, asset: input.asset, amount: input.amount }, admin);
    return { vault: vaultView(await this.vault(input.vaultId)), txHash: res.txHash, height: res.height };
  }

  async getRequest(requestId: string): Promise<RequestView> {
    const r = await (await this.nodes.custody().get()).query<WithdrawalRecord>(`/request/${requestId}`);
    if (!r) throw new CharterError('REQUEST_NOT_FOUND', `no withdrawal request ${requestId}`);
    const v = await this.vault(r.vault_id);
    return requestView(r, v.policy.threshold);
  }

  async listRequests(vaultId?: string): Promise<RequestView[]> {
    const client = await this.nodes.custody().get();
    const rs = (await client.query<WithdrawalRecord[]>(vaultId ? `/requests?vault=${vaultId}` : '/requests')) ?? [];
    const thresholds = new Map<string, number>();
    for (const v of (await client.query<VaultRecord[]>('/vaults')) ?? []) thresholds.set(v.vault_id, v.policy.threshold);
    return rs.map((r) => requestView(r, thresholds.get(r.vault_id) ?? 0));
  }

  async createWithdrawal(input: {
    vaultId: string;
    asset: string;
    amount: string;
    destination: string;
    memo: string;
    keyId: string;
    /** Passphrase or PIN of the key (any backend); none for a Ledger key. */
    passphrase?: string | undefined;
  }): Promise<{ request: RequestView; txHash: string; height: number }> {
    let requestId = '';
    const res = await this.submitter.submit(
      'withdrawal.create',
      { vault_id: input.vaultId, asset: input.asset, amount: input.amount, destination: input.destination, memo: input.memo },
      this.keys.signerFor(input.keyId, input.passphrase),
      {
        before: (u) => {
          requestId = requestIdOf(u);
        },
      },
    );
    return { request: await this.getRequest(requestId), txHash: res.txHash, height: res.height };
  }

  /**
   * The engine's pre-check of a request: each control's verdict on the
   * committed state (engine query /precheck/<id>), changing nothing.
   */
  async precheck(requestId: string): Promise<Precheck> {
    const client = await this.nodes.custody().get();
    let answer: { ok: boolean; code: string | null; controls: Precheck['controls']; height?: number } | null;
    try {
      answer = await client.query(`/precheck/${requestId}`);
    } catch (e) {
      if (e instanceof CharterError && (e.code === 'UNKNOWN_QUERY' || (e.details as { engine_code?: unknown } | undefined)?.engine_code === 'UNKNOWN_QUERY')) {
        throw new CharterError(
          'NOT_AVAILABLE',
          'the connected custody engine has no pre-check (a node from before the policy controls); the node checks the request when it executes',
        );
      }
      throw e;
    }
    if (!answer) throw new CharterError('REQUEST_NOT_FOUND', `no withdrawal request ${requestId}`);
    const height = answer.height ?? (await client.abciInfo()).height;
    return { requestId, height, ok: answer.ok, code: answer.code, controls: answer.controls };
  }

  /**
   * Exactly what an approval by `keyId` would sign now: the unsigned envelope,
   * its canonical bytes and the signing digest. Approving with `expected` set
   * to this preview signs these bytes or nothing.
   */
  async previewApproval(input: { requestId: string; keyId: string }): Promise<{
    chainId: string;
    keyId: string;
    scheme: string;
    envelope: UnsignedEnvelope;
    canonical: string;
    signingDigest: string;
    nonce: number;
    expiresAt: number;
  }> {
    await this.getRequest(input.requestId); // REQUEST_NOT_FOUND before anything else
    const key = await this.keys.info(input.keyId);
    const unsigned = await this.submitter.prepare('withdrawal.approve', { request_id: input.requestId }, input.keyId);
    return {
      chainId: unsigned.chain_id,
      keyId: input.keyId,
      scheme: key.scheme,
      envelope: unsigned,
      canonical: canonicalJson(unsigned),
      signingDigest: toHex(signingDigest(unsigned)),
      nonce: unsigned.nonce,
      expiresAt: unsigned.expires_at,
    };
  }

  /**
   * Who signs a cancellation: a local key (the request's initiator, or a key
   * with the governance role: the engine decides) or, without keyId, the
   * devnet admin (admin and governance member of the embedded devnet).
   */
  private async cancelSigner(keyId: string | undefined, passphrase?: string): Promise<{ signer: TxSigner; scheme: string; asAdmin: boolean }> {
    if (keyId) {
      const info = await this.keys.info(keyId); // KEY_NOT_FOUND before anything is prepared
      return { signer: this.keys.signerFor(keyId, passphrase), scheme: info.scheme, asAdmin: false };
    }
    const admin = this.authority.signer('withdrawal.cancel');
    return { signer: admin, scheme: admin.scheme, asAdmin: true };
  }

  /** A request that can still be cancelled (pending or approved-and-waiting), else REQUEST_NOT_PENDING before anything is signed. */
  private async cancellable(requestId: string): Promise<RequestView> {
    const r = await this.getRequest(requestId);
    if (r.status !== 'pending' && r.status !== 'approved')
      throw new CharterError('REQUEST_NOT_PENDING', `request ${requestId} is ${r.status}; only a pending or approved request can be cancelled`);
    return r;
  }

  /** Exactly what cancelling `requestId` with `reason` would sign now (withdrawal.cancel). */
  async previewCancel(input: { requestId: string; reason: string; keyId?: string | undefined }): Promise<SigningPreviewOut<'withdrawal.cancel'>> {
    await this.cancellable(input.requestId);
    const { signer, scheme, asAdmin } = await this.cancelSigner(input.keyId);
    return this.submitter.preview('withdrawal.cancel', { request_id: input.requestId, reason: input.reason }, { keyId: signer.keyId, scheme, asAdmin });
  }

  /**
   * Cancel a pending or approved request. The engine decides who may (the
   * initiator of the request, a governance member or an admin: docs/policy.md);
   * with `expected`, exactly the previewed envelope is signed or nothing.
   */
  async cancel(input: {
    requestId: string;
    reason: string;
    keyId?: string | undefined;
    passphrase?: string | undefined;
    expected?: ExpectedEnvelope | undefined;
  }): Promise<{ request: RequestView; txHash: string; height: number }> {
    await this.cancellable(input.requestId);
    const { signer } = await this.cancelSigner(input.keyId, input.passphrase);
    const res = await this.submitter.submit(
      'withdrawal.cancel',
      { request_id: input.requestId, reason: input.reason },
      signer,
      input.expected ? { expected: input.expected } : {},
    );
    return { request: await this.getRequest(input.requestId), txHash: res.txHash, height: res.height };
  }

  async approve(input: {
    requestId: string;
    keyId: string;
    /** Passphrase or PIN of the key (any backend); none for a Ledger key. */
    passphrase?: string | undefined;
    expected?: { nonce: number; expiresAt: number; digest: string } | undefined;
  }): Promise<{ request: RequestView; txHash: string; height: number }> {
    const res = await this.submitter.submit(
      'withdrawal.approve',
      { request_id: input.requestId },
      this.keys.signerFor(input.keyId, input.passphrase),
      input.expected ? { expected: input.expected } : {},
    );
    return { request: await this.getRequest(input.requestId), txHash: res.txHash, height: res.height };
  }
}

/**
 * Keys and devices: every configured key backend (software keystore, PKCS#11
 * tokens, Ledgers) joined with each key's on-chain record, and the key
 * lifecycle on chain: generate → register with its attestation record as
 * evidence → active → rotate (the old key signs the hand-over, governance
 * approves) → retire, and emergency revoke.
 *
 * Secrets (passphrases, PINs) arrive as arguments of the one call that needs
 * them, go to the backend and are dropped: never stored, logged, audited or
 * returned.
 */
import type { AttestationOutcome, DeviceView, EmergencyControlView, KeyView } from '../../core/contract/index.js';
import { canonicalJson } from '../../core/codec/index.js';
import { CharterError } from '../../core/errors.js';
import { digestForScheme } from '../../core/tx/verify.js';
import type { ChainParams, EmergencyControlRecord, KeyRecord, Role } from '../../core/engine/types.js';
import type { KeyBackends } from '../../hsm/registry.js';
import type { AttestationRecord, BackendKind, KeyInfo } from '../../hsm/types.js';
import { SoftwareKeystore } from '../../hsm/software.js';
import type { Workspace } from '../workspace/workspace.js';
import type { CustodyNodes } from '../nodes/types.js';
import type { Authority } from '../authority/types.js';
import type { Submitter, TxSigner } from './submit.js';
import type { EventBus } from './bus.js';

export const KEY_ATTESTATION_FORMAT = 'charter-key-attestation/v1';
/** Default re-validation deadline, in blocks after registration or attestation. */
export const DEFAULT_REVALIDATE_BLOCKS = 100_000;
const DEFAULT_EMERGENCY_QUORUM = 2;

/** Keep an attestation record in the workspace's content-addressed store; its reference is "sha256:<hex of its canonical JSON>". */
export function storeAttestation(ws: Workspace, record: AttestationRecord): AttestationOutcome {
  const canonical = canonicalJson(record);
  let sha256: string;
  let artifact: string;
  try {
    ({ sha256, file: artifact } = ws.artifacts.put(canonical, { type: KEY_ATTESTATION_FORMAT, subject: record.key_id, ext: '.json' }));
  } catch (e) {
    throw new CharterError('EXPORT_FAILED', `cannot store the attestation record: ${(e as Error).message}`);
  }
  return { record: record as AttestationOutcome['record'], canonical, sha256, ref: `sha256:${sha256}`, artifact };
}

/** The latest attestation record kept for a key, re-checked against its hash; null if none. */
export function storedAttestation(ws: Workspace, keyId: string): AttestationOutcome | null {
  const sha256 = ws.artifacts.latest(KEY_ATTESTATION_FORMAT, keyId);
  if (sha256 === null) return null;
  const stored = ws.artifacts.get(sha256, '.json');
  if (!stored) return null;
  const artifact = stored.file;
  if (!stored.intact) throw new CharterError('WORKSPACE_INVALID', `${artifact} does not match its sha256: the stored attestation record was altered`);
  const canonical = stored.bytes.toString('utf8');
  return { record: JSON.parse(canonical) as AttestationOutcome['record'], canonical, sha256, ref: `sha256:${sha256}`, artifact };
}

export interface GenerateInput {
  backend: BackendKind;
  scheme: KeyInfo['scheme'];
  label: string;
  deviceId?: string | undefined;
  path?: string | undefined;
  secret?: string | undefined;
}

export class KeysService {
  constructor(
    readonly backends: KeyBackends,
    private readonly nodes: CustodyNodes,
    private readonly submitter: Submitter,
    /** Who signs for the chain's authority (registration, attestation, roles, retirement asAdmin, a rotation's proposal). */
    private readonly authority: Authority,
    private readonly bus: EventBus,
    private readonly workspace: Workspace,
  ) {}

  // ─── reading ──────────────────────────────────────────────────────────────

  /**
   * On-chain records of these keys (null: unregistered) and the chain height; null if the node is unreachable.
   * Two round trips whatever the number of keys: the status, and one JSON-RPC batch of the /key/<id> queries.
   */
  private async onChain(keyIds: string[]): Promise<{ records: Map<string, KeyRecord | null>; height: number } | null> {
    try {
      const client = await this.nodes.custody().get();
      const [status, found] = await Promise.all([
        client.status(),
        keyIds.length > 0 ? client.queryBatch<KeyRecord>(keyIds.map((id) => `/key/${id}`)) : Promise.resolve([]),
      ]);
      const records = new Map<string, KeyRecord | null>();
      keyIds.forEach((id, i) => records.set(id, found[i] ?? null));
      return { records, height: status.height };
    } catch {
      return null;
    }
  }

  private static view(k: KeyInfo, rec: KeyRecord | null | undefined, height: number | null): KeyView {
    const base = {
      keyId: k.keyId,
      label: k.label,
      scheme: k.scheme,
      backend: k.backend,
      publicKey: k.publicKey,
      createdAt: k.createdAt,
      deviceId: k.deviceId,
      locator: k.locator ?? null,
    };
    if (rec === undefined) {
      return {
        ...base,
        onChain: 'unknown',
        roles: [],
        owner: null,
        attestationRef: null,
        revalidateBy: null,
        revalidationDue: false,
        rotation: null,
        ended: null,
      };
    }
    if (rec === null) {
      return {
        ...base,
        onChain: 'unregistered',
        roles: [],
        owner: null,
        attestationRef: null,
        revalidateBy: null,
        revalidationDue: false,
        rotation: null,
        ended: null,
      };
    }
    const revalidateBy = rec.attestation?.revalidate_by ?? null;
    return {
      ...base,
      onChain: rec.status,
      roles: [...rec.roles],
      owner: rec.owner ?? null,
      attestationRef: rec.attestation?.ref ?? null,
      revalidateBy,
      revalidationDue: revalidateBy !== null && height !== null && height > revalidateBy,
      rotation: rec.rotation
        ? { to: rec.rotation.to ?? null, from: rec.rotation.from ?? null, pending: rec.rotation.to !== undefined && rec.rotation.approved_at === null }
        : null,
      ended: rec.ended ? { reason: rec.ended.reason, height: rec.ended.height, by: rec.ended.by } : null,
    };
  }

  private async viewOf(info: KeyInfo): Promise<KeyView> {
    const chain = await this.onChain([info.keyId]);
    return KeysService.view(info, chain ? chain.records.get(info.keyId) : undefined, chain?.height ?? null);
  }

  async devices(): Promise<DeviceView[]> {
    return (await this.backends.devices()).map((d) => ({
      deviceId: d.deviceId,
      backend: d.backend,
      label: d.label,
      state: d.state,
      detail: d.detail ?? null,
      facts: { ...d.facts },
    }));
  }

  async list(): Promise<{ keys: KeyView[]; problems: { backend: BackendKind; code: string; message: string }[] }> {
    const { keys, problems } = await this.backends.keys();
    const chain = await this.onChain(keys.map((k) => k.keyId));
    return {
      keys: keys.map((k) => KeysService.view(k, chain ? chain.records.get(k.keyId) : undefined, chain?.height ?? null)),
      problems: problems.map((p) => ({ backend: p.backend, code: p.code, message: p.message })),
    };
  }

  /** Public facts of a key of any backend (KEY_NOT_FOUND if none holds it). */
  async info(keyId: string): Promise<KeyInfo> {
    return (await this.backends.find(keyId)).info;
  }

  async isRegistered(keyId: string): Promise<boolean> {
    const client = await this.nodes.custody().get();
    return (await client.query<KeyRecord>(`/key/${keyId}`)) !== null;
  }

  private async record(keyId: string): Promise<KeyRecord> {
    const rec = await (await this.nodes.custody().get()).query<KeyRecord>(`/key/${keyId}`);
    if (!rec) throw new CharterError('UNKNOWN_KEY', `key ${keyId} is not registered on chain`);
    return rec;
  }

  // ─── generate and attest ──────────────────────────────────────────────────

  /** The old single-backend call: an Ed25519 software key. */
  async create(label: string, passphrase: string, confirmPassphrase?: string): Promise<KeyView> {
    if (confirmPassphrase !== undefined && confirmPassphrase !== passphrase)
      throw new CharterError('PASSPHRASE_MISMATCH', 'the passphrase and its confirmation are not the same; no key was created');
    const { info } = await this.backends.generate('software', { label, secret: passphrase, scheme: 'ed25519' });
    this.bus.emit('devices.changed', { reason: `key ${info.keyId} created` });
    return this.viewOf(info);
  }

  /** The software keystore (always configured). */
  private software(): SoftwareKeystore {
    const b = this.backends.all().find((x): x is SoftwareKeystore => x instanceof SoftwareKeystore);
    if (!b) throw new CharterError('KEY_NOT_FOUND', 'no software keystore is configured');
    return b;
  }

  /**
   * Import a key file (Web3 v3 secp256k1 or charter-keystore/v1) into the software keystore,
   * re-encrypted under the console's own KDF settings (SoftwareKeystore.importFile); nothing is
   * written on failure.
   */
  async importFile(fileText: string, passphrase: string, label?: string): Promise<KeyView> {
    const info = await this.software().importFile(fileText, passphrase, label !== undefined ? { label } : {});
    this.bus.emit('devices.changed', { reason: `key ${info.keyId} imported` });
    return this.viewOf(info);
  }

  /** A software key's file, still encrypted under its passphrase. */
  async exportFile(keyId: string): Promise<{ fileName: string; text: string }> {
    return this.software().exportFile(keyId);
  }

  async generate(input: GenerateInput): Promise<{ key: KeyView; attestation: AttestationOutcome }> {
    const { backend, info } = await this.backends.generate(input.backend, {
      label: input.label,
      scheme: input.scheme,
      ...(input.deviceId !== undefined ? { deviceId: input.deviceId } : {}),
      ...(input.path !== undefined ? { path: input.path } : {}),
      ...(input.secret !== undefined ? { secret: input.secret } : {}),
    });
    this.bus.emit('devices.changed', { reason: `key ${info.keyId} generated on ${info.deviceId}` });
    // The record is read back from the device at once (same unlock), and kept.
    const record = await backend.attest(info.keyId, input.secret !== undefined ? { secret: input.secret } : {});
    const attestation = this.storeAttestation(record);
    return { key: await this.viewOf(info), attestation };
  }

  storedAttestation(keyId: string): AttestationOutcome | null {
    return storedAttestation(this.workspace, keyId);
  }

  private storeAttestation(record: AttestationRecord): AttestationOutcome {
    return storeAttestation(this.workspace, record);
  }

  /** Read a fresh attestation record from the device, keep it, and with `submit` record it on chain (key.attest, devnet admin). */
  async attest(input: {
    keyId: string;
    secret?: string | undefined;
    submit?: boolean;
    revalidateInBlocks?: number;
  }): Promise<AttestationOutcome & { txHash: string | null; height: number | null; revalidateBy: number | null }> {
    const { backend } = await this.backends.find(input.keyId);
    if (input.submit) this.authority.signer('key.attest'); // refuse before unlocking anything
    const out = this.storeAttestation(await backend.attest(input.keyId, input.secret !== undefined ? { secret: input.secret } : {}));
    if (!input.submit) return { ...out, txHash: null, height: null, revalidateBy: null };
    await this.record(input.keyId); // UNKNOWN_KEY before signing
    const r = await this.submitAttestation(input.keyId, out.ref, input.revalidateInBlocks ?? DEFAULT_REVALIDATE_BLOCKS);
    return { ...out, ...r };
  }

  private async submitAttestation(keyId: string, ref: string, inBlocks: number): Promise<{ txHash: string; height: number; revalidateBy: number }> {
    const admin = this.authority.signer('key.attest');
    const height = (await (await this.nodes.custody().get()).status()).height;
    // The deadline is counted from the height the transaction lands at (a few blocks after now).
    const revalidateBy = height + Math.max(inBlocks, 1) + 5;
    const res = await this.submitter.submit('key.attest', { key_id: keyId, attestation_ref: ref, revalidate_by: revalidateBy }, admin);
    this.bus.emit('devices.changed', { reason: `key ${keyId} attested` });
    return { txHash: res.txHash, height: res.height, revalidateBy };
  }

  // ─── on-chain lifecycle ───────────────────────────────────────────────────

  /**
   * Register a key (devnet admin) with its attestation record as evidence:
   * the record (fresh from the device when `secret` is given, else the one
   * kept at generation; a Ledger key without one reads it from the device) is stored content-addressed
   * and its "sha256:<hex>" reference is recorded on chain by key.attest, with
   * the re-validation deadline.
   */
  async register(
    keyId: string,
    opts: { secret?: string | undefined; revalidateInBlocks?: number } = {},
  ): Promise<{
    txHash: string;
    height: number;
    keyId: string;
    attestationRef: string | null;
    revalidateBy: number | null;
  }> {
    const { backend, info } = await this.backends.find(keyId);
    const admin = this.authority.signer('key.register');
    if (await this.isRegistered(keyId)) throw new CharterError('KEY_EXISTS', `key ${keyId} is already registered`);
    let attestation: AttestationOutcome | null = null;
    if (opts.secret !== undefined) {
      attestation = this.storeAttestation(await backend.attest(keyId, { secret: opts.secret }));
    } else {
      attestation = this.storedAttestation(keyId);
      // A Ledger needs no secret: without a kept record, read one from the device.
      if (!attestation && backend.kind === 'ledger') attestation = this.storeAttestation(await backend.attest(keyId, {}));
    }
    if (attestation && (attestation.record.public_key !== info.publicKey || attestation.record.key_id !== keyId)) {
      throw new CharterError('KEYSTORE_CORRUPT', `the attestation record kept for ${keyId} names another public key`);
    }
    const res = await this.submitter.submit('key.register', { public_key: info.publicKey, scheme: info.scheme, label: info.label }, admin);
    let attested: { revalidateBy: number; height: number; txHash: string } | null = null;
    if (attestation) attested = await this.submitAttestation(keyId, attestation.ref, opts.revalidateInBlocks ?? DEFAULT_REVALIDATE_BLOCKS);
    this.bus.emit('devices.changed', { reason: `key ${keyId} registered` });
    return {
      txHash: attested?.txHash ?? res.txHash,
      height: attested?.height ?? res.height,
      keyId,
      attestationRef: attestation?.ref ?? null,
      revalidateBy: attested?.revalidateBy ?? null,
    };
  }

  async setRoles(input: { keyId: string; roles: Role[]; owner?: string | undefined }): Promise<{ txHash: string; height: number; keyId: string }> {
    const admin = this.authority.signer('key.set_roles');
    const res = await this.submitter.submit(
      'key.set_roles',
      { key_id: input.keyId, roles: input.roles, ...(input.owner !== undefined ? { owner: input.owner } : {}) },
      admin,
    );
    this.bus.emit('devices.changed', { reason: `key ${input.keyId} roles changed` });
    return { txHash: res.txHash, height: res.height, keyId: input.keyId };
  }

  /**
   * Rotation: the OLD key signs key.rotate naming its successor, then an
   * operational proposal (key.rotate_approve) asks governance to approve; the
   * hand-over takes effect when it executes (vault policies then name the new
   * key and the old one retires). A local successor not yet on chain is
   * registered (with its kept attestation) — only after the old key has
   * signed, so a wrong secret changes nothing.
   */
  async rotate(input: {
    keyId: string;
    newKeyId: string;
    secret?: string | undefined;
    proposerKeyId?: string | undefined;
    proposerSecret?: string | undefined;
  }): Promise<{
    txHash: string;
    height: number;
    keyId: string;
    newKeyId: string;
    proposalId: string;
    newKeyRegistered: boolean;
  }> {
    if (input.keyId === input.newKeyId) throw new CharterError('KEY_STATUS_CONFLICT', 'a key cannot rotate to itself');
    const old = await this.record(input.keyId);
    if (old.status !== 'active' && old.status !== 'quarantined') throw new CharterError('KEY_STATUS_CONFLICT', `key ${input.keyId} is ${old.status}`);
    const needsRegistration = !(await this.isRegistered(input.newKeyId));
    if (needsRegistration) {
      await this.info(input.newKeyId); // KEY_NOT_FOUND: neither on chain nor on a configured device
      this.authority.signer('key.register');
    }
    const proposer = input.proposerKeyId ? this.signerFor(input.proposerKeyId, input.proposerSecret) : this.authority.signer('gov.propose');
    const oldSigner = this.signerFor(input.keyId, input.secret);
    const signer: TxSigner = {
      keyId: oldSigner.keyId,
      sign: async (digest, envelope) => {
        const sig = await oldSigner.sign(digest, envelope);
        if (needsRegistration) await this.register(input.newKeyId);
        return sig;
      },
    };
    const res = await this.submitter.submit('key.rotate', { new_key_id: input.newKeyId }, signer);
    const prop = await this.submitter.submit('gov.propose', { track: 'operational', action: { type: 'key.rotate_approve', key_id: input.keyId } }, proposer);
    const proposalId = (prop.data as { proposal_id?: string } | null)?.proposal_id;
    if (!proposalId) throw new CharterError('NODE_ERROR', 'the node did not return the approval proposal id');
    this.bus.emit('devices.changed', { reason: `key ${input.keyId} hands over to ${input.newKeyId}` });
    return { txHash: res.txHash, height: res.height, keyId: input.keyId, newKeyId: input.newKeyId, proposalId, newKeyRegistered: needsRegistration };
  }

  /** Retire for good: signed by the key itself (its secret) or, asAdmin, by the devnet admin. */
  async retire(input: {
    keyId: string;
    reason: string;
    secret?: string | undefined;
    asAdmin?: boolean;
  }): Promise<{ txHash: string; height: number; keyId: string }> {
    const rec = await this.record(input.keyId);
    if (rec.status === 'retired' || rec.status === 'revoked') throw new CharterError('KEY_STATUS_CONFLICT', `key ${input.keyId} is already ${rec.status}`);
    const signer = input.asAdmin ? this.authority.signer('key.retire') : this.signerFor(input.keyId, input.secret);
    const res = await this.submitter.submit('key.retire', { key_id: input.keyId, reason: input.reason }, signer);
    this.bus.emit('devices.changed', { reason: `key ${input.keyId} retired` });
    return { txHash: res.txHash, height: res.height, keyId: input.keyId };
  }

  /**
   * Emergency revoke: the operator key `signerKeyId` proposes the revocation,
   * or co-signs one still collecting for this key. It takes effect at the
   * emergency quorum (distinct operator owners) and must be ratified by
   * governance (emergency.ratify) within the ratification window, or it lapses.
   */
  async revoke(input: {
    keyId: string;
    reason: string;
    signerKeyId: string;
    secret?: string | undefined;
    expiresInBlocks?: number;
  }): Promise<{ txHash: string; height: number; control: EmergencyControlView }> {
    const client = await this.nodes.custody().get();
    await this.record(input.keyId);
    const controls = (await client.query<EmergencyControlRecord[]>('/controls')) ?? [];
    const open = controls.find((c) => c.status === 'collecting' && c.action.type === 'key.revoke' && c.action.key_id === input.keyId);
    const signer = this.signerFor(input.signerKeyId, input.secret);
    let controlId: string;
    let res;
    if (open) {
      res = await this.submitter.submit('emergency.sign', { control_id: open.control_id }, signer);
      controlId = open.control_id;
    } else {
      res = await this.submitter.submit(
        'emergency.propose',
        { action: { type: 'key.revoke', key_id: input.keyId }, reason: input.reason, expires_in_blocks: input.expiresInBlocks ?? 1000 },
        signer,
      );
      const id = (res.data as { control_id?: string } | null)?.control_id;
      if (!id) throw new CharterError('NODE_ERROR', 'the node did not return the control id');
      controlId = id;
    }
    this.bus.emit('devices.changed', { reason: `revocation of key ${input.keyId}: ${controlId}` });
    return { txHash: res.txHash, height: res.height, control: await this.control(controlId) };
  }

  async control(controlId: string): Promise<EmergencyControlView> {
    const client = await this.nodes.custody().get();
    const c = await client.query<EmergencyControlRecord>(`/control/${controlId}`);
    if (!c) throw new CharterError('CONTROL_NOT_FOUND', `no emergency control ${controlId}`);
    const params = await client.query<ChainParams>('/params').catch(() => null);
    return {
      controlId: c.control_id,
      action: c.action.type,
      keyId: 'key_id' in c.action ? c.action.key_id : null,
      status: c.status,
      signatures: c.signatures.map((s) => s.key_id),
      quorum: params?.emergency?.quorum ?? DEFAULT_EMERGENCY_QUORUM,
      ratifyBy: c.ratify_by,
      expiresAt: c.expires_at,
    };
  }

  // ─── signing ──────────────────────────────────────────────────────────────

  /**
   * The signer for a key of any backend, unlocked with `secret` (passphrase
   * or PIN; a Ledger key needs none) for this call only. The envelope goes to
   * the device so it can show the fields it signs.
   */
  signerFor(keyId: string, secret?: string): TxSigner {
    return {
      keyId,
      sign: async (digest, envelope) => {
        const { backend, info } = await this.backends.find(keyId);
        // The Submitter hands over the envelope's SHA-256 signing digest; a secp256k1
        // key signs the EIP-712 digest of the same envelope instead (what the engine verifies).
        const d = envelope ? digestForScheme(info.scheme, envelope) : digest;
        return backend.sign(keyId, { scheme: info.scheme, digest: d, envelope }, secret !== undefined ? { secret } : {});
      },
    };
  }
}

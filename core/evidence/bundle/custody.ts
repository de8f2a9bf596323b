/**
 * Content checks of a custody-case bundle: the request names the subject,
 * every signed transaction behind it (creation, approvals, attestations) is
 * in the bundle and verifies, and the block is the one that executed it.
 * Proof checks (receipt, inclusion proof, checkpoint, state proof) live in
 * ./proofs.ts. Pure.
 */
import { canonicalJson, fromUtf8, keyIdOf, txHashOf, fromHex, sha256, toHex, utf8 } from '../../codec/index.js';
import { verifyEntryProof, type EntryProof } from '../../engine/state-root.js';
import { isSignatureScheme, type SignatureVerifier } from '../../crypto/ed25519.js';
import type { SignedEnvelope, WithdrawalRecord } from '../../engine/types.js';
import { encodeTx } from '../../tx/envelope.js';
import { verifyEnvelope } from '../../tx/verify.js';
import { ARTIFACT_TYPES, type Check } from './types.js';
import { check, failFrom, type BundleContext } from './verify.js';
import { receiptInclusionChecks } from './proofs.js';
import { verifySignedHeader } from './block-signature.js';

export const CASE_PATHS = {
  request: 'request.json',
  block: 'block.json',
  policy: 'policy.json',
  stateProof: 'proofs/policy-state.json',
  requestState: 'proofs/request-state.json',
  receipt: 'receipt.json',
  inclusion: 'proofs/receipt-inclusion.json',
  checkpoint: 'checkpoint.json',
  tx: (hash: string) => `transactions/${hash}.json`,
} as const;

/** A signed transaction as a custody case carries it. */
export interface SignedTxMember {
  tx_hash: string;
  height: number;
  envelope: SignedEnvelope;
  signer: { key_id: string; scheme: string; public_key: string; label?: string };
}

export function readJson<T>(ctx: BundleContext, path: string): T | null {
  const b = ctx.members.get(path);
  if (!b) return null;
  return JSON.parse(fromUtf8(b)) as T;
}

type Item = NonNullable<Check['items']>[number];

/** Why a signed transaction member does not hold, or null. */
export function signedTxProblem(t: SignedTxMember, verifier: SignatureVerifier): { reason: string; detail: string } | null {
  if (!t || typeof t !== 'object' || !t.envelope || !t.signer) return { reason: 'MEMBER_INVALID', detail: 'not a signed transaction (tx_hash, envelope, signer)' };
  let hash: string;
  try {
    hash = txHashOf(encodeTx(t.envelope));
  } catch (e) {
    return { reason: 'MEMBER_INVALID', detail: `the envelope cannot be encoded: ${(e as Error).message}` };
  }
  if (!isSignatureScheme(t.signer.scheme)) return { reason: 'UNSUPPORTED_SCHEME', detail: `scheme ${t.signer.scheme}` };
  let pk: Uint8Array;
  try {
    pk = fromHex(t.signer.public_key);
  } catch {
    return { reason: 'MEMBER_INVALID', detail: 'the public key is not hex' };
  }
  if (keyIdOf(t.signer.scheme, pk) !== t.signer.key_id || t.envelope.signer !== t.signer.key_id) {
    return { reason: 'KEY_ID_MISMATCH', detail: 'the signer key id is not derived from its public key, or is not the envelope\'s signer' };
  }
  if (!verifyEnvelope(verifier, t.envelope, { scheme: t.signer.scheme, public_key: t.signer.public_key })) {
    return { reason: 'BAD_SIGNATURE', detail: `the signature of ${t.tx_hash} does not verify for key ${t.signer.key_id}` };
  }
  if (hash !== t.tx_hash) return { reason: 'TX_HASH_MISMATCH', detail: `the envelope hashes to ${hash}, not ${t.tx_hash}` };
  return null;
}

/** block.json as the signature check reads it. */
interface BlockMember {
  height?: number;
  chain_id?: string;
  hash?: string;
  app_hash?: string;
  result_app_hash?: string;
  header?: unknown;
  validator_signatures?: unknown;
  next_header?: unknown;
  next_validator_signatures?: unknown;
}

/**
 * `case.block.signature`: the block is signed by trust-file validator keys
 * valid at its height; with the next block's signed header too, the
 * result_app_hash the policy state proof is checked against is signed as well.
 */
export function blockSignatureCheck(ctx: BundleContext, block: BlockMember): Check {
  const ID = 'case.block.signature';
  const T = 'The block is signed by a trusted validator key, valid at its height';
  const sigs = block.validator_signatures;
  if (block.header === undefined || block.header === null || !Array.isArray(sigs) || sigs.length === 0) {
    return check(ID, T, 'unknown', 'NO_BLOCK_SIGNATURE', `${CASE_PATHS.block} carries no signed header (header and validator_signatures): the block is only what the node served`);
  }
  if (!ctx.trust) return check(ID, T, 'unknown', 'NO_TRUST_FILE', 'no trust file given: cannot tell whether the validator that signed the block may (pass --trust)');
  const height = Number(block.height);
  const v = verifySignedHeader(block.header, sigs, { hash: String(block.hash), height, chain_id: String(block.chain_id), app_hash: String(block.app_hash) }, ctx.trust, ctx.verifier);
  if (!v.ok) return check(ID, T, 'fail', v.reason, `block ${height}: ${v.detail}`);
  if (block.next_header === undefined || block.next_header === null) {
    return check(ID, T, 'pass', 'OK', `block ${height} (${v.hash}) is signed by ${v.keys.join(', ')}; its result_app_hash is not covered by a signature (the bundle carries no header of block ${height + 1})`);
  }
  const next = block.next_header as { app_hash?: unknown; last_block_id?: { hash?: unknown } } | null;
  const nextHash = (() => {
    try {
      return toHex(sha256(utf8(canonicalJson(block.next_header)))).toUpperCase();
    } catch {
      return '';
    }
  })();
  const nv = verifySignedHeader(block.next_header, block.next_validator_signatures, { hash: nextHash, height: height + 1, chain_id: String(block.chain_id) }, ctx.trust, ctx.verifier);
  if (!nv.ok) return check(ID, T, 'fail', nv.reason, `block ${height + 1}: ${nv.detail}`);
  if (String(next?.last_block_id?.hash ?? '').toUpperCase() !== v.hash || String(next?.app_hash ?? '').toUpperCase() !== String(block.result_app_hash ?? '').toUpperCase()) {
    return check(ID, T, 'fail', 'HEADER_MISMATCH', `the header of block ${height + 1} does not follow block ${height} or does not state its result_app_hash ${String(block.result_app_hash)}`);
  }
  return check(ID, T, 'pass', 'OK', `blocks ${height} (${v.hash}) and ${height + 1} are signed by ${v.keys.join(', ')}; the result_app_hash ${String(block.result_app_hash)} is the signed app hash of block ${height + 1}`);
}

export function custodyCaseChecks(ctx: BundleContext): Check[] {
  const out: Check[] = [];
  const REQ = 'case.request';
  const REQ_T = 'The request is the bundle subject and executed at its height';
  const req = readJson<WithdrawalRecord>(ctx, CASE_PATHS.request);
  if (!req) {
    out.push(check(REQ, REQ_T, 'fail', 'CASE_INCOMPLETE', `${CASE_PATHS.request} is missing or does not match the manifest`));
    return out;
  }
  if (req.request_id !== ctx.manifest.subject.id) out.push(check(REQ, REQ_T, 'fail', 'SUBJECT_MISMATCH', `request.json is ${req.request_id}, the manifest's subject is ${ctx.manifest.subject.id}`));
  else if (req.status !== 'executed' || req.executed_at !== ctx.manifest.subject.height) out.push(check(REQ, REQ_T, 'fail', 'SUBJECT_MISMATCH', `the request is ${req.status} at ${String(req.executed_at)}, the manifest anchors it at ${ctx.manifest.subject.height}`));
  else out.push(check(REQ, REQ_T, 'pass', 'OK', `${req.request_id}: ${req.amount} base units of ${req.asset} to ${req.destination}, executed at height ${req.executed_at}`));

  // Every transaction the request names is in the bundle and verifies.
  const TX = 'case.transactions';
  const TX_T = 'Every transaction behind the request is present and its signature verifies';
  const needed = [req.created_tx, ...(req.approvals ?? []).map((a) => a.tx_hash), ...(req.attestations ?? []).map((a) => a.tx_hash)];
  if (req.executed_tx) needed.push(req.executed_tx);
  const items: Item[] = [];
  let ok = 0;
  for (const h of [...new Set(needed)]) {
    const path = CASE_PATHS.tx(h);
    const m = ctx.manifest.members.find((x) => x.path === path);
    if (!m || m.artifact_type !== ARTIFACT_TYPES.signedTx) {
      items.push({ subject: h, reason: 'CASE_INCOMPLETE', detail: `${path} is not a member` });
      continue;
    }
    let t: SignedTxMember | null;
    try {
      t = readJson<SignedTxMember>(ctx, path);
    } catch (e) {
      items.push({ subject: path, reason: 'MEMBER_INVALID', detail: `not JSON: ${(e as Error).message}` });
      continue;
    }
    if (!t) continue; // digest mismatch, reported above
    const p = signedTxProblem(t, ctx.verifier);
    if (p) items.push({ subject: path, ...p });
    else ok++;
  }
  out.push(items.length ? failFrom(TX, TX_T, items, 'transaction refused') : check(TX, TX_T, 'pass', 'OK', `${ok} signed transactions verify (creation, ${(req.approvals ?? []).length} approval(s), ${(req.attestations ?? []).length} attestation(s))`));

  const BLK = 'case.block';
  const BLK_T = 'The block is the one that executed the request';
  const block = readJson<{ height?: number; chain_id?: string; hash?: string }>(ctx, CASE_PATHS.block);
  if (!block) out.push(check(BLK, BLK_T, 'fail', 'CASE_INCOMPLETE', `${CASE_PATHS.block} is missing or does not match the manifest`));
  else if (block.height !== req.executed_at || block.chain_id !== ctx.manifest.subject.chain_id) out.push(check(BLK, BLK_T, 'fail', 'SUBJECT_MISMATCH', `block.json is height ${String(block.height)} of ${String(block.chain_id)}`));
  else out.push(check(BLK, BLK_T, 'pass', 'OK', `block ${block.height} (${String(block.hash)}) of ${block.chain_id}`));
  if (block) out.push(blockSignatureCheck(ctx, block));

  const POL = 'case.policy';
  const POL_T = 'The policy in force at the execution height, with its state proof';
  const policy = readJson<{ vault_id?: unknown; policy?: unknown }>(ctx, CASE_PATHS.policy);
  const sp = readJson<{ height?: unknown; app_hash?: unknown; key?: unknown; value?: { policy?: unknown } | null; proof?: EntryProof }>(ctx, CASE_PATHS.stateProof);
  if (!policy) out.push(check(POL, POL_T, 'unknown', 'NO_POLICY', `the bundle carries no ${CASE_PATHS.policy}`));
  else if (!sp) out.push(check(POL, POL_T, 'unknown', 'NO_STATE_PROOF', `${CASE_PATHS.policy} is not backed by a state proof at height ${ctx.manifest.subject.height}`));
  else if (sp.height !== req.executed_at || sp.key !== `vault/${req.vault_id}` || !sp.proof || typeof sp.app_hash !== 'string') {
    out.push(check(POL, POL_T, 'fail', 'SUBJECT_MISMATCH', `the state proof is for ${String(sp.key)} at height ${String(sp.height)}, not vault/${req.vault_id} at ${String(req.executed_at)}`));
  } else if (!block || typeof block !== 'object' || String((block as { result_app_hash?: unknown }).result_app_hash ?? '').toUpperCase() !== sp.app_hash.toUpperCase()) {
    out.push(check(POL, POL_T, 'fail', 'PROOF_NOT_REACHING_CHECKPOINT', `the state proof is against app hash ${sp.app_hash}, not block.json's result_app_hash`));
  } else if (!verifyEntryProof(sp.app_hash.toLowerCase(), sp.key, sp.value, sp.proof)) {
    out.push(check(POL, POL_T, 'fail', 'BAD_STATE_PROOF', `the entry proof of ${sp.key} does not lead to app hash ${sp.app_hash}`));
  } else if (canonicalJson(sp.value?.policy ?? null) !== canonicalJson(policy.policy ?? null)) {
    out.push(check(POL, POL_T, 'fail', 'SUBJECT_MISMATCH', `${CASE_PATHS.policy} is not the proven policy`));
  } else out.push(check(POL, POL_T, 'pass', 'OK', `the policy of ${req.vault_id} at height ${req.executed_at} is proven against app hash ${sp.app_hash}`));

  out.push(...receiptInclusionChecks(ctx, { receipt: CASE_PATHS.receipt, proof: CASE_PATHS.inclusion, checkpoint: CASE_PATHS.checkpoint }, { txDigests: new Set(needed.map((h) => h.toLowerCase())) }));
  return out;
}

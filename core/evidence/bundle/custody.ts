/**
 * A custody-case bundle: one executed withdrawal, every claim bound to what the
 * chain signed (docs/formats/evidence-bundle.md §3.1, §5 "custody-case").
 *
 *   request.json                 the request record; equal to the value the chain's
 *                                state proves at the execution height
 *   proofs/request-state.json    that proof, against block.json's result app hash
 *   transactions/<HASH>.json     every signed transaction behind it; the creation's
 *                                body is the request's, its id derives from it
 *   block.json                   the executing block, its signed header and the next
 *                                block's, which signs the result app hash
 *   policy.json + proofs/policy-state.json   the vault's proven policy; the counted
 *                                approvals meet its threshold from its approver set
 *   receipt.json + proofs/receipt-inclusion.json + checkpoint.json   the receipt of
 *                                the executing transaction in a signed checkpoint
 * Pure; never throws on hostile input (the caller catches what slips through).
 */
import { canonicalJson, fromHex, keyIdOf, txHashOf } from '../../codec/index.js';
import { isSignatureScheme, type SignatureVerifier } from '../../crypto/ed25519.js';
import { WITHDRAWAL_RECORD_SCHEMA } from '../../engine/engine.js';
import { POLICY_SCHEMA } from '../../engine/bodies.js';
import { verifyEntryProof, type EntryProof } from '../../engine/state-root.js';
import type { SignedEnvelope, VaultPolicy, WithdrawalRecord } from '../../engine/types.js';
import { encodeTx, requestIdOf, unsignedOf } from '../../tx/envelope.js';
import { verifyEnvelope } from '../../tx/verify.js';
import { verifySignedHeader } from './block-signature.js';
import { HEX64_UPPER, hasExactKeys, isInt, isObject, listed, readMember, type Item } from './members.js';
import { receiptInclusionChecks } from './proofs.js';
import { ARTIFACT_TYPES, BUNDLE_FORMAT_V1, type Check, type Manifest } from './types.js';
import { check, failFrom, type BundleContext, type KindSpec } from './verify.js';

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

/** The checks of a custody case, in report order. */
export const CASE_CHECKS = [
  ['case.request', 'The request is the subject, created by its signed creation transaction, executed at the subject height'],
  ['case.request.state', "The chain's own record of the request, proven at the execution height, is request.json"],
  ['case.transactions', 'Every transaction behind the request is present and its signature verifies'],
  ['case.approvals', "The approvals are signed by the proven policy's approvers and meet its threshold"],
  ['case.block', 'The block is the one that executed the request'],
  ['case.block.signature', 'The block and the next one, which signs its result app hash, are signed by trusted validators'],
  ['case.policy', "The vault's policy at the execution height, proven against the signed app hash"],
  ['proofs.receipt', 'The receipt records the executing transaction'],
  ['proofs.inclusion', 'The receipt is in the log: its inclusion proof reaches the checkpoint'],
  ['checkpoint.quorum', 'The checkpoint is signed by a quorum of trusted log keys'],
  ['checkpoint.witnesses', 'The checkpoint is cosigned by a quorum of trusted witnesses'],
] as const;

/** A signed transaction as a custody case carries it. */
export interface SignedTxMember {
  tx_hash: string;
  height: number;
  envelope: SignedEnvelope;
  signer: { key_id: string; scheme: string; public_key: string; label?: string };
}

/** Fixed members of a custody case and their artifact types; `transactions/<HASH>.json` besides. */
const FIXED: Readonly<Record<string, string>> = {
  [CASE_PATHS.request]: ARTIFACT_TYPES.request,
  [CASE_PATHS.block]: ARTIFACT_TYPES.block,
  [CASE_PATHS.policy]: ARTIFACT_TYPES.policy,
  [CASE_PATHS.stateProof]: ARTIFACT_TYPES.stateProof,
  [CASE_PATHS.requestState]: ARTIFACT_TYPES.stateProof,
  [CASE_PATHS.receipt]: ARTIFACT_TYPES.receipt,
  [CASE_PATHS.inclusion]: ARTIFACT_TYPES.inclusionProof,
  [CASE_PATHS.checkpoint]: ARTIFACT_TYPES.checkpoint,
};
const TX_PATH = /^transactions\/([0-9A-F]{64})\.json$/;
/** Members a v2 case must list; v1 required only the request and the block. */
const REQUIRED_V2 = [CASE_PATHS.request, CASE_PATHS.requestState, CASE_PATHS.block, CASE_PATHS.policy, CASE_PATHS.stateProof];
const REQUIRED_V1 = [CASE_PATHS.request, CASE_PATHS.block];
/** All three or none. */
export const RECEIPT_GROUP = [CASE_PATHS.receipt, CASE_PATHS.inclusion, CASE_PATHS.checkpoint];

export function caseExpectedMembers(m: Manifest): Item[] {
  const items: Item[] = [];
  const paths = new Set(m.members.map((x) => x.path));
  for (const mem of m.members) {
    const want = FIXED[mem.path] ?? (TX_PATH.test(mem.path) ? ARTIFACT_TYPES.signedTx : undefined);
    if (want === undefined) items.push({ subject: mem.path, reason: 'UNEXPECTED_MEMBER', detail: 'a custody case defines no such member' });
    else if (mem.artifact_type !== want)
      items.push({ subject: mem.path, reason: 'WRONG_ARTIFACT_TYPE', detail: `artifact type ${mem.artifact_type}, a custody case's ${mem.path} is ${want}` });
  }
  for (const p of m.format === BUNDLE_FORMAT_V1 ? REQUIRED_V1 : REQUIRED_V2)
    if (!paths.has(p)) items.push({ subject: p, reason: 'CASE_INCOMPLETE', detail: `a ${m.format} custody case requires ${p}` });
  const group = RECEIPT_GROUP.filter((p) => paths.has(p));
  if (group.length > 0 && group.length < RECEIPT_GROUP.length) {
    for (const p of RECEIPT_GROUP)
      if (!paths.has(p))
        items.push({
          subject: p,
          reason: 'CASE_INCOMPLETE',
          detail: `${RECEIPT_GROUP.join(', ')} come together: the bundle has ${group.join(', ')} but not ${p}`,
        });
  }
  return items;
}

/** Why a signed transaction member does not hold, or null. */
export function signedTxProblem(t: unknown, path: string, verifier: SignatureVerifier): { reason: string; detail: string } | null {
  if (!isObject(t) || !isObject(t['envelope']) || !isObject(t['signer']) || typeof t['tx_hash'] !== 'string' || !isInt(t['height'])) {
    return { reason: 'MEMBER_INVALID', detail: 'not a signed transaction {tx_hash, height, envelope, signer}' };
  }
  const m = TX_PATH.exec(path);
  if (!m || t['tx_hash'] !== m[1])
    return { reason: 'TX_HASH_MISMATCH', detail: `the member names transaction ${String(t['tx_hash']).slice(0, 64)}, its path ${path}` };
  const env = t['envelope'] as unknown as SignedEnvelope;
  const signer = t['signer'] as Record<string, unknown>;
  let hash: string;
  try {
    hash = txHashOf(encodeTx(env));
  } catch (e) {
    return { reason: 'MEMBER_INVALID', detail: `the envelope cannot be encoded: ${(e as Error).message}` };
  }
  if (typeof signer['scheme'] !== 'string' || !isSignatureScheme(signer['scheme']))
    return { reason: 'UNSUPPORTED_SCHEME', detail: `scheme ${String(signer['scheme'])}` };
  let pk: Uint8Array;
  try {
    pk = fromHex(String(signer['public_key']));
  } catch {
    return { reason: 'MEMBER_INVALID', detail: 'the public key is not hex' };
  }
  if (keyIdOf(signer['scheme'], pk) !== signer['key_id'] || env.signer !== signer['key_id']) {
    return { reason: 'KEY_ID_MISMATCH', detail: "the signer key id is not derived from its public key, or is not the envelope's signer" };
  }
  if (!verifyEnvelope(verifier, env, { scheme: signer['scheme'], public_key: String(signer['public_key']) })) {
    return { reason: 'BAD_SIGNATURE', detail: `the signature of ${String(t['tx_hash'])} does not verify for key ${String(signer['key_id'])}` };
  }
  if (hash !== t['tx_hash']) return { reason: 'TX_HASH_MISMATCH', detail: `the envelope hashes to ${hash}, not ${String(t['tx_hash'])}` };
  return null;
}

/** block.json as the checks read it. */
export interface BlockMember {
  height: number;
  chain_id: string;
  hash: string;
  app_hash: string;
  result_app_hash: string;
  last_block_hash: string;
  header?: unknown;
  validator_signatures?: unknown;
  next_header?: unknown;
  next_validator_signatures?: unknown;
  txs?: unknown;
}

/** The shape of a block member, or a problem. Hashes upper-case hex (the empty last_block_hash of block 1 allowed). */
export function blockShape(v: unknown): BlockMember | string {
  if (!isObject(v)) return 'not a JSON object';
  if (!isInt(v['height']) || (v['height'] as number) < 1) return 'height is not an integer ≥ 1';
  if (typeof v['chain_id'] !== 'string') return 'chain_id is not a string';
  for (const f of ['hash', 'app_hash', 'result_app_hash'])
    if (typeof v[f] !== 'string' || !HEX64_UPPER.test(v[f] as string)) return `${f} is not 64 upper-case hex characters`;
  if (typeof v['last_block_hash'] !== 'string' || !(v['height'] === 1 ? v['last_block_hash'] === '' : HEX64_UPPER.test(v['last_block_hash'])))
    return 'last_block_hash is not 64 upper-case hex characters (the empty string for block 1, and only for it)';
  return v as unknown as BlockMember;
}

/**
 * `case.block.signature`: the block is signed by trust-file validator keys valid
 * at its height, and so is the next block, whose header states this block's
 * result app hash — the root the state proofs are checked against.
 */
export function blockSignatureCheck(ctx: BundleContext, block: BlockMember, id = 'case.block.signature', title: string = CASE_CHECKS[5][1]): Check {
  const sigs = block.validator_signatures;
  if (block.header === undefined || block.header === null || !Array.isArray(sigs) || sigs.length === 0) {
    return check(
      id,
      title,
      'unknown',
      'NO_BLOCK_SIGNATURE',
      `block ${block.height} carries no signed header (header and validator_signatures): the block is only what the node served`,
    );
  }
  if (block.next_header === undefined || block.next_header === null) {
    return check(
      id,
      title,
      'unknown',
      'NO_NEXT_HEADER',
      `the bundle carries no header of block ${block.height + 1}, so block ${block.height}'s result app hash ${block.result_app_hash} is not covered by a signature`,
    );
  }
  if (!ctx.trust)
    return check(id, title, 'unknown', 'NO_TRUST_FILE', 'no trust file given: cannot tell whether the validators that signed the blocks may (pass --trust)');
  const v = verifySignedHeader(
    block.header,
    sigs,
    { hash: block.hash, height: block.height, chain_id: block.chain_id, app_hash: block.app_hash, last_block_hash: block.last_block_hash },
    ctx.trust,
    ctx.verifier,
  );
  if (!v.ok) return check(id, title, 'fail', v.reason, `block ${block.height}: ${v.detail}`, v.items);
  const unsigned = headerCopyProblem(block);
  if (unsigned) return check(id, title, 'fail', 'HEADER_MISMATCH', `block ${block.height}: ${unsigned}`);
  const nv = verifySignedHeader(
    block.next_header,
    block.next_validator_signatures,
    { height: block.height + 1, chain_id: block.chain_id, app_hash: block.result_app_hash, last_block_hash: block.hash },
    ctx.trust,
    ctx.verifier,
  );
  if (!nv.ok) return check(id, title, 'fail', nv.reason, `block ${block.height + 1}: ${nv.detail}`, nv.items);
  return check(
    id,
    title,
    'pass',
    'OK',
    `blocks ${block.height} (${v.hash}) and ${block.height + 1} (${nv.hash}) are signed by ${v.keys.join(', ')}; the result app hash ${block.result_app_hash} is the signed app hash of block ${block.height + 1}`,
  );
}

/** The block fields that repeat the header (time, data_hash, proposer_address), when present, must be the header's: nothing unsigned is shown as the block's. */
export function headerCopyProblem(block: BlockMember): string | null {
  const h = (block.header ?? {}) as Record<string, unknown>;
  const b = block as unknown as Record<string, unknown>;
  for (const f of ['time', 'data_hash', 'proposer_address']) {
    if (b[f] !== undefined && b[f] !== h[f]) return `${f} is ${JSON.stringify(b[f]).slice(0, 80)}, the signed header says ${JSON.stringify(h[f]).slice(0, 80)}`;
  }
  return null;
}

/** A state proof member `{height, app_hash, key, value, proof}` checked for key at height against the block's result app hash. */
function stateProofProblem(sp: unknown, key: string, height: number, block: BlockMember | null): { reason: string; detail: string; value?: unknown } {
  const resultAppHash = block ? block.result_app_hash : null;
  if (
    !isObject(sp) ||
    !hasExactKeys(sp, ['height', 'app_hash', 'block_hash', 'key', 'value', 'proof']) ||
    !isInt(sp['height']) ||
    typeof sp['key'] !== 'string' ||
    typeof sp['app_hash'] !== 'string' ||
    !/^[0-9a-fA-F]{64}$/.test(sp['app_hash']) ||
    !isObject(sp['proof'])
  ) {
    return { reason: 'MEMBER_INVALID', detail: 'not exactly a state proof {height, app_hash, block_hash, key, value, proof}' };
  }
  if (sp['key'] !== key || sp['height'] !== height)
    return {
      reason: 'SUBJECT_MISMATCH',
      detail: `the state proof is for ${String(sp['key']).slice(0, 80)} at height ${String(sp['height'])}, not ${key} at ${height}`,
    };
  if (resultAppHash === null) return { reason: 'NOT_CHECKED', detail: 'block.json is not usable, so there is no app hash to check the proof against' };
  if (sp['app_hash'].toUpperCase() !== resultAppHash)
    return {
      reason: 'PROOF_NOT_REACHING_CHECKPOINT',
      detail: `the state proof is against app hash ${sp['app_hash'].slice(0, 64)}, block.json's result_app_hash is ${resultAppHash}`,
    };
  if (String(sp['block_hash']).toUpperCase() !== block?.hash)
    return { reason: 'SUBJECT_MISMATCH', detail: `the state proof names block ${String(sp['block_hash']).slice(0, 64)}, block.json is ${block?.hash ?? ''}` };
  if (!verifyEntryProof(resultAppHash.toLowerCase(), key, sp['value'], sp['proof'] as unknown as EntryProof))
    return { reason: 'BAD_STATE_PROOF', detail: `the entry proof of ${key} does not lead to app hash ${resultAppHash}` };
  return { reason: 'OK', detail: '', value: sp['value'] };
}

export function custodyCaseChecks(ctx: BundleContext): Check[] {
  const out: Check[] = [];
  const T = Object.fromEntries(CASE_CHECKS) as Record<(typeof CASE_CHECKS)[number][0], string>;
  const subject = ctx.manifest.subject;
  const v1 = ctx.manifest.format === BUNDLE_FORMAT_V1;
  const notChecked = (id: keyof typeof T, because: string) => check(id, T[id], 'unknown', 'NOT_CHECKED', `not checked: ${because}`);

  // ── the request record ──
  const rr = readMember(ctx, CASE_PATHS.request);
  let req: WithdrawalRecord | null = null;
  if (subject.type !== 'withdrawal')
    out.push(
      check(
        'case.request',
        T['case.request'],
        'fail',
        'SUBJECT_MISMATCH',
        `a custody case is about a withdrawal, the manifest's subject type is ${subject.type}`,
      ),
    );
  else if (rr.state === 'absent')
    out.push(check('case.request', T['case.request'], 'fail', 'CASE_INCOMPLETE', `${CASE_PATHS.request} is missing or does not match the manifest`));
  else if (rr.state === 'invalid') out.push(check('case.request', T['case.request'], 'fail', 'MEMBER_INVALID', rr.detail));
  else {
    const p = WITHDRAWAL_RECORD_SCHEMA.safeParse(rr.value);
    if (!p.success)
      out.push(
        check(
          'case.request',
          T['case.request'],
          'fail',
          'MEMBER_INVALID',
          `${CASE_PATHS.request} is not a withdrawal request record: ${p.error.issues[0]?.path.join('.') ?? ''} ${p.error.issues[0]?.message ?? ''}`,
        ),
      );
    else req = p.data as WithdrawalRecord;
  }

  // The transactions, read once.
  const txs = new Map<string, { member: SignedTxMember | null; problem: { reason: string; detail: string } | null }>();
  const needed: string[] = [];
  if (req) {
    needed.push(req.created_tx, ...req.approvals.map((a) => a.tx_hash), ...(req.attestations ?? []).map((a) => a.tx_hash));
    if (req.executed_tx) needed.push(req.executed_tx);
    for (const h of [...new Set(needed)]) {
      const path = CASE_PATHS.tx(h);
      const r = readMember(ctx, path);
      if (r.state === 'absent')
        txs.set(h, {
          member: null,
          problem: { reason: 'CASE_INCOMPLETE', detail: `${path} is ${listed(ctx, path) ? 'not usable (see members.digests)' : 'not a member'}` },
        });
      else if (r.state === 'invalid') txs.set(h, { member: null, problem: { reason: 'MEMBER_INVALID', detail: r.detail } });
      else {
        const problem = signedTxProblem(r.value, path, ctx.verifier);
        txs.set(h, { member: problem ? null : (r.value as SignedTxMember), problem });
      }
    }
  }

  if (req) {
    const creation = txs.get(req.created_tx);
    const env = creation?.member?.envelope as SignedEnvelope<'withdrawal.create'> | undefined;
    const body = env?.body as Record<string, unknown> | undefined;
    let problem: string | null = null;
    if (req.request_id !== subject.id) problem = `request.json is ${req.request_id}, the manifest's subject is ${subject.id}`;
    else if (req.status !== 'executed' || req.executed_at !== subject.height)
      problem = `the request is ${req.status} at ${String(req.executed_at)}, the manifest anchors it at ${subject.height}`;
    if (problem) out.push(check('case.request', T['case.request'], 'fail', 'SUBJECT_MISMATCH', problem));
    else if (!creation?.member || !env || !body)
      out.push(
        check(
          'case.request',
          T['case.request'],
          'fail',
          creation?.problem?.reason ?? 'CASE_INCOMPLETE',
          `the creation transaction ${req.created_tx} is not usable: ${creation?.problem?.detail ?? 'missing'}`,
        ),
      );
    else {
      const mismatch: string[] = [];
      if (env.type !== 'withdrawal.create') mismatch.push(`the creation transaction is a ${env.type}`);
      else {
        for (const f of ['vault_id', 'asset', 'amount', 'destination', 'memo'] as const)
          if (body[f] !== req[f]) mismatch.push(`${f}: signed ${JSON.stringify(body[f]).slice(0, 80)}, request.json ${JSON.stringify(req[f]).slice(0, 80)}`);
        if (env.signer !== req.initiator) mismatch.push(`initiator: signed by ${env.signer}, request.json ${req.initiator}`);
        if (creation.member.height !== req.created_at)
          mismatch.push(`created_at: the transaction is at height ${creation.member.height}, request.json ${req.created_at}`);
        let derived = '';
        try {
          derived = requestIdOf(unsignedOf(env));
        } catch {
          derived = '';
        }
        if (derived !== req.request_id) mismatch.push(`request_id: the creation transaction derives ${derived || '(nothing)'}, request.json ${req.request_id}`);
      }
      out.push(
        mismatch.length
          ? check(
              'case.request',
              T['case.request'],
              'fail',
              'REQUEST_MISMATCH',
              `request.json is not what its signed creation transaction says: ${mismatch.join('; ')}`,
            )
          : check(
              'case.request',
              T['case.request'],
              'pass',
              'OK',
              `${req.request_id}: ${req.amount} base units of ${req.asset} from ${req.vault_id} to ${req.destination}, as signed by ${req.initiator} at height ${req.created_at}; executed at height ${String(req.executed_at)}`,
            ),
      );
    }
  }

  // ── the block (read before the proofs that depend on it) ──
  const br = readMember(ctx, CASE_PATHS.block);
  let block: BlockMember | null = null;
  let blockCheck: Check;
  if (br.state === 'absent')
    blockCheck = check('case.block', T['case.block'], 'fail', 'CASE_INCOMPLETE', `${CASE_PATHS.block} is missing or does not match the manifest`);
  else if (br.state === 'invalid') blockCheck = check('case.block', T['case.block'], 'fail', 'MEMBER_INVALID', br.detail);
  else {
    const b = blockShape(br.value);
    if (typeof b === 'string') blockCheck = check('case.block', T['case.block'], 'fail', 'MEMBER_INVALID', `${CASE_PATHS.block}: ${b}`);
    else if (b.height !== subject.height || b.chain_id !== subject.chain_id)
      blockCheck = check(
        'case.block',
        T['case.block'],
        'fail',
        'SUBJECT_MISMATCH',
        `block.json is height ${b.height} of ${b.chain_id}, the subject is height ${subject.height} of ${subject.chain_id}`,
      );
    else {
      block = b;
      blockCheck = check('case.block', T['case.block'], 'pass', 'OK', `block ${b.height} (${b.hash}) of ${b.chain_id}`);
    }
  }
  const blockSig = block ? blockSignatureCheck(ctx, block) : notChecked('case.block.signature', 'block.json is not usable');
  // A state proof is only as strong as the app hash it reaches: say so when that hash is not signed.
  const anchored = blockSig.verdict === 'pass';
  const unanchored = anchored ? '' : ` (the app hash itself is not proven signed: case.block.signature is ${blockSig.verdict}, ${blockSig.reason})`;

  // ── the chain's own record of the request ──
  {
    const id = 'case.request.state';
    const r = readMember(ctx, CASE_PATHS.requestState);
    if (r.state === 'absent')
      out.push(
        v1 && !listed(ctx, CASE_PATHS.requestState)
          ? check(
              id,
              T[id],
              'unknown',
              'NO_STATE_PROOF',
              'a charter.bundle/v1 case carries no state proof of the request: request.json is only what the node served',
            )
          : check(id, T[id], 'fail', 'CASE_INCOMPLETE', `${CASE_PATHS.requestState} is missing or does not match the manifest`),
      );
    else if (r.state === 'invalid') out.push(check(id, T[id], 'fail', 'MEMBER_INVALID', r.detail));
    else if (!req) out.push(notChecked(id, 'request.json is not usable'));
    else {
      const p = stateProofProblem(r.value, `request/${req.request_id}`, subject.height, block);
      if (p.reason === 'NOT_CHECKED') out.push(notChecked(id, p.detail));
      else if (p.reason !== 'OK') out.push(check(id, T[id], 'fail', p.reason, p.detail));
      else if (canonicalJson(p.value) !== canonicalJson(rr.state === 'ok' ? rr.value : null))
        out.push(
          check(
            id,
            T[id],
            'fail',
            'REQUEST_MISMATCH',
            `request.json is not the record the chain proves for request/${req.request_id} at height ${subject.height}`,
          ),
        );
      else
        out.push(
          check(
            id,
            T[id],
            'pass',
            'OK',
            `request/${req.request_id} at height ${subject.height} is request.json, proven against app hash ${block?.result_app_hash ?? ''}${unanchored}`,
          ),
        );
    }
  }

  // ── the transactions ──
  if (!req) out.push(notChecked('case.transactions', 'request.json is not usable, so which transactions belong to the case is unknown'));
  else {
    const items: Item[] = [];
    for (const [h, t] of txs) if (t.problem) items.push({ subject: CASE_PATHS.tx(h), ...t.problem });
    // A transaction the request does not name is no part of the case: nothing checks it, so it may not ride along.
    for (const m of ctx.manifest.members) {
      const x = TX_PATH.exec(m.path);
      if (x && !txs.has(x[1] as string)) items.push({ subject: m.path, reason: 'UNEXPECTED_MEMBER', detail: 'request.json names no such transaction' });
    }
    out.push(
      items.length
        ? failFrom('case.transactions', T['case.transactions'], items, 'transaction refused')
        : check(
            'case.transactions',
            T['case.transactions'],
            'pass',
            'OK',
            `${txs.size} signed transactions verify (creation, ${req.approvals.length} approval(s), ${(req.attestations ?? []).length} attestation(s)${req.executed_tx && !req.approvals.some((a) => a.tx_hash === req?.executed_tx) ? ', execution' : ''})`,
          ),
    );
  }

  // ── the policy (read before the approvals, which are counted against it) ──
  let policy: VaultPolicy | null = null;
  let policyCheck: Check;
  {
    const id = 'case.policy';
    const pr = readMember(ctx, CASE_PATHS.policy);
    const sr = readMember(ctx, CASE_PATHS.stateProof);
    if (pr.state === 'absent')
      policyCheck =
        v1 && !listed(ctx, CASE_PATHS.policy)
          ? check(id, T[id], 'unknown', 'NO_POLICY', `the bundle carries no ${CASE_PATHS.policy}`)
          : check(id, T[id], 'fail', 'CASE_INCOMPLETE', `${CASE_PATHS.policy} is missing or does not match the manifest`);
    else if (pr.state === 'invalid') policyCheck = check(id, T[id], 'fail', 'MEMBER_INVALID', pr.detail);
    else if (
      !isObject(pr.value) ||
      !hasExactKeys(pr.value, ['vault_id', 'policy', 'as_of']) ||
      typeof pr.value['vault_id'] !== 'string' ||
      !(isInt(pr.value['as_of']) || (v1 && pr.value['as_of'] === 'export'))
    ) {
      policyCheck = check(id, T[id], 'fail', 'MEMBER_INVALID', `${CASE_PATHS.policy} is not {vault_id, policy, as_of: <height>}`);
    } else if (!req) policyCheck = notChecked(id, 'request.json is not usable');
    else if (pr.value['vault_id'] !== req.vault_id)
      policyCheck = check(
        id,
        T[id],
        'fail',
        'SUBJECT_MISMATCH',
        `${CASE_PATHS.policy} is the policy of vault ${String(pr.value['vault_id']).slice(0, 64)}, the request's vault is ${req.vault_id}`,
      );
    else if (sr.state === 'absent')
      policyCheck =
        v1 && !listed(ctx, CASE_PATHS.stateProof)
          ? check(id, T[id], 'unknown', 'NO_STATE_PROOF', `${CASE_PATHS.policy} is not backed by a state proof at height ${subject.height}`)
          : check(id, T[id], 'fail', 'CASE_INCOMPLETE', `${CASE_PATHS.stateProof} is missing or does not match the manifest`);
    else if (sr.state === 'invalid') policyCheck = check(id, T[id], 'fail', 'MEMBER_INVALID', sr.detail);
    else if (pr.value['as_of'] !== subject.height)
      policyCheck = check(
        id,
        T[id],
        'fail',
        'SUBJECT_MISMATCH',
        `${CASE_PATHS.policy} is as of ${String(pr.value['as_of'])}, the execution height is ${subject.height}`,
      );
    else {
      const p = stateProofProblem(sr.value, `vault/${req.vault_id}`, subject.height, block);
      const provenPolicy = isObject(p.value) ? p.value['policy'] : undefined;
      const parsed = POLICY_SCHEMA.safeParse(provenPolicy);
      if (p.reason === 'NOT_CHECKED') policyCheck = notChecked(id, p.detail);
      else if (p.reason !== 'OK') policyCheck = check(id, T[id], 'fail', p.reason, p.detail);
      else if (canonicalJson(provenPolicy ?? null) !== canonicalJson(pr.value['policy'] ?? null))
        policyCheck = check(id, T[id], 'fail', 'SUBJECT_MISMATCH', `${CASE_PATHS.policy} is not the proven policy of vault ${req.vault_id}`);
      else if (!parsed.success) policyCheck = check(id, T[id], 'fail', 'MEMBER_INVALID', 'the proven value carries no valid vault policy');
      else {
        policy = parsed.data as VaultPolicy;
        policyCheck = check(
          id,
          T[id],
          'pass',
          'OK',
          `the policy of ${req.vault_id} at height ${subject.height} is proven against app hash ${block?.result_app_hash ?? ''}${unanchored}`,
        );
      }
    }
  }

  // ── the approvals against the proven policy ──
  {
    const id = 'case.approvals';
    if (!req) out.push(notChecked(id, 'request.json is not usable'));
    else {
      const items: Item[] = [];
      const signedAs = (h: string, type: string, signer: string, height: number, extra?: (b: Record<string, unknown>) => string | null): void => {
        const t = txs.get(h)?.member;
        if (!t) return; // refused in case.transactions
        const b = (t.envelope.body ?? {}) as Record<string, unknown>;
        if (t.envelope.type !== type || b['request_id'] !== req?.request_id)
          items.push({
            subject: h,
            reason: 'APPROVAL_MISMATCH',
            detail: `transaction ${h} is a ${t.envelope.type} of ${String(b['request_id']).slice(0, 40)}, not a ${type} of ${req?.request_id}`,
          });
        else if (t.envelope.signer !== signer || t.height !== height)
          items.push({
            subject: h,
            reason: 'APPROVAL_MISMATCH',
            detail: `transaction ${h} is signed by ${t.envelope.signer} at height ${t.height}; request.json says ${signer} at ${height}`,
          });
        else {
          const x = extra?.(b);
          if (x) items.push({ subject: h, reason: 'APPROVAL_MISMATCH', detail: x });
        }
      };
      const unusable = [...req.approvals, ...(req.attestations ?? [])].filter((a) => !txs.get(a.tx_hash)?.member).map((a) => a.tx_hash);
      for (const a of req.approvals) signedAs(a.tx_hash, 'withdrawal.approve', a.key_id, a.height);
      for (const a of req.attestations ?? [])
        signedAs(a.tx_hash, 'withdrawal.attest', a.key_id, a.height, (b) =>
          b['attestation_type'] !== a.attestation_type || b['claim_ref'] !== a.claim_ref
            ? `the signed attestation is ${String(b['attestation_type'])} ${String(b['claim_ref']).slice(0, 60)}, request.json says ${a.attestation_type} ${a.claim_ref}`
            : null,
        );
      if (items.length) out.push(failFrom(id, T[id], items, 'approval refused'));
      else if (unusable.length)
        out.push(
          notChecked(
            id,
            `the transactions of ${unusable.length} approval(s) or attestation(s) did not pass case.transactions (${unusable.slice(0, 3).join(', ')}); only signed approvals count`,
          ),
        );
      else if (!policy) out.push(notChecked(id, `the policy is not proven (case.policy is ${policyCheck.verdict}, ${policyCheck.reason})`));
      else {
        const seen = new Set<string>();
        let weight = 0;
        for (const a of req.approvals) {
          if (!policy.approvers.includes(a.key_id))
            items.push({ subject: a.key_id, reason: 'NOT_AN_APPROVER', detail: `key ${a.key_id} is not an approver of the proven policy of ${req.vault_id}` });
          else if (seen.has(a.key_id)) items.push({ subject: a.key_id, reason: 'APPROVAL_MISMATCH', detail: `key ${a.key_id} is counted twice` });
          else {
            seen.add(a.key_id);
            weight += policy.weights?.[a.key_id] ?? 1;
          }
        }
        const gate = policy.attestation;
        const attesters = new Set(
          (req.attestations ?? []).filter((a) => gate && a.attestation_type === gate.type && gate.attesters.includes(a.key_id)).map((a) => a.key_id),
        );
        if (items.length) out.push(failFrom(id, T[id], items, 'approval refused'));
        else if (weight < policy.threshold)
          out.push(
            check(
              id,
              T[id],
              'fail',
              'BELOW_THRESHOLD',
              `${seen.size} approval(s) of weight ${weight} from the proven approver set; the policy's threshold is ${policy.threshold}`,
            ),
          );
        else if (gate && attesters.size < gate.threshold)
          out.push(
            check(
              id,
              T[id],
              'fail',
              'BELOW_THRESHOLD',
              `${attesters.size} attestation(s) of type ${gate.type} by the policy's attesters; its attestation threshold is ${gate.threshold}`,
            ),
          );
        else
          out.push(
            check(
              id,
              T[id],
              'pass',
              'OK',
              `${seen.size} signed approval(s) of weight ${weight} by approvers of the proven policy, threshold ${policy.threshold}${gate ? `; ${attesters.size} of ${gate.threshold} attestation(s) of type ${gate.type}` : ''} (the engine also counts one approval per owner, and only keys in good standing)`,
            ),
          );
      }
    }
  }

  out.push(blockCheck, blockSig, policyCheck);

  // ── the receipt, its inclusion proof and the checkpoint ──
  const paths = { receipt: CASE_PATHS.receipt, proof: CASE_PATHS.inclusion, checkpoint: CASE_PATHS.checkpoint };
  const receiptTx = req ? (req.executed_tx ?? (needed[needed.length - 1] as string)) : null;
  const receiptTxMember = receiptTx ? txs.get(receiptTx)?.member : undefined;
  // The checkpoint is judged whatever the rest; the receipt needs the executing transaction, verified.
  out.push(
    ...receiptInclusionChecks(
      ctx,
      paths,
      receiptTx && receiptTxMember
        ? { txDigest: receiptTx.toLowerCase(), height: receiptTxMember.height }
        : { unusable: !req ? 'request.json is not usable' : `the executing transaction ${String(receiptTx)} did not pass case.transactions` },
    ),
  );
  const rank = new Map<string, number>(CASE_CHECKS.map(([id], i) => [id, i]));
  return out.sort((a, b) => (rank.get(a.id) ?? 99) - (rank.get(b.id) ?? 99));
}

export const CUSTODY_CASE: KindSpec = { checks: CASE_CHECKS, expectedMembers: caseExpectedMembers, content: custodyCaseChecks };

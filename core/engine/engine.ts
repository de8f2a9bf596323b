/**
 * The custody engine: a deterministic state machine behind the ABCI-like
 * Application interface (core/engine/types.ts).
 *
 * Three copies of the state:
 * - committed: the state after the last commit();
 * - check:     committed + the effects of every transaction admitted by checkTx
 *              since then (so one signer can have nonces n+1, n+2, … pending);
 * - pending:   the working copy finalizeBlock built, made committed by commit().
 *
 * Every transaction is validated completely before anything is written, so
 * a rejected transaction leaves the state exactly as it was (and its nonce
 * unused). See docs/formats/transactions.md for the rules and their order.
 */
import { z } from 'zod';
import { CharterError, ENGINE_CODESPACE, ERROR_CODES } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { canonicalBytes, fromHex, fromUtf8, keyIdOf, sha256, toHex, txHashWith, utf8 } from '../codec/index.js';
import { nobleVerifier, isValidPublicKey, PUBLIC_KEY_BYTES } from '../crypto/ed25519.js';
import type { SignatureVerifier } from '../crypto/ed25519.js';
import { verifyEnvelope } from '../tx/verify.js';
import { KEY_ID_RE, requestIdOf, signingDigest, unsignedOf } from '../tx/codec.js';
import { decodeTxWithDigest } from './tx.js';
import { EMERGENCY_ACTION_SCHEMA, EMERGENCY_PARAMS_SCHEMA, GOV_ACTION_SCHEMA, GOVERNANCE_PARAMS_SCHEMA, POLICY_SCHEMA } from './bodies.js';
import { emergencyOf, genesisHash, genesisState, governanceOf, governanceProblem, labelOk, MAX_EXPIRY_BLOCKS_LIMIT, MAX_GOV_BLOCKS, RFC3339_UTC_RE, validateGenesis } from './genesis.js';
import { compareUtf8, fastCanonicalJson, RootCache } from './state-root.js';
import type { Sha256 } from './state-root.js';
import type { Tally } from './controls.js';
import { approvalTally, attestationTally, keyOf, lookup, ownerOf, timeSeconds, txLimitOf, velocityRoom, velocityUse, whitelisted } from './controls.js';
import { precheckRequest } from './simulate.js';
import type {
  AbciEvent,
  Application,
  EngineState,
  FinalizeBlockRequest,
  FinalizeBlockResponse,
  GenesisDoc,
  InfoResponse,
  QueryRequest,
  QueryResponse,
  SignedEnvelope,
  TxBodies,
  TxResult,
  TxType,
  UnsignedEnvelope,
  KeyRecord,
  ChainParams,
  GovAction,
  GovTrack,
  ProposalRecord,
  ValidatorRecord,
  ControlHold,
  EmergencyAction,
  EmergencyControlRecord,
  Role,
  VaultPolicy,
  VaultRecord,
  WithdrawalRecord,
} from './types.js';
import { GOV_ACTION_TRACK, ROLES } from './types.js';

export const APP_VERSION = 1;
export const SNAPSHOT_FORMAT = 'charter/engine-snapshot/v1';

export const VAULT_ID_RE = /^[a-z0-9][a-z0-9-]{1,31}$/;
export const ASSET_RE = /^[A-Z0-9][A-Z0-9.-]{0,15}$/;
export const AMOUNT_RE = /^[1-9][0-9]{0,30}$/;
export const DESTINATION_RE = /^[\x21-\x7e]{1,128}$/;
export const REQUEST_ID_RE = /^wr-[0-9a-f]{24}$/;
export const PROPOSAL_ID_RE = /^gp-[0-9a-f]{24}$/;
export const CONTROL_ID_RE = /^ec-[0-9a-f]{24}$/;
export const ATTESTATION_TYPE_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MAX_APPROVERS = 32;
export const MAX_MEMO_CHARS = 256;
export const MAX_REASON_CHARS = 256;
/** Roles a newly registered key holds until key.set_roles changes them. */
export const DEFAULT_KEY_ROLES: readonly Role[] = ['approver', 'initiator'];

export interface EngineOptions {
  verifier?: SignatureVerifier;
  /**
   * The SHA-256 the engine uses for the state root, transaction hashes and
   * signing digests (default: the pure-JS one of core/codec). Node hosts pass
   * node:crypto's (main/crypto/node-hash.ts), several times faster; it must be SHA-256.
   */
  sha256?: Sha256;
}

type MapName = 'keys' | 'accounts' | 'vaults' | 'requests' | 'proposals' | 'validators' | 'controls';

/**
 * Copy-on-write writes to a working state: a map gets an overlay object (its
 * prototype the base map) the first time it is written, records are always replaced,
 * never mutated, so the base state stays intact without a deep clone. Every
 * write records the state-root entry it touches.
 */
export class Work {
  readonly s: EngineState;
  private readonly owned = new Set<MapName>();
  readonly touched = new Map<string, unknown>();
  /** Ids of requests in status "approved" (timelocked or waiting for velocity room). */
  readonly approved: Set<string>;
  /** Ids of open proposals (their voting ends at a block boundary). */
  readonly open: Set<string>;
  /** Ids of vaults with pending whitelist changes. */
  readonly wl: Set<string>;
  /** Ids of emergency controls still collecting, active or ratified. */
  readonly ctl: Set<string>;
  constructor(base: EngineState, idx: Index) {
    this.s = { ...base };
    this.approved = new Set(idx.approved);
    this.open = new Set(idx.open);
    this.wl = new Set(idx.wl);
    this.ctl = new Set(idx.ctl);
  }
  index(): Index {
    return { approved: this.approved, open: this.open, wl: this.wl, ctl: this.ctl };
  }
  putControl(r: EmergencyControlRecord): void {
    this.map('controls')[r.control_id] = r;
    this.touched.set(`control/${r.control_id}`, r);
    if (r.status === 'collecting' || r.status === 'active' || r.status === 'ratified') this.ctl.add(r.control_id);
    else this.ctl.delete(r.control_id);
  }
  putMode(m: { degraded: ControlHold | null }): void {
    this.s.mode = m;
    this.touched.set('mode', m);
  }
  private map<K extends MapName>(name: K): EngineState[K] {
    if (!this.owned.has(name)) {
      // An overlay: reads fall through to the base map, writes stay here.
      this.s[name] = Object.create(this.s[name]) as EngineState[K];
      this.owned.add(name);
    }
    return this.s[name];
  }
  /**
   * Fold the overlays into their base maps (O(writes)) and return the state.
   * Only for the pending block at commit: the base is the committed state
   * being replaced.
   */
  flatten(): EngineState {
    for (const name of this.owned) {
      const overlay = this.s[name] as Record<string, unknown>;
      const base = Object.getPrototypeOf(overlay) as Record<string, unknown>;
      for (const k of Object.keys(overlay)) base[k] = overlay[k];
      (this.s as unknown as Record<string, unknown>)[name] = base;
    }
    this.owned.clear();
    return this.s;
  }
  putKey(r: KeyRecord): void {
    this.map('keys')[r.key_id] = r;
    this.touched.set(`key/${r.key_id}`, r);
  }
  putAccount(id: string, nonce: number): void {
    const r = { key_id: id, nonce };
    this.map('accounts')[id] = r;
    this.touched.set(`account/${id}`, r);
  }
  putVault(r: VaultRecord): void {
    this.map('vaults')[r.vault_id] = r;
    this.touched.set(`vault/${r.vault_id}`, r);
    if (r.pending_whitelist && r.pending_whitelist.length > 0) this.wl.add(r.vault_id);
    else this.wl.delete(r.vault_id);
  }
  putProposal(r: ProposalRecord): void {
    this.map('proposals')[r.proposal_id] = r;
    this.touched.set(`proposal/${r.proposal_id}`, r);
    if (r.status === 'open') this.open.add(r.proposal_id);
    else this.open.delete(r.proposal_id);
  }
  putValidator(r: ValidatorRecord): void {
    this.map('validators')[r.public_key] = r;
    this.touched.set(`validator/${r.public_key}`, r);
  }
  putParams(p: ChainParams): void {
    this.s.params = p;
    this.touched.set('params', p);
  }
  putRequest(r: WithdrawalRecord): void {
    this.map('requests')[r.request_id] = r;
    this.touched.set(`request/${r.request_id}`, r);
    if (r.status === 'approved') this.approved.add(r.request_id);
    else this.approved.delete(r.request_id);
  }
}

/** What a validated transaction will do: nothing in here may throw. */
interface Effect {
  apply(w: Work): void;
  data: unknown;
  events: AbciEvent[];
}

export interface TxContext {
  height: number;
  /** Block time in seconds (the block being built; for checkTx the last block's). */
  now: number;
  txHash: string;
  /** The envelope signing digest, when the caller has it (decoded from the wire); else it is computed. */
  digest?: Uint8Array;
}

const EMPTY = new Uint8Array(0);

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function ev(type: string, attrs: [string, string | number][]): AbciEvent {
  return { type, attributes: attrs.map(([key, value]) => ({ key, value: String(value) })) };
}

function fail(code: ErrorCode, message: string): never {
  throw new CharterError(code, message);
}

function chars(s: string): number {
  return [...s].length;
}

function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** The engine's error as a TxResult (code, codespace "custody", log "<CODE>: message"), with a custody.tx_rejected and a security.tx_rejected event. */
export function rejection(code: ErrorCode, message: string, attrs: [string, string | number][] = []): TxResult {
  const abci = (ERROR_CODES[code] as { abci?: number }).abci;
  if (abci === undefined) throw new Error(`${code} is not an engine error code`);
  const sec: [string, string | number][] = [['code', code]];
  for (const [k, v] of attrs) {
    if (k === 'tx_hash' || k === 'type') sec.push([k, v]);
    if (k === 'signer') sec.push(['key_id', v]);
    if (k === 'vault_id' || k === 'request_id') sec.push([k, v]);
  }
  return {
    code: abci,
    codespace: ENGINE_CODESPACE,
    log: `${code}: ${message}`,
    data: EMPTY,
    events: [ev('custody.tx_rejected', [['code', code], ['abci_code', abci], ...attrs]), ev('security.tx_rejected', sec)],
  };
}

function isEngineError(e: unknown): e is CharterError {
  return e instanceof CharterError && (ERROR_CODES[e.code] as { abci?: number }).abci !== undefined;
}

/** The ids the block-level work looks at, kept beside the state so finalizeBlock scans nothing else. */
export interface Index {
  approved: Set<string>;
  open: Set<string>;
  wl: Set<string>;
  ctl: Set<string>;
}

function indexOf(s: EngineState): Index {
  const approved = new Set<string>();
  for (const id of Object.keys(s.requests)) if ((s.requests[id] as WithdrawalRecord).status === 'approved') approved.add(id);
  const open = new Set<string>();
  for (const id of Object.keys(s.proposals)) if ((s.proposals[id] as ProposalRecord).status === 'open') open.add(id);
  const wl = new Set<string>();
  for (const id of Object.keys(s.vaults)) if (((s.vaults[id] as VaultRecord).pending_whitelist ?? []).length > 0) wl.add(id);
  const ctl = new Set<string>();
  for (const id of Object.keys(s.controls)) if (['collecting', 'active', 'ratified'].includes((s.controls[id] as EmergencyControlRecord).status)) ctl.add(id);
  return { approved, open, wl, ctl };
}

export class CustodyEngine implements Application {
  private readonly genesis: GenesisDoc;
  private readonly genesisHashHex: string;
  private readonly verifier: SignatureVerifier;
  private readonly hash: Sha256 | undefined;
  private committed: EngineState;
  private committedIdx: Index;
  private committedRoot: Uint8Array;
  /** The root cache of the committed state, or of the pending one while a block is finalized. */
  private cache: RootCache;
  private check: Work;
  private pending: { work: Work; root: Uint8Array } | null = null;

  constructor(genesis: GenesisDoc, opts: EngineOptions = {}) {
    this.genesis = validateGenesis(genesis);
    this.genesisHashHex = genesisHash(this.genesis);
    this.verifier = opts.verifier ?? nobleVerifier;
    this.hash = opts.sha256;
    this.committed = genesisState(this.genesis);
    this.committedIdx = { approved: new Set(), open: new Set(), wl: new Set(), ctl: new Set() };
    this.cache = RootCache.fromState(this.committed, this.hash);
    this.committedRoot = this.cache.root();
    this.check = new Work(this.committed, this.committedIdx);
  }

  /** Rebuild an engine from snapshot() bytes; throws CharterError('INVALID_INPUT') unless the snapshot is intact and belongs to this genesis. */
  static restore(snapshot: Uint8Array, genesis: GenesisDoc, opts: EngineOptions = {}): CustodyEngine {
    const engine = new CustodyEngine(genesis, opts);
    let parsed: unknown;
    try {
      parsed = JSON.parse(fromUtf8(snapshot));
    } catch {
      throw new CharterError('INVALID_INPUT', 'snapshot is not UTF-8 JSON');
    }
    const r = SnapshotSchema.safeParse(parsed);
    if (!r.success) {
      throw new CharterError('INVALID_INPUT', `snapshot: ${r.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')}`);
    }
    const snap = r.data;
    if (snap.genesis_hash !== engine.genesisHashHex) throw new CharterError('INVALID_INPUT', 'snapshot belongs to another genesis document');
    const state = { ...snap.state, proposals: snap.state.proposals ?? {}, validators: snap.state.validators ?? {}, controls: snap.state.controls ?? {} } as EngineState;
    if (state.chain_id !== engine.genesis.chain_id) throw new CharterError('INVALID_INPUT', `snapshot is of chain ${state.chain_id}, not ${engine.genesis.chain_id}`);
    checkStateConsistency(state);
    const cache = RootCache.fromState(state, engine.hash);
    const root = cache.root();
    if (toHex(root) !== snap.app_hash) throw new CharterError('INVALID_INPUT', `snapshot state hashes to ${toHex(root)}, but the snapshot records ${snap.app_hash}`);
    engine.committed = state;
    engine.committedIdx = indexOf(state);
    engine.cache = cache;
    engine.committedRoot = root;
    engine.check = new Work(state, engine.committedIdx);
    return engine;
  }

  // ─── Accessors ───────────────────────────────────────────────────────────

  /** A deep copy of the committed state. */
  state(): EngineState {
    return clone(this.committed);
  }
  /** Height of the last committed block (0 before the first). */
  height(): number {
    return this.committed.height;
  }
  /** State root after the last commit (a copy). */
  appHash(): Uint8Array {
    return this.committedRoot.slice();
  }
  genesisDoc(): GenesisDoc {
    return clone(this.genesis);
  }

  // ─── Application ─────────────────────────────────────────────────────────

  info(): InfoResponse {
    return {
      lastBlockHeight: this.committed.height,
      lastBlockAppHash: this.committedRoot.slice(),
      chainId: this.committed.chain_id,
      appVersion: APP_VERSION,
    };
  }

  checkTx(tx: Uint8Array): TxResult {
    return this.runTx(this.check, tx, { height: this.committed.height + 1, now: timeSeconds(this.committed.time), txHash: '' });
  }

  finalizeBlock(req: FinalizeBlockRequest): FinalizeBlockResponse {
    const expected = this.committed.height + 1;
    if (!Number.isSafeInteger(req.height) || req.height !== expected) {
      throw new CharterError('INVALID_INPUT', `finalizeBlock: height ${String(req.height)} is not the next height ${expected}`);
    }
    if (typeof req.time !== 'string' || !RFC3339_UTC_RE.test(req.time)) {
      throw new CharterError('INVALID_INPUT', `finalizeBlock: time ${JSON.stringify(req.time)} is not RFC 3339 UTC`);
    }
    if (!Array.isArray(req.txs)) throw new CharterError('INVALID_INPUT', 'finalizeBlock: txs is not an array');
    // A block finalized earlier and never committed left the cache at its state.
    if (this.pending !== null) this.cache = RootCache.fromState(this.committed, this.hash);
    const work = new Work(this.committed, this.committedIdx);
    work.s.height = req.height;
    work.s.time = req.time;
    const now = timeSeconds(req.time);
    const events = this.runDue(work, req.height, now);
    const txResults = req.txs.map((tx) => this.runTx(work, tx, { height: req.height, now, txHash: '' }));
    for (const [k, v] of work.touched) this.cache.set(k, v);
    const root = this.cache.root();
    this.pending = { work, root };
    return { txResults, appHash: root.slice(), events };
  }

  commit(): { retainHeight: number } {
    if (this.pending === null) throw new CharterError('INVALID_INPUT', 'commit without a finalized block');
    this.committed = this.pending.work.flatten();
    this.committedIdx = this.pending.work.index();
    this.committedRoot = this.pending.root;
    this.pending = null;
    this.check = new Work(this.committed, this.committedIdx);
    return { retainHeight: 0 };
  }

  snapshot(): Uint8Array {
    return canonicalBytes({
      format: SNAPSHOT_FORMAT,
      genesis_hash: this.genesisHashHex,
      app_hash: toHex(this.committedRoot),
      state: this.committed,
    });
  }

  query(req: QueryRequest): QueryResponse {
    const height = this.committed.height;
    try {
      const value = this.answer(req.path);
      return { code: 0, codespace: '', log: '', value: canonicalBytes(value), height };
    } catch (e) {
      if (!isEngineError(e)) throw e;
      const abci = (ERROR_CODES[e.code] as { abci?: number }).abci as number;
      return { code: abci, codespace: ENGINE_CODESPACE, log: `${e.code}: ${e.message}`, value: EMPTY, height };
    }
  }

  // ─── Block-level execution ───────────────────────────────────────────────

  /** Execute approved requests whose timelock has ended (sorted by executable_at, then id); their events are block events. */
  private runDue(w: Work, height: number, now: number): AbciEvent[] {
    const events = w.ctl.size > 0 ? runEmergencyDue(w, height) : [];
    if (w.open.size > 0 || w.wl.size > 0) events.push(...runGovernanceDue(w, height));
    if (w.approved.size === 0) return events;
    const due = [...w.approved]
      .map((id) => w.s.requests[id] as WithdrawalRecord)
      .filter((r) => (r.executable_at ?? 0) <= height)
      .sort((a, b) => (a.executable_at ?? 0) - (b.executable_at ?? 0) || compareUtf8(a.request_id, b.request_id));
    for (const r of due) {
      const vault = w.s.vaults[r.vault_id] as VaultRecord;
      if (!vaultMoves(w.s, vault)) continue;
      const out = decide(w.s, vault, r, { height, now, txHash: '' }, null);
      if (out.kind === 'wait') continue;
      out.apply(w);
      events.push(...out.events);
    }
    return events;
  }

  // ─── Queries ─────────────────────────────────────────────────────────────

  private answer(path: string): unknown {
    const s = this.committed;
    if (typeof path !== 'string') fail('UNKNOWN_QUERY', 'query path is not a string');
    const q = path.indexOf('?');
    const route = q < 0 ? path : path.slice(0, q);
    const search = q < 0 ? null : path.slice(q + 1);
    const parts = route.split('/');
    if (parts[0] !== '' || parts.length < 2) fail('UNKNOWN_QUERY', `unknown query path ${JSON.stringify(path)}`);
    const [, head, ...rest] = parts;
    const arg = rest.join('/');
    const noSearch = () => {
      if (search !== null) fail('UNKNOWN_QUERY', `query path ${JSON.stringify(route)} takes no parameters`);
    };

    switch (head) {
      case 'key':
        if (rest.length === 1 && arg) {
          noSearch();
          const k = lookup(s.keys, arg);
          if (!k) fail('UNKNOWN_SIGNER', `no key ${arg} is registered`);
          return k;
        }
        break;
      case 'keys':
        if (rest.length === 0) {
          noSearch();
          return Object.keys(s.keys)
            .map((id) => s.keys[id] as NonNullable<(typeof s.keys)[string]>)
            .sort((a, b) => a.registered_at - b.registered_at || compareUtf8(a.key_id, b.key_id));
        }
        break;
      case 'account':
        if (rest.length === 1 && arg) {
          noSearch();
          if (!KEY_ID_RE.test(arg)) fail('INVALID_FIELD', `${JSON.stringify(arg)} is not a key id (40 lower-case hex digits)`);
          const a = lookup(s.accounts, arg);
          return { key_id: arg, nonce: a ? a.nonce : 0 };
        }
        break;
      case 'vault':
        if (rest.length === 1 && arg) {
          noSearch();
          const v = lookup(s.vaults, arg);
          if (!v) fail('VAULT_NOT_FOUND', `no vault ${arg}`);
          return v;
        }
        break;
      case 'vaults':
        if (rest.length === 0) {
          noSearch();
          return Object.keys(s.vaults)
            .sort(compareUtf8)
            .map((id) => s.vaults[id]);
        }
        break;
      case 'request':
        if (rest.length === 1 && arg) {
          noSearch();
          const r = lookup(s.requests, arg);
          if (!r) fail('REQUEST_NOT_FOUND', `no withdrawal request ${arg}`);
          return r;
        }
        break;
      case 'precheck':
        if (rest.length === 1 && arg) {
          noSearch();
          if (lookup(s.requests, arg) === undefined) fail('REQUEST_NOT_FOUND', `no withdrawal request ${arg}`);
          return precheckRequest(s, arg, { height: s.height + 1, time: s.time });
        }
        break;
      case 'requests':
        if (rest.length === 0) {
          let vault: string | null = null;
          if (search !== null) {
            const m = /^vault=([a-z0-9-]+)$/.exec(search);
            if (!m) fail('UNKNOWN_QUERY', `unknown parameters ${JSON.stringify(search)}; /requests takes ?vault=<vault id>`);
            vault = m[1] as string;
            if (lookup(s.vaults, vault) === undefined) fail('VAULT_NOT_FOUND', `no vault ${vault}`);
          }
          return Object.keys(s.requests)
            .map((id) => s.requests[id] as WithdrawalRecord)
            .filter((r) => vault === null || r.vault_id === vault)
            .sort((a, b) => b.created_at - a.created_at || compareUtf8(a.request_id, b.request_id));
        }
        break;
      case 'proposal':
        if (rest.length === 1 && arg) {
          noSearch();
          const p = lookup(s.proposals, arg);
          if (!p) fail('PROPOSAL_NOT_FOUND', `no proposal ${arg}`);
          return { ...p, tally: tallyOf(s, p) };
        }
        break;
      case 'proposals':
        if (rest.length === 0) {
          let status: string | null = null;
          if (search !== null) {
            const m = /^status=(open|passed|rejected|expired|executed)$/.exec(search);
            if (!m) fail('UNKNOWN_QUERY', `unknown parameters ${JSON.stringify(search)}; /proposals takes ?status=open|passed|rejected|expired|executed`);
            status = m[1] as string;
          }
          return Object.keys(s.proposals)
            .map((id) => s.proposals[id] as ProposalRecord)
            .filter((p) => status === null || p.status === status)
            .sort((a, b) => b.created_at - a.created_at || compareUtf8(a.proposal_id, b.proposal_id));
        }
        break;
      case 'control':
        if (rest.length === 1 && arg) {
          noSearch();
          return controlOf(s, arg);
        }
        break;
      case 'controls':
        if (rest.length === 0) {
          noSearch();
          return Object.keys(s.controls)
            .map((id) => s.controls[id] as EmergencyControlRecord)
            .sort((a, b) => b.created_at - a.created_at || compareUtf8(a.control_id, b.control_id));
        }
        break;
      case 'mode':
        if (rest.length === 0) {
          noSearch();
          return {
            degraded: s.mode?.degraded ?? null,
            vaults: Object.keys(s.vaults)
              .sort(compareUtf8)
              .map((id) => s.vaults[id] as VaultRecord)
              .filter((v) => v.degraded || v.frozen)
              .map((v) => ({ vault_id: v.vault_id, degraded: v.degraded ?? null, frozen: v.frozen ?? null })),
          };
        }
        break;
      case 'validators':
        if (rest.length === 0) {
          noSearch();
          return Object.keys(s.validators)
            .sort(compareUtf8)
            .map((id) => s.validators[id] as ValidatorRecord)
            .filter((v) => v.removed_at === null);
        }
        break;
      case 'params':
        if (rest.length === 0) {
          noSearch();
          return s.params;
        }
        break;
      case 'admins':
        if (rest.length === 0) {
          noSearch();
          return [...s.admins].sort(compareUtf8);
        }
        break;
      case 'root':
        if (rest.length === 0) {
          noSearch();
          return { height: s.height, app_hash: toHex(this.committedRoot).toUpperCase() };
        }
        break;
      case 'proof':
        if (rest.length >= 1 && arg) {
          noSearch();
          // The cache may be ahead of the committed state while a block is pending: use it only when it is not.
          const cache = this.pending === null ? this.cache : RootCache.fromState(s, this.hash);
          const proof = cache.proof(arg);
          if (!proof) fail('NOT_IN_STATE', `the state has no entry ${JSON.stringify(arg)}`);
          return { height: s.height, app_hash: toHex(this.committedRoot).toUpperCase(), key: arg, value: entryValue(s, arg), proof };
        }
        break;
      default:
        break;
    }
    return fail('UNKNOWN_QUERY', `unknown query path ${JSON.stringify(path)}`);
  }

  // ─── Transactions ────────────────────────────────────────────────────────

  /** Run one transaction in `w` at `height`: either fully applied, or rejected with the state untouched. */
  private runTx(w: Work, bytes: Uint8Array, base: TxContext): TxResult {
    const attrs: [string, string | number][] = [];
    try {
      if (!(bytes instanceof Uint8Array)) fail('TX_MALFORMED', 'transaction is not a byte array');
      const hash = this.hash ?? sha256;
      const txHash = txHashWith(bytes, hash);
      attrs.push(['tx_hash', txHash]);
      const { env, digest } = decodeTxWithDigest(bytes, hash);
      attrs.push(['type', env.type], ['signer', env.signer]);
      const b = env.body as { vault_id?: unknown; request_id?: unknown };
      if (typeof b.vault_id === 'string') attrs.push(['vault_id', b.vault_id.slice(0, 64)]);
      if (typeof b.request_id === 'string') attrs.push(['request_id', b.request_id.slice(0, 64)]);
      const effect = validateTx(w.s, env, { ...base, txHash, digest }, this.verifier);
      // Nothing below throws: validation is complete.
      effect.apply(w);
      w.putAccount(env.signer, env.nonce);
      return { code: 0, codespace: '', log: '', data: effect.data === undefined ? EMPTY : utf8(fastCanonicalJson(effect.data)), events: effect.events };
    } catch (e) {
      if (isEngineError(e)) return rejection(e.code, e.message, attrs);
      // Anything else is a bug in validation; still answer deterministically,
      // and validation has not written anything.
      const message = e instanceof Error ? e.message : String(e);
      return rejection('TX_MALFORMED', `unexpected: ${message}`, attrs);
    }
  }
}

/** The value of one state-root entry (as stateEntries gives it). */
function entryValue(s: EngineState, key: string): unknown {
  if (key === 'chain') return { chain_id: s.chain_id };
  if (key === 'params') return s.params;
  if (key === 'admins') return [...s.admins].sort(compareUtf8);
  if (key === 'mode') return s.mode;
  const i = key.indexOf('/');
  const kind = key.slice(0, i);
  const id = key.slice(i + 1);
  const m = kind === 'key' ? s.keys : kind === 'account' ? s.accounts : kind === 'vault' ? s.vaults : kind === 'proposal' ? s.proposals : kind === 'validator' ? s.validators : kind === 'control' ? s.controls : s.requests;
  return (m as Record<string, unknown>)[id];
}

// ─── Validation (pure; shared with simulate) ─────────────────────────────────

/**
 * Validate `env` against `s` completely and return what it will do. With a
 * verifier the signature is checked; simulate() passes null (unsigned pre-check).
 * Throws CharterError with the rejection code.
 */
export function validateTx(s: EngineState, env: SignedEnvelope | UnsignedEnvelope, ctx: TxContext, verifier: SignatureVerifier | null): Effect {
  if (env.chain_id !== s.chain_id) fail('WRONG_CHAIN', `signed for chain ${env.chain_id}, this is ${s.chain_id}`);
  if (ctx.height > env.expires_at) fail('TX_EXPIRED', `expired at height ${env.expires_at}; the block height is ${ctx.height}`);
  if (env.expires_at > ctx.height + s.params.max_expiry_blocks) {
    fail('INVALID_FIELD', `expires_at ${env.expires_at} is more than ${s.params.max_expiry_blocks} blocks after height ${ctx.height}`);
  }
  const key = keyOf(s, env.signer);
  if (!key) fail('UNKNOWN_SIGNER', `key ${env.signer} is not registered`);
  if (key.status !== 'active') fail('KEY_NOT_ACTIVE', `key ${env.signer} is ${key.status}`);
  if (verifier !== null && !verifyEnvelope(verifier, env as SignedEnvelope, key, ctx.digest)) {
    fail('BAD_SIGNATURE', `the signature does not verify for key ${env.signer}`);
  }
  const account = lookup(s.accounts, env.signer);
  const expectedNonce = (account ? account.nonce : 0) + 1;
  if (env.nonce !== expectedNonce) fail('BAD_NONCE', `nonce ${env.nonce}; the next nonce of key ${env.signer} is ${expectedNonce}`);
  requireRole(s, env.signer, env.type);
  checkModes(s, env.type, env.body);

  switch (env.type) {
    case 'key.register':
      return keyRegister(s, env as SignedEnvelope<'key.register'>, ctx);
    case 'vault.create':
      return vaultCreate(s, env as SignedEnvelope<'vault.create'>, ctx);
    case 'vault.fund':
      return vaultFund(s, env as SignedEnvelope<'vault.fund'>);
    case 'withdrawal.create':
      return withdrawalCreate(s, env as SignedEnvelope<'withdrawal.create'>, ctx);
    case 'withdrawal.approve':
      return withdrawalApprove(s, env as SignedEnvelope<'withdrawal.approve'>, ctx);
    case 'key.set_roles':
      return keySetRoles(s, env as SignedEnvelope<'key.set_roles'>);
    case 'vault.set_policy':
      return vaultSetPolicy(s, env as SignedEnvelope<'vault.set_policy'>);
    case 'withdrawal.attest':
      return withdrawalAttest(s, env as SignedEnvelope<'withdrawal.attest'>, ctx);
    case 'withdrawal.cancel':
      return withdrawalCancel(s, env as SignedEnvelope<'withdrawal.cancel'>, ctx);
    case 'key.quarantine':
    case 'key.release':
      return keyQuarantine(s, env as SignedEnvelope<'key.quarantine'>, ctx, env.type === 'key.quarantine');
    case 'gov.propose':
      return govPropose(s, env as SignedEnvelope<'gov.propose'>, ctx);
    case 'gov.vote':
      return govVote(s, env as SignedEnvelope<'gov.vote'>, ctx);
    case 'gov.execute':
      return govExecute(s, env as SignedEnvelope<'gov.execute'>, ctx);
    case 'emergency.propose':
      return emergencyPropose(s, env as SignedEnvelope<'emergency.propose'>, ctx);
    case 'emergency.sign':
      return emergencySign(s, env as SignedEnvelope<'emergency.sign'>, ctx);
    case 'key.attest':
      return keyAttest(s, env as SignedEnvelope<'key.attest'>, ctx);
    case 'key.rotate':
      return keyRotate(s, env as SignedEnvelope<'key.rotate'>, ctx);
    case 'key.retire':
      return keyRetire(s, env as SignedEnvelope<'key.retire'>, ctx);
    default:
      return fail('UNKNOWN_TX_TYPE', `unknown transaction type ${JSON.stringify((env as { type: string }).type)}`);
  }
}

/**
 * The policy matrix (docs/policy.md): the roles that may submit each
 * transaction type. Any one of the listed roles suffices; object-level rules
 * (listed as approver of this vault, initiator of this request, …) apply on top.
 */
export const POLICY_MATRIX: Readonly<Record<TxType, readonly Role[]>> = {
  'key.register': ['admin'],
  'key.set_roles': ['admin'],
  'vault.create': ['admin'],
  'vault.set_policy': ['admin'],
  'vault.fund': ['admin'],
  'withdrawal.create': ['initiator', 'admin'],
  'withdrawal.approve': ['approver'],
  'withdrawal.attest': ['attester'],
  'withdrawal.cancel': ['initiator', 'governance', 'admin'],
  'key.quarantine': ['governance', 'admin'],
  'key.release': ['governance', 'admin'],
  'gov.propose': ['governance'],
  'gov.vote': ['governance'],
  'gov.execute': ['governance'],
  'emergency.propose': ['operator'],
  'emergency.sign': ['operator'],
  'key.attest': ['admin'],
  'key.rotate': [...ROLES],
  'key.retire': [...ROLES],
};

/** Roles a key holds: its roles, plus "admin" for chain admins. */
export function rolesOf(s: EngineState, id: string): Set<string> {
  const k = keyOf(s, id);
  const out = new Set<string>(k ? k.roles : []);
  if (s.admins.includes(id)) out.add('admin');
  return out;
}

function requireRole(s: EngineState, signer: string, type: TxType): void {
  const allowed = POLICY_MATRIX[type];
  if (!allowed) return;
  const has = rolesOf(s, signer);
  if (!allowed.some((r) => has.has(r))) {
    fail('NOT_AUTHORIZED', `${type} needs the role ${allowed.join(' or ')}; key ${signer} holds ${[...has].sort().join(', ') || 'no role'}`);
  }
}

function keyRegister(s: EngineState, env: SignedEnvelope<'key.register'>, ctx: TxContext): Effect {
  const b = env.body;
  const bytes = PUBLIC_KEY_BYTES[b.scheme];
  if (bytes === undefined) fail('INVALID_KEY', `unknown signature scheme ${JSON.stringify(String(b.scheme).slice(0, 32))}`);
  if (b.public_key.length !== bytes * 2 || !/^[0-9a-f]*$/.test(b.public_key)) {
    fail('INVALID_KEY', `a ${b.scheme} public_key is ${bytes * 2} lower-case hex digits (${bytes} bytes)`);
  }
  const pk = fromHex(b.public_key);
  if (!isValidPublicKey(b.scheme, pk)) fail('INVALID_KEY', `public_key is not a valid ${b.scheme} public key (canonical encoding, a point on the curve${b.scheme === 'ed25519' ? ', not of small order' : ''})`);
  if (!labelOk(b.label)) fail('INVALID_FIELD', 'label must be 1–64 characters');
  const id = keyIdOf(b.scheme, pk);
  if (lookup(s.keys, id) !== undefined) fail('KEY_EXISTS', `key ${id} is already registered`);
  const rec: KeyRecord = { key_id: id, scheme: b.scheme, public_key: b.public_key, label: b.label, status: 'active', roles: [...DEFAULT_KEY_ROLES], registered_at: ctx.height };
  return {
    apply: (w) => w.putKey(rec),
    data: { key_id: id },
    events: [ev('custody.key_registered', [['key_id', id], ['scheme', b.scheme], ['label', b.label], ['registered_by', env.signer]])],
  };
}

function keySetRoles(s: EngineState, env: SignedEnvelope<'key.set_roles'>): Effect {
  const b = env.body;
  const k = keyOf(s, b.key_id);
  if (!k) fail('UNKNOWN_KEY', `no key ${JSON.stringify(b.key_id.slice(0, 48))} is registered`);
  const roles = [...new Set(b.roles)].sort();
  if (roles.length !== b.roles.length) fail('INVALID_FIELD', 'roles lists a role twice');
  if (roles.includes('admin')) fail('INVALID_FIELD', 'the admin role is given at genesis only');
  if (b.owner !== undefined && !/^[\x21-\x7e]{1,64}$/.test(b.owner)) fail('INVALID_FIELD', 'owner must be 1–64 printable ASCII characters without spaces');
  const rec: KeyRecord = { ...k, roles: s.admins.includes(k.key_id) ? [...new Set(['admin', ...roles])].sort() : roles };
  if (b.owner !== undefined) rec.owner = b.owner;
  else delete rec.owner;
  return {
    apply: (w) => w.putKey(rec),
    data: { key_id: k.key_id, roles: rec.roles },
    events: [ev('security.roles_changed', [['key_id', k.key_id], ['roles', rec.roles.join(',')], ['owner', rec.owner ?? ''], ['changed_by', env.signer]])],
  };
}

function keyQuarantine(s: EngineState, env: SignedEnvelope<'key.quarantine'>, ctx: TxContext, on: boolean): Effect {
  const b = env.body;
  const k = keyOf(s, b.key_id);
  if (!k) fail('UNKNOWN_KEY', `no key ${JSON.stringify(b.key_id.slice(0, 48))} is registered`);
  if (chars(b.reason) < 1 || chars(b.reason) > MAX_REASON_CHARS) fail('INVALID_FIELD', `reason must be 1–${MAX_REASON_CHARS} characters`);
  if (on && k.status !== 'active') fail('KEY_STATUS_CONFLICT', `key ${k.key_id} is ${k.status}; only an active key can be quarantined`);
  if (!on && k.status !== 'quarantined') fail('KEY_STATUS_CONFLICT', `key ${k.key_id} is ${k.status}, not quarantined`);
  if (on && k.key_id === env.signer) fail('KEY_STATUS_CONFLICT', 'a key cannot quarantine itself');
  const rec: KeyRecord = { ...k, status: on ? 'quarantined' : 'active' };
  if (on) rec.quarantine = { reason: b.reason, since: ctx.height, by: env.signer };
  else delete rec.quarantine;
  return {
    apply: (w) => w.putKey(rec),
    data: { key_id: k.key_id, status: rec.status },
    events: [ev(on ? 'security.key_quarantined' : 'security.key_released', [['key_id', k.key_id], ['reason', b.reason], ['by', env.signer]])],
  };
}

function checkPolicy(s: EngineState, p: VaultPolicy): VaultPolicy {
  const { approvers, threshold } = p;
  if (approvers.length < 1 || approvers.length > MAX_APPROVERS) fail('INVALID_POLICY', `a policy has 1–${MAX_APPROVERS} approvers, not ${approvers.length}`);
  const seen = new Set<string>();
  for (const a of approvers) {
    if (!KEY_ID_RE.test(a)) fail('INVALID_POLICY', `approver ${JSON.stringify(a.slice(0, 48))} is not a key id`);
    if (seen.has(a)) fail('INVALID_POLICY', `approver ${a} is listed twice`);
    seen.add(a);
    const k = keyOf(s, a);
    if (!k) fail('INVALID_POLICY', `approver ${a} is not a registered key`);
    if (k.status !== 'active') fail('INVALID_POLICY', `approver ${a} is ${k.status}, not active`);
  }
  const out: VaultPolicy = { approvers: [...approvers], threshold };
  let total = approvers.length;
  if (p.weights !== undefined) {
    total = 0;
    const w: Record<string, number> = {};
    for (const id of Object.keys(p.weights).sort(compareUtf8)) {
      const n = p.weights[id] as number;
      if (!seen.has(id)) fail('INVALID_POLICY', `weights name ${JSON.stringify(id.slice(0, 48))}, which is not an approver`);
      if (!Number.isSafeInteger(n) || n < 1 || n > 1000) fail('INVALID_POLICY', `weight of ${id} must be 1–1000`);
      w[id] = n;
    }
    for (const a of approvers) total += hasOwn(w, a) ? (w[a] as number) : 1;
    out.weights = w;
  }
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > total) {
    fail('INVALID_POLICY', `threshold ${threshold} is not between 1 and ${total}${p.weights ? ' (total weight)' : ''}`);
  }
  if (p.timelock_blocks !== undefined) {
    if (!Number.isSafeInteger(p.timelock_blocks) || p.timelock_blocks > 1_000_000) fail('INVALID_POLICY', 'timelock_blocks must be 0–1000000');
    if (p.timelock_blocks > 0) out.timelock_blocks = p.timelock_blocks;
  }
  if (p.tx_limits !== undefined) {
    const l: Record<string, string> = {};
    for (const a of Object.keys(p.tx_limits).sort(compareUtf8)) {
      if (!ASSET_RE.test(a)) fail('INVALID_POLICY', `tx_limits: ${JSON.stringify(a.slice(0, 32))} is not an asset`);
      if (!AMOUNT_RE.test(p.tx_limits[a] as string)) fail('INVALID_POLICY', `tx_limits.${a} is not a positive amount`);
      l[a] = p.tx_limits[a] as string;
    }
    out.tx_limits = l;
  }
  if (p.velocity !== undefined) {
    const v: NonNullable<VaultPolicy['velocity']> = {};
    for (const a of Object.keys(p.velocity).sort(compareUtf8)) {
      const c = p.velocity[a] as { window_seconds: number; max_amount?: string; max_count?: number };
      if (!ASSET_RE.test(a)) fail('INVALID_POLICY', `velocity: ${JSON.stringify(a.slice(0, 32))} is not an asset`);
      if (!Number.isSafeInteger(c.window_seconds) || c.window_seconds < 1 || c.window_seconds > 366 * 86400) fail('INVALID_POLICY', `velocity.${a}.window_seconds must be 1–${366 * 86400}`);
      if (c.max_amount === undefined && c.max_count === undefined) fail('INVALID_POLICY', `velocity.${a} needs max_amount or max_count`);
      if (c.max_amount !== undefined && !AMOUNT_RE.test(c.max_amount)) fail('INVALID_POLICY', `velocity.${a}.max_amount is not a positive amount`);
      if (c.max_count !== undefined && (!Number.isSafeInteger(c.max_count) || c.max_count < 1 || c.max_count > 100000)) fail('INVALID_POLICY', `velocity.${a}.max_count must be 1–100000`);
      v[a] = { window_seconds: c.window_seconds, ...(c.max_amount !== undefined ? { max_amount: c.max_amount } : {}), ...(c.max_count !== undefined ? { max_count: c.max_count } : {}) };
    }
    out.velocity = v;
  }
  if (p.whitelist !== undefined) {
    const wl = [...new Set(p.whitelist)].sort(compareUtf8);
    for (const d of wl) if (!DESTINATION_RE.test(d)) fail('INVALID_POLICY', `whitelist entry ${JSON.stringify(d.slice(0, 64))} is not a destination`);
    out.whitelist = wl;
  }
  if (p.attestation !== undefined) {
    const g = p.attestation;
    if (!ATTESTATION_TYPE_RE.test(g.type)) fail('INVALID_POLICY', 'attestation.type must be 1–64 characters a–z 0–9 . _ -');
    const at = [...new Set(g.attesters)];
    if (at.length !== g.attesters.length || at.length < 1 || at.length > MAX_APPROVERS) fail('INVALID_POLICY', `attestation.attesters: 1–${MAX_APPROVERS} distinct keys`);
    for (const a of at) {
      const k = keyOf(s, a);
      if (!k) fail('INVALID_POLICY', `attester ${JSON.stringify(a.slice(0, 48))} is not a registered key`);
    }
    if (!Number.isSafeInteger(g.threshold) || g.threshold < 1 || g.threshold > at.length) fail('INVALID_POLICY', `attestation.threshold must be 1–${at.length}`);
    out.attestation = { type: g.type, attesters: at, threshold: g.threshold };
  }
  return out;
}

function vaultCreate(s: EngineState, env: SignedEnvelope<'vault.create'>, ctx: TxContext): Effect {
  const b = env.body;
  if (!VAULT_ID_RE.test(b.vault_id)) fail('INVALID_FIELD', 'vault_id must be 2–32 characters: a–z, 0–9 or "-", starting with a letter or digit');
  if (!labelOk(b.name)) fail('INVALID_FIELD', 'name must be 1–64 characters');
  if (lookup(s.vaults, b.vault_id) !== undefined) fail('VAULT_EXISTS', `vault ${b.vault_id} already exists`);
  const policy = checkPolicy(s, { approvers: b.policy.approvers, threshold: b.policy.threshold });
  const vault: VaultRecord = { vault_id: b.vault_id, name: b.name, policy, balances: {}, created_at: ctx.height };
  return {
    apply: (w) => w.putVault(vault),
    data: { vault_id: b.vault_id },
    events: [
      ev('custody.vault_created', [
        ['vault_id', b.vault_id],
        ['threshold', policy.threshold],
        ['approvers', policy.approvers.join(',')],
        ['created_by', env.signer],
      ]),
    ],
  };
}

function vaultSetPolicy(s: EngineState, env: SignedEnvelope<'vault.set_policy'>): Effect {
  const b = env.body;
  const vault = lookup(s.vaults, b.vault_id);
  if (!vault) fail('VAULT_NOT_FOUND', `no vault ${JSON.stringify(b.vault_id.slice(0, 64))}`);
  const policy = checkPolicy(s, b.policy);
  const rec: VaultRecord = { ...vault, policy };
  if (!policy.velocity) delete rec.spent;
  return {
    apply: (w) => w.putVault(rec),
    data: { vault_id: b.vault_id, policy },
    events: [ev('security.policy_changed', [['vault_id', b.vault_id], ['threshold', policy.threshold], ['controls', controlNames(policy).join(',')], ['by', env.signer]])],
  };
}

function controlNames(p: VaultPolicy): string[] {
  const out = ['threshold'];
  if (p.weights) out.push('weights');
  if (p.timelock_blocks) out.push('timelock');
  if (p.tx_limits) out.push('tx_limit');
  if (p.velocity) out.push('velocity');
  if (p.whitelist) out.push('whitelist');
  if (p.attestation) out.push('attestation');
  return out;
}

function vaultFund(s: EngineState, env: SignedEnvelope<'vault.fund'>): Effect {
  if (!s.params.faucet) fail('FAUCET_DISABLED', 'this chain has no faucet (params.faucet is false)');
  const b = env.body;
  const vault = lookup(s.vaults, b.vault_id);
  if (!vault) fail('VAULT_NOT_FOUND', `no vault ${JSON.stringify(b.vault_id)}`);
  checkAsset(b.asset);
  checkAmount(b.amount);
  const balance = (hasOwn(vault.balances, b.asset) ? BigInt(vault.balances[b.asset] as string) : 0n) + BigInt(b.amount);
  const next = balance.toString();
  const rec: VaultRecord = { ...vault, balances: { ...vault.balances, [b.asset]: next } };
  return {
    apply: (w) => w.putVault(rec),
    data: { vault_id: b.vault_id, asset: b.asset, balance: next },
    events: [ev('custody.vault_funded', [['vault_id', b.vault_id], ['asset', b.asset], ['amount', b.amount], ['balance', next], ['funded_by', env.signer]])],
  };
}

function withdrawalCreate(s: EngineState, env: SignedEnvelope<'withdrawal.create'>, ctx: TxContext): Effect {
  const b = env.body;
  const vault = lookup(s.vaults, b.vault_id);
  if (!vault) fail('VAULT_NOT_FOUND', `no vault ${JSON.stringify(b.vault_id)}`);
  checkAsset(b.asset);
  checkAmount(b.amount);
  if (!DESTINATION_RE.test(b.destination)) fail('INVALID_DESTINATION', 'destination must be 1–128 printable ASCII characters without spaces');
  if (chars(b.memo) > MAX_MEMO_CHARS) fail('INVALID_FIELD', `memo is longer than ${MAX_MEMO_CHARS} characters`);
  const amount = BigInt(b.amount);
  const limit = txLimitOf(vault, b.asset);
  if (limit !== null && amount > limit) fail('LIMIT_EXCEEDED', `vault ${b.vault_id} allows at most ${limit} ${b.asset} per withdrawal; the request is for ${b.amount}`);
  if (!whitelisted(vault, b.destination)) fail('DESTINATION_NOT_WHITELISTED', `destination ${b.destination} is not on the whitelist of vault ${b.vault_id}`);
  const balance = hasOwn(vault.balances, b.asset) ? BigInt(vault.balances[b.asset] as string) : 0n;
  if (amount > balance) fail('INSUFFICIENT_BALANCE', `vault ${b.vault_id} holds ${balance} ${b.asset}; the request is for ${b.amount}`);
  const id = ctx.digest !== undefined ? 'wr-' + toHex(ctx.digest).slice(0, 24) : requestIdOf(unsignedOf(env) as UnsignedEnvelope<'withdrawal.create'>);
  if (lookup(s.requests, id) !== undefined) fail('REQUEST_EXISTS', `request ${id} already exists`);
  const record: WithdrawalRecord = {
    request_id: id,
    vault_id: b.vault_id,
    asset: b.asset,
    amount: b.amount,
    destination: b.destination,
    memo: b.memo,
    initiator: env.signer,
    created_at: ctx.height,
    created_tx: ctx.txHash,
    approvals: [],
    status: 'pending',
    executed_at: null,
    executed_tx: null,
    failure: null,
  };
  if (vault.policy.attestation) record.attestations = [];
  return {
    apply: (w) => w.putRequest(record),
    data: { request_id: id },
    events: [
      ev('custody.withdrawal_created', [
        ['request_id', id],
        ['vault_id', b.vault_id],
        ['asset', b.asset],
        ['amount', b.amount],
        ['destination', b.destination],
        ['initiator', env.signer],
      ]),
    ],
  };
}

function pendingRequest(s: EngineState, id: string): { req: WithdrawalRecord; vault: VaultRecord } {
  const req = lookup(s.requests, id);
  if (!req) fail('REQUEST_NOT_FOUND', `no withdrawal request ${JSON.stringify(id.slice(0, 64))}`);
  if (req.status !== 'pending') fail('REQUEST_NOT_PENDING', `request ${id} is ${req.status}`);
  return { req, vault: s.vaults[req.vault_id] as VaultRecord };
}

function withdrawalApprove(s: EngineState, env: SignedEnvelope<'withdrawal.approve'>, ctx: TxContext): Effect {
  const id = env.body.request_id;
  const { req, vault } = pendingRequest(s, id);
  if (!vault.policy.approvers.includes(env.signer)) fail('NOT_AN_APPROVER', `key ${env.signer} is not an approver of vault ${vault.vault_id}`);
  if (req.approvals.some((a) => a.key_id === env.signer)) fail('DUPLICATE_APPROVAL', `key ${env.signer} has already approved request ${id}`);
  if (req.initiator === env.signer || ownerOf(s, req.initiator) === ownerOf(s, env.signer)) {
    fail('SELF_APPROVAL', `key ${env.signer} initiated request ${id} (or shares its owner) and may not approve it`);
  }
  if ((req.attestations ?? []).some((a) => a.key_id === env.signer)) fail('ROLE_CONFLICT', `key ${env.signer} attested request ${id} and may not also approve it`);
  const next: WithdrawalRecord = { ...req, approvals: [...req.approvals, { key_id: env.signer, height: ctx.height, tx_hash: ctx.txHash }] };
  const t = approvalTally(s, vault, next);
  const events: AbciEvent[] = [
    ev('custody.withdrawal_approved', [['request_id', id], ['approver', env.signer], ['approvals', t.counted.length], ['threshold', t.threshold], ['weight', t.weight]]),
  ];
  const out = decide(s, vault, next, ctx, ctx.txHash, t);
  return {
    apply: (w) => {
      if (out.kind === 'wait') w.putRequest(next);
      else out.apply(w);
    },
    data: { request_id: id, status: out.kind === 'wait' ? 'pending' : out.status },
    events: [...events, ...out.events],
  };
}

function withdrawalAttest(s: EngineState, env: SignedEnvelope<'withdrawal.attest'>, ctx: TxContext): Effect {
  const b = env.body;
  const { req, vault } = pendingRequest(s, b.request_id);
  const gate = vault.policy.attestation;
  if (!gate || b.attestation_type !== gate.type) fail('WRONG_ATTESTATION_TYPE', gate ? `vault ${vault.vault_id} requires attestations of type ${gate.type}` : `vault ${vault.vault_id} has no attestation gate`);
  if (!gate.attesters.includes(env.signer)) fail('NOT_AN_ATTESTER', `key ${env.signer} is not an attester of vault ${vault.vault_id}`);
  if (!/^[\x20-\x7e]{1,256}$/.test(b.claim_ref)) fail('INVALID_FIELD', 'claim_ref must be 1–256 printable ASCII characters');
  if ((req.attestations ?? []).some((a) => a.key_id === env.signer)) fail('DUPLICATE_ATTESTATION', `key ${env.signer} has already attested request ${req.request_id}`);
  if (req.initiator === env.signer) fail('ROLE_CONFLICT', `key ${env.signer} initiated request ${req.request_id} and may not attest it`);
  if (req.approvals.some((a) => a.key_id === env.signer)) fail('ROLE_CONFLICT', `key ${env.signer} approved request ${req.request_id} and may not also attest it`);
  const next: WithdrawalRecord = {
    ...req,
    attestations: [...(req.attestations ?? []), { key_id: env.signer, attestation_type: b.attestation_type, claim_ref: b.claim_ref, height: ctx.height, tx_hash: ctx.txHash }],
  };
  const t = attestationTally(s, vault, next) as NonNullable<ReturnType<typeof attestationTally>>;
  const out = decide(s, vault, next, ctx, ctx.txHash);
  return {
    apply: (w) => {
      if (out.kind === 'wait') w.putRequest(next);
      else out.apply(w);
    },
    data: { request_id: req.request_id, status: out.kind === 'wait' ? 'pending' : out.status },
    events: [
      ev('custody.withdrawal_attested', [['request_id', req.request_id], ['key_id', env.signer], ['attestation_type', b.attestation_type], ['attestations', t.counted.length], ['threshold', t.threshold]]),
      ...out.events,
    ],
  };
}

function withdrawalCancel(s: EngineState, env: SignedEnvelope<'withdrawal.cancel'>, ctx: TxContext): Effect {
  const b = env.body;
  const req = lookup(s.requests, b.request_id);
  if (!req) fail('REQUEST_NOT_FOUND', `no withdrawal request ${JSON.stringify(b.request_id.slice(0, 64))}`);
  if (req.status !== 'pending' && req.status !== 'approved') fail('REQUEST_NOT_PENDING', `request ${req.request_id} is ${req.status}`);
  if (chars(b.reason) < 1 || chars(b.reason) > MAX_REASON_CHARS) fail('INVALID_FIELD', `reason must be 1–${MAX_REASON_CHARS} characters`);
  const roles = rolesOf(s, env.signer);
  if (req.initiator !== env.signer && !roles.has('governance') && !roles.has('admin')) {
    fail('NOT_AUTHORIZED', `only the initiator of request ${req.request_id}, a governance member or an admin may cancel it`);
  }
  const next: WithdrawalRecord = { ...req, status: 'cancelled', cancelled: { by: env.signer, reason: b.reason, height: ctx.height } };
  delete next.executable_at;
  return {
    apply: (w) => w.putRequest(next),
    data: { request_id: req.request_id, status: 'cancelled' },
    events: [ev('security.withdrawal_cancelled', [['request_id', req.request_id], ['vault_id', req.vault_id], ['key_id', env.signer], ['reason', b.reason]])],
  };
}

type Decision =
  | { kind: 'wait'; events: AbciEvent[] }
  | { kind: 'done'; status: 'approved' | 'executed' | 'failed' | 'pending'; apply: (w: Work) => void; events: AbciEvent[] };

/**
 * What happens to `req` now: still short of approvals / attestations (wait),
 * timelocked (approved, executable_at set), executed, failed (insufficient
 * balance, or the destination or limit no longer allowed), or — for an
 * approved request whose approvals stopped counting — back to pending.
 * `txHash` is the hash of the transaction that completed it, or null when the
 * block executes a timelocked request.
 */
function decide(s: EngineState, vault: VaultRecord, req: WithdrawalRecord, ctx: TxContext, txHash: string | null, tally?: Tally): Decision {
  const t = tally ?? approvalTally(s, vault, req);
  const gate = attestationTally(s, vault, req);
  const ready = t.weight >= t.threshold && (gate === null || gate.weight >= gate.threshold);
  const base: [string, string][] = [['request_id', req.request_id], ['vault_id', req.vault_id]];
  if (!ready) {
    if (req.status === 'approved') {
      const back: WithdrawalRecord = { ...req, status: 'pending' };
      delete back.executable_at;
      return { kind: 'done', status: 'pending', apply: (w) => w.putRequest(back), events: [ev('security.approvals_lost', [...base, ['approvals', String(t.counted.length)], ['threshold', String(t.threshold)]])] };
    }
    return { kind: 'wait', events: [] };
  }
  const lock = vault.policy.timelock_blocks ?? 0;
  if (req.status === 'pending' && lock > 0) {
    const rec: WithdrawalRecord = { ...req, status: 'approved', executable_at: ctx.height + lock };
    return { kind: 'done', status: 'approved', apply: (w) => w.putRequest(rec), events: [ev('security.timelock_started', [...base, ['executable_at', String(ctx.height + lock)]])] };
  }
  if ((req.executable_at ?? 0) > ctx.height) return { kind: 'wait', events: [] };
  const amount = BigInt(req.amount);
  const balance = hasOwn(vault.balances, req.asset) ? BigInt(vault.balances[req.asset] as string) : 0n;
  const failWith = (code: ErrorCode, extra: [string, string][]): Decision => {
    const rec: WithdrawalRecord = { ...req, status: 'failed', failure: code };
    delete rec.executable_at;
    const evs = [ev('custody.withdrawal_failed', [...base, ['failure', code], ...extra])];
    if (code !== 'INSUFFICIENT_BALANCE') evs.push(ev('security.withdrawal_blocked', [...base, ['code', code]]));
    return { kind: 'done', status: 'failed', apply: (w) => w.putRequest(rec), events: evs };
  };
  const limit = txLimitOf(vault, req.asset);
  if (limit !== null && amount > limit) return failWith('LIMIT_EXCEEDED', [['limit', limit.toString()], ['amount', req.amount]]);
  if (!whitelisted(vault, req.destination)) return failWith('DESTINATION_NOT_WHITELISTED', [['destination', req.destination]]);
  if (amount > balance) return failWith('INSUFFICIENT_BALANCE', [['balance', balance.toString()], ['amount', req.amount]]);
  const vel = velocityUse(vault, req.asset, ctx.now);
  if (!velocityRoom(vel, amount)) {
    if (req.status === 'approved') return { kind: 'wait', events: [] };
    // Fully approved but the window is full: it waits (status approved) and the block retries it.
    const rec: WithdrawalRecord = { ...req, status: 'approved', executable_at: ctx.height + 1 };
    return { kind: 'done', status: 'approved', apply: (w) => w.putRequest(rec), events: [ev('security.velocity_deferred', [...base, ['code', 'VELOCITY_EXCEEDED'], ['used_amount', (vel as NonNullable<typeof vel>).used_amount.toString()], ['used_count', String((vel as NonNullable<typeof vel>).used_count)]])] };
  }
  const newBalance = (balance - amount).toString();
  const vrec: VaultRecord = { ...vault, balances: { ...vault.balances, [req.asset]: newBalance } };
  if (vel) vrec.spent = { ...(vault.spent ?? {}), [req.asset]: [...vel.kept, [ctx.now, req.amount]] };
  const rec: WithdrawalRecord = { ...req, status: 'executed', executed_at: ctx.height, executed_tx: txHash };
  delete rec.executable_at;
  return {
    kind: 'done',
    status: 'executed',
    apply: (w) => {
      w.putVault(vrec);
      w.putRequest(rec);
    },
    events: [
      ev('custody.withdrawal_executed', [
        ...base,
        ['asset', req.asset],
        ['amount', req.amount],
        ['destination', req.destination],
        ['balance', newBalance],
      ]),
    ],
  };
}

export { decide as decideRequest, ROLES };

function checkAsset(asset: string): void {
  if (!ASSET_RE.test(asset)) fail('INVALID_ASSET', `${JSON.stringify(asset.slice(0, 32))} is not an asset symbol (1–16 characters: A–Z, 0–9, "." or "-", starting with A–Z or 0–9)`);
}

function checkAmount(amount: string): void {
  if (!AMOUNT_RE.test(amount)) fail('INVALID_AMOUNT', `${JSON.stringify(amount.slice(0, 40))} is not a positive whole number of base units (1–31 decimal digits, no leading zero)`);
}

/** The state root of the engine's committed state (32 bytes). */
export function appHashOf(engine: CustodyEngine): Uint8Array {
  return engine.appHash();
}

// ─── Governance (control 11) and the whitelist lifecycle (control 5) ─────────

/** The track each action belongs to. */
export function trackOf(a: GovAction): GovTrack {
  return GOV_ACTION_TRACK[a.type];
}

/** Whether a key is a governance member now: registered, active, holding the governance role. */
function isMember(s: EngineState, id: string): boolean {
  const k = keyOf(s, id);
  return k !== undefined && k.status === 'active' && k.roles.includes('governance');
}

export interface ProposalTally {
  members: number;
  yes: number;
  no: number;
  abstain: number;
  quorum_met: boolean;
  threshold_met: boolean;
}

/** The tally of a proposal against the current members (votes of keys no longer members do not count). */
export function tallyOf(s: EngineState, p: ProposalRecord): ProposalTally {
  let members = 0;
  // for…in walks the copy-on-write overlay and its base map.
  for (const id in s.keys) if (isMember(s, id)) members++;
  let yes = 0;
  let no = 0;
  let abstain = 0;
  for (const v of p.votes) {
    if (!isMember(s, v.key_id)) continue;
    if (v.vote === 'yes') yes++;
    else if (v.vote === 'no') no++;
    else abstain++;
  }
  const t = governanceOf(s.params)[p.track];
  const voted = yes + no + abstain;
  const quorum_met = members > 0 && voted * t.quorum.den >= t.quorum.num * members;
  const threshold_met = yes + no > 0 && yes * t.threshold.den >= t.threshold.num * (yes + no);
  return { members, yes, no, abstain, quorum_met, threshold_met };
}

/**
 * The outcome of a proposal now, or null while undecided. Before the voting
 * period ends it is decided early only when the remaining members' votes cannot
 * change it; at the end: passed (quorum and threshold), rejected (quorum, no
 * threshold) or expired (no quorum).
 */
function outcome(s: EngineState, p: ProposalRecord, final: boolean): 'passed' | 'rejected' | 'expired' | null {
  const x = tallyOf(s, p);
  const th = governanceOf(s.params)[p.track].threshold;
  if (final) return x.quorum_met && x.threshold_met ? 'passed' : x.quorum_met ? 'rejected' : 'expired';
  const remaining = Math.max(0, x.members - x.yes - x.no - x.abstain);
  if (x.quorum_met && x.yes * th.den >= th.num * (x.yes + x.no + remaining)) return 'passed';
  if (x.no > 0 && (x.yes + remaining) * th.den < th.num * (x.yes + x.no + remaining)) return 'rejected';
  return null;
}

function decided(s: EngineState, p: ProposalRecord, status: 'passed' | 'rejected' | 'expired', height: number): { rec: ProposalRecord; event: AbciEvent } {
  const rec: ProposalRecord = { ...p, status, decided_at: height };
  const x = tallyOf(s, p);
  if (status === 'passed') rec.executable_at = height + governanceOf(s.params)[p.track].execution_delay_blocks;
  const kind = status === 'passed' ? 'security.proposal_passed' : 'security.proposal_rejected';
  const attrs: [string, string | number][] = [['proposal_id', p.proposal_id], ['track', p.track], ['action', p.action.type], ['yes', x.yes], ['no', x.no], ['abstain', x.abstain], ['members', x.members]];
  if (status === 'passed') attrs.push(['executable_at', rec.executable_at as number]);
  else attrs.push(['reason', status === 'expired' ? 'no_quorum' : 'threshold_not_met']);
  return { rec, event: ev(kind, attrs) };
}

/** As signed by `env.signer`, the envelope of an action (for the handlers shared with the direct transactions). */
function asEnv<T extends TxType>(env: SignedEnvelope | UnsignedEnvelope, type: T, body: TxBodies[T]): SignedEnvelope<T> {
  return { ...(env as SignedEnvelope), type, body } as unknown as SignedEnvelope<T>;
}

/** Validate an action against `s` and return what executing it does (events carry proposal_id). */
function actionEffect(s: EngineState, env: SignedEnvelope | UnsignedEnvelope, a: GovAction, proposalId: string, ctx: TxContext): Effect {
  const tag = (e: Effect): Effect => ({ ...e, events: e.events.map((x) => ({ ...x, attributes: [...x.attributes, { key: 'proposal_id', value: proposalId }] })) });
  switch (a.type) {
    case 'params.set': {
      if (a.faucet === undefined && a.max_expiry_blocks === undefined && a.governance === undefined) fail('INVALID_PROPOSAL', 'params.set changes nothing');
      if (a.max_expiry_blocks !== undefined && (a.max_expiry_blocks < 1 || a.max_expiry_blocks > MAX_EXPIRY_BLOCKS_LIMIT)) fail('INVALID_PROPOSAL', `max_expiry_blocks must be 1–${MAX_EXPIRY_BLOCKS_LIMIT}`);
      if (a.governance !== undefined) {
        const problem = governanceProblem(a.governance);
        if (problem) fail('INVALID_PROPOSAL', `governance.${problem}`);
      }
      const next: ChainParams = { ...s.params };
      if (a.faucet !== undefined) next.faucet = a.faucet;
      if (a.max_expiry_blocks !== undefined) next.max_expiry_blocks = a.max_expiry_blocks;
      if (a.governance !== undefined) next.governance = clone(a.governance);
      const changed = (['faucet', 'max_expiry_blocks', 'governance'] as const).filter((k) => a[k] !== undefined).join(',');
      return { apply: (w) => w.putParams(next), data: undefined, events: [ev('security.params_changed', [['changed', changed], ['proposal_id', proposalId]])] };
    }
    case 'validator.add': {
      if (!/^[0-9a-f]{64}$/.test(a.public_key) || !isValidPublicKey('ed25519', fromHex(a.public_key))) fail('INVALID_KEY', 'a validator public_key is an Ed25519 key: 64 lower-case hex digits');
      if (!labelOk(a.name)) fail('INVALID_FIELD', 'name must be 1–64 characters');
      if (!Number.isSafeInteger(a.power) || a.power < 1 || a.power > 1_000_000) fail('INVALID_FIELD', 'power must be 1–1000000');
      const cur = lookup(s.validators, a.public_key);
      if (cur && cur.removed_at === null) fail('INVALID_PROPOSAL', `validator ${a.public_key} is already admitted`);
      const rec: ValidatorRecord = { public_key: a.public_key, name: a.name, power: a.power, added_at: ctx.height, proposal_id: proposalId, removed_at: null };
      return { apply: (w) => w.putValidator(rec), data: undefined, events: [ev('security.validator_added', [['public_key', a.public_key], ['power', a.power], ['proposal_id', proposalId]])] };
    }
    case 'validator.remove': {
      const cur = lookup(s.validators, a.public_key);
      if (!cur || cur.removed_at !== null) fail('INVALID_PROPOSAL', `${JSON.stringify(a.public_key.slice(0, 64))} is not a validator`);
      const rec: ValidatorRecord = { ...cur, removed_at: ctx.height, proposal_id: proposalId };
      return { apply: (w) => w.putValidator(rec), data: undefined, events: [ev('security.validator_removed', [['public_key', a.public_key], ['proposal_id', proposalId]])] };
    }
    case 'key.register':
      return tag(keyRegister(s, asEnv(env, 'key.register', { public_key: a.public_key, scheme: a.scheme, label: a.label }), ctx));
    case 'key.set_roles': {
      const body: TxBodies['key.set_roles'] = { key_id: a.key_id, roles: a.roles };
      if (a.owner !== undefined) body.owner = a.owner;
      return tag(keySetRoles(s, asEnv(env, 'key.set_roles', body)));
    }
    case 'key.release':
      return tag(keyQuarantine(s, asEnv(env, 'key.quarantine', { key_id: a.key_id, reason: a.reason }), ctx, false));
    case 'whitelist.add':
    case 'whitelist.remove': {
      const vault = lookup(s.vaults, a.vault_id);
      if (!vault) fail('VAULT_NOT_FOUND', `no vault ${JSON.stringify(a.vault_id.slice(0, 64))}`);
      if (!DESTINATION_RE.test(a.destination)) fail('INVALID_DESTINATION', `${JSON.stringify(a.destination.slice(0, 64))} is not a destination`);
      const op = a.type === 'whitelist.add' ? 'add' : 'remove';
      const apply_at = ctx.height + governanceOf(s.params).whitelist_delay_blocks;
      const rec: VaultRecord = { ...vault, pending_whitelist: [...(vault.pending_whitelist ?? []), { op, destination: a.destination, apply_at, proposal_id: proposalId }] };
      return {
        apply: (w) => w.putVault(rec),
        data: { apply_at },
        events: [ev('security.whitelist_change_scheduled', [['vault_id', a.vault_id], ['op', op], ['destination', a.destination], ['apply_at', apply_at], ['proposal_id', proposalId]])],
      };
    }
    case 'emergency.ratify':
    case 'emergency.lift':
      return controlAction(s, a, proposalId, ctx);
    case 'key.rotate_approve':
      return rotateApprove(s, a.key_id, proposalId, ctx);
    default:
      return fail('INVALID_PROPOSAL', `unknown action ${JSON.stringify((a as { type: string }).type)}`);
  }
}

function proposalIdOf(env: SignedEnvelope | UnsignedEnvelope): string {
  return 'gp-' + toHex(signingDigest(unsignedOf(env as SignedEnvelope))).slice(0, 24);
}

function govPropose(s: EngineState, env: SignedEnvelope<'gov.propose'>, ctx: TxContext): Effect {
  const b = env.body;
  if (trackOf(b.action) !== b.track) fail('INVALID_PROPOSAL', `action ${b.action.type} belongs to the ${trackOf(b.action)} track, not ${b.track}`);
  const t = governanceOf(s.params)[b.track];
  const period = b.voting_period_blocks ?? t.voting_period_blocks;
  if (!Number.isSafeInteger(period) || period < 1 || period > MAX_GOV_BLOCKS) fail('INVALID_PROPOSAL', `voting_period_blocks must be 1–${MAX_GOV_BLOCKS}`);
  const id = proposalIdOf(env);
  if (lookup(s.proposals, id) !== undefined) fail('INVALID_PROPOSAL', `proposal ${id} exists`);
  // The action must be valid now; it is validated again when executed.
  actionEffect(s, env, b.action, id, ctx);
  const rec: ProposalRecord = {
    proposal_id: id,
    track: b.track,
    action: clone(b.action),
    proposer: env.signer,
    created_at: ctx.height,
    created_tx: ctx.txHash,
    voting_ends_at: ctx.height + period,
    votes: [],
    status: 'open',
    decided_at: null,
    executable_at: null,
    executed_at: null,
  };
  return {
    apply: (w) => w.putProposal(rec),
    data: { proposal_id: id, voting_ends_at: rec.voting_ends_at },
    events: [ev('security.proposal_created', [['proposal_id', id], ['track', b.track], ['action', b.action.type], ['proposer', env.signer], ['voting_ends_at', rec.voting_ends_at]])],
  };
}

function proposalOf(s: EngineState, id: string): ProposalRecord {
  const p = lookup(s.proposals, id);
  if (!p) fail('PROPOSAL_NOT_FOUND', `no proposal ${JSON.stringify(id.slice(0, 64))}`);
  return p;
}

function govVote(s: EngineState, env: SignedEnvelope<'gov.vote'>, ctx: TxContext): Effect {
  const b = env.body;
  const p = proposalOf(s, b.proposal_id);
  if (p.status !== 'open' || ctx.height > p.voting_ends_at) fail('PROPOSAL_NOT_OPEN', `proposal ${p.proposal_id} is ${p.status === 'open' ? 'past its voting period' : p.status}`);
  if (p.votes.some((v) => v.key_id === env.signer)) fail('DUPLICATE_VOTE', `key ${env.signer} has already voted on proposal ${p.proposal_id}`);
  const next: ProposalRecord = { ...p, votes: [...p.votes, { key_id: env.signer, vote: b.vote, height: ctx.height }] };
  const events: AbciEvent[] = [ev('security.proposal_voted', [['proposal_id', p.proposal_id], ['key_id', env.signer], ['vote', b.vote]])];
  const o = outcome(s, next, false);
  let rec = next;
  if (o !== null) {
    const d = decided(s, next, o, ctx.height);
    rec = d.rec;
    events.push(d.event);
  }
  return { apply: (w) => w.putProposal(rec), data: { proposal_id: p.proposal_id, status: rec.status }, events };
}

function govExecute(s: EngineState, env: SignedEnvelope<'gov.execute'>, ctx: TxContext): Effect {
  const p = proposalOf(s, env.body.proposal_id);
  if (p.status !== 'passed') fail('PROPOSAL_NOT_EXECUTABLE', `proposal ${p.proposal_id} is ${p.status}, not passed`);
  if ((p.executable_at ?? 0) > ctx.height) fail('PROPOSAL_NOT_EXECUTABLE', `proposal ${p.proposal_id} may be executed from height ${p.executable_at}`);
  const effect = actionEffect(s, env, p.action, p.proposal_id, ctx);
  const rec: ProposalRecord = { ...p, status: 'executed', executed_at: ctx.height };
  return {
    apply: (w) => {
      effect.apply(w);
      w.putProposal(rec);
    },
    data: { proposal_id: p.proposal_id, status: 'executed', ...(effect.data && typeof effect.data === 'object' ? (effect.data as object) : {}) },
    events: [...effect.events, ev('security.proposal_executed', [['proposal_id', p.proposal_id], ['action', p.action.type], ['by', env.signer]])],
  };
}

/** Block-level governance work, before the block's transactions: voting periods that ended, whitelist changes that are due. */
function runGovernanceDue(w: Work, height: number): AbciEvent[] {
  const events: AbciEvent[] = [];
  for (const id of [...w.open].sort(compareUtf8)) {
    const p = w.s.proposals[id] as ProposalRecord;
    if (height <= p.voting_ends_at) continue;
    const d = decided(w.s, p, outcome(w.s, p, true) as 'passed' | 'rejected' | 'expired', height);
    w.putProposal(d.rec);
    events.push(d.event);
  }
  for (const vid of [...w.wl].sort(compareUtf8)) {
    const v = w.s.vaults[vid] as VaultRecord;
    const all = v.pending_whitelist ?? [];
    const due = all.filter((c) => c.apply_at <= height);
    if (due.length === 0) continue;
    let list = [...(v.policy.whitelist ?? [])];
    for (const c of due) {
      list = c.op === 'add' ? [...new Set([...list, c.destination])].sort(compareUtf8) : list.filter((d) => d !== c.destination);
      events.push(ev('security.whitelist_changed', [['vault_id', vid], ['op', c.op], ['destination', c.destination], ['proposal_id', c.proposal_id]]));
    }
    const rec: VaultRecord = { ...v, policy: { ...v.policy, whitelist: list } };
    const rest = all.filter((c) => c.apply_at > height);
    if (rest.length > 0) rec.pending_whitelist = rest;
    else delete rec.pending_whitelist;
    w.putVault(rec);
  }
  return events;
}

// ─── Emergency controls (control 10) and degraded mode (control 9) ───────────

/** Transactions accepted in degraded mode. */
const DEGRADED_OK: ReadonlySet<string> = new Set(['withdrawal.cancel', 'gov.propose', 'gov.vote', 'gov.execute', 'emergency.propose', 'emergency.sign']);
/** Transactions a vault freeze stops. */
const FROZEN_STOPS: ReadonlySet<string> = new Set(['withdrawal.create', 'withdrawal.approve', 'withdrawal.attest']);

/** The vault a transaction body names (directly or through its request), if any. */
function vaultOfBody(s: EngineState, body: unknown): VaultRecord | undefined {
  const b = body as { vault_id?: unknown; request_id?: unknown };
  if (typeof b.vault_id === 'string') return lookup(s.vaults, b.vault_id);
  if (typeof b.request_id === 'string') {
    const r = lookup(s.requests, b.request_id);
    return r ? lookup(s.vaults, r.vault_id) : undefined;
  }
  return undefined;
}

/** DEGRADED_MODE / VAULT_FROZEN for a transaction the modes in force do not accept. */
function checkModes(s: EngineState, type: string, body: unknown): void {
  const g = s.mode?.degraded;
  if (g && !DEGRADED_OK.has(type)) fail('DEGRADED_MODE', `the chain is in degraded mode until height ${g.until} (control ${g.control_id}): only cancellations, governance and emergency transactions are accepted`);
  if (!DEGRADED_OK.has(type) || FROZEN_STOPS.has(type)) {
    const v = vaultOfBody(s, body);
    if (v?.degraded && !DEGRADED_OK.has(type)) fail('DEGRADED_MODE', `vault ${v.vault_id} is in degraded mode until height ${v.degraded.until} (control ${v.degraded.control_id})`);
    if (v?.frozen && FROZEN_STOPS.has(type)) fail('VAULT_FROZEN', `vault ${v.vault_id} is frozen until height ${v.frozen.until} (control ${v.frozen.control_id})`);
  }
}

/** Whether the block may execute requests of this vault now. */
function vaultMoves(s: EngineState, v: VaultRecord): boolean {
  return !s.mode?.degraded && !v.degraded && !v.frozen;
}

function controlOf(s: EngineState, id: string): EmergencyControlRecord {
  const c = lookup(s.controls, id);
  if (!c) fail('CONTROL_NOT_FOUND', `no emergency control ${JSON.stringify(id.slice(0, 64))}`);
  return c;
}

/** Validate that the action can take effect now (also at each signature). */
function checkEmergencyAction(s: EngineState, a: EmergencyAction, signer: string): void {
  if (a.type === 'vault.freeze') {
    const v = lookup(s.vaults, a.vault_id);
    if (!v) fail('VAULT_NOT_FOUND', `no vault ${JSON.stringify(a.vault_id.slice(0, 64))}`);
    if (v.frozen) fail('CONTROL_STATUS_CONFLICT', `vault ${v.vault_id} is already frozen by ${v.frozen.control_id}`);
  } else if (a.type === 'key.quarantine' || a.type === 'key.revoke') {
    const k = keyOf(s, a.key_id);
    if (!k) fail('UNKNOWN_KEY', `no key ${JSON.stringify(a.key_id.slice(0, 48))} is registered`);
    if (a.type === 'key.quarantine' && k.status !== 'active') fail('KEY_STATUS_CONFLICT', `key ${k.key_id} is ${k.status}; only an active key can be quarantined`);
    if (a.type === 'key.revoke' && k.status !== 'active' && k.status !== 'quarantined') fail('KEY_STATUS_CONFLICT', `key ${k.key_id} is ${k.status}`);
    if (k.key_id === signer) fail('KEY_STATUS_CONFLICT', `a key cannot ${a.type === 'key.revoke' ? 'revoke' : 'quarantine'} itself`);
    if (s.admins.includes(k.key_id) && a.type === 'key.revoke') fail('KEY_STATUS_CONFLICT', 'a genesis admin key cannot be revoked');
  } else {
    if (a.vault_id !== undefined) {
      const v = lookup(s.vaults, a.vault_id);
      if (!v) fail('VAULT_NOT_FOUND', `no vault ${JSON.stringify(a.vault_id.slice(0, 64))}`);
      if (v.degraded) fail('CONTROL_STATUS_CONFLICT', `vault ${v.vault_id} is already in degraded mode`);
    } else if (s.mode?.degraded) fail('CONTROL_STATUS_CONFLICT', 'the chain is already in degraded mode');
  }
}

function controlAttrs(c: EmergencyControlRecord): [string, string | number][] {
  const a = c.action;
  const out: [string, string | number][] = [['control_id', c.control_id], ['action', a.type]];
  if (a.type === 'key.quarantine' || a.type === 'key.revoke') out.push(['key_id', a.key_id]);
  else if (a.vault_id !== undefined) out.push(['vault_id', a.vault_id]);
  return out;
}

/** Put the control's effect in force (it was validated). */
function activate(s: EngineState, c: EmergencyControlRecord, height: number): { rec: EmergencyControlRecord; apply: (w: Work) => void; events: AbciEvent[] } {
  const em = emergencyOf(s.params);
  const until = height + c.expires_in_blocks;
  const rec: EmergencyControlRecord = { ...c, status: 'active', activated_at: height, expires_at: until, ratify_by: height + em.ratification_window_blocks };
  const hold = { control_id: c.control_id, until };
  const a = c.action;
  const events: AbciEvent[] = [ev('security.control_activated', [...controlAttrs(c), ['expires_at', until], ['ratify_by', rec.ratify_by as number], ['signatures', c.signatures.length]])];
  let apply: (w: Work) => void;
  if (a.type === 'vault.freeze') {
    const v = s.vaults[a.vault_id] as VaultRecord;
    apply = (w) => w.putVault({ ...v, frozen: hold });
    events.push(ev('security.vault_frozen', [['vault_id', a.vault_id], ['control_id', c.control_id], ['until', until]]));
  } else if (a.type === 'key.quarantine') {
    const k = keyOf(s, a.key_id) as KeyRecord;
    apply = (w) => w.putKey({ ...k, status: 'quarantined', quarantine: { reason: c.reason, since: height, by: c.proposer, control_id: c.control_id } });
    events.push(ev('security.key_quarantined', [['key_id', a.key_id], ['reason', c.reason], ['by', c.proposer], ['control_id', c.control_id]]));
  } else if (a.type === 'key.revoke') {
    const k = keyOf(s, a.key_id) as KeyRecord;
    const rec: KeyRecord = { ...k, status: 'revoked', ended: { reason: c.reason, height, by: c.control_id } };
    delete rec.quarantine;
    apply = (w) => w.putKey(rec);
    events.push(ev('security.key_revoked', [['key_id', a.key_id], ['reason', c.reason], ['control_id', c.control_id]]));
  } else if (a.vault_id !== undefined) {
    const v = s.vaults[a.vault_id] as VaultRecord;
    apply = (w) => w.putVault({ ...v, degraded: hold });
    events.push(ev('security.degraded_entered', [['vault_id', a.vault_id], ['control_id', c.control_id], ['until', until]]));
  } else {
    apply = (w) => w.putMode({ degraded: hold });
    events.push(ev('security.degraded_entered', [['vault_id', ''], ['control_id', c.control_id], ['until', until]]));
  }
  return { rec, apply: (w) => { apply(w); w.putControl(rec); }, events };
}

/** End a control's effect (if it is still the one in force). */
function deactivate(s: EngineState, c: EmergencyControlRecord, w: Work, reason: string): AbciEvent[] {
  const a = c.action;
  if (a.type === 'vault.freeze') {
    const v = lookup(s.vaults, a.vault_id);
    if (v?.frozen?.control_id !== c.control_id) return [];
    const rec: VaultRecord = { ...v };
    delete rec.frozen;
    w.putVault(rec);
    return [ev('security.vault_unfrozen', [['vault_id', a.vault_id], ['control_id', c.control_id], ['reason', reason]])];
  }
  if (a.type === 'key.quarantine') {
    const k = keyOf(s, a.key_id);
    if (!k || k.status !== 'quarantined' || k.quarantine?.control_id !== c.control_id) return [];
    const rec: KeyRecord = { ...k, status: 'active' };
    delete rec.quarantine;
    w.putKey(rec);
    return [ev('security.key_released', [['key_id', a.key_id], ['reason', reason], ['by', ''], ['control_id', c.control_id]])];
  }
  if (a.type === 'key.revoke') {
    // A ratified revocation is permanent; an unratified one lapses (or is lifted) and the key is active again.
    const k = keyOf(s, a.key_id);
    if (reason === 'expired' || !k || k.status !== 'revoked' || k.ended?.by !== c.control_id) return [];
    const rec: KeyRecord = { ...k, status: 'active' };
    delete rec.ended;
    w.putKey(rec);
    return [ev('security.key_reinstated', [['key_id', a.key_id], ['control_id', c.control_id], ['reason', reason]])];
  }
  if (a.vault_id !== undefined) {
    const v = lookup(s.vaults, a.vault_id);
    if (v?.degraded?.control_id !== c.control_id) return [];
    const rec: VaultRecord = { ...v };
    delete rec.degraded;
    w.putVault(rec);
    return [ev('security.degraded_exited', [['vault_id', a.vault_id], ['control_id', c.control_id], ['reason', reason]])];
  }
  if (s.mode?.degraded?.control_id !== c.control_id) return [];
  w.putMode({ degraded: null });
  return [ev('security.degraded_exited', [['vault_id', ''], ['control_id', c.control_id], ['reason', reason]])];
}

/** Distinct owners among the signatures of keys that are active operators now. */
function emergencySigners(s: EngineState, c: EmergencyControlRecord): number {
  const owners = new Set<string>();
  for (const g of c.signatures) {
    const k = keyOf(s, g.key_id);
    if (k && k.status === 'active' && k.roles.includes('operator')) owners.add(ownerOf(s, g.key_id));
  }
  return owners.size;
}

function emergencyPropose(s: EngineState, env: SignedEnvelope<'emergency.propose'>, ctx: TxContext): Effect {
  const b = env.body;
  const em = emergencyOf(s.params);
  if (!Number.isSafeInteger(b.expires_in_blocks) || b.expires_in_blocks < 1 || b.expires_in_blocks > em.max_expiry_blocks) fail('INVALID_FIELD', `expires_in_blocks must be 1–${em.max_expiry_blocks}`);
  if (chars(b.reason) < 1 || chars(b.reason) > MAX_REASON_CHARS) fail('INVALID_FIELD', `reason must be 1–${MAX_REASON_CHARS} characters`);
  checkEmergencyAction(s, b.action, env.signer);
  const id = 'ec-' + toHex(signingDigest(unsignedOf(env))).slice(0, 24);
  if (lookup(s.controls, id) !== undefined) fail('CONTROL_STATUS_CONFLICT', `control ${id} exists`);
  const c: EmergencyControlRecord = {
    control_id: id, action: clone(b.action), reason: b.reason, proposer: env.signer, created_at: ctx.height, signatures: [{ key_id: env.signer, height: ctx.height }],
    expires_in_blocks: b.expires_in_blocks, status: 'collecting', activated_at: null, expires_at: null, ratify_by: null, proposal_id: null, ended_at: null,
  };
  const events = [ev('security.control_proposed', [...controlAttrs(c), ['proposer', env.signer], ['quorum', em.quorum]])];
  if (emergencySigners(s, c) >= em.quorum) {
    const x = activate(s, c, ctx.height);
    return { apply: x.apply, data: { control_id: id, status: 'active' }, events: [...events, ...x.events] };
  }
  return { apply: (w) => w.putControl(c), data: { control_id: id, status: 'collecting' }, events };
}

function emergencySign(s: EngineState, env: SignedEnvelope<'emergency.sign'>, ctx: TxContext): Effect {
  const c = controlOf(s, env.body.control_id);
  if (c.status !== 'collecting') fail('CONTROL_STATUS_CONFLICT', `control ${c.control_id} is ${c.status}, not collecting signatures`);
  if (c.signatures.some((g) => g.key_id === env.signer || ownerOf(s, g.key_id) === ownerOf(s, env.signer))) fail('DUPLICATE_SIGNATURE', `key ${env.signer} (or its owner) has already signed control ${c.control_id}`);
  checkEmergencyAction(s, c.action, c.proposer);
  const next: EmergencyControlRecord = { ...c, signatures: [...c.signatures, { key_id: env.signer, height: ctx.height }] };
  const events = [ev('security.control_signed', [...controlAttrs(c), ['key_id', env.signer], ['signatures', next.signatures.length]])];
  if (emergencySigners(s, next) >= emergencyOf(s.params).quorum) {
    const x = activate(s, next, ctx.height);
    return { apply: x.apply, data: { control_id: c.control_id, status: 'active' }, events: [...events, ...x.events] };
  }
  return { apply: (w) => w.putControl(next), data: { control_id: c.control_id, status: 'collecting' }, events };
}

/** The governance actions on a control: ratify (keeps it until its expiry) or lift (ends it now). */
function controlAction(s: EngineState, a: { type: 'emergency.ratify' | 'emergency.lift'; control_id: string }, proposalId: string, ctx: TxContext): Effect {
  const c = controlOf(s, a.control_id);
  if (a.type === 'emergency.ratify') {
    if (c.status !== 'active') fail('CONTROL_STATUS_CONFLICT', `control ${c.control_id} is ${c.status}; only an active control can be ratified`);
    const rec: EmergencyControlRecord = { ...c, status: 'ratified', proposal_id: proposalId };
    return { apply: (w) => w.putControl(rec), data: undefined, events: [ev('security.control_ratified', [...controlAttrs(c), ['proposal_id', proposalId]])] };
  }
  if (c.status !== 'active' && c.status !== 'ratified') fail('CONTROL_STATUS_CONFLICT', `control ${c.control_id} is ${c.status}; only an active or ratified control can be lifted`);
  const rec: EmergencyControlRecord = { ...c, status: 'lifted', proposal_id: proposalId, ended_at: ctx.height };
  return {
    apply: (w) => {
      deactivate(w.s, c, w, 'lifted by governance');
      w.putControl(rec);
    },
    data: undefined,
    events: [ev('security.control_lifted', [...controlAttrs(c), ['proposal_id', proposalId]])],
  };
}

/** Block-level: collecting controls past their window and active ones not ratified in time lapse; active/ratified ones at expires_at expire. */
function runEmergencyDue(w: Work, height: number): AbciEvent[] {
  const events: AbciEvent[] = [];
  for (const id of [...w.ctl].sort(compareUtf8)) {
    const c = w.s.controls[id] as EmergencyControlRecord;
    const window = emergencyOf(w.s.params).ratification_window_blocks;
    if (c.status === 'collecting' && height > c.created_at + window) {
      w.putControl({ ...c, status: 'lapsed', ended_at: height });
      events.push(ev('security.control_lapsed', [...controlAttrs(c), ['reason', 'quorum_not_reached']]));
    } else if ((c.status === 'active' || c.status === 'ratified') && height >= (c.expires_at as number)) {
      const undo = deactivate(w.s, c, w, 'expired');
      w.putControl({ ...c, status: 'expired', ended_at: height });
      events.push(ev('security.control_expired', controlAttrs(c)), ...undo);
    } else if (c.status === 'active' && height > (c.ratify_by as number)) {
      const undo = deactivate(w.s, c, w, 'not ratified');
      w.putControl({ ...c, status: 'lapsed', ended_at: height });
      events.push(ev('security.control_lapsed', [...controlAttrs(c), ['reason', 'not_ratified']]), ...undo);
    }
  }
  return events;
}

// ─── Key lifecycle (control 12) ───────────────────────────────────────────────

function keyAttest(s: EngineState, env: SignedEnvelope<'key.attest'>, ctx: TxContext): Effect {
  const b = env.body;
  const k = keyOf(s, b.key_id);
  if (!k) fail('UNKNOWN_KEY', `no key ${JSON.stringify(b.key_id.slice(0, 48))} is registered`);
  if (k.status === 'revoked' || k.status === 'retired') fail('KEY_STATUS_CONFLICT', `key ${k.key_id} is ${k.status}`);
  if (!/^[\x21-\x7e]{1,256}$/.test(b.attestation_ref)) fail('INVALID_FIELD', 'attestation_ref must be 1–256 printable ASCII characters without spaces');
  if (!Number.isSafeInteger(b.revalidate_by) || b.revalidate_by <= ctx.height || b.revalidate_by > ctx.height + MAX_GOV_BLOCKS * 10) {
    fail('INVALID_FIELD', `revalidate_by must be a height after ${ctx.height} and at most ${ctx.height + MAX_GOV_BLOCKS * 10}`);
  }
  const rec: KeyRecord = { ...k, attestation: { ref: b.attestation_ref, revalidate_by: b.revalidate_by, attested_at: ctx.height, by: env.signer } };
  return {
    apply: (w) => w.putKey(rec),
    data: { key_id: k.key_id, revalidate_by: b.revalidate_by },
    events: [ev('security.key_attested', [['key_id', k.key_id], ['attestation_ref', b.attestation_ref], ['revalidate_by', b.revalidate_by], ['by', env.signer]])],
  };
}

function keyRotate(s: EngineState, env: SignedEnvelope<'key.rotate'>, ctx: TxContext): Effect {
  const old = keyOf(s, env.signer) as KeyRecord;
  const nk = keyOf(s, env.body.new_key_id);
  if (!nk) fail('UNKNOWN_KEY', `no key ${JSON.stringify(env.body.new_key_id.slice(0, 48))} is registered`);
  if (nk.key_id === old.key_id) fail('KEY_STATUS_CONFLICT', 'a key cannot rotate to itself');
  if (nk.status !== 'active') fail('KEY_STATUS_CONFLICT', `the new key ${nk.key_id} is ${nk.status}, not active`);
  if (nk.rotation) fail('KEY_STATUS_CONFLICT', `the new key ${nk.key_id} already has a rotation link`);
  if (old.rotation?.to !== undefined) fail('KEY_STATUS_CONFLICT', `key ${old.key_id} already hands over to ${old.rotation.to}`);
  if (s.admins.includes(old.key_id)) fail('KEY_STATUS_CONFLICT', 'genesis admin keys are not rotated on chain');
  const rec: KeyRecord = { ...old, rotation: { ...(old.rotation ?? {}), to: nk.key_id, requested_at: ctx.height, approved_at: null } };
  return {
    apply: (w) => w.putKey(rec),
    data: { key_id: old.key_id, new_key_id: nk.key_id, status: 'pending_approval' },
    events: [ev('security.key_rotation_requested', [['key_id', old.key_id], ['new_key_id', nk.key_id]])],
  };
}

/** The operational action approving a requested rotation: the old key retires, the link is recorded both ways, vault policies name the new key. */
function rotateApprove(s: EngineState, keyId: string, proposalId: string, ctx: TxContext): Effect {
  const old = keyOf(s, keyId);
  if (!old) fail('UNKNOWN_KEY', `no key ${JSON.stringify(keyId.slice(0, 48))} is registered`);
  const to = old.rotation?.to;
  if (to === undefined || old.rotation?.approved_at !== null) fail('KEY_STATUS_CONFLICT', `key ${old.key_id} has no rotation waiting for approval`);
  if (old.status === 'revoked' || old.status === 'retired') fail('KEY_STATUS_CONFLICT', `key ${old.key_id} is ${old.status}`);
  const nk = keyOf(s, to);
  if (!nk || nk.status !== 'active') fail('KEY_STATUS_CONFLICT', `the new key ${to} is not active`);
  const oldRec: KeyRecord = { ...old, status: 'retired', rotation: { ...old.rotation, to, approved_at: ctx.height, proposal_id: proposalId }, ended: { reason: 'rotated', height: ctx.height, by: proposalId } };
  delete oldRec.quarantine;
  const newRec: KeyRecord = { ...nk, rotation: { from: old.key_id, approved_at: ctx.height, proposal_id: proposalId } };
  if (old.owner !== undefined && nk.owner === undefined) newRec.owner = old.owner;
  const vaults: VaultRecord[] = [];
  for (const id in s.vaults) {
    const v = lookup(s.vaults, id) as VaultRecord;
    const p = v.policy;
    const inApprovers = p.approvers.includes(old.key_id) && !p.approvers.includes(to);
    const inAttesters = p.attestation !== undefined && p.attestation.attesters.includes(old.key_id) && !p.attestation.attesters.includes(to);
    if (!inApprovers && !inAttesters) continue;
    const np: VaultPolicy = { ...p };
    if (inApprovers) {
      np.approvers = p.approvers.map((a) => (a === old.key_id ? to : a));
      if (p.weights && hasOwn(p.weights, old.key_id)) {
        const w: Record<string, number> = {};
        for (const k of Object.keys(p.weights)) w[k === old.key_id ? to : k] = p.weights[k] as number;
        np.weights = Object.fromEntries(Object.keys(w).sort(compareUtf8).map((k) => [k, w[k] as number]));
      }
    }
    if (inAttesters && p.attestation) np.attestation = { ...p.attestation, attesters: p.attestation.attesters.map((a) => (a === old.key_id ? to : a)) };
    vaults.push({ ...v, policy: np });
  }
  vaults.sort((a, b) => compareUtf8(a.vault_id, b.vault_id));
  return {
    apply: (w) => {
      w.putKey(oldRec);
      w.putKey(newRec);
      for (const v of vaults) w.putVault(v);
    },
    data: { key_id: old.key_id, new_key_id: to },
    events: [ev('security.key_rotated', [['key_id', old.key_id], ['new_key_id', to], ['vaults', vaults.map((v) => v.vault_id).join(',')], ['proposal_id', proposalId]])],
  };
}

function keyRetire(s: EngineState, env: SignedEnvelope<'key.retire'>, ctx: TxContext): Effect {
  const b = env.body;
  const k = keyOf(s, b.key_id);
  if (!k) fail('UNKNOWN_KEY', `no key ${JSON.stringify(b.key_id.slice(0, 48))} is registered`);
  if (k.key_id !== env.signer && !s.admins.includes(env.signer)) fail('NOT_AUTHORIZED', `only key ${k.key_id} itself or an admin may retire it`);
  if (chars(b.reason) < 1 || chars(b.reason) > MAX_REASON_CHARS) fail('INVALID_FIELD', `reason must be 1–${MAX_REASON_CHARS} characters`);
  if (k.status === 'revoked' || k.status === 'retired') fail('KEY_STATUS_CONFLICT', `key ${k.key_id} is ${k.status}`);
  if (s.admins.includes(k.key_id)) fail('KEY_STATUS_CONFLICT', 'a genesis admin key cannot be retired');
  const rec: KeyRecord = { ...k, status: 'retired', ended: { reason: b.reason, height: ctx.height, by: env.signer } };
  delete rec.quarantine;
  return {
    apply: (w) => w.putKey(rec),
    data: { key_id: k.key_id, status: 'retired' },
    events: [ev('security.key_retired', [['key_id', k.key_id], ['reason', b.reason], ['by', env.signer]])],
  };
}

// ─── Snapshot validation ───────────────────────────────────────────────────

const KeyId = z.string().regex(KEY_ID_RE);
const Height = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const TxHash = z.string().regex(/^[0-9A-F]{64}$/);
const Decimal = z.string().regex(/^(0|[1-9][0-9]*)$/);

const Hold = z.strictObject({ control_id: z.string().regex(CONTROL_ID_RE), until: Height });
const KeyRecordSchema = z.strictObject({
  key_id: KeyId,
  scheme: z.enum(['ed25519', 'p256', 'secp256k1']),
  public_key: z.string().regex(/^[0-9a-f]{64,130}$/),
  label: z.string(),
  status: z.enum(['active', 'quarantined', 'revoked', 'retired']),
  roles: z.array(z.string()),
  registered_at: Height,
  owner: z.string().optional(),
  quarantine: z.strictObject({ reason: z.string(), since: Height, by: KeyId, control_id: z.string().regex(CONTROL_ID_RE).optional() }).optional(),
  attestation: z.strictObject({ ref: z.string(), revalidate_by: Height, attested_at: Height, by: KeyId }).optional(),
  rotation: z
    .strictObject({ to: KeyId.optional(), from: KeyId.optional(), requested_at: Height.optional(), approved_at: Height.nullable().optional(), proposal_id: z.string().regex(PROPOSAL_ID_RE).optional() })
    .optional(),
  ended: z.strictObject({ reason: z.string(), height: Height, by: z.string() }).optional(),
});
const VaultRecordSchema = z.strictObject({
  vault_id: z.string().regex(VAULT_ID_RE),
  name: z.string(),
  policy: POLICY_SCHEMA.extend({ approvers: z.array(KeyId).min(1).max(MAX_APPROVERS), threshold: z.number().int().min(1) }),
  balances: z.record(z.string().regex(ASSET_RE), Decimal),
  created_at: Height,
  spent: z.record(z.string().regex(ASSET_RE), z.array(z.tuple([z.number().int(), Decimal]))).optional(),
  pending_whitelist: z
    .array(z.strictObject({ op: z.enum(['add', 'remove']), destination: z.string().regex(DESTINATION_RE), apply_at: Height, proposal_id: z.string().regex(PROPOSAL_ID_RE) }))
    .optional(),
  frozen: Hold.optional(),
  degraded: Hold.optional(),
});
const WithdrawalRecordSchema = z.strictObject({
  request_id: z.string().regex(REQUEST_ID_RE),
  vault_id: z.string().regex(VAULT_ID_RE),
  asset: z.string().regex(ASSET_RE),
  amount: z.string().regex(AMOUNT_RE),
  destination: z.string().regex(DESTINATION_RE),
  memo: z.string(),
  initiator: KeyId,
  created_at: Height,
  created_tx: TxHash,
  approvals: z.array(z.strictObject({ key_id: KeyId, height: Height, tx_hash: TxHash })),
  status: z.enum(['pending', 'approved', 'executed', 'failed', 'cancelled']),
  executed_at: Height.nullable(),
  executed_tx: TxHash.nullable(),
  failure: z.string().nullable(),
  attestations: z.array(z.strictObject({ key_id: KeyId, attestation_type: z.string(), claim_ref: z.string(), height: Height, tx_hash: TxHash })).optional(),
  executable_at: Height.optional(),
  cancelled: z.strictObject({ by: KeyId, reason: z.string(), height: Height }).optional(),
});
const ProposalRecordSchema = z.strictObject({
  proposal_id: z.string().regex(PROPOSAL_ID_RE),
  track: z.enum(['protocol', 'operational']),
  action: GOV_ACTION_SCHEMA,
  proposer: KeyId,
  created_at: Height,
  created_tx: TxHash,
  voting_ends_at: Height,
  votes: z.array(z.strictObject({ key_id: KeyId, vote: z.enum(['yes', 'no', 'abstain']), height: Height })),
  status: z.enum(['open', 'passed', 'rejected', 'expired', 'executed']),
  decided_at: Height.nullable(),
  executable_at: Height.nullable(),
  executed_at: Height.nullable(),
});
const ValidatorRecordSchema = z.strictObject({
  public_key: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string(),
  power: z.number().int().min(1),
  added_at: Height,
  proposal_id: z.string().regex(PROPOSAL_ID_RE),
  removed_at: Height.nullable(),
});
const ControlRecordSchema = z.strictObject({
  control_id: z.string().regex(CONTROL_ID_RE),
  action: EMERGENCY_ACTION_SCHEMA,
  reason: z.string(),
  proposer: KeyId,
  created_at: Height,
  signatures: z.array(z.strictObject({ key_id: KeyId, height: Height })),
  expires_in_blocks: Height,
  status: z.enum(['collecting', 'active', 'ratified', 'lapsed', 'expired', 'lifted']),
  activated_at: Height.nullable(),
  expires_at: Height.nullable(),
  ratify_by: Height.nullable(),
  proposal_id: z.string().regex(PROPOSAL_ID_RE).nullable(),
  ended_at: Height.nullable(),
});
const EngineStateSchema = z.strictObject({
  chain_id: z.string(),
  height: Height,
  time: z.string().regex(RFC3339_UTC_RE),
  params: z.strictObject({ faucet: z.boolean(), max_expiry_blocks: z.number().int().min(1), governance: GOVERNANCE_PARAMS_SCHEMA.optional(), emergency: EMERGENCY_PARAMS_SCHEMA.optional() }),
  admins: z.array(KeyId),
  keys: z.record(KeyId, KeyRecordSchema),
  accounts: z.record(KeyId, z.strictObject({ key_id: KeyId, nonce: Height })),
  vaults: z.record(z.string().regex(VAULT_ID_RE), VaultRecordSchema),
  requests: z.record(z.string().regex(REQUEST_ID_RE), WithdrawalRecordSchema),
  proposals: z.record(z.string().regex(PROPOSAL_ID_RE), ProposalRecordSchema).optional(),
  validators: z.record(z.string().regex(/^[0-9a-f]{64}$/), ValidatorRecordSchema).optional(),
  controls: z.record(z.string().regex(CONTROL_ID_RE), ControlRecordSchema).optional(),
  mode: z.strictObject({ degraded: Hold.nullable() }).optional(),
});
const SnapshotSchema = z.strictObject({
  format: z.literal(SNAPSHOT_FORMAT),
  genesis_hash: z.string().regex(/^[0-9a-f]{64}$/),
  app_hash: z.string().regex(/^[0-9a-f]{64}$/),
  state: EngineStateSchema,
});

/** Cross-record invariants a snapshot must satisfy (ids match their map keys, references resolve). */
function checkStateConsistency(s: EngineState): void {
  const bad = (m: string): never => {
    throw new CharterError('INVALID_INPUT', `snapshot: ${m}`);
  };
  for (const id of Object.keys(s.keys)) if ((s.keys[id] as { key_id: string }).key_id !== id) bad(`keys.${id} has another key_id`);
  for (const id of Object.keys(s.accounts)) if ((s.accounts[id] as { key_id: string }).key_id !== id) bad(`accounts.${id} has another key_id`);
  for (const id of s.admins) if (lookup(s.keys, id) === undefined) bad(`admin ${id} is not a registered key`);
  for (const id of Object.keys(s.vaults)) {
    const v = s.vaults[id] as VaultRecord;
    if (v.vault_id !== id) bad(`vaults.${id} has another vault_id`);
    if (v.policy.threshold > v.policy.approvers.length) bad(`vaults.${id} threshold exceeds its approvers`);
  }
  for (const id of Object.keys(s.requests)) {
    const r = s.requests[id] as WithdrawalRecord;
    if (r.request_id !== id) bad(`requests.${id} has another request_id`);
    if (lookup(s.vaults, r.vault_id) === undefined) bad(`requests.${id} refers to unknown vault ${r.vault_id}`);
  }
}

/** The stored shapes of a withdrawal request and of a vault policy, for verifiers of the chain's records (evidence bundles). */
export { WithdrawalRecordSchema as WITHDRAWAL_RECORD_SCHEMA };

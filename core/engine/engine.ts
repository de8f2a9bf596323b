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
import { CharterError, ENGINE_CODESPACE, ERROR_CODES } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { canonicalBytes, fromUtf8, sha256, toHex, txHashWith, utf8 } from '../codec/index.js';
import { nobleVerifier } from '../crypto/ed25519.js';
import type { SignatureVerifier } from '../crypto/ed25519.js';
import { timeSeconds } from './controls.js';
import { genesisHash, genesisState, RFC3339_UTC_RE, validateGenesis } from './genesis.js';
import { answerQuery } from './queries.js';
import { BEGIN_BLOCK } from './registry.js';
import { ev, fail } from './shared.js';
import { checkStateConsistency, SNAPSHOT_FORMAT, SnapshotSchema } from './snapshot.js';
import { fastCanonicalJson, RootCache } from './state-root.js';
import type { RootObserver, Sha256 } from './state-root.js';
import { decodeTx, decodeTxWithDigest } from './tx.js';
import { validateTx } from './validate.js';
import { indexOf, Work } from './work.js';
import type { Index, TxContext } from './work.js';
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
  TxResult,
} from './types.js';

// What code outside the engine imports from this file, at its historical path.
export { validateTx } from './validate.js';
export { POLICY_MATRIX, trackOf } from './modules/specs.js';
export { ROLES } from './roles.js';
export {
  rolesOf,
  AMOUNT_RE,
  ASSET_RE,
  ATTESTATION_TYPE_RE,
  CONTROL_ID_RE,
  DEFAULT_KEY_ROLES,
  DESTINATION_RE,
  MAX_APPROVERS,
  MAX_MEMO_CHARS,
  MAX_REASON_CHARS,
  PROPOSAL_ID_RE,
  REQUEST_ID_RE,
  VAULT_ID_RE,
} from './shared.js';
export { decide as decideRequest } from './modules/withdrawals/index.js';
export { tallyOf } from './modules/governance/index.js';
export type { ProposalTally } from './modules/governance/index.js';
export { SNAPSHOT_FORMAT, WITHDRAWAL_RECORD_SCHEMA } from './snapshot.js';
export { Work } from './work.js';
export type { Index, TxContext } from './work.js';

export const APP_VERSION = 1;

export interface EngineOptions {
  verifier?: SignatureVerifier;
  /**
   * The SHA-256 the engine uses for the state root, transaction hashes and
   * signing digests (default: the pure-JS one of core/codec). Node hosts pass
   * node:crypto's (main/crypto/node-hash.ts), several times faster; it must be SHA-256.
   */
  sha256?: Sha256;
  /** Told of every state-tree node the root cache hashes anew (state-root.ts RootObserver); none by default. */
  rootObserver?: RootObserver;
  /**
   * Facts another thread already established about exactly these wire bytes
   * (the same Uint8Array object, unmodified): their SHA-256 (the transaction
   * hash) and their signing digest. Consulted before computing either; a
   * replay passes what its verification workers computed. Undefined: the
   * engine computes both.
   */
  wireFacts?: WireFacts;
}

/** See EngineOptions.wireFacts. */
export type WireFacts = (bytes: Uint8Array) => { txHash: string; digest: Uint8Array } | undefined;

const EMPTY = new Uint8Array(0);

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
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

export class CustodyEngine implements Application {
  private readonly genesis: GenesisDoc;
  private readonly genesisHashHex: string;
  private readonly verifier: SignatureVerifier;
  private readonly hash: Sha256 | undefined;
  private readonly observer: RootObserver | undefined;
  private readonly wireFacts: WireFacts | undefined;
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
    this.observer = opts.rootObserver;
    this.wireFacts = opts.wireFacts;
    this.committed = genesisState(this.genesis);
    this.committedIdx = { approved: new Set(), open: new Set(), wl: new Set(), ctl: new Set() };
    this.cache = RootCache.fromState(this.committed, this.hash, this.observer);
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
    const state = {
      ...snap.state,
      proposals: snap.state.proposals ?? {},
      validators: snap.state.validators ?? {},
      controls: snap.state.controls ?? {},
    } as EngineState;
    if (state.chain_id !== engine.genesis.chain_id)
      throw new CharterError('INVALID_INPUT', `snapshot is of chain ${state.chain_id}, not ${engine.genesis.chain_id}`);
    checkStateConsistency(state);
    const cache = RootCache.fromState(state, engine.hash, engine.observer);
    const root = cache.root();
    if (toHex(root) !== snap.app_hash)
      throw new CharterError('INVALID_INPUT', `snapshot state hashes to ${toHex(root)}, but the snapshot records ${snap.app_hash}`);
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
    if (this.pending !== null) this.cache = RootCache.fromState(this.committed, this.hash, this.observer);
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
    // The fast serialiser: equal to canonicalBytes on JSON values (tested), which the state is.
    return utf8(
      fastCanonicalJson({
        format: SNAPSHOT_FORMAT,
        genesis_hash: this.genesisHashHex,
        app_hash: toHex(this.committedRoot),
        state: this.committed,
      }),
    );
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

  /** The modules' block hooks (BEGIN_BLOCK_ORDER): controls, proposals, whitelist changes, then approved requests that are due; their events are block events. */
  private runDue(w: Work, height: number, now: number): AbciEvent[] {
    const events: AbciEvent[] = [];
    for (const hook of BEGIN_BLOCK) {
      const out = hook(w, height, now);
      for (let i = 0; i < out.length; i++) events.push(out[i] as AbciEvent);
    }
    return events;
  }

  // ─── Queries ─────────────────────────────────────────────────────────────

  private answer(path: string): unknown {
    // The cache may be ahead of the committed state while a block is pending: use it only when it is not.
    return answerQuery(this.committed, path, this.committedRoot, () => (this.pending === null ? this.cache : RootCache.fromState(this.committed, this.hash)));
  }

  // ─── Transactions ────────────────────────────────────────────────────────

  /** Run one transaction in `w` at `height`: either fully applied, or rejected with the state untouched. */
  private runTx(w: Work, bytes: Uint8Array, base: TxContext): TxResult {
    const attrs: [string, string | number][] = [];
    try {
      if (!(bytes instanceof Uint8Array)) fail('TX_MALFORMED', 'transaction is not a byte array');
      const facts = this.wireFacts?.(bytes);
      const hash = this.hash ?? sha256;
      const txHash = facts ? facts.txHash : txHashWith(bytes, hash);
      attrs.push(['tx_hash', txHash]);
      const { env, digest } = facts ? { env: decodeTx(bytes), digest: facts.digest } : decodeTxWithDigest(bytes, hash);
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

/** The state root of the engine's committed state (32 bytes). */
export function appHashOf(engine: CustodyEngine): Uint8Array {
  return engine.appHash();
}

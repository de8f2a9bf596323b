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
import { canonicalBytes, fromHex, fromUtf8, keyIdOf, toHex, txHashOf } from '../codec/index.js';
import { nobleVerifier, isValidPublicKey } from '../crypto/ed25519.js';
import type { SignatureVerifier } from '../crypto/ed25519.js';
import { verifyEnvelope } from '../tx/verify.js';
import { decodeTx, KEY_ID_RE, requestIdOf, signingDigest, unsignedOf } from '../tx/envelope.js';
import { genesisHash, genesisState, labelOk, RFC3339_UTC_RE, validateGenesis } from './genesis.js';
import { compareUtf8, entryProof, stateEntries, stateRoot } from './state-root.js';
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
  TxResult,
  UnsignedEnvelope,
  VaultRecord,
  WithdrawalRecord,
} from './types.js';

export const APP_VERSION = 1;
export const SNAPSHOT_FORMAT = 'charter/engine-snapshot/v1';

export const VAULT_ID_RE = /^[a-z0-9][a-z0-9-]{1,31}$/;
export const ASSET_RE = /^[A-Z0-9][A-Z0-9.-]{0,15}$/;
export const AMOUNT_RE = /^[1-9][0-9]{0,30}$/;
export const DESTINATION_RE = /^[\x21-\x7e]{1,128}$/;
export const REQUEST_ID_RE = /^wr-[0-9a-f]{24}$/;
export const MAX_APPROVERS = 32;
export const MAX_MEMO_CHARS = 256;

export interface EngineOptions {
  verifier?: SignatureVerifier;
}

/** What a validated transaction will do: nothing in here may throw. */
interface Effect {
  apply(): void;
  data: unknown;
  events: AbciEvent[];
}

interface TxContext {
  height: number;
  txHash: string;
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

/** The engine's error as a TxResult (code, codespace "custody", log "<CODE>: message"). */
export function rejection(code: ErrorCode, message: string, attrs: [string, string | number][] = []): TxResult {
  const abci = (ERROR_CODES[code] as { abci?: number }).abci;
  if (abci === undefined) throw new Error(`${code} is not an engine error code`);
  return {
    code: abci,
    codespace: ENGINE_CODESPACE,
    log: `${code}: ${message}`,
    data: EMPTY,
    events: [ev('custody.tx_rejected', [['code', code], ['abci_code', abci], ...attrs])],
  };
}

function isEngineError(e: unknown): e is CharterError {
  return e instanceof CharterError && (ERROR_CODES[e.code] as { abci?: number }).abci !== undefined;
}

export class CustodyEngine implements Application {
  private readonly genesis: GenesisDoc;
  private readonly genesisHashHex: string;
  private readonly verifier: SignatureVerifier;
  private committed: EngineState;
  private committedRoot: Uint8Array;
  private check: EngineState;
  private pending: { state: EngineState; root: Uint8Array } | null = null;

  constructor(genesis: GenesisDoc, opts: EngineOptions = {}) {
    this.genesis = validateGenesis(genesis);
    this.genesisHashHex = genesisHash(this.genesis);
    this.verifier = opts.verifier ?? nobleVerifier;
    this.committed = genesisState(this.genesis);
    this.committedRoot = stateRoot(this.committed);
    this.check = clone(this.committed);
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
    const state = snap.state as EngineState;
    if (state.chain_id !== engine.genesis.chain_id) throw new CharterError('INVALID_INPUT', `snapshot is of chain ${state.chain_id}, not ${engine.genesis.chain_id}`);
    checkStateConsistency(state);
    const root = stateRoot(state);
    if (toHex(root) !== snap.app_hash) throw new CharterError('INVALID_INPUT', `snapshot state hashes to ${toHex(root)}, but the snapshot records ${snap.app_hash}`);
    engine.committed = state;
    engine.committedRoot = root;
    engine.check = clone(state);
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
    return this.runTx(this.check, tx, this.committed.height + 1);
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
    const working = clone(this.committed);
    working.height = req.height;
    working.time = req.time;
    const txResults = req.txs.map((tx) => this.runTx(working, tx, req.height));
    const root = stateRoot(working);
    this.pending = { state: working, root };
    return { txResults, appHash: root.slice(), events: [] };
  }

  commit(): { retainHeight: number } {
    if (this.pending === null) throw new CharterError('INVALID_INPUT', 'commit without a finalized block');
    this.committed = this.pending.state;
    this.committedRoot = this.pending.root;
    this.pending = null;
    this.check = clone(this.committed);
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
          const k = hasOwn(s.keys, arg) ? s.keys[arg] : undefined;
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
          const a = hasOwn(s.accounts, arg) ? s.accounts[arg] : undefined;
          return { key_id: arg, nonce: a ? a.nonce : 0 };
        }
        break;
      case 'vault':
        if (rest.length === 1 && arg) {
          noSearch();
          const v = hasOwn(s.vaults, arg) ? s.vaults[arg] : undefined;
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
          const r = hasOwn(s.requests, arg) ? s.requests[arg] : undefined;
          if (!r) fail('REQUEST_NOT_FOUND', `no withdrawal request ${arg}`);
          return r;
        }
        break;
      case 'requests':
        if (rest.length === 0) {
          let vault: string | null = null;
          if (search !== null) {
            const m = /^vault=([a-z0-9-]+)$/.exec(search);
            if (!m) fail('UNKNOWN_QUERY', `unknown parameters ${JSON.stringify(search)}; /requests takes ?vault=<vault id>`);
            vault = m[1] as string;
            if (!hasOwn(s.vaults, vault)) fail('VAULT_NOT_FOUND', `no vault ${vault}`);
          }
          return Object.keys(s.requests)
            .map((id) => s.requests[id] as WithdrawalRecord)
            .filter((r) => vault === null || r.vault_id === vault)
            .sort((a, b) => b.created_at - a.created_at || compareUtf8(a.request_id, b.request_id));
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
          const proof = entryProof(s, arg);
          if (!proof) fail('NOT_IN_STATE', `the state has no entry ${JSON.stringify(arg)}`);
          const entry = stateEntries(s)[proof.leaf_index] as { value: Uint8Array };
          return { height: s.height, app_hash: toHex(this.committedRoot).toUpperCase(), key: arg, value: JSON.parse(fromUtf8(entry.value)) as unknown, proof };
        }
        break;
      default:
        break;
    }
    return fail('UNKNOWN_QUERY', `unknown query path ${JSON.stringify(path)}`);
  }

  // ─── Transactions ────────────────────────────────────────────────────────

  /** Run one transaction against `state` at `height`: either fully applied, or rejected with `state` untouched. */
  private runTx(state: EngineState, bytes: Uint8Array, height: number): TxResult {
    let txHash = '';
    const attrs: [string, string | number][] = [];
    try {
      if (!(bytes instanceof Uint8Array)) fail('TX_MALFORMED', 'transaction is not a byte array');
      txHash = txHashOf(bytes);
      attrs.push(['tx_hash', txHash]);
      const env = decodeTx(bytes);
      attrs.push(['type', env.type], ['signer', env.signer]);
      const effect = this.validate(state, env, { height, txHash });
      // Nothing below throws: validation is complete.
      effect.apply();
      state.accounts[env.signer] = { key_id: env.signer, nonce: env.nonce };
      return { code: 0, codespace: '', log: '', data: effect.data === undefined ? EMPTY : canonicalBytes(effect.data), events: effect.events };
    } catch (e) {
      if (isEngineError(e)) return rejection(e.code, e.message, attrs);
      // Anything else is a bug in validation; still answer deterministically,
      // and validation has not written anything.
      const message = e instanceof Error ? e.message : String(e);
      return rejection('TX_MALFORMED', `unexpected: ${message}`, attrs);
    }
  }

  private validate(s: EngineState, env: SignedEnvelope, ctx: TxContext): Effect {
    if (env.chain_id !== s.chain_id) fail('WRONG_CHAIN', `signed for chain ${env.chain_id}, this is ${s.chain_id}`);
    if (ctx.height > env.expires_at) fail('TX_EXPIRED', `expired at height ${env.expires_at}; the block height is ${ctx.height}`);
    if (env.expires_at > ctx.height + s.params.max_expiry_blocks) {
      fail('INVALID_FIELD', `expires_at ${env.expires_at} is more than ${s.params.max_expiry_blocks} blocks after height ${ctx.height}`);
    }
    const key = hasOwn(s.keys, env.signer) ? s.keys[env.signer] : undefined;
    if (!key) fail('UNKNOWN_SIGNER', `key ${env.signer} is not registered`);
    if (key.status !== 'active') fail('KEY_NOT_ACTIVE', `key ${env.signer} is ${key.status}`);
    if (!verifyEnvelope(this.verifier, env, key)) {
      fail('BAD_SIGNATURE', `the signature does not verify for key ${env.signer}`);
    }
    const account = hasOwn(s.accounts, env.signer) ? s.accounts[env.signer] : undefined;
    const expectedNonce = (account ? account.nonce : 0) + 1;
    if (env.nonce !== expectedNonce) fail('BAD_NONCE', `nonce ${env.nonce}; the next nonce of key ${env.signer} is ${expectedNonce}`);

    switch (env.type) {
      case 'key.register':
        return this.keyRegister(s, env as SignedEnvelope<'key.register'>, ctx);
      case 'vault.create':
        return this.vaultCreate(s, env as SignedEnvelope<'vault.create'>, ctx);
      case 'vault.fund':
        return this.vaultFund(s, env as SignedEnvelope<'vault.fund'>);
      case 'withdrawal.create':
        return this.withdrawalCreate(s, env as SignedEnvelope<'withdrawal.create'>, ctx);
      case 'withdrawal.approve':
        return this.withdrawalApprove(s, env as SignedEnvelope<'withdrawal.approve'>, ctx);
      default:
        return fail('UNKNOWN_TX_TYPE', `unknown transaction type ${JSON.stringify((env as { type: string }).type)}`);
    }
  }

  private requireAdmin(s: EngineState, signer: string, what: string): void {
    if (!s.admins.includes(signer)) fail('NOT_AUTHORIZED', `only a chain admin may ${what}; ${signer} is not an admin`);
  }

  private keyRegister(s: EngineState, env: SignedEnvelope<'key.register'>, ctx: TxContext): Effect {
    this.requireAdmin(s, env.signer, 'register keys');
    const b = env.body;
    if (!/^[0-9a-f]{64}$/.test(b.public_key)) fail('INVALID_KEY', 'public_key must be 64 lower-case hex digits (32 bytes)');
    const pk = fromHex(b.public_key);
    if (!isValidPublicKey(b.scheme, pk)) fail('INVALID_KEY', 'public_key is not a valid Ed25519 point (canonical encoding, not of small order)');
    if (!labelOk(b.label)) fail('INVALID_FIELD', 'label must be 1–64 characters');
    const id = keyIdOf(b.scheme, pk);
    if (hasOwn(s.keys, id)) fail('KEY_EXISTS', `key ${id} is already registered`);
    return {
      apply: () => {
        s.keys[id] = { key_id: id, scheme: b.scheme, public_key: b.public_key, label: b.label, status: 'active', roles: [], registered_at: ctx.height };
      },
      data: { key_id: id },
      events: [ev('custody.key_registered', [['key_id', id], ['scheme', b.scheme], ['label', b.label], ['registered_by', env.signer]])],
    };
  }

  private vaultCreate(s: EngineState, env: SignedEnvelope<'vault.create'>, ctx: TxContext): Effect {
    this.requireAdmin(s, env.signer, 'create vaults');
    const b = env.body;
    if (!VAULT_ID_RE.test(b.vault_id)) fail('INVALID_FIELD', 'vault_id must be 2–32 characters: a–z, 0–9 or "-", starting with a letter or digit');
    if (!labelOk(b.name)) fail('INVALID_FIELD', 'name must be 1–64 characters');
    if (hasOwn(s.vaults, b.vault_id)) fail('VAULT_EXISTS', `vault ${b.vault_id} already exists`);
    const { approvers, threshold } = b.policy;
    if (approvers.length < 1 || approvers.length > MAX_APPROVERS) fail('INVALID_POLICY', `a policy has 1–${MAX_APPROVERS} approvers, not ${approvers.length}`);
    const seen = new Set<string>();
    for (const a of approvers) {
      if (!KEY_ID_RE.test(a)) fail('INVALID_POLICY', `approver ${JSON.stringify(a.slice(0, 48))} is not a key id`);
      if (seen.has(a)) fail('INVALID_POLICY', `approver ${a} is listed twice`);
      seen.add(a);
      const k = hasOwn(s.keys, a) ? s.keys[a] : undefined;
      if (!k) fail('INVALID_POLICY', `approver ${a} is not a registered key`);
      if (k.status !== 'active') fail('INVALID_POLICY', `approver ${a} is ${k.status}, not active`);
    }
    if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > approvers.length) {
      fail('INVALID_POLICY', `threshold ${threshold} is not between 1 and ${approvers.length}`);
    }
    const vault: VaultRecord = { vault_id: b.vault_id, name: b.name, policy: { approvers: [...approvers], threshold }, balances: {}, created_at: ctx.height };
    return {
      apply: () => {
        s.vaults[b.vault_id] = vault;
      },
      data: { vault_id: b.vault_id },
      events: [
        ev('custody.vault_created', [
          ['vault_id', b.vault_id],
          ['threshold', threshold],
          ['approvers', approvers.join(',')],
          ['created_by', env.signer],
        ]),
      ],
    };
  }

  private vaultFund(s: EngineState, env: SignedEnvelope<'vault.fund'>): Effect {
    this.requireAdmin(s, env.signer, 'fund vaults');
    if (!s.params.faucet) fail('FAUCET_DISABLED', 'this chain has no faucet (params.faucet is false)');
    const b = env.body;
    const vault = hasOwn(s.vaults, b.vault_id) ? s.vaults[b.vault_id] : undefined;
    if (!vault) fail('VAULT_NOT_FOUND', `no vault ${JSON.stringify(b.vault_id)}`);
    checkAsset(b.asset);
    checkAmount(b.amount);
    const balance = (hasOwn(vault.balances, b.asset) ? BigInt(vault.balances[b.asset] as string) : 0n) + BigInt(b.amount);
    const next = balance.toString();
    return {
      apply: () => {
        vault.balances[b.asset] = next;
      },
      data: { vault_id: b.vault_id, asset: b.asset, balance: next },
      events: [ev('custody.vault_funded', [['vault_id', b.vault_id], ['asset', b.asset], ['amount', b.amount], ['balance', next], ['funded_by', env.signer]])],
    };
  }

  private withdrawalCreate(s: EngineState, env: SignedEnvelope<'withdrawal.create'>, ctx: TxContext): Effect {
    const b = env.body;
    const vault = hasOwn(s.vaults, b.vault_id) ? s.vaults[b.vault_id] : undefined;
    if (!vault) fail('VAULT_NOT_FOUND', `no vault ${JSON.stringify(b.vault_id)}`);
    checkAsset(b.asset);
    checkAmount(b.amount);
    if (!DESTINATION_RE.test(b.destination)) fail('INVALID_DESTINATION', 'destination must be 1–128 printable ASCII characters without spaces');
    if (chars(b.memo) > MAX_MEMO_CHARS) fail('INVALID_FIELD', `memo is longer than ${MAX_MEMO_CHARS} characters`);
    const balance = hasOwn(vault.balances, b.asset) ? BigInt(vault.balances[b.asset] as string) : 0n;
    if (BigInt(b.amount) > balance) fail('INSUFFICIENT_BALANCE', `vault ${b.vault_id} holds ${balance} ${b.asset}; the request is for ${b.amount}`);
    const id = requestIdOf(unsignedOf(env) as UnsignedEnvelope<'withdrawal.create'>);
    if (hasOwn(s.requests, id)) fail('REQUEST_EXISTS', `request ${id} already exists`);
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
    return {
      apply: () => {
        s.requests[id] = record;
      },
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

  private withdrawalApprove(s: EngineState, env: SignedEnvelope<'withdrawal.approve'>, ctx: TxContext): Effect {
    const id = env.body.request_id;
    const req = hasOwn(s.requests, id) ? s.requests[id] : undefined;
    if (!req) fail('REQUEST_NOT_FOUND', `no withdrawal request ${JSON.stringify(id.slice(0, 64))}`);
    if (req.status !== 'pending') fail('REQUEST_NOT_PENDING', `request ${id} is ${req.status}`);
    const vault = s.vaults[req.vault_id] as VaultRecord;
    if (!vault.policy.approvers.includes(env.signer)) fail('NOT_AN_APPROVER', `key ${env.signer} is not an approver of vault ${vault.vault_id}`);
    if (req.approvals.some((a) => a.key_id === env.signer)) fail('DUPLICATE_APPROVAL', `key ${env.signer} has already approved request ${id}`);

    const count = req.approvals.length + 1;
    const threshold = vault.policy.threshold;
    const events: AbciEvent[] = [
      ev('custody.withdrawal_approved', [['request_id', id], ['approver', env.signer], ['approvals', count], ['threshold', threshold]]),
    ];
    let status: WithdrawalRecord['status'] = 'pending';
    let newBalance: string | null = null;
    if (count >= threshold) {
      const balance = hasOwn(vault.balances, req.asset) ? BigInt(vault.balances[req.asset] as string) : 0n;
      const amount = BigInt(req.amount);
      if (amount <= balance) {
        status = 'executed';
        newBalance = (balance - amount).toString();
        events.push(
          ev('custody.withdrawal_executed', [
            ['request_id', id],
            ['vault_id', req.vault_id],
            ['asset', req.asset],
            ['amount', req.amount],
            ['destination', req.destination],
            ['balance', newBalance],
          ]),
        );
      } else {
        status = 'failed';
        events.push(ev('custody.withdrawal_failed', [['request_id', id], ['vault_id', req.vault_id], ['failure', 'INSUFFICIENT_BALANCE'], ['balance', balance.toString()], ['amount', req.amount]]));
      }
    }
    return {
      apply: () => {
        req.approvals.push({ key_id: env.signer, height: ctx.height, tx_hash: ctx.txHash });
        req.status = status;
        if (status === 'executed') {
          vault.balances[req.asset] = newBalance as string;
          req.executed_at = ctx.height;
          req.executed_tx = ctx.txHash;
        } else if (status === 'failed') {
          req.failure = 'INSUFFICIENT_BALANCE';
        }
      },
      data: { request_id: id, status },
      events,
    };
  }
}

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

// ─── Snapshot validation ───────────────────────────────────────────────────

const KeyId = z.string().regex(KEY_ID_RE);
const Height = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const TxHash = z.string().regex(/^[0-9A-F]{64}$/);
const Decimal = z.string().regex(/^(0|[1-9][0-9]*)$/);

const KeyRecordSchema = z.strictObject({
  key_id: KeyId,
  scheme: z.literal('ed25519'),
  public_key: z.string().regex(/^[0-9a-f]{64}$/),
  label: z.string(),
  status: z.enum(['active', 'quarantined', 'revoked', 'retired']),
  roles: z.array(z.string()),
  registered_at: Height,
});
const VaultRecordSchema = z.strictObject({
  vault_id: z.string().regex(VAULT_ID_RE),
  name: z.string(),
  policy: z.strictObject({ approvers: z.array(KeyId).min(1).max(MAX_APPROVERS), threshold: z.number().int().min(1) }),
  balances: z.record(z.string().regex(ASSET_RE), Decimal),
  created_at: Height,
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
  status: z.enum(['pending', 'executed', 'failed']),
  executed_at: Height.nullable(),
  executed_tx: TxHash.nullable(),
  failure: z.string().nullable(),
});
const EngineStateSchema = z.strictObject({
  chain_id: z.string(),
  height: Height,
  time: z.string().regex(RFC3339_UTC_RE),
  params: z.strictObject({ faucet: z.boolean(), max_expiry_blocks: z.number().int().min(1) }),
  admins: z.array(KeyId),
  keys: z.record(KeyId, KeyRecordSchema),
  accounts: z.record(KeyId, z.strictObject({ key_id: KeyId, nonce: Height })),
  vaults: z.record(z.string().regex(VAULT_ID_RE), VaultRecordSchema),
  requests: z.record(z.string().regex(REQUEST_ID_RE), WithdrawalRecordSchema),
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
  for (const id of s.admins) if (!hasOwn(s.keys, id)) bad(`admin ${id} is not a registered key`);
  for (const id of Object.keys(s.vaults)) {
    const v = s.vaults[id] as VaultRecord;
    if (v.vault_id !== id) bad(`vaults.${id} has another vault_id`);
    if (v.policy.threshold > v.policy.approvers.length) bad(`vaults.${id} threshold exceeds its approvers`);
  }
  for (const id of Object.keys(s.requests)) {
    const r = s.requests[id] as WithdrawalRecord;
    if (r.request_id !== id) bad(`requests.${id} has another request_id`);
    if (!hasOwn(s.vaults, r.vault_id)) bad(`requests.${id} refers to unknown vault ${r.vault_id}`);
  }
}

/**
 * The console's client for a custody node: CometBFT JSON-RPC through
 * @cosmjs/tendermint-rpc (so the same client works against the embedded
 * devnet and a real CometBFT 0.38/1.x node), plus plain HTTP for the node's
 * /explorer/* routes and /metrics/engine.
 *
 * Errors are CharterErrors:
 * - NODE_UNREACHABLE: nothing answers at the URL (refused, reset, DNS, timeout);
 * - TX_TIMEOUT: broadcast_tx_commit gave up waiting for inclusion;
 * - the engine's stable code (e.g. INSUFFICIENT_BALANCE) when a transaction is
 *   rejected at check time or in its block, details {abci_code, log, hash, height?};
 * - NOT_FOUND from the explorer routes for a missing block or transaction;
 * - NODE_ERROR for anything else the node says.
 */
import type { Checkpoint, EvidenceSignature, SignedCheckpoint, TrustFile } from '../../core/evidence/checkpoint.js';
import { Comet1Client, Comet38Client, connectComet, toRfc3339WithNanoseconds, type CometClient, type ReadonlyDateWithNanoseconds } from '@cosmjs/tendermint-rpc';

type ReadonlyDate = ReadonlyDateWithNanoseconds extends infer D ? Omit<D, 'nanoseconds'> : never;
import { CharterError, ENGINE_CODESPACE, ENGINE_ERROR_BY_ABCI, isErrorCode, type ErrorCode } from '../../core/errors.js';
import { fromUtf8, sha256Hex, toHexUpper as hexUpper } from '../../core/codec/index.js';
import type { AbciEvent } from '../../core/engine/types.js';

export interface ChainStatus {
  chainId: string;
  height: number;
  /** Time of the latest block, RFC 3339 (cosmjs precision: milliseconds plus its nanosecond field). */
  time: string;
  /** Header app_hash of the latest block (CometBFT: the state root after the block before it), upper-case hex. */
  appHash: string;
  latestBlockHash: string;
  nodeVersion: string;
  moniker: string;
  catchingUp: boolean;
}

export interface AbciResult {
  code: number;
  codespace: string;
  log: string;
}

export interface ExecResult extends AbciResult {
  data: Uint8Array;
  /** data decoded as JSON when it is JSON (the engine's result payloads are canonical JSON), else null. */
  result: unknown;
  events: AbciEvent[];
}

export interface CommitOutcome {
  /** Upper-case hex transaction hash. */
  hash: string;
  height: number;
  checkTx: AbciResult;
  txResult: ExecResult;
}

export interface SyncOutcome {
  hash: string;
  checkTx: AbciResult;
}

export interface BlockInfo {
  height: number;
  hash: string;
  time: string;
  chainId: string;
  /** Header app_hash (state root after height-1). */
  appHash: string;
  lastBlockHash: string;
  dataHash: string;
  proposer: string;
  txs: { hash: string; bytes: Uint8Array }[];
  /** Validator signatures over this block, from the commit (empty only if the node has none). */
  signatures: { validatorAddress: string; signature: string; timestamp: string }[];
}

export interface TxInfo {
  hash: string;
  height: number;
  index: number;
  bytes: Uint8Array;
  result: ExecResult;
}

// The read API's wire types (core/node-api/read-api.ts), shared with the server; re-exported for callers of this module.
import type { BlockSummary, ReceiptView, ReceiptsPage, CheckpointsPage, InclusionProofView, ConsistencyProofView, HistoricalStateProof, SecurityEventFilter, SecurityEvent, SecurityEventsPage, ExplorerOverview, ExplorerTx, ExplorerBlock } from '../../core/node-api/read-api.js';
export type { BlockSummary, ReceiptView, ReceiptsPage, CheckpointsPage, InclusionProofView, ConsistencyProofView, HistoricalStateProof, SecurityEventFilter, SecurityEvent, SecurityEventsPage, ExplorerOverview, ExplorerTx, ExplorerBlock };

/** Query results that mean "no such thing" rather than an error. */
const NOT_FOUND_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['VAULT_NOT_FOUND', 'REQUEST_NOT_FOUND', 'UNKNOWN_SIGNER', 'NOT_IN_STATE', 'PROPOSAL_NOT_FOUND']);

const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);

function timeString(d: ReadonlyDateWithNanoseconds | ReadonlyDate): string {
  return toRfc3339WithNanoseconds(d as ReadonlyDateWithNanoseconds);
}

function decodeJson(data: Uint8Array | undefined): unknown {
  if (!data || data.length === 0) return null;
  try {
    return JSON.parse(fromUtf8(data));
  } catch {
    return null;
  }
}

function errorChain(e: unknown): unknown[] {
  const out: unknown[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 6 && cur; i++) {
    out.push(cur);
    cur = (cur as { cause?: unknown }).cause;
  }
  return out;
}

/** Is this a transport failure (nothing answered), as opposed to an answer we did not like? */
function isNetworkError(e: unknown): boolean {
  for (const x of errorChain(e)) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
    const name = (x as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    const msg = (x as { message?: unknown }).message;
    if (typeof msg === 'string' && (msg === 'fetch failed' || /socket hang up|ECONNREFUSED/.test(msg))) return true;
  }
  return false;
}

/** The JSON-RPC error a cosmjs HttpClient threw (it throws Error(JSON.stringify(error))), if that is what this is. */
function rpcErrorOf(e: unknown): { code: number; message: string; data?: string } | null {
  const msg = (e as { message?: unknown }).message;
  if (typeof msg !== 'string' || !msg.startsWith('{')) return null;
  try {
    const o = JSON.parse(msg) as { code?: unknown; message?: unknown; data?: unknown };
    if (typeof o.code === 'number' && typeof o.message === 'string') return { code: o.code, message: o.message, ...(typeof o.data === 'string' ? { data: o.data } : {}) };
  } catch {
    // not JSON
  }
  return null;
}

/** The engine's stable code for an ABCI result, or null if it is not an engine rejection. */
export function engineCodeOf(r: { code: number; codespace?: string; log?: string }): ErrorCode | null {
  if (r.code === 0) return null;
  if (r.codespace === ENGINE_CODESPACE) {
    const byAbci = ENGINE_ERROR_BY_ABCI.get(r.code);
    if (byAbci) return byAbci;
  }
  const m = /^([A-Z][A-Z0-9_]+): /.exec(r.log ?? '');
  if (m && isErrorCode(m[1] as string)) return m[1] as ErrorCode;
  return null;
}

function rejected(r: { code: number; codespace?: string; log?: string }, hash: string, height?: number): CharterError {
  const code = engineCodeOf(r) ?? 'NODE_ERROR';
  const log = r.log ?? '';
  const message = log.replace(/^[A-Z][A-Z0-9_]+: /, '') || `transaction rejected with code ${r.code}`;
  return new CharterError(code, message, { abci_code: r.code, codespace: r.codespace ?? '', log, hash, ...(height !== undefined ? { height } : {}) });
}

function execResult(d: { code: number; codespace?: string; log?: string; data?: Uint8Array; events: readonly { type: string; attributes: readonly { key: string; value: string }[] }[] } | undefined): ExecResult {
  if (!d) return { code: 0, codespace: '', log: '', data: new Uint8Array(0), result: null, events: [] };
  return {
    code: d.code,
    codespace: d.codespace ?? '',
    log: d.log ?? '',
    data: d.data ?? new Uint8Array(0),
    result: decodeJson(d.data),
    events: d.events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value })) })),
  };
}

type Comet = Comet38Client | Comet1Client;

export interface CustodyClientOptions {
  /** Timeout of the plain-HTTP routes (explorer, metrics), ms; default 15 000. */
  httpTimeoutMs?: number;
}

export class CustodyClient {
  private constructor(
    readonly rpcUrl: string,
    private readonly cometClient: Comet,
    private readonly httpBase: string,
    private readonly httpTimeoutMs: number,
  ) {}

  /**
   * Connects (one `status` call to detect the CometBFT version, as cosmjs'
   * connectComet does). Throws NODE_UNREACHABLE if nothing answers and
   * NODE_ERROR if the node is not CometBFT 0.38 / 1.x compatible.
   */
  static async connect(rpcUrl: string, opts: CustodyClientOptions = {}): Promise<CustodyClient> {
    let url: URL;
    try {
      url = new URL(rpcUrl);
    } catch {
      throw new CharterError('INVALID_INPUT', `not a URL: ${rpcUrl}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CharterError('INVALID_INPUT', `the RPC URL must be http:// or https://, got ${url.protocol}`);
    const base = rpcUrl.replace(/\/+$/, '');
    let client: CometClient;
    try {
      client = await connectComet(base);
    } catch (e) {
      throw CustodyClient.mapError(e, `connect to ${base}`);
    }
    if (!(client instanceof Comet38Client) && !(client instanceof Comet1Client)) {
      client.disconnect();
      throw new CharterError('NODE_ERROR', `${base} is not a CometBFT 0.38 or 1.x node`, { rpcUrl: base });
    }
    return new CustodyClient(base, client, base, opts.httpTimeoutMs ?? 15_000);
  }

  /** The underlying cosmjs client, for calls this class does not wrap. */
  get comet(): Comet {
    return this.cometClient;
  }

  disconnect(): void {
    this.cometClient.disconnect();
  }

  async status(): Promise<ChainStatus> {
    const s = await this.run('status', () => this.cometClient.status());
    return {
      chainId: s.nodeInfo.network,
      height: s.syncInfo.latestBlockHeight,
      time: timeString(s.syncInfo.latestBlockTime),
      appHash: hexUpper(s.syncInfo.latestAppHash),
      latestBlockHash: hexUpper(s.syncInfo.latestBlockHash),
      nodeVersion: s.nodeInfo.version,
      moniker: s.nodeInfo.moniker,
      catchingUp: s.syncInfo.catchingUp,
    };
  }

  /** abci_info: the application's own last height and state root (after that block). */
  async abciInfo(): Promise<{ height: number; appHash: string }> {
    const i = await this.run('abci_info', () => this.cometClient.abciInfo());
    return { height: i.lastBlockHeight ?? 0, appHash: i.lastBlockAppHash ? hexUpper(i.lastBlockAppHash) : '' };
  }

  /**
   * abci_query of a path (e.g. "/vault/treasury"): the JSON-decoded value,
   * null when the engine says the thing does not exist, NODE_ERROR otherwise.
   */
  async query<T>(path: string): Promise<T | null> {
    const r = await this.run(`abci_query ${path}`, () => this.cometClient.abciQuery({ path, data: new Uint8Array(0) }));
    const code = r.code ?? 0;
    if (code !== 0) {
      const engineCode = engineCodeOf({ code, codespace: r.codespace, log: r.log ?? '' });
      if (engineCode && NOT_FOUND_CODES.has(engineCode)) return null;
      throw new CharterError('NODE_ERROR', `query ${path} failed: ${r.log ?? `code ${code}`}`, { abci_code: code, codespace: r.codespace, log: r.log ?? '', engine_code: engineCode, path });
    }
    if (r.value.length === 0) return null;
    const v = decodeJson(r.value);
    return v as T | null;
  }

  /** The last accepted nonce of a key (0 if it has sent nothing); sign the next transaction with nonce + 1. */
  async nonceOf(keyId: string): Promise<number> {
    const a = await this.query<{ nonce: number }>(`/account/${keyId}`);
    return a?.nonce ?? 0;
  }

  /**
   * broadcast_tx_commit: resolves once the transaction is in a block and
   * succeeded; throws the engine's code if it was rejected at check time or
   * failed in its block, TX_TIMEOUT if the node gave up waiting.
   */
  async broadcastCommit(txBytes: Uint8Array): Promise<CommitOutcome> {
    const hash = sha256Hex(txBytes).toUpperCase();
    const r = await this.run('broadcast_tx_commit', () => this.cometClient.broadcastTxCommit({ tx: txBytes }), hash);
    if (r.checkTx.code !== 0) throw rejected(r.checkTx, hash);
    const txResult = execResult(r.txResult);
    if (txResult.code !== 0) throw rejected(txResult, hash, r.height);
    return {
      hash: hexUpper(r.hash),
      height: r.height,
      checkTx: { code: r.checkTx.code, codespace: r.checkTx.codespace ?? '', log: r.checkTx.log ?? '' },
      txResult,
    };
  }

  /** broadcast_tx_sync: resolves once the transaction is in the mempool; throws the engine's code if checkTx refused it. */
  async broadcastSync(txBytes: Uint8Array): Promise<SyncOutcome> {
    const hash = sha256Hex(txBytes).toUpperCase();
    const r = await this.run('broadcast_tx_sync', () => this.cometClient.broadcastTxSync({ tx: txBytes }), hash);
    if (r.code !== 0) throw rejected(r, hash);
    return { hash: hexUpper(r.hash), checkTx: { code: r.code, codespace: r.codespace ?? '', log: r.log ?? '' } };
  }

  /** A block with its commit signatures; latest if height is omitted. */
  async block(height?: number): Promise<BlockInfo> {
    const b = await this.run(`block ${height ?? 'latest'}`, () => this.cometClient.block(height));
    const h = b.block.header;
    let signatures: BlockInfo['signatures'] = [];
    try {
      const c = await this.cometClient.commit(h.height);
      signatures = c.commit.signatures
        .filter((s) => s.signature && s.validatorAddress)
        .map((s) => ({ validatorAddress: hexUpper(s.validatorAddress as Uint8Array), signature: Buffer.from(s.signature as Uint8Array).toString('base64'), timestamp: s.timestamp ? timeString(s.timestamp) : '' }));
    } catch {
      // A node without the commit of this height: no signatures to show.
    }
    return {
      height: h.height,
      hash: hexUpper(b.blockId.hash),
      time: timeString(h.time),
      chainId: h.chainId,
      appHash: hexUpper(h.appHash),
      lastBlockHash: h.lastBlockId ? hexUpper(h.lastBlockId.hash) : '',
      dataHash: hexUpper(h.dataHash),
      proposer: hexUpper(h.proposerAddress),
      txs: b.block.txs.map((t) => ({ hash: sha256Hex(t).toUpperCase(), bytes: t })),
      signatures,
    };
  }

  /** A committed transaction by hash (hex, with or without 0x), or null if the node does not know it. */
  async tx(hash: string): Promise<TxInfo | null> {
    const clean = hash.replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]{64}$/.test(clean)) throw new CharterError('INVALID_INPUT', 'a transaction hash is 64 hex digits');
    try {
      const t = await this.cometClient.tx({ hash: new Uint8Array(Buffer.from(clean, 'hex')) });
      return { hash: hexUpper(t.hash), height: t.height, index: t.index, bytes: t.tx, result: execResult(t.result) };
    } catch (e) {
      const rpc = rpcErrorOf(e);
      if (rpc && /not found/i.test(rpc.data ?? '')) return null;
      throw CustodyClient.mapError(e, 'tx');
    }
  }

  /** The latest n blocks (n ≤ 20 per CometBFT's blockchain call), highest first. */
  async latestBlocks(n = 20): Promise<BlockSummary[]> {
    const count = Math.max(1, Math.min(20, Math.floor(n)));
    const r = await this.run('blockchain', () => this.cometClient.blockchain());
    return r.blockMetas.slice(0, count).map((m) => ({
      height: m.header.height,
      hash: hexUpper(m.blockId.hash),
      time: timeString(m.header.time),
      numTxs: m.numTxs,
    }));
  }

  async explorerOverview(limit = 20): Promise<ExplorerOverview> {
    return this.getJson<ExplorerOverview>(`/explorer/overview?limit=${encodeURIComponent(String(limit))}`);
  }
  async explorerBlock(height: number): Promise<ExplorerBlock> {
    return this.getJson<ExplorerBlock>(`/explorer/block?height=${encodeURIComponent(String(height))}`);
  }
  async explorerTx(hash: string): Promise<ExplorerTx> {
    return this.getJson<ExplorerTx>(`/explorer/transaction?hash=${encodeURIComponent(hash)}`);
  }

  /** GET /explorer/security-events: persisted security.* events, newest first. */
  async securityEvents(filter: SecurityEventFilter = {}): Promise<SecurityEventsPage> {
    const q = new URLSearchParams();
    for (const k of ['kind', 'key', 'vault', 'from', 'to', 'before', 'limit', 'stage'] as const) {
      const v = filter[k];
      if (v !== undefined) q.set(k, String(v));
    }
    const qs = q.toString();
    return this.getJson<SecurityEventsPage>(`/explorer/security-events${qs ? '?' + qs : ''}`);
  }

  // ─── evidence log (docs/formats/evidence-log.md §7) ──────────────────────

  /** GET /explorer/receipt: the receipt of a committed transaction (by hash) or by seq. */
  async receipt(by: { tx: string } | { seq: number }): Promise<ReceiptView> {
    const q = 'tx' in by ? `tx=${encodeURIComponent(by.tx)}` : `seq=${encodeURIComponent(String(by.seq))}`;
    return this.getJson<ReceiptView>(`/explorer/receipt?${q}`);
  }
  /** GET /explorer/receipts: a seq range (from, to) or a height range (fromHeight, toHeight), ascending, at most `limit` (≤ 1000). */
  async receipts(range: { from?: number; to?: number; fromHeight?: number; toHeight?: number; limit?: number } = {}): Promise<ReceiptsPage> {
    const q = new URLSearchParams();
    if (range.from !== undefined) q.set('from', String(range.from));
    if (range.to !== undefined) q.set('to', String(range.to));
    if (range.fromHeight !== undefined) q.set('from_height', String(range.fromHeight));
    if (range.toHeight !== undefined) q.set('to_height', String(range.toHeight));
    if (range.limit !== undefined) q.set('limit', String(range.limit));
    const qs = q.toString();
    return this.getJson<ReceiptsPage>(`/explorer/receipts${qs ? '?' + qs : ''}`);
  }
  /** GET /explorer/checkpoint: the signed checkpoint at `height`, or the latest. */
  async checkpoint(height?: number): Promise<SignedCheckpoint> {
    return this.getJson<SignedCheckpoint>(`/explorer/checkpoint?height=${height === undefined ? 'latest' : encodeURIComponent(String(height))}`);
  }
  /** GET /explorer/checkpoints: signed checkpoints below `before`, newest first. */
  async checkpoints(opts: { before?: number; limit?: number } = {}): Promise<CheckpointsPage> {
    const q = new URLSearchParams();
    if (opts.before !== undefined) q.set('before', String(opts.before));
    if (opts.limit !== undefined) q.set('limit', String(opts.limit));
    const qs = q.toString();
    return this.getJson<CheckpointsPage>(`/explorer/checkpoints${qs ? '?' + qs : ''}`);
  }
  /** GET /explorer/inclusion-proof: the receipt's MMR inclusion proof in MMR(size) (default: the current size). */
  async inclusionProof(by: { tx: string } | { seq: number }, size?: number): Promise<InclusionProofView> {
    const q = new URLSearchParams('tx' in by ? { tx: by.tx } : { seq: String(by.seq) });
    if (size !== undefined) q.set('size', String(size));
    return this.getJson<InclusionProofView>(`/explorer/inclusion-proof?${q.toString()}`);
  }
  /** GET /explorer/consistency-proof: MMR(to) extends MMR(from) (to defaults to the current size). */
  async consistencyProof(from: number, to?: number): Promise<ConsistencyProofView> {
    return this.getJson<ConsistencyProofView>(`/explorer/consistency-proof?from=${from}${to === undefined ? '' : `&to=${to}`}`);
  }
  /** GET /explorer/trust: the trust file of the node's checkpoint keys. */
  async trustFile(): Promise<TrustFile> {
    return this.getJson<TrustFile>('/explorer/trust');
  }
  /** GET /explorer/state-proof: the state entry `key` after block `height`, with its proof against that block's result app hash. */
  async stateProofAt(height: number, key: string): Promise<HistoricalStateProof> {
    return this.getJson<HistoricalStateProof>(`/explorer/state-proof?height=${encodeURIComponent(String(height))}&key=${encodeURIComponent(key)}`);
  }

  /**
   * POST /explorer/checkpoint {"height": H}: ask a Charter devnet node to make
   * what evidence of block H still lacks (the next block; a checkpoint
   * covering H). NOT_FOUND / NODE_ERROR from a node without the route.
   */
  async issueCheckpoint(height: number): Promise<{ checkpoint: SignedCheckpoint | null; produced_block: number | null; issued: boolean }> {
    return this.getJson('/explorer/checkpoint', { height });
  }

  /**
   * POST /explorer/cosignature: hand a witness's cosignature of `checkpoint`
   * (over cosignatureDigest(checkpoint)) to a Charter devnet node, which checks
   * it and serves it with the checkpoint. Answers the checkpoint as now served
   * and whether the cosignature was new. NOT_FOUND (no checkpoint at that
   * height), CHECKPOINT_MISMATCH (another one there), BAD_SIGNATURE,
   * INVALID_INPUT.
   */
  async postCosignature(checkpoint: Checkpoint, cosignature: EvidenceSignature, publicKeyHex: string): Promise<{ checkpoint: SignedCheckpoint; stored: boolean }> {
    return this.getJson('/explorer/cosignature', { checkpoint, cosignature, public_key: publicKeyHex });
  }

  /** GET /metrics/engine: Prometheus text. */
  async metrics(): Promise<string> {
    const res = await this.fetch('/metrics/engine');
    const text = await res.text();
    if (!res.ok) throw new CharterError('NODE_ERROR', `/metrics/engine answered ${res.status}`, { status: res.status, body: text.slice(0, 500) });
    return text;
  }

  // ─── plumbing ────────────────────────────────────────────────────────────

  private async fetch(path: string, post?: unknown): Promise<Response> {
    const init: RequestInit = { signal: AbortSignal.timeout(this.httpTimeoutMs), headers: { Accept: 'application/json, text/plain' } };
    if (post !== undefined) Object.assign(init, { method: 'POST', body: JSON.stringify(post), headers: { Accept: 'application/json', 'Content-Type': 'application/json' } });
    try {
      return await fetch(this.httpBase + path, init);
    } catch (e) {
      throw CustodyClient.mapError(e, `${post === undefined ? 'GET' : 'POST'} ${path}`);
    }
  }

  private async getJson<T>(path: string, post?: unknown): Promise<T> {
    const res = await this.fetch(path, post);
    let body: unknown;
    try {
      body = await res.json();
    } catch (e) {
      throw new CharterError('NODE_ERROR', `${post === undefined ? 'GET' : 'POST'} ${path}: the node did not answer JSON (${res.status})`, { status: res.status, error: (e as Error).message });
    }
    if (res.ok) return body as T;
    const b = (body ?? {}) as { code?: unknown; message?: unknown };
    const msg = typeof b.message === 'string' ? b.message : `HTTP ${res.status}`;
    if (b.code === 'NOT_IN_STATE' || b.code === 'HISTORY_MISMATCH' || b.code === 'BAD_SIGNATURE' || b.code === 'CHECKPOINT_MISMATCH') throw new CharterError(b.code, msg, { status: res.status, path });
    if (res.status === 404) throw new CharterError('NOT_FOUND', msg, { status: 404, path });
    if (res.status === 400) throw new CharterError('INVALID_INPUT', msg, { status: 400, path });
    throw new CharterError('NODE_ERROR', msg, { status: res.status, path, body });
  }

  private async run<T>(what: string, f: () => Promise<T>, hash?: string): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw CustodyClient.mapError(e, what, hash);
    }
  }

  private static mapError(e: unknown, what: string, hash?: string): CharterError {
    if (e instanceof CharterError) return e;
    const rpc = rpcErrorOf(e);
    if (rpc) {
      const data = rpc.data ?? '';
      if (/timed out waiting for tx to be included/i.test(data)) {
        return new CharterError('TX_TIMEOUT', `${what}: the node gave up waiting for the transaction to be included`, { hash, rpc });
      }
      // A node-level wrapper around an engine log ("… removed from the mempool on recheck: BAD_NONCE: …").
      const m = /(?:^|: )([A-Z][A-Z0-9_]+): /.exec(data);
      const engine = m && isErrorCode(m[1] as string) && ENGINE_ERROR_BY_ABCI.size && [...ENGINE_ERROR_BY_ABCI.values()].includes(m[1] as ErrorCode) ? (m[1] as ErrorCode) : null;
      if (engine) return new CharterError(engine, data, { hash, rpc, log: data });
      return new CharterError('NODE_ERROR', `${what}: ${rpc.message}${data ? `: ${data}` : ''}`, { rpc, ...(hash ? { hash } : {}) });
    }
    if (isNetworkError(e)) {
      return new CharterError('NODE_UNREACHABLE', `${what}: the node does not answer (${(e as Error).message}${causeMsg(e)})`);
    }
    const msg = (e as Error)?.message ?? String(e);
    const status = /Bad status on response: (\d+)/.exec(msg);
    if (status) return new CharterError('NODE_ERROR', `${what}: HTTP ${status[1]}`, { status: Number(status[1]) });
    return new CharterError('NODE_ERROR', `${what}: ${msg}`);
  }
}

function causeMsg(e: unknown): string {
  const c = (e as { cause?: { message?: string; code?: string } }).cause;
  if (!c) return '';
  return `: ${c.code ?? c.message ?? ''}`;
}

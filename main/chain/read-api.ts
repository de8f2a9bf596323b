/**
 * The client of the custody application's own read API, served over plain
 * HTTP beside (not inside) CometBFT's RPC: the explorer routes, the evidence
 * log (receipts, checkpoints, inclusion and consistency proofs, the trust
 * file, historical state proofs), security events and /metrics/engine. Under
 * real CometBFT this API stays with the application, so the client is apart
 * from the CometBFT RPC client (cometbft-rpc.ts) and can be pointed at
 * another base URL.
 *
 * Errors (main/chain/errors.ts): NODE_UNREACHABLE when nothing answers; the
 * body's stable code where the route gives one the console passes on
 * (NOT_IN_STATE, HISTORY_MISMATCH, BAD_SIGNATURE, CHECKPOINT_MISMATCH), else
 * NOT_FOUND for 404, INVALID_INPUT for 400 and NODE_ERROR otherwise.
 */
import type { Checkpoint, EvidenceSignature, SignedCheckpoint, TrustFile } from '../../core/evidence/checkpoint.js';
import { CharterError } from '../../core/errors.js';
import { httpFailure, readApiError } from './errors.js';

// The read API's wire types are the server's (core/node-api/read-api.ts), re-exported for callers of this client.
import type {
  ReceiptView,
  ReceiptsPage,
  CheckpointsPage,
  InclusionProofView,
  ConsistencyProofView,
  HistoricalStateProof,
  SecurityEventFilter,
  SecurityEventsPage,
  ExplorerOverview,
  ExplorerTx,
  ExplorerBlock,
} from '../../core/node-api/read-api.js';
export type {
  ReceiptView,
  ReceiptsPage,
  CheckpointsPage,
  InclusionProofView,
  ConsistencyProofView,
  HistoricalStateProof,
  SecurityEventFilter,
  SecurityEvent,
  SecurityEventsPage,
  ExplorerOverview,
  ExplorerTx,
  ExplorerBlock,
} from '../../core/node-api/read-api.js';

export interface ReadApiOptions {
  /** Timeout of a request, ms; default 15 000. */
  httpTimeoutMs?: number;
}

export class ReadApiClient {
  /** How many HTTP requests this client made: for measurements and tests. */
  calls = 0;

  constructor(
    /** Base URL of the routes (the devnet serves them on its RPC address). */
    readonly baseUrl: string,
    opts: ReadApiOptions = {},
  ) {
    this.httpTimeoutMs = opts.httpTimeoutMs ?? 15_000;
  }

  private readonly httpTimeoutMs: number;

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
  async postCosignature(
    checkpoint: Checkpoint,
    cosignature: EvidenceSignature,
    publicKeyHex: string,
  ): Promise<{ checkpoint: SignedCheckpoint; stored: boolean }> {
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
    if (post !== undefined)
      Object.assign(init, { method: 'POST', body: JSON.stringify(post), headers: { Accept: 'application/json', 'Content-Type': 'application/json' } });
    this.calls++;
    try {
      return await fetch(this.baseUrl + path, init);
    } catch (e) {
      throw httpFailure(e, `${post === undefined ? 'GET' : 'POST'} ${path}`);
    }
  }

  private async getJson<T>(path: string, post?: unknown): Promise<T> {
    const res = await this.fetch(path, post);
    let body: unknown;
    try {
      body = await res.json();
    } catch (e) {
      throw new CharterError('NODE_ERROR', `${post === undefined ? 'GET' : 'POST'} ${path}: the node did not answer JSON (${res.status})`, {
        status: res.status,
        error: (e as Error).message,
      });
    }
    if (res.ok) return body as T;
    throw readApiError(res.status, body, path);
  }
}

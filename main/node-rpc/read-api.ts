/**
 * The application's read API, servable by itself over any HttpTransport
 * (mountReadApi), next to the CometBFT routes of the devnet or next to a real
 * CometBFT. Wire types and route names: core/node-api/read-api.ts.
 *
 * - GET /explorer/overview, /explorer/block?height=H, /explorer/transaction?hash=X (JSON).
 * - GET /explorer/security-events?kind=&key=&vault=&from=&to=&stage=&before=&limit= (JSON, newest first).
 * - Evidence log (docs/formats/evidence-log.md §7): GET /explorer/receipt?tx=HASH|seq=N,
 *   /explorer/receipts?from=&to= (seq) or ?from_height=&to_height=, /explorer/checkpoint?height=H|latest,
 *   /explorer/checkpoints?before=&limit=, /explorer/inclusion-proof?tx=|seq=&size=,
 *   /explorer/consistency-proof?from=&to=, /explorer/trust, /explorer/state-proof?height=H&key=K;
 *   POST /explorer/checkpoint {"height": H} makes the next block and a checkpoint covering H when missing
 *   (only where the driver can: ReadApiView.issueEvidence);
 *   POST /explorer/cosignature {checkpoint, cosignature, public_key} stores a witness's cosignature.
 * - GET /metrics/engine (Prometheus text, the host's own registry).
 *
 * Every failure is a JSON error body {code, message}. Depends on ReadApiView
 * (the host's AppReadView plus what only the driver knows), never on a node class.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeTx, signingDigest, unsignedOf } from '../../core/tx/envelope.js';
import { toHex } from '../../core/codec/index.js';
import { CharterError, ENGINE_ERROR_BY_ABCI } from '../../core/errors.js';
import type { SignedCheckpoint } from '../../core/evidence/checkpoint.js';
import { parseStrictJson } from '../../core/evidence/jcs.js';
import type { Receipt } from '../../core/evidence/receipts.js';
import {
  EXPLORER_PREFIX,
  READ_API_ROUTES,
  type ExplorerBlock,
  type ExplorerOverview,
  type ExplorerTx,
  type ReceiptView,
  type SecurityEvent,
  type SecurityEventsPage,
} from '../../core/node-api/read-api.js';
import { parseCosignaturePost } from '../app-host/cosignatures.js';
import type { ReceiptRow } from '../app-host/evidence.js';
import type { BlockRow, SecurityEventFilter, SecurityEventRow, TxRow } from '../app-host/store.js';
import type { AppReadView } from '../app-host/views.js';
import { b64 } from '../cometbft/encoding.js';
import { parseStored, headerOf } from './block-json.js';
import { RpcError } from './rpc-error.js';
import { HttpError, type HttpContext, type HttpHandler } from './transport.js';

/** What only the consensus driver knows, for the overview and the transaction route. */
export interface ConsensusReadView {
  readonly mempoolSize: number;
  /** Is this transaction (upper-case hex hash) waiting in the mempool? */
  isPending(hash: string): boolean;
  validators(): { address: string; voting_power: string }[];
  /** Reported as `devnet` by /explorer/overview. */
  readonly devnet: boolean;
}

export interface ReadApiView {
  app: AppReadView;
  consensus: ConsensusReadView;
  /**
   * POST /explorer/checkpoint: make what evidence of block `height` still
   * lacks (the next block, a checkpoint covering it). Only a driver that
   * makes blocks on demand has it; without it the route answers 404.
   */
  issueEvidence?: (height: number) => { checkpoint: SignedCheckpoint | null; producedBlock: number | null; issuedCheckpoint: boolean };
}

/** The read API's routes as the index at GET / of the devnet lists them. */
export function readApiIndex(): string[] {
  return [
    '/explorer/overview?limit=20',
    '/explorer/block?height=_',
    '/explorer/transaction?hash=_',
    '/explorer/security-events?kind=_&key=_&vault=_&from=_&to=_&stage=_&limit=_',
    ...EVIDENCE_ROUTES,
    READ_API_ROUTES.metrics,
  ];
}

/**
 * The read API as an HTTP handler: answers GET/HEAD /explorer/* and
 * /metrics/engine, POST /explorer/checkpoint and /explorer/cosignature;
 * passes everything else on to the next handler.
 */
export function mountReadApi(view: ReadApiView): HttpHandler {
  const api = new ReadApi(view);
  return async (req, res, url, t) => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'POST') {
      if (path === READ_API_ROUTES.checkpoint) {
        await api.issueCheckpoint(req, res, t);
        return true;
      }
      if (path === READ_API_ROUTES.cosignature) {
        await api.postCosignature(req, res, t);
        return true;
      }
      return false;
    }
    if (method !== 'GET' && method !== 'HEAD') return false;
    if (path === READ_API_ROUTES.metrics) {
      const text = await view.app.metrics.text();
      res.writeHead(200, { 'Content-Type': view.app.metrics.contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      res.end(method === 'HEAD' ? undefined : text);
      return true;
    }
    if (!path.startsWith(EXPLORER_PREFIX)) return false;
    try {
      t.sendJson(res, 200, api.explorer(path, url.searchParams));
    } catch (e) {
      if (e instanceof HttpError) t.sendJson(res, e.status, { code: e.code, message: e.message });
      else if (e instanceof CharterError) {
        const status = e.code === 'NOT_FOUND' || e.code === 'NOT_IN_STATE' ? 404 : e.code === 'HISTORY_MISMATCH' ? 500 : 400;
        t.sendJson(res, status, e.toJSON());
      } else throw e;
    }
    return true;
  };
}

class ReadApi {
  constructor(private readonly view: ReadApiView) {}

  /**
   * POST /explorer/checkpoint with the JSON body {"height": H}: make what
   * evidence of block H needs and the node does not have yet (the next block,
   * a signed checkpoint covering H; the driver's issueEvidence) and answer
   * {checkpoint, produced_block, issued}. JSON bodies only, and no cross-site
   * Origin: a web page cannot trigger it.
   */
  async issueCheckpoint(req: IncomingMessage, res: ServerResponse, t: HttpContext): Promise<void> {
    const body = await this.explorerPostBody(
      req,
      res,
      t,
      'issue checkpoints',
      'POST /explorer/checkpoint takes a JSON body {"height": H} (Content-Type: application/json)',
    );
    if (body === null) return;
    let height: unknown;
    try {
      const parsed = JSON.parse(body) as { height?: unknown };
      if (!parsed || typeof parsed !== 'object' || Object.keys(parsed).some((k) => k !== 'height')) throw new Error('not {"height": H}');
      height = parsed.height;
    } catch {
      return t.sendJson(res, 400, { code: 'INVALID_INPUT', message: 'the body must be the JSON object {"height": H}' });
    }
    if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 1)
      return t.sendJson(res, 400, { code: 'INVALID_INPUT', message: 'height: a positive integer' });
    try {
      const issue = this.view.issueEvidence;
      if (!issue) return t.sendJson(res, 404, { code: 'NOT_FOUND', message: 'this node does not issue evidence on demand' });
      const r = issue(height);
      return t.sendJson(res, 200, { checkpoint: r.checkpoint, produced_block: r.producedBlock, issued: r.issuedCheckpoint });
    } catch (e) {
      if (e instanceof CharterError) return t.sendJson(res, e.code === 'NOT_FOUND' ? 404 : 400, e.toJSON());
      if (e instanceof RpcError) return t.sendJson(res, 503, { code: 'NODE_ERROR', message: e.message });
      throw e;
    }
  }

  /**
   * The common part of the explorer's POST routes: no cross-site Origin (403),
   * a JSON body (415), within the size cap (413). The body text, or null when
   * the answer has been sent.
   */
  private async explorerPostBody(req: IncomingMessage, res: ServerResponse, t: HttpContext, what: string, usage: string): Promise<string | null> {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== t.url.replace(/\/$/, '')) {
      req.resume();
      t.sendJson(res, 403, { code: 'UNAUTHORIZED', message: `Origin ${JSON.stringify(origin.slice(0, 100))} may not ${what}` });
      return null;
    }
    if (!/^application\/json\b/i.test(String(req.headers['content-type'] ?? ''))) {
      req.resume();
      t.sendJson(res, 415, { code: 'INVALID_INPUT', message: usage });
      return null;
    }
    try {
      return await t.readBody(req);
    } catch (e) {
      if (e instanceof HttpError) {
        res.setHeader('Connection', 'close');
        t.sendJson(res, e.status, { code: e.code, message: e.message });
        return null;
      }
      throw e;
    }
  }

  /**
   * POST /explorer/cosignature with the JSON body {checkpoint, cosignature:
   * {key_id, scheme, signature}, public_key}: a witness's cosignature of a
   * checkpoint this node signed (main/app-host/cosignatures.ts). 200
   * {checkpoint: <signed checkpoint with its cosignatures>, stored}; 400
   * INVALID_INPUT / BAD_SIGNATURE, 404 NOT_FOUND (no checkpoint at that
   * height), 409 CHECKPOINT_MISMATCH (another checkpoint at that height).
   */
  async postCosignature(req: IncomingMessage, res: ServerResponse, t: HttpContext): Promise<void> {
    const usage =
      'POST /explorer/cosignature takes a JSON body {"checkpoint": {…}, "cosignature": {"key_id", "scheme", "signature"}, "public_key": "<hex>"} (Content-Type: application/json)';
    const text = await this.explorerPostBody(req, res, t, 'post cosignatures', usage);
    if (text === null) return;
    try {
      const r = this.view.app.addCosignature(parseCosignaturePost(parseStrictJson(text)));
      return t.sendJson(res, 200, { checkpoint: r.checkpoint, stored: r.stored });
    } catch (e) {
      if (e instanceof CharterError) {
        const status = e.code === 'NOT_FOUND' ? 404 : e.code === 'CHECKPOINT_MISMATCH' ? 409 : 400;
        const code = e.code === 'INVALID_JSON' || e.code === 'DUPLICATE_KEY' || e.code === 'NUMBER_NOT_REPRESENTABLE' ? 'INVALID_INPUT' : e.code;
        return t.sendJson(res, status, { ...e.toJSON(), code });
      }
      throw e;
    }
  }

  // ─── explorer ────────────────────────────────────────────────────────────

  explorer(path: string, q: URLSearchParams): unknown {
    const app = this.view.app;
    const c = this.view.consensus;
    const ev = this.evidenceRoute(path, q);
    if (ev !== undefined) return ev;
    if (path === '/explorer/overview') {
      const limitRaw = q.get('limit');
      const limit = limitRaw === null ? 20 : Number(limitRaw);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpError(400, 'INVALID_INPUT', 'limit: an integer from 1 to 100');
      const last = app.latestBlock();
      const height = app.height();
      const blocks =
        height === 0
          ? []
          : app.blocksDesc(Math.max(1, height - limit + 1), height).map((b) => ({ height: b.height, hash: b.hash, time: b.time, numTxs: b.num_txs }));
      const counts = app.txCounts();
      const overview: ExplorerOverview = {
        chainId: app.chainId,
        height,
        latestBlockHash: last?.hash ?? '',
        latestBlockTime: last?.time ?? null,
        appHash: last?.app_hash ?? '',
        resultAppHash: last?.result_app_hash ?? app.genesisAppHash,
        blocks,
        txCount: counts.total,
        txCounts: counts,
        mempoolSize: c.mempoolSize,
        validators: c.validators().map((v) => ({ address: v.address, votingPower: Number(v.voting_power) })),
        devnet: c.devnet,
      };
      return overview;
    }
    if (path === '/explorer/block') {
      const hRaw = q.get('height');
      if (hRaw === null || !/^\d{1,15}$/.test(hRaw) || Number(hRaw) < 1) throw new HttpError(400, 'INVALID_INPUT', 'height: a positive integer');
      const row = app.blockAt(Number(hRaw));
      if (!row) throw new HttpError(404, 'NOT_FOUND', `no block at height ${hRaw} (latest is ${app.height()})`);
      const block: ExplorerBlock = {
        height: row.height,
        hash: row.hash,
        time: row.time,
        chainId: app.chainId,
        numTxs: row.num_txs,
        appHash: row.app_hash,
        resultAppHash: row.result_app_hash,
        lastBlockHash: row.last_block_hash,
        dataHash: row.data_hash,
        proposer: row.proposer,
        header: headerOf(row),
        commit: { validatorAddress: row.proposer, timestamp: row.commit_time, signature: row.commit_signature },
        txs: app.txsOf(row.height).map((t) => this.txView(t, row)),
      };
      return block;
    }
    if (path === '/explorer/transaction') {
      const raw = q.get('hash');
      if (raw === null || !/^(0x)?[0-9a-fA-F]{64}$/.test(raw)) throw new HttpError(400, 'INVALID_INPUT', 'hash: 64 hex digits');
      const hash = raw.replace(/^0x/, '').toUpperCase();
      const row = app.txByHash(hash);
      if (!row) {
        const pending = c.isPending(hash);
        throw new HttpError(404, 'NOT_FOUND', pending ? `transaction ${hash} is in the mempool, not yet in a block` : `no transaction ${hash} in this chain`);
      }
      const block = app.blockAt(row.height);
      if (!block) throw new Error(`block at height ${row.height} not found`);
      return this.txView(row, block);
    }
    if (path === '/explorer/security-events') {
      const f: SecurityEventFilter = {};
      for (const k of q.keys()) {
        if (!['kind', 'key', 'vault', 'from', 'to', 'before', 'limit', 'stage'].includes(k)) {
          throw new HttpError(400, 'INVALID_INPUT', `unknown parameter ${JSON.stringify(k)}; use kind, key, vault, from, to, before, limit, stage`);
        }
      }
      const stage = q.get('stage');
      if (stage !== null && stage !== '') {
        if (stage !== 'block' && stage !== 'admission' && stage !== 'recheck') throw new HttpError(400, 'INVALID_INPUT', 'stage: block, admission or recheck');
        f.stage = stage;
      }
      const text = (k: 'kind' | 'key' | 'vault', re: RegExp, what: string): void => {
        const v = q.get(k);
        if (v === null || v === '') return;
        if (!re.test(v)) throw new HttpError(400, 'INVALID_INPUT', `${k}: ${what}`);
        f[k] = v;
      };
      text('kind', /^[a-z0-9_.]{1,64}$/, 'an event type such as security.tx_rejected (or tx_rejected)');
      text('key', /^[0-9a-f]{40}$/, 'a key id (40 lower-case hex digits)');
      text('vault', /^[a-z0-9][a-z0-9-]{1,31}$/, 'a vault id');
      const int = (k: 'from' | 'to' | 'before' | 'limit', min: number, max: number): void => {
        const v = q.get(k);
        if (v === null || v === '') return;
        if (!/^\d{1,15}$/.test(v) || Number(v) < min || Number(v) > max) throw new HttpError(400, 'INVALID_INPUT', `${k}: an integer from ${min} to ${max}`);
        f[k] = Number(v);
      };
      int('from', 0, Number.MAX_SAFE_INTEGER);
      int('to', 0, Number.MAX_SAFE_INTEGER);
      int('before', 1, Number.MAX_SAFE_INTEGER);
      int('limit', 1, 1000);
      const limit = f.limit ?? 100;
      const rows = app.securityEvents({ ...f, limit });
      const page: SecurityEventsPage = {
        height: app.height(),
        limit,
        events: rows.map(securityEventView),
        nextBefore: rows.length === limit ? (rows[rows.length - 1] as SecurityEventRow).seq : null,
      };
      return page;
    }
    throw new HttpError(404, 'NOT_FOUND', `no route ${path}`);
  }

  // ─── evidence log routes ─────────────────────────────────────────────────

  private evidenceRoute(path: string, q: URLSearchParams): unknown {
    const app = this.view.app;
    const only = (...names: string[]): void => {
      for (const k of q.keys())
        if (!names.includes(k)) throw new HttpError(400, 'INVALID_INPUT', `unknown parameter ${JSON.stringify(k)}; use ${names.join(', ') || 'none'}`);
    };
    const int = (k: string, min = 0): number | undefined => {
      const v = q.get(k);
      if (v === null || v === '') return undefined;
      if (!/^\d{1,15}$/.test(v) || Number(v) < min) throw new HttpError(400, 'INVALID_INPUT', `${k}: an integer ≥ ${min}`);
      return Number(v);
    };
    const txHash = (): string | undefined => {
      const raw = q.get('tx');
      if (raw === null) return undefined;
      if (!/^(0x)?[0-9a-fA-F]{64}$/.test(raw)) throw new HttpError(400, 'INVALID_INPUT', 'tx: 64 hex digits');
      return raw.replace(/^0x/, '').toUpperCase();
    };
    const receiptOf = (): ReceiptRow => {
      const tx = txHash();
      const seq = int('seq');
      if ((tx === undefined) === (seq === undefined)) throw new HttpError(400, 'INVALID_INPUT', 'give exactly one of tx (a transaction hash) or seq');
      const row = tx !== undefined ? app.receiptByTx(tx) : app.receiptBySeq(seq as number);
      if (!row)
        throw new HttpError(
          404,
          'NOT_FOUND',
          tx !== undefined ? `no receipt for transaction ${tx} (not in a committed block)` : `no receipt with seq ${String(seq)}`,
        );
      return row;
    };
    switch (path) {
      case '/explorer/receipt': {
        only('tx', 'seq');
        return receiptView(receiptOf());
      }
      case '/explorer/receipts': {
        only('from', 'to', 'from_height', 'to_height', 'limit');
        const limit = int('limit', 1) ?? 100;
        if (limit > 1000) throw new HttpError(400, 'INVALID_INPUT', 'limit: at most 1000');
        const fh = int('from_height');
        const th = int('to_height');
        const fs = int('from');
        const ts = int('to');
        if ((fh !== undefined || th !== undefined) && (fs !== undefined || ts !== undefined))
          throw new HttpError(400, 'INVALID_INPUT', 'give a seq range (from, to) or a height range (from_height, to_height), not both');
        const rows =
          fh !== undefined || th !== undefined
            ? app.receiptsByHeight(fh ?? 0, th ?? Number.MAX_SAFE_INTEGER, limit)
            : app.receiptsBySeq(fs ?? 0, ts ?? Number.MAX_SAFE_INTEGER, limit);
        return { count: app.evidence.receiptCount, mmr_size: app.evidence.size, receipts: rows.map(receiptView) };
      }
      case '/explorer/checkpoint': {
        only('height');
        const raw = q.get('height');
        const row = raw === null || raw === 'latest' ? app.latestCheckpoint() : app.checkpointAt(int('height', 1) as number);
        if (!row)
          throw new HttpError(
            404,
            'NOT_FOUND',
            raw === null || raw === 'latest'
              ? `no checkpoint yet (one every ${app.evidence.checkpointEvery} blocks)`
              : `no checkpoint at height ${raw} (one every ${app.evidence.checkpointEvery} blocks)`,
          );
        return app.servedCheckpoint(row);
      }
      case '/explorer/checkpoints': {
        only('before', 'limit');
        const limit = int('limit', 1) ?? 100;
        if (limit > 1000) throw new HttpError(400, 'INVALID_INPUT', 'limit: at most 1000');
        const rows = app.checkpointsDesc(int('before', 1) ?? Number.MAX_SAFE_INTEGER, limit);
        return {
          every: app.evidence.checkpointEvery,
          checkpoints: rows.map((r) => app.servedCheckpoint(r)),
          nextBefore: rows.length === limit ? (rows[rows.length - 1] as { height: number }).height : null,
        };
      }
      case '/explorer/inclusion-proof': {
        only('tx', 'seq', 'size');
        const r = receiptOf();
        const size = int('size') ?? app.evidence.size;
        return { seq: r.seq, tx_hash: r.tx_hash, receipt: JSON.parse(r.receipt) as unknown, ...app.evidence.inclusion(r.mmr_index, size) };
      }
      case '/explorer/consistency-proof': {
        only('from', 'to');
        const from = int('from');
        if (from === undefined) throw new HttpError(400, 'INVALID_INPUT', 'from: an mmr size');
        return app.evidence.consistency(from, int('to') ?? app.evidence.size);
      }
      case '/explorer/trust': {
        only();
        return app.evidence.trustFile();
      }
      case '/explorer/state-proof': {
        only('height', 'key', 'path');
        const height = int('height', 1);
        if (height === undefined) throw new HttpError(400, 'INVALID_INPUT', 'height: a positive integer');
        const key = q.get('key') ?? q.get('path');
        if (key === null || key === '') throw new HttpError(400, 'INVALID_INPUT', 'key: a state key such as vault/<id>');
        return app.stateProofAt(height, key.replace(/^\//, ''));
      }
      default:
        return undefined;
    }
  }

  private txView(row: TxRow, block: BlockRow): ExplorerTx {
    const r = parseStored(row);
    let envelope: unknown = null;
    let digest: string | null = null;
    let decodeError: string | null = null;
    try {
      const env = decodeTx(new Uint8Array(row.bytes));
      envelope = env;
      digest = toHex(signingDigest(unsignedOf(env)));
    } catch (e) {
      decodeError = (e as Error).message;
    }
    let result: unknown = null;
    if (r.data.length) {
      try {
        result = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(r.data));
      } catch {
        result = null;
      }
    }
    return {
      hash: row.hash,
      height: row.height,
      index: row.idx,
      type: row.type ?? 'unknown',
      signer: row.signer ?? '',
      code: r.code,
      codespace: r.codespace,
      error: r.code === 0 ? null : ((r.codespace === 'custody' ? ENGINE_ERROR_BY_ABCI.get(r.code) : undefined) ?? `ABCI_${r.code}`),
      log: r.log,
      events: r.events,
      result,
      data: b64(r.data),
      envelope,
      signingDigest: digest,
      decodeError,
      blockHash: block.hash,
      blockTime: block.time,
      size: row.bytes.length,
    };
  }
}

const EVIDENCE_ROUTES = [
  '/explorer/receipt?tx=_|seq=_',
  '/explorer/receipts?from=_&to=_|from_height=_&to_height=_&limit=_',
  '/explorer/checkpoint?height=_|latest',
  '/explorer/checkpoints?before=_&limit=_',
  '/explorer/inclusion-proof?tx=_|seq=_&size=_',
  '/explorer/consistency-proof?from=_&to=_',
  '/explorer/trust',
  '/explorer/state-proof?height=_&key=_',
  'POST /explorer/checkpoint {"height": H}',
  'POST /explorer/cosignature {"checkpoint", "cosignature", "public_key"}',
];

/** One receipt as the evidence routes show it. */
function receiptView(r: ReceiptRow): ReceiptView {
  return { seq: r.seq, tx_hash: r.tx_hash, height: r.height, mmr_index: r.mmr_index, digest: r.digest, receipt: JSON.parse(r.receipt) as Receipt };
}

/** One security event as /explorer/security-events shows it. */
function securityEventView(r: SecurityEventRow): SecurityEvent {
  const attributes = JSON.parse(r.attributes) as { key: string; value: string }[];
  return {
    seq: r.seq,
    height: r.height,
    txIndex: r.tx_index,
    txHash: r.tx_hash,
    kind: r.kind,
    keyId: r.key_id,
    vaultId: r.vault_id,
    requestId: r.request_id,
    proposalId: r.proposal_id,
    code: r.code,
    attributes,
    /** "block" (in a committed block), "admission" (refused by CheckTx, never in a block) or "recheck" (evicted from the mempool after a commit). */
    stage: r.stage,
  };
}

/**
 * The devnet's RPC surface on node:http:
 *
 * - CometBFT 0.38 JSON-RPC subset, as JSON-RPC 2.0 POST to "/" (single or
 *   batch; Content-Type: application/json) and, for reads only, as URI GET
 *   (/status, /block?height=5, /tx?hash=0xABC…, /abci_query?path="/vault/x"),
 *   with CometBFT's exact result shapes: int64 as strings, bytes as base64,
 *   hashes as upper-case hex, RFC 3339 times.
 * - broadcast_tx_* only by POST with a JSON body: any web page can make a
 *   browser send a GET (a link, an image) or a form-like POST (text/plain,
 *   no preflight), so those get a JSON-RPC error instead. A POST must say
 *   Content-Type: application/json, which a page on another origin cannot send
 *   without a CORS preflight this node never grants; a POST whose Origin is
 *   not this node's own is refused.
 * - GET /explorer/overview, /explorer/block?height=H, /explorer/transaction?hash=X (JSON).
 * - GET /explorer/security-events?kind=&key=&vault=&from=&to=&stage=&before=&limit= (JSON, newest first).
 * - Evidence log (docs/formats/evidence-log.md §7): GET /explorer/receipt?tx=HASH|seq=N,
 *   /explorer/receipts?from=&to= (seq) or ?from_height=&to_height=, /explorer/checkpoint?height=H|latest,
 *   /explorer/checkpoints?before=&limit=, /explorer/inclusion-proof?tx=|seq=&size=,
 *   /explorer/consistency-proof?from=&to=, /explorer/trust, /explorer/state-proof?height=H&key=K;
 *   POST /explorer/checkpoint {"height": H} makes the next block and a checkpoint covering H when missing;
 *   POST /explorer/cosignature {checkpoint, cosignature, public_key} stores a witness's cosignature.
 * - GET /metrics/engine (Prometheus text, the node's own registry).
 *
 * Every failure is answered (JSON-RPC error or JSON error body); a request can
 * never take the node down. No CORS headers are sent, so browsers on other
 * origins cannot read responses. Request bodies are capped.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { decodeTx, signingDigest, unsignedOf } from '../../core/tx/envelope.js';
import { toHex } from '../../core/codec/index.js';
import { CharterError, ENGINE_ERROR_BY_ABCI } from '../../core/errors.js';
import type { AbciEvent, TxResult } from '../../core/engine/types.js';
import { b64, fromB64, fromHexLoose, hexUpper, merkleProof, sha256 } from '../cometbft/encoding.js';
import { RpcError } from './rpc-error.js';
import { COMET_COMPAT_VERSION, consensusParams, storedToResult, VALIDATOR_POWER, type DevnetNode, type LogFn, type StoredResult } from './node.js';
import type { BlockRow, SecurityEventFilter, SecurityEventRow, TxRow } from './store.js';
import type { ReceiptRow } from './evidence.js';
import { parseCosignaturePost } from './cosignatures.js';
import { parseStrictJson } from '../../core/evidence/jcs.js';

type Params = Record<string, unknown>;
type Source = 'json' | 'uri';
type Handler = (p: Params, src: Source) => unknown;

// ─── parameter readers ─────────────────────────────────────────────────────

function unquote(v: unknown, src: Source): unknown {
  if (src === 'uri' && typeof v === 'string' && v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1);
  return v;
}

function isQuoted(v: string): boolean {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"');
}

function pInt(p: Params, name: string, src: Source): number | undefined {
  let v = unquote(p[name], src);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string' && /^-?\d{1,16}$/.test(v)) v = Number(v);
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw RpcError.invalidParams(`${name}: expected an integer (as a string or number), got ${JSON.stringify(v)?.slice(0, 40)}`);
  return v;
}

function pBool(p: Params, name: string, src: Source): boolean {
  const v = unquote(p[name], src);
  if (v === undefined || v === null || v === '' || v === false || v === 'false') return false;
  if (v === true || v === 'true') return true;
  throw RpcError.invalidParams(`${name}: expected true or false`);
}

function pStr(p: Params, name: string, src: Source): string | undefined {
  const v = unquote(p[name], src);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw RpcError.invalidParams(`${name}: expected a string`);
  return v;
}

/**
 * Bytes. JSON-RPC: base64 (tx, hash) or hex (abci_query data), as CometBFT's
 * []byte and HexBytes. URI: 0x-prefixed hex, or a quoted string taken as its
 * UTF-8 bytes, as CometBFT's URI handler.
 */
function pBytes(p: Params, name: string, src: Source, json: 'base64' | 'hex'): Uint8Array | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw RpcError.invalidParams(`${name}: expected a string`);
  if (src === 'uri') {
    if (isQuoted(v)) return new TextEncoder().encode(v.slice(1, -1));
    if (v.startsWith('0x') || v.startsWith('0X')) {
      const b = fromHexLoose(v);
      if (!b) throw RpcError.invalidParams(`${name}: not hex`);
      return b;
    }
  }
  if (json === 'hex' || (name === 'hash' && /^(0x)?[0-9a-fA-F]{64}$/.test(v))) {
    const b = fromHexLoose(v);
    if (b) return b;
    if (json === 'hex') throw RpcError.invalidParams(`${name}: not hex`);
  }
  const b = fromB64(v);
  if (!b) throw RpcError.invalidParams(`${name}: not base64`);
  return b;
}

// ─── CometBFT JSON shapes ──────────────────────────────────────────────────

function eventsJson(events: AbciEvent[]) {
  return events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: true })) }));
}

/** ResponseCheckTx / ExecTxResult in CometBFT 0.38's JSON. */
function resultJson(r: TxResult) {
  return {
    code: r.code,
    data: r.data.length ? b64(r.data) : null,
    log: r.log,
    info: '',
    gas_wanted: '0',
    gas_used: '0',
    events: eventsJson(r.events),
    codespace: r.codespace,
  };
}

const EMPTY_RESULT: TxResult = { code: 0, codespace: '', log: '', data: new Uint8Array(0), events: [] };

function parseStored(row: TxRow): TxResult {
  return storedToResult(JSON.parse(row.result) as StoredResult);
}

const HEADER_FIELDS = ['version', 'chain_id', 'height', 'time', 'last_block_id', 'last_commit_hash', 'data_hash', 'validators_hash', 'next_validators_hash', 'consensus_hash', 'app_hash', 'last_results_hash', 'evidence_hash', 'proposer_address'];

/** The stored (canonical, key-sorted) header, served in CometBFT's field order. */
function headerOf(row: BlockRow): Record<string, unknown> {
  const h = JSON.parse(row.header) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of HEADER_FIELDS) if (k in h) out[k] = h[k];
  for (const k of Object.keys(h)) if (!(k in out)) out[k] = h[k];
  return out;
}

function ensureUpperHash(hash: Uint8Array): string {
  if (hash.length !== 32) throw RpcError.invalidParams(`hash: expected 32 bytes, got ${hash.length}`);
  return hexUpper(hash);
}

// ─── tx_search queries ─────────────────────────────────────────────────────

type Cond = { key: string; op: '=' | '<' | '<=' | '>' | '>=' | 'CONTAINS' | 'EXISTS'; value: string | number };

/** CometBFT query subset: `key op value` joined by AND; values quoted strings or numbers. */
export function parseQuery(q: string): Cond[] {
  const conds: Cond[] = [];
  const re = /\s*([A-Za-z0-9_.\-/]+)\s*(<=|>=|=|<|>|CONTAINS\b|EXISTS\b)\s*(?:'((?:[^'\\]|\\.)*)'|(-?\d+(?:\.\d+)?))?\s*/y;
  let pos = 0;
  while (pos < q.length) {
    re.lastIndex = pos;
    const m = re.exec(q);
    if (!m) throw RpcError.invalidParams(`query: cannot parse at ${JSON.stringify(q.slice(pos, pos + 30))}`);
    const [, key, op, str, num] = m;
    if (op === 'EXISTS') {
      if (str !== undefined || num !== undefined) throw RpcError.invalidParams('query: EXISTS takes no value');
      conds.push({ key: key as string, op: 'EXISTS', value: '' });
    } else {
      if (str === undefined && num === undefined) throw RpcError.invalidParams(`query: ${key} ${op} needs a value`);
      conds.push({ key: key as string, op: op as Cond['op'], value: str !== undefined ? str.replace(/\\(.)/g, '$1') : Number(num) });
    }
    pos = re.lastIndex;
    if (pos >= q.length) break;
    const and = /AND\s+/iy;
    and.lastIndex = pos;
    if (!and.exec(q)) throw RpcError.invalidParams(`query: expected AND at ${JSON.stringify(q.slice(pos, pos + 30))}`);
    pos = and.lastIndex;
  }
  if (conds.length === 0) throw RpcError.invalidParams('query: empty');
  return conds;
}

// ─── server ────────────────────────────────────────────────────────────────

export interface RpcServerOptions {
  maxBodyBytes: number;
  log: LogFn;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** The methods that change the chain: JSON-RPC POST only, never the URI GET form. */
const BROADCASTS: ReadonlySet<string> = new Set(['broadcast_tx_sync', 'broadcast_tx_async', 'broadcast_tx_commit']);
const BROADCAST_BY_POST = (name: string): string =>
  `${name} is accepted only as a JSON-RPC POST to / with Content-Type: application/json, e.g. {"jsonrpc":"2.0","id":1,"method":"${name}","params":{"tx":"<base64>"}}; a GET can be sent by any web page`;

/** Positional parameter names, for JSON-RPC requests that send params as an array. */
const POSITIONAL: Record<string, string[]> = {
  block: ['height'],
  block_results: ['height'],
  commit: ['height'],
  blockchain: ['minHeight', 'maxHeight'],
  tx: ['hash', 'prove'],
  tx_search: ['query', 'prove', 'page', 'per_page', 'order_by'],
  broadcast_tx_sync: ['tx'],
  broadcast_tx_async: ['tx'],
  broadcast_tx_commit: ['tx'],
  abci_query: ['path', 'data', 'height', 'prove'],
  validators: ['height', 'page', 'per_page'],
  unconfirmed_txs: ['limit'],
};

export class RpcServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly handlers: Record<string, Handler>;
  private host = '127.0.0.1';
  private port = 0;

  constructor(
    private readonly node: DevnetNode,
    private readonly opts: RpcServerOptions,
  ) {
    this.handlers = this.makeHandlers();
    this.server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.opts.log('error', `RPC handler failed: ${(e as Error).message}`);
        if (!res.headersSent) this.sendJson(res, 500, { code: 'INTERNAL', message: 'internal error' });
        else res.destroy();
      });
    });
    this.server.headersTimeout = 20_000;
    this.server.requestTimeout = 60_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('clientError', (_e, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  get url(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${h}:${this.port}`;
  }
  get address(): { host: string; port: number } {
    return { host: this.host, port: this.port };
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(new CharterError('NODE_ERROR', `cannot listen on ${host}:${port}: ${e.message}`));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.server.on('error', (e) => this.opts.log('error', `RPC server: ${e.message}`));
        const a = this.server.address() as AddressInfo;
        this.host = host;
        this.port = a.port;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  // ─── HTTP plumbing ───────────────────────────────────────────────────────

  /**
   * POST /explorer/checkpoint with the JSON body {"height": H}: make what
   * evidence of block H needs and the node does not have yet (the next block,
   * a signed checkpoint covering H; DevnetNode.issueEvidenceFor) and answer
   * {checkpoint, produced_block, issued}. JSON bodies only, and no cross-site
   * Origin: a web page cannot trigger it.
   */
  private async issueCheckpoint(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await this.explorerPostBody(req, res, 'issue checkpoints', 'POST /explorer/checkpoint takes a JSON body {"height": H} (Content-Type: application/json)');
    if (body === null) return;
    let height: unknown;
    try {
      const parsed = JSON.parse(body) as { height?: unknown };
      if (!parsed || typeof parsed !== 'object' || Object.keys(parsed).some((k) => k !== 'height')) throw new Error('not {"height": H}');
      height = parsed.height;
    } catch {
      return this.sendJson(res, 400, { code: 'INVALID_INPUT', message: 'the body must be the JSON object {"height": H}' });
    }
    if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 1) return this.sendJson(res, 400, { code: 'INVALID_INPUT', message: 'height: a positive integer' });
    try {
      const r = this.node.issueEvidenceFor(height);
      return this.sendJson(res, 200, { checkpoint: r.checkpoint, produced_block: r.producedBlock, issued: r.issuedCheckpoint });
    } catch (e) {
      if (e instanceof CharterError) return this.sendJson(res, e.code === 'NOT_FOUND' ? 404 : 400, e.toJSON());
      if (e instanceof RpcError) return this.sendJson(res, 503, { code: 'NODE_ERROR', message: e.message });
      throw e;
    }
  }

  /**
   * The common part of the explorer's POST routes: no cross-site Origin (403),
   * a JSON body (415), within the size cap (413). The body text, or null when
   * the answer has been sent.
   */
  private async explorerPostBody(req: IncomingMessage, res: ServerResponse, what: string, usage: string): Promise<string | null> {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== this.url.replace(/\/$/, '')) {
      req.resume();
      this.sendJson(res, 403, { code: 'UNAUTHORIZED', message: `Origin ${JSON.stringify(origin.slice(0, 100))} may not ${what}` });
      return null;
    }
    if (!/^application\/json\b/i.test(String(req.headers['content-type'] ?? ''))) {
      req.resume();
      this.sendJson(res, 415, { code: 'INVALID_INPUT', message: usage });
      return null;
    }
    try {
      return await this.readBody(req);
    } catch (e) {
      if (e instanceof HttpError) {
        res.setHeader('Connection', 'close');
        this.sendJson(res, e.status, { code: e.code, message: e.message });
        return null;
      }
      throw e;
    }
  }

  /**
   * POST /explorer/cosignature with the JSON body {checkpoint, cosignature:
   * {key_id, scheme, signature}, public_key}: a witness's cosignature of a
   * checkpoint this node signed (main/devnet/cosignatures.ts). 200
   * {checkpoint: <signed checkpoint with its cosignatures>, stored}; 400
   * INVALID_INPUT / BAD_SIGNATURE, 404 NOT_FOUND (no checkpoint at that
   * height), 409 CHECKPOINT_MISMATCH (another checkpoint at that height).
   */
  private async postCosignature(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const usage = 'POST /explorer/cosignature takes a JSON body {"checkpoint": {…}, "cosignature": {"key_id", "scheme", "signature"}, "public_key": "<hex>"} (Content-Type: application/json)';
    const text = await this.explorerPostBody(req, res, 'post cosignatures', usage);
    if (text === null) return;
    try {
      const r = this.node.addCosignature(parseCosignaturePost(parseStrictJson(text)));
      return this.sendJson(res, 200, { checkpoint: r.checkpoint, stored: r.stored });
    } catch (e) {
      if (e instanceof CharterError) {
        const status = e.code === 'NOT_FOUND' ? 404 : e.code === 'CHECKPOINT_MISMATCH' ? 409 : 400;
        const code = e.code === 'INVALID_JSON' || e.code === 'DUPLICATE_KEY' || e.code === 'NUMBER_NOT_REPRESENTABLE' ? 'INVALID_INPUT' : e.code;
        return this.sendJson(res, status, { ...e.toJSON(), code });
      }
      throw e;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (!this.hostAllowed(req.headers.host)) {
      // DNS-rebinding guard: a loopback-bound node answers only to loopback names.
      return this.sendJson(res, 403, { code: 'UNAUTHORIZED', message: `Host ${JSON.stringify(req.headers.host ?? '')} is not allowed; use ${this.url}` });
    }
    if (method === 'POST' && url.pathname === '/explorer/checkpoint') return this.issueCheckpoint(req, res);
    if (method === 'POST' && url.pathname === '/explorer/cosignature') return this.postCosignature(req, res);
    if (method === 'POST') {
      if (url.pathname !== '/') return this.sendJson(res, 404, { code: 'NOT_FOUND', message: `POST ${url.pathname}: JSON-RPC requests go to /` });
      const refused = this.postRefusal(req);
      if (refused) {
        req.resume();
        return this.sendJson(res, refused.status, rpcErrorBody(null, RpcError.invalidRequest(refused.message)));
      }
      let body: string;
      try {
        body = await this.readBody(req);
      } catch (e) {
        if (e instanceof HttpError) {
          res.setHeader('Connection', 'close');
          return this.sendJson(res, e.status, rpcErrorBody(null, RpcError.invalidRequest(e.message)));
        }
        throw e;
      }
      const out = await this.handleJsonRpc(body);
      if (out === undefined) {
        res.writeHead(204).end();
        return;
      }
      return this.sendJson(res, 200, out);
    }
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD, POST');
      return this.sendJson(res, 405, { code: 'INVALID_INPUT', message: `method ${method} not allowed` });
    }
    const path = url.pathname;
    if (path === '/metrics/engine') {
      const text = await this.node.metrics.text();
      res.writeHead(200, { 'Content-Type': this.node.metrics.contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      res.end(method === 'HEAD' ? undefined : text);
      return;
    }
    if (path.startsWith('/explorer/')) {
      try {
        const out = this.explorer(path, url.searchParams);
        return this.sendJson(res, 200, out);
      } catch (e) {
        if (e instanceof HttpError) return this.sendJson(res, e.status, { code: e.code, message: e.message });
        if (e instanceof CharterError) {
          const status = e.code === 'NOT_FOUND' || e.code === 'NOT_IN_STATE' ? 404 : e.code === 'HISTORY_MISMATCH' ? 500 : 400;
          return this.sendJson(res, status, e.toJSON());
        }
        throw e;
      }
    }
    if (path === '/') {
      return this.sendJson(res, 200, {
        jsonrpc: 'POST / (JSON-RPC 2.0, single or batch)',
        methods: Object.keys(this.handlers).sort().filter((m) => !BROADCASTS.has(m)).map((m) => `/${m}${POSITIONAL[m] ? '?' + POSITIONAL[m].map((a) => `${a}=_`).join('&') : ''}`),
        post_only: [...BROADCASTS].sort(),
        routes: ['/explorer/overview?limit=20', '/explorer/block?height=_', '/explorer/transaction?hash=_', '/explorer/security-events?kind=_&key=_&vault=_&from=_&to=_&stage=_&limit=_', ...EVIDENCE_ROUTES, '/metrics/engine'],
      });
    }
    // URI form of a JSON-RPC method.
    const name = path.slice(1);
    if (BROADCASTS.has(name)) {
      res.setHeader('Allow', 'POST');
      return this.sendJson(res, 405, rpcErrorBody(-1, RpcError.invalidRequest(BROADCAST_BY_POST(name))));
    }
    const params: Params = {};
    for (const [k, v] of url.searchParams) params[k] = v;
    const out = await this.call(-1, name, params, 'uri');
    const status = 'error' in out ? (out.error.code === -32601 ? 404 : out.error.code === -32603 ? 500 : 400) : 200;
    return this.sendJson(res, status, out);
  }

  /** Why a POST is refused before its body is read, or null: it must carry a JSON body and come from no other web origin. */
  private postRefusal(req: IncomingMessage): { status: number; message: string } | null {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return {
        status: 415,
        message: `a JSON-RPC request is a POST to / with Content-Type: application/json (got ${type ? JSON.stringify(type.slice(0, 64)) : 'none'}); other bodies are refused, since any web page can send them`,
      };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== this.url && !(isLoopbackHost(this.host) && isLoopbackOrigin(origin, this.port))) {
      return { status: 403, message: `requests from the web origin ${JSON.stringify(origin.slice(0, 100))} are refused; call the node from a program, not from a web page` };
    }
    return null;
  }

  private hostAllowed(hostHeader: string | undefined): boolean {
    if (!isLoopbackHost(this.host)) return true;
    if (!hostHeader) return false;
    const m = /^(?:\[([^\]]+)\]|([^:]+))(?::\d+)?$/.exec(hostHeader.trim());
    const name = (m?.[1] ?? m?.[2] ?? '').toLowerCase();
    return isLoopbackHost(name);
  }

  private readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > this.opts.maxBodyBytes) {
        req.resume();
        return reject(new HttpError(413, 'INVALID_INPUT', `request body is ${declared} bytes; the limit is ${this.opts.maxBodyBytes}`));
      }
      const chunks: Buffer[] = [];
      let n = 0;
      let failed = false;
      req.on('data', (c: Buffer) => {
        if (failed) return;
        n += c.length;
        if (n > this.opts.maxBodyBytes) {
          failed = true;
          req.resume();
          reject(new HttpError(413, 'INVALID_INPUT', `request body exceeds ${this.opts.maxBodyBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => {
        if (!failed) resolve(Buffer.concat(chunks).toString('utf8'));
      });
      req.on('error', (e) => {
        if (!failed) reject(e);
      });
    });
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(res.req.method === 'HEAD' ? undefined : text);
  }

  // ─── JSON-RPC ────────────────────────────────────────────────────────────

  private async handleJsonRpc(body: string): Promise<unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      return rpcErrorBody(null, RpcError.parse(`invalid JSON: ${(e as Error).message}`));
    }
    if (Array.isArray(parsed)) {
      if (parsed.length === 0) return rpcErrorBody(null, RpcError.invalidRequest('empty batch'));
      if (parsed.length > 100) return rpcErrorBody(null, RpcError.invalidRequest('batch of more than 100 requests'));
      const out = await Promise.all(parsed.map((r) => this.single(r)));
      const answered = out.filter((x) => x !== undefined);
      return answered.length ? answered : undefined;
    }
    return this.single(parsed);
  }

  private async single(r: unknown): Promise<unknown> {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return rpcErrorBody(null, RpcError.invalidRequest('a request must be a JSON object'));
    const req = r as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    const id = req.id;
    const idOk = id === undefined || id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
    if (!idOk) return rpcErrorBody(null, RpcError.invalidRequest('id must be a string, a number or null'));
    if (req.jsonrpc !== '2.0') return rpcErrorBody(id ?? null, RpcError.invalidRequest('jsonrpc must be "2.0"'));
    if (typeof req.method !== 'string' || req.method === '') return rpcErrorBody(id ?? null, RpcError.invalidRequest('method must be a non-empty string'));
    let params: Params;
    if (req.params === undefined || req.params === null) params = {};
    else if (Array.isArray(req.params)) {
      const names = POSITIONAL[req.method] ?? [];
      if (req.params.length > names.length) return rpcErrorBody(id ?? null, RpcError.invalidParams(`${req.method} takes at most ${names.length} positional parameters`));
      params = {};
      req.params.forEach((v, i) => (params[names[i] as string] = v));
    } else if (typeof req.params === 'object') params = req.params as Params;
    else return rpcErrorBody(id ?? null, RpcError.invalidParams('params must be an object or an array'));
    const out = await this.call(id ?? null, req.method, params, 'json');
    // JSON-RPC 2.0: no answer to notifications (requests without an id).
    return id === undefined ? undefined : out;
  }

  private async call(id: unknown, method: string, params: Params, src: Source): Promise<{ jsonrpc: '2.0'; id: unknown; result: unknown } | { jsonrpc: '2.0'; id: unknown; error: { code: number; message: string; data: string } }> {
    const h = Object.prototype.hasOwnProperty.call(this.handlers, method) ? this.handlers[method] : undefined;
    if (!h) return rpcErrorBody(id, RpcError.methodNotFound(method));
    try {
      const result = await h(params, src);
      return { jsonrpc: '2.0', id, result };
    } catch (e) {
      if (e instanceof RpcError) return rpcErrorBody(id, e);
      if (e instanceof CharterError) return rpcErrorBody(id, e.code === 'INVALID_INPUT' ? RpcError.invalidParams(e.message) : RpcError.internal(`${e.code}: ${e.message}`));
      this.opts.log('error', `RPC ${method} failed: ${(e as Error).stack ?? String(e)}`);
      return rpcErrorBody(id, RpcError.internal((e as Error).message ?? String(e)));
    }
  }

  private latestHeightOrThrow(): number {
    const h = this.node.height();
    if (h === 0) throw RpcError.internal('no blocks yet');
    return h;
  }

  private heightParam(p: Params, src: Source): number {
    const latest = this.latestHeightOrThrow();
    const h = pInt(p, 'height', src);
    if (h === undefined || h === 0) return latest;
    if (h < 0) throw RpcError.internal(`height must be greater than 0, but got ${h}`);
    if (h > latest) throw RpcError.internal(`height ${h} must be less than or equal to the current blockchain height ${latest}`);
    return h;
  }

  private blockRow(h: number): BlockRow {
    const row = this.node.blockAt(h);
    if (!row) throw RpcError.internal(`block at height ${h} not found`);
    return row;
  }

  private blockJson(row: BlockRow) {
    return {
      block_id: JSON.parse(row.block_id) as unknown,
      block: {
        header: headerOf(row),
        data: { txs: this.node.txsOf(row.height).map((t) => b64(t.bytes)) },
        evidence: { evidence: [] },
        last_commit: JSON.parse(row.last_commit) as unknown,
      },
    };
  }

  private commitJson(row: BlockRow) {
    return {
      height: String(row.height),
      round: 0,
      block_id: JSON.parse(row.block_id) as unknown,
      signatures: [{ block_id_flag: 2, validator_address: row.proposer, timestamp: row.commit_time, signature: row.commit_signature }],
    };
  }

  private txJson(row: TxRow, prove: boolean) {
    const out: Record<string, unknown> = {
      hash: row.hash,
      height: String(row.height),
      index: row.idx,
      tx_result: resultJson(parseStored(row)),
      tx: b64(row.bytes),
    };
    if (prove) {
      const block = this.blockRow(row.height);
      const leaves = this.node.txsOf(row.height).map((t) => sha256(t.bytes));
      const p = merkleProof(leaves, row.idx);
      out.proof = {
        root_hash: block.data_hash,
        data: b64(row.bytes),
        proof: { total: String(p.total), index: String(p.index), leaf_hash: b64(p.leafHash), aunts: p.aunts.map(b64) },
      };
    }
    return out;
  }

  private statusJson() {
    const last = this.node.latestBlock();
    const first = this.node.earliestBlock();
    const v = this.node.validatorSet()[0]!;
    const { host, port } = this.node.rpcAddress;
    return {
      node_info: {
        protocol_version: { p2p: '8', block: '11', app: String(this.node.appVersion) },
        id: this.node.validator.address.toLowerCase(),
        listen_addr: `tcp://${host}:0`,
        network: this.node.chainId,
        version: `${COMET_COMPAT_VERSION}+charter-devnet`,
        channels: '',
        moniker: 'charter-devnet',
        other: { tx_index: 'on', rpc_address: `tcp://${host.includes(':') ? `[${host}]` : host}:${port}` },
      },
      sync_info: {
        latest_block_hash: last?.hash ?? '',
        latest_app_hash: last?.app_hash ?? '',
        latest_block_height: String(last?.height ?? 0),
        latest_block_time: last?.time ?? this.node.genesis.genesis_time,
        earliest_block_hash: first?.hash ?? '',
        earliest_app_hash: first?.app_hash ?? '',
        earliest_block_height: String(first?.height ?? 0),
        earliest_block_time: first?.time ?? this.node.genesis.genesis_time,
        catching_up: false,
      },
      validator_info: { address: v.address, pub_key: v.pub_key, voting_power: v.voting_power },
    };
  }

  private broadcast(p: Params, src: Source): { hash: string; result: TxResult } {
    const tx = pBytes(p, 'tx', src, 'base64');
    if (tx === undefined) throw RpcError.invalidParams('tx: required');
    return this.node.admit(tx);
  }

  private makeHandlers(): Record<string, Handler> {
    const node = this.node;
    return {
      health: () => ({}),
      status: () => this.statusJson(),
      abci_info: () => {
        const info = node.app().info();
        return {
          response: {
            data: 'charter-custody',
            version: String(info.appVersion),
            app_version: String(info.appVersion),
            last_block_height: String(info.lastBlockHeight),
            last_block_app_hash: b64(info.lastBlockAppHash),
          },
        };
      },
      genesis: () => ({
        genesis: {
          genesis_time: node.genesis.genesis_time,
          chain_id: node.chainId,
          initial_height: '1',
          consensus_params: consensusParams(),
          validators: node.validatorSet().map((v) => ({ address: v.address, pub_key: v.pub_key, power: VALIDATOR_POWER, name: 'charter-devnet' })),
          app_hash: '',
          app_state: node.genesis,
        },
      }),
      validators: (p, src) => {
        const h = this.heightParam(p, src);
        const page = pInt(p, 'page', src) ?? 1;
        const perPage = pInt(p, 'per_page', src) ?? 30;
        if (page < 1) throw RpcError.internal(`page should be within [1, 1] range, given ${page}`);
        if (perPage < 1) throw RpcError.invalidParams('per_page must be ≥ 1');
        const all = node.validatorSet();
        const vs = page === 1 ? all : [];
        if (page > 1) throw RpcError.internal(`page should be within [1, 1] range, given ${page}`);
        return { block_height: String(h), validators: vs, count: String(vs.length), total: String(all.length) };
      },
      block: (p, src) => this.blockJson(this.blockRow(this.heightParam(p, src))),
      block_by_hash: (p, src) => {
        const hash = pBytes(p, 'hash', src, 'base64');
        if (!hash) throw RpcError.invalidParams('hash: required');
        const found = node.blockByHash(ensureUpperHash(hash));
        if (!found) return { block_id: { hash: '', parts: { total: 0, hash: '' } }, block: null };
        return this.blockJson(found);
      },
      block_results: (p, src) => {
        const row = this.blockRow(this.heightParam(p, src));
        const txs = this.node.txsOf(row.height);
        return {
          height: String(row.height),
          txs_results: txs.length ? txs.map((t) => resultJson(parseStored(t))) : null,
          finalize_block_events: eventsJson(JSON.parse(row.finalize_events) as AbciEvent[]),
          validator_updates: [],
          consensus_param_updates: null,
          app_hash: b64(Buffer.from(row.result_app_hash, 'hex')),
        };
      },
      commit: (p, src) => {
        const row = this.blockRow(this.heightParam(p, src));
        return { signed_header: { header: headerOf(row), commit: this.commitJson(row) }, canonical: row.height < node.height() };
      },
      blockchain: (p, src) => {
        const latest = node.height();
        let min = pInt(p, 'minHeight', src) ?? 0;
        let max = pInt(p, 'maxHeight', src) ?? 0;
        if (min < 0 || max < 0) throw RpcError.internal('heights must be non-negative');
        if (max === 0 || max > latest) max = latest;
        if (min === 0) min = 1;
        min = Math.max(min, max - 20 + 1);
        if (min > max && latest > 0) throw RpcError.internal(`min height ${min} can't be greater than max height ${max}`);
        const metas = latest === 0 ? [] : node.blocksDesc(min, max).map((row) => ({
          block_id: JSON.parse(row.block_id) as unknown,
          block_size: String(row.size),
          header: headerOf(row),
          num_txs: String(row.num_txs),
        }));
        return { last_height: String(latest), block_metas: metas };
      },
      tx: (p, src) => {
        const hash = pBytes(p, 'hash', src, 'base64');
        if (!hash) throw RpcError.invalidParams('hash: required');
        const h = ensureUpperHash(hash);
        const row = node.txByHash(h);
        if (!row) throw RpcError.internal(`tx (${h}) not found`);
        return this.txJson(row, pBool(p, 'prove', src));
      },
      tx_search: (p, src) => {
        const query = pStr(p, 'query', src);
        if (!query) throw RpcError.invalidParams('query: required');
        const conds = parseQuery(query);
        const prove = pBool(p, 'prove', src);
        const page = pInt(p, 'page', src) ?? 1;
        const perPage = Math.min(pInt(p, 'per_page', src) ?? 30, 100);
        if (perPage < 1) throw RpcError.invalidParams('per_page must be ≥ 1');
        const orderBy = pStr(p, 'order_by', src) ?? '';
        if (!['', 'asc', 'desc'].includes(orderBy)) throw RpcError.invalidParams('order_by: expected "asc" or "desc"');
        let hashes: string[];
        try {
          hashes = node.searchTxs(conds, orderBy === 'desc' ? 'desc' : 'asc');
        } catch (e) {
          throw RpcError.invalidParams(`query: ${(e as Error).message}`);
        }
        const pages = Math.max(1, Math.ceil(hashes.length / perPage));
        if (page < 1 || page > pages) throw RpcError.internal(`page should be within [1, ${pages}] range, given ${page}`);
        const slice = hashes.slice((page - 1) * perPage, page * perPage);
        return { txs: slice.map((h) => this.txJson(node.txByHash(h) as TxRow, prove)), total_count: String(hashes.length) };
      },
      broadcast_tx_async: (p, src) => {
        const { hash } = this.broadcast(p, src);
        return { code: 0, data: null, log: '', codespace: '', hash };
      },
      broadcast_tx_sync: (p, src) => {
        const { hash, result } = this.broadcast(p, src);
        return { code: result.code, data: result.data.length ? b64(result.data) : null, log: result.log, codespace: result.codespace, hash };
      },
      broadcast_tx_commit: async (p, src) => {
        const { hash, result } = this.broadcast(p, src);
        if (result.code !== 0) return { check_tx: resultJson(result), tx_result: resultJson(EMPTY_RESULT), hash, height: '0' };
        const included = await node.waitForTx(hash);
        return { check_tx: resultJson(result), tx_result: resultJson(included.result), hash, height: String(included.height) };
      },
      num_unconfirmed_txs: () => ({ n_txs: String(node.mempoolSize), total: String(node.mempoolSize), total_bytes: String(node.mempoolBytes()), txs: null }),
      unconfirmed_txs: (p, src) => {
        const limit = Math.min(Math.max(pInt(p, 'limit', src) ?? 30, 1), 100);
        const txs = node.mempoolList(limit);
        return { n_txs: String(txs.length), total: String(node.mempoolSize), total_bytes: String(node.mempoolBytes()), txs: txs.map((t) => b64(t.bytes)) };
      },
      abci_query: (p, src) => {
        const path = pStr(p, 'path', src);
        if (!path) throw RpcError.invalidParams('path: required');
        const data = pBytes(p, 'data', src, 'hex') ?? new Uint8Array(0);
        const height = pInt(p, 'height', src) ?? 0;
        if (pBool(p, 'prove', src)) throw RpcError.invalidParams('prove: proofs of queries are not supported by this node');
        const latest = node.app().info().lastBlockHeight;
        if (height !== 0 && height !== latest) throw RpcError.invalidParams(`height: only the latest state (height ${latest}) can be queried`);
        const r = node.app().query({ path, data });
        return {
          response: {
            code: r.code,
            log: r.log,
            info: '',
            index: '0',
            key: data.length ? b64(data) : null,
            value: r.value.length ? b64(r.value) : null,
            proofOps: null,
            height: String(r.height),
            codespace: r.codespace,
          },
        };
      },
    };
  }

  // ─── explorer ────────────────────────────────────────────────────────────

  private explorer(path: string, q: URLSearchParams): unknown {
    const node = this.node;
    const ev = this.evidenceRoute(path, q);
    if (ev !== undefined) return ev;
    if (path === '/explorer/overview') {
      const limitRaw = q.get('limit');
      const limit = limitRaw === null ? 20 : Number(limitRaw);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpError(400, 'INVALID_INPUT', 'limit: an integer from 1 to 100');
      const last = node.latestBlock();
      const height = node.height();
      const blocks = height === 0 ? [] : node.blocksDesc(Math.max(1, height - limit + 1), height).map((b) => ({ height: b.height, hash: b.hash, time: b.time, numTxs: b.num_txs }));
      const counts = node.txCounts();
      return {
        chainId: node.chainId,
        height,
        latestBlockHash: last?.hash ?? '',
        latestBlockTime: last?.time ?? null,
        appHash: last?.app_hash ?? '',
        resultAppHash: last?.result_app_hash ?? node.genesisAppHash,
        blocks,
        txCount: counts.total,
        txCounts: counts,
        mempoolSize: node.mempoolSize,
        validators: node.validatorSet().map((v) => ({ address: v.address, votingPower: Number(v.voting_power) })),
        devnet: true,
      };
    }
    if (path === '/explorer/block') {
      const hRaw = q.get('height');
      if (hRaw === null || !/^\d{1,15}$/.test(hRaw) || Number(hRaw) < 1) throw new HttpError(400, 'INVALID_INPUT', 'height: a positive integer');
      const row = node.blockAt(Number(hRaw));
      if (!row) throw new HttpError(404, 'NOT_FOUND', `no block at height ${hRaw} (latest is ${node.height()})`);
      return {
        height: row.height,
        hash: row.hash,
        time: row.time,
        chainId: node.chainId,
        numTxs: row.num_txs,
        appHash: row.app_hash,
        resultAppHash: row.result_app_hash,
        lastBlockHash: row.last_block_hash,
        dataHash: row.data_hash,
        proposer: row.proposer,
        header: headerOf(row),
        commit: { validatorAddress: row.proposer, timestamp: row.commit_time, signature: row.commit_signature },
        txs: node.txsOf(row.height).map((t) => this.txView(t, row)),
      };
    }
    if (path === '/explorer/transaction') {
      const raw = q.get('hash');
      if (raw === null || !/^(0x)?[0-9a-fA-F]{64}$/.test(raw)) throw new HttpError(400, 'INVALID_INPUT', 'hash: 64 hex digits');
      const hash = raw.replace(/^0x/, '').toUpperCase();
      const row = node.txByHash(hash);
      if (!row) {
        const pending = node.mempoolList().some((t) => t.hash === hash);
        throw new HttpError(404, 'NOT_FOUND', pending ? `transaction ${hash} is in the mempool, not yet in a block` : `no transaction ${hash} in this chain`);
      }
      const block = this.blockRow(row.height);
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
      const rows = node.securityEvents({ ...f, limit });
      return {
        height: node.height(),
        limit,
        events: rows.map(securityEventView),
        nextBefore: rows.length === limit ? (rows[rows.length - 1] as SecurityEventRow).seq : null,
      };
    }
    throw new HttpError(404, 'NOT_FOUND', `no route ${path}`);
  }

  // ─── evidence log routes ─────────────────────────────────────────────────

  private evidenceRoute(path: string, q: URLSearchParams): unknown {
    const node = this.node;
    const only = (...names: string[]): void => {
      for (const k of q.keys()) if (!names.includes(k)) throw new HttpError(400, 'INVALID_INPUT', `unknown parameter ${JSON.stringify(k)}; use ${names.join(', ') || 'none'}`);
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
      const row = tx !== undefined ? node.receiptByTx(tx) : node.receiptBySeq(seq as number);
      if (!row) throw new HttpError(404, 'NOT_FOUND', tx !== undefined ? `no receipt for transaction ${tx} (not in a committed block)` : `no receipt with seq ${String(seq)}`);
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
        if ((fh !== undefined || th !== undefined) && (fs !== undefined || ts !== undefined)) throw new HttpError(400, 'INVALID_INPUT', 'give a seq range (from, to) or a height range (from_height, to_height), not both');
        const rows = fh !== undefined || th !== undefined
          ? node.receiptsByHeight(fh ?? 0, th ?? Number.MAX_SAFE_INTEGER, limit)
          : node.receiptsBySeq(fs ?? 0, ts ?? Number.MAX_SAFE_INTEGER, limit);
        return { count: node.evidence.receiptCount, mmr_size: node.evidence.size, receipts: rows.map(receiptView) };
      }
      case '/explorer/checkpoint': {
        only('height');
        const raw = q.get('height');
        const row = raw === null || raw === 'latest' ? node.latestCheckpoint() : node.checkpointAt(int('height', 1) as number);
        if (!row) throw new HttpError(404, 'NOT_FOUND', raw === null || raw === 'latest' ? `no checkpoint yet (one every ${node.evidence.checkpointEvery} blocks)` : `no checkpoint at height ${raw} (one every ${node.evidence.checkpointEvery} blocks)`);
        return node.servedCheckpoint(row);
      }
      case '/explorer/checkpoints': {
        only('before', 'limit');
        const limit = int('limit', 1) ?? 100;
        if (limit > 1000) throw new HttpError(400, 'INVALID_INPUT', 'limit: at most 1000');
        const rows = node.checkpointsDesc(int('before', 1) ?? Number.MAX_SAFE_INTEGER, limit);
        return { every: node.evidence.checkpointEvery, checkpoints: rows.map((r) => node.servedCheckpoint(r)), nextBefore: rows.length === limit ? (rows[rows.length - 1] as { height: number }).height : null };
      }
      case '/explorer/inclusion-proof': {
        only('tx', 'seq', 'size');
        const r = receiptOf();
        const size = int('size') ?? node.evidence.size;
        return { seq: r.seq, tx_hash: r.tx_hash, receipt: JSON.parse(r.receipt) as unknown, ...node.evidence.inclusion(r.mmr_index, size) };
      }
      case '/explorer/consistency-proof': {
        only('from', 'to');
        const from = int('from');
        if (from === undefined) throw new HttpError(400, 'INVALID_INPUT', 'from: an mmr size');
        return node.evidence.consistency(from, int('to') ?? node.evidence.size);
      }
      case '/explorer/trust': {
        only();
        return node.evidence.trustFile();
      }
      case '/explorer/state-proof': {
        only('height', 'key', 'path');
        const height = int('height', 1);
        if (height === undefined) throw new HttpError(400, 'INVALID_INPUT', 'height: a positive integer');
        const key = q.get('key') ?? q.get('path');
        if (key === null || key === '') throw new HttpError(400, 'INVALID_INPUT', 'key: a state key such as vault/<id>');
        return node.stateProofAt(height, key.replace(/^\//, ''));
      }
      default:
        return undefined;
    }
  }

  private txView(row: TxRow, block: BlockRow) {
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
      error: r.code === 0 ? null : (r.codespace === 'custody' ? ENGINE_ERROR_BY_ABCI.get(r.code) : undefined) ?? `ABCI_${r.code}`,
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
function receiptView(r: ReceiptRow) {
  return { seq: r.seq, tx_hash: r.tx_hash, height: r.height, mmr_index: r.mmr_index, digest: r.digest, receipt: JSON.parse(r.receipt) as unknown };
}

/** One security event as /explorer/security-events shows it. */
function securityEventView(r: SecurityEventRow) {
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

function isLoopbackHost(h: string): boolean {
  const x = h.toLowerCase();
  return x === 'localhost' || x.endsWith('.localhost') || x === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(x) || /^::ffff:127\./.test(x);
}

/** Is `origin` this loopback node's own web origin (http://127.0.0.1:PORT, http://localhost:PORT, http://[::1]:PORT)? */
function isLoopbackOrigin(origin: string, port: number): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return u.protocol === 'http:' && u.port === String(port) && isLoopbackHost(host);
}

function rpcErrorBody(id: unknown, e: RpcError): { jsonrpc: '2.0'; id: unknown; error: { code: number; message: string; data: string } } {
  return { jsonrpc: '2.0', id: id ?? null, error: { code: e.code, message: e.message, data: e.data } };
}

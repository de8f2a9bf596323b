/**
 * The CometBFT 0.38 JSON-RPC subset, as one route table (like CometBFT's
 * rpc/core/routes.go): status, health, abci_info, abci_query, genesis,
 * validators, block, block_by_hash, block_results, commit, blockchain, tx,
 * tx_search, broadcast_tx_{async,sync,commit}, num_unconfirmed_txs,
 * unconfirmed_txs — with CometBFT's exact result shapes: int64 as strings,
 * bytes as base64, hashes as upper-case hex, RFC 3339 times.
 *
 * Served by mountCometRpc over an HttpTransport: JSON-RPC 2.0 POST to "/"
 * (single or batch; Content-Type: application/json) and, for reads only, the
 * URI GET form (/status, /block?height=5, /tx?hash=0xABC…,
 * /abci_query?path="/vault/x"). broadcast_tx_* only by POST with a JSON body:
 * any web page can make a browser send a GET (a link, an image) or a
 * form-like POST (text/plain, no preflight), so those get a JSON-RPC error
 * instead. A POST must say Content-Type: application/json, which a page on
 * another origin cannot send without a CORS preflight this node never grants;
 * a POST whose Origin is not this node's own is refused.
 *
 * Depends on CometView, what a consensus driver exposes; never on a node class.
 */
import type { IncomingMessage } from 'node:http';
import type { AbciEvent, GenesisDoc, TxResult } from '../../core/engine/types.js';
import type { AbciApplication } from '../app-host/abci.js';
import type { BlockRow, TxRow } from '../app-host/store.js';
import type { BlockIndexView } from '../app-host/views.js';
import { b64, fromB64, fromHexLoose, hexUpper, merkleProof, sha256 } from '../cometbft/encoding.js';
import { headerOf, parseStored } from './block-json.js';
import { JsonRpcDispatcher, rpcErrorBody, type Params, type RouteTable, type RpcHandler, type Source } from './jsonrpc.js';
import { RpcError } from './rpc-error.js';
import { HttpError, isLoopbackHost, isLoopbackOrigin, type HttpContext, type HttpHandler } from './transport.js';

/** A validator in CometBFT's JSON shape. */
export interface ValidatorJson {
  address: string;
  pub_key: { type: string; value: string };
  voting_power: string;
  proposer_priority: string;
}

export interface IncludedTx {
  height: number;
  index: number;
  result: TxResult;
}

/** What the CometBFT routes read and call: the driver's consensus state, its mempool, and the application's index. */
export interface CometView extends Pick<
  BlockIndexView,
  'chainId' | 'height' | 'latestBlock' | 'earliestBlock' | 'blockAt' | 'blockByHash' | 'blocksDesc' | 'txsOf' | 'txByHash' | 'searchTxs'
> {
  readonly genesis: GenesisDoc;
  readonly appVersion: number;
  /** This node: its validator address (the node id is its lower case), version string and moniker. */
  readonly node: { readonly address: string; readonly version: string; readonly moniker: string };
  /** The application's info/query connection. */
  app(): Pick<AbciApplication, 'info' | 'query'>;
  validatorSet(): ValidatorJson[];
  consensusParams(): unknown;
  /** Mempool admission; throws RpcError for node-level refusals. */
  admit(tx: Uint8Array): { hash: string; result: TxResult };
  /** Resolves when the transaction is in a durable block. */
  waitForTx(hash: string): Promise<IncludedTx>;
  readonly mempoolSize: number;
  mempoolBytes(): number;
  mempoolList(limit?: number): { hash: string; bytes: Uint8Array }[];
}

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
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw RpcError.invalidParams(`${name}: expected an integer (as a string or number), got ${JSON.stringify(v)?.slice(0, 40)}`);
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

// ─── the route table ───────────────────────────────────────────────────────

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

/** The methods that change the chain: JSON-RPC POST only, never the URI GET form. */
const BROADCASTS: ReadonlySet<string> = new Set(['broadcast_tx_sync', 'broadcast_tx_async', 'broadcast_tx_commit']);
const BROADCAST_BY_POST = (name: string): string =>
  `${name} is accepted only as a JSON-RPC POST to / with Content-Type: application/json, e.g. {"jsonrpc":"2.0","id":1,"method":"${name}","params":{"tx":"<base64>"}}; a GET can be sent by any web page`;

/** The CometBFT route table over a view: method → handler and positional parameters. */
export function cometRoutes(view: CometView, address: () => { host: string; port: number }): RouteTable {
  const handlers = new CometHandlers(view, address).makeHandlers();
  const table: Record<string, { handler: RpcHandler; params: readonly string[]; postOnly?: boolean }> = {};
  for (const [name, handler] of Object.entries(handlers))
    table[name] = { handler, params: POSITIONAL[name] ?? [], ...(BROADCASTS.has(name) ? { postOnly: true } : {}) };
  return table;
}

class CometHandlers {
  constructor(
    private readonly view: CometView,
    private readonly address: () => { host: string; port: number },
  ) {}

  private latestHeightOrThrow(): number {
    const h = this.view.height();
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
    const row = this.view.blockAt(h);
    if (!row) throw RpcError.internal(`block at height ${h} not found`);
    return row;
  }

  private blockJson(row: BlockRow) {
    return {
      block_id: JSON.parse(row.block_id) as unknown,
      block: {
        header: headerOf(row),
        data: { txs: this.view.txsOf(row.height).map((t) => b64(t.bytes)) },
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
      const leaves = this.view.txsOf(row.height).map((t) => sha256(t.bytes));
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
    const last = this.view.latestBlock();
    const first = this.view.earliestBlock();
    const v = this.view.validatorSet()[0]!;
    const { host, port } = this.address();
    return {
      node_info: {
        protocol_version: { p2p: '8', block: '11', app: String(this.view.appVersion) },
        id: this.view.node.address.toLowerCase(),
        listen_addr: `tcp://${host}:0`,
        network: this.view.chainId,
        version: this.view.node.version,
        channels: '',
        moniker: this.view.node.moniker,
        other: { tx_index: 'on', rpc_address: `tcp://${host.includes(':') ? `[${host}]` : host}:${port}` },
      },
      sync_info: {
        latest_block_hash: last?.hash ?? '',
        latest_app_hash: last?.app_hash ?? '',
        latest_block_height: String(last?.height ?? 0),
        latest_block_time: last?.time ?? this.view.genesis.genesis_time,
        earliest_block_hash: first?.hash ?? '',
        earliest_app_hash: first?.app_hash ?? '',
        earliest_block_height: String(first?.height ?? 0),
        earliest_block_time: first?.time ?? this.view.genesis.genesis_time,
        catching_up: false,
      },
      validator_info: { address: v.address, pub_key: v.pub_key, voting_power: v.voting_power },
    };
  }

  private broadcast(p: Params, src: Source): { hash: string; result: TxResult } {
    const tx = pBytes(p, 'tx', src, 'base64');
    if (tx === undefined) throw RpcError.invalidParams('tx: required');
    return this.view.admit(tx);
  }

  makeHandlers(): Record<string, RpcHandler> {
    const view = this.view;
    return {
      health: () => ({}),
      status: () => this.statusJson(),
      abci_info: () => {
        const info = view.app().info();
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
          genesis_time: view.genesis.genesis_time,
          chain_id: view.chainId,
          initial_height: '1',
          consensus_params: view.consensusParams(),
          validators: view.validatorSet().map((v) => ({ address: v.address, pub_key: v.pub_key, power: v.voting_power, name: view.node.moniker })),
          app_hash: '',
          app_state: view.genesis,
        },
      }),
      validators: (p, src) => {
        const h = this.heightParam(p, src);
        const page = pInt(p, 'page', src) ?? 1;
        const perPage = pInt(p, 'per_page', src) ?? 30;
        if (page < 1) throw RpcError.internal(`page should be within [1, 1] range, given ${page}`);
        if (perPage < 1) throw RpcError.invalidParams('per_page must be ≥ 1');
        const all = view.validatorSet();
        const vs = page === 1 ? all : [];
        if (page > 1) throw RpcError.internal(`page should be within [1, 1] range, given ${page}`);
        return { block_height: String(h), validators: vs, count: String(vs.length), total: String(all.length) };
      },
      block: (p, src) => this.blockJson(this.blockRow(this.heightParam(p, src))),
      block_by_hash: (p, src) => {
        const hash = pBytes(p, 'hash', src, 'base64');
        if (!hash) throw RpcError.invalidParams('hash: required');
        const found = view.blockByHash(ensureUpperHash(hash));
        if (!found) return { block_id: { hash: '', parts: { total: 0, hash: '' } }, block: null };
        return this.blockJson(found);
      },
      block_results: (p, src) => {
        const row = this.blockRow(this.heightParam(p, src));
        const txs = this.view.txsOf(row.height);
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
        return { signed_header: { header: headerOf(row), commit: this.commitJson(row) }, canonical: row.height < view.height() };
      },
      blockchain: (p, src) => {
        const latest = view.height();
        let min = pInt(p, 'minHeight', src) ?? 0;
        let max = pInt(p, 'maxHeight', src) ?? 0;
        if (min < 0 || max < 0) throw RpcError.internal('heights must be non-negative');
        if (max === 0 || max > latest) max = latest;
        if (min === 0) min = 1;
        min = Math.max(min, max - 20 + 1);
        if (min > max && latest > 0) throw RpcError.internal(`min height ${min} can't be greater than max height ${max}`);
        const metas =
          latest === 0
            ? []
            : view.blocksDesc(min, max).map((row) => ({
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
        const row = view.txByHash(h);
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
          hashes = view.searchTxs(conds, orderBy === 'desc' ? 'desc' : 'asc');
        } catch (e) {
          throw RpcError.invalidParams(`query: ${(e as Error).message}`);
        }
        const pages = Math.max(1, Math.ceil(hashes.length / perPage));
        if (page < 1 || page > pages) throw RpcError.internal(`page should be within [1, ${pages}] range, given ${page}`);
        const slice = hashes.slice((page - 1) * perPage, page * perPage);
        return { txs: slice.map((h) => this.txJson(view.txByHash(h) as TxRow, prove)), total_count: String(hashes.length) };
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
        const included = await view.waitForTx(hash);
        return { check_tx: resultJson(result), tx_result: resultJson(included.result), hash, height: String(included.height) };
      },
      num_unconfirmed_txs: () => ({ n_txs: String(view.mempoolSize), total: String(view.mempoolSize), total_bytes: String(view.mempoolBytes()), txs: null }),
      unconfirmed_txs: (p, src) => {
        const limit = Math.min(Math.max(pInt(p, 'limit', src) ?? 30, 1), 100);
        const txs = view.mempoolList(limit);
        return { n_txs: String(txs.length), total: String(view.mempoolSize), total_bytes: String(view.mempoolBytes()), txs: txs.map((t) => b64(t.bytes)) };
      },
      abci_query: (p, src) => {
        const path = pStr(p, 'path', src);
        if (!path) throw RpcError.invalidParams('path: required');
        const data = pBytes(p, 'data', src, 'hex') ?? new Uint8Array(0);
        const height = pInt(p, 'height', src) ?? 0;
        if (pBool(p, 'prove', src)) throw RpcError.invalidParams('prove: proofs of queries are not supported by this node');
        const latest = view.app().info().lastBlockHeight;
        if (height !== 0 && height !== latest) throw RpcError.invalidParams(`height: only the latest state (height ${latest}) can be queried`);
        const r = view.app().query({ path, data });
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
}

export interface CometRpcOptions {
  /** Further routes the index at GET / lists (the read API's, when it is served next to these). */
  indexRoutes?: readonly string[];
}

/**
 * The CometBFT RPC as an HTTP handler: JSON-RPC POST to "/", the URI GET
 * form, and the index at GET /. Mount it last: it answers every request that
 * reaches it (404 for a POST elsewhere than "/", 405 for other methods).
 */
export function mountCometRpc(view: CometView, ctx: Pick<HttpContext, 'address' | 'log'>, opts: CometRpcOptions = {}): HttpHandler {
  const rpc = new JsonRpcDispatcher(
    cometRoutes(view, () => ctx.address),
    ctx.log,
  );
  const index = (): unknown => ({
    jsonrpc: 'POST / (JSON-RPC 2.0, single or batch)',
    methods: Object.keys(rpc.routes)
      .sort()
      .filter((m) => !rpc.routes[m]!.postOnly)
      .map((m) => {
        const pos = rpc.positional(m);
        return `/${m}${pos ? '?' + pos.map((a) => `${a}=_`).join('&') : ''}`;
      }),
    post_only: Object.keys(rpc.routes)
      .filter((m) => rpc.routes[m]!.postOnly)
      .sort(),
    routes: [...(opts.indexRoutes ?? [])],
  });
  return async (req, res, url, t) => {
    const method = req.method ?? 'GET';
    if (method === 'POST') {
      if (url.pathname !== '/') {
        t.sendJson(res, 404, { code: 'NOT_FOUND', message: `POST ${url.pathname}: JSON-RPC requests go to /` });
        return true;
      }
      const refused = postRefusal(req, t);
      if (refused) {
        req.resume();
        t.sendJson(res, refused.status, rpcErrorBody(null, RpcError.invalidRequest(refused.message)));
        return true;
      }
      let body: string;
      try {
        body = await t.readBody(req);
      } catch (e) {
        if (e instanceof HttpError) {
          res.setHeader('Connection', 'close');
          t.sendJson(res, e.status, rpcErrorBody(null, RpcError.invalidRequest(e.message)));
          return true;
        }
        throw e;
      }
      const out = await rpc.handleBody(body);
      if (out === undefined) {
        res.writeHead(204).end();
        return true;
      }
      t.sendJson(res, 200, out);
      return true;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD, POST');
      t.sendJson(res, 405, { code: 'INVALID_INPUT', message: `method ${method} not allowed` });
      return true;
    }
    const path = url.pathname;
    if (path === '/') {
      t.sendJson(res, 200, index());
      return true;
    }
    // URI form of a JSON-RPC method.
    const name = path.slice(1);
    if (rpc.route(name)?.postOnly) {
      res.setHeader('Allow', 'POST');
      t.sendJson(res, 405, rpcErrorBody(-1, RpcError.invalidRequest(BROADCAST_BY_POST(name))));
      return true;
    }
    const params: Params = {};
    for (const [k, v] of url.searchParams) params[k] = v;
    const out = await rpc.call(-1, name, params, 'uri');
    const status = 'error' in out ? (out.error.code === -32601 ? 404 : out.error.code === -32603 ? 500 : 400) : 200;
    t.sendJson(res, status, out);
    return true;
  };
}

/** Why a POST is refused before its body is read, or null: it must carry a JSON body and come from no other web origin. */
function postRefusal(req: IncomingMessage, t: HttpContext): { status: number; message: string } | null {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    return {
      status: 415,
      message: `a JSON-RPC request is a POST to / with Content-Type: application/json (got ${type ? JSON.stringify(type.slice(0, 64)) : 'none'}); other bodies are refused, since any web page can send them`,
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== t.url && !(isLoopbackHost(t.host) && isLoopbackOrigin(origin, t.port))) {
    return {
      status: 403,
      message: `requests from the web origin ${JSON.stringify(origin.slice(0, 100))} are refused; call the node from a program, not from a web page`,
    };
  }
  return null;
}

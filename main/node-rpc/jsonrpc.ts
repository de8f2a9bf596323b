/**
 * JSON-RPC 2.0 framing over a route table: parse, batches (at most 100),
 * ids, notifications (no answer), positional parameters (named by the
 * table), and errors as CometBFT sends them ({code, message, data}).
 * Knows nothing of HTTP or of any method; comet-routes.ts brings both.
 */
import { CharterError } from '../../core/errors.js';
import { RpcError } from './rpc-error.js';
import type { LogFn } from './transport.js';

export type Params = Record<string, unknown>;
/** How the parameters came: a JSON-RPC body, or a URI query string (CometBFT's URI form). */
export type Source = 'json' | 'uri';
export type RpcHandler = (p: Params, src: Source) => unknown;

/** One row of a route table (CometBFT rpc/core/routes.go): the handler and its parameter names, in positional order. */
export interface RpcRoute {
  handler: RpcHandler;
  params: readonly string[];
  /** Changes the chain: JSON-RPC POST only, never the URI GET form. */
  postOnly?: boolean;
}
export type RouteTable = Readonly<Record<string, RpcRoute>>;

export type RpcErrorBody = { jsonrpc: '2.0'; id: unknown; error: { code: number; message: string; data: string } };
export type RpcAnswer = { jsonrpc: '2.0'; id: unknown; result: unknown } | RpcErrorBody;

export function rpcErrorBody(id: unknown, e: RpcError): RpcErrorBody {
  return { jsonrpc: '2.0', id: id ?? null, error: { code: e.code, message: e.message, data: e.data } };
}

export class JsonRpcDispatcher {
  constructor(
    readonly routes: RouteTable,
    private readonly log: LogFn,
  ) {}

  /** Answers a request body (single or batch); undefined when nothing is to be answered (notifications only). */
  async handleBody(body: string): Promise<unknown> {
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
      const names = this.positional(req.method) ?? [];
      if (req.params.length > names.length)
        return rpcErrorBody(id ?? null, RpcError.invalidParams(`${req.method} takes at most ${names.length} positional parameters`));
      params = {};
      req.params.forEach((v, i) => (params[names[i] as string] = v));
    } else if (typeof req.params === 'object') params = req.params as Params;
    else return rpcErrorBody(id ?? null, RpcError.invalidParams('params must be an object or an array'));
    const out = await this.call(id ?? null, req.method, params, 'json');
    // JSON-RPC 2.0: no answer to notifications (requests without an id).
    return id === undefined ? undefined : out;
  }

  /** The positional parameter names of a method that has any. */
  positional(method: string): readonly string[] | undefined {
    const r = this.route(method);
    return r && r.params.length ? r.params : undefined;
  }

  route(method: string): RpcRoute | undefined {
    return Object.prototype.hasOwnProperty.call(this.routes, method) ? this.routes[method] : undefined;
  }

  async call(id: unknown, method: string, params: Params, src: Source): Promise<RpcAnswer> {
    const h = this.route(method)?.handler;
    if (!h) return rpcErrorBody(id, RpcError.methodNotFound(method));
    try {
      const result = await h(params, src);
      return { jsonrpc: '2.0', id, result };
    } catch (e) {
      if (e instanceof RpcError) return rpcErrorBody(id, e);
      if (e instanceof CharterError)
        return rpcErrorBody(id, e.code === 'INVALID_INPUT' ? RpcError.invalidParams(e.message) : RpcError.internal(`${e.code}: ${e.message}`));
      this.log('error', `RPC ${method} failed: ${(e as Error).stack ?? String(e)}`);
      return rpcErrorBody(id, RpcError.internal((e as Error).message ?? String(e)));
    }
  }
}

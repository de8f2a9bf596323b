/**
 * How the chain clients turn what a node answered into a CharterError: by
 * code, never by the wording of a message.
 *
 * - a transport failure (nothing answered) by the errno / undici code or the
 *   error's name anywhere in its cause chain → NODE_UNREACHABLE;
 * - an engine rejection by its ABCI code in the engine's codespace
 *   (core/errors.ts ENGINE_ERROR_BY_ABCI), else by the code the engine writes
 *   as the first token of its log ("<CODE>: <message>", checked against the
 *   error table);
 * - a JSON-RPC error by its JSON-RPC code (CometBFT's jsonrpc codes), with the
 *   engine code it carries, if any;
 * - a read-API answer by the stable `code` of its JSON body, then its HTTP status.
 *
 * Where CometBFT's wire has no code for a condition (a height it has no block
 * for, a transaction it does not know, a broadcast_tx_commit that stopped
 * waiting), the clients decide by asking the node about the state instead
 * (its height range, tx_search by hash, its mempool): see cometbft-rpc.ts.
 */
import { CharterError, ENGINE_CODESPACE, ENGINE_ERROR_BY_ABCI, isErrorCode, type ErrorCode } from '../../core/errors.js';

/** JSON-RPC 2.0 error codes as CometBFT sends them. */
export const JSONRPC = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
} as const;

/** A JSON-RPC error object: {code, message, data}. */
export interface RpcErrorBody {
  code: number;
  message: string;
  data?: string;
}

/** errno / undici codes that mean nothing answered at the address. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

/** Error names of an aborted or timed-out fetch. */
const NETWORK_ERROR_NAMES: ReadonlySet<string> = new Set(['TimeoutError', 'AbortError']);

/** Query results that mean "no such thing" rather than an error. */
export const NOT_FOUND_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'VAULT_NOT_FOUND',
  'REQUEST_NOT_FOUND',
  'UNKNOWN_SIGNER',
  'NOT_IN_STATE',
  'PROPOSAL_NOT_FOUND',
]);

/** Stable codes a read-API route answers with in its JSON body that the client passes on as they are. */
export const READ_API_PASSED_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['NOT_IN_STATE', 'HISTORY_MISMATCH', 'BAD_SIGNATURE', 'CHECKPOINT_MISMATCH']);

const ENGINE_CODES: ReadonlySet<ErrorCode> = new Set(ENGINE_ERROR_BY_ABCI.values());

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
export function isNetworkError(e: unknown): boolean {
  for (const x of errorChain(e)) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
    const name = (x as { name?: unknown }).name;
    if (typeof name === 'string' && NETWORK_ERROR_NAMES.has(name)) return true;
    // fetch() rejects every network error (whatever its cause's code) with a TypeError carrying the cause.
    if (x instanceof TypeError && (x as { cause?: unknown }).cause !== undefined) return true;
  }
  return false;
}

function parseRpcError(text: unknown): RpcErrorBody | null {
  if (typeof text !== 'string' || !text.startsWith('{')) return null;
  try {
    const o = JSON.parse(text) as { code?: unknown; message?: unknown; data?: unknown; error?: unknown };
    const err = (o.error && typeof o.error === 'object' ? o.error : o) as { code?: unknown; message?: unknown; data?: unknown };
    if (typeof err.code === 'number' && typeof err.message === 'string')
      return { code: err.code, message: err.message, ...(typeof err.data === 'string' ? { data: err.data } : {}) };
  } catch {
    // not JSON
  }
  return null;
}

/**
 * The JSON-RPC error a cosmjs client met: cosmjs throws Error(JSON.stringify(error))
 * for a JSON-RPC error answered with HTTP 200, and an error whose cause is
 * {status, body} for one answered with an HTTP error status.
 */
export function rpcErrorOf(e: unknown): RpcErrorBody | null {
  const direct = parseRpcError((e as { message?: unknown } | null)?.message);
  if (direct) return direct;
  const cause = (e as { cause?: { body?: unknown } } | null)?.cause;
  return cause && typeof cause === 'object' ? parseRpcError(cause.body) : null;
}

/** The HTTP status of a cosmjs "bad status" failure (its cause carries {status, body}), else null. */
export function httpStatusOf(e: unknown): number | null {
  const cause = (e as { cause?: { status?: unknown } } | null)?.cause;
  return cause && typeof cause === 'object' && typeof cause.status === 'number' ? cause.status : null;
}

/**
 * The engine writes a rejection's log as "<CODE>: <message>", and a node that
 * wraps it keeps it as a ": "-separated part ("tx … was removed from the
 * mempool on recheck: BAD_NONCE: …"). The first part that is an engine code
 * of core/errors.ts, or null.
 */
export function engineCodeInLog(log: string | undefined): ErrorCode | null {
  if (!log) return null;
  for (const part of log.split(': ')) {
    if (isErrorCode(part) && ENGINE_CODES.has(part)) return part;
  }
  return null;
}

/** The code the engine's log starts with ("<CODE>: …"), any code of the table, or null. */
export function leadingCodeOf(log: string | undefined): ErrorCode | null {
  if (!log) return null;
  const at = log.indexOf(': ');
  const head = at > 0 ? log.slice(0, at) : '';
  return isErrorCode(head) ? head : null;
}

/** The log without its leading "<CODE>: ". */
export function withoutLeadingCode(log: string): string {
  return leadingCodeOf(log) ? log.slice(log.indexOf(': ') + 2) : log;
}

/** The engine's stable code for an ABCI result, or null if it is not an engine rejection. */
export function engineCodeOf(r: { code: number; codespace?: string | undefined; log?: string | undefined }): ErrorCode | null {
  if (r.code === 0) return null;
  if (r.codespace === ENGINE_CODESPACE) {
    const byAbci = ENGINE_ERROR_BY_ABCI.get(r.code);
    if (byAbci) return byAbci;
  }
  return leadingCodeOf(r.log);
}

/** A transaction the engine rejected (at check time or in its block), as a CharterError with its code. */
export function rejected(r: { code: number; codespace?: string | undefined; log?: string | undefined }, hash: string, height?: number): CharterError {
  const code = engineCodeOf(r) ?? 'NODE_ERROR';
  const log = r.log ?? '';
  const message = withoutLeadingCode(log) || `transaction rejected with code ${r.code}`;
  return new CharterError(code, message, { abci_code: r.code, codespace: r.codespace ?? '', log, hash, ...(height !== undefined ? { height } : {}) });
}

function causeMsg(e: unknown): string {
  const c = (e as { cause?: { message?: string; code?: string } }).cause;
  if (!c) return '';
  return `: ${c.code ?? c.message ?? ''}`;
}

/**
 * A failed CometBFT RPC call as a CharterError: NODE_UNREACHABLE for a
 * transport failure, the engine's code when the node's error carries one,
 * NODE_ERROR with the JSON-RPC error (or HTTP status) otherwise.
 */
export function rpcFailure(e: unknown, what: string, hash?: string): CharterError {
  if (e instanceof CharterError) return e;
  const rpc = rpcErrorOf(e);
  if (rpc) {
    const data = rpc.data ?? '';
    const engine = engineCodeInLog(data);
    if (engine) return new CharterError(engine, data, { hash, rpc, log: data });
    return new CharterError('NODE_ERROR', `${what}: ${rpc.message}${data ? `: ${data}` : ''}`, { rpc, ...(hash ? { hash } : {}) });
  }
  if (isNetworkError(e)) {
    return new CharterError('NODE_UNREACHABLE', `${what}: the node does not answer (${(e as Error).message}${causeMsg(e)})`);
  }
  const status = httpStatusOf(e);
  if (status !== null) return new CharterError('NODE_ERROR', `${what}: HTTP ${status}`, { status });
  const msg = (e as Error)?.message ?? String(e);
  return new CharterError('NODE_ERROR', `${what}: ${msg}`);
}

/** A failed HTTP request to the read API (nothing answered) as a CharterError. */
export function httpFailure(e: unknown, what: string): CharterError {
  if (e instanceof CharterError) return e;
  if (isNetworkError(e)) return new CharterError('NODE_UNREACHABLE', `${what}: the node does not answer (${(e as Error).message}${causeMsg(e)})`);
  return new CharterError('NODE_ERROR', `${what}: ${(e as Error)?.message ?? String(e)}`);
}

/** A read-API error answer (status ≥ 400) as a CharterError: by the body's stable code, then the HTTP status. */
export function readApiError(status: number, body: unknown, path: string): CharterError {
  const b = (body ?? {}) as { code?: unknown; message?: unknown };
  const msg = typeof b.message === 'string' ? b.message : `HTTP ${status}`;
  if (typeof b.code === 'string' && isErrorCode(b.code) && READ_API_PASSED_CODES.has(b.code)) return new CharterError(b.code, msg, { status, path });
  if (status === 404) return new CharterError('NOT_FOUND', msg, { status: 404, path });
  if (status === 400) return new CharterError('INVALID_INPUT', msg, { status: 400, path });
  return new CharterError('NODE_ERROR', msg, { status, path, body });
}

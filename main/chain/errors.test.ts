// Errors of the chain clients are classified by code: errno / undici codes,
// JSON-RPC codes, ABCI codes in the engine's codespace, the engine's leading
// log code, the read API's body code. The wording of a message never decides.
import { describe, expect, it } from 'vitest';
import { CharterError, ENGINE_CODESPACE, ERROR_CODES } from '../../core/errors.js';
import { engineCodeInLog, engineCodeOf, httpStatusOf, isNetworkError, JSONRPC, readApiError, rejected, rpcErrorOf, rpcFailure } from './errors.js';

const fetchFailed = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect'), { code }) });
const cosmjsRpc = (code: number, message: string, data?: string) => new Error(JSON.stringify({ code, message, ...(data !== undefined ? { data } : {}) }));

describe('transport failures', () => {
  it('are known by the errno code anywhere in the cause chain, or the abort/timeout name', () => {
    expect(isNetworkError(fetchFailed('ECONNREFUSED'))).toBe(true);
    expect(isNetworkError(Object.assign(new Error('x'), { cause: fetchFailed('UND_ERR_SOCKET') }))).toBe(true);
    expect(isNetworkError(Object.assign(new Error('The operation timed out'), { name: 'TimeoutError' }))).toBe(true);
    expect(rpcFailure(fetchFailed('ECONNRESET'), 'status').code).toBe('NODE_UNREACHABLE');
  });
  it("are known by fetch()'s TypeError with a cause whatever the cause's code (a TLS failure, a closed socket)", () => {
    expect(
      isNetworkError(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('tls'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }) })),
    ).toBe(true);
    expect(isNetworkError(new TypeError('x is not a function'))).toBe(false);
  });
  it('are not guessed from words: a message naming ECONNREFUSED without the code is a node error', () => {
    expect(isNetworkError(new Error('ECONNREFUSED socket hang up fetch failed'))).toBe(false);
    expect(rpcFailure(new Error('socket hang up ECONNREFUSED'), 'status').code).toBe('NODE_ERROR');
  });
});

describe('JSON-RPC errors', () => {
  it('are read from cosmjs (the message, or the body of a bad HTTP status)', () => {
    expect(rpcErrorOf(cosmjsRpc(JSONRPC.INVALID_PARAMS, 'Invalid params', 'height: x'))).toEqual({
      code: -32602,
      message: 'Invalid params',
      data: 'height: x',
    });
    const bad = new Error('Bad status on response: 500', {
      cause: { status: 500, body: JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error', data: 'd' } }) },
    });
    expect(rpcErrorOf(bad)).toEqual({ code: -32603, message: 'Internal error', data: 'd' });
    expect(httpStatusOf(bad)).toBe(500);
    expect(rpcErrorOf(new Error('{not json'))).toBeNull();
  });
  it('carry the engine code a node wrapped in its data, else NODE_ERROR with the JSON-RPC error', () => {
    const evicted = rpcFailure(
      cosmjsRpc(-32603, 'Internal error', 'tx AB was removed from the mempool on recheck: TX_EXPIRED: expired at 2'),
      'broadcast_tx_commit',
      'AB',
    );
    expect(evicted.code).toBe('TX_EXPIRED');
    const other = rpcFailure(cosmjsRpc(-32603, 'Internal error', 'NOT_FOUND: no such thing'), 'block');
    expect(other.code).toBe('NODE_ERROR'); // NOT_FOUND is not an engine code: the node's words stay words
    expect(other.details).toMatchObject({ rpc: { code: -32603 } });
  });
  it('a timeout is not read from the words "timed out": without the node\'s state it is a node error', () => {
    expect(rpcFailure(cosmjsRpc(-32603, 'Internal error', 'timed out waiting for tx to be included in a block'), 'broadcast_tx_commit').code).toBe(
      'NODE_ERROR',
    );
  });
});

describe('engine rejections', () => {
  it('by ABCI code in the engine codespace', () => {
    expect(engineCodeOf({ code: ERROR_CODES.INSUFFICIENT_BALANCE.abci, codespace: ENGINE_CODESPACE, log: 'whatever' })).toBe('INSUFFICIENT_BALANCE');
    expect(engineCodeOf({ code: 0, codespace: ENGINE_CODESPACE })).toBeNull();
  });
  it('else by the code the log starts with, checked against the table', () => {
    expect(engineCodeOf({ code: 99, codespace: 'other', log: 'BAD_NONCE: expected 3' })).toBe('BAD_NONCE');
    expect(engineCodeOf({ code: 99, codespace: 'other', log: 'NOT_A_CODE: x' })).toBeNull();
    expect(engineCodeInLog('a: b: KEY_EXISTS: c')).toBe('KEY_EXISTS');
    expect(engineCodeInLog('a: NODE_ERROR: c')).toBeNull(); // not an engine code
  });
  it('rejected() keeps the code, the message without its code, and the details', () => {
    const e = rejected({ code: ERROR_CODES.BAD_NONCE.abci, codespace: ENGINE_CODESPACE, log: 'BAD_NONCE: expected nonce 3' }, 'H', 7);
    expect(e).toBeInstanceOf(CharterError);
    expect(e.code).toBe('BAD_NONCE');
    expect(e.message).toBe('expected nonce 3');
    expect(e.details).toEqual({ abci_code: 7, codespace: 'custody', log: 'BAD_NONCE: expected nonce 3', hash: 'H', height: 7 });
    expect(rejected({ code: 1234, codespace: 'x', log: '' }, 'H').code).toBe('NODE_ERROR');
  });
});

describe('read-API answers', () => {
  it('by the body code the console passes on, then the HTTP status', () => {
    expect(readApiError(404, { code: 'NOT_IN_STATE', message: 'm' }, '/p').code).toBe('NOT_IN_STATE');
    expect(readApiError(409, { code: 'CHECKPOINT_MISMATCH', message: 'm' }, '/p').code).toBe('CHECKPOINT_MISMATCH');
    expect(readApiError(404, { code: 'NOT_FOUND', message: 'no block' }, '/p')).toMatchObject({ code: 'NOT_FOUND', message: 'no block' });
    expect(readApiError(400, {}, '/p')).toMatchObject({ code: 'INVALID_INPUT', message: 'HTTP 400' });
    expect(readApiError(500, { code: 'INTERNAL', message: 'x' }, '/p').code).toBe('NODE_ERROR');
    expect(readApiError(403, { code: 'UNKNOWN_CODE_NAME' }, '/p').code).toBe('NODE_ERROR');
  });
});

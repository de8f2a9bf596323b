/** A JSON-RPC 2.0 error as CometBFT sends it: {code, message, data}. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  static parse(data: string): RpcError {
    return new RpcError(-32700, 'Parse error', data);
  }
  static invalidRequest(data: string): RpcError {
    return new RpcError(-32600, 'Invalid Request', data);
  }
  static methodNotFound(method: string): RpcError {
    return new RpcError(-32601, 'Method not found', `method ${JSON.stringify(method.slice(0, 64))} is not supported by this node`);
  }
  static invalidParams(data: string): RpcError {
    return new RpcError(-32602, 'Invalid params', data);
  }
  static internal(data: string): RpcError {
    return new RpcError(-32603, 'Internal error', data);
  }
}

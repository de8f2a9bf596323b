/**
 * The devnet's RPC server was split (main/node-rpc/): transport.ts (HTTP, loopback Host and Origin checks),
 * jsonrpc.ts (JSON-RPC 2.0 framing), comet-routes.ts (the CometBFT route table), read-api.ts (the
 * application's read API). Re-exported here for existing callers.
 */
export { parseQuery } from '../node-rpc/comet-routes.js';

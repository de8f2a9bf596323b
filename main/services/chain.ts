/**
 * The custody chain's connection moved to the node registry
 * (main/nodes/custody-cometbft/connection.ts); this name stays for callers
 * that import it from here.
 */
export { CustodyConnection as ChainConnection } from '../nodes/custody-cometbft/connection.js';

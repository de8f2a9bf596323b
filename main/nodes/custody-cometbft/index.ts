/** The custody chain over CometBFT as a node kind: its adapter. */
import type { NodeAdapter } from '../types.js';
import { CustodyConnection } from './connection.js';

export { CustodyConnection } from './connection.js';

export const custodyCometbftAdapter: NodeAdapter<'custody-cometbft'> = {
  kind: 'custody-cometbft',
  open: (entry, ctx) => new CustodyConnection(entry, ctx.bus, ctx.out),
};

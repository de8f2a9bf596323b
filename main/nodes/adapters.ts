/**
 * The node kinds this console speaks: one adapter per kind. Adding a kind is
 * one line here (and its folder main/nodes/<kind>/, and its entry in
 * NodeConnectionByKind in types.ts).
 */
import type { NodeAdapter, NodeKind } from './types.js';
import { custodyCometbftAdapter } from './custody-cometbft/index.js';

export const NODE_ADAPTERS: { readonly [K in NodeKind]: NodeAdapter<K> } = {
  'custody-cometbft': custodyCometbftAdapter,
};

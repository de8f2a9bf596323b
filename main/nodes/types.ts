/**
 * Named node connections. A node entry says which node (an id the console
 * and its events use), of which kind (what protocol the console speaks to it)
 * and where; an adapter per kind opens a connection for an entry. The custody
 * chain over CometBFT is the one kind today; another chain (an EVM node) is
 * one more kind: a folder main/nodes/<kind>/ with its adapter, one line in
 * main/nodes/adapters.ts and one entry in NodeConnectionByKind.
 */
import type { NodeConnection, NodeContext, NodeEntry as BaseNodeEntry } from './connection.js';
import type { CustodyConnection } from './custody-cometbft/connection.js';

/** The kinds of node the console connects to, each with the connection type its adapter opens. */
export interface NodeConnectionByKind {
  /** The custody application's chain: CometBFT JSON-RPC plus the application's read API. */
  'custody-cometbft': CustodyConnection;
}

export type NodeKind = keyof NodeConnectionByKind;

/** One named connection of the registry, of a known kind. */
export type NodeEntry<K extends NodeKind = NodeKind> = BaseNodeEntry<K>;
export type { NodeConnection, NodeContext };

/** Opens connections of one kind. */
export interface NodeAdapter<K extends NodeKind = NodeKind> {
  readonly kind: K;
  open(entry: NodeEntry<K>, ctx: NodeContext): NodeConnectionByKind[K] & NodeConnection;
}

/** What a custody service needs of the registry: the custody chain's connection. */
export interface CustodyNodes {
  /** The custody chain's connection; NOT_AVAILABLE if none is registered. */
  custody(): NodeConnectionByKind['custody-cometbft'];
}

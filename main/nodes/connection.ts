/**
 * What every node connection is, whatever its kind: the entry that names it,
 * and what the registry asks of it. Kind-specific connections
 * (main/nodes/<kind>/) build on these; main/nodes/types.ts maps the kinds.
 */
import type { NodeStatus } from '../../core/contract/index.js';
import type { EventBus, OutputLog } from '../services/bus.js';

/** One named connection of the registry. */
export interface NodeEntry<K extends string = string> {
  /** Unique within the console, e.g. "devnet" (the embedded devnet) or "node" (--node URL). */
  id: string;
  kind: K;
  /** Where the node answers (its RPC address for a CometBFT node). */
  url: string;
  /** Where its application's read API answers, when not at `url` (a `charter abci --api` node on a CometBFT network). */
  apiUrl?: string;
  /** The console started this node itself (the embedded devnet). */
  embedded: boolean;
}

/** What every connection offers the registry, whatever its kind. */
export interface NodeConnection {
  readonly entry: NodeEntry;
  /** The connection state as node.status shows it. */
  status(): NodeStatus;
  /** Begin watching the node (polls, subscriptions), emitting events carrying the entry's id. */
  start(): void;
  close(): Promise<void>;
}

/** What an adapter gets to open a connection. */
export interface NodeContext {
  bus: EventBus;
  out: OutputLog;
}

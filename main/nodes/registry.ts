/**
 * The node registry: the console's named connections, each of a kind, opened
 * by that kind's adapter. Services ask it for the connection they need (the
 * custody chain's today) instead of holding one connection of their own.
 *
 * Errors: INVALID_INPUT for an entry with an id already taken, an empty id or
 * a kind without an adapter; NOT_FOUND for an id not registered;
 * NOT_AVAILABLE when no node of the asked kind is registered.
 */
import { CharterError } from '../../core/errors.js';
import type { CustodyNodes, NodeAdapter, NodeConnection, NodeConnectionByKind, NodeContext, NodeEntry, NodeKind } from './types.js';

type Adapters = { readonly [K in NodeKind]?: NodeAdapter<K> };

export class NodeRegistry implements CustodyNodes {
  private readonly byId = new Map<string, NodeConnection>();

  constructor(
    private readonly ctx: NodeContext,
    private readonly adapters: Adapters,
  ) {}

  /** Register an entry and open its connection (not started: call start() on it, or startAll()). */
  add<K extends NodeKind>(entry: NodeEntry<K>): NodeConnectionByKind[K] {
    if (!entry.id) throw new CharterError('INVALID_INPUT', 'a node needs an id');
    if (this.byId.has(entry.id)) throw new CharterError('INVALID_INPUT', `a node named "${entry.id}" is already registered`);
    const adapter = this.adapters[entry.kind] as NodeAdapter<K> | undefined;
    if (!adapter) throw new CharterError('INVALID_INPUT', `no adapter for nodes of kind "${entry.kind}"`);
    const conn = adapter.open(entry, this.ctx);
    this.byId.set(entry.id, conn);
    return conn;
  }

  /** Every registered entry, in registration order. */
  list(): NodeEntry[] {
    // Every connection was opened by add() from an entry of a known kind.
    return [...this.byId.values()].map((c) => ({ ...c.entry }) as NodeEntry);
  }

  /** The connection named `id`; NOT_FOUND if none. */
  get(id: string): NodeConnection {
    const c = this.byId.get(id);
    if (!c) throw new CharterError('NOT_FOUND', `no node named "${id}" is registered`);
    return c;
  }

  /** The first registered connection of `kind`; NOT_AVAILABLE if none. */
  ofKind<K extends NodeKind>(kind: K): NodeConnectionByKind[K] {
    for (const c of this.byId.values()) if (c.entry.kind === kind) return c as unknown as NodeConnectionByKind[K];
    throw new CharterError('NOT_AVAILABLE', `no ${kind} node is registered in this console`);
  }

  custody(): NodeConnectionByKind['custody-cometbft'] {
    return this.ofKind('custody-cometbft');
  }

  startAll(): void {
    for (const c of this.byId.values()) c.start();
  }

  async close(): Promise<void> {
    for (const c of [...this.byId.values()].reverse()) await c.close();
  }
}

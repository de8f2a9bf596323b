/**
 * The console's connection to a custody node over CometBFT: a CustodyClient
 * (CometBFT JSON-RPC over its real socket, and the application's read API),
 * a status poll that turns new heights into `chain.block` / `custody.changed`
 * events, and connection-state events.
 */
import { CharterError } from '../../../core/errors.js';
import type { NodeStatus } from '../../../core/contract/index.js';
import { CustodyClient } from '../../chain/custody-client.js';
import type { EventBus, OutputLog } from '../../services/bus.js';
import type { NodeConnection, NodeEntry } from '../connection.js';

export class CustodyConnection implements NodeConnection {
  private client: CustodyClient | null = null;
  private connecting: Promise<CustodyClient> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastHeight = 0;
  private closed = false;
  private state: NodeStatus;

  constructor(
    readonly entry: NodeEntry<'custody-cometbft'>,
    private readonly bus: EventBus,
    private readonly out: OutputLog,
    private readonly pollMs = 500,
  ) {
    this.state = {
      connection: 'connecting',
      rpcUrl: entry.url,
      embedded: entry.embedded,
      chainId: null,
      height: null,
      lastBlockTime: null,
      appHash: null,
      error: null,
    };
  }

  get rpcUrl(): string {
    return this.entry.url;
  }

  get embedded(): boolean {
    return this.entry.embedded;
  }

  status(): NodeStatus {
    return { ...this.state };
  }

  private setState(patch: Partial<NodeStatus>): void {
    const before = this.state.connection;
    this.state = { ...this.state, ...patch };
    if (before !== this.state.connection) {
      this.out.write(
        this.state.connection === 'disconnected' ? 'warn' : 'info',
        'node',
        `${this.state.connection} ${this.rpcUrl}${this.state.error ? ` (${this.state.error})` : ''}`,
      );
    }
    this.bus.emit('node.connection', { ...this.status(), node: this.entry.id });
  }

  /** The client, connecting on first use. Throws NODE_UNREACHABLE. */
  async get(): Promise<CustodyClient> {
    if (this.client) return this.client;
    if (!this.connecting) {
      this.connecting = CustodyClient.connect(this.rpcUrl, this.entry.apiUrl !== undefined ? { readApiUrl: this.entry.apiUrl } : {})
        .then((c) => {
          this.client = c;
          return c;
        })
        .finally(() => {
          this.connecting = null;
        });
    }
    return this.connecting;
  }

  start(): void {
    const tick = async (): Promise<void> => {
      if (this.closed) return;
      try {
        const c = await this.get();
        const s = await c.status();
        const changed = s.height !== this.lastHeight;
        this.setState({ connection: 'connected', chainId: s.chainId, height: s.height, lastBlockTime: s.time, appHash: s.appHash, error: null });
        if (changed && s.height > 0) {
          const from = Math.max(this.lastHeight + 1, s.height - 20, 1);
          const blocks = await c.latestBlocks(s.height - from + 1).catch(() => []);
          for (const b of [...blocks].sort((a, z) => a.height - z.height)) {
            if (b.height <= this.lastHeight) continue;
            this.bus.emit('chain.block', { ...b, node: this.entry.id });
            if (b.numTxs > 0) this.bus.emit('custody.changed', { height: b.height, node: this.entry.id });
          }
          this.lastHeight = s.height;
        }
      } catch (e) {
        const msg = e instanceof CharterError ? e.message : (e as Error).message;
        this.client = null;
        if (this.state.connection !== 'disconnected' || this.state.error !== msg) this.setState({ connection: 'disconnected', error: msg });
      } finally {
        if (!this.closed) this.timer = setTimeout(() => void tick(), this.pollMs);
      }
    };
    void tick();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.client?.disconnect();
    this.client = null;
  }
}

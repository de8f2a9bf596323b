/**
 * The devnet mempool: transactions admitted by checkTx, in arrival order
 * (FIFO), bounded in count and bytes, deduplicated by hash.
 */
export interface MempoolEntry {
  hash: string;
  bytes: Uint8Array;
}

export class Mempool {
  private readonly entries = new Map<string, Uint8Array>();
  private bytesTotal = 0;

  constructor(
    readonly maxTxs: number,
    readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }
  get totalBytes(): number {
    return this.bytesTotal;
  }
  has(hash: string): boolean {
    return this.entries.has(hash);
  }
  /** Why a transaction of this size cannot be added now, or null if it can. */
  fullReason(txBytes: number): string | null {
    if (this.entries.size >= this.maxTxs || this.bytesTotal + txBytes > this.maxBytes) {
      return `mempool is full: number of txs ${this.entries.size} (max: ${this.maxTxs}), total txs bytes ${this.bytesTotal} (max: ${this.maxBytes})`;
    }
    return null;
  }
  add(hash: string, bytes: Uint8Array): void {
    if (this.entries.has(hash)) return;
    this.entries.set(hash, bytes);
    this.bytesTotal += bytes.length;
  }
  /** Removes and returns up to n entries from the front. */
  take(n: number): MempoolEntry[] {
    const out: MempoolEntry[] = [];
    for (const [hash, bytes] of this.entries) {
      if (out.length >= n) break;
      out.push({ hash, bytes });
    }
    for (const e of out) this.remove(e.hash);
    return out;
  }
  remove(hash: string): void {
    const b = this.entries.get(hash);
    if (b === undefined) return;
    this.entries.delete(hash);
    this.bytesTotal -= b.length;
  }
  /** All entries in order, without removing them. */
  list(limit = Infinity): MempoolEntry[] {
    const out: MempoolEntry[] = [];
    for (const [hash, bytes] of this.entries) {
      if (out.length >= limit) break;
      out.push({ hash, bytes });
    }
    return out;
  }
  clear(): void {
    this.entries.clear();
    this.bytesTotal = 0;
  }
}

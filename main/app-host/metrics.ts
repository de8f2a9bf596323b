/**
 * Engine metrics of one devnet node, in their own prom-client Registry (never
 * the global one, so two nodes in one process never mix their figures).
 * Served as Prometheus text on GET /metrics/engine.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ENGINE_ERROR_BY_ABCI } from '../../core/errors.js';

export interface MetricsSource {
  height(): number;
  mempoolSize(): number;
  mempoolBytes(): number;
}

/** Stable label for an ABCI result code: "OK", the engine error code, or "ABCI_<n>". */
export function codeLabel(code: number, codespace: string): string {
  if (code === 0) return 'OK';
  const name = codespace === 'custody' ? ENGINE_ERROR_BY_ABCI.get(code) : undefined;
  return name ?? `ABCI_${codespace || 'none'}_${code}`;
}

export class EngineMetrics {
  readonly registry = new Registry();
  private readonly txs: Counter<'result' | 'code'>;
  private readonly checkRejected: Counter<'code'>;
  private readonly interval: Histogram;
  private readonly blockTxs: Histogram;
  private readonly commitSeconds: Histogram;
  private readonly lastBlockTime: Gauge;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    new Gauge({
      name: 'charter_engine_height',
      help: 'Height of the last committed block.',
      registers,
      collect() {
        this.set(source.height());
      },
    });
    new Gauge({
      name: 'charter_engine_mempool_size',
      help: 'Transactions waiting in the mempool.',
      registers,
      collect() {
        this.set(source.mempoolSize());
      },
    });
    new Gauge({
      name: 'charter_engine_mempool_bytes',
      help: 'Bytes of the transactions waiting in the mempool.',
      registers,
      collect() {
        this.set(source.mempoolBytes());
      },
    });
    this.txs = new Counter({
      name: 'charter_engine_txs_total',
      help: 'Transactions executed in blocks, by result and stable code.',
      labelNames: ['result', 'code'] as const,
      registers,
    });
    this.checkRejected = new Counter({
      name: 'charter_engine_checktx_rejected_total',
      help: 'Transactions refused at mempool admission (never included in a block), by stable code.',
      labelNames: ['code'] as const,
      registers,
    });
    this.interval = new Histogram({
      name: 'charter_engine_block_interval_seconds',
      help: 'Time between the block times of consecutive blocks.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    });
    this.blockTxs = new Histogram({
      name: 'charter_engine_block_txs',
      help: 'Transactions per block.',
      buckets: [0, 1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    });
    this.commitSeconds = new Histogram({
      name: 'charter_engine_block_commit_seconds',
      help: 'Wall time to execute a block and write it durably.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.lastBlockTime = new Gauge({
      name: 'charter_engine_last_block_time_seconds',
      help: 'Block time of the last committed block (Unix seconds).',
      registers,
    });
  }

  /** Starts the tx counters from what the chain already holds (after a restart). */
  seed(counts: { code: number; codespace: string; n: number }[], lastBlockTimeMs: number | null): void {
    for (const c of counts) {
      this.txs.inc({ result: c.code === 0 ? 'ok' : 'rejected', code: codeLabel(c.code, c.codespace) }, c.n);
    }
    if (lastBlockTimeMs !== null) this.lastBlockTime.set(lastBlockTimeMs / 1000);
  }

  recordBlock(b: { timeMs: number; prevTimeMs: number | null; results: { code: number; codespace: string }[]; commitSeconds: number }): void {
    for (const r of b.results) this.txs.inc({ result: r.code === 0 ? 'ok' : 'rejected', code: codeLabel(r.code, r.codespace) });
    if (b.prevTimeMs !== null) this.interval.observe((b.timeMs - b.prevTimeMs) / 1000);
    this.blockTxs.observe(b.results.length);
    this.commitSeconds.observe(b.commitSeconds);
    this.lastBlockTime.set(b.timeMs / 1000);
  }

  recordCheckRejected(code: number, codespace: string): void {
    this.checkRejected.inc({ code: codeLabel(code, codespace) });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
  get contentType(): string {
    return this.registry.contentType;
  }
}

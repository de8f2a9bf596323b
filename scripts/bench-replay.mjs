#!/usr/bin/env node
/**
 * `npm run bench` (second part): the 1,000,000-transaction replay benchmark
 * (main/replay/bench.ts). Too long for vitest bench's repeat-and-average
 * model, so it runs once here: esbuild bundles the TypeScript into
 * node_modules/.cache/charter-bench/ (where the generated transactions are
 * cached too) and runs it. Prints figures; asserts no timing.
 *
 * Usage: node scripts/bench-replay.mjs [--txs N]   (default 1000000; also CHARTER_BENCH_TXS)
 * It re-runs itself with --max-semi-space-size=64 (see below); set
 * CHARTER_BENCH_DEFAULT_HEAP=1 to measure with V8's default young generation.
 */
import { cacheDir, importTs } from './import-ts.mjs';

// The replay keeps each block's results, events and changed records alive until
// the block's state root is taken: with V8's default young generation they
// are copied by several scavenges before being promoted. A larger young
// generation (the same setting a replaying node process can use) halves
// the garbage collector's share of apply. Re-run this script with it.
const SEMI_SPACE = '--max-semi-space-size=64';
if (!process.execArgv.some((a) => a.startsWith('--max-semi-space-size')) && !process.env.CHARTER_BENCH_DEFAULT_HEAP) {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [...process.execArgv, SEMI_SPACE, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const i = process.argv.indexOf('--txs');
const total = Number(i > 0 ? process.argv[i + 1] : (process.env.CHARTER_BENCH_TXS ?? 1_000_000));
if (!Number.isInteger(total) || total < 1) {
  console.error('--txs must be a positive integer');
  process.exit(64);
}
const { runBench } = await importTs('main/replay/bench.ts');
await runBench({ total, cacheDir });

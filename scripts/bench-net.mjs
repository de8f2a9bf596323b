#!/usr/bin/env node
/**
 * The network benchmark (main/net/bench-net.ts): custody withdrawals per
 * second and commit latency through a local 4-validator CometBFT network of
 * `charter abci` applications, then the same load on the same kind of
 * network running CometBFT's built-in kvstore, and the throughput ratio.
 * Builds the CLI first (`charter abci` runs from dist/; --no-build skips it).
 * Needs the cometbft binary (main/net/cometbft-binary.ts says where it looks).
 * Prints figures; asserts no timing.
 *
 * $CHARTER_BENCH_CHARTER_BIN names another `charter` entry point for the
 * applications (e.g. a wrapper that profiles them).
 *
 * Usage: node scripts/bench-net.mjs [--duration SECONDS | --txs N] [--warmup SECONDS]
 *          [--lanes N] [--max-pending N] [--block-time 500ms] [--validators 4]
 *          [--base-port PORT (custody; kvstore uses PORT+10)] [--cometbft PATH] [--no-build]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { importTs, root } from './import-ts.mjs';

const argv = process.argv.slice(2);
const arg = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const num = (name, dflt) => {
  const v = arg(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`${name} must be a positive number, got ${v}`);
    process.exit(64);
  }
  return n;
};

if (!argv.includes('--no-build')) {
  const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const { runNetBench, formatNetBench } = await importTs('main/net/bench-net.ts');
const { findCometbftBinary } = await importTs('main/net/cometbft-binary.ts');
const base = num('--base-port', undefined);
const txs = num('--txs', undefined);
const result = await runNetBench({
  cometbft: findCometbftBinary(arg('--cometbft')),
  charterBin: process.env.CHARTER_BENCH_CHARTER_BIN ?? path.join(root, 'bin', 'charter.js'),
  validators: num('--validators', 4),
  durationMs: num('--duration', 30) * 1000,
  ...(txs !== undefined ? { txs: Math.floor(txs) } : {}),
  warmupMs: num('--warmup', 5) * 1000,
  lanes: Math.floor(num('--lanes', 64)),
  maxPending: Math.floor(num('--max-pending', 2000)),
  blockTime: arg('--block-time') ?? '500ms',
  ...(base !== undefined ? { custodyBasePort: base, kvstoreBasePort: base + 10 } : {}),
});
console.log('');
console.log(formatNetBench(result));

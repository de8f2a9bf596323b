#!/usr/bin/env node
/**
 * The application host's storage benchmark (main/app-host/bench-host.ts):
 * per-block commit time and bytes written, snapshot size and time, restart
 * time and historical proof latency, at each state size given. Bundled with
 * esbuild (scripts/import-ts.mjs). Prints figures; asserts no timing.
 *
 * Usage: node scripts/bench-host.mjs [--txs 10000,100000] [--snapshot-every N]
 */
import { importTs } from './import-ts.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const sizes = String(arg('--txs', '10000,100000')).split(',').map(Number);
const every = arg('--snapshot-every', undefined);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error('--txs must be positive integers, comma-separated');
  process.exit(64);
}
const { runHostBench } = await importTs('main/app-host/bench-host.ts');
for (const txs of sizes) runHostBench({ txs, ...(every !== undefined ? { snapshotEvery: Number(every) } : {}) });

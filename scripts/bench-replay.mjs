#!/usr/bin/env node
/**
 * `npm run bench` (second part): the 1,000,000-transaction replay benchmark
 * (main/replay/bench.ts). Too long for vitest bench's repeat-and-average
 * model, so it runs once here: esbuild bundles the TypeScript into
 * node_modules/.cache/charter-bench/ (where the generated transactions are
 * cached too) and runs it. Prints figures; asserts no timing.
 *
 * Usage: node scripts/bench-replay.mjs [--txs N]   (default 1000000; also CHARTER_BENCH_TXS)
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'charter-bench');
const i = process.argv.indexOf('--txs');
const total = Number(i > 0 ? process.argv[i + 1] : (process.env.CHARTER_BENCH_TXS ?? 1_000_000));
if (!Number.isInteger(total) || total < 1) {
  console.error('--txs must be a positive integer');
  process.exit(64);
}
const outfile = path.join(cacheDir, 'bench-replay.mjs');
await esbuild.build({
  entryPoints: [path.join(root, 'main/replay/bench.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile,
  logLevel: 'warning',
  // Resolve bare imports (zod, canonicalize, @noble/*) from the project.
  nodePaths: [path.join(root, 'node_modules')],
});
const { runBench } = await import(pathToFileURL(outfile).href);
await runBench({ total, cacheDir });

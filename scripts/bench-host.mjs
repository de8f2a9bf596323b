#!/usr/bin/env node
/**
 * The application host's storage benchmark (main/app-host/bench-host.ts):
 * per-block commit time and bytes written, snapshot size and time, restart
 * time and historical proof latency, at each state size given. Bundled with
 * esbuild like scripts/bench-replay.mjs. Prints figures; asserts no timing.
 *
 * Usage: node scripts/bench-host.mjs [--txs 10000,100000] [--snapshot-every N]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
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
const cacheDir = path.join(root, 'node_modules', '.cache', 'charter-bench');
const outfile = path.join(cacheDir, `bench-host-${process.pid}.mjs`);
await esbuild.build({
  entryPoints: [path.join(root, 'main/app-host/bench-host.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile,
  logLevel: 'warning',
  nodePaths: [path.join(root, 'node_modules')],
});
const { runHostBench } = await import(pathToFileURL(outfile).href);
fs.rmSync(outfile, { force: true });
for (const txs of sizes) runHostBench({ txs, ...(every !== undefined ? { snapshotEvery: Number(every) } : {}) });

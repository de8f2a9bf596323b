/**
 * Bundle a TypeScript entry point of the project with esbuild and import it:
 * what the benchmark scripts run (too long for vitest bench). The bundle goes
 * under node_modules/.cache/charter-bench/, named per process (that directory
 * is shared by every checkout that links these node_modules), and is removed
 * once imported. Bare imports resolve from the project's node_modules.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = path.join(root, 'node_modules', '.cache', 'charter-bench');

/** The module at `entry` (relative to the project root), bundled and imported. */
export async function importTs(entry) {
  fs.mkdirSync(cacheDir, { recursive: true });
  const outfile = path.join(cacheDir, `${path.basename(entry, '.ts')}-${process.pid}.mjs`);
  await esbuild.build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'warning',
    nodePaths: [path.join(root, 'node_modules')],
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    fs.rmSync(outfile, { force: true });
  }
}

/**
 * A child-process script for the crash tests: TypeScript source (imports
 * relative to the repository root) bundled by esbuild into one CommonJS file
 * that plain `node` runs, better-sqlite3 left external.
 */
import { resolve } from 'node:path';
import { build } from 'esbuild';

const repo = resolve(import.meta.dirname, '../..');

export async function bundleChild(contents: string, outfile: string): Promise<void> {
  await build({
    stdin: { contents, resolveDir: repo, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    outfile,
    logLevel: 'error',
  });
}

#!/usr/bin/env node
/**
 * `npm run contract:docs`: regenerate the codes table of docs/contract/errors.md
 * from core/errors.ts (the source of truth). Only the table between the
 * <!-- codes:begin --> and <!-- codes:end --> markers is rewritten.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = await esbuild.build({
  entryPoints: [path.join(root, 'core/errors.ts')],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  write: false,
  logLevel: 'silent',
});
const mod = await import(`data:text/javascript;base64,${Buffer.from(built.outputFiles[0].text).toString('base64')}`);
const cell = (s) => String(s).replace(/\|/g, '\\|');
const rows = Object.entries(mod.ERROR_CODES).map(([code, i]) => `| \`${code}\` | ${i.abci ?? ''} | ${cell(i.summary)} | ${cell(i.hint)} |`);
const table = ['| code | ABCI | what happened | what to do |', '|---|---|---|---|', ...rows].join('\n');

const file = path.join(root, 'docs/contract/errors.md');
const doc = readFileSync(file, 'utf8');
const begin = '<!-- codes:begin -->';
const end = '<!-- codes:end -->';
const i = doc.indexOf(begin);
const j = doc.indexOf(end);
if (i < 0 || j < i) throw new Error(`${file} lacks the ${begin} … ${end} markers`);
writeFileSync(file, `${doc.slice(0, i + begin.length)}\n${table}\n${doc.slice(j)}`);
console.log(`docs/contract/errors.md: ${rows.length} codes`);

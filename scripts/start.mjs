#!/usr/bin/env node
/**
 * `npm start`: open Charter Console.
 *
 * 1. Build (scripts/build.mjs) if dist/ is missing, failed last time, or older
 *    than any source file.
 * 2. If the Electron runtime is usable — `require('electron')` returns the
 *    binary's path and that file exists — make sure better-sqlite3 has an
 *    Electron build (scripts/electron-native.mjs, once per Electron version)
 *    and run Electron on dist/main/electron/main.js.
 * 3. Otherwise say plainly why, and run the served console instead
 *    (`node bin/charter.js serve`, which prints the URL with its token).
 *
 * Arguments after `npm start --` go to the console (e.g. `--workspace DIR`).
 * `--serve` forces the served console even where Electron is installed.
 * SIGINT/SIGTERM/SIGHUP are forwarded to the child (once); its exit code is ours.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureElectronSqlite } from './electron-native.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

let args = process.argv.slice(2);
const forceServe = args.includes('--serve');
args = args.filter((a) => a !== '--serve');

const SOURCE_DIRS = ['main', 'core', 'base', 'hsm', 'preload', 'renderer'];
const SOURCE_FILES = ['package.json', 'scripts/build.mjs'];
const BUILD_INFO = 'dist/.build-info.json';
const OUTPUTS = ['dist/main/cli/index.js', 'dist/main/electron/main.js', 'dist/preload/index.cjs', 'dist/renderer/index.html'];

function newestMtime(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.isFile()) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Why dist/ needs a build, or null if it is up to date. */
function staleReason() {
  if (!existsSync(BUILD_INFO)) return 'dist/ has not been built';
  let info;
  try {
    info = JSON.parse(readFileSync(BUILD_INFO, 'utf8'));
  } catch {
    return 'dist/.build-info.json is unreadable';
  }
  if (Array.isArray(info.failed) && info.failed.length > 0) return `the last build failed (${info.failed.join(', ')})`;
  const missing = OUTPUTS.filter((o) => !existsSync(o));
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  const builtAt = statSync(BUILD_INFO).mtimeMs;
  const newest = Math.max(...SOURCE_DIRS.map((d) => newestMtime(d)), ...SOURCE_FILES.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
  if (newest > builtAt) return 'sources changed since the last build';
  return null;
}

/** { ok: true, path } or { ok: false, reason } — never throws. */
function findElectron() {
  const require = createRequire(import.meta.url);
  let binary;
  try {
    binary = require('electron');
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes("'electron'")) {
      return {
        ok: false,
        reason:
          'the electron package is not installed (it is an optional dependency; its install step downloads the runtime and may have been skipped or failed)',
      };
    }
    return { ok: false, reason: `the Electron runtime binary is not installed (${String(err && err.message ? err.message : err).split('\n')[0]})` };
  }
  if (typeof binary !== 'string') return { ok: false, reason: 'require("electron") did not return a binary path (are we running inside Electron already?)' };
  if (!existsSync(binary))
    return { ok: false, reason: `the Electron runtime binary is missing at ${binary} (its download did not complete; see docs/electron.md)` };
  return { ok: true, path: binary };
}

function run(command, commandArgs, env) {
  // The child gets its own process group, so a Ctrl+C in the terminal reaches
  // only us and the child receives exactly one forwarded SIGINT (a second one
  // would cut its graceful shutdown short).
  const child = spawn(command, commandArgs, { stdio: 'inherit', env, detached: process.platform !== 'win32' });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => forward(signal));
  process.on('exit', () => forward('SIGTERM'));
  child.on('error', (err) => {
    console.error(`start: could not run ${command}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal === 'SIGINT' ? 130 : signal ? 1 : 0));
  });
}

const reason = staleReason();
if (reason) {
  console.log(`start: building (${reason})…`);
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('start: the build failed; fix the errors above and run `npm start` again.');
    process.exit(r.status ?? 1);
  }
}

let electron = forceServe ? { ok: false, reason: '--serve was given' } : findElectron();
if (electron.ok) {
  // better-sqlite3 is built for the system Node; the window needs an Electron build beside it.
  try {
    ensureElectronSqlite();
  } catch (err) {
    electron = { ok: false, reason: `better-sqlite3 could not be prepared for Electron: ${err instanceof Error ? err.message : String(err)}` };
  }
}
if (electron.ok) {
  console.log(`start: opening the Electron console (${electron.path})`);
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  run(electron.path, ['dist/main/electron/main.js', ...args], env);
} else {
  console.log(`start: not opening the Electron window: ${electron.reason}.`);
  console.log('start: running the served console instead; open the URL below in a browser.');
  run(process.execPath, ['bin/charter.js', 'serve', ...args], process.env);
}

#!/usr/bin/env node
/**
 * An Electron-ABI build of better-sqlite3's native addon, kept BESIDE the
 * system-Node build instead of replacing it.
 *
 * Why: `npm install` builds better-sqlite3 for the system Node (the CLI,
 * `charter serve` and the tests need that). Electron embeds a Node with another
 * ABI, so the same addon does not load in the Electron window. The classic fix,
 * `electron-builder install-app-deps`, rebuilds it in place and breaks the
 * Node side. Instead this script puts an Electron build at
 *
 *   node_modules/.cache/charter-electron/better-sqlite3-<v>-electron-<v>-<platform>-<arch>/better_sqlite3.node
 *
 * and the Electron shell (main/electron/native.ts, same path) exports it as
 * CHARTER_SQLITE_BINDING, which the workspace and devnet stores pass to
 * better-sqlite3 as `nativeBinding`. Packaged apps do not need this:
 * electron-builder rebuilds native modules for Electron (`npmRebuild: true`).
 *
 * How: in a temporary copy of the better-sqlite3 package, first
 * `prebuild-install --runtime electron` (downloads the project's prebuilt
 * binary from GitHub releases), else `node-gyp rebuild` against Electron's
 * headers (needs a C++ toolchain and Python). Both need the network that the
 * Electron download itself needed.
 *
 * Usage: node scripts/electron-native.mjs     (prints the binding's path)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function versionOf(pkgDir) {
  return JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
}

/** Where the Electron build lives (must match main/electron/native.ts). */
export function electronSqlitePath({ electronVersion, platform = process.platform, arch = process.arch }) {
  const sqliteVersion = versionOf(path.join(root, 'node_modules', 'better-sqlite3'));
  return path.join(
    root,
    'node_modules',
    '.cache',
    'charter-electron',
    `better-sqlite3-${sqliteVersion}-electron-${electronVersion}-${platform}-${arch}`,
    'better_sqlite3.node',
  );
}

export function installedElectronVersion() {
  const pkg = path.join(root, 'node_modules', 'electron');
  return existsSync(path.join(pkg, 'package.json')) ? versionOf(pkg) : null;
}

/**
 * Make sure the Electron build of the addon exists; returns its path.
 * Throws with what went wrong and what to do.
 */
export function ensureElectronSqlite({ electronVersion = installedElectronVersion(), log = (m) => console.log(m) } = {}) {
  if (!electronVersion) throw new Error('the electron package is not installed');
  const target = electronSqlitePath({ electronVersion });
  if (existsSync(target)) return target;

  log(`electron-native: preparing better-sqlite3 for Electron ${electronVersion} (${process.platform}-${process.arch}); once only…`);
  const src = path.join(root, 'node_modules', 'better-sqlite3');
  const work = mkdtempSync(path.join(os.tmpdir(), 'charter-electron-native-'));
  const copy = path.join(work, 'better-sqlite3');
  try {
    cpSync(src, copy, { recursive: true, filter: (p) => !p.startsWith(path.join(src, 'build')) });
    const built = path.join(copy, 'build', 'Release', 'better_sqlite3.node');
    const common = { cwd: copy, stdio: 'inherit', env: { ...process.env, npm_config_runtime: 'electron', npm_config_target: electronVersion } };

    const prebuild = path.join(root, 'node_modules', 'prebuild-install', 'bin.js');
    let r = spawnSync(
      process.execPath,
      [prebuild, '--runtime', 'electron', '--target', electronVersion, '--arch', process.arch, '--platform', process.platform, '--verbose'],
      common,
    );
    if (r.status !== 0 || !existsSync(built)) {
      log('electron-native: no prebuilt binary; building from source with node-gyp…');
      const gyp = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
      r = spawnSync(
        process.execPath,
        [gyp, 'rebuild', '--release', `--target=${electronVersion}`, `--arch=${process.arch}`, '--dist-url=https://electronjs.org/headers'],
        common,
      );
    }
    if (r.status !== 0 || !existsSync(built)) {
      throw new Error(
        `could not obtain better-sqlite3 for Electron ${electronVersion} (prebuilt download and source build both failed). ` +
          'Check the network and a C++ toolchain, then run `node scripts/electron-native.mjs` again.',
      );
    }
    mkdirSync(path.dirname(target), { recursive: true });
    const tmpTarget = `${target}.${process.pid}.tmp`;
    cpSync(built, tmpTarget);
    renameSync(tmpTarget, target);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    console.log(ensureElectronSqlite());
  } catch (err) {
    console.error(`electron-native: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

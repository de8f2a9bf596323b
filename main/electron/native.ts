/**
 * Native addons under Electron in development (see scripts/electron-native.mjs).
 *
 * node_modules/better-sqlite3 is built for the system Node. When the shell
 * runs from a source checkout (not packaged), it points better-sqlite3 at the
 * Electron-ABI build that scripts/electron-native.mjs keeps in
 * node_modules/.cache/charter-electron/, through CHARTER_SQLITE_BINDING, which
 * the stores pass to better-sqlite3 as `nativeBinding`. Packaged apps are
 * rebuilt for Electron by electron-builder and need none of this.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Must match electronSqlitePath() in scripts/electron-native.mjs. */
export function electronSqlitePath(root: string, electronVersion: string, platform: string = process.platform, arch: string = process.arch): string | null {
  let sqliteVersion: string;
  try {
    sqliteVersion = (JSON.parse(readFileSync(path.join(root, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
  return path.join(
    root,
    'node_modules',
    '.cache',
    'charter-electron',
    `better-sqlite3-${sqliteVersion}-electron-${electronVersion}-${platform}-${arch}`,
    'better_sqlite3.node',
  );
}

/**
 * In a source checkout, set CHARTER_SQLITE_BINDING to the Electron build when
 * it exists and nothing else set it. Returns a line for the log, or null.
 */
export function useElectronSqlite(root: string, env: Record<string, string | undefined> = process.env): string | null {
  if (env.CHARTER_SQLITE_BINDING) return `better-sqlite3 binding from CHARTER_SQLITE_BINDING: ${env.CHARTER_SQLITE_BINDING}`;
  const electron = process.versions.electron;
  if (!electron) return null;
  const file = electronSqlitePath(root, electron);
  if (file && existsSync(file)) {
    env.CHARTER_SQLITE_BINDING = file;
    return `better-sqlite3 binding for Electron ${electron}: ${file}`;
  }
  return `no Electron build of better-sqlite3 at ${file ?? 'node_modules/.cache/charter-electron'}; if opening the workspace fails with a NODE_MODULE_VERSION error, run \`node scripts/electron-native.mjs\``;
}

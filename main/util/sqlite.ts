/**
 * Open a better-sqlite3 database. Under Electron in a source checkout the
 * addon must be the Electron-ABI build (see main/electron/native.ts and
 * docs/electron.md): CHARTER_SQLITE_BINDING names it. Everywhere else the
 * package's own build is used.
 */
import Database from 'better-sqlite3';

export function openSqlite(file: string, options: Database.Options = {}): Database.Database {
  const binding = process.env['CHARTER_SQLITE_BINDING'];
  return new Database(file, binding ? { ...options, nativeBinding: binding } : options);
}

/**
 * The workspace: one directory holding everything the console keeps.
 *
 *   workspace.db   better-sqlite3, WAL, synchronous=FULL, versioned migrations
 *   keystore/      encrypted software keys (one JSON file per key)
 *   artifacts/     content-addressed store (sha256) for evidence: ./artifacts.ts
 *   devnet/        home of the embedded devnet node (its own SQLite file)
 *   logs/          charter.log: internal errors with their stacks, by error id
 *
 * The directory and every directory in it are 0700 and every file 0600,
 * whoever created the directory: an existing one is narrowed when opened.
 *
 * Location: --workspace, else $CHARTER_WORKSPACE, else the OS user-data dir.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { openSqlite } from '../util/sqlite.js';
import envPaths from 'env-paths';
import { CharterError } from '../../core/errors.js';
import { ensurePrivateDir, ensurePrivateFile, tightenDatabaseFiles, tightenMode } from '../../base/node/files.js';
import { MIGRATIONS } from './migrations.js';
import { ArtifactStore } from './artifacts.js';

export function defaultWorkspaceDir(): string {
  return envPaths('charter-console', { suffix: '' }).data;
}

export function resolveWorkspaceDir(explicit?: string | null): string {
  const chosen = explicit || process.env['CHARTER_WORKSPACE'] || defaultWorkspaceDir();
  return path.resolve(chosen);
}

/**
 * Files an older version left 0644 (or a folder made by hand): every directory
 * of the workspace narrowed to 0700 and every file to 0600. The devnet home is
 * left to the node, which may be running in another process, and `config.json`
 * to the operator who writes it.
 */
function narrowTree(root: string, dir = root): void {
  if (process.platform === 'win32') return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (p === path.join(root, 'devnet')) continue;
      tightenMode(p, 0o700);
      narrowTree(root, p);
    } else if (e.isFile()) {
      // The operator's own config.json is theirs to set: narrowing it would turn a file others
      // could write (which the key backends refuse to read) into one that is trusted.
      if (p === path.join(root, OPERATOR_CONFIG_FILE)) continue;
      tightenMode(p, 0o600);
    }
  }
}

/** The configuration file the operator edits outside the console (PKCS#11 modules): see main/services/key-config.ts. */
const OPERATOR_CONFIG_FILE = 'config.json';

export class Workspace {
  readonly db: Database.Database;
  readonly keystoreDir: string;
  readonly artifactsDir: string;
  /** The content-addressed store in artifactsDir (./artifacts.ts). */
  readonly artifacts: ArtifactStore;
  readonly devnetHome: string;
  readonly logsDir: string;

  private constructor(
    readonly dir: string,
    db: Database.Database,
  ) {
    this.db = db;
    this.keystoreDir = path.join(dir, 'keystore');
    this.artifactsDir = path.join(dir, 'artifacts');
    this.artifacts = new ArtifactStore(db, this.artifactsDir);
    this.devnetHome = path.join(dir, 'devnet');
    this.logsDir = path.join(dir, 'logs');
  }

  static open(dir: string): Workspace {
    try {
      ensurePrivateDir(dir);
      for (const sub of ['keystore', 'artifacts', 'logs']) ensurePrivateDir(path.join(dir, sub));
      // The devnet home, if an earlier run made it: DevnetNode narrows it too, this covers `--node` runs.
      if (fs.existsSync(path.join(dir, 'devnet'))) ensurePrivateDir(path.join(dir, 'devnet'));
      narrowTree(dir);
    } catch (e) {
      throw new CharterError(
        'WORKSPACE_INVALID',
        `cannot create the workspace directory ${dir} or make it private (0700, files 0600): ${(e as Error).message}`,
      );
    }
    let db: Database.Database;
    const dbFile = path.join(dir, 'workspace.db');
    try {
      // Created 0600 before SQLite opens it: its -wal and -shm files take the same mode.
      ensurePrivateFile(dbFile);
      tightenDatabaseFiles(dbFile);
      db = openSqlite(dbFile);
      db.pragma('journal_mode = WAL');
      // WAL defaults to synchronous=NORMAL, under which a committed transaction
      // can roll back after a power loss. Custody data wants FULL.
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    } catch (e) {
      throw new CharterError('WORKSPACE_INVALID', `cannot open ${path.join(dir, 'workspace.db')}: ${(e as Error).message}`);
    }
    tightenDatabaseFiles(dbFile);
    const ws = new Workspace(dir, db);
    try {
      ws.migrate();
    } catch (e) {
      db.close();
      throw new CharterError('WORKSPACE_INVALID', `cannot migrate ${path.join(dir, 'workspace.db')}: ${(e as Error).message}`);
    }
    return ws;
  }

  /** Apply pending migrations, each in its own transaction. */
  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      })();
    }
  }

  schemaVersion(): number {
    const r = this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    return r.v ?? 0;
  }

  getSetting<T>(key: string): T | undefined {
    const r = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return r ? (JSON.parse(r.value) as T) : undefined;
  }

  setSetting(key: string, value: unknown): void {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export { writeFileAtomic } from '../../base/node/files.js';

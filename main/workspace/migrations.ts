/**
 * Versioned schema migrations of workspace.db. Append only: never edit a
 * migration that has shipped; add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'settings, audit log, key index, artifacts',
    sql: `
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      -- Append-only, hash-chained log of every operator action.
      CREATE TABLE audit_log (
        seq       INTEGER PRIMARY KEY,
        time      TEXT NOT NULL,
        actor     TEXT NOT NULL,
        action    TEXT NOT NULL,
        subject   TEXT NOT NULL,
        result    TEXT NOT NULL CHECK (result IN ('ok', 'error')),
        details   TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL UNIQUE
      );
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

      -- Public data of keys held by a backend; secrets stay in keystore/ files or on devices.
      CREATE TABLE keys (
        key_id     TEXT PRIMARY KEY,
        label      TEXT NOT NULL,
        scheme     TEXT NOT NULL,
        backend    TEXT NOT NULL,
        public_key TEXT NOT NULL,
        created_at TEXT NOT NULL,
        location   TEXT NOT NULL
      );

      -- Index of the content-addressed store (artifacts/<sha256>).
      CREATE TABLE artifacts (
        sha256        TEXT PRIMARY KEY,
        artifact_type TEXT NOT NULL,
        size          INTEGER NOT NULL,
        subject       TEXT NOT NULL,
        created_at    TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'audit log: the key that signed',
    sql: `
      -- The key that signed the action (null when none did, and in entries written
      -- before this column existed). An entry's hash covers key_id only when it is
      -- not null, so entries written before it still verify.
      ALTER TABLE audit_log ADD COLUMN key_id TEXT;
      CREATE INDEX audit_log_by_key ON audit_log (key_id, seq);
      CREATE INDEX audit_log_by_action ON audit_log (action, seq);
    `,
  },
  {
    version: 3,
    name: 'address book',
    sql: `
      -- Named withdrawal destinations of this workspace (display and picking only; the chain never sees names).
      CREATE TABLE address_book (
        name        TEXT PRIMARY KEY COLLATE NOCASE,
        destination TEXT NOT NULL UNIQUE,
        note        TEXT NOT NULL DEFAULT '',
        created_at  TEXT NOT NULL
      );
    `,
  },
];

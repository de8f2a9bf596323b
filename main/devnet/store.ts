/**
 * node.db: the devnet's blocks, transactions and latest state snapshot, in
 * better-sqlite3 (WAL, synchronous=FULL, versioned migrations).
 *
 * The connection runs in EXCLUSIVE locking mode and takes the write lock at
 * open, so a second process (or a second DevnetNode in this process) cannot
 * open the same home: it fails with WORKSPACE_LOCKED. The OS drops the lock
 * when the process dies, so a crash never leaves a stale lock behind.
 *
 * One block, its transactions, its events and the new snapshot are written
 * in ONE transaction (commitBlock): after a crash at any instant the file
 * holds either all of block H or none of it, and the snapshot always matches
 * the last stored block.
 */
import type Database from 'better-sqlite3';
import { openSqlite } from '../util/sqlite.js';
import { CharterError } from '../../core/errors.js';

export const SCHEMA_VERSION = 1;

const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'blocks, txs, events, snapshot',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE blocks (
        height           INTEGER PRIMARY KEY,
        hash             TEXT NOT NULL UNIQUE,
        time             TEXT NOT NULL,
        time_ms          INTEGER NOT NULL,
        app_hash         TEXT NOT NULL,   -- header app_hash: state root after block height-1 (CometBFT semantics)
        result_app_hash  TEXT NOT NULL,   -- state root after executing this block (FinalizeBlock)
        last_block_hash  TEXT NOT NULL,
        data_hash        TEXT NOT NULL,
        proposer         TEXT NOT NULL,
        num_txs          INTEGER NOT NULL,
        size             INTEGER NOT NULL,
        header           TEXT NOT NULL,   -- canonical JSON, CometBFT field names; hash = SHA-256 of it
        block_id         TEXT NOT NULL,   -- JSON {hash, parts:{total, hash}}
        last_commit      TEXT NOT NULL,   -- JSON: the commit of height-1 carried in this block
        commit_signature TEXT NOT NULL,   -- base64 Ed25519 signature of the validator over this block's hash
        commit_time      TEXT NOT NULL,
        finalize_events  TEXT NOT NULL    -- JSON list of ABCI events
      );
      CREATE TABLE txs (
        hash      TEXT PRIMARY KEY,       -- upper-case hex SHA-256 of bytes
        height    INTEGER NOT NULL REFERENCES blocks(height),
        idx       INTEGER NOT NULL,
        bytes     BLOB NOT NULL,
        type      TEXT,
        signer    TEXT,
        code      INTEGER NOT NULL,
        codespace TEXT NOT NULL,
        result    TEXT NOT NULL,          -- JSON {code, codespace, log, data (base64), events}
        UNIQUE (height, idx)
      );
      CREATE TABLE tx_events (
        tx_hash TEXT NOT NULL REFERENCES txs(hash),
        height  INTEGER NOT NULL,
        idx     INTEGER NOT NULL,
        type    TEXT NOT NULL,
        key     TEXT NOT NULL,
        value   TEXT NOT NULL
      );
      CREATE INDEX tx_events_by_attr ON tx_events (type, key, value);
      CREATE INDEX txs_by_signer ON txs (signer);
      CREATE TABLE state_snapshot (
        id        INTEGER PRIMARY KEY CHECK (id = 1),
        height    INTEGER NOT NULL,
        app_hash  TEXT NOT NULL,          -- upper-case hex state root of the snapshot
        snapshot  BLOB NOT NULL           -- engine.snapshot() bytes
      );
    `,
  },
];

export interface BlockRow {
  height: number;
  hash: string;
  time: string;
  time_ms: number;
  app_hash: string;
  result_app_hash: string;
  last_block_hash: string;
  data_hash: string;
  proposer: string;
  num_txs: number;
  size: number;
  header: string;
  block_id: string;
  last_commit: string;
  commit_signature: string;
  commit_time: string;
  finalize_events: string;
}

export interface TxRow {
  hash: string;
  height: number;
  idx: number;
  bytes: Buffer;
  type: string | null;
  signer: string | null;
  code: number;
  codespace: string;
  result: string;
}

export interface TxEventRow {
  type: string;
  key: string;
  value: string;
}

export interface SnapshotRow {
  height: number;
  app_hash: string;
  snapshot: Buffer;
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED';
}

export class NodeStore {
  private readonly db: Database.Database;
  private readonly stmts;

  private constructor(db: Database.Database) {
    this.db = db;
    this.stmts = {
      meta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      block: db.prepare<[number], BlockRow>('SELECT * FROM blocks WHERE height = ?'),
      blockByHash: db.prepare<[string], BlockRow>('SELECT * FROM blocks WHERE hash = ?'),
      blocksDesc: db.prepare<[number, number], BlockRow>('SELECT * FROM blocks WHERE height BETWEEN ? AND ? ORDER BY height DESC'),
      latest: db.prepare<[], BlockRow>('SELECT * FROM blocks ORDER BY height DESC LIMIT 1'),
      earliest: db.prepare<[], BlockRow>('SELECT * FROM blocks ORDER BY height ASC LIMIT 1'),
      insertBlock: db.prepare(`INSERT INTO blocks (height, hash, time, time_ms, app_hash, result_app_hash, last_block_hash, data_hash, proposer,
          num_txs, size, header, block_id, last_commit, commit_signature, commit_time, finalize_events)
        VALUES (@height, @hash, @time, @time_ms, @app_hash, @result_app_hash, @last_block_hash, @data_hash, @proposer,
          @num_txs, @size, @header, @block_id, @last_commit, @commit_signature, @commit_time, @finalize_events)`),
      insertTx: db.prepare('INSERT INTO txs (hash, height, idx, bytes, type, signer, code, codespace, result) VALUES (@hash, @height, @idx, @bytes, @type, @signer, @code, @codespace, @result)'),
      insertEvent: db.prepare('INSERT INTO tx_events (tx_hash, height, idx, type, key, value) VALUES (?, ?, ?, ?, ?, ?)'),
      tx: db.prepare<[string], TxRow>('SELECT * FROM txs WHERE hash = ?'),
      txExists: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM txs WHERE hash = ?'),
      txsOf: db.prepare<[number], TxRow>('SELECT * FROM txs WHERE height = ? ORDER BY idx'),
      txCounts: db.prepare<[], { total: number; ok: number | null }>('SELECT COUNT(*) AS total, SUM(code = 0) AS ok FROM txs'),
      txCountsByCode: db.prepare<[], { code: number; codespace: string; n: number }>('SELECT code, codespace, COUNT(*) AS n FROM txs GROUP BY code, codespace'),
      eventsOf: db.prepare<[string], TxEventRow>('SELECT type, key, value FROM tx_events WHERE tx_hash = ? ORDER BY rowid'),
      snapshot: db.prepare<[], SnapshotRow>('SELECT height, app_hash, snapshot FROM state_snapshot WHERE id = 1'),
      putSnapshot: db.prepare(`INSERT INTO state_snapshot (id, height, app_hash, snapshot) VALUES (1, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET height = excluded.height, app_hash = excluded.app_hash, snapshot = excluded.snapshot`),
    };
  }

  /** Opens (creating and migrating) node.db and takes its exclusive lock. */
  static open(path: string): NodeStore {
    let db: Database.Database;
    try {
      db = openSqlite(path, { timeout: 0 });
    } catch (e) {
      throw new CharterError('WORKSPACE_INVALID', `${path} cannot be opened: ${(e as Error).message}`, { file: path });
    }
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new CharterError('WORKSPACE_INVALID', `${path}: cannot switch to WAL (got ${String(mode)})`, { file: path });
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      // Take the exclusive lock now, not at the first write.
      db.exec('BEGIN EXCLUSIVE; COMMIT;');
      NodeStore.migrate(db);
    } catch (e) {
      db.close();
      if (isBusy(e)) throw new CharterError('WORKSPACE_LOCKED', `Another devnet node is running on ${path}.`, { file: path });
      if (e instanceof CharterError) throw e;
      throw new CharterError('WORKSPACE_INVALID', `${path}: ${(e as Error).message}`, { file: path });
    }
    return new NodeStore(db);
  }

  private static migrate(db: Database.Database): void {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const current = (db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new CharterError('WORKSPACE_INVALID', `node.db has schema version ${current}, newer than this build (${SCHEMA_VERSION}); upgrade the console`);
    }
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      }).immediate();
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  getMeta(key: string): string | null {
    return this.stmts.meta.get(key)?.value ?? null;
  }
  setMeta(key: string, value: string): void {
    this.stmts.setMeta.run(key, value);
  }

  latestBlock(): BlockRow | null {
    return this.stmts.latest.get() ?? null;
  }
  earliestBlock(): BlockRow | null {
    return this.stmts.earliest.get() ?? null;
  }
  block(height: number): BlockRow | null {
    return this.stmts.block.get(height) ?? null;
  }
  blockByHash(hash: string): BlockRow | null {
    return this.stmts.blockByHash.get(hash) ?? null;
  }
  /** Blocks with min ≤ height ≤ max, highest first. */
  blocksDesc(min: number, max: number): BlockRow[] {
    return this.stmts.blocksDesc.all(min, max);
  }
  tx(hash: string): TxRow | null {
    return this.stmts.tx.get(hash) ?? null;
  }
  hasTx(hash: string): boolean {
    return this.stmts.txExists.get(hash) !== undefined;
  }
  txsOf(height: number): TxRow[] {
    return this.stmts.txsOf.all(height);
  }
  txCounts(): { total: number; ok: number; rejected: number } {
    const r = this.stmts.txCounts.get() ?? { total: 0, ok: 0 };
    const ok = r.ok ?? 0;
    return { total: r.total, ok, rejected: r.total - ok };
  }
  txCountsByCode(): { code: number; codespace: string; n: number }[] {
    return this.stmts.txCountsByCode.all();
  }
  eventsOf(hash: string): TxEventRow[] {
    return this.stmts.eventsOf.all(hash);
  }
  snapshot(): SnapshotRow | null {
    return this.stmts.snapshot.get() ?? null;
  }

  /**
   * Writes a block, its transactions and events, and the state snapshot after
   * it, atomically. With synchronous=FULL the block is durable when this returns.
   */
  commitBlock(block: BlockRow, txs: (Omit<TxRow, 'bytes'> & { bytes: Uint8Array; events: TxEventRow[] })[], snapshot: { height: number; appHash: string; bytes: Uint8Array }): void {
    this.db.transaction(() => {
      this.stmts.insertBlock.run(block);
      for (const t of txs) {
        this.stmts.insertTx.run({ hash: t.hash, height: t.height, idx: t.idx, bytes: Buffer.from(t.bytes), type: t.type, signer: t.signer, code: t.code, codespace: t.codespace, result: t.result });
        for (const ev of t.events) this.stmts.insertEvent.run(t.hash, t.height, t.idx, ev.type, ev.key, ev.value);
      }
      this.stmts.putSnapshot.run(snapshot.height, snapshot.appHash, Buffer.from(snapshot.bytes));
    }).immediate();
  }

  /**
   * tx_search over the index: conditions are ANDed. Keys are "tx.height",
   * "tx.hash" or "<event type>.<attribute key>". Returns matching tx hashes
   * ordered by (height, index).
   */
  searchTxs(conds: { key: string; op: '=' | '<' | '<=' | '>' | '>=' | 'CONTAINS' | 'EXISTS'; value: string | number }[], order: 'asc' | 'desc'): string[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    for (const c of conds) {
      if (c.key === 'tx.height') {
        if (c.op === 'CONTAINS' || c.op === 'EXISTS') throw new Error(`operator ${c.op} not supported for tx.height`);
        where.push(`t.height ${c.op} ?`);
        args.push(Number(c.value));
      } else if (c.key === 'tx.hash') {
        if (c.op !== '=') throw new Error('tx.hash supports only =');
        where.push('t.hash = ?');
        args.push(String(c.value).toUpperCase());
      } else {
        const dot = c.key.lastIndexOf('.');
        if (dot <= 0 || dot === c.key.length - 1) throw new Error(`bad key ${c.key}: expected <event type>.<attribute>`);
        const type = c.key.slice(0, dot);
        const key = c.key.slice(dot + 1);
        let cond: string;
        if (c.op === 'EXISTS') cond = '1';
        else if (c.op === 'CONTAINS') cond = "instr(e.value, ?) > 0";
        else if (typeof c.value === 'number') cond = `CAST(e.value AS REAL) ${c.op} ?`;
        else cond = `e.value ${c.op} ?`;
        where.push(`EXISTS (SELECT 1 FROM tx_events e WHERE e.tx_hash = t.hash AND e.type = ? AND e.key = ? AND ${cond})`);
        args.push(type, key);
        if (c.op !== 'EXISTS') args.push(c.value);
      }
    }
    const sql = `SELECT t.hash AS hash FROM txs t ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY t.height ${order}, t.idx ${order}`;
    return (this.db.prepare(sql).all(...args) as { hash: string }[]).map((r) => r.hash);
  }
}

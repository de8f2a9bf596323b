/**
 * node.db: the devnet's blocks, transactions, the state tree of every height
 * and periodic state snapshots, in better-sqlite3 (WAL, synchronous=FULL,
 * versioned migrations).
 *
 * The connection runs in EXCLUSIVE locking mode and takes the write lock at
 * open, so a second process (or a second DevnetNode in this process) cannot
 * open the same home: it fails with WORKSPACE_LOCKED. The OS drops the lock
 * when the process dies, so a crash never leaves a stale lock behind.
 *
 * One block, its transactions, its events and the state-tree nodes it made
 * are written in ONE transaction (commitBlock): after a crash at any instant
 * the file holds either all of block H or none of it. A state snapshot
 * (engine.snapshot() bytes) is written every N blocks in a transaction of its
 * own after the block's (putSnapshot), and the newest SNAPSHOTS_KEPT are kept:
 * a crash while one is written leaves the ones before it. Restart restores
 * the newest snapshot and re-executes the stored blocks after it.
 *
 * The state tree (core/engine/state-root.ts) is kept as a content-addressed
 * DAG in state_nodes, one row per node keyed by its hash: a block adds only
 * the nodes it rehashed (INSERT OR IGNORE), and the tree of any height is
 * reachable from that height's result_app_hash (history.ts walks it).
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openSqlite } from '../util/sqlite.js';
import { ensurePrivateFile, tightenDatabaseFiles } from '../../base/node/files.js';
import { CharterError } from '../../core/errors.js';
import type { CheckpointRow, EvidencePlan, EvidenceStore, ReceiptRow } from './evidence.js';
import type { AbciEvent, TxResult } from '../../core/engine/types.js';
import { b64 } from '../cometbft/encoding.js';

export const SCHEMA_VERSION = 6;

/**
 * Snapshots kept in state_snapshots: the newest and the ones before it. A
 * snapshot written in an interrupted transaction is not there at all; the
 * host restores the newest and refuses to start if it cannot, so the older
 * ones are for an operator (and for state sync), not an automatic fallback.
 */
export const SNAPSHOTS_KEPT = 3;

/**
 * TEST HOOK, for the kill -9 test only (tests/integration/app-host-snapshots.test.ts):
 * when this environment variable names a file, putSnapshot writes the
 * snapshot row, then writes that file and blocks the process forever INSIDE
 * the open transaction, so the test can SIGKILL it there. Never set it otherwise.
 */
export const TEST_HOOK_STALL_IN_SNAPSHOT = 'CHARTER_TEST_HOOK_STALL_IN_SNAPSHOT';

const MIGRATIONS: { version: number; name: string; sql: string; run?: (db: Database.Database) => void }[] = [
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
  {
    version: 2,
    name: 'security event index',
    sql: `
      CREATE TABLE security_events (
        seq         INTEGER PRIMARY KEY,     -- order of emission: by height, block-level events after the block's txs
        height      INTEGER NOT NULL REFERENCES blocks(height),
        tx_index    INTEGER,                 -- null for block-level (FinalizeBlock) events
        tx_hash     TEXT,
        kind        TEXT NOT NULL,           -- the ABCI event type, e.g. security.tx_rejected
        key_id      TEXT,                    -- attribute key_id (else signer)
        vault_id    TEXT,
        request_id  TEXT,
        proposal_id TEXT,
        code        TEXT,
        attributes  TEXT NOT NULL            -- JSON list of {key, value}, as emitted
      );
      CREATE INDEX security_events_by_kind ON security_events (kind, seq);
      CREATE INDEX security_events_by_key ON security_events (key_id, seq);
      CREATE INDEX security_events_by_vault ON security_events (vault_id, seq);
      CREATE INDEX security_events_by_height ON security_events (height, seq);
    `,
    // Index what blocks already stored carry (events are in txs.result and blocks.finalize_events).
    run: (db) => {
      const insert = db.prepare(INSERT_SECURITY_EVENT);
      const txsOf = db.prepare<[number], { hash: string; idx: number; result: string }>('SELECT hash, idx, result FROM txs WHERE height = ? ORDER BY idx');
      // .all(), not .iterate(): better-sqlite3 runs no other statement on a connection while one iterates.
      for (const b of db.prepare<[], { height: number; finalize_events: string }>('SELECT height, finalize_events FROM blocks ORDER BY height').all()) {
        const txs = txsOf
          .all(b.height)
          .map((t) => ({ index: t.idx, hash: t.hash, events: (JSON.parse(t.result) as { events?: AbciEventLike[] }).events ?? [] }));
        for (const e of securityEventsOf(b.height, txs, JSON.parse(b.finalize_events) as AbciEventLike[])) insert.run(e);
      }
    },
  },
  {
    version: 3,
    name: 'evidence log: receipts, MMR nodes, checkpoints',
    // Filled by the node (main/app-host/evidence.ts): blocks stored before this
    // version are caught up at the next start (meta evidence_height says how far).
    sql: `
      CREATE TABLE receipts (
        seq        INTEGER PRIMARY KEY,          -- global, from 0, one per transaction in a committed block
        tx_hash    TEXT NOT NULL UNIQUE REFERENCES txs(hash),
        height     INTEGER NOT NULL,
        mmr_index  INTEGER NOT NULL UNIQUE,      -- the receipt digest's leaf in the MMR
        digest     TEXT NOT NULL,                -- receiptDigest, lower-case hex
        receipt    TEXT NOT NULL                 -- JSON of the receipt
      );
      CREATE INDEX receipts_by_height ON receipts (height, seq);
      CREATE TABLE mmr_nodes (
        idx   INTEGER PRIMARY KEY,               -- zero-based post-order MMR index
        value BLOB NOT NULL                      -- 32 bytes
      );
      CREATE TABLE checkpoints (
        height   INTEGER PRIMARY KEY,
        mmr_size INTEGER NOT NULL,
        signed   TEXT NOT NULL                   -- JSON of the signed checkpoint
      );
    `,
  },
  {
    version: 4,
    name: 'security events of mempool admission (checkTx) and recheck',
    // Rejections at admission are seen at a height whose block may not be
    // stored (none before block 1), so the height no longer references blocks.
    sql: `
      CREATE TABLE security_events_v4 (
        seq         INTEGER PRIMARY KEY,     -- order of persistence: block events at commit, admission events when seen
        height      INTEGER NOT NULL,        -- block height; for admission/recheck the last committed height when seen
        tx_index    INTEGER,                 -- null for block-level events and for admission/recheck rejections
        tx_hash     TEXT,
        kind        TEXT NOT NULL,
        key_id      TEXT,
        vault_id    TEXT,
        request_id  TEXT,
        proposal_id TEXT,
        code        TEXT,
        attributes  TEXT NOT NULL,
        stage       TEXT NOT NULL DEFAULT 'block' CHECK (stage IN ('block', 'admission', 'recheck'))
      );
      INSERT INTO security_events_v4 (seq, height, tx_index, tx_hash, kind, key_id, vault_id, request_id, proposal_id, code, attributes, stage)
        SELECT seq, height, tx_index, tx_hash, kind, key_id, vault_id, request_id, proposal_id, code, attributes, 'block' FROM security_events;
      DROP TABLE security_events;
      ALTER TABLE security_events_v4 RENAME TO security_events;
      CREATE INDEX security_events_by_kind ON security_events (kind, seq);
      CREATE INDEX security_events_by_key ON security_events (key_id, seq);
      CREATE INDEX security_events_by_vault ON security_events (vault_id, seq);
      CREATE INDEX security_events_by_height ON security_events (height, seq);
      CREATE INDEX security_events_by_stage ON security_events (stage, seq);
    `,
  },
  {
    version: 5,
    name: 'witness cosignatures of signed checkpoints',
    // Served with the checkpoint as its `cosignatures` (docs/formats/evidence-log.md §5.3, §7).
    // IF NOT EXISTS: a home whose evidence tables are rebuilt (migrations ≥ 3 re-run) keeps them.
    sql: `
      CREATE TABLE IF NOT EXISTS cosignatures (
        height      INTEGER NOT NULL,            -- the checkpoint's height (checkpoints.height)
        key_id      TEXT NOT NULL,               -- keyIdOf(scheme, public_key)
        scheme      TEXT NOT NULL,
        public_key  TEXT NOT NULL,               -- lower-case hex
        signature   TEXT NOT NULL,               -- lower-case hex, over D("charter/cosignature/v1", JCS(checkpoint))
        received_at TEXT NOT NULL,               -- wall clock of the node when it stored it
        PRIMARY KEY (height, key_id)
      );
    `,
  },
  {
    version: 6,
    name: 'state tree nodes per block, snapshots every N blocks',
    // The one state_snapshot row becomes the first of state_snapshots; the
    // tree of its height is written at the next start (the host restores it
    // and stores the restored tree). Heights below it have no stored tree:
    // meta state_tree_from records where the stored trees begin.
    sql: `
      CREATE TABLE IF NOT EXISTS state_snapshots (
        height    INTEGER PRIMARY KEY,
        app_hash  TEXT NOT NULL,          -- upper-case hex state root of the snapshot (= blocks.result_app_hash at height)
        hash      TEXT NOT NULL,          -- lower-case hex SHA-256 of snapshot (the state-sync snapshot hash)
        size      INTEGER NOT NULL,       -- bytes of snapshot
        snapshot  BLOB NOT NULL           -- engine.snapshot() bytes
      );
      CREATE TABLE IF NOT EXISTS state_nodes (
        hash  BLOB PRIMARY KEY,           -- 32 bytes: the node's hash in the state tree
        bit   INTEGER,                    -- inner node: its branching bit (0–255); null for a leaf
        left  BLOB,                       -- inner node: hash of the child on bit 0
        right BLOB,                       -- inner node: hash of the child on bit 1
        key   TEXT,                       -- leaf: the entry's key
        value BLOB                        -- leaf: the entry's canonical JSON value
      ) WITHOUT ROWID;
    `,
    // IF NOT EXISTS and the check for the old table: a home whose migrations ≥ 3 are re-run (its evidence tables rebuilt) keeps them.
    run: (db) => {
      if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'state_snapshot'").get() === undefined) return;
      const old = db
        .prepare<[], { height: number; app_hash: string; snapshot: Buffer }>('SELECT height, app_hash, snapshot FROM state_snapshot WHERE id = 1')
        .get();
      if (old !== undefined) {
        db.prepare('INSERT INTO state_snapshots (height, app_hash, hash, size, snapshot) VALUES (?, ?, ?, ?, ?)').run(
          old.height,
          old.app_hash,
          createHash('sha256').update(old.snapshot).digest('hex'),
          old.snapshot.length,
          old.snapshot,
        );
        db.prepare("INSERT INTO meta (key, value) VALUES ('state_tree_from', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(old.height));
      }
      db.exec('DROP TABLE state_snapshot');
    },
  },
];

const INSERT_SECURITY_EVENT = `INSERT INTO security_events (height, tx_index, tx_hash, kind, key_id, vault_id, request_id, proposal_id, code, attributes)
  VALUES (@height, @tx_index, @tx_hash, @kind, @key_id, @vault_id, @request_id, @proposal_id, @code, @attributes)`;
const INSERT_STAGED_SECURITY_EVENT = `INSERT INTO security_events (height, tx_index, tx_hash, kind, key_id, vault_id, request_id, proposal_id, code, attributes, stage)
  VALUES (@height, @tx_index, @tx_hash, @kind, @key_id, @vault_id, @request_id, @proposal_id, @code, @attributes, @stage)`;

/**
 * Where a security event was seen: in a committed block (FinalizeBlock), or
 * when the node refused a transaction before any block — at mempool admission
 * (CheckTx) or when re-checking the mempool after a commit (recheck).
 */
export type SecurityEventStage = 'block' | 'admission' | 'recheck';

/**
 * Most refusals (stage admission or recheck) node.db keeps: anyone who can
 * reach the RPC can send refused transactions, and each one is otherwise a row.
 * Past this, the oldest refusals are dropped; the metric
 * charter_engine_checktx_rejected_total still counts every one.
 */
export const MAX_STORED_REFUSALS = 1000;

/** Event types with this prefix are security events: persisted and served at /explorer/security-events. */
export const SECURITY_EVENT_PREFIX = 'security.';

interface AbciEventLike {
  type: string;
  attributes: { key: string; value: string }[];
}

export interface SecurityEventInsert {
  height: number;
  tx_index: number | null;
  tx_hash: string | null;
  kind: string;
  key_id: string | null;
  vault_id: string | null;
  request_id: string | null;
  proposal_id: string | null;
  code: string | null;
  attributes: string;
}

export interface SecurityEventRow extends SecurityEventInsert {
  seq: number;
  stage: SecurityEventStage;
}

/**
 * The security.* events of one block, in emission order: each transaction's
 * (rejected ones included), then the block-level ones from FinalizeBlock.
 */
export function securityEventsOf(
  height: number,
  txs: { index: number; hash: string; events: readonly AbciEventLike[] }[],
  blockEvents: readonly AbciEventLike[],
): SecurityEventInsert[] {
  const out: SecurityEventInsert[] = [];
  const one = (ev: AbciEventLike, txIndex: number | null, txHash: string | null): void => {
    if (typeof ev?.type !== 'string' || !ev.type.startsWith(SECURITY_EVENT_PREFIX)) return;
    const attrs = Array.isArray(ev.attributes) ? ev.attributes : [];
    const get = (k: string): string | null => {
      const a = attrs.find((x) => x.key === k);
      return a === undefined ? null : String(a.value);
    };
    out.push({
      height,
      tx_index: txIndex,
      tx_hash: txHash ?? get('tx_hash'),
      kind: ev.type,
      key_id: get('key_id') ?? get('signer'),
      vault_id: get('vault_id'),
      request_id: get('request_id'),
      proposal_id: get('proposal_id'),
      code: get('code'),
      attributes: JSON.stringify(attrs.map((a) => ({ key: a.key, value: a.value }))),
    });
  };
  for (const t of txs) for (const ev of t.events) one(ev, t.index, t.hash);
  for (const ev of blockEvents) one(ev, null, null);
  return out;
}

/**
 * The security.* events of a transaction refused at admission or recheck (seen at
 * `height`, the last committed one). Such a transaction is in no block, so its
 * refusal's words (the check's log, "CODE: reason") are kept with the event as
 * its "reason" attribute: the event is then all there is to show of it.
 */
export function admissionEventsOf(height: number, hash: string, events: readonly AbciEventLike[], log = ''): SecurityEventInsert[] {
  const reason = log.replace(/^[A-Z][A-Z0-9_]*: /, '').slice(0, 512);
  const withReason = events.map((ev) =>
    reason && ev?.type === 'security.tx_rejected' && Array.isArray(ev.attributes) && !ev.attributes.some((a) => a.key === 'reason')
      ? { type: ev.type, attributes: [...ev.attributes, { key: 'reason', value: reason }] }
      : ev,
  );
  return securityEventsOf(height, [{ index: 0, hash, events: withReason }], []).map((e) => ({ ...e, tx_index: null }));
}

export interface SecurityEventFilter {
  /** Exact event type; "tx_rejected" is read as "security.tx_rejected". */
  kind?: string;
  key?: string;
  vault?: string;
  /** Height range, inclusive. */
  from?: number;
  to?: number;
  /** Only events with seq below this (paging, newest first). */
  before?: number;
  /** Default 100, at most 1000. */
  limit?: number;
  /** Only events of this stage (block, admission or recheck). */
  stage?: SecurityEventStage;
}

/** A witness's cosignature of the checkpoint at `height` (table cosignatures). */
export interface CosignatureRow {
  height: number;
  key_id: string;
  scheme: string;
  public_key: string;
  signature: string;
  received_at: string;
}

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

/** A stored state snapshot without its bytes. */
export interface SnapshotInfo {
  height: number;
  app_hash: string;
  /** Lower-case hex SHA-256 of the snapshot bytes. */
  hash: string;
  size: number;
}
export interface SnapshotRow extends SnapshotInfo {
  snapshot: Buffer;
}

/** One node of the state tree: an inner node (bit, left, right) or a leaf (key, value). */
export interface StateNodeRow {
  hash: Buffer;
  bit: number | null;
  left: Buffer | null;
  right: Buffer | null;
  key: string | null;
  value: Buffer | null;
}

/** The test hook of TEST_HOOK_STALL_IN_SNAPSHOT: mark, then block this thread for good (the test kills the process). */
function stallForTest(marker: string, height: number): void {
  writeFileSync(marker, `stalled in the snapshot transaction of height ${height}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED';
}

export class NodeStore implements EvidenceStore {
  private readonly db: Database.Database;
  private readonly stmts;
  /** How long the last commitBlock spent inserting state-tree rows, ms (for measurement). */
  lastTreeWriteMs = 0;

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
      insertTx: db.prepare(
        'INSERT INTO txs (hash, height, idx, bytes, type, signer, code, codespace, result) VALUES (@hash, @height, @idx, @bytes, @type, @signer, @code, @codespace, @result)',
      ),
      insertEvent: db.prepare('INSERT INTO tx_events (tx_hash, height, idx, type, key, value) VALUES (?, ?, ?, ?, ?, ?)'),
      tx: db.prepare<[string], TxRow>('SELECT * FROM txs WHERE hash = ?'),
      txExists: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM txs WHERE hash = ?'),
      txsOf: db.prepare<[number], TxRow>('SELECT * FROM txs WHERE height = ? ORDER BY idx'),
      txCounts: db.prepare<[], { total: number; ok: number | null }>('SELECT COUNT(*) AS total, SUM(code = 0) AS ok FROM txs'),
      txCountsByCode: db.prepare<[], { code: number; codespace: string; n: number }>('SELECT code, codespace, COUNT(*) AS n FROM txs GROUP BY code, codespace'),
      eventsOf: db.prepare<[string], TxEventRow>('SELECT type, key, value FROM tx_events WHERE tx_hash = ? ORDER BY rowid'),
      snapshot: db.prepare<[], SnapshotRow>('SELECT height, app_hash, hash, size, snapshot FROM state_snapshots ORDER BY height DESC LIMIT 1'),
      snapshots: db.prepare<[], SnapshotInfo>('SELECT height, app_hash, hash, size FROM state_snapshots ORDER BY height DESC'),
      snapshotChunk: db.prepare<[number, number, number], { bytes: Buffer | null }>(
        'SELECT substr(snapshot, ?, ?) AS bytes FROM state_snapshots WHERE height = ?',
      ),
      insertSnapshot: db.prepare('INSERT OR REPLACE INTO state_snapshots (height, app_hash, hash, size, snapshot) VALUES (?, ?, ?, ?, ?)'),
      pruneSnapshots: db.prepare<[number]>('DELETE FROM state_snapshots WHERE height NOT IN (SELECT height FROM state_snapshots ORDER BY height DESC LIMIT ?)'),
      insertStateNode: db.prepare('INSERT OR IGNORE INTO state_nodes (hash, bit, left, right, key, value) VALUES (@hash, @bit, @left, @right, @key, @value)'),
      stateNode: db.prepare<[Buffer], StateNodeRow>('SELECT hash, bit, left, right, key, value FROM state_nodes WHERE hash = ?'),
      hasStateNode: db.prepare<[Buffer], { one: number }>('SELECT 1 AS one FROM state_nodes WHERE hash = ?'),
      insertSecurityEvent: db.prepare(INSERT_SECURITY_EVENT),
      insertReceipt: db.prepare(
        'INSERT INTO receipts (seq, tx_hash, height, mmr_index, digest, receipt) VALUES (@seq, @tx_hash, @height, @mmr_index, @digest, @receipt)',
      ),
      insertNode: db.prepare('INSERT INTO mmr_nodes (idx, value) VALUES (?, ?)'),
      insertCheckpoint: db.prepare('INSERT INTO checkpoints (height, mmr_size, signed) VALUES (@height, @mmr_size, @signed)'),
      mmrNodes: db.prepare<[], { value: Buffer }>('SELECT value FROM mmr_nodes ORDER BY idx'),
      lastReceipt: db.prepare<[], ReceiptRow>('SELECT * FROM receipts ORDER BY seq DESC LIMIT 1'),
      receiptCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM receipts'),
      receiptByTx: db.prepare<[string], ReceiptRow>('SELECT * FROM receipts WHERE tx_hash = ?'),
      receiptBySeq: db.prepare<[number], ReceiptRow>('SELECT * FROM receipts WHERE seq = ?'),
      receiptsBySeq: db.prepare<[number, number, number], ReceiptRow>('SELECT * FROM receipts WHERE seq BETWEEN ? AND ? ORDER BY seq LIMIT ?'),
      receiptsByHeight: db.prepare<[number, number, number], ReceiptRow>('SELECT * FROM receipts WHERE height BETWEEN ? AND ? ORDER BY seq LIMIT ?'),
      latestCheckpoint: db.prepare<[], CheckpointRow>('SELECT * FROM checkpoints ORDER BY height DESC LIMIT 1'),
      checkpointAt: db.prepare<[number], CheckpointRow>('SELECT * FROM checkpoints WHERE height = ?'),
      checkpointsDesc: db.prepare<[number, number], CheckpointRow>('SELECT * FROM checkpoints WHERE height < ? ORDER BY height DESC LIMIT ?'),
      cosignaturesOf: db.prepare<[number], CosignatureRow>('SELECT * FROM cosignatures WHERE height = ? ORDER BY rowid'),
      cosignatureCount: db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM cosignatures WHERE height = ?'),
      insertCosignature: db.prepare(
        'INSERT OR IGNORE INTO cosignatures (height, key_id, scheme, public_key, signature, received_at) VALUES (@height, @key_id, @scheme, @public_key, @signature, @received_at)',
      ),
      insertStagedSecurityEvent: db.prepare(INSERT_STAGED_SECURITY_EVENT),
      refusalStored: db.prepare<{ stage: string; tx_hash: string | null; kind: string; code: string | null }, { one: number }>(
        'SELECT 1 AS one FROM security_events WHERE stage = @stage AND tx_hash IS @tx_hash AND kind = @kind AND code IS @code LIMIT 1',
      ),
      refusalCount: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM security_events WHERE stage IN ('admission', 'recheck')"),
      dropOldestRefusals: db.prepare<[number]>(
        "DELETE FROM security_events WHERE seq IN (SELECT seq FROM security_events WHERE stage IN ('admission', 'recheck') ORDER BY seq LIMIT ?)",
      ),
    };
  }

  /** Opens (creating and migrating) node.db and takes its exclusive lock. */
  static open(path: string): NodeStore {
    let db: Database.Database;
    try {
      // Created 0600 before SQLite opens it: its -wal and -shm files take the same mode.
      ensurePrivateFile(path);
      tightenDatabaseFiles(path);
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
      // 64 MiB of page cache (SQLite's default is 2 MiB): each block inserts its state-tree rows at random places of the state_nodes index.
      db.pragma('cache_size = -65536');
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
        m.run?.(db);
        db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      }).immediate();
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
  get isOpen(): boolean {
    return this.db.open;
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
  /** The newest stored state snapshot, with its bytes. */
  snapshot(): SnapshotRow | null {
    return this.stmts.snapshot.get() ?? null;
  }
  /** The stored snapshots, newest first, without their bytes. */
  snapshots(): SnapshotInfo[] {
    return this.stmts.snapshots.all();
  }
  /** `length` bytes of the snapshot at `height` from byte `offset` (fewer at its end); null when there is no such snapshot. */
  snapshotBytes(height: number, offset: number, length: number): Buffer | null {
    const r = this.stmts.snapshotChunk.get(offset + 1, length, height);
    return r === undefined ? null : (r.bytes ?? Buffer.alloc(0));
  }

  /**
   * Stores a state snapshot in its own transaction and drops all but the
   * newest SNAPSHOTS_KEPT. Written after the block it belongs to is durable:
   * a crash here loses only this snapshot.
   */
  putSnapshot(snapshot: { height: number; appHash: string; bytes: Uint8Array }): void {
    const bytes = Buffer.from(snapshot.bytes.buffer, snapshot.bytes.byteOffset, snapshot.bytes.byteLength);
    const hash = createHash('sha256').update(bytes).digest('hex');
    this.db
      .transaction(() => {
        this.stmts.insertSnapshot.run(snapshot.height, snapshot.appHash, hash, bytes.length, bytes);
        this.stmts.pruneSnapshots.run(SNAPSHOTS_KEPT);
        const marker = process.env[TEST_HOOK_STALL_IN_SNAPSHOT];
        if (marker) stallForTest(marker, snapshot.height);
      })
      .immediate();
  }

  /**
   * Makes an empty node.db start at a peer's snapshot (state sync): in one
   * transaction, the snapshot, a base row for its block (the application
   * never sees that block; the row carries its height, time and result root,
   * and is marked as a base in its header) and the evidence log's start.
   */
  putStateSyncBase(base: { height: number; appHash: string; time: string; bytes: Uint8Array }): void {
    if (this.latestBlock() !== null) throw new CharterError('WORKSPACE_INVALID', 'state sync into a node.db that already holds blocks');
    const bytes = Buffer.from(base.bytes.buffer, base.bytes.byteOffset, base.bytes.byteLength);
    const hash = createHash('sha256').update(bytes).digest('hex');
    const h = base.height;
    this.db
      .transaction(() => {
        this.stmts.insertBlock.run({
          height: h,
          hash: `STATE-SYNC-BASE-${h}`,
          time: base.time,
          time_ms: Date.parse(base.time),
          app_hash: '',
          result_app_hash: base.appHash,
          last_block_hash: '',
          data_hash: '',
          proposer: '',
          num_txs: 0,
          size: 0,
          header: JSON.stringify({ state_sync_base: true, height: String(h) }),
          block_id: JSON.stringify({ hash: '', parts: { total: 0, hash: '' } }),
          last_commit: '{}',
          commit_signature: '',
          commit_time: base.time,
          finalize_events: '[]',
        });
        this.stmts.insertSnapshot.run(h, base.appHash, hash, bytes.length, bytes);
        this.stmts.setMeta.run('evidence_height', String(h));
        this.stmts.setMeta.run('state_sync_base', String(h));
      })
      .immediate();
  }

  /** The state-tree node with this hash, or null. */
  stateNode(hash: Uint8Array): StateNodeRow | null {
    return this.stmts.stateNode.get(Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength)) ?? null;
  }
  hasStateNode(hash: Uint8Array): boolean {
    return this.stmts.hasStateNode.get(Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength)) !== undefined;
  }
  /** Stores state-tree nodes (those already stored are left as they are), atomically. */
  putStateNodes(nodes: readonly StateNodeRow[]): void {
    if (nodes.length === 0) return;
    this.db.transaction(() => this.insertStateNodes(nodes)).immediate();
  }
  private insertStateNodes(nodes: readonly StateNodeRow[]): void {
    for (const n of nodes) this.stmts.insertStateNode.run(n);
  }

  /**
   * Writes a block, its transactions and events, and the state-tree nodes it
   * made, atomically. With synchronous=FULL the block is durable when this returns.
   */
  commitBlock(
    block: BlockRow,
    txs: (Omit<TxRow, 'bytes'> & { bytes: Uint8Array; events: TxEventRow[] })[],
    nodes: readonly StateNodeRow[],
    securityEvents: readonly SecurityEventInsert[] = [],
    evidence: EvidencePlan | null = null,
  ): void {
    this.db
      .transaction(() => {
        this.stmts.insertBlock.run(block);
        for (const t of txs) {
          this.stmts.insertTx.run({
            hash: t.hash,
            height: t.height,
            idx: t.idx,
            bytes: Buffer.from(t.bytes),
            type: t.type,
            signer: t.signer,
            code: t.code,
            codespace: t.codespace,
            result: t.result,
          });
          for (const ev of t.events) this.stmts.insertEvent.run(t.hash, t.height, t.idx, ev.type, ev.key, ev.value);
        }
        for (const e of securityEvents) this.stmts.insertSecurityEvent.run(e);
        const t0 = performance.now();
        this.insertStateNodes(nodes);
        this.lastTreeWriteMs = performance.now() - t0;
        if (evidence !== null) this.writeEvidence(evidence, block.height);
      })
      .immediate();
  }

  private writeEvidence(plan: EvidencePlan, height: number): void {
    for (const r of plan.receipts) this.stmts.insertReceipt.run(r);
    for (const n of plan.nodes) this.stmts.insertNode.run(n.idx, Buffer.from(n.value));
    if (plan.checkpoint !== null) this.stmts.insertCheckpoint.run(plan.checkpoint);
    this.stmts.setMeta.run('evidence_height', String(height));
  }

  /** The evidence of an already stored block (catching up a home from before schema 3), atomically. */
  commitEvidence(plan: EvidencePlan, height: number): void {
    this.db.transaction(() => this.writeEvidence(plan, height)).immediate();
  }

  // ─── evidence log reads ──────────────────────────────────────────────────
  mmrNodes(): Buffer[] {
    return this.stmts.mmrNodes.all().map((r) => r.value);
  }
  lastReceipt(): ReceiptRow | null {
    return this.stmts.lastReceipt.get() ?? null;
  }
  receiptCount(): number {
    return this.stmts.receiptCount.get()?.n ?? 0;
  }
  receiptByTx(hash: string): ReceiptRow | null {
    return this.stmts.receiptByTx.get(hash) ?? null;
  }
  receiptBySeq(seq: number): ReceiptRow | null {
    return this.stmts.receiptBySeq.get(seq) ?? null;
  }
  receiptsBySeq(from: number, to: number, limit: number): ReceiptRow[] {
    return this.stmts.receiptsBySeq.all(from, to, limit);
  }
  receiptsByHeight(from: number, to: number, limit: number): ReceiptRow[] {
    return this.stmts.receiptsByHeight.all(from, to, limit);
  }
  latestCheckpoint(): CheckpointRow | null {
    return this.stmts.latestCheckpoint.get() ?? null;
  }
  checkpointAt(height: number): CheckpointRow | null {
    return this.stmts.checkpointAt.get(height) ?? null;
  }
  /** Checkpoints below `before` (exclusive), newest first. */
  checkpointsDesc(before: number, limit: number): CheckpointRow[] {
    return this.stmts.checkpointsDesc.all(before, limit);
  }
  /** The witness cosignatures stored for the checkpoint at `height`, in the order they arrived. */
  cosignaturesOf(height: number): CosignatureRow[] {
    return this.stmts.cosignaturesOf.all(height);
  }
  cosignatureCount(height: number): number {
    return this.stmts.cosignatureCount.get(height)?.n ?? 0;
  }
  /** Stores a cosignature unless one of that key for that checkpoint is stored already; whether it was added. */
  addCosignature(row: CosignatureRow): boolean {
    return this.stmts.insertCosignature.run(row).changes === 1;
  }

  /**
   * Persists the security events of a transaction refused at mempool admission
   * or recheck (no block holds it). The same refusal (stage, transaction hash,
   * kind and code) is stored once, however often it is sent; at most
   * MAX_STORED_REFUSALS are kept, the oldest dropped first.
   */
  recordRefusal(stage: 'admission' | 'recheck', events: readonly SecurityEventInsert[]): void {
    if (events.length === 0) return;
    this.db
      .transaction(() => {
        let added = 0;
        for (const e of events) {
          if (this.stmts.refusalStored.get({ stage, tx_hash: e.tx_hash, kind: e.kind, code: e.code })) continue;
          this.stmts.insertStagedSecurityEvent.run({ ...e, stage });
          added += 1;
        }
        if (added === 0) return;
        const over = this.stmts.refusalCount.get()!.n - MAX_STORED_REFUSALS;
        if (over > 0) this.stmts.dropOldestRefusals.run(over);
      })
      .immediate();
  }

  /** Security events matching every given filter, newest first. */
  securityEvents(f: SecurityEventFilter = {}): SecurityEventRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (f.kind !== undefined) {
      where.push('kind = ?');
      args.push(f.kind.startsWith(SECURITY_EVENT_PREFIX) ? f.kind : SECURITY_EVENT_PREFIX + f.kind);
    }
    if (f.key !== undefined) {
      where.push('key_id = ?');
      args.push(f.key);
    }
    if (f.vault !== undefined) {
      where.push('vault_id = ?');
      args.push(f.vault);
    }
    if (f.from !== undefined) {
      where.push('height >= ?');
      args.push(f.from);
    }
    if (f.to !== undefined) {
      where.push('height <= ?');
      args.push(f.to);
    }
    if (f.before !== undefined) {
      where.push('seq < ?');
      args.push(f.before);
    }
    if (f.stage !== undefined) {
      where.push('stage = ?');
      args.push(f.stage);
    }
    const limit = Math.max(1, Math.min(1000, Math.floor(f.limit ?? 100)));
    const sql = `SELECT * FROM security_events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ${limit}`;
    return this.db.prepare(sql).all(...args) as SecurityEventRow[];
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
        else if (c.op === 'CONTAINS') cond = 'instr(e.value, ?) > 0';
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

/** JSON form of an ABCI result, as stored in txs.result. */
export interface StoredResult {
  code: number;
  codespace: string;
  log: string;
  data: string;
  events: AbciEvent[];
}

export function resultToStored(r: TxResult): StoredResult {
  return { code: r.code, codespace: r.codespace, log: r.log, data: b64(r.data), events: r.events };
}
export function storedToResult(s: StoredResult): TxResult {
  return { code: s.code, codespace: s.codespace, log: s.log, data: new Uint8Array(Buffer.from(s.data, 'base64')), events: s.events };
}

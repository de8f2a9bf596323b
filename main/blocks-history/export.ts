/**
 * Reading a devnet home without running its node: `charter node export` and
 * `charter replay --home` (docs/formats/replay.md).
 *
 * node.db is opened READ-ONLY with a plain (shared) lock. A running node holds
 * node.db in EXCLUSIVE locking mode for its whole life, so while it runs
 * nothing else can read the file: we answer WORKSPACE_LOCKED and say how to
 * get the same data (stop the node, or export from a copy of the home made
 * while it was stopped). If the last run crashed and left a write-ahead log
 * that a read-only connection cannot recover, we say so too (WORKSPACE_INVALID
 * with the fix: start and stop the node once).
 */
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { CharterError } from '../../core/errors.js';
import { checkOut, writeOut } from '../cli/output.js';
import { genesisHash, validateGenesis } from '../../core/engine/genesis.js';
import { hexUpper } from '../cometbft/encoding.js';
import { CustodyEngine } from '../../core/engine/engine.js';
import type { GenesisDoc } from '../../core/engine/types.js';
import { openSqlite } from '../util/sqlite.js';
import { BLOCKS_FORMAT, blockLine, headerLine, type BlockRecord, type BlocksHeader } from './format.js';

const GENESIS_FILE = 'genesis.json';
const NODE_DB_FILE = 'node.db';

function isBusy(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED';
}

export interface HomeReader {
  readonly home: string;
  readonly genesis: GenesisDoc;
  readonly chainId: string;
  /** Highest stored height (0 if none). */
  readonly latestHeight: number;
  readonly earliestHeight: number;
  /** Blocks from..to inclusive, ascending. */
  blocks(from: number, to: number): Generator<BlockRecord & { missing: string[] }>;
  close(): void;
}

/** Opens a devnet home for reading. Throws WORKSPACE_LOCKED while its node runs. */
export function openHomeReadOnly(home: string): HomeReader {
  const dbPath = join(home, NODE_DB_FILE);
  const genesisPath = join(home, GENESIS_FILE);
  if (!existsSync(dbPath)) throw new CharterError('WORKSPACE_INVALID', `${home} is not a devnet home: ${NODE_DB_FILE} is missing`, { file: dbPath });
  if (!existsSync(genesisPath)) throw new CharterError('WORKSPACE_INVALID', `${home} is not a devnet home: ${GENESIS_FILE} is missing`, { file: genesisPath });
  let genesis: GenesisDoc;
  try {
    genesis = validateGenesis(JSON.parse(readFileSync(genesisPath, 'utf8')));
  } catch (e) {
    throw new CharterError('WORKSPACE_INVALID', `${genesisPath}: ${(e as Error).message}`, { file: genesisPath });
  }
  let db: Database.Database;
  try {
    db = openSqlite(dbPath, { readonly: true, fileMustExist: true, timeout: 0 });
  } catch (e) {
    throw new CharterError('WORKSPACE_INVALID', `${dbPath} cannot be opened read-only: ${(e as Error).message}`, { file: dbPath });
  }
  let latest = 0;
  let earliest = 0;
  try {
    const meta = db.prepare("SELECT value FROM meta WHERE key = 'genesis_hash'").get() as { value: string } | undefined;
    if (meta && meta.value !== genesisHash(genesis)) {
      throw new CharterError('WORKSPACE_INVALID', `${genesisPath} is not the genesis ${dbPath} was started with`, { file: genesisPath });
    }
    const r = db.prepare('SELECT MIN(height) AS lo, MAX(height) AS hi FROM blocks').get() as { lo: number | null; hi: number | null };
    latest = r.hi ?? 0;
    earliest = r.lo ?? 0;
  } catch (e) {
    db.close();
    if (e instanceof CharterError) throw e;
    if (isBusy(e)) {
      throw new CharterError(
        'WORKSPACE_LOCKED',
        `A devnet node is running on ${home} and holds ${NODE_DB_FILE} exclusively. Stop it (Ctrl+C) and run this again, or read the live chain over its RPC.`,
        { file: dbPath },
      );
    }
    const code = (e as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY')) {
      throw new CharterError(
        'WORKSPACE_INVALID',
        `${dbPath} has an unrecovered write-ahead log (the node did not stop cleanly) that a read-only reader cannot apply. Start and stop the node once (charter node --home ${home}), then run this again.`,
        { file: dbPath, sqlite: code },
      );
    }
    throw new CharterError('WORKSPACE_INVALID', `${dbPath}: ${(e as Error).message}`, { file: dbPath });
  }
  const blockStmt = db.prepare<[number, number], { height: number; time: string; hash: string; app_hash: string; result_app_hash: string; num_txs: number }>(
    'SELECT height, time, hash, app_hash, result_app_hash, num_txs FROM blocks WHERE height BETWEEN ? AND ? ORDER BY height',
  );
  const txStmt = db.prepare<[number], { idx: number; bytes: Buffer; code: number }>('SELECT idx, bytes, code FROM txs WHERE height = ? ORDER BY idx');
  return {
    home,
    genesis,
    chainId: genesis.chain_id,
    latestHeight: latest,
    earliestHeight: earliest,
    *blocks(from: number, to: number) {
      // One height at a time: a million-transaction home never sits in memory at once.
      for (let h = from; h <= to; h += 256) {
        const rows = blockStmt.all(h, Math.min(to, h + 255));
        for (const b of rows) {
          const txRows = txStmt.all(b.height);
          const missing: string[] = [];
          if (txRows.length !== b.num_txs || txRows.some((t, i) => t.idx !== i)) missing.push(`txs (${txRows.length} stored of ${b.num_txs})`);
          yield {
            height: b.height,
            time: b.time,
            hash: b.hash,
            app_hash: b.app_hash,
            result_app_hash: b.result_app_hash,
            txs: txRows.map((t) => new Uint8Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength)),
            tx_results: txRows.map((t) => ({ code: t.code })),
            missing,
          };
        }
      }
    },
    close: () => {
      if (db.open) db.close();
    },
  };
}

export interface ExportOptions {
  home: string;
  /** Output file, or "-" for stdout. */
  out: string;
  /** Replace an existing output file (never through a symbolic link). */
  force?: boolean;
  from?: number;
  to?: number;
}

export interface ExportSummary {
  file: string;
  chainId: string;
  from: number;
  to: number;
  blocks: number;
  txs: number;
  /** The state root of the genesis state (header app_hash of block 1). */
  genesisAppHash: string;
}

/** `charter node export`: writes the home's blocks as charter.blocks/v1 JSON lines. */
export async function exportBlocks(opts: ExportOptions): Promise<ExportSummary> {
  const toFile = opts.out !== '-';
  // The --out rule of every CLI writer: refused before anything is read.
  if (toFile) checkOut(opts.out, opts.force);
  const reader = openHomeReadOnly(opts.home);
  try {
    const from = opts.from ?? 1;
    const to = opts.to ?? reader.latestHeight;
    if (!Number.isSafeInteger(from) || from < 1) throw new CharterError('USAGE', `--from must be a height ≥ 1, got ${String(opts.from)}`);
    if (!Number.isSafeInteger(to) || to < 0) throw new CharterError('USAGE', `--to must be a height ≥ 0, got ${String(opts.to)}`);
    if (to > reader.latestHeight) throw new CharterError('USAGE', `--to ${to} is above the latest stored height ${reader.latestHeight}`);
    if (opts.from !== undefined && opts.to !== undefined && from > to) throw new CharterError('USAGE', `--from ${from} is above --to ${to}`);
    const empty = from > to;
    const header: BlocksHeader = { format: BLOCKS_FORMAT, chain_id: reader.chainId, genesis: reader.genesis, from: empty ? 0 : from, to: empty ? 0 : to };
    // To a file: the lines are gathered and written once, by the shared rule
    // (exclusive create 0600, no overwrite without --force, never through a
    // symbolic link, nothing left behind if it fails); a node home that fails
    // part-way writes no file at all. To stdout: streamed.
    const chunks: string[] = [];
    const stream = process.stdout;
    const failed = new Promise<never>((_, reject) => {
      if (!toFile) stream.once('error', (e: Error) => reject(new CharterError('EXPORT_FAILED', `cannot write to stdout: ${e.message}`, { file: opts.out })));
    });
    failed.catch(() => {});
    const write = async (line: string): Promise<void> => {
      if (toFile) chunks.push(line + '\n');
      else if (!stream.write(line + '\n')) await Promise.race([once(stream, 'drain'), failed]);
    };
    let blocks = 0;
    let txs = 0;
    await write(headerLine(header));
    if (!empty) {
      let expect = from;
      for (const b of reader.blocks(from, to)) {
        if (b.height !== expect) throw new CharterError('WORKSPACE_INVALID', `node.db has no block at height ${expect}`, { height: expect });
        if (b.missing.length) throw new CharterError('WORKSPACE_INVALID', `node.db block ${b.height}: missing ${b.missing.join(', ')}`, { height: b.height });
        expect++;
        blocks++;
        txs += b.txs.length;
        await write(blockLine(b));
      }
    }
    if (toFile) writeOut(opts.out, chunks.join(''), opts.force);
    const genesisAppHash = hexUpper(new CustodyEngine(reader.genesis).info().lastBlockAppHash);
    return { file: opts.out, chainId: reader.chainId, from: header.from, to: header.to, blocks, txs, genesisAppHash };
  } finally {
    reader.close();
  }
}

/**
 * The block export format "charter.blocks/v1" (docs/formats/replay.md):
 * JSON lines, UTF-8, one JSON object per line, "\n" after every line.
 *
 *   line 1   {"format":"charter.blocks/v1","chain_id":…,"genesis":{GenesisDoc},"from":H,"to":H}
 *   line 2…  {"height":H,"time":"…","hash":"…","app_hash":"…","result_app_hash":"…",
 *             "txs":["<base64>",…],"tx_results":[{"code":N},…]}
 *
 * Lines are written with a fixed key order (the order above), so exporting
 * the same home twice gives the same bytes.
 *
 * This module owns the format: the exporter (./export.ts) writes it and
 * replay (main/replay/) reads it; neither imports the other's folder.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CharterError } from '../../core/errors.js';
import type { GenesisDoc } from '../../core/engine/types.js';

export const BLOCKS_FORMAT = 'charter.blocks/v1';

export interface BlocksHeader {
  format: typeof BLOCKS_FORMAT;
  chain_id: string;
  genesis: GenesisDoc;
  /** First and last exported height (0 and 0 when the range is empty). */
  from: number;
  to: number;
}

/** One block as replay needs it. Hashes are upper-case hex, as the node stores them. */
export interface BlockRecord {
  height: number;
  /** Block time exactly as the engine received it in FinalizeBlockRequest.time. */
  time: string;
  /** Block (header) hash. */
  hash: string;
  /** Header app_hash: the state root after height-1 (CometBFT semantics). */
  app_hash: string;
  /** The state root after executing this block (FinalizeBlockResponse.app_hash). */
  result_app_hash: string;
  /** Transaction bytes, in block order. */
  txs: Uint8Array[];
  /** The recorded result of each transaction, in block order. */
  tx_results: { code: number }[];
}

export function headerLine(h: BlocksHeader): string {
  return JSON.stringify({ format: h.format, chain_id: h.chain_id, genesis: h.genesis, from: h.from, to: h.to });
}

export function blockLine(b: BlockRecord): string {
  return JSON.stringify({
    height: b.height,
    time: b.time,
    hash: b.hash,
    app_hash: b.app_hash,
    result_app_hash: b.result_app_hash,
    txs: b.txs.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64')),
    tx_results: b.tx_results.map((r) => ({ code: r.code })),
  });
}

const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX64_RE = /^[0-9A-F]{64}$/;

function bad(file: string, line: number, msg: string): never {
  throw new CharterError('INVALID_INPUT', `${file}:${line}: ${msg}`, { file, line });
}

export function parseHeader(text: string, file = 'blocks', line = 1): BlocksHeader {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    bad(file, line, 'the header line is not JSON');
  }
  const h = o as Partial<BlocksHeader> | null;
  if (!h || typeof h !== 'object') bad(file, line, 'the header line is not a JSON object');
  if (h.format !== BLOCKS_FORMAT) bad(file, line, `format ${JSON.stringify(h.format)} is not ${BLOCKS_FORMAT}`);
  if (typeof h.chain_id !== 'string') bad(file, line, 'chain_id is missing');
  if (!h.genesis || typeof h.genesis !== 'object') bad(file, line, 'genesis is missing');
  if (h.genesis.chain_id !== h.chain_id) bad(file, line, `genesis is of chain ${String(h.genesis.chain_id)}, the header says ${h.chain_id}`);
  return { format: BLOCKS_FORMAT, chain_id: h.chain_id, genesis: h.genesis, from: Number(h.from ?? 0), to: Number(h.to ?? 0) };
}

/**
 * A block line. Fields that replay can do without for a plain run (hashes,
 * tx_results) are parsed leniently here: a missing one becomes "" / [] and
 * `--check` reports it as missing data rather than a divergence.
 */
export function parseBlock(text: string, file = 'blocks', line = 0): BlockRecord & { missing: string[] } {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    bad(file, line, 'not JSON');
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) bad(file, line, 'not a JSON object');
  const missing: string[] = [];
  if (!Number.isSafeInteger(o['height']) || (o['height'] as number) < 1) bad(file, line, 'height must be a positive integer');
  if (typeof o['time'] !== 'string') bad(file, line, 'time must be a string');
  if (!Array.isArray(o['txs'])) bad(file, line, 'txs must be an array of base64 strings');
  const txs = (o['txs'] as unknown[]).map((t, i) => {
    if (typeof t !== 'string' || !B64_RE.test(t) || t.length % 4 !== 0) bad(file, line, `txs[${i}] is not base64`);
    const b = Buffer.from(t, 'base64');
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  });
  const hex = (k: string): string => {
    const v = o[k];
    if (typeof v === 'string' && HEX64_RE.test(v)) return v;
    if (v === undefined || v === null || v === '') {
      missing.push(k);
      return '';
    }
    return bad(file, line, `${k} must be 64 upper-case hex digits`);
  };
  const hash = hex('hash');
  const app_hash = hex('app_hash');
  const result_app_hash = hex('result_app_hash');
  let tx_results: { code: number }[] = [];
  if (Array.isArray(o['tx_results'])) {
    tx_results = (o['tx_results'] as unknown[]).map((r, i) => {
      const code = (r as { code?: unknown } | null)?.code;
      if (!Number.isSafeInteger(code) || (code as number) < 0) bad(file, line, `tx_results[${i}].code must be a non-negative integer`);
      return { code: code as number };
    });
    if (tx_results.length !== txs.length) missing.push(`tx_results (${tx_results.length} for ${txs.length} txs)`);
  } else missing.push('tx_results');
  return { height: o['height'] as number, time: o['time'] as string, hash, app_hash, result_app_hash, txs, tx_results, missing };
}

/** Reads a blocks file: the header, then its blocks one at a time (streamed, for files of any size). */
export async function openBlocksFile(
  file: string,
): Promise<{ header: BlocksHeader; blocks: AsyncGenerator<BlockRecord & { missing: string[] }>; close(): void }> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (e) => reject(e));
  });
  try {
    await opened;
  } catch (e) {
    throw new CharterError('INVALID_INPUT', `cannot read ${file}: ${(e as Error).message}`, { file });
  }
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  const it = rl[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) {
    rl.close();
    throw new CharterError('INVALID_INPUT', `${file} is empty; expected a ${BLOCKS_FORMAT} header line`, { file });
  }
  const header = parseHeader(first.value, file, 1);
  async function* blocks(): AsyncGenerator<BlockRecord & { missing: string[] }> {
    let n = 1;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      n++;
      if (r.value.trim() === '') continue;
      yield parseBlock(r.value, file, n);
    }
  }
  return {
    header,
    blocks: blocks(),
    close: () => {
      rl.close();
      stream.destroy();
    },
  };
}

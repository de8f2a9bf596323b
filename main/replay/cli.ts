/**
 * The actions behind `charter replay` and `charter node export`
 * (docs/formats/replay.md). The commander wiring lives in main/cli/index.ts.
 */
import { CharterError } from '../../core/errors.js';
import { exportBlocks, openHomeReadOnly } from '../blocks-history/export.js';
import { openBlocksFile } from '../blocks-history/format.js';
import { exitCodeOf, replayBlocks, type ReplayResult } from './replay.js';
import { NodeBlocks } from './from-node.js';
import { cleanText, jsonText, say, sayErr } from '../cli/output.js';

export interface ReplayCommandOptions {
  home?: string;
  blocks?: string;
  /** A CometBFT RPC URL: replay what that node serves. */
  node?: string;
  /** With --node: the heights to compare (replay always executes from block 1). */
  from?: string;
  to?: string;
  check?: boolean;
  json?: boolean;
  /** Worker threads (default: every core; 0 = main thread only). */
  workers?: number;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

/** Runs a replay and prints it; returns the exit code (0 match, 1 diverged, 2 cannot tell). */
export async function runReplayCommand(o: ReplayCommandOptions): Promise<number> {
  const out = o.out ?? say;
  const err = o.err ?? sayErr;
  if ([o.home, o.blocks, o.node].filter((x) => x !== undefined).length !== 1)
    throw new CharterError('USAGE', 'give exactly one of --home DIR, --blocks FILE or --node URL');
  if ((o.from !== undefined || o.to !== undefined) && o.node === undefined) throw new CharterError('USAGE', '--from and --to go with --node');
  if (o.workers !== undefined && (!Number.isInteger(o.workers) || o.workers < 0 || o.workers > 64))
    throw new CharterError('USAGE', '--workers must be an integer from 0 to 64');
  let result: ReplayResult;
  let stats;
  if (o.home !== undefined) {
    const reader = openHomeReadOnly(o.home);
    try {
      ({ result, stats } = await replayBlocks(reader.genesis, reader.blocks(1, reader.latestHeight), {
        check: !!o.check,
        ...(o.workers !== undefined ? { workers: o.workers } : {}),
      }));
      if (result.status !== 'unknown' && reader.earliestHeight > 1) {
        result.status = 'unknown';
        result.reason = `node.db starts at height ${reader.earliestHeight}; replay needs every block from 1`;
      }
    } finally {
      reader.close();
    }
  } else if (o.node !== undefined) {
    const node = await NodeBlocks.open(o.node);
    const from = height('--from', o.from) ?? 1;
    const to = height('--to', o.to) ?? node.latestHeight;
    if (from < 1 || to > node.latestHeight || from > to)
      throw new CharterError('USAGE', `--from ${from} --to ${to}: the node has blocks 1–${node.latestHeight}`);
    ({ result, stats } = await replayBlocks(node.genesis, node.blocks(1, to), {
      check: !!o.check,
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
    }));
    // Executed from genesis (the state needs every block); reported from --from.
    result.roots = result.roots.filter((r) => r.height >= from);
  } else {
    const file = await openBlocksFile(o.blocks as string);
    try {
      ({ result, stats } = await replayBlocks(file.header.genesis, file.blocks, {
        check: !!o.check,
        ...(o.workers !== undefined ? { workers: o.workers } : {}),
      }));
    } finally {
      file.close();
    }
  }
  if (o.json) {
    out(JSON.stringify(result));
  } else {
    out(`chain ${result.chain_id}: genesis root ${result.genesis_app_hash}`);
    for (const r of result.roots) out(`${r.height}\t${r.root}`);
    const d = result.divergence;
    if (result.status === 'match') out(`OK: ${result.blocks} blocks, ${result.txs} transactions; every root and result code matches the record`);
    else if (result.status === 'replayed') out(`replayed ${result.blocks} blocks, ${result.txs} transactions (not compared; use --check)`);
    else if (result.status === 'unknown') out(`CANNOT TELL: ${result.reason ?? 'data missing'}`);
    else if (d) {
      if (d.kind === 'tx_code') {
        out(`DIVERGED at height ${d.height}, transaction ${d.tx_index} (${d.tx_hash}): recorded code ${d.expected}, replay got ${d.got}`);
      } else {
        out(
          `DIVERGED at height ${d.height}: ${d.kind === 'app_hash' ? 'header app_hash (root after the previous block)' : 'root after the block'} recorded ${d.expected}, replay got ${d.got}`,
        );
      }
    }
    err(
      `(${(stats.ms / 1000).toFixed(2)} s; ${stats.workers} verify worker${stats.workers === 1 ? '' : 's'}; ${stats.preverified} signatures pre-verified, ${stats.inline} inline)`,
    );
  }
  return exitCodeOf(result);
}

export interface ExportCommandOptions {
  home: string;
  out: string;
  from?: string;
  to?: string;
  json?: boolean;
  force?: boolean;
}

function height(name: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^\d{1,15}$/.test(s)) throw new CharterError('USAGE', `${name} must be a block height, got ${JSON.stringify(s)}`);
  return Number(s);
}

export async function runExportCommand(o: ExportCommandOptions): Promise<void> {
  const from = height('--from', o.from);
  const to = height('--to', o.to);
  const s = await exportBlocks({
    home: o.home,
    out: o.out,
    ...(o.force ? { force: true } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  });
  const line = o.json ? jsonText(s) : `exported blocks ${s.from}–${s.to} of ${cleanText(s.chainId)} (${s.blocks} blocks, ${s.txs} transactions) to ${s.file}`;
  // With --out -, stdout carries the export itself: the summary goes to stderr.
  if (o.out === '-' || !o.json) sayErr(line);
  else say(line);
}

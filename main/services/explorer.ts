/**
 * Explorer: blocks and transactions of the connected node, read with the
 * CometBFT client (so it works the same against a real CometBFT node).
 */
import { toRfc3339WithNanoseconds } from '@cosmjs/tendermint-rpc';
import type { CustodyClient } from '../chain/custody-client.js';
import type { BlockSummary, BlockView, TxSummary, TxView } from '../../core/contract/index.js';
import { toHex, txHashOf } from '../../core/codec/index.js';
import { CharterError, ENGINE_ERROR_BY_ABCI } from '../../core/errors.js';
import { decodeTx, signingDigest, unsignedOf } from '../../core/tx/envelope.js';
import type { ChainConnection } from './chain.js';

/** A CometBFT 0.38 or 1.x client, as the custody client connected it. */
type Comet = CustodyClient['comet'];

/**
 * Run a call of the raw CometBFT client with the console's error contract: a
 * node's "no such height / tx" answer is NOT_FOUND, a dead socket is
 * NODE_UNREACHABLE, anything else the node said is NODE_ERROR.
 */
export async function viaComet<T>(what: string, fn: () => Promise<T>, notFound?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CharterError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if (notFound && /must be less than or equal|not found|could not find|no such|not available/i.test(msg)) {
      throw new CharterError('NOT_FOUND', `${notFound}: ${msg}`);
    }
    if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|fetch failed|socket hang up|network/i.test(msg)) {
      throw new CharterError('NODE_UNREACHABLE', `${what}: ${msg}`);
    }
    throw new CharterError('NODE_ERROR', `${what}: ${msg}`);
  }
}

function hexU(b: Uint8Array): string {
  return toHex(b).toUpperCase();
}

function describeTx(bytes: Uint8Array): { type: string; signer: string; envelope: unknown; signingDigest: string } {
  try {
    const env = decodeTx(bytes);
    return { type: env.type, signer: env.signer, envelope: env, signingDigest: toHex(signingDigest(unsignedOf(env))) };
  } catch {
    return { type: '(undecodable)', signer: '', envelope: null, signingDigest: '' };
  }
}

function errorName(code: number): string | null {
  return code === 0 ? null : (ENGINE_ERROR_BY_ABCI.get(code) ?? `CODE_${code}`);
}

export class ExplorerService {
  constructor(private readonly chain: ChainConnection) {}

  private async comet(): Promise<Comet> {
    return (await this.chain.get()).comet;
  }

  async overview(limit: number): Promise<{ chainId: string; height: number; blocks: BlockSummary[]; txCount: number }> {
    const comet = await this.comet();
    const status = await viaComet('status', () => comet.status());
    const height = status.syncInfo.latestBlockHeight;
    const blocks = height > 0 ? await latestBlocks(comet, height, limit) : [];
    let txCount = 0;
    try {
      const overview = await (await this.chain.get()).explorerOverview();
      txCount = Number((overview as { tx_count?: number; txCount?: number }).tx_count ?? (overview as { txCount?: number }).txCount ?? 0);
    } catch {
      txCount = blocks.reduce((n, b) => n + b.numTxs, 0);
    }
    return { chainId: status.nodeInfo.network, height, blocks, txCount };
  }

  /**
   * What a typed query names: a height the node has a block for, or a transaction
   * hash the node knows. Anything else is refused here (and so audited) with the
   * reason: INVALID_INPUT for text that is neither, NOT_FOUND for what does not exist.
   */
  async search(query: string): Promise<{ kind: 'block'; height: number } | { kind: 'tx'; hash: string; height: number }> {
    const q = query.trim();
    if (/^[0-9]{1,15}$/.test(q)) {
      const height = Number(q);
      if (height < 1) throw new CharterError('INVALID_INPUT', 'block heights start at 1', { problems: [{ path: 'query', message: 'block heights start at 1' }] });
      const comet = await this.comet();
      const latest = (await viaComet('status', () => comet.status())).syncInfo.latestBlockHeight;
      if (height > latest) throw new CharterError('NOT_FOUND', `there is no block ${height} yet: the chain is at height ${latest}`);
      return { kind: 'block', height };
    }
    if (/^(0x)?[0-9a-fA-F]{64}$/.test(q)) {
      const t = await this.tx(q);
      return { kind: 'tx', hash: t.hash, height: t.height };
    }
    const shown = q.length > 40 ? `${q.slice(0, 40)}…` : q;
    throw new CharterError('INVALID_INPUT', `"${shown}" is neither a block height nor a transaction hash`, {
      problems: [{ path: 'query', message: 'type a height such as 12, or a 64-hex-digit transaction hash' }],
    });
  }

  async block(height: number): Promise<BlockView> {
    const comet = await this.comet();
    const b = await viaComet(`block ${height}`, () => comet.block(height), `no block at height ${height}`);
    const results = await viaComet<{ results: readonly { code: number }[] }>(`block_results ${height}`, () => comet.blockResults(height), `no results for block ${height}`);
    const txs: TxSummary[] = b.block.txs.map((bytes, index) => {
      const d = describeTx(bytes);
      const r = results.results[index];
      const code = r?.code ?? 0;
      return { hash: txHashOf(bytes), height, index, type: d.type, signer: d.signer, code, error: errorName(code) };
    });
    const h = b.block.header;
    return {
      height: h.height,
      hash: hexU(b.blockId.hash),
      time: toRfc3339WithNanoseconds(h.time),
      numTxs: txs.length,
      appHash: hexU(h.appHash),
      resultAppHash: await this.resultAppHash(height),
      lastBlockHash: h.lastBlockId ? hexU(h.lastBlockId.hash) : '',
      proposer: hexU(h.proposerAddress),
      chainId: h.chainId,
      txs,
    };
  }

  /**
   * The state root after executing block `height`. CometBFT puts it in the
   * header of the next block; for the newest block, the application reports it
   * through abci_info.
   */
  async resultAppHash(height: number): Promise<string> {
    const client = await this.chain.get();
    const info = await client.abciInfo();
    if (info.height === height) return info.appHash.toUpperCase();
    try {
      const next = await viaComet(`block ${height + 1}`, () => client.comet.block(height + 1), 'no next block');
      return hexU(next.block.header.appHash);
    } catch (e) {
      // No next block yet (and the app reported another height): unknown, said as "".
      if (e instanceof CharterError && e.code === 'NOT_FOUND') return '';
      throw e;
    }
  }

  async tx(hash: string): Promise<TxView> {
    const comet = await this.comet();
    const clean = hash.replace(/^0x/i, '').toUpperCase();
    const t = await viaComet(`tx ${clean}`, () => comet.tx({ hash: Uint8Array.from(Buffer.from(clean, 'hex')) }), `no transaction ${clean}`);
    const d = describeTx(t.tx);
    const header = await viaComet(`block ${t.height}`, () => comet.block(t.height));
    return {
      hash: hexU(t.hash),
      height: t.height,
      index: t.index,
      type: d.type,
      signer: d.signer,
      code: t.result.code,
      error: errorName(t.result.code),
      codespace: t.result.codespace ?? '',
      log: t.result.log ?? '',
      envelope: d.envelope,
      signingDigest: d.signingDigest,
      events: t.result.events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value })) })),
      blockTime: toRfc3339WithNanoseconds(header.block.header.time),
    };
  }
}

/** The newest `limit` blocks, newest first (CometBFT's blockchain returns at most 20 per call). */
export async function latestBlocks(comet: Comet, height: number, limit: number): Promise<BlockSummary[]> {
  const out: BlockSummary[] = [];
  let max = height;
  while (out.length < limit && max >= 1) {
    const min = Math.max(1, max - Math.min(20, limit - out.length) + 1);
    const res = await viaComet(`blockchain ${min}-${max}`, () => comet.blockchain(min, max));
    for (const m of [...res.blockMetas].sort((a, z) => z.header.height - a.header.height)) {
      out.push({ height: m.header.height, hash: hexU(m.blockId.hash), time: toRfc3339WithNanoseconds(m.header.time), numTxs: m.numTxs });
    }
    max = min - 1;
  }
  return out.slice(0, limit);
}

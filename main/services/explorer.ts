/**
 * Explorer: blocks and transactions of the connected node, read with the
 * CometBFT RPC client (so it works the same against a real CometBFT node).
 * Errors come from the client classified by code: NOT_FOUND for a height or
 * transaction the node does not have, NODE_UNREACHABLE, NODE_ERROR.
 */
import type { BlockSummary, BlockView, TxSummary, TxView } from '../../core/contract/index.js';
import { toHex, txHashOf } from '../../core/codec/index.js';
import { CharterError, ENGINE_ERROR_BY_ABCI } from '../../core/errors.js';
import { decodeTx, signingDigest, unsignedOf } from '../../core/tx/envelope.js';
import type { CustodyNodes } from '../nodes/types.js';

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
  constructor(private readonly nodes: CustodyNodes) {}

  private client() {
    return this.nodes.custody().get();
  }

  async overview(limit: number): Promise<{ chainId: string; height: number; blocks: BlockSummary[]; txCount: number }> {
    const client = await this.client();
    const status = await client.status();
    const height = status.height;
    const blocks = height > 0 ? await client.blocksDown(height, limit) : [];
    let txCount = 0;
    try {
      const overview = await client.explorerOverview();
      txCount = Number((overview as { tx_count?: number; txCount?: number }).tx_count ?? (overview as { txCount?: number }).txCount ?? 0);
    } catch {
      txCount = blocks.reduce((n, b) => n + b.numTxs, 0);
    }
    return { chainId: status.chainId, height, blocks, txCount };
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
      if (height < 1)
        throw new CharterError('INVALID_INPUT', 'block heights start at 1', { problems: [{ path: 'query', message: 'block heights start at 1' }] });
      const latest = (await (await this.client()).status()).height;
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
    const client = await this.client();
    let b: Awaited<ReturnType<typeof client.block>>;
    try {
      b = await client.block(height, { signatures: false });
    } catch (e) {
      if (e instanceof CharterError && e.code === 'NOT_FOUND') throw new CharterError('NOT_FOUND', `no block at height ${height}: ${e.message}`, e.details);
      throw e;
    }
    const results = await client.blockResults(height);
    const txs: TxSummary[] = b.txs.map(({ bytes }, index) => {
      const d = describeTx(bytes);
      const code = results.results[index]?.code ?? 0;
      return { hash: txHashOf(bytes), height, index, type: d.type, signer: d.signer, code, error: errorName(code) };
    });
    return {
      height: b.height,
      hash: b.hash,
      time: b.time,
      numTxs: txs.length,
      appHash: b.appHash,
      resultAppHash: await this.resultAppHash(height),
      lastBlockHash: b.lastBlockHash,
      proposer: b.proposer,
      chainId: b.chainId,
      txs,
    };
  }

  /**
   * The state root after executing block `height`. CometBFT puts it in the
   * header of the next block; for the newest block, the application reports it
   * through abci_info.
   */
  async resultAppHash(height: number): Promise<string> {
    const client = await this.client();
    const info = await client.abciInfo();
    if (info.height === height) return info.appHash.toUpperCase();
    try {
      return (await client.block(height + 1, { signatures: false })).appHash;
    } catch (e) {
      // No next block yet (and the app reported another height): unknown, said as "".
      if (e instanceof CharterError && e.code === 'NOT_FOUND') return '';
      throw e;
    }
  }

  async tx(hash: string): Promise<TxView> {
    const client = await this.client();
    const clean = hash.replace(/^0x/i, '').toUpperCase();
    const t = await client.tx(clean);
    if (!t) throw new CharterError('NOT_FOUND', `no transaction ${clean}`);
    const d = describeTx(t.bytes);
    const header = await client.block(t.height, { signatures: false });
    return {
      hash: t.hash,
      height: t.height,
      index: t.index,
      type: d.type,
      signer: d.signer,
      code: t.result.code,
      error: errorName(t.result.code),
      codespace: t.result.codespace,
      log: t.result.log,
      envelope: d.envelope,
      signingDigest: d.signingDigest,
      events: t.result.events,
      blockTime: header.time,
    };
  }
}

/**
 * Blocks for replay from a CometBFT node's RPC (`charter replay --node URL`):
 * the genesis (/genesis: the custody genesis is its app_state), each block's
 * transactions, time and header app_hash (/block), the recorded result codes
 * (/block_results), and the root after each block as the validators signed
 * it: header app_hash of the next block. For the newest block, whose next
 * header does not exist yet, the root CometBFT recorded from FinalizeBlock
 * (/block_results app_hash) stands in, unsigned.
 *
 * Works against any CometBFT 0.38 RPC: a network validator's, or the devnet's.
 */
import { z } from 'zod';
import { validateGenesis } from '../../core/engine/genesis.js';
import type { GenesisDoc } from '../../core/engine/types.js';
import { CharterError } from '../../core/errors.js';
import type { BlockRecord } from '../blocks-history/format.js';

const Block = z.object({
  block_id: z.object({ hash: z.string() }),
  block: z.object({
    header: z.object({ height: z.string(), time: z.string(), app_hash: z.string() }),
    data: z.object({ txs: z.array(z.string()).nullable().optional() }),
  }),
});
const Results = z.object({
  app_hash: z.string().optional(),
  txs_results: z
    .array(z.object({ code: z.number().optional() }))
    .nullable()
    .optional(),
});

export class NodeBlocks {
  private constructor(
    readonly url: string,
    readonly genesis: GenesisDoc,
    readonly latestHeight: number,
  ) {}

  static async open(url: string): Promise<NodeBlocks> {
    const base = url.replace(/\/+$/, '');
    const g = (await call(base, 'genesis')) as { genesis?: { app_state?: unknown; chain_id?: string } };
    let genesis: GenesisDoc;
    try {
      genesis = validateGenesis(g.genesis?.app_state);
    } catch (e) {
      throw new CharterError('INVALID_INPUT', `${base}: the CometBFT genesis carries no custody genesis in app_state: ${(e as Error).message}`);
    }
    if (g.genesis?.chain_id !== undefined && g.genesis.chain_id !== genesis.chain_id)
      throw new CharterError('INVALID_INPUT', `${base}: CometBFT chain ${g.genesis.chain_id}, custody genesis ${genesis.chain_id}`);
    const s = (await call(base, 'status')) as { sync_info?: { latest_block_height?: string } };
    return new NodeBlocks(base, genesis, Number(s.sync_info?.latest_block_height ?? 0));
  }

  async block(height: number): Promise<BlockRecord> {
    const b = Block.parse(await call(this.url, 'block', { height: String(height) }));
    const r = Results.parse(await call(this.url, 'block_results', { height: String(height) }));
    // block_results carries it as protobuf bytes in JSON: base64.
    let result = Buffer.from(r.app_hash ?? '', 'base64')
      .toString('hex')
      .toUpperCase();
    if (height < this.latestHeight) {
      const next = Block.parse(await call(this.url, 'block', { height: String(height + 1) }));
      result = next.block.header.app_hash.toUpperCase();
    }
    const txs = (b.block.data.txs ?? []).map((t) => new Uint8Array(Buffer.from(t, 'base64')));
    return {
      height: Number(b.block.header.height),
      time: b.block.header.time,
      hash: b.block_id.hash.toUpperCase(),
      app_hash: b.block.header.app_hash.toUpperCase(),
      result_app_hash: result,
      txs,
      tx_results: (r.txs_results ?? []).map((x) => ({ code: x.code ?? 0 })),
    };
  }

  async *blocks(from: number, to: number): AsyncGenerator<BlockRecord> {
    for (let h = from; h <= to; h++) yield await this.block(h);
  }
}

async function call(base: string, method: string, params: Record<string, string> = {}): Promise<unknown> {
  const q = new URLSearchParams(params).toString();
  let res: Response;
  try {
    res = await fetch(`${base}/${method}${q ? `?${q}` : ''}`, { signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new CharterError('NODE_UNREACHABLE', `${base}: ${(e as Error).message}`);
  }
  const j = (await res.json().catch(() => null)) as { result?: unknown; error?: { message?: string; data?: string } } | null;
  if (j === null) throw new CharterError('NODE_ERROR', `${base}/${method}: not JSON (HTTP ${res.status})`);
  if (j.error) throw new CharterError('NODE_ERROR', `${base}/${method}: ${j.error.message ?? ''} ${j.error.data ?? ''}`.trim());
  return j.result;
}

/**
 * The contract's `explorer.*` operations. Blocks and transactions of the connected node.
 */
import { z } from 'zod';
import { op, type DomainOperations } from '../operation.js';
import { TxHash, LABEL_FORBIDDEN, Height } from '../shapes.js';

export const BlockSummary = z.object({ height: Height, hash: z.string(), time: z.string(), numTxs: z.number().int().nonnegative() });
export type BlockSummary = z.infer<typeof BlockSummary>;

export const TxSummary = z.object({
  hash: TxHash,
  height: Height,
  index: z.number().int().nonnegative(),
  type: z.string(),
  signer: z.string(),
  code: z.number().int(),
  /** Stable error code name when code ≠ 0. */
  error: z.string().nullable(),
});
export type TxSummary = z.infer<typeof TxSummary>;

export const BlockView = BlockSummary.extend({
  /** Header app_hash: the state root after the previous block (CometBFT semantics). */
  appHash: z.string(),
  /** The state root after executing this block ("" if the node cannot tell yet). */
  resultAppHash: z.string(),
  lastBlockHash: z.string(),
  proposer: z.string(),
  chainId: z.string(),
  txs: z.array(TxSummary),
});
export type BlockView = z.infer<typeof BlockView>;

export const TxView = TxSummary.extend({
  codespace: z.string(),
  log: z.string(),
  /** The decoded envelope (signed transaction) as JSON. */
  envelope: z.unknown(),
  /** Lower-case hex signing digest the signature covers. */
  signingDigest: z.string(),
  events: z.array(z.object({ type: z.string(), attributes: z.array(z.object({ key: z.string(), value: z.string() })) })),
  blockTime: z.string(),
});
export type TxView = z.infer<typeof TxView>;

export const operations = {
  'explorer.overview': op(
    'Latest blocks of the connected node',
    z.object({ limit: z.number().int().min(1).max(100).default(20) }).strict(),
    z.object({ chainId: z.string(), height: Height, blocks: z.array(BlockSummary), txCount: z.number().int().nonnegative() }),
  ),
  'explorer.block': op('One block with its transactions', z.object({ height: z.number().int().positive() }).strict(), BlockView, {
    subject: (i) => `block ${String(i['height'])}`,
  }),
  'explorer.tx': op(
    'One transaction with its result',
    z.object({ hash: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'a 64-hex-digit transaction hash') }).strict(),
    TxView,
    { subject: (i) => `tx ${String(i['hash']).replace(/^0x/i, '').toUpperCase()}` },
  ),
  'explorer.search': op(
    'What a typed query names: a block height (that exists) or a transaction hash (that the node has); refuses anything else with the reason',
    z
      .object({
        /** As typed: a height such as 12, or a 64-hex-digit transaction hash (0x allowed). */
        query: z
          .string()
          .max(200)
          .refine((s) => !LABEL_FORBIDDEN.test(s), 'no control characters'),
      })
      .strict(),
    z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('block'), height: z.number().int().positive() }),
      z.object({ kind: z.literal('tx'), hash: TxHash, height: Height }),
    ]),
    { subject: (i) => `query ${JSON.stringify(String(i['query']).slice(0, 80))}` },
  ),
} as const satisfies DomainOperations<'explorer'>;

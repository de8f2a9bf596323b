/**
 * The contract's `node.*` operations. The connection to the custody node.
 */
import { z } from 'zod';
import { op, type DomainOperations } from '../operation.js';
import { Empty, Height } from '../shapes.js';

export const NodeStatus = z.object({
  connection: z.enum(['connecting', 'connected', 'disconnected']),
  rpcUrl: z.string(),
  embedded: z.boolean(),
  chainId: z.string().nullable(),
  height: Height.nullable(),
  lastBlockTime: z.string().nullable(),
  appHash: z.string().nullable(),
  error: z.string().nullable(),
});
export type NodeStatus = z.infer<typeof NodeStatus>;

/** The id of a node connection of the console's node registry (e.g. "devnet"), carried by node events. */
export const NodeId = z.string().min(1);

export const ValidatorHealth = z.object({
  height: Height,
  validators: z.array(z.object({ address: z.string(), power: z.number().int(), signedLatest: z.boolean() })),
  totalPower: z.number().int(),
  onlinePower: z.number().int(),
  offline: z.number().int(),
  count: z.number().int(),
  quorum: z.boolean(),
  warning: z.string().nullable(),
});
export type ValidatorHealth = z.infer<typeof ValidatorHealth>;

export const operations = {
  'node.status': op('Connection to the custody node and its latest block', Empty, NodeStatus),
  'node.validators': op(
    'The validator set, whether each validator signed the newest canonical commit, and whether the power online is above two thirds',
    Empty,
    ValidatorHealth,
  ),
} as const satisfies DomainOperations<'node'>;

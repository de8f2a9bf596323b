/**
 * The contract's `security.*` operations. The node's security events (rejections and control changes).
 */
import { z } from 'zod';
import { securityKindOf } from '../../engine/security-kinds.js';
import { op, type DomainOperations } from '../operation.js';
import { KeyId, VaultId, Height } from '../shapes.js';

/** One rejection or control change, as the node persisted it (engine `security.*` events). */
export const SecurityEventView = z.object({
  seq: z.number().int().nonnegative(),
  height: Height,
  /** Null for block-level events (a lapse, a timelocked execution). */
  txIndex: z.number().int().nonnegative().nullable(),
  txHash: z.string().nullable(),
  /** e.g. "security.tx_rejected", "security.key_quarantined". */
  kind: z.string(),
  keyId: z.string().nullable(),
  vaultId: z.string().nullable(),
  requestId: z.string().nullable(),
  proposalId: z.string().nullable(),
  code: z.string().nullable(),
  attributes: z.array(z.object({ key: z.string(), value: z.string() })),
  /**
   * Where it was seen: "block" (a committed block), "admission" (CheckTx refused the
   * transaction at mempool admission; height = last committed height then) or
   * "recheck" (evicted from the mempool when re-checked after a commit).
   */
  stage: z.enum(['block', 'admission', 'recheck']),
});
export type SecurityEventView = z.infer<typeof SecurityEventView>;

export const operations = {
  'security.events': op(
    'Security events of the connected node, newest first, filtered by kind, key, vault and height',
    z
      .object({
        /** One of SECURITY_EVENT_KINDS, with or without the "security." prefix. */
        kind: z
          .string()
          .max(80)
          .refine((k) => securityKindOf(k) !== null, 'not a kind of security event the engine emits')
          .optional(),
        keyId: KeyId.optional(),
        vaultId: VaultId.optional(),
        fromHeight: Height.optional(),
        toHeight: Height.optional(),
        /** Paging: events older than this seq (the previous page's nextBefore). */
        before: z.number().int().positive().optional(),
        limit: z.number().int().min(1).max(1000).default(100),
        /** Only events seen in blocks, at mempool admission, or on mempool recheck. */
        stage: z.enum(['block', 'admission', 'recheck']).optional(),
      })
      .strict()
      .refine((i) => i.fromHeight === undefined || i.toHeight === undefined || i.fromHeight <= i.toHeight, {
        message: 'the height range is inverted: from must not be above to',
        path: ['toHeight'],
      }),
    z.object({ height: Height, events: z.array(SecurityEventView), nextBefore: z.number().int().nullable() }),
  ),
} as const satisfies DomainOperations<'security'>;

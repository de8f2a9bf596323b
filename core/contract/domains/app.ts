/**
 * The contract's `app.*` operations. The console itself: versions, host, workspace, and what the workspace has done.
 */
import { z } from 'zod';
import { op, type DomainOperations } from '../operation.js';
import { Empty, KeyId, Height } from '../shapes.js';

export const operations = {
  'app.info': op(
    'Versions, host kind and workspace location',
    Empty,
    z.object({
      version: z.string(),
      host: z.enum(['electron', 'serve', 'cli']),
      workspace: z.string(),
      devnet: z.boolean(),
      /** The embedded devnet's admin key id (shown as "Devnet admin"); null without an embedded devnet. */
      devnetAdminKeyId: KeyId.nullable().default(null),
    }),
  ),
  'app.milestones': op(
    "What the workspace has done, from its audit log: blocks opened and withdrawals whose evidence was exported (the Overview's first steps)",
    Empty,
    z.object({
      openedBlocks: z.array(Height),
      exportedRequests: z.array(z.string()),
    }),
  ),
} as const satisfies DomainOperations<'app'>;

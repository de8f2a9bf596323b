/**
 * The events the UI can subscribe to, each with the schema of its payload.
 * Frozen under CONTRACT_VERSION (core/contract/freeze.ts): a new event or a
 * changed payload needs a version bump.
 */
import { z } from 'zod';
import { Height } from './shapes.js';
import { NodeId, NodeStatus } from './domains/node.js';
import { BlockSummary } from './domains/explorer.js';
import { AuditEntry } from './domains/audit.js';
import { OutputLine } from './domains/output.js';

export const events = {
  /** A new block was committed on the connected node. */
  'chain.block': BlockSummary.extend({ node: NodeId.optional() }),
  /** The node connection changed state. */
  'node.connection': NodeStatus.extend({ node: NodeId.optional() }),
  /** Vaults or requests changed (a block carried custody transactions). */
  'custody.changed': z.object({ height: Height, node: NodeId.optional() }),
  /** The keystore or a device changed. */
  'devices.changed': z.object({ reason: z.string() }),
  /** An entry was appended to the audit log. */
  'audit.appended': AuditEntry,
  /** A line for the Output panel. */
  'output.line': OutputLine,
  /** Progress of a bundle verification (evidence.verifyBundle): reading entries, then checking member digests. */
  'evidence.progress': z.object({
    jobId: z.string(),
    phase: z.enum(['reading', 'checking']),
    done: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
  }),
} as const;

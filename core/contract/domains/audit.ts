/**
 * The contract's `audit.*` operations. The workspace's audit log.
 */
import { z } from 'zod';
import { op, type DomainOperations } from '../operation.js';
import { Empty, KeyId } from '../shapes.js';

export const AuditEntry = z.object({
  seq: z.number().int().positive(),
  time: z.string(),
  /** Who ran the console: the OS user and the host ("alice@serve"). */
  actor: z.string(),
  /** The key that signed the action, when one did (null otherwise, and in entries older than this field). */
  keyId: z.string().nullable().default(null),
  action: z.string(),
  subject: z.string(),
  result: z.enum(['ok', 'error']),
  /** Non-secret details; errors carry their code. */
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** What audit.list and audit.export select by (all optional, ANDed). */
const AuditFilter = z.object({
  /** Exact action, e.g. "custody.approve". */
  action: z
    .string()
    .regex(/^[a-z]+\.[A-Za-z]+$/, 'an action such as custody.approve')
    .optional(),
  result: z.enum(['ok', 'error']).optional(),
  /** Part of the actor (OS user and host), or of the signing key id. */
  actor: z.string().trim().min(1).max(128).optional(),
  /** The key that signed. */
  keyId: KeyId.optional(),
  /** Text to find in the action, subject, actor, key or details (case-insensitive). */
  text: z.string().trim().min(1).max(256).optional(),
});

export const operations = {
  'audit.list': op(
    'Audit log entries, newest first, filtered by action, result, actor, signing key and text',
    AuditFilter.extend({
      limit: z.number().int().min(1).max(1000).default(200),
      /** Paging: entries older than this seq (the previous page's nextBefore). */
      before: z.number().int().positive().optional(),
    }).strict(),
    z.object({ entries: z.array(AuditEntry), nextBefore: z.number().int().nullable().default(null) }),
  ),
  'audit.export': op(
    'The audit log entries matching a filter, oldest first, as CSV or JSON lines (one entry per line, every field, the hashes included)',
    AuditFilter.extend({
      format: z.enum(['csv', 'jsonl']),
    }).strict(),
    z.object({ fileName: z.string(), text: z.string(), count: z.number().int().nonnegative() }),
    { subject: (i, o) => `audit log as ${String(i['format']).toUpperCase()}${o?.['count'] !== undefined ? ` (${String(o['count'])} entries)` : ''}` },
  ),
  'audit.verify': op(
    "Check the audit log's hash chain",
    Empty,
    z.object({
      ok: z.boolean(),
      count: z.number().int().nonnegative(),
      firstBad: z.object({ seq: z.number().int(), reason: z.string() }).nullable(),
    }),
    { subject: () => 'audit log' },
  ),
} as const satisfies DomainOperations<'audit'>;

/**
 * The append-only, hash-chained audit log of operator actions.
 *
 * Each entry's hash is SHA-256 over the canonical JSON (RFC 8785) of
 * {seq, time, actor, action, subject, result, details, prev_hash}; prev_hash
 * is the previous entry's hash (64 zeros for the first). Editing any field,
 * deleting or reordering entries breaks the chain, which verify() reports.
 * SQLite triggers refuse UPDATE and DELETE; the chain catches what bypasses
 * them (another SQLite client with the triggers dropped, a hex editor).
 * The head (last seq and hash) is also kept in settings, so removing the
 * newest entries is caught too unless the head is rewritten with them; an
 * anchor outside the workspace (the audit log signed into checkpoints, not built yet) would close that.
 */
import type Database from 'better-sqlite3';
import { canonicalJson, sha256Hex, utf8 } from '../../core/codec/index.js';
import { redactSecrets, type AuditEntry } from '../../core/contract/index.js';
import type { Workspace } from '../workspace/workspace.js';

export const AUDIT_GENESIS = '0'.repeat(64);

export interface AuditInput {
  actor: string;
  action: string;
  subject: string;
  result: 'ok' | 'error';
  details: Record<string, unknown>;
}

interface Row {
  seq: number;
  time: string;
  actor: string;
  action: string;
  subject: string;
  result: 'ok' | 'error';
  details: string;
  prev_hash: string;
  hash: string;
}

export function auditEntryHash(e: Omit<AuditEntry, 'hash' | 'prevHash'> & { prevHash: string }): string {
  return sha256Hex(
    utf8(
      canonicalJson({
        seq: e.seq,
        time: e.time,
        actor: e.actor,
        action: e.action,
        subject: e.subject,
        result: e.result,
        details: e.details,
        prev_hash: e.prevHash,
      }),
    ),
  );
}

function toEntry(r: Row): AuditEntry {
  return {
    seq: r.seq,
    time: r.time,
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    result: r.result,
    details: JSON.parse(r.details) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export class AuditLog {
  private readonly db: Database.Database;
  private listeners = new Set<(e: AuditEntry) => void>();

  constructor(
    private readonly ws: Workspace,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.db = ws.db;
  }

  onAppend(l: (e: AuditEntry) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  append(input: AuditInput): AuditEntry {
    // Secrets never reach the log, whatever a caller passes.
    const details = JSON.parse(canonicalJson(redactSecrets(input.details))) as Record<string, unknown>;
    const entry = this.db.transaction((): AuditEntry => {
      const last = this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
      const base = {
        seq: (last?.seq ?? 0) + 1,
        time: this.clock().toISOString(),
        actor: input.actor,
        action: input.action,
        subject: input.subject,
        result: input.result,
        details,
        prevHash: last?.hash ?? AUDIT_GENESIS,
      };
      const hash = auditEntryHash(base);
      this.db
        .prepare('INSERT INTO audit_log (seq, time, actor, action, subject, result, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(base.seq, base.time, base.actor, base.action, base.subject, base.result, canonicalJson(details), base.prevHash, hash);
      this.ws.setSetting('audit.head', { seq: base.seq, hash });
      return { ...base, hash };
    })();
    for (const l of this.listeners) l(entry);
    return entry;
  }

  list(limit = 200): AuditEntry[] {
    return (this.db.prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?').all(limit) as Row[]).map(toEntry);
  }

  /** Walk the whole chain; report the first entry that does not chain. */
  verify(): { ok: boolean; count: number; firstBad: { seq: number; reason: string } | null } {
    const rows = this.db.prepare('SELECT * FROM audit_log ORDER BY seq ASC').iterate() as IterableIterator<Row>;
    let prev = AUDIT_GENESIS;
    let expectedSeq = 1;
    let count = 0;
    for (const r of rows) {
      count++;
      if (r.seq !== expectedSeq) return { ok: false, count, firstBad: { seq: r.seq, reason: `entry ${expectedSeq} is missing (found ${r.seq} next)` } };
      if (r.prev_hash !== prev) return { ok: false, count, firstBad: { seq: r.seq, reason: 'prev_hash does not match the previous entry (an entry before it was changed or removed)' } };
      let details: Record<string, unknown>;
      try {
        details = JSON.parse(r.details) as Record<string, unknown>;
      } catch {
        return { ok: false, count, firstBad: { seq: r.seq, reason: 'details are not valid JSON' } };
      }
      const h = auditEntryHash({ ...toEntry(r), details, prevHash: r.prev_hash });
      if (h !== r.hash) return { ok: false, count, firstBad: { seq: r.seq, reason: 'content does not match its hash (the entry was edited)' } };
      prev = r.hash;
      expectedSeq++;
    }
    const head = this.ws.getSetting<{ seq: number; hash: string }>('audit.head');
    if (head && (head.seq !== count || head.hash !== prev)) {
      return { ok: false, count, firstBad: { seq: head.seq, reason: `the log ends at entry ${count} but its recorded head is entry ${head.seq} (newest entries were removed)` } };
    }
    return { ok: true, count, firstBad: null };
  }
}

/**
 * The append-only, hash-chained audit log of operator actions.
 *
 * Each entry's hash is SHA-256 over the canonical JSON (RFC 8785) of
 * {seq, time, actor, key_id, action, subject, result, details, prev_hash};
 * key_id (the key that signed) is left out when null, so entries written
 * before it existed hash as they always did. prev_hash is the previous
 * entry's hash (64 zeros for the first). Editing any field,
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
  /** The key that signed the action, when one did. */
  keyId?: string | null;
  action: string;
  subject: string;
  result: 'ok' | 'error';
  details: Record<string, unknown>;
}

interface Row {
  seq: number;
  time: string;
  actor: string;
  key_id: string | null;
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
        ...(e.keyId !== null && e.keyId !== undefined ? { key_id: e.keyId } : {}),
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
    keyId: r.key_id ?? null,
    action: r.action,
    subject: r.subject,
    result: r.result,
    details: JSON.parse(r.details) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** What list() and export() select by (all optional, ANDed). */
export interface AuditFilter {
  action?: string;
  result?: 'ok' | 'error';
  /** Part of the actor, or of the signing key id. */
  actor?: string;
  keyId?: string;
  /** Case-insensitive text in the action, subject, actor, key id or details. */
  text?: string;
}

/** Most entries one export holds. */
export const MAX_EXPORT = 100_000;

/** A LIKE pattern matching `s` anywhere, with LIKE's wildcards escaped (ESCAPE '\\'). */
function contains(s: string): string {
  return '%' + s.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
}

function whereOf(f: AuditFilter): { where: string[]; args: (string | number)[] } {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (f.action) {
    where.push('action = ?');
    args.push(f.action);
  }
  if (f.result) {
    where.push('result = ?');
    args.push(f.result);
  }
  if (f.keyId) {
    where.push('key_id = ?');
    args.push(f.keyId);
  }
  if (f.actor) {
    where.push("(actor LIKE ? ESCAPE '\\' OR IFNULL(key_id, '') LIKE ? ESCAPE '\\')");
    args.push(contains(f.actor), contains(f.actor));
  }
  if (f.text) {
    where.push("(action || ' ' || subject || ' ' || actor || ' ' || IFNULL(key_id, '') || ' ' || details) LIKE ? ESCAPE '\\'");
    args.push(contains(f.text));
  }
  return { where, args };
}

const CSV_COLUMNS = ['seq', 'time', 'actor', 'keyId', 'action', 'subject', 'result', 'details', 'prevHash', 'hash'] as const;

/** C0 controls, DEL, C1 controls (U+009B is a CSI), bidirectional marks, embeddings, overrides and isolates, and the line/paragraph separators. */

const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** Text for a terminal: each character a terminal could act on written as the six characters \uXXXX (a display form, not the exact value). */
export function escapeForTerminal(s: string): string {
  return s.replace(TERMINAL_UNSAFE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * One CSV field: quoted when it holds a comma, quote or line break; a leading =, +, - or @ is prefixed with ' so spreadsheets do not run it as a formula.
 * `terminal`: control and bidirectional characters are written as \uXXXX (for stdout); otherwise the value is exact (for a file).
 */
function csvField(v: unknown, terminal: boolean): string {
  let s = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : canonicalJson(v);
  if (terminal) s = escapeForTerminal(s);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/**
 * Entries as CSV (RFC 4180, CRLF line ends, a header row; details as canonical JSON).
 * With `terminal` (written to stdout), control and bidirectional characters in a field are escaped as \uXXXX.
 */
export function auditCsv(entries: readonly AuditEntry[], opts: { terminal?: boolean } = {}): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of entries) lines.push(CSV_COLUMNS.map((c) => csvField(e[c], !!opts.terminal)).join(','));
  return lines.join('\r\n') + '\r\n';
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
        keyId: input.keyId ?? null,
        action: input.action,
        subject: input.subject,
        result: input.result,
        details,
        prevHash: last?.hash ?? AUDIT_GENESIS,
      };
      const hash = auditEntryHash(base);
      this.db
        .prepare('INSERT INTO audit_log (seq, time, actor, key_id, action, subject, result, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(base.seq, base.time, base.actor, base.keyId, base.action, base.subject, base.result, canonicalJson(details), base.prevHash, hash);
      this.ws.setSetting('audit.head', { seq: base.seq, hash });
      return { ...base, hash };
    })();
    for (const l of this.listeners) l(entry);
    return entry;
  }

  /** Entries matching the filter, newest first (oldest first with `ascending`). */
  list(limit = 200, filter: AuditFilter = {}, opts: { before?: number; ascending?: boolean } = {}): AuditEntry[] {
    const { where, args } = whereOf(filter);
    if (opts.before !== undefined) {
      where.push('seq < ?');
      args.push(opts.before);
    }
    const sql = `SELECT * FROM audit_log${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY seq ${opts.ascending ? 'ASC' : 'DESC'} LIMIT ?`;
    return (this.db.prepare(sql).all(...args, limit) as Row[]).map(toEntry);
  }

  /** A page of entries, newest first, with the seq to pass as `before` for the next page (null at the end). */
  page(limit: number, filter: AuditFilter = {}, before?: number): { entries: AuditEntry[]; nextBefore: number | null } {
    const rows = this.list(limit + 1, filter, { before });
    const entries = rows.slice(0, limit);
    return { entries, nextBefore: rows.length > limit ? (entries[entries.length - 1] as AuditEntry).seq : null };
  }

  /** Every entry matching the filter, oldest first (what export() writes). */
  exportEntries(filter: AuditFilter = {}): AuditEntry[] {
    return this.list(MAX_EXPORT, filter, { ascending: true });
  }

  /** Every entry matching the filter, oldest first, as CSV (RFC 4180) or JSON lines, values exact (for a file). */
  export(format: 'csv' | 'jsonl', filter: AuditFilter = {}): { fileName: string; text: string; count: number } {
    const entries = this.exportEntries(filter);
    const text = format === 'csv' ? auditCsv(entries) : entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : '');
    return { fileName: `audit-log.${format === 'csv' ? 'csv' : 'jsonl'}`, text, count: entries.length };
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
      if (r.prev_hash !== prev)
        return {
          ok: false,
          count,
          firstBad: { seq: r.seq, reason: 'prev_hash does not match the previous entry (an entry before it was changed or removed)' },
        };
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
      return {
        ok: false,
        count,
        firstBad: { seq: head.seq, reason: `the log ends at entry ${count} but its recorded head is entry ${head.seq} (newest entries were removed)` },
      };
    }
    return { ok: true, count, firstBad: null };
  }
}

// Real SQLite files in a temp directory: migrations, pragmas, settings and the
// hash-chained audit log, including tampering done behind the triggers' back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace, resolveWorkspaceDir } from '../../main/workspace/workspace.js';
import { AuditLog } from '../../main/services/audit.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-ws-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function seed(ws: Workspace, n: number): AuditLog {
  const log = new AuditLog(ws);
  for (let i = 1; i <= n; i++) log.append({ actor: 'tester@cli', action: 'keys.create', subject: `key ${i}`, result: 'ok', details: { n: i } });
  return log;
}

/** Open the file with a second, raw connection and drop the append-only triggers, as an attacker would. */
function tamper(sql: string): void {
  const db = new Database(path.join(dir, 'workspace.db'));
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
  db.exec(sql);
  db.close();
}

describe('workspace', () => {
  it('creates the layout, runs migrations once, uses WAL with synchronous=FULL', () => {
    const ws = Workspace.open(dir);
    expect(fs.existsSync(path.join(dir, 'workspace.db'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'keystore'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'artifacts'))).toBe(true);
    expect(ws.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(ws.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    const v = ws.schemaVersion();
    expect(v).toBeGreaterThanOrEqual(1);
    ws.setSetting('ui.theme', 'light');
    ws.close();
    const again = Workspace.open(dir);
    expect(again.schemaVersion()).toBe(v);
    expect(again.getSetting('ui.theme')).toBe('light');
    again.close();
  });

  it('resolves the directory from the flag, then CHARTER_WORKSPACE, then the OS user-data dir', () => {
    const saved = process.env['CHARTER_WORKSPACE'];
    try {
      process.env['CHARTER_WORKSPACE'] = '/tmp/from-env';
      expect(resolveWorkspaceDir('/tmp/from-flag')).toBe('/tmp/from-flag');
      expect(resolveWorkspaceDir()).toBe('/tmp/from-env');
      delete process.env['CHARTER_WORKSPACE'];
      expect(resolveWorkspaceDir()).toMatch(/charter-console/);
    } finally {
      if (saved === undefined) delete process.env['CHARTER_WORKSPACE'];
      else process.env['CHARTER_WORKSPACE'] = saved;
    }
  });
});

describe('audit log', () => {
  it('chains entries and verifies', () => {
    const ws = Workspace.open(dir);
    const log = seed(ws, 5);
    const entries = log.list(10);
    expect(entries.map((e) => e.seq)).toEqual([5, 4, 3, 2, 1]);
    expect(entries[0]!.prevHash).toBe(entries[1]!.hash);
    expect(log.verify()).toEqual({ ok: true, count: 5, firstBad: null });
    ws.close();
  });

  it('refuses UPDATE and DELETE through SQLite', () => {
    const ws = Workspace.open(dir);
    seed(ws, 2);
    expect(() => ws.db.prepare("UPDATE audit_log SET subject = 'x' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => ws.db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/);
    ws.close();
  });

  it('detects an edited entry', () => {
    seed(Workspace.open(dir), 4);
    tamper(`UPDATE audit_log SET details = '{"n":99}' WHERE seq = 2`);
    const ws = Workspace.open(dir);
    expect(new AuditLog(ws).verify().firstBad?.seq).toBe(2);
    ws.close();
  });

  it('detects a deleted entry in the middle', () => {
    seed(Workspace.open(dir), 4);
    tamper('DELETE FROM audit_log WHERE seq = 3');
    const ws = Workspace.open(dir);
    const r = new AuditLog(ws).verify();
    expect(r.ok).toBe(false);
    expect(r.firstBad?.seq).toBe(4);
    ws.close();
  });

  it('detects removal of the newest entries', () => {
    seed(Workspace.open(dir), 4);
    tamper('DELETE FROM audit_log WHERE seq >= 3');
    const ws = Workspace.open(dir);
    const r = new AuditLog(ws).verify();
    expect(r.ok).toBe(false);
    expect(r.firstBad?.reason).toMatch(/removed/);
    ws.close();
  });

  it('never stores secrets passed in details', () => {
    const ws = Workspace.open(dir);
    const log = new AuditLog(ws);
    log.append({ actor: 'a', action: 'keys.create', subject: 'key', result: 'ok', details: { input: { label: 'x', passphrase: 'hunter2-secret' } } });
    ws.close();
    const raw = fs.readFileSync(path.join(dir, 'workspace.db'));
    const wal = fs.existsSync(path.join(dir, 'workspace.db-wal')) ? fs.readFileSync(path.join(dir, 'workspace.db-wal')) : Buffer.alloc(0);
    expect(Buffer.concat([raw, wal]).includes(Buffer.from('hunter2-secret'))).toBe(false);
  });
});

describe('audit log migration 2 (the signing key)', () => {
  it('keeps entries written before the key_id column verifiable, and chains new entries with a key onto them', async () => {
    // A workspace as migration 1 left it, with entries hashed by the original formula
    // (computed here independently: SHA-256 over canonical JSON without key_id).
    const { MIGRATIONS } = await import('../../main/workspace/migrations.js');
    const { canonicalJson, sha256Hex, utf8 } = await import('../../core/codec/index.js');
    const raw = new Database(path.join(dir, 'workspace.db'));
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    raw.exec((MIGRATIONS[0] as { sql: string }).sql);
    raw.prepare('INSERT INTO schema_migrations VALUES (1, ?, ?)').run('v1', '2026-01-01T00:00:00.000Z');
    let prev = '0'.repeat(64);
    for (let seq = 1; seq <= 3; seq++) {
      const e = {
        seq,
        time: `2026-01-01T00:00:0${seq}.000Z`,
        actor: 'old@cli',
        action: 'keys.create',
        subject: `key ${seq}`,
        result: 'ok',
        details: { n: seq },
        prev_hash: prev,
      };
      const hash = sha256Hex(utf8(canonicalJson(e)));
      raw
        .prepare('INSERT INTO audit_log (seq, time, actor, action, subject, result, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(seq, e.time, e.actor, e.action, e.subject, e.result, canonicalJson(e.details), prev, hash);
      raw
        .prepare("INSERT INTO settings (key, value) VALUES ('audit.head', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .run(JSON.stringify({ seq, hash }));
      prev = hash;
    }
    raw.close();

    const ws = Workspace.open(dir);
    expect(ws.schemaVersion()).toBeGreaterThanOrEqual(2);
    const log = new AuditLog(ws);
    expect(log.verify()).toEqual({ ok: true, count: 3, firstBad: null });
    expect(log.list(10).every((e) => e.keyId === null)).toBe(true);
    const k = 'ab'.repeat(20);
    const added = log.append({ actor: 'new@serve', keyId: k, action: 'custody.approve', subject: 'request wr-1', result: 'ok', details: {} });
    expect(added.keyId).toBe(k);
    expect(added.prevHash).toBe(prev);
    expect(log.verify()).toEqual({ ok: true, count: 4, firstBad: null });
    ws.close();
    // The key is covered by the hash: changing it behind the triggers' back breaks the chain.
    tamper(`UPDATE audit_log SET key_id = '${'cd'.repeat(20)}' WHERE seq = 4`);
    const again = Workspace.open(dir);
    expect(new AuditLog(again).verify()).toMatchObject({ ok: false, firstBad: { seq: 4 } });
    again.close();
  });
});

// The audit log through the console's contract (dispatch over a real workspace
// and the embedded devnet): every operator action and refusal is recorded with
// the OS user and the key that signed, settings changes say what changed,
// refusals that used to stay in the renderer are refused and recorded by the
// host, and the log can be filtered, paged and exported (contract and CLI)
// while its hash chain still verifies.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditEntry, KeyView } from '../../core/contract/index.js';
import { main } from '../../main/cli/index.js';
import { AuditLog } from '../../main/services/audit.js';
import { useConsole } from './console-harness.js';

const PASS = 'a long passphrase';
const h = useConsole('charter-audit-');
const { call } = h;

const list = (filter: Record<string, unknown> = {}) => call('audit.list', filter);
const newest = async (action: string) => (await list({ action, limit: 1 })).entries[0]!;

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  const origLog = console.log;
  (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => (chunks.push(String(s)), true);
  console.log = (...a: unknown[]) => void chunks.push(a.map(String).join(' ') + '\n');
  try {
    const code = await main(['node', 'charter', ...args]);
    return { code, out: chunks.join('') };
  } finally {
    (process.stdout as unknown as { write: typeof orig }).write = orig;
    console.log = origLog;
  }
}

describe('the audit log through the contract', () => {
  let a: KeyView;
  let b: KeyView;
  let requestId = '';

  it('records the key that signed beside the OS user', async () => {
    a = await call('keys.create', { label: 'initiator', passphrase: PASS, confirmPassphrase: PASS });
    b = await call('keys.create', { label: 'approver', passphrase: PASS });
    await call('custody.createVault', { vaultId: 'audit-v', name: 'Audit', approvers: [a.keyId, b.keyId], threshold: 1 });
    await call('custody.fundVault', { vaultId: 'audit-v', asset: 'USDC', amount: '1000' });
    const { request } = await call('custody.createWithdrawal', {
      vaultId: 'audit-v',
      asset: 'USDC',
      amount: '10',
      destination: 'acct:x',
      memo: '',
      keyId: a.keyId,
      passphrase: PASS,
    });
    requestId = request.requestId;
    const created = await newest('custody.createWithdrawal');
    expect(created).toMatchObject({ keyId: a.keyId, result: 'ok', subject: `request ${requestId}` });
    expect(created.actor).toMatch(/@serve$/);
    // A wrong passphrase is a refusal by that key, recorded with it.
    expect(await h.fail('custody.approve', { requestId, keyId: b.keyId, passphrase: 'not the passphrase' })).toBe('WRONG_PASSPHRASE');
    expect(await newest('custody.approve')).toMatchObject({ keyId: b.keyId, result: 'error', details: { code: 'WRONG_PASSPHRASE' } });
    await call('custody.approve', { requestId, keyId: b.keyId, passphrase: PASS });
    expect(await newest('custody.approve')).toMatchObject({ keyId: b.keyId, result: 'ok' });
    // The devnet admin's faucet: no local key signed.
    expect((await newest('custody.fundVault')).keyId).toBeNull();
    // No secret anywhere in the log.
    const all = JSON.stringify((await list({ limit: 1000 })).entries);
    expect(all).not.toContain(PASS);
    expect(all).not.toContain('not the passphrase');
  });

  it('Create key: the host refuses mismatched passphrases with PASSPHRASE_MISMATCH, records it, creates nothing', async () => {
    const before = (await call('keys.list', {})).keys.length;
    expect(await h.fail('keys.create', { label: 'typo', passphrase: PASS, confirmPassphrase: PASS + '!' })).toBe('PASSPHRASE_MISMATCH');
    expect((await call('keys.list', {})).keys.length).toBe(before);
    const e = await newest('keys.create');
    expect(e).toMatchObject({ result: 'error', details: { code: 'PASSPHRASE_MISMATCH' } });
    expect(JSON.stringify(e)).not.toContain(PASS);
  });

  it('a settings change records the names and new values', async () => {
    await call('settings.set', { theme: 'light' });
    const e = await newest('settings.set');
    expect(e.subject).toBe('settings: theme=light');
    expect(e.details['input']).toEqual({ theme: 'light' });
  });

  it('governance: the action text is parsed by the host; bad JSON is refused (INVALID_JSON, with the position) and recorded', async () => {
    expect(await h.fail('governance.propose', { track: 'protocol', actionJson: '{"type": "params.set", max_expiry_blocks: 5}' })).toBe('INVALID_JSON');
    const e = await newest('governance.propose');
    expect(e).toMatchObject({ result: 'error', details: { code: 'INVALID_JSON' } });
    expect(String(e.details['message'])).toMatch(/line 1, column/);
    expect(await h.fail('governance.propose', { track: 'protocol', actionJson: '[1,2]' })).toBe('INVALID_INPUT');
    expect(await h.fail('governance.propose', { track: 'protocol', actionJson: '{"max_expiry_blocks":5}' })).toBe('INVALID_INPUT');
    expect(await h.fail('governance.propose', { track: 'protocol' })).toBe('INVALID_INPUT');
    const ok = await call('governance.propose', { track: 'protocol', actionJson: '{"type":"params.set","max_expiry_blocks":500}' });
    expect(ok.proposal.actionType).toBe('params.set');
  });

  it('explorer search: the host parses the query; what is neither, or does not exist, is refused and recorded', async () => {
    expect(await call('explorer.search', { query: ' 1 ' })).toEqual({ kind: 'block', height: 1 });
    expect(await h.fail('explorer.search', { query: 'block twelve' })).toBe('INVALID_INPUT');
    expect(await newest('explorer.search')).toMatchObject({ result: 'error', subject: 'query "block twelve"', details: { code: 'INVALID_INPUT' } });
    expect(await h.fail('explorer.search', { query: '99999999' })).toBe('NOT_FOUND');
    expect(await h.fail('explorer.search', { query: 'AB'.repeat(32) })).toBe('NOT_FOUND');
    const req = await call('custody.getRequest', { requestId });
    expect(await call('explorer.search', { query: `0x${req.createdTx.toLowerCase()}` })).toMatchObject({ kind: 'tx', hash: req.createdTx });
  });

  it('an inverted segment range is refused by the host and recorded', async () => {
    expect(await h.fail('evidence.buildSegment', { from: 9, to: 3 })).toBe('INVALID_INPUT');
    expect(await newest('evidence.buildSegment')).toMatchObject({ result: 'error', details: { code: 'INVALID_INPUT' } });
  });

  it('filters by action, result, actor, key and text, pages, and exports CSV and JSON lines; the chain verifies', async () => {
    const byKey = await list({ keyId: b.keyId });
    expect(byKey.entries.length).toBeGreaterThanOrEqual(2);
    expect(byKey.entries.every((e) => e.keyId === b.keyId)).toBe(true);
    expect((await list({ actor: b.keyId.slice(0, 12) })).entries.map((e) => e.seq)).toEqual(byKey.entries.map((e) => e.seq));
    const errors = await list({ result: 'error' });
    expect(errors.entries.length).toBeGreaterThanOrEqual(6);
    expect(errors.entries.every((e) => e.result === 'error')).toBe(true);
    expect((await list({ text: 'PASSPHRASE_MISMATCH' })).entries.map((e) => e.action)).toEqual(['keys.create']);
    // LIKE wildcards are literal.
    expect((await list({ text: '%' })).entries.every((e) => JSON.stringify(e).includes('%'))).toBe(true);
    expect((await list({ action: 'custody.approve', result: 'ok' })).entries).toHaveLength(1);
    expect(await h.fail('audit.list', { action: 'DROP TABLE' })).toBe('INVALID_INPUT');
    // Paging: newest first, nextBefore continues.
    const p1 = await list({ limit: 3 });
    expect(p1.entries).toHaveLength(3);
    expect(p1.nextBefore).toBe(p1.entries[2]!.seq);
    const p2 = await list({ limit: 3, before: p1.nextBefore });
    expect(p2.entries[0]!.seq).toBe(p1.entries[2]!.seq - 1);

    const csv = await call('audit.export', { format: 'csv', keyId: b.keyId });
    expect(csv.fileName).toBe('audit-log.csv');
    const rows = csv.text.trimEnd().split('\r\n');
    expect(rows[0]).toBe('seq,time,actor,keyId,action,subject,result,details,prevHash,hash');
    expect(rows.length - 1).toBe(csv.count);
    expect(csv.count).toBe(byKey.entries.length);
    const jsonl = await call('audit.export', { format: 'jsonl' });
    const lines = jsonl.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEntry);
    expect(lines.map((e) => e.seq)).toEqual([...lines.map((e) => e.seq)].sort((x, y) => x - y));
    expect(lines.find((e) => e.keyId === b.keyId && e.action === 'custody.approve')).toBeTruthy();
    expect(await newest('audit.export')).toMatchObject({ result: 'ok', subject: expect.stringMatching(/^audit log as JSONL \(\d+ entries\)$/) });
    expect(await call('audit.verify', {})).toMatchObject({ ok: true, firstBad: null });
  });

  it('the CLI lists with filters, writes CSV and JSON lines, and verifies the chain', async () => {
    const dir = h.dir;
    const csv = await cli(['audit', 'list', '--workspace', dir, '--csv', '--key', b.keyId]);
    expect(csv.code).toBe(0);
    expect(csv.out.split('\r\n')[0]).toBe('seq,time,actor,keyId,action,subject,result,details,prevHash,hash');
    expect(csv.out).toContain(b.keyId);
    const jsonl = await cli(['audit', 'list', '--workspace', dir, '--jsonl', '--result', 'error']);
    expect(jsonl.code).toBe(0);
    const entries = jsonl.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEntry);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.result === 'error')).toBe(true);
    expect((await cli(['audit', 'list', '--workspace', dir, '--csv', '--jsonl'])).code).toBe(64);
    expect((await cli(['audit', 'list', '--workspace', dir, '--result', 'maybe'])).code).toBe(64);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'charter-audit-out-')), 'log.jsonl');
    expect((await cli(['audit', 'export', '--workspace', dir, '--format', 'jsonl', '--out', out])).code).toBe(0);
    expect(fs.readFileSync(out, 'utf8').trimEnd().split('\n').length).toBeGreaterThan(5);
    // An existing file is not overwritten.
    expect((await cli(['audit', 'export', '--workspace', dir, '--format', 'csv', '--out', out])).code).not.toBe(0);
    expect(fs.readFileSync(out, 'utf8').startsWith('{')).toBe(true);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    // Refused before the workspace is opened: a missing workspace would be another failure.
    expect((await cli(['audit', 'export', '--workspace', path.join(dir, 'no-such-workspace'), '--format', 'csv', '--out', out])).code).toBe(1);
    expect(fs.existsSync(path.join(dir, 'no-such-workspace'))).toBe(false);
    // --force replaces it.
    expect((await cli(['audit', 'export', '--workspace', dir, '--format', 'csv', '--out', out, '--force'])).code).toBe(0);
    expect(fs.readFileSync(out, 'utf8').startsWith('seq,')).toBe(true);
    // A symbolic link is never written through, even with --force.
    const target = path.join(path.dirname(out), 'target');
    fs.writeFileSync(target, 'target');
    const link = path.join(path.dirname(out), 'link.csv');
    fs.symlinkSync(target, link);
    expect((await cli(['audit', 'export', '--workspace', dir, '--format', 'csv', '--out', link, '--force'])).code).not.toBe(0);
    expect(fs.readFileSync(target, 'utf8')).toBe('target');
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
    const v = await cli(['audit', 'verify', '--workspace', dir, '--json']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out)).toMatchObject({ ok: true });
  });
  it('audit to stdout (list --csv/--jsonl, export --out -) carries no C0/C1 control or bidi character raw; a file keeps the exact value', async () => {
    const dir = h.dir;
    const nasty = 'evil\u009b31m\u001b[2J\u202egnp.exe\u2066x\u0085\r';
    new AuditLog(h.charter.workspace).append({ actor: `op${nasty}`, action: 'test.terminal', subject: `sub${nasty}`, result: 'ok', details: { note: nasty } });
    const raw = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
    const filter = ['--action', 'test.terminal'];
    for (const args of [
      ['audit', 'list', '--csv'],
      ['audit', 'list', '--jsonl'],
      ['audit', 'export', '--format', 'csv', '--out', '-'],
      ['audit', 'export', '--format', 'jsonl', '--out', '-'],
    ]) {
      const r = await cli([...args, '--workspace', dir, ...filter]);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.out, args.join(' ')).toContain('sub');
      expect(raw.test(r.out.replace(/\r\n/g, '\n')), args.join(' ')).toBe(false);
      if (args.includes('--jsonl') || args.includes('jsonl')) {
        // The same JSON value: the escapes are JSON's own.
        const [e] = r.out
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as AuditEntry);
        expect(e).toMatchObject({ actor: `op${nasty}`, subject: `sub${nasty}`, details: { note: nasty } });
      } else {
        expect(r.out).toContain('subevil\\u009b31m\\u001b[2J\\u202egnp.exe');
      }
    }
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-audit-exact-'));
    try {
      const file = path.join(outDir, 'exact.jsonl');
      expect((await cli(['audit', 'export', '--workspace', dir, '--format', 'jsonl', '--out', file, ...filter])).code).toBe(0);
      expect((JSON.parse(fs.readFileSync(file, 'utf8').trimEnd()) as AuditEntry).subject).toBe(`sub${nasty}`);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });
});

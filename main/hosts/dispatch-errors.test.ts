// An internal error (a handler that throws a plain Error whose message names a
// file, or an INTERNAL CharterError) reaches the caller and the Output panel as
// an error id and nothing else: no stack, no path, no secret. The workspace's
// logs/charter.log keeps the message and stack under that id, 0600, without
// the call's secrets, and stays bounded in size. Real workspace on a temp
// directory and real files; the handlers are stand-ins (this is about dispatch).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OutputLine } from '../../core/contract/index.js';
import { CharterError } from '../../core/errors.js';
import { AuditLog } from '../services/audit.js';
import { EventBus, OutputLog } from '../services/bus.js';
import { ERROR_LOG_NAME, ErrorLog } from '../services/error-log.js';
import { Workspace } from '../workspace/workspace.js';
import { dispatch, toSerializedError, type Handlers } from './dispatch.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-dispatch-errors-'));
const ws = Workspace.open(dir);
afterAll(() => {
  ws.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const PASS = 'sekret-passphrase-1234';
const INSTALL_PATH = '/opt/Charter Console/resources/app.asar/dist/main/services/keys.js';
const ABSOLUTE_PATH = /(^|[\s'"(:])\/(opt|home|usr|tmp|work|root)\b/;
const STACK_FRAME = /\n\s+at\s/;

function readLog(file: string): { errorId: string; source: string; message: string; stack: string }[] {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { errorId: string; source: string; message: string; stack: string });
}

describe('internal errors through dispatch', () => {
  it('the caller and the Output panel get an error id; logs/charter.log keeps the stack under it, without the secret', async () => {
    const bus = new EventBus();
    const events: OutputLine[] = [];
    bus.subscribe((event, payload) => {
      if (event === 'output.line') events.push(payload as OutputLine);
    });
    const out = new OutputLog(bus);
    out.errorLog = new ErrorLog(ws.dir);
    const audit = new AuditLog(ws);
    const handlers = new Proxy({} as Handlers, {
      get: () => async () => {
        // A careless dependency: the path of the install and the call's passphrase in a plain Error.
        throw new Error(`ENOENT: no such file or directory, open '${INSTALL_PATH}' while unlocking with ${PASS}`);
      },
    });
    const r = await dispatch({ handlers, audit, out, actor: 'test@unit' }, 'keys.create', { label: 'ops', passphrase: PASS });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const e = r.error;
    expect(e.code).toBe('INTERNAL');
    expect(e.errorId).toMatch(/^E-[0-9A-F]{12}$/);
    expect(e.message).toBe(`internal error ${e.errorId} in keys.create: see ${ERROR_LOG_NAME} in the workspace`);
    const sent = JSON.stringify(e);
    expect(sent).not.toMatch(ABSOLUTE_PATH);
    expect(sent).not.toMatch(STACK_FRAME);
    expect(sent).not.toContain('ENOENT');
    expect(sent).not.toContain(PASS);

    // The Output panel (its ring buffer and the events the UI receives): the id, nothing else.
    const lines = [...out.recent(), ...events];
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.message.includes(e.errorId!) && l.message.includes(ERROR_LOG_NAME))).toBe(true);
    for (const l of lines) {
      expect(l.message).not.toMatch(ABSOLUTE_PATH);
      expect(l.message).not.toMatch(STACK_FRAME);
      expect(l.message).not.toContain('ENOENT');
      expect(l.message).not.toContain(PASS);
    }
    // The audit entry records the refusal with the id, not the message.
    const entry = audit.list(10).find((a) => a.action === 'keys.create')!;
    expect(entry.result).toBe('error');
    expect(JSON.stringify(entry)).not.toMatch(ABSOLUTE_PATH);
    expect(JSON.stringify(entry)).toContain(e.errorId);

    // The log file: private, and it holds the message and the stack under that id, the secret scrubbed.
    const file = path.join(dir, ERROR_LOG_NAME);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const logged = readLog(file).find((l) => l.errorId === e.errorId);
    expect(logged).toBeDefined();
    expect(logged!.source).toBe('keys.create');
    expect(logged!.message).toContain(INSTALL_PATH);
    expect(logged!.stack).toMatch(STACK_FRAME);
    expect(logged!.stack).toContain('dispatch-errors.test.ts');
    expect(logged!.message).toContain('[redacted]');
    expect(fs.readFileSync(file, 'utf8')).not.toContain(PASS);
  });

  it('an INTERNAL CharterError and an output that breaks the contract are internal errors too; other codes keep their message', async () => {
    const out = new OutputLog(new EventBus());
    out.errorLog = new ErrorLog(ws.dir);
    const audit = new AuditLog(ws);
    let mode: 'internal' | 'bad-output' | 'coded' = 'internal';
    const handlers = new Proxy({} as Handlers, {
      get: () => async () => {
        if (mode === 'internal') throw new CharterError('INTERNAL', `bad artifact name under ${INSTALL_PATH}`);
        if (mode === 'bad-output') return { unexpected: INSTALL_PATH };
        throw new CharterError('KEY_NOT_FOUND', 'no key ab…');
      },
    });
    const ctx = { handlers, audit, out, actor: 'test@unit' };
    for (const m of ['internal', 'bad-output'] as const) {
      mode = m;
      const r = await dispatch(ctx, 'keys.list', {});
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe('INTERNAL');
      expect(r.error.errorId).toMatch(/^E-[0-9A-F]{12}$/);
      expect(JSON.stringify(r.error)).not.toContain(INSTALL_PATH);
      expect(readLog(path.join(dir, ERROR_LOG_NAME)).some((l) => l.errorId === r.error.errorId)).toBe(true);
    }
    mode = 'coded';
    const r = await dispatch(ctx, 'keys.list', {});
    expect(r.ok ? null : r.error).toMatchObject({ code: 'KEY_NOT_FOUND', message: 'no key ab…' });
    expect(r.ok ? null : r.error.errorId).toBeUndefined();
    for (const l of out.recent()) expect(l.message).not.toContain(INSTALL_PATH);
  });

  it('without a writable log the caller still gets the id, and no details', () => {
    const out = new OutputLog(new EventBus());
    out.errorLog = new ErrorLog(path.join(dir, 'no-such', '\0bad'));
    const e = toSerializedError(new Error(`boom at ${INSTALL_PATH}`), out, 'serve');
    expect(e.errorId).toMatch(/^E-/);
    expect(e.message).toContain('could not be written');
    expect(JSON.stringify(e) + JSON.stringify(out.recent())).not.toContain(INSTALL_PATH);
  });

  it('a stack another component writes to the Output panel (the devnet RPC logs one) goes to the log under an id', () => {
    const out = new OutputLog(new EventBus());
    out.errorLog = new ErrorLog(ws.dir);
    const stack = new Error(`RPC status failed at ${INSTALL_PATH}`).stack!;
    out.error('devnet', `RPC status failed: ${stack}`);
    const line = out.recent().at(-1)!;
    expect(line.message).toMatch(/^internal error E-[0-9A-F]{12} in devnet: see logs\/charter\.log/);
    expect(line.message).not.toContain(INSTALL_PATH);
    const id = /E-[0-9A-F]{12}/.exec(line.message)![0];
    expect(readLog(path.join(dir, ERROR_LOG_NAME)).find((l) => l.errorId === id)!.message).toContain(INSTALL_PATH);
    // A plain message stays as it is.
    out.warn('devnet', 'block production is slow');
    expect(out.recent().at(-1)!.message).toBe('block production is slow');
  });

  it('the log is bounded: past its size it is rotated to charter.log.1, both 0600', () => {
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-errlog-'));
    try {
      const log = new ErrorLog(logDir, 4096);
      for (let i = 0; i < 200; i++)
        expect(log.record({ errorId: `E-${String(i).padStart(12, '0')}`, source: 'test', error: new Error(`failure ${i} ${'x'.repeat(100)}`) })).toBe(true);
      const file = path.join(logDir, ERROR_LOG_NAME);
      expect(fs.statSync(file).size).toBeLessThanOrEqual(4096);
      expect(fs.statSync(`${file}.1`).size).toBeLessThanOrEqual(4096);
      expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(['charter.log', 'charter.log.1']);
      for (const f of [file, `${file}.1`]) expect(fs.statSync(f).mode & 0o777).toBe(0o600);
      // The newest entry is in the current file.
      expect(readLog(file).at(-1)!.errorId).toBe('E-000000000199');
    } finally {
      fs.rmSync(logDir, { recursive: true, force: true });
    }
  });
});

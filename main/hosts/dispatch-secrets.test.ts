// Audit entries and Output lines written by dispatch never carry a secret
// (passphrase, PIN, proposer secret), whether the call succeeds, fails in its
// handler, or is refused for invalid input. Real SQLite audit log on a temp
// workspace; the handlers are stand-ins (this is about dispatch, not the services).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { methods, SECRET_FIELDS, type MethodName } from '../../core/contract/index.js';
import { CharterError } from '../../core/errors.js';
import { AuditLog } from '../services/audit.js';
import { EventBus, OutputLog } from '../services/bus.js';
import { Workspace } from '../workspace/workspace.js';
import { AUDITED, dispatch, type Handlers } from './dispatch.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-dispatch-secrets-'));
const ws = Workspace.open(dir);
afterAll(() => {
  ws.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const KEY = 'ab'.repeat(20);
const KEY2 = 'cd'.repeat(20);
const TX = { txHash: 'A'.repeat(64), height: 7 };

/** Input field names of a method's schema (top level). */
function fieldsOf(m: MethodName): string[] {
  const s = methods[m].input as unknown as z.ZodObject;
  return s.shape ? Object.keys(s.shape) : [];
}

describe('secrets in dispatch', () => {
  it('every input field that looks like a secret is a SECRET_FIELD', () => {
    const looksSecret = /pass|secret|pin\b|^pin|Pin/;
    const missing: string[] = [];
    for (const m of Object.keys(methods) as MethodName[])
      for (const f of fieldsOf(m)) if (looksSecret.test(f) && !SECRET_FIELDS.has(f)) missing.push(`${m}.${f}`);
    expect(missing).toEqual([]);
  });

  it('every key lifecycle action is audited', () => {
    for (const m of ['keys.create', 'keys.generate', 'keys.attest', 'keys.register', 'keys.setRoles', 'keys.rotate', 'keys.retire', 'keys.revoke'] as const)
      expect(AUDITED[m], m).toBeDefined();
  });

  it('audit entries and output lines never include a secret: success, handler failure, invalid input', async () => {
    const audit = new AuditLog(ws);
    const out = new OutputLog(new EventBus());
    let n = 0;
    const secrets: string[] = [];
    const next = () => {
      const s = `sekret-${++n}-${'q'.repeat(6)}`;
      secrets.push(s);
      return s;
    };
    const ok: Partial<Record<MethodName, unknown>> = {
      'keys.retire': { ...TX, keyId: KEY },
      'keys.rotate': { ...TX, keyId: KEY, newKeyId: KEY2, proposalId: 'gp-1', newKeyRegistered: false },
      'keys.register': { ...TX, keyId: KEY, attestationRef: null, revalidateBy: null },
      'keys.revoke': {
        ...TX,
        control: { controlId: 'ec-1', action: 'key.revoke', keyId: KEY, status: 'collecting', signatures: [KEY2], quorum: 2, ratifyBy: null, expiresAt: null },
      },
    };
    let mode: 'ok' | 'throw' = 'ok';
    const handlers = new Proxy({} as Handlers, {
      get: (_t, m: string) => async () => {
        // A careless backend could put the secret in its message: dispatch passes messages on, so backends must not (hsm tests check that).
        if (mode === 'throw' || !(m in ok)) throw new CharterError('PIN_INCORRECT' as never, 'the PIN is not correct');
        return ok[m as MethodName];
      },
    });
    const ctx = { handlers, audit, out, actor: 'test@unit' };
    const inputs = (): [MethodName, Record<string, unknown>][] => [
      ['keys.generate', { backend: 'pkcs11', scheme: 'p256', label: 'hsm', secret: next() }],
      ['keys.attest', { keyId: KEY, secret: next() }],
      ['keys.register', { keyId: KEY, secret: next() }],
      ['keys.rotate', { keyId: KEY, newKeyId: KEY2, secret: next(), proposerKeyId: KEY2, proposerSecret: next() }],
      ['keys.retire', { keyId: KEY, reason: 'r', secret: next() }],
      ['keys.revoke', { keyId: KEY, reason: 'r', signerKeyId: KEY2, secret: next() }],
      ['keys.create', { label: 'l', passphrase: next() }],
      ['custody.approve', { requestId: 'wr-' + 'a'.repeat(24), keyId: KEY, passphrase: next() }],
      ['governance.vote', { proposalId: 'gp-1', vote: 'yes', keyId: KEY, passphrase: next() }],
    ];
    for (const m of ['ok', 'throw'] as const) {
      mode = m;
      for (const [method, input] of inputs()) await dispatch(ctx, method, input);
    }
    // Invalid input (an unknown extra field) with the secret present.
    for (const [method, input] of inputs()) {
      const r = await dispatch(ctx, method, { ...input, bogus: 1 });
      expect(r.ok).toBe(false);
    }
    const entries = audit.list(1000);
    expect(entries.length).toBeGreaterThanOrEqual(27);
    expect(entries.some((e) => e.result === 'ok' && e.action === 'keys.rotate')).toBe(true);
    const text = JSON.stringify(entries) + JSON.stringify(out.recent());
    // The check can fail: the secrets were really sent.
    expect(secrets.length).toBe(30);
    for (const s of secrets) expect(text.includes(s), s).toBe(false);
    const rotated = entries.find((e) => e.result === 'ok' && e.action === 'keys.rotate')!;
    expect(rotated.details['input']).toMatchObject({ secret: '[redacted]', proposerSecret: '[redacted]' });
  });
});

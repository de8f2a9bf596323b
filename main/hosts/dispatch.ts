/**
 * The one place a contract call is executed, whichever host received it.
 *
 *   1. the method name must be in the contract (else UNKNOWN_METHOD);
 *   2. the input is parsed with the method's zod schema (else INVALID_INPUT,
 *      with the path and reason of each problem, never the values);
 *   3. the handler runs; a CharterError keeps its code, anything else becomes
 *      INTERNAL (details to the Output panel, never secrets);
 *   4. the output is checked against the method's output schema;
 *   5. operator actions are appended to the audit log, success or failure.
 */
import {
  methods,
  isMethodName,
  redactSecrets,
  type CallResult,
  type MethodName,
  type MethodOutput,
  type ParsedInput,
} from '../../core/contract/index.js';
import os from 'node:os';
import { CharterError, type SerializedError } from '../../core/errors.js';
import type { AuditLog } from '../services/audit.js';
import type { OutputLog } from '../services/bus.js';

export type Handlers = { [M in MethodName]: (input: ParsedInput<M>) => Promise<MethodOutput<M>> };

type AuditSubject = (input: Record<string, unknown>, output: Record<string, unknown> | null) => string;

/** Operations that are operator actions, with the subject each one records. */
export const AUDITED: Partial<Record<MethodName, AuditSubject>> = {
  'keys.create': (i, o) => `key ${(o?.['keyId'] as string | undefined) ?? `"${String(i['label'])}"`}`,
  'keys.register': (i) => `key ${String(i['keyId'])}`,
  'keys.generate': (i, o) => {
    const k = o?.['key'] as { keyId?: string } | undefined;
    return k?.keyId ? `key ${k.keyId}` : `${String(i['backend'])} key "${String(i['label'])}"`;
  },
  'keys.attest': (i) => `key ${String(i['keyId'])}`,
  'keys.import': (_i, o) => (o?.['keyId'] ? `key ${String(o['keyId'])}` : 'key file'),
  'keys.export': (i) => `key ${String(i['keyId'])}`,
  'keys.setRoles': (i) => `key ${String(i['keyId'])}`,
  'keys.rotate': (i) => `key ${String(i['keyId'])} → ${String(i['newKeyId'])}`,
  'keys.retire': (i) => `key ${String(i['keyId'])}`,
  'keys.revoke': (i) => `key ${String(i['keyId'])}`,
  'custody.createVault': (i) => `vault ${String(i['vaultId'])}`,
  'custody.fundVault': (i) => `vault ${String(i['vaultId'])}`,
  'custody.createWithdrawal': (i, o) => {
    const req = o?.['request'] as { requestId?: string } | undefined;
    return req?.requestId ? `request ${req.requestId}` : `vault ${String(i['vaultId'])}`;
  },
  'custody.approve': (i) => `request ${String(i['requestId'])}`,
  'explorer.block': (i) => `block ${String(i['height'])}`,
  'explorer.tx': (i) => `tx ${String(i['hash']).replace(/^0x/i, '').toUpperCase()}`,
  'evidence.exportWithdrawal': (i) => `request ${String(i['requestId'])}`,
  'evidence.buildCase': (i) => `request ${String(i['requestId'])}`,
  'evidence.buildSegment': (i) => `heights ${String(i['from'])}:${String(i['to'])}`,
  'governance.propose': (i, o) => {
    const p = o?.['proposal'] as { proposalId?: string } | undefined;
    return p?.proposalId ? `proposal ${p.proposalId}` : `proposal (${String(i['track'])})`;
  },
  'governance.vote': (i) => `proposal ${String(i['proposalId'])}`,
  'governance.execute': (i) => `proposal ${String(i['proposalId'])}`,
  'settings.set': () => 'settings',
  'audit.verify': () => 'audit log',
  // Request cancellation and the address book.
  'custody.cancel': (i) => `request ${String(i['requestId'])}`,
  'addressBook.add': (i) => `address "${String(i['name'])}"`,
  'addressBook.remove': (i) => `address "${String(i['name'])}"`,
};

/** Input fields too bulky for the audit log (an imported key file's text: encrypted, but the key id says enough). */
const AUDIT_OMITTED_INPUT: ReadonlySet<string> = new Set(['fileText']);
function withoutBulk(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (!AUDIT_OMITTED_INPUT.has(k)) out[k] = v;
  return out;
}

/** Non-secret facts of a result worth keeping in the audit entry. */
function outcomeDetails(output: Record<string, unknown> | null): Record<string, unknown> {
  if (!output) return {};
  const d: Record<string, unknown> = {};
  for (const k of ['txHash', 'height', 'sha256', 'keyId', 'ok', 'count', 'proposalId', 'attestationRef', 'revalidateBy'] as const) if (output[k] !== undefined) d[k] = output[k];
  const key = output['key'] as { keyId?: string } | undefined;
  if (key?.keyId) d['keyId'] = key.keyId;
  const att = output['attestation'] as { sha256?: string } | undefined;
  if (att?.sha256) d['attestationSha256'] = att.sha256;
  const control = output['control'] as { controlId?: string; status?: string } | undefined;
  if (control?.controlId) {
    d['controlId'] = control.controlId;
    d['controlStatus'] = control.status;
  }
  const req = output['request'] as { requestId?: string; status?: string; approvals?: unknown[] } | undefined;
  if (req?.requestId) {
    d['requestId'] = req.requestId;
    d['status'] = req.status;
    d['approvals'] = req.approvals?.length;
  }
  return d;
}

/** Who acts, as the audit log records it: the OS user and the host. */
export function actorOf(host: string): string {
  let user = 'operator';
  try {
    user = os.userInfo().username || user;
  } catch {
    // no user database entry (containers): keep the generic name
  }
  return `${user}@${host}`;
}

export interface DispatchContext {
  handlers: Handlers;
  audit: AuditLog;
  out: OutputLog;
  actor: string;
}

export function toSerializedError(e: unknown, out?: OutputLog, method?: string): SerializedError {
  if (e instanceof CharterError) return e.toJSON();
  const err = new CharterError('INTERNAL', `unexpected error in ${method ?? 'the console'}: ${(e as Error)?.message ?? String(e)}`);
  out?.error('host', `${method ?? ''}: ${(e as Error)?.stack ?? String(e)}`);
  return err.toJSON();
}

export async function dispatch(ctx: DispatchContext, method: unknown, rawInput: unknown): Promise<CallResult<unknown>> {
  if (!isMethodName(method)) {
    return { ok: false, error: new CharterError('UNKNOWN_METHOD', `"${String(method).slice(0, 64)}" is not an operation of the contract`).toJSON() };
  }
  const spec = methods[method];
  const parsed = spec.input.safeParse(rawInput === undefined ? {} : rawInput);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(input)', message: i.message }));
    const msg = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    const error = new CharterError('INVALID_INPUT', `${method}: ${msg}`, { problems }).toJSON();
    // A refused operator action is still an action: record it (the problems name fields, never values).
    if (AUDITED[method]) {
      try {
        ctx.audit.append({ actor: ctx.actor, action: method, subject: '(invalid input)', result: 'error', details: { code: error.code, problems } });
      } catch (e) {
        ctx.out.error('audit', `could not append to the audit log: ${(e as Error).message}`);
      }
    }
    return { ok: false, error };
  }
  const input = parsed.data as Record<string, unknown>;
  const auditSubject = AUDITED[method];
  let output: Record<string, unknown> | null = null;
  let error: SerializedError | null = null;
  try {
    const handler = ctx.handlers[method] as (i: unknown) => Promise<unknown>;
    const value = await handler(input);
    const checked = spec.output.safeParse(value);
    if (!checked.success) {
      ctx.out.error('host', `${method} produced output that does not match the contract: ${checked.error.message}`);
      throw new CharterError('INTERNAL', `${method} produced an invalid result`);
    }
    output = checked.data as Record<string, unknown>;
  } catch (e) {
    error = toSerializedError(e, ctx.out, method);
  }
  if (auditSubject) {
    try {
      ctx.audit.append({
        actor: ctx.actor,
        action: method,
        subject: auditSubject(input, output),
        result: error ? 'error' : 'ok',
        details: error ? { code: error.code, message: error.message } : { ...outcomeDetails(output), input: redactSecrets(withoutBulk(input)) },
      });
    } catch (e) {
      ctx.out.error('audit', `could not append to the audit log: ${(e as Error).message}`);
    }
  }
  if (error) {
    ctx.out.write(error.code === 'INTERNAL' ? 'error' : 'warn', method, `${error.code}: ${error.message}`);
    return { ok: false, error };
  }
  return { ok: true, value: output };
}

/**
 * The one place a contract call is executed, whichever host received it.
 *
 *   1. the method name must be in the contract (else UNKNOWN_METHOD);
 *   2. the input is parsed with the method's zod schema (else INVALID_INPUT,
 *      with the path and reason of each problem, never the values);
 *   3. the handler runs; a CharterError keeps its code, anything else becomes
 *      INTERNAL: its message and stack go to the workspace's logs/charter.log
 *      under an error id (the call's secrets scrubbed), and the caller and the
 *      Output panel get the id alone — no stack, no file path;
 *   4. the output is checked against the method's output schema;
 *   5. operator actions are appended to the audit log, success or failure,
 *      with the key that signed (AUDIT_SIGNER) beside the OS user.
 */
import {
  auditSpecOf,
  METHOD_NAMES,
  methods,
  isMethodName,
  redactSecrets,
  SECRET_FIELDS,
  type CallResult,
  type Domain,
  type MethodName,
  type MethodOutput,
  type ParsedInput,
} from '../../core/contract/index.js';
import os from 'node:os';
import { CharterError, ERROR_CODES, type SerializedError } from '../../core/errors.js';
import type { AuditLog } from '../services/audit.js';
import type { OutputLog } from '../services/bus.js';
import { ERROR_LOG_NAME, newErrorId } from '../services/error-log.js';

/** The handler of one operation: its parsed input in, its output out (checked again against the contract). */
export type Handler<M extends MethodName> = (input: ParsedInput<M>) => Promise<MethodOutput<M>>;
/** The methods of one or more contract domains ("keys" → "keys.list" | "keys.create" | …). */
export type MethodsOf<D extends Domain> = Extract<MethodName, `${D}.${string}`>;
/**
 * Handlers of a domain's operations (a slice, main/handlers/<domain>.ts), or —
 * without a domain — of every operation of the contract.
 */
export type Handlers<D extends Domain = Domain> = { [M in MethodsOf<D>]: Handler<M> };

type AuditSubject = (input: Record<string, unknown>, output: Record<string, unknown> | null) => string;

/** Each method's audit record, read from its operation in the contract (core/contract/domains/*.ts). */
function auditTable(when: 'always' | 'refused'): Partial<Record<MethodName, AuditSubject>> {
  const table: Partial<Record<MethodName, AuditSubject>> = {};
  for (const m of METHOD_NAMES) {
    const spec = auditSpecOf(m);
    if (spec && (spec.when ?? 'always') === when) table[m] = (i, o) => spec.subject(i, o);
  }
  return table;
}
/** Operations that are operator actions (exactly the contract's AUDITED_METHODS), with the subject each one records. */
export const AUDITED: Partial<Record<MethodName, AuditSubject>> = auditTable('always');

/**
 * Operations that change nothing and are recorded only when refused (the contract's
 * `audit: { when: 'refused' }`): a proposal's preview is where a mistyped action is first refused.
 */
const AUDITED_WHEN_REFUSED: Partial<Record<MethodName, AuditSubject>> = auditTable('refused');

/**
 * The local key that signs each operation, read from its input (the contract's `audit.signer`):
 * the entry's keyId. Absent (null) when nothing signs or the devnet admin signs.
 */
export const AUDIT_SIGNER: Partial<Record<MethodName, (input: Record<string, unknown>) => unknown>> = Object.fromEntries(
  METHOD_NAMES.flatMap((m) => {
    const spec = auditSpecOf(m);
    return spec?.signer ? [[m, (i: Record<string, unknown>) => spec.signer!(i)]] : [];
  }),
);

/** The signing key of a call, if its input names a well-formed one. */
export function signerOf(method: MethodName, input: unknown): string | null {
  const pick = AUDIT_SIGNER[method];
  if (!pick || input === null || typeof input !== 'object') return null;
  const k = pick(input as Record<string, unknown>);
  return typeof k === 'string' && /^[0-9a-f]{40}$/.test(k) ? k : null;
}

/** Input fields too bulky for the audit log (an imported key file's text: encrypted, but the key id says enough; a bundle, a trust file's text). */
const AUDIT_OMITTED_INPUT: ReadonlySet<string> = new Set(['fileText', 'contentBase64', 'trust', 'trustText']);
function withoutBulk(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (!AUDIT_OMITTED_INPUT.has(k)) out[k] = v;
  return out;
}

/** Non-secret facts of a result worth keeping in the audit entry. */
function outcomeDetails(output: Record<string, unknown> | null): Record<string, unknown> {
  if (!output) return {};
  const d: Record<string, unknown> = {};
  for (const k of [
    'txHash',
    'height',
    'sha256',
    'keyId',
    'ok',
    'count',
    'proposalId',
    'attestationRef',
    'revalidateBy',
    'verdict',
    'manifestSha256',
    'kind',
  ] as const)
    if (output[k] !== undefined) d[k] = output[k];
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

/** The values of the secret fields (passphrases, PINs) anywhere in a call's input. */
export function secretValues(input: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (SECRET_FIELDS.has(k) && typeof x === 'string') found.push(x);
        else walk(x);
      }
    }
  };
  walk(input);
  return found;
}

/**
 * A thrown value as the caller may see it. A CharterError keeps its code and
 * message. Anything else, and an INTERNAL CharterError, is an internal error:
 * its message and stack (which name files and install paths) go to the
 * workspace's error log under a new error id, and what the caller and the
 * Output panel get is that id and where to look, nothing of the error itself.
 */
export function toSerializedError(e: unknown, out?: OutputLog, method?: string, secrets: readonly string[] = []): SerializedError {
  if (e instanceof CharterError && e.code !== 'INTERNAL') return e.toJSON();
  const errorId = newErrorId();
  const where = method ?? 'the console';
  const logged = out?.errorLog?.record({ errorId, source: where, error: e, secrets }) ?? false;
  const message = `internal error ${errorId} in ${where}: ${logged ? `see ${ERROR_LOG_NAME} in the workspace` : 'the error log could not be written'}`;
  out?.error(method ?? 'host', message);
  return { code: 'INTERNAL', message, hint: ERROR_CODES.INTERNAL.hint, errorId };
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
    if (AUDITED[method] || AUDITED_WHEN_REFUSED[method]) {
      try {
        ctx.audit.append({
          actor: ctx.actor,
          keyId: signerOf(method, rawInput),
          action: method,
          subject: '(invalid input)',
          result: 'error',
          details: { code: error.code, problems },
        });
      } catch (e) {
        ctx.out.error('audit', `could not append to the audit log: ${(e as Error).message}`);
      }
    }
    return { ok: false, error };
  }
  const input = parsed.data as Record<string, unknown>;
  const auditSubject = AUDITED[method];
  const refusalSubject = AUDITED_WHEN_REFUSED[method];
  let output: Record<string, unknown> | null = null;
  let error: SerializedError | null = null;
  try {
    const handler = ctx.handlers[method] as (i: unknown) => Promise<unknown>;
    const value = await handler(input);
    const checked = spec.output.safeParse(value);
    if (!checked.success) {
      // Logged under an error id like any internal error (the problems may name files or values).
      throw new Error(`${method} produced output that does not match the contract: ${checked.error.message}`);
    }
    output = checked.data as Record<string, unknown>;
  } catch (e) {
    error = toSerializedError(e, ctx.out, method, secretValues(input));
  }
  if (auditSubject) {
    try {
      ctx.audit.append({
        actor: ctx.actor,
        keyId: signerOf(method, input),
        action: method,
        subject: auditSubject(input, output),
        result: error ? 'error' : 'ok',
        details: error ? { code: error.code, message: error.message } : { ...outcomeDetails(output), input: redactSecrets(withoutBulk(input)) },
      });
    } catch (e) {
      ctx.out.error('audit', `could not append to the audit log: ${(e as Error).message}`);
    }
  }
  if (error && refusalSubject) {
    try {
      ctx.audit.append({
        actor: ctx.actor,
        keyId: signerOf(method, input),
        action: method,
        subject: refusalSubject(input, null),
        result: 'error',
        details: { code: error.code, message: error.message },
      });
    } catch (e) {
      ctx.out.error('audit', `could not append to the audit log: ${(e as Error).message}`);
    }
  }
  if (error) {
    // An internal error has its Output line already (its id, from toSerializedError).
    if (error.code !== 'INTERNAL') ctx.out.write('warn', method, `${error.code}: ${error.message}`);
    return { ok: false, error };
  }
  return { ok: true, value: output };
}

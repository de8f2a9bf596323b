/**
 * THE contract between the workbench UI and the services.
 *
 * Every operation the UI can ask for is named exactly once, in its domain's
 * file (core/contract/domains/<domain>.ts), with a zod schema for its input and
 * for its output and, for operator actions, how the audit log records it; every
 * event the UI can subscribe to is named in core/contract/events.ts with the
 * schema of its payload. This file composes the domains into `methods` and is
 * the one module everything imports from. The three hosts (Electron IPC, the
 * served console's WebSocket, the CLI) expose exactly these operations and
 * validate every input against these schemas on the host side; there is no
 * generic "invoke anything" passthrough.
 *
 * Secrets: fields named in SECRET_FIELDS (passphrases, PINs) travel from the input
 * field to the host and are never logged, audited, stored or sent back.
 */
import type { z } from 'zod';
import type { ErrorCode, SerializedError } from '../errors.js';
import type { AnyOperation, AuditSpec } from './operation.js';
import { operations as app } from './domains/app.js';
import { operations as node } from './domains/node.js';
import { operations as keys } from './domains/keys.js';
import { operations as custody } from './domains/custody.js';
import { operations as addressBook } from './domains/address-book.js';
import { operations as explorer } from './domains/explorer.js';
import { operations as evidence } from './domains/evidence.js';
import { operations as governance } from './domains/governance.js';
import { operations as security } from './domains/security.js';
import { operations as audit } from './domains/audit.js';
import { operations as output } from './domains/output.js';
import { operations as workbench } from './domains/workbench.js';
import { operations as settings } from './domains/settings.js';
import { events } from './events.js';

export { SECURITY_EVENT_KINDS } from '../engine/security-kinds.js';
export { LABEL_FORBIDDEN, Label, FileTimestamp, TxOutcome, SigningPreview } from './shapes.js';
export { SECRET_FIELDS, redactSecrets } from './secrets.js';
export { KeyView, DeviceView, KeyAttestation, AttestationOutcome, EmergencyControlView } from './domains/keys.js';
export { PolicyView, VaultView, ApprovalView, RequestView, ControlVerdict, Precheck } from './domains/custody.js';
export { NodeId, NodeStatus } from './domains/node.js';
export { BlockSummary, TxSummary, BlockView, TxView } from './domains/explorer.js';
export { AuditEntry } from './domains/audit.js';
export { OutputLine } from './domains/output.js';
export { SecurityEventView } from './domains/security.js';
export { ProposalView } from './domains/governance.js';
export { Pkcs11ModuleView, Settings, SettingsChange } from './domains/settings.js';
export { BuiltBundleView, BundleCheck, BundleReportView, SavedTrust } from './domains/evidence.js';
export { WORKBENCH_VIEWS, WORKBENCH_PANEL_TABS, WORKBENCH_TABS_MAX, WorkbenchTab, WorkbenchViewStates, WorkbenchLayout } from './domains/workbench.js';
export { AddressEntry } from './domains/address-book.js';
export { events };
export type { AnyOperation, AuditSpec, DomainOperations, Operation } from './operation.js';

// ─── operations, by domain ─────────────────────────────────────────────────

/**
 * The contract's domains: each key is a method-name prefix, each value that
 * domain's operations. A new domain is one line here (and its file).
 */
export const domains = { app, node, keys, custody, addressBook, explorer, evidence, governance, security, audit, output, workbench, settings } as const;
export type Domains = typeof domains;
export type Domain = keyof Domains;

/** Every operation of one domain carries that domain's prefix (checked by the compiler). */
type DomainsArePrefixed = { [D in Domain]: keyof Domains[D] extends `${D}.${string}` ? true : false }[Domain];
const domainsArePrefixed: DomainsArePrefixed = true;
void domainsArePrefixed;

type OperationNames<T> = { [D in keyof T]: keyof T[D] & string }[keyof T];
/** The domains' operations as one table keyed by method name. */
export type FlatOperations<T> = {
  [M in OperationNames<T>]: M extends `${infer D}.${string}` ? (D extends keyof T ? (M extends keyof T[D] ? T[D][M] : never) : never) : never;
};

function flatten<T extends Record<string, Record<string, AnyOperation>>>(byDomain: T): FlatOperations<T> {
  const all: Record<string, AnyOperation> = {};
  for (const [domain, ops] of Object.entries(byDomain)) {
    for (const [name, spec] of Object.entries(ops)) {
      if (!name.startsWith(`${domain}.`)) throw new Error(`contract: ${name} is not an operation of the ${domain} domain`);
      all[name] = spec;
    }
  }
  return all as FlatOperations<T>;
}

/** Every operation of the contract, keyed by method name ("keys.list"). */
export const methods = flatten(domains);

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type ParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;
export const METHOD_NAMES = Object.keys(methods) as MethodName[];
/** The methods of one domain ("keys" → "keys.list" | "keys.create" | …). */
export type DomainMethod<D extends Domain> = keyof Domains[D] & MethodName;

/** The audit log's record of a method (its operation's `audit`), if it has one. */
export function auditSpecOf(method: MethodName): AuditSpec | undefined {
  return (methods[method] as AnyOperation).audit;
}

/** Operator actions: the methods whose operation says `audit` (recorded on every call, not only when refused). */
export type AuditedMethod = {
  [M in MethodName]: Methods[M]['audit'] extends { readonly when: 'refused' } ? never : Methods[M]['audit'] extends AuditSpec<never, never> ? M : never;
}[MethodName];

/**
 * The operations that are operator actions: the host appends each call of these,
 * success or refusal, to the audit log (each operation's `audit` gives its subject).
 */
export const AUDITED_METHODS: readonly AuditedMethod[] = METHOD_NAMES.filter((m) => {
  const a = auditSpecOf(m);
  return a !== undefined && a.when !== 'refused';
}) as AuditedMethod[];

// ─── events ────────────────────────────────────────────────────────────────

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
export const EVENT_NAMES = Object.keys(events) as EventName[];

// ─── results on the wire ───────────────────────────────────────────────────

export type CallResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

export function isMethodName(s: unknown): s is MethodName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(methods, s);
}
export function isEventName(s: unknown): s is EventName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(events, s);
}

/**
 * The API shape every client sees (window.charter in Electron, the WebSocket
 * client in the served console): one async function per operation, grouped
 * by namespace, plus a typed event subscription.
 */
export interface ContractClient {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export type { ErrorCode, SerializedError };

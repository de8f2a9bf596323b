/**
 * The spec registry: every module's declarations, in registration order, and
 * the engine's tables derived from them — the transaction types, the policy
 * matrix, the body schemas, the governance actions with their tracks and
 * schema. Pure data (zod only), so the console can read it without the
 * engine's handlers. A module is registered here by its spec and in
 * modules/index.ts by its handlers (the registry checks both lists agree).
 */
import { z } from 'zod';
import type { ModuleSpec, TxSpec } from '../module.js';
import type { Role } from '../roles.js';
import type { GovAction, GovTrack, TxBodies, TxType } from '../types.js';
import { emergencySpec } from './emergency/spec.js';
import { governanceSpec } from './governance/spec.js';
import { keysSpec } from './keys/spec.js';
import { validatorsSpec } from './validators/spec.js';
import { vaultsSpec } from './vaults/spec.js';
import { withdrawalsSpec } from './withdrawals/spec.js';

/** The modules' specs, one line each; their order is the order of TX_TYPES and of the governance actions. */
export const MODULE_SPECS = [governanceSpec, validatorsSpec, keysSpec, vaultsSpec, emergencySpec, withdrawalsSpec] as const;

type AnySpec = ModuleSpec<Record<string, unknown>, Record<string, unknown>>;
const SPECS = MODULE_SPECS as unknown as readonly AnySpec[];

function duplicate(what: string, name: string): never {
  throw new Error(`engine modules: ${what} ${name} is registered twice`);
}

/** Every governance action of every module, in registration order. */
const ACTION_ENTRIES: { type: string; track: GovTrack; schema: z.ZodType; module: string }[] = [];
for (const m of SPECS) {
  for (const type of Object.keys(m.actions)) {
    if (ACTION_ENTRIES.some((a) => a.type === type)) duplicate('governance action', type);
    const a = m.actions[type] as { track: GovTrack; schema: z.ZodType };
    ACTION_ENTRIES.push({ type, track: a.track, schema: a.schema, module: m.name });
  }
}

/**
 * The track each governance action belongs to: the one table the engine checks
 * a proposal against (INVALID_PROPOSAL otherwise) and the console offers
 * combinations from.
 */
export const GOV_ACTION_TRACK: Readonly<Record<GovAction['type'], GovTrack>> = Object.fromEntries(ACTION_ENTRIES.map((a) => [a.type, a.track])) as Record<
  GovAction['type'],
  GovTrack
>;

/** A zod discriminated union over `type` whose value is a GovAction, with its options (one schema per action). */
export type GovActionSchema = z.ZodType<GovAction> & {
  readonly options: readonly { readonly shape: { readonly type: { readonly value: GovAction['type'] } } }[];
};

/** The shape of any governance action: the union of every module's action schemas, by `type`. */
export const GOV_ACTION_SCHEMA: GovActionSchema = z.discriminatedUnion(
  'type',
  ACTION_ENTRIES.map((a) => a.schema) as unknown as [z.ZodObject<{ type: z.ZodLiteral<string> }>, ...z.ZodObject<{ type: z.ZodLiteral<string> }>[]],
) as unknown as GovActionSchema;

/** The track each action belongs to. */
export function trackOf(a: GovAction): GovTrack {
  return GOV_ACTION_TRACK[a.type];
}

/** One registered transaction type: its spec, its module and its resolved body schema. */
export interface TxEntry {
  type: TxType;
  module: string;
  roles: readonly Role[];
  body: z.ZodType;
  degradedOk: boolean;
  freezeStops: boolean;
  rule: string;
}

const TX_ENTRIES: TxEntry[] = [];
for (const m of SPECS) {
  for (const type of Object.keys(m.txs)) {
    if (TX_ENTRIES.some((t) => t.type === type)) duplicate('transaction type', type);
    const t = m.txs[type] as TxSpec<unknown>;
    const body = typeof t.body === 'function' ? t.body({ actionSchema: GOV_ACTION_SCHEMA }) : t.body;
    TX_ENTRIES.push({
      type: type as TxType,
      module: m.name,
      roles: t.roles,
      body,
      degradedOk: t.degradedOk === true,
      freezeStops: t.freezeStops === true,
      rule: t.rule,
    });
  }
}

/** Every transaction type, by type. */
export const TX_ENTRY: ReadonlyMap<string, TxEntry> = new Map(TX_ENTRIES.map((t) => [t.type, t]));

/** The transaction types, in registration order. */
export const TX_TYPES: readonly TxType[] = TX_ENTRIES.map((t) => t.type);

/**
 * The policy matrix (docs/policy.md): the roles that may submit each
 * transaction type. Any one of the listed roles suffices; object-level rules
 * (listed as approver of this vault, initiator of this request, …) apply on top.
 */
export const POLICY_MATRIX: Readonly<Record<TxType, readonly Role[]>> = Object.fromEntries(TX_ENTRIES.map((t) => [t.type, t.roles])) as Record<
  TxType,
  readonly Role[]
>;

/** Body shapes by transaction type: every field present, of the right JSON type, nothing else. */
export const BODY_SCHEMAS: { readonly [T in TxType]: z.ZodType<TxBodies[T]> } = Object.fromEntries(TX_ENTRIES.map((t) => [t.type, t.body])) as {
  [T in TxType]: z.ZodType<TxBodies[T]>;
};

/** docs/policy.md's matrix, generated from the registry: one row per transaction type, a column per role, then the object-level rule. */
export function policyMatrixMarkdown(roles: readonly Role[]): string {
  const rows = [`| tx type | ${roles.join(' | ')} | object-level rule on top |`, `|---|${roles.map(() => ':-:|').join('')}---|`];
  for (const t of TX_ENTRIES) rows.push(`| \`${t.type}\` | ${roles.map((r) => (t.roles.includes(r) ? 'yes' : '—')).join(' | ')} | ${t.rule} |`);
  return rows.join('\n');
}

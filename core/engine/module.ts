/**
 * What an engine module is (core/engine/modules/<domain>/), in the manner of a
 * Cosmos SDK module registering its message server: a spec — its transaction
 * types with the roles that may sign them, their body schemas and the modes
 * they pass, and the governance actions it contributes with their track and
 * schema (spec.ts, pure data) — and the handlers that validate each of them
 * against the state and return the Effect that applies it (index.ts), plus an
 * optional block hook. The registry (modules/specs.ts, modules/index.ts)
 * derives every table of the engine from the modules.
 */
import type { z } from 'zod';
import type { SignedEnvelopeOf } from '../tx/types.js';
import type { Role } from './roles.js';
import type { AbciEvent, EngineState, GovAction, GovTrack, SignedEnvelope, UnsignedEnvelope } from './types.js';
import type { Effect, TxContext, Work } from './work.js';

/** What a spec's body may depend on: the schema of every registered governance action (for gov.propose). */
export interface SpecContext {
  actionSchema: z.ZodType<GovAction>;
}

/** One transaction type of a module. */
export interface TxSpec<B> {
  /** The roles that may sign it (any one suffices; docs/policy.md); object-level rules are the handler's. */
  roles: readonly Role[];
  /** Its body shape: every field present and of the right JSON type, nothing else. */
  body: z.ZodType<B> | ((ctx: SpecContext) => z.ZodType<B>);
  /** Accepted while degraded mode is in force (chain-wide or on the vault it names). */
  degradedOk?: true;
  /** Refused while the vault it names (directly or through its request) is frozen. */
  freezeStops?: true;
  /** The object-level rule on top of the roles, as docs/policy.md shows it. */
  rule: string;
}

/** One governance action a module contributes. */
export interface ActionSpec<A> {
  track: GovTrack;
  schema: z.ZodType<A>;
}

/**
 * A module's declarations. B maps its transaction types to their bodies, A its
 * governance action types to the actions (each `{ type: <its key>, … }`).
 */
export interface ModuleSpec<B = object, A = object> {
  name: string;
  txs: { readonly [T in keyof B]: TxSpec<B[T]> };
  actions: { readonly [K in keyof A]: ActionSpec<A[K]> };
}

/** What the registry lends to handlers: the actions of every module (governance executes them) and their tracks. */
export interface Registry {
  /** Validate a governance action against `s` and return what executing it does. */
  action(s: EngineState, env: SignedEnvelope | UnsignedEnvelope, a: GovAction, proposalId: string, ctx: TxContext): Effect;
  trackOf(a: GovAction): GovTrack;
}

export type TxHandler<T extends string, B> = (s: EngineState, env: SignedEnvelopeOf<T, B>, ctx: TxContext, reg: Registry) => Effect;
/** `env` is the envelope of the gov.execute (or gov.propose) carrying the action. */
export type ActionHandler<A> = (s: EngineState, env: SignedEnvelope | UnsignedEnvelope, a: A, proposalId: string, ctx: TxContext) => Effect;

export interface Module<B = object, A = object> {
  spec: ModuleSpec<B, A>;
  txs: { readonly [T in keyof B & string]: TxHandler<T, B[T]> };
  actions: { readonly [K in keyof A]: ActionHandler<A[K]> };
  /** Block-level work before the block's transactions (in the order of BEGIN_BLOCK_ORDER, modules/index.ts). */
  beginBlock?: (w: Work, height: number, now: number) => AbciEvent[];
}

/** A module's spec, checked against the kit's shape. */
export function defineSpec<B, A>(spec: ModuleSpec<B, A>): ModuleSpec<B, A> {
  return spec;
}

/** A module: its spec and a handler for each of its transaction types and actions (the type checks that none is missing). */
export function defineModule<B, A>(m: Module<B, A>): Module<B, A> {
  return m;
}

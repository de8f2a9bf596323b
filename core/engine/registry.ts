/**
 * The engine's registry at run time: the modules of modules/index.ts joined
 * to their specs (modules/specs.ts) — one table from transaction type to its
 * roles, modes and handler, one from governance action to its handler, and
 * the block hooks in order. Built once at load; checked so a module cannot be
 * registered in one list and not the other.
 */
import type { ActionHandler, Module, Registry, TxHandler } from './module.js';
import { BEGIN_BLOCK_ORDER, MODULES } from './modules/index.js';
import { MODULE_SPECS, trackOf, TX_ENTRY } from './modules/specs.js';
import type { TxEntry } from './modules/specs.js';
import { fail } from './shared.js';
import type { AbciEvent, GovAction } from './types.js';
import type { Work } from './work.js';

/** A registered transaction type with its handler. */
export interface TxDef extends TxEntry {
  handler: TxHandler<string, unknown>;
}

type AnyModule = Module<Record<string, unknown>, Record<string, unknown>>;
const mods = MODULES as unknown as readonly AnyModule[];

if (mods.length !== MODULE_SPECS.length || mods.some((m, i) => m.spec !== (MODULE_SPECS[i] as unknown))) {
  throw new Error('engine modules: modules/index.ts and modules/specs.ts must list the same modules in the same order');
}

const txs = new Map<string, TxDef>();
const actions = new Map<string, ActionHandler<GovAction>>();
for (const m of mods) {
  for (const type of Object.keys(m.spec.txs)) {
    const handler = m.txs[type];
    const entry = TX_ENTRY.get(type);
    if (handler === undefined || entry === undefined) throw new Error(`engine modules: ${m.spec.name} has no handler for ${type}`);
    txs.set(type, { ...entry, handler: handler as TxHandler<string, unknown> });
  }
  for (const type of Object.keys(m.spec.actions)) {
    const handler = m.actions[type];
    if (handler === undefined) throw new Error(`engine modules: ${m.spec.name} has no handler for action ${type}`);
    actions.set(type, handler as ActionHandler<GovAction>);
  }
}

/** Every transaction type with its roles, modes and handler. */
export const TX_DEFS: ReadonlyMap<string, TxDef> = txs;

const hooked = mods.filter((m) => m.beginBlock !== undefined).map((m) => m.spec.name);
if (hooked.length !== BEGIN_BLOCK_ORDER.length || hooked.some((n) => !(BEGIN_BLOCK_ORDER as readonly string[]).includes(n))) {
  throw new Error(`engine modules: BEGIN_BLOCK_ORDER must name exactly the modules with a block hook (${hooked.join(', ')})`);
}

/** The block hooks, in BEGIN_BLOCK_ORDER. */
export const BEGIN_BLOCK: readonly ((w: Work, height: number, now: number) => AbciEvent[])[] = BEGIN_BLOCK_ORDER.map(
  (name) => (mods.find((m) => m.spec.name === name) as AnyModule).beginBlock as (w: Work, height: number, now: number) => AbciEvent[],
);

/** What handlers reach through the registry: every module's governance actions. */
export const REGISTRY: Registry = {
  action(s, env, a, proposalId, ctx) {
    const handler = actions.get(a.type);
    if (handler === undefined) return fail('INVALID_PROPOSAL', `unknown action ${JSON.stringify((a as { type: string }).type)}`);
    return handler(s, env, a, proposalId, ctx);
  },
  trackOf,
};

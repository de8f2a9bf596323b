/**
 * The one place the handler slices are composed: one slice per contract domain
 * (main/handlers/<domain>.ts). The table below is typed by the contract's
 * domains, so a domain without a slice, a slice for no domain, and (inside each
 * slice, by its `Handlers<'<domain>'>` type) a missing or extra operation are
 * compile errors; createHandlers checks the same again at start-up.
 */
import { domains, METHOD_NAMES, type Domain, type MethodName } from '../../core/contract/index.js';
import type { Handlers } from '../hosts/dispatch.js';
import { addressBookHandlers } from './address-book.js';
import { appHandlers } from './app.js';
import { auditHandlers } from './audit.js';
import type { HandlerContext } from './context.js';
import { custodyHandlers } from './custody.js';
import { evidenceHandlers } from './evidence.js';
import { explorerHandlers } from './explorer.js';
import { governanceHandlers } from './governance.js';
import { keysHandlers } from './keys.js';
import { nodeHandlers } from './node.js';
import { outputHandlers } from './output.js';
import { securityHandlers } from './security.js';
import { settingsHandlers } from './settings.js';
import { workbenchHandlers } from './workbench.js';

export type { HandlerContext } from './context.js';

/** Every domain of the contract, with the slice that handles it: exactly one each. */
export const HANDLER_SLICES: { readonly [D in Domain]: (ctx: HandlerContext) => Handlers<D> } = {
  app: appHandlers,
  node: nodeHandlers,
  keys: keysHandlers,
  custody: custodyHandlers,
  addressBook: addressBookHandlers,
  explorer: explorerHandlers,
  evidence: evidenceHandlers,
  governance: governanceHandlers,
  security: securityHandlers,
  audit: auditHandlers,
  output: outputHandlers,

  workbench: workbenchHandlers,
  settings: settingsHandlers,
};

/** The handlers of every contract operation, one per method. */
export function createHandlers(ctx: HandlerContext): Handlers {
  const all: Partial<Record<MethodName, unknown>> = {};
  for (const domain of Object.keys(domains) as Domain[]) {
    const slice = HANDLER_SLICES[domain](ctx) as Record<string, unknown>;
    for (const [method, handler] of Object.entries(slice)) {
      if (!(method in domains[domain]) || method in all || typeof handler !== 'function')
        throw new Error(`handlers: ${method} is not one operation of the ${domain} domain`);
      all[method as MethodName] = handler;
    }
  }
  const missing = METHOD_NAMES.filter((m) => all[m] === undefined);
  if (missing.length) throw new Error(`handlers: no handler for ${missing.join(', ')}`);
  return all as Handlers;
}

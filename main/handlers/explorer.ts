/** The `explorer.*` operations: blocks and transactions of the connected node (main/services/explorer.ts). */
import type { Handlers } from '../hosts/dispatch.js';
import type { HandlerContext } from './context.js';

export function explorerHandlers({ explorer }: HandlerContext): Handlers<'explorer'> {
  return {
    'explorer.overview': async (i) => explorer.overview(i.limit),
    'explorer.block': async (i) => explorer.block(i.height),
    'explorer.tx': async (i) => explorer.tx(i.hash),
    'explorer.search': async (i) => explorer.search(i.query),
  } satisfies Handlers<'explorer'>;
}

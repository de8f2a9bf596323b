/** The `node.*` operations: the connection to the custody node. */
import type { Handlers } from '../hosts/dispatch.js';
import type { HandlerContext } from './context.js';

export function nodeHandlers(ctx: HandlerContext): Handlers<'node'> {
  return {
    'node.status': async () => ctx.chain.status(),
    'node.validators': async () => (await ctx.chain.get()).rpc.validatorHealth(),
  } satisfies Handlers<'node'>;
}

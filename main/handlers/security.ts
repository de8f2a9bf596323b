/** The `security.*` operations: the node's security events, read through the chain client. */
import type { Handlers } from '../hosts/dispatch.js';
import type { HandlerContext } from './context.js';

export function securityHandlers({ chain }: HandlerContext): Handlers<'security'> {
  return {
    // The contract's filter names (keyId, vaultId, fromHeight…) become the node's query parameters.
    'security.events': async (i) => {
      const client = await chain.get();
      const page = await client.securityEvents({
        ...(i.kind ? { kind: i.kind } : {}),
        ...(i.keyId ? { key: i.keyId } : {}),
        ...(i.vaultId ? { vault: i.vaultId } : {}),
        ...(i.fromHeight !== undefined ? { from: i.fromHeight } : {}),
        ...(i.toHeight !== undefined ? { to: i.toHeight } : {}),
        ...(i.before !== undefined ? { before: i.before } : {}),
        ...(i.stage !== undefined ? { stage: i.stage } : {}),
        limit: i.limit,
      });
      return { height: page.height, events: page.events, nextBefore: page.nextBefore };
    },
  } satisfies Handlers<'security'>;
}

/** The `governance.*` operations: proposals, votes, execution and previews (main/services/governance.ts). */
import type { GovAction } from '../../core/engine/types.js';
import type { Handlers } from '../hosts/dispatch.js';
import { checkedActionJson, parseActionJson } from '../services/governance.js';
import type { HandlerContext } from './context.js';

export function governanceHandlers({ governance }: HandlerContext): Handlers<'governance'> {
  return {
    'governance.list': async () => ({ proposals: await governance.list() }),
    // The action comes as an object or as typed JSON text (the contract refuses both or neither).
    'governance.propose': async (i) =>
      governance.propose({
        track: i.track,
        action: (i.action ?? parseActionJson(i.actionJson as string)) as unknown as GovAction,
        votingPeriodBlocks: i.votingPeriodBlocks,
        keyId: i.keyId,
        passphrase: i.passphrase,
        expected: i.expected,
      }),
    'governance.vote': async (i) => governance.vote(i),
    'governance.execute': async (i) => governance.execute(i),
    'governance.preview': async (i) =>
      governance.preview(
        i.op === 'propose'
          ? {
              op: 'propose',
              track: i.track,
              action: (i.action ?? checkedActionJson(i.actionJson as string)) as unknown as GovAction,
              votingPeriodBlocks: i.votingPeriodBlocks,
              keyId: i.keyId,
            }
          : i,
      ),
  } satisfies Handlers<'governance'>;
}

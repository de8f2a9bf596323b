/** The `custody.*` operations: vaults and withdrawal requests (main/services/custody.ts). */
import type { Handlers } from '../hosts/dispatch.js';
import type { HandlerContext } from './context.js';

export function custodyHandlers({ custody }: HandlerContext): Handlers<'custody'> {
  return {
    'custody.listVaults': async () => ({ vaults: await custody.listVaults() }),
    'custody.createVault': async (i) => custody.createVault(i),
    'custody.fundVault': async (i) => custody.fundVault(i),
    'custody.listRequests': async (i) => ({ requests: await custody.listRequests(i.vaultId) }),
    'custody.getRequest': async (i) => custody.getRequest(i.requestId),
    'custody.createWithdrawal': async (i) => custody.createWithdrawal(i),
    'custody.precheck': async (i) => custody.precheck(i.requestId),
    'custody.previewApproval': async (i) => custody.previewApproval(i),
    'custody.approve': async (i) => custody.approve(i),
    'custody.previewCancel': async (i) => custody.previewCancel(i),
    'custody.cancel': async (i) => custody.cancel(i),
  } satisfies Handlers<'custody'>;
}

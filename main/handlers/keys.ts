/** The `keys.*` operations: keys and devices of every backend (main/services/keys.ts). */
import type { Handlers } from '../hosts/dispatch.js';
import type { HandlerContext } from './context.js';

export function keysHandlers({ keys }: HandlerContext): Handlers<'keys'> {
  return {
    'keys.devices': async () => ({ devices: await keys.devices() }),
    'keys.list': async () => keys.list(),
    'keys.create': async (i) => keys.create(i.label, i.passphrase, i.confirmPassphrase),
    'keys.generate': async (i) => keys.generate(i),
    'keys.attest': async (i) => keys.attest(i),
    'keys.import': async (i) => keys.importFile(i.fileText, i.passphrase, i.label),
    'keys.export': async (i) => keys.exportFile(i.keyId),
    'keys.register': async (i) => keys.register(i.keyId, { secret: i.secret, revalidateInBlocks: i.revalidateInBlocks }),
    'keys.setRoles': async (i) => keys.setRoles(i),
    'keys.rotate': async (i) => keys.rotate(i),
    'keys.retire': async (i) => keys.retire(i),
    'keys.revoke': async (i) => keys.revoke(i),
  } satisfies Handlers<'keys'>;
}

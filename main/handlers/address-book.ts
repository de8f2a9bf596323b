/** The `addressBook.*` operations: the workspace's named destinations (main/services/address-book.ts). */
import type { Handlers } from '../hosts/dispatch.js';
import type { HandlerContext } from './context.js';

export function addressBookHandlers({ addressBook }: HandlerContext): Handlers<'addressBook'> {
  return {
    'addressBook.list': async () => ({ entries: addressBook.list() }),
    'addressBook.add': async (i) => addressBook.add(i),
    'addressBook.remove': async (i) => ({ removed: addressBook.remove(i.name) }),
  } satisfies Handlers<'addressBook'>;
}

/** The `output.*` operations: the Output panel's recent lines. */
import type { Handlers } from '../hosts/dispatch.js';
import type { HandlerContext } from './context.js';

export function outputHandlers({ out }: HandlerContext): Handlers<'output'> {
  return {
    'output.recent': async () => ({ lines: out.recent() }),
  } satisfies Handlers<'output'>;
}

/** The `app.*` operations: versions, host and workspace; what the workspace has done. */
import type { Handlers } from '../hosts/dispatch.js';
import { milestones } from '../services/milestones.js';
import type { HandlerContext } from './context.js';

export function appHandlers(ctx: HandlerContext): Handlers<'app'> {
  return {
    'app.info': async () => ({ ...ctx.info }),
    'app.milestones': async () => milestones(ctx.workspace),
  } satisfies Handlers<'app'>;
}

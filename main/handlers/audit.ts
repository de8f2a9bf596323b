/** The `audit.*` operations: the workspace's audit log (main/services/audit.ts). */
import type { Handlers } from '../hosts/dispatch.js';
import type { HandlerContext } from './context.js';

export function auditHandlers({ audit }: HandlerContext): Handlers<'audit'> {
  return {
    'audit.list': async ({ limit, before, ...filter }) => audit.page(limit, filter, before),
    'audit.export': async ({ format, ...filter }) => audit.export(format, filter),
    'audit.verify': async () => audit.verify(),
  } satisfies Handlers<'audit'>;
}

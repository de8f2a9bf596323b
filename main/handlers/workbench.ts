/** The `workbench.*` operations: the renderer's layout, kept in a workspace setting. */
import { WorkbenchLayout } from '../../core/contract/index.js';
import type { Handlers } from '../hosts/dispatch.js';
import type { HandlerContext } from './context.js';

/** Workspace setting holding the renderer's layout (validated by WorkbenchLayout on the way in and out). */
export const SETTING_WORKBENCH_LAYOUT = 'ui.workbenchLayout';

export function workbenchHandlers({ workspace }: HandlerContext): Handlers<'workbench'> {
  return {
    'workbench.getLayout': async () => {
      const saved = WorkbenchLayout.safeParse(workspace.getSetting<unknown>(SETTING_WORKBENCH_LAYOUT));
      return { layout: saved.success ? saved.data : null };
    },
    'workbench.setLayout': async (i) => {
      workspace.setSetting(SETTING_WORKBENCH_LAYOUT, i.layout);
      return { saved: true as const };
    },
  } satisfies Handlers<'workbench'>;
}

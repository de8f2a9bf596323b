/**
 * The contract's `workbench.*` operations. The workbench's saved layout.
 */
import { z } from 'zod';
import { op, type DomainOperations } from '../operation.js';
import { Empty, TxHash, RequestId } from '../shapes.js';

/** The workbench's views (the activity bar), as the renderer names them. */
export const WORKBENCH_VIEWS = ['overview', 'keys', 'approvals', 'governance', 'ceremonies', 'runbooks', 'evidence', 'replay', 'nodes'] as const;
export const WORKBENCH_PANEL_TABS = ['output', 'audit', 'security'] as const;
/** At most this many editor tabs are kept. */
export const WORKBENCH_TABS_MAX = 32;

/** One open editor tab: a view, or a block, transaction or request it opened. Nothing else can be stored. */
export const WorkbenchTab = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('view'), view: z.enum(WORKBENCH_VIEWS) }).strict(),
  z.object({ kind: z.literal('block'), height: z.number().int().positive() }).strict(),
  z.object({ kind: z.literal('tx'), hash: TxHash }).strict(),
  z.object({ kind: z.literal('request'), requestId: RequestId }).strict(),
]);
export type WorkbenchTab = z.infer<typeof WorkbenchTab>;

/**
 * What a view keeps across reloads. Each view that remembers something adds its own
 * strict entry here (e.g. `evidence: z.object({…}).strict().optional()`); there is no free-form part.
 */
export const WorkbenchViewStates = z.object({}).strict();
export type WorkbenchViewStates = z.infer<typeof WorkbenchViewStates>;

/** The workbench's layout, saved in the workspace and restored on reload: active view, side bar and panel, open tabs. */
export const WorkbenchLayout = z
  .object({
    activeView: z.enum(WORKBENCH_VIEWS),
    sidebarVisible: z.boolean(),
    panelVisible: z.boolean(),
    panelTab: z.enum(WORKBENCH_PANEL_TABS),
    tabs: z.array(WorkbenchTab).max(WORKBENCH_TABS_MAX),
    /** Index into tabs of the active tab; null when no tab is open. */
    activeTab: z.number().int().nonnegative().nullable(),
    views: WorkbenchViewStates.optional(),
  })
  .strict()
  .refine((l) => (l.activeTab === null ? true : l.activeTab < l.tabs.length), { message: 'the active tab must be one of the tabs', path: ['activeTab'] });
export type WorkbenchLayout = z.infer<typeof WorkbenchLayout>;

export const operations = {
  'workbench.getLayout': op(
    'The workbench layout saved in this workspace (null before the first save, or if what was saved no longer fits the schema)',
    Empty,
    z.object({ layout: WorkbenchLayout.nullable() }),
  ),
  'workbench.setLayout': op(
    'Save the workbench layout in this workspace (not audited: it changes nothing but the view)',
    z.object({ layout: WorkbenchLayout }).strict(),
    z.object({ saved: z.literal(true) }),
  ),
} as const satisfies DomainOperations<'workbench'>;

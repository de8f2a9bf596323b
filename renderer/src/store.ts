import { create } from 'zustand';
import type {
  AuditEntry,
  BlockSummary,
  DeviceView,
  KeyView,
  MethodOutput,
  NodeStatus,
  OutputLine,
  RequestView,
  SerializedError,
  Settings,
  VaultView,
  WorkbenchLayout,
  WorkbenchViewStates,
} from '../../core/contract/index.js';
import { WORKBENCH_TABS_MAX } from '../../core/contract/index.js';
import { client } from './common/client.js';
import { toSerializedError, type HostConnection } from './transport/index.js';
import { tabContribution, type DialogState, type PanelTab, type Tab, type ViewId } from './workbench/registry.js';
import { refreshAddresses, refreshMilestones, refreshMilestonesSoon } from './common/workspaceData.js';

export type { DialogState, PanelTab, Tab, ViewId } from './workbench/registry.js';

/*
 * The workbench state. Secrets never enter it: passphrase fields are
 * uncontrolled inputs read once at submit and cleared.
 */

export type Theme = Settings['theme'];
export type Resource = 'keys' | 'custody' | 'node' | 'explorer' | 'audit' | 'output' | 'settings' | 'app';

export interface EvidenceExport {
  fileName: string;
  sha256: string;
  artifact: string;
  savedTo: string;
}

export interface QuickPickItem {
  id: string;
  title: string;
  detail?: string;
  run: () => void;
}

/** A choice the palette offers after a command that needs a target. */
export interface QuickPick {
  placeholder: string;
  items: QuickPickItem[];
}

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  title: string;
  error?: SerializedError;
  text?: string;
}

export interface WorkbenchState {
  host: HostConnection;
  app: MethodOutput<'app.info'> | null;
  node: NodeStatus | null;
  keys: KeyView[] | null;
  /** Devices of the configured key backends (software keystore, PKCS#11 tokens, Ledgers). */
  devices: DeviceView[] | null;
  /** Backends that could not list their keys. */
  keyProblems: { backend: string; code: string; message: string }[];
  vaults: VaultView[] | null;
  requests: RequestView[] | null;
  blocks: BlockSummary[] | null;
  txCount: number | null;
  audit: AuditEntry[] | null;
  output: OutputLine[];
  errors: Partial<Record<Resource, SerializedError>>;
  theme: Theme;

  activeView: ViewId;
  sidebarVisible: boolean;
  panelVisible: boolean;
  panelTab: PanelTab;
  tabs: Tab[];
  activeTabId: string | null;
  dialog: DialogState;
  paletteOpen: boolean;
  /** The palette asking for the target of a command (which request, which key…); null for the command list. */
  quickPick: QuickPick | null;
  /** Blocks opened in the explorer during this session (for the first-steps checklist). */
  openedBlocks: number[];
  exports: Record<string, EvidenceExport>;
  notices: Notice[];
  /** What views keep across reloads (saved with the layout); see useViewState. */
  viewStates: WorkbenchViewStates;
  /** Set once the saved layout was read (or found missing): saving starts only then. */
  layoutRestored: boolean;
}

const OUTPUT_MAX = 1000;
const BLOCKS_MAX = 20;

function initialTheme(): Theme {
  try {
    return window.matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
  } catch {
    return 'dark';
  }
}

export const useStore = create<WorkbenchState>()(() => ({
  host: { state: 'connecting', attempt: 0 },
  app: null,
  node: null,
  keys: null,
  devices: null,
  keyProblems: [],
  vaults: null,
  requests: null,
  blocks: null,
  txCount: null,
  audit: null,
  output: [],
  errors: {},
  theme: initialTheme(),
  activeView: 'overview',
  sidebarVisible: true,
  panelVisible: true,
  panelTab: 'audit',
  tabs: [{ id: 'view:overview', kind: 'view', view: 'overview' }],
  activeTabId: 'view:overview',
  dialog: null,
  paletteOpen: false,
  quickPick: null,
  openedBlocks: [],
  exports: {},
  notices: [],
  viewStates: {},
  layoutRestored: false,
}));

const set = useStore.setState;
const get = useStore.getState;

function setError(resource: Resource, error: SerializedError | null): void {
  set((s) => {
    const errors = { ...s.errors };
    if (error) errors[resource] = error;
    else delete errors[resource];
    return { errors };
  });
}

async function load<T>(resource: Resource, fn: () => Promise<T>, apply: (value: T) => void): Promise<void> {
  try {
    const value = await fn();
    apply(value);
    setError(resource, null);
  } catch (e) {
    setError(resource, toSerializedError(e));
  }
}

// ─── loaders ────────────────────────────────────────────────────────────────

export const refreshApp = () =>
  load(
    'app',
    () => client().call('app.info', {}),
    (app) => set({ app }),
  );
export const refreshNode = () =>
  load(
    'node',
    () => client().call('node.status', {}),
    (node) => set({ node }),
  );
export const refreshKeys = () =>
  load(
    'keys',
    async () => Promise.all([client().call('keys.list', {}), client().call('keys.devices', {})]),
    ([k, d]) => set({ keys: k.keys, keyProblems: k.problems, devices: d.devices }),
  );
/** Keys only (their on-chain status follows custody changes); devices change only with devices.changed. */
export const refreshKeyList = () =>
  load(
    'keys',
    () => client().call('keys.list', {}),
    (k) => set({ keys: k.keys, keyProblems: k.problems }),
  );
export const refreshCustody = () =>
  load(
    'custody',
    async () => Promise.all([client().call('custody.listVaults', {}), client().call('custody.listRequests', {})]),
    ([v, r]) => set({ vaults: v.vaults, requests: r.requests }),
  );
export const refreshExplorer = () =>
  load(
    'explorer',
    () => client().call('explorer.overview', { limit: BLOCKS_MAX }),
    (v) => set({ blocks: v.blocks, txCount: v.txCount }),
  );
export const refreshAudit = () =>
  load(
    'audit',
    () => client().call('audit.list', { limit: 200 }),
    (v) => set({ audit: v.entries }),
  );
export const refreshOutput = () =>
  load(
    'output',
    () => client().call('output.recent', {}),
    (v) => set({ output: v.lines.slice(-OUTPUT_MAX) }),
  );
export const refreshSettings = () =>
  load(
    'settings',
    () => client().call('settings.get', {}),
    (v) => set({ theme: v.theme }),
  );

export function refreshAll(): Promise<unknown> {
  return Promise.all([
    refreshAddresses(),
    refreshMilestones(),
    refreshApp(),
    refreshSettings(),
    refreshNode(),
    refreshKeys(),
    refreshCustody(),
    refreshExplorer(),
    refreshAudit(),
    refreshOutput(),
  ]);
}

/** Subscribe the store to the host's events. Returns the unsubscribe function. */
export function subscribeEvents(): () => void {
  const c = client();
  let custodyTimer: ReturnType<typeof setTimeout> | null = null;
  const refreshCustodySoon = () => {
    if (custodyTimer) return;
    custodyTimer = setTimeout(() => {
      custodyTimer = null;
      void refreshCustody();
      void refreshKeyList();
    }, 50);
  };
  const offs = [
    c.on('chain.block', (b) => {
      set((s) => {
        const node = s.node ? { ...s.node, height: b.height, lastBlockTime: b.time } : s.node;
        const blocks = s.blocks ? [b, ...s.blocks.filter((x) => x.height !== b.height)].slice(0, BLOCKS_MAX) : s.blocks;
        const txCount = s.txCount === null ? null : s.txCount + b.numTxs;
        return { node, blocks, txCount };
      });
    }),
    c.on('node.connection', (node) => set({ node })),
    c.on('custody.changed', refreshCustodySoon),
    c.on('devices.changed', () => void refreshKeys()),
    c.on('audit.appended', refreshMilestonesSoon),
    c.on('audit.appended', (entry) =>
      set((s) => {
        const audit = s.audit ?? [];
        if (audit.some((e) => e.seq === entry.seq)) return {};
        return { audit: [entry, ...audit].sort((a, b) => b.seq - a.seq) };
      }),
    ),
    c.on('output.line', (line) => set((s) => ({ output: [...s.output, line].slice(-OUTPUT_MAX) }))),
    c.onConnection((host) => {
      const was = get().host.state;
      set({ host });
      if (host.state === 'open' && was !== 'open') {
        void restoreLayout();
        void refreshAll();
      }
    }),
  ];
  return () => {
    for (const off of offs) off();
    if (custodyTimer) clearTimeout(custodyTimer);
  };
}

// ─── workbench actions ──────────────────────────────────────────────────────

/** A tab's title, as its kind's contribution words it. */
export function tabTitle(tab: Tab): string {
  return tabContribution(tab.kind).title(tab as never);
}

/** A saved tab with its id (the id its kind's contribution gives it). */
export function withTabId(t: WorkbenchLayout['tabs'][number]): Tab {
  return { ...t, id: tabContribution(t.kind).id(t as never) } as Tab;
}

export function openTab(tab: Tab): void {
  set((s) => {
    const exists = s.tabs.some((t) => t.id === tab.id);
    const tabs = exists ? s.tabs : [...s.tabs, tab];
    const openedBlocks = tab.kind === 'block' && !s.openedBlocks.includes(tab.height) ? [...s.openedBlocks, tab.height] : s.openedBlocks;
    return { tabs, activeTabId: tab.id, openedBlocks };
  });
}

export function showView(view: ViewId): void {
  set({ activeView: view, sidebarVisible: true });
  openTab(withTabId({ kind: 'view', view }));
}

/** The view a tab belongs to (the activity bar shows it while the tab is active). */
export function tabView(tab: Tab): ViewId {
  return tabContribution(tab.kind).view(tab as never);
}

/** Open a tab and show the view it belongs to. */
function openShown(tab: Tab): void {
  set({ activeView: tabView(tab) });
  openTab(tab);
}

/*
 * Openers shared by every feature: a feature opens another's tab through
 * these (or openDialog), never by importing the other feature.
 */
export function openBlock(height: number): void {
  openShown(withTabId({ kind: 'block', height }));
}

export function openTx(hash: string): void {
  const h = hash.replace(/^0x/i, '').toUpperCase();
  openShown(withTabId({ kind: 'tx', hash: h }));
}

export function openRequest(requestId: string): void {
  openShown(withTabId({ kind: 'request', requestId }));
}

export function closeTab(id: string): void {
  set((s) => {
    const i = s.tabs.findIndex((t) => t.id === id);
    if (i < 0) return {};
    const tabs = s.tabs.filter((t) => t.id !== id);
    let activeTabId = s.activeTabId;
    if (activeTabId === id) activeTabId = (tabs[i] ?? tabs[i - 1] ?? null)?.id ?? null;
    return { tabs, activeTabId };
  });
}

export function focusTab(id: string): void {
  const tab = get().tabs.find((t) => t.id === id);
  if (!tab) return;
  set({ activeTabId: id, activeView: tabView(tab) });
}

export function cycleTab(delta: number): void {
  const { tabs, activeTabId } = get();
  if (tabs.length === 0) return;
  const i = tabs.findIndex((t) => t.id === activeTabId);
  const next = tabs[(i + delta + tabs.length) % tabs.length];
  if (next) focusTab(next.id);
}

export function showPanel(tab: PanelTab): void {
  set({ panelVisible: true, panelTab: tab });
}

export function togglePanel(): void {
  set((s) => ({ panelVisible: !s.panelVisible }));
}

export function toggleSidebar(): void {
  set((s) => ({ sidebarVisible: !s.sidebarVisible }));
}

export function openDialog(dialog: Exclude<DialogState, null>): void {
  set({ dialog, paletteOpen: false, quickPick: null });
}

/** Ask for a command's target in the palette. */
export function openQuickPick(pick: QuickPick): void {
  set({ paletteOpen: true, quickPick: pick });
}

export function closePalette(): void {
  set({ paletteOpen: false, quickPick: null });
}

export function closeDialog(): void {
  set({ dialog: null });
}

let noticeSeq = 1;
export function notify(n: Omit<Notice, 'id'>): void {
  const id = noticeSeq++;
  set((s) => ({ notices: [...s.notices, { ...n, id }].slice(-3) }));
  if (n.kind === 'info') setTimeout(() => dismissNotice(id), 5000);
}

export function dismissNotice(id: number): void {
  set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
}

export async function setTheme(theme: Theme): Promise<void> {
  const before = get().theme;
  set({ theme });
  try {
    const saved = await client().call('settings.set', { theme });
    set({ theme: saved.theme });
  } catch (e) {
    set({ theme: before });
    notify({ kind: 'error', title: 'The theme could not be saved', error: toSerializedError(e) });
  }
}

export function toggleTheme(): Promise<void> {
  return setTheme(get().theme === 'dark' ? 'light' : 'dark');
}

export function recordExport(requestId: string, e: EvidenceExport): void {
  set((s) => ({ exports: { ...s.exports, [requestId]: e } }));
}

/** Local key label for a key id, else a short id. */
/** The embedded devnet's admin key id, from app.info (null before it loads, or without an embedded devnet). */
export function devnetAdminKeyId(): string | null {
  return useStore.getState().app?.devnetAdminKeyId ?? null;
}

/** A key's name for people: its label, "Devnet admin" for the devnet's admin key, else the id's start. */
export function keyName(keys: KeyView[] | null, keyId: string): string {
  const k = keys?.find((x) => x.keyId === keyId);
  if (k) return k.label;
  if (keyId !== '' && keyId === devnetAdminKeyId()) return 'Devnet admin';
  return `${keyId.slice(0, 8)}…`;
}

/** Every known key id with its name (local keys' labels, the devnet admin), for naming ids in messages. */
export function keyNames(keys: KeyView[] | null, adminKeyId: string | null): Map<string, string> {
  const m = new Map<string, string>();
  if (adminKeyId) m.set(adminKeyId, 'Devnet admin');
  for (const k of keys ?? []) m.set(k.keyId, k.label);
  return m;
}

// ─── layout: saved in the workspace, restored on reload ─────────────────────

/** The part of the state that is saved: what the contract's WorkbenchLayout schema allows, nothing else. */
export function currentLayout(s: WorkbenchState = get()): WorkbenchLayout {
  const tabs = s.tabs.slice(0, WORKBENCH_TABS_MAX);
  const i = tabs.findIndex((t) => t.id === s.activeTabId);
  return {
    activeView: s.activeView,
    sidebarVisible: s.sidebarVisible,
    panelVisible: s.panelVisible,
    panelTab: s.panelTab,
    tabs: tabs.map(({ id: _id, ...t }): WorkbenchLayout['tabs'][number] => t),
    activeTab: i < 0 ? null : i,
    views: s.viewStates,
  };
}

export function applyLayout(l: WorkbenchLayout): void {
  const tabs = l.tabs.map(withTabId);
  set({
    activeView: l.activeView,
    sidebarVisible: l.sidebarVisible,
    panelVisible: l.panelVisible,
    panelTab: l.panelTab,
    tabs,
    activeTabId: l.activeTab === null ? null : (tabs[l.activeTab]?.id ?? null),
    viewStates: l.views ?? {},
  });
}

/** Read the saved layout once (at the first connection) and apply it; from then on changes are saved. */
export async function restoreLayout(): Promise<void> {
  if (get().layoutRestored) return;
  try {
    const { layout } = await client().call('workbench.getLayout', {});
    if (layout) applyLayout(layout);
  } catch (e) {
    notify({ kind: 'error', title: 'The saved layout could not be read', error: toSerializedError(e) });
  } finally {
    set({ layoutRestored: true });
  }
}

const LAYOUT_SAVE_DELAY_MS = 250;

/** Save the layout when it changes (tabs, active view, side bar, panel, view states), bursts at most every LAYOUT_SAVE_DELAY_MS. Returns the unsubscribe function. */
export function persistLayout(): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = '';
  let lastSaveAt = 0;
  const save = () => {
    timer = null;
    lastSaveAt = Date.now();
    const s = get();
    if (!s.layoutRestored || s.host.state !== 'open') return;
    const layout = currentLayout(s);
    const text = JSON.stringify(layout);
    if (text === last) return;
    last = text;
    client()
      .call('workbench.setLayout', { layout })
      .catch((e: unknown) => {
        last = '';
        notify({ kind: 'error', title: 'The layout could not be saved', error: toSerializedError(e) });
      });
  };
  const off = useStore.subscribe((s, prev) => {
    if (
      s.layoutRestored === prev.layoutRestored &&
      s.tabs === prev.tabs &&
      s.activeTabId === prev.activeTabId &&
      s.activeView === prev.activeView &&
      s.sidebarVisible === prev.sidebarVisible &&
      s.panelVisible === prev.panelVisible &&
      s.panelTab === prev.panelTab &&
      s.viewStates === prev.viewStates
    )
      return;
    // A change is saved at once (a person may reload right after it); a burst of
    // changes within LAYOUT_SAVE_DELAY_MS of a save is saved once, at its end.
    if (timer) return;
    if (Date.now() - lastSaveAt >= LAYOUT_SAVE_DELAY_MS) save();
    else timer = setTimeout(save, LAYOUT_SAVE_DELAY_MS - (Date.now() - lastSaveAt));
  });
  // Leaving or reloading the page sends what is still pending.
  const flush = () => {
    if (!timer) return;
    clearTimeout(timer);
    save();
  };
  if (typeof window !== 'undefined') window.addEventListener('pagehide', flush);
  return () => {
    off();
    if (typeof window !== 'undefined') window.removeEventListener('pagehide', flush);
    if (timer) clearTimeout(timer);
  };
}

/**
 * What a view remembers across reloads, saved with the layout: the view's entry of
 * WorkbenchViewStates (core/contract), which each view declares strictly there.
 *   const [state, setState] = useViewState('evidence');
 */
export function useViewState<K extends keyof WorkbenchViewStates>(
  view: K,
): [WorkbenchViewStates[K] | undefined, (value: WorkbenchViewStates[K] | undefined) => void] {
  const value = useStore((s) => s.viewStates[view]);
  return [value, (v) => setViewState(view, v)];
}

export function setViewState<K extends keyof WorkbenchViewStates>(view: K, value: WorkbenchViewStates[K] | undefined): void {
  set((s) => {
    const viewStates = { ...s.viewStates };
    if (value === undefined) delete viewStates[view];
    else viewStates[view] = value;
    return { viewStates };
  });
}

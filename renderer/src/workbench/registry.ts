import type { ComponentType, ReactNode } from 'react';
import { WORKBENCH_PANEL_TABS, WORKBENCH_VIEWS, type WorkbenchTab } from '../../../core/contract/index.js';

/*
 * What a feature contributes to the workbench, and the one registry the
 * workbench parts read (VS Code's `*.contribution.ts` pattern): each feature
 * folder (renderer/src/features/<domain>/) exports one FeatureContribution,
 * renderer/src/features.ts lists them, and the activity bar, side bar, editor
 * area, panel, dialogs and palette iterate what was registered here. The
 * workbench never imports a feature.
 */

/** A view of the activity bar. Its id is one of the contract's WORKBENCH_VIEWS (the saved layout names it). */
export type ViewId = (typeof WORKBENCH_VIEWS)[number];
/** A tab of the bottom panel (WORKBENCH_PANEL_TABS of the contract). */
export type PanelTab = (typeof WORKBENCH_PANEL_TABS)[number];
/** One open editor tab: what the saved layout stores (the contract's WorkbenchTab), with its id. */
export type Tab = WorkbenchTab & { id: string };
export type TabKind = Tab['kind'];
export type TabOf<K extends TabKind> = Extract<Tab, { kind: K }>;

/**
 * The dialogs features contribute, by kind, with what each is opened with. A
 * feature adds its own entries by augmenting this interface next to its
 * contribution:
 *   declare module '../../workbench/registry.js' { interface DialogArgs { createKey: object } }
 * so `openDialog({ kind: 'createKey' })` is checked wherever it is called.
 */

// Empty here on purpose: each feature adds its dialogs to it by declaration merging.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DialogArgs {}
export type DialogKind = keyof DialogArgs;
export type DialogOf<K extends DialogKind> = { kind: K } & DialogArgs[K];
/** The open dialog, if any. */
export type DialogState = { [K in DialogKind]: DialogOf<K> }[DialogKind] | null;

export interface ViewInfo {
  id: ViewId;
  title: string;
  /** Set for views whose capability is not in the console yet: when it comes, what it will do and what works today. */
  later?: { issue: string; what: string };
}

export interface ViewContribution extends ViewInfo {
  /** Place in the activity bar (ascending); Ctrl+Shift+<n> shows the n-th view. */
  order: number;
  /** The view's editor tab. */
  component: ComponentType;
  /** Its side-bar section(s). */
  sideBar: ComponentType;
  /** A hook giving the count on its activity-bar button (e.g. requests waiting), or null. */
  useBadge?: () => number | null;
}

export interface TabContribution<K extends TabKind = TabKind> {
  kind: K;
  /** The view the activity bar shows while this tab is active (for kind "view": the tab's own view). */
  view: (tab: TabOf<K>) => ViewId;
  /** The tab's stable id (also what reopening it finds). */
  id: (tab: Extract<WorkbenchTab, { kind: K }>) => string;
  title: (tab: TabOf<K>) => string;
  /** The label's tooltip (default: the title). */
  tooltip?: (tab: TabOf<K>) => string;
  render: (tab: TabOf<K>) => ReactNode;
}

export interface DialogContribution<K extends DialogKind = DialogKind> {
  kind: K;
  render: (dialog: DialogOf<K>) => ReactNode;
}

export interface PanelContribution {
  id: PanelTab;
  title: string;
  order: number;
  component: ComponentType;
  /** Buttons shown in the panel header while this tab is active. */
  actions?: ComponentType;
  /** Keep the tab's content mounted while another tab is shown (its state and scroll position survive). */
  keepMounted?: boolean;
}

/**
 * Every action of the workbench, with its keybinding. The command palette
 * lists them all; the global key handler dispatches them.
 *
 * Keybindings are written VS Code-style: "Ctrl+Shift+P", and chords as
 * "Ctrl+K T". "Ctrl" means Cmd on macOS.
 */
export interface Command {
  id: string;
  category: string;
  title: string;
  keybinding: string;
  /** The binding in the served console, where the browser keeps `keybinding` for itself. */
  web?: string;
  run: () => void;
}

/** What one feature adds to the workbench. Every part is optional. */
export interface FeatureContribution {
  id: string;
  views?: readonly ViewContribution[];
  tabs?: readonly TabContribution<any>[];
  dialogs?: readonly DialogContribution<any>[];
  panels?: readonly PanelContribution[];
  /** Commands in the palette, in this order (a function is called once, after the views are registered). */
  commands?: readonly Command[] | (() => readonly Command[]);
  /** Commands that depend on the current state (one per pending request…), computed when the palette opens. */
  dynamicCommands?: () => Command[];
}

/** Helpers that keep a contribution's kind and its callbacks' argument types together. */
export const defineTab = <K extends TabKind>(kind: K, t: Omit<TabContribution<K>, 'kind'>): TabContribution<K> => ({ kind, ...t });
export const defineDialog = <K extends DialogKind>(kind: K, render: (dialog: DialogOf<K>) => ReactNode): DialogContribution<K> => ({ kind, render });

// ─── the registry ───────────────────────────────────────────────────────────

let features: readonly FeatureContribution[] = [];
let views: readonly ViewContribution[] = [];
let tabKinds = new Map<TabKind, TabContribution>();
let dialogKinds = new Map<string, DialogContribution>();
let panels: readonly PanelContribution[] = [];
let commands: readonly Command[] = [];

function duplicates(ids: readonly string[]): string[] {
  return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
}

/**
 * Register the features (once, at start-up, before the first render). Checks
 * that every view and tab kind the saved layout can name has exactly one
 * contribution, and that no id is contributed twice.
 */
export function registerFeatures(list: readonly FeatureContribution[]): void {
  const allViews = list.flatMap((f) => f.views ?? []);
  const allTabs = list.flatMap((f) => f.tabs ?? []);
  const allDialogs = list.flatMap((f) => f.dialogs ?? []);
  const allPanels = list.flatMap((f) => f.panels ?? []);
  const problems: string[] = [];
  const twice = (what: string, ids: readonly string[]) => {
    for (const id of duplicates(ids)) problems.push(`${what} "${id}" is contributed twice`);
  };
  twice(
    'feature',
    list.map((f) => f.id),
  );
  twice(
    'view',
    allViews.map((v) => v.id),
  );
  twice(
    'tab kind',
    allTabs.map((t) => t.kind),
  );
  twice(
    'dialog',
    allDialogs.map((d) => d.kind),
  );
  twice(
    'panel tab',
    allPanels.map((p) => p.id),
  );
  for (const v of WORKBENCH_VIEWS) if (!allViews.some((x) => x.id === v)) problems.push(`no feature contributes the view "${v}"`);
  for (const p of WORKBENCH_PANEL_TABS) if (!allPanels.some((x) => x.id === p)) problems.push(`no feature contributes the panel tab "${p}"`);
  for (const k of ['view', 'block', 'tx', 'request'] satisfies TabKind[])
    if (!allTabs.some((t) => t.kind === k)) problems.push(`no feature contributes the tab kind "${k}"`);
  if (problems.length > 0) throw new Error(`workbench contributions: ${problems.join('; ')}`);
  features = list;
  views = [...allViews].sort((a, b) => a.order - b.order);
  const allCommands = list.flatMap((f) => (typeof f.commands === 'function' ? f.commands() : (f.commands ?? [])));
  const twiceCommands = duplicates(allCommands.map((c) => c.id));
  if (twiceCommands.length > 0) throw new Error(`workbench contributions: command(s) contributed twice: ${twiceCommands.join(', ')}`);
  tabKinds = new Map(allTabs.map((t) => [t.kind as TabKind, t as TabContribution]));
  dialogKinds = new Map(allDialogs.map((d) => [d.kind as string, d as DialogContribution]));
  panels = [...allPanels].sort((a, b) => a.order - b.order);
  commands = allCommands;
}

/** The registered views, in activity-bar order. */
export function registeredViews(): readonly ViewContribution[] {
  return views;
}

export function viewInfo(id: ViewId): ViewContribution {
  const v = views.find((x) => x.id === id);
  if (!v) throw new Error(`no view "${id}" is registered`);
  return v;
}

export function tabContribution<K extends TabKind>(kind: K): TabContribution<K> {
  const t = tabKinds.get(kind);
  if (!t) throw new Error(`no tab kind "${kind}" is registered`);
  return t as unknown as TabContribution<K>;
}

export function dialogContribution<K extends DialogKind>(kind: K): DialogContribution<K> | undefined {
  return dialogKinds.get(kind as string) as DialogContribution<K> | undefined;
}

export function registeredPanels(): readonly PanelContribution[] {
  return panels;
}

export function registeredCommands(): readonly Command[] {
  return commands;
}

export function registeredDynamicCommands(): Command[] {
  return features.flatMap((f) => f.dynamicCommands?.() ?? []);
}

/**
 * The contribution registry and the commands the workbench builds from it
 * (registry.ts, commands.ts): every view, tab kind and panel tab of the saved
 * layout has one contribution, nothing is contributed twice, the activity bar
 * and the palette come out in the order they always had, and the key handler
 * runs registered commands (chords included).
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setClient } from '../common/client.js';
import { FEATURES } from '../features.js';
import { useStore } from '../store.js';
import type { RendererClient } from '../transport/index.js';
import { eventChord, handleGlobalKey } from './commands.js';
import {
  registerFeatures,
  registeredCommands,
  registeredPanels,
  registeredViews,
  tabContribution,
  dialogContribution,
  type FeatureContribution,
} from './registry.js';

const initial = useStore.getState();
beforeAll(() => registerFeatures(FEATURES));
beforeEach(() => {
  useStore.setState(initial, true);
  setClient({ kind: 'websocket', call: async () => ({}) } as unknown as RendererClient);
});

function key(k: { key: string; code?: string; ctrl?: boolean; shift?: boolean; alt?: boolean }) {
  let prevented = false;
  const e = {
    key: k.key,
    code: k.code ?? (/^[a-z]$/i.test(k.key) ? `Key${k.key.toUpperCase()}` : /^[0-9]$/.test(k.key) ? `Digit${k.key}` : k.key),
    ctrlKey: k.ctrl ?? false,
    metaKey: false,
    shiftKey: k.shift ?? false,
    altKey: k.alt ?? false,
    preventDefault: () => {
      prevented = true;
    },
  } as unknown as KeyboardEvent;
  return { ran: handleGlobalKey(e), prevented: () => prevented, e };
}

describe('the workbench registry', () => {
  it('lays out the activity bar, the panel and the palette from the contributions, in their order', () => {
    expect(registeredViews().map((v) => v.id)).toEqual([
      'overview',
      'keys',
      'approvals',
      'governance',
      'ceremonies',
      'runbooks',
      'evidence',
      'replay',
      'nodes',
    ]);
    expect(registeredPanels().map((p) => p.id)).toEqual(['output', 'audit', 'security']);
    const cmds = registeredCommands();
    expect(cmds.filter((c) => c.id.startsWith('view.show.')).map((c) => `${c.title} ${c.keybinding}`)).toEqual([
      'Show Overview Ctrl+Shift+1',
      'Show Keys Ctrl+Shift+2',
      'Show Approvals Ctrl+Shift+3',
      'Show Governance Ctrl+Shift+4',
      'Show Ceremonies Ctrl+Shift+5',
      'Show Runbooks Ctrl+Shift+6',
      'Show Evidence Ctrl+Shift+7',
      'Show Replay Ctrl+Shift+8',
      'Show Nodes Ctrl+Shift+9',
    ]);
    expect([...new Set(cmds.map((c) => c.category))]).toEqual([
      'View',
      'Preferences',
      'Developer',
      'Keys',
      'Custody',
      'Governance',
      'Explorer',
      'Evidence',
      'Audit',
    ]);
    // No binding answers two commands.
    const bindings = cmds.flatMap((c) => [c.keybinding, c.web ?? '']).filter((b) => b !== '');
    expect(bindings.filter((b, i) => bindings.indexOf(b) !== i)).toEqual([]);
    for (const kind of [
      'createKey',
      'importKey',
      'keyAction',
      'createVault',
      'fundVault',
      'withdraw',
      'approve',
      'cancelRequest',
      'addressBook',
      'governanceSign',
    ] as const) {
      expect(dialogContribution(kind), kind).toBeDefined();
    }
  });

  it('names, ids and places each tab kind', () => {
    expect(tabContribution('view').id({ kind: 'view', view: 'keys' })).toBe('view:keys');
    expect(tabContribution('block').id({ kind: 'block', height: 4 })).toBe('block:4');
    expect(tabContribution('tx').tooltip!({ id: 'x', kind: 'tx', hash: 'ABCDEF0123' })).toBe('Transaction ABCDEF0123');
    expect(tabContribution('request').view({ id: 'x', kind: 'request', requestId: 'wr-1' })).toBe('approvals');
    expect(tabContribution('view').view({ id: 'x', kind: 'view', view: 'replay' })).toBe('replay');
  });

  it('refuses a view, tab kind or panel tab the layout names but no feature contributes, and anything contributed twice', () => {
    const without = (id: string) => FEATURES.filter((f) => f.id !== id);
    expect(() => registerFeatures(without('nodes'))).toThrow(/no feature contributes the view "nodes"/);
    expect(() => registerFeatures(without('explorer'))).toThrow(/tab kind "block"[\s\S]*tab kind "tx"/);
    expect(() => registerFeatures(without('audit'))).toThrow(/panel tab "audit"/);
    const again: FeatureContribution = { id: 'again', commands: [{ id: 'keys.create', category: 'Keys', title: 'x', keybinding: '', run: () => {} }] };
    expect(() => registerFeatures([...FEATURES, again])).toThrow(/keys\.create/);
    expect(() => registerFeatures([...FEATURES, { id: 'keys' }])).toThrow(/feature "keys" is contributed twice/);
    registerFeatures(FEATURES);
    expect(registeredViews()).toHaveLength(9);
  });
});

describe('the key handler', () => {
  it('reads chords from the physical key', () => {
    expect(eventChord(key({ key: '#', code: 'Digit3', ctrl: true, shift: true }).e)).toBe('Ctrl+Shift+3');
    expect(eventChord(key({ key: 'Control', code: 'ControlLeft', ctrl: true }).e)).toBeNull();
  });

  it('runs the command bound to a key or a chord; plain typing runs nothing', () => {
    expect(key({ key: '3', ctrl: true, shift: true }).ran).toBe(true);
    expect(useStore.getState()).toMatchObject({ activeView: 'approvals', activeTabId: 'view:approvals' });
    const first = key({ key: 'k', ctrl: true });
    expect(first.ran && first.prevented()).toBe(true);
    expect(key({ key: 'v' }).ran).toBe(true);
    expect(useStore.getState().dialog).toEqual({ kind: 'createVault' });
    expect(key({ key: 'v' }).ran).toBe(false);
    expect(key({ key: 'x' }).ran).toBe(false);
  });

  it('in the served console, the web binding reaches a command whose desktop key the browser keeps', () => {
    expect(useStore.getState().sidebarVisible).toBe(true);
    expect(key({ key: 'b', ctrl: true, alt: true }).ran).toBe(true);
    expect(useStore.getState().sidebarVisible).toBe(false);
    setClient({ kind: 'electron' } as unknown as RendererClient);
    expect(key({ key: 'b', ctrl: true, alt: true }).ran).toBe(false);
    expect(key({ key: 'b', ctrl: true }).ran).toBe(true);
    expect(useStore.getState().sidebarVisible).toBe(true);
  });
});

/**
 * The workbench layout that the renderer saves in the workspace (workbench.setLayout)
 * is a strict schema of view ids and tab kinds: nothing free-form gets stored.
 */
import { describe, expect, it } from 'vitest';
import { methods, WORKBENCH_TABS_MAX, WorkbenchLayout } from '../../core/contract/index.js';

const good = {
  activeView: 'nodes',
  sidebarVisible: false,
  panelVisible: true,
  panelTab: 'security',
  tabs: [
    { kind: 'view', view: 'keys' },
    { kind: 'block', height: 12 },
    { kind: 'tx', hash: 'AB'.repeat(32) },
    { kind: 'request', requestId: `wr-${'0'.repeat(24)}` },
  ],
  activeTab: 2,
};

describe('WorkbenchLayout', () => {
  it('accepts a layout of known views and tab kinds', () => {
    expect(WorkbenchLayout.parse(good)).toEqual(good);
    expect(WorkbenchLayout.parse({ ...good, tabs: [], activeTab: null, views: {} }).tabs).toEqual([]);
  });

  it.each([
    ['an unknown top-level field', { ...good, extra: 'x' }],
    ['an unknown view', { ...good, activeView: 'settings' }],
    ['an unknown tab kind', { ...good, tabs: [{ kind: 'url', url: 'https://example.org' }], activeTab: 0 }],
    ['a tab with an extra field', { ...good, tabs: [{ kind: 'view', view: 'keys', html: '<b>' }], activeTab: 0 }],
    ['a lower-case tx hash', { ...good, tabs: [{ kind: 'tx', hash: 'ab'.repeat(32) }], activeTab: 0 }],
    ['a block at height 0', { ...good, tabs: [{ kind: 'block', height: 0 }], activeTab: 0 }],
    ['an active tab beyond the tabs', { ...good, activeTab: 4 }],
    ['a free-form view state', { ...good, views: { evidence: { anything: true } } }],
    ['too many tabs', { ...good, tabs: Array.from({ length: WORKBENCH_TABS_MAX + 1 }, (_, i) => ({ kind: 'block', height: i + 1 })), activeTab: 0 }],
  ])('refuses %s', (_what, layout) => {
    expect(WorkbenchLayout.safeParse(layout).success).toBe(false);
    expect(methods['workbench.setLayout'].input.safeParse({ layout }).success).toBe(false);
  });

  it('setLayout takes nothing but the layout', () => {
    expect(methods['workbench.setLayout'].input.safeParse({ layout: good }).success).toBe(true);
    expect(methods['workbench.setLayout'].input.safeParse({ layout: good, note: 'x' }).success).toBe(false);
  });
});

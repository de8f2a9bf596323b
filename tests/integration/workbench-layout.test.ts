/**
 * The workbench layout through the contract, on a real workspace (SQLite):
 * saved and read back as it was, refused with INVALID_INPUT when it is not the
 * strict schema (the saved layout stays as it was), and read as null when what
 * the workspace holds no longer fits the schema. Not audited.
 */
import { describe, expect, it } from 'vitest';
import type { WorkbenchLayout } from '../../core/contract/index.js';
import { useConsole } from './console-harness.js';

const h = useConsole('charter-layout-');

const layout = {
  activeView: 'evidence',
  sidebarVisible: false,
  panelVisible: true,
  panelTab: 'output',
  tabs: [
    { kind: 'view', view: 'overview' },
    { kind: 'block', height: 3 },
    { kind: 'view', view: 'evidence' },
  ],
  activeTab: 2,
  views: {},
} satisfies WorkbenchLayout;

describe('workbench.getLayout / workbench.setLayout', () => {
  it('is null before the first save, then what was saved', async () => {
    expect(await h.call('workbench.getLayout', {})).toEqual({ layout: null });
    expect(await h.call('workbench.setLayout', { layout })).toEqual({ saved: true });
    expect(await h.call('workbench.getLayout', {})).toEqual({ layout });
  });

  it('refuses what is not the schema and keeps the saved layout', async () => {
    expect(await h.fail('workbench.setLayout', { layout: { ...layout, tabs: [{ kind: 'url', url: 'https://example.org' }], activeTab: 0 } })).toBe(
      'INVALID_INPUT',
    );
    expect(await h.fail('workbench.setLayout', { layout: { ...layout, notes: 'free text' } })).toBe('INVALID_INPUT');
    expect(await h.fail('workbench.setLayout', { layout: { ...layout, activeTab: 7 } })).toBe('INVALID_INPUT');
    expect(await h.call('workbench.getLayout', {})).toEqual({ layout });
  });

  it('reads a stored value that no longer fits the schema as no layout', async () => {
    h.charter.workspace.setSetting('ui.workbenchLayout', { ...layout, activeView: 'no-such-view' });
    expect(await h.call('workbench.getLayout', {})).toEqual({ layout: null });
  });

  it('leaves the audit log alone', async () => {
    await h.call('workbench.setLayout', { layout });
    const { entries } = await h.call('audit.list', { limit: 1000 });
    expect(entries.some((e) => e.action.startsWith('workbench.'))).toBe(false);
  });
});

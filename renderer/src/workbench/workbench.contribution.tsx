import { closeTab, cycleTab, refreshAll, showPanel, showView, toggleSidebar, togglePanel, toggleTheme, useStore } from '../store.js';
import { OutputView } from './OutputView.js';
import { defineTab, registeredViews, viewInfo, type FeatureContribution } from './registry.js';

/**
 * What the workbench itself contributes: the "view" tab kind (a view's own
 * editor tab), the Output panel and the commands of the parts (palette, views,
 * side bar, panel, tabs, theme).
 */
export const workbenchContribution: FeatureContribution = {
  id: 'workbench',
  tabs: [
    defineTab('view', {
      view: (t) => t.view,
      id: (t) => `view:${t.view}`,
      title: (t) => viewInfo(t.view).title,
      render: (t) => {
        const View = viewInfo(t.view).component;
        return <View />;
      },
    }),
  ],
  panels: [{ id: 'output', title: 'Output', order: 10, component: OutputView, keepMounted: true }],
  commands: () => [
    {
      id: 'workbench.commandPalette',
      category: 'View',
      title: 'Show All Commands',
      keybinding: 'Ctrl+Shift+P',
      run: () => useStore.setState({ paletteOpen: true, quickPick: null }),
    },
    ...registeredViews().map((view, i) => ({
      id: `view.show.${view.id}`,
      category: 'View',
      title: `Show ${view.title}`,
      keybinding: `Ctrl+Shift+${i + 1}`,
      run: () => showView(view.id),
    })),
    { id: 'view.toggleSidebar', category: 'View', title: 'Toggle Side Bar', keybinding: 'Ctrl+B', web: 'Ctrl+Alt+B', run: toggleSidebar },
    { id: 'view.togglePanel', category: 'View', title: 'Toggle Panel', keybinding: 'Ctrl+J', web: 'Ctrl+Alt+J', run: togglePanel },
    { id: 'view.showOutput', category: 'View', title: 'Show Output', keybinding: 'Ctrl+Shift+U', run: () => showPanel('output') },
    { id: 'view.showAudit', category: 'View', title: 'Show Audit Log', keybinding: 'Ctrl+Shift+Y', run: () => showPanel('audit') },
    { id: 'view.showSecurity', category: 'View', title: 'Show Security Events', keybinding: 'Ctrl+K S', run: () => showPanel('security') },
    { id: 'editor.nextTab', category: 'View', title: 'Open Next Editor Tab', keybinding: 'Ctrl+PageDown', web: 'Ctrl+Alt+PageDown', run: () => cycleTab(1) },
    {
      id: 'editor.previousTab',
      category: 'View',
      title: 'Open Previous Editor Tab',
      keybinding: 'Ctrl+PageUp',
      web: 'Ctrl+Alt+PageUp',
      run: () => cycleTab(-1),
    },
    {
      id: 'editor.closeTab',
      category: 'View',
      title: 'Close Editor Tab',
      keybinding: 'Ctrl+F4',
      web: 'Ctrl+Alt+W',
      run: () => {
        const id = useStore.getState().activeTabId;
        if (id) closeTab(id);
      },
    },
    { id: 'preferences.toggleTheme', category: 'Preferences', title: 'Toggle Light/Dark Theme', keybinding: 'Ctrl+K T', run: () => void toggleTheme() },
    { id: 'workbench.refresh', category: 'Developer', title: 'Refresh All Data', keybinding: 'Ctrl+K R', run: () => void refreshAll() },
  ],
};

import { showAndFocus } from '../../workbench/focus.js';
import { defineTab, type FeatureContribution } from '../../workbench/registry.js';
import { BlockTab, TxTab } from './views/ExplorerTabs.js';

/** The block explorer: block and transaction tabs (shown under the Nodes view) and "Go to Block or Transaction". */
export const explorerContribution: FeatureContribution = {
  id: 'explorer',
  tabs: [
    defineTab('block', {
      view: () => 'nodes',
      id: (t) => `block:${t.height}`,
      title: (t) => `Block ${t.height}`,
      render: (t) => <BlockTab height={t.height} />,
    }),
    defineTab('tx', {
      view: () => 'nodes',
      id: (t) => `tx:${t.hash}`,
      title: (t) => `Transaction ${t.hash.slice(0, 8)}…`,
      tooltip: (t) => `Transaction ${t.hash}`,
      render: (t) => <TxTab hash={t.hash} />,
    }),
  ],
  commands: [
    {
      id: 'explorer.search',
      category: 'Explorer',
      title: 'Go to Block or Transaction…',
      keybinding: 'Ctrl+G',
      run: () => showAndFocus('nodes', () => document.getElementById('explorer-search')),
    },
  ],
};

import { activePanel, showAndFocus } from '../../workbench/focus.js';
import { defineDialog, type FeatureContribution } from '../../workbench/registry.js';
import { GovernanceSignDialog } from './dialogs/GovernanceSignDialog.js';
import { GovernanceSide } from './views/GovernanceSide.js';
import { GovernanceView } from './views/GovernanceView.js';

/** Governance: proposals, votes and execution — the Governance view, its confirm-and-sign dialog and commands. */
export const governanceContribution: FeatureContribution = {
  id: 'governance',
  views: [{ id: 'governance', title: 'Governance', order: 40, component: GovernanceView, sideBar: GovernanceSide }],
  dialogs: [defineDialog('governanceSign', (d) => <GovernanceSignDialog sign={d.sign} />)],
  commands: [
    {
      id: 'governance.propose',
      category: 'Governance',
      title: 'New Governance Proposal…',
      keybinding: '',
      run: () =>
        showAndFocus('governance', () =>
          activePanel()?.querySelector<HTMLElement>(
            'form[aria-label="New proposal"] select, form[aria-label="New proposal"] input, form[aria-label="New proposal"] textarea',
          ),
        ),
    },
    {
      id: 'governance.vote',
      category: 'Governance',
      title: 'Vote on a Proposal…',
      keybinding: '',
      run: () =>
        showAndFocus(
          'governance',
          () =>
            activePanel()?.querySelector<HTMLElement>('button[aria-label^="Vote yes on "]') ??
            activePanel()?.querySelector<HTMLElement>('table[aria-label="Proposals"], h2'),
        ),
    },
    {
      id: 'governance.execute',
      category: 'Governance',
      title: 'Execute a Passed Proposal…',
      keybinding: '',
      run: () =>
        showAndFocus(
          'governance',
          () =>
            activePanel()?.querySelector<HTMLElement>('button[aria-label^="Execute "]') ??
            activePanel()?.querySelector<HTMLElement>('table[aria-label="Proposals"], h2'),
        ),
    },
  ],
};

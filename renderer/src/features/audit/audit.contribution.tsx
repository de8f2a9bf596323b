import { showPanel } from '../../store.js';
import type { FeatureContribution } from '../../workbench/registry.js';
import { verifyAuditChain } from './auditActions.js';
import { AuditView } from './views/AuditLog.js';
import { SecurityEventsView } from './views/SecurityEvents.js';

function VerifyChainButton() {
  return (
    <button type="button" className="button button-small" onClick={() => void verifyAuditChain()}>
      Verify chain
    </button>
  );
}

/** Audit and security: the Audit log and Security events panel tabs, and "Verify Audit Log Chain". */
export const auditContribution: FeatureContribution = {
  id: 'audit',
  panels: [
    { id: 'audit', title: 'Audit log', order: 20, component: AuditView, actions: VerifyChainButton, keepMounted: true },
    { id: 'security', title: 'Security events', order: 30, component: SecurityEventsView },
  ],
  commands: [
    {
      id: 'audit.verify',
      category: 'Audit',
      title: 'Verify Audit Log Chain',
      keybinding: 'Ctrl+K A',
      run: () => {
        showPanel('audit');
        void verifyAuditChain();
      },
    },
  ],
};

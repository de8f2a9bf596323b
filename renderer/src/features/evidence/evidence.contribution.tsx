import { notify } from '../../store.js';
import { amountWithBaseUnits } from '../../common/amounts.js';
import { executedRequests, withRequest } from '../../common/requestPick.js';
import { activePanel, showAndFocus } from '../../workbench/focus.js';
import type { FeatureContribution } from '../../workbench/registry.js';
import { exportError, exportEvidence } from './exportEvidence.js';
import { EvidenceSide } from './views/EvidenceSide.js';
import { EvidenceView } from './views/EvidenceView.js';

/** Export the evidence of an executed withdrawal (asks which when it is not obvious). */
function exportWithdrawalEvidence(): void {
  withRequest(
    executedRequests(),
    'Export the evidence of which executed withdrawal?',
    'No withdrawal has executed yet: evidence is exported once one has',
    (r) => {
      exportEvidence(r.requestId, 'download').then(
        (out) => {
          if (out) notify({ kind: 'info', title: `Evidence exported: ${out.fileName}`, text: `SHA-256 ${out.sha256}` });
        },
        (e: unknown) => notify({ kind: 'error', title: 'The evidence was not exported', error: exportError(e) }),
      );
    },
  );
}

function buildCaseBundle(): void {
  withRequest(
    executedRequests(),
    'Build an evidence bundle for which executed withdrawal?',
    'No withdrawal has executed yet: a custody-case bundle needs one',
    (r) =>
      showAndFocus('evidence', () =>
        Array.from(document.querySelectorAll<HTMLElement>('button[aria-label^="Build bundle for "]')).find(
          (b) => b.getAttribute('aria-label') === `Build bundle for ${amountWithBaseUnits(r.amount, r.asset)} to ${r.destination}`,
        ),
      ),
  );
}

/** Evidence: exports, bundles (custody case, history segment) and offline verification. */
export const evidenceContribution: FeatureContribution = {
  id: 'evidence',
  views: [{ id: 'evidence', title: 'Evidence', order: 70, component: EvidenceView, sideBar: EvidenceSide }],
  commands: [
    { id: 'evidence.export', category: 'Evidence', title: 'Export Withdrawal Evidence…', keybinding: 'Ctrl+K E', run: exportWithdrawalEvidence },
    { id: 'evidence.buildCase', category: 'Evidence', title: 'Build Evidence Bundle for a Withdrawal…', keybinding: 'Ctrl+K B', run: buildCaseBundle },
    {
      id: 'evidence.buildSegment',
      category: 'Evidence',
      title: 'Build History Segment Bundle…',
      keybinding: '',
      run: () => showAndFocus('evidence', () => document.getElementById('segment-from')),
    },
    {
      id: 'evidence.verify',
      category: 'Evidence',
      title: 'Verify Evidence Bundle…',
      keybinding: 'Ctrl+K O',
      run: () => showAndFocus('evidence', () => activePanel()?.querySelector<HTMLElement>('input[type="file"][aria-label="Open a bundle"]')),
    },
  ],
};

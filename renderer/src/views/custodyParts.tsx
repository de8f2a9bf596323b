import type { RequestView } from '../../../core/contract/index.js';
import { openBlock } from '../store.js';

export function approvalsText(r: RequestView): string {
  return `${r.approvals.length} of ${r.threshold}`;
}

/** Status of a request, with the block it executed in and a way to open it. */
export function RequestStatus({ r }: { r: RequestView }) {
  if (r.status === 'executed' && r.executedAt !== null) {
    return (
      <span className="status-cell">
        <span className="chip chip-executed">Executed in block {r.executedAt}</span>{' '}
        <button type="button" className="link-button" onClick={() => openBlock(r.executedAt as number)}>
          Open block {r.executedAt}
        </button>
      </span>
    );
  }
  if (r.status === 'failed') {
    return <span className="chip chip-failed">Failed{r.failure ? `: ${r.failure}` : ''}</span>;
  }
  if (r.status === 'cancelled') return <span className="chip chip-failed">Cancelled</span>;
  // Fully approved, waiting for a control (timelock, velocity window, attestation) before it executes.
  if (r.status === 'approved') return <span className="chip chip-pending">Approved, waiting</span>;
  return <span className="chip chip-pending">Pending</span>;
}

export function balancesText(b: Record<string, string>): string {
  const entries = Object.entries(b);
  return entries.length === 0 ? 'empty' : entries.map(([a, n]) => `${n} ${a}`).join(', ');
}

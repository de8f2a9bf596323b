import type { RequestView } from '../../../../../core/contract/index.js';
import { balancesLine } from '../../../common/amounts.js';
import { keyName, openBlock, useStore } from '../../../store.js';

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
  if (r.status === 'cancelled') return <CancelledChip r={r} />;
  // Fully approved, waiting for a control (timelock, velocity window, attestation) before it executes.
  if (r.status === 'approved') return <span className="chip chip-pending">Approved, waiting</span>;
  return <span className="chip chip-pending">Pending</span>;
}

function CancelledChip({ r }: { r: RequestView }) {
  const keys = useStore((s) => s.keys);
  const c = r.cancelled;
  return (
    <span className="chip chip-failed chip-reason" title={c ? `Cancelled by ${keyName(keys, c.by)} in block ${c.height}: ${c.reason}` : undefined}>
      Cancelled{c ? `: ${c.reason}` : ''}
    </span>
  );
}

/** Balances in each asset's unit ("1 USDC"); base units on hover where the Amount component is used. */
export function balancesText(b: Record<string, string>): string {
  return balancesLine(b);
}

/** Whether a request can still be cancelled. */
export function cancellable(r: RequestView): boolean {
  return r.status === 'pending' || r.status === 'approved';
}

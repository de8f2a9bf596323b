import type { RequestView } from '../../../core/contract/index.js';
import { notify, openQuickPick, useStore } from '../store.js';
import { amountWithBaseUnits } from './amounts.js';

/** A withdrawal request as the palette names it. */
export const requestText = (r: RequestView) => `${amountWithBaseUnits(r.amount, r.asset)} → ${r.destination}`;

export function pendingRequests(): RequestView[] {
  return (useStore.getState().requests ?? []).filter((r) => r.status === 'pending');
}

export function executedRequests(): RequestView[] {
  return (useStore.getState().requests ?? []).filter((r) => r.status === 'executed');
}

/** The request of the active editor tab, if it is one. */
function activeRequestId(): string | null {
  const { tabs, activeTabId } = useStore.getState();
  const tab = tabs.find((t) => t.id === activeTabId);
  return tab?.kind === 'request' ? tab.requestId : null;
}

/** Ask which request, unless the active tab or a single candidate answers it. */
export function withRequest(candidates: RequestView[], what: string, none: string, run: (r: RequestView) => void): void {
  const active = activeRequestId();
  const chosen = candidates.find((r) => r.requestId === active) ?? (candidates.length === 1 ? candidates[0] : undefined);
  if (chosen) {
    run(chosen);
    return;
  }
  if (candidates.length === 0) {
    notify({ kind: 'info', title: none });
    return;
  }
  openQuickPick({
    placeholder: what,
    items: candidates.map((r) => ({ id: r.requestId, title: requestText(r), detail: `${r.requestId} · vault ${r.vaultId}`, run: () => run(r) })),
  });
}

import { formatAmount } from '../../../common/amounts.js';
import { keyName, openRequest, showView, useStore } from '../../../store.js';
import { Empty, Loading } from '../../../common/ui.js';
import { NavItem, NavList, Section } from '../../../common/sidebar.js';

export function ApprovalsSide() {
  const vaults = useStore((s) => s.vaults);
  const requests = useStore((s) => s.requests);
  const keys = useStore((s) => s.keys);
  return (
    <>
      <Section title="Vaults">
        {vaults === null ? <Loading what="vaults" /> : null}
        {vaults && vaults.length === 0 ? <Empty>No vaults yet.</Empty> : null}
        {vaults && vaults.length > 0 ? (
          <NavList label="Vaults">
            {vaults.map((v) => (
              <NavItem key={v.vaultId} onClick={() => showView('approvals')} title={v.vaultId}>
                <span className="nav-primary">{v.name}</span>
                <span className="nav-secondary">
                  {v.policy.threshold} of {v.policy.approvers.length}
                </span>
              </NavItem>
            ))}
          </NavList>
        ) : null}
      </Section>
      <Section title="Withdrawal requests">
        {requests && requests.length === 0 ? <Empty>No requests yet.</Empty> : null}
        {requests && requests.length > 0 ? (
          <NavList label="Withdrawal requests">
            {requests.map((r) => (
              <NavItem key={r.requestId} onClick={() => openRequest(r.requestId)} title={`${r.requestId} by ${keyName(keys, r.initiator)}`}>
                <span className="nav-primary">
                  {formatAmount(r.amount, r.asset)} → {r.destination}
                </span>
                <span className={`nav-secondary chip chip-${r.status}`}>{r.status === 'pending' ? `${r.approvals.length} of ${r.threshold}` : r.status}</span>
              </NavItem>
            ))}
          </NavList>
        ) : null}
      </Section>
    </>
  );
}

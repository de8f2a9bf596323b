import { formatAmount } from '../../../common/amounts.js';
import { showView, useStore } from '../../../store.js';
import { Empty, Loading } from '../../../common/ui.js';
import { NavItem, NavList, Section } from '../../../common/sidebar.js';

export function EvidenceSide() {
  const requests = useStore((s) => s.requests);
  const executed = requests?.filter((r) => r.status === 'executed') ?? null;
  return (
    <Section title="Executed withdrawals">
      {executed === null ? <Loading what="withdrawals" /> : null}
      {executed && executed.length === 0 ? <Empty>No executed withdrawals yet.</Empty> : null}
      {executed && executed.length > 0 ? (
        <NavList label="Executed withdrawals">
          {executed.map((r) => (
            <NavItem key={r.requestId} onClick={() => showView('evidence')} title={r.requestId}>
              <span className="nav-primary">
                {formatAmount(r.amount, r.asset)} → {r.destination}
              </span>
              <span className="nav-secondary">block {r.executedAt}</span>
            </NavItem>
          ))}
        </NavList>
      ) : null}
    </Section>
  );
}

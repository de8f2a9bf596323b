import { showView } from '../../../store.js';
import { Empty, Loading } from '../../../common/ui.js';
import { NavItem, NavList, Section } from '../../../common/sidebar.js';
import { selectProposal, useGovernance, useProposals } from '../governanceData.js';

export function GovernanceSide() {
  const { proposals, loadError } = useProposals();
  const selected = useGovernance((s) => s.selected);
  return (
    <Section title="Proposals">
      {proposals === null && !loadError ? <Loading what="proposals" /> : null}
      {loadError ? <p className="sidebar-note">Proposals could not be loaded ({loadError.code}).</p> : null}
      {proposals && proposals.length === 0 ? <Empty>No proposals yet.</Empty> : null}
      {proposals && proposals.length > 0 ? (
        <NavList label="Proposals">
          {proposals.map((p) => (
            <NavItem
              key={p.proposalId}
              current={p.proposalId === selected}
              onClick={() => {
                showView('governance');
                selectProposal(p.proposalId);
              }}
              title={`${p.proposalId} · ${p.track} track · voting ends at block ${p.votingEndsAt}`}
            >
              <span className="nav-primary">{p.actionType}</span>
              <span
                className={`nav-secondary chip chip-${p.status === 'executed' ? 'executed' : p.status === 'open' || p.status === 'passed' ? 'pending' : 'failed'}`}
              >
                {p.status}
              </span>
            </NavItem>
          ))}
        </NavList>
      ) : null}
    </Section>
  );
}

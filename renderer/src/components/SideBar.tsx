import type { ReactNode } from 'react';
import { formatAmount } from '../amounts.js';
import { selectProposal, useGovernance, useProposals } from '../governanceData.js';
import { keyName, openBlock, openRequest, showView, useStore } from '../store.js';
import { viewInfo, type ViewId } from '../views.js';
import { arrowNavigation, Empty, formatTime, Loading } from './common.js';

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="sidebar-section" aria-label={title}>
      <h3 className="sidebar-section-title">{title}</h3>
      {children}
    </section>
  );
}

function NavList({ label, children }: { label: string; children: ReactNode }) {
  return (
    <ul className="nav-list" aria-label={label} onKeyDown={arrowNavigation('vertical')}>
      {children}
    </ul>
  );
}

function NavItem({ onClick, children, title, current }: { onClick: () => void; children: ReactNode; title?: string; current?: boolean }) {
  return (
    <li>
      <button type="button" data-nav-item className={`nav-item${current ? ' current' : ''}`} onClick={onClick} title={title} aria-current={current ? 'page' : undefined}>
        {children}
      </button>
    </li>
  );
}

function OverviewSide() {
  const app = useStore((s) => s.app);
  const node = useStore((s) => s.node);
  return (
    <>
      <Section title="Workspace">
        {app ? (
          <dl className="facts">
            <dt>Host</dt>
            <dd>{app.host === 'serve' ? 'Served console' : 'Electron'}</dd>
            <dt>Version</dt>
            <dd>{app.version}</dd>
            <dt>Folder</dt>
            <dd className="break">{app.workspace}</dd>
            <dt>Node</dt>
            <dd>{app.devnet ? 'Embedded devnet' : 'External node'}</dd>
          </dl>
        ) : (
          <Loading what="workspace" />
        )}
      </Section>
      <Section title="Node">
        {node ? (
          <dl className="facts">
            <dt>State</dt>
            <dd>{node.connection}</dd>
            <dt>RPC</dt>
            <dd className="break">{node.rpcUrl}</dd>
            <dt>Height</dt>
            <dd>{node.height ?? '—'}</dd>
          </dl>
        ) : (
          <Loading what="node status" />
        )}
      </Section>
    </>
  );
}

function KeysSide() {
  const keys = useStore((s) => s.keys);
  return (
    <Section title="Software keystore">
      {keys === null ? <Loading what="keys" /> : null}
      {keys && keys.length === 0 ? <Empty>No keys yet.</Empty> : null}
      {keys && keys.length > 0 ? (
        <NavList label="Keys">
          {keys.map((k) => (
            <NavItem key={k.keyId} onClick={() => showView('keys')} title={k.keyId}>
              <span className="nav-primary">{k.label}</span>
              <span className={`nav-secondary chip chip-${k.onChain}`}>{k.onChain}</span>
            </NavItem>
          ))}
        </NavList>
      ) : null}
    </Section>
  );
}

function ApprovalsSide() {
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
                <span className={`nav-secondary chip chip-${r.status}`}>
                  {r.status === 'pending' ? `${r.approvals.length} of ${r.threshold}` : r.status}
                </span>
              </NavItem>
            ))}
          </NavList>
        ) : null}
      </Section>
    </>
  );
}

function EvidenceSide() {
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

function NodesSide() {
  const node = useStore((s) => s.node);
  const blocks = useStore((s) => s.blocks);
  return (
    <>
      <Section title="Custody node">
        {node ? (
          <dl className="facts">
            <dt>State</dt>
            <dd>{node.connection}</dd>
            <dt>Chain</dt>
            <dd>{node.chainId ?? '—'}</dd>
            <dt>Height</dt>
            <dd>{node.height ?? '—'}</dd>
          </dl>
        ) : (
          <Loading what="node status" />
        )}
      </Section>
      <Section title="Latest blocks">
        {blocks && blocks.length === 0 ? <Empty>No blocks yet.</Empty> : null}
        {blocks && blocks.length > 0 ? (
          <NavList label="Latest blocks">
            {blocks.map((b) => (
              <NavItem key={b.height} onClick={() => openBlock(b.height)} title={formatTime(b.time)}>
                <span className="nav-primary">Block {b.height}</span>
                <span className="nav-secondary">{b.numTxs === 1 ? '1 tx' : `${b.numTxs} txs`}</span>
              </NavItem>
            ))}
          </NavList>
        ) : null}
      </Section>
    </>
  );
}

function GovernanceSide() {
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
              <span className={`nav-secondary chip chip-${p.status === 'executed' ? 'executed' : p.status === 'open' || p.status === 'passed' ? 'pending' : 'failed'}`}>{p.status}</span>
            </NavItem>
          ))}
        </NavList>
      ) : null}
    </Section>
  );
}

function LaterSide({ view }: { view: ViewId }) {
  const info = viewInfo(view);
  return (
    <Section title={info.title}>
      <p className="sidebar-note">Arrives with {info.later?.issue}.</p>
    </Section>
  );
}

export function SideBar() {
  const view = useStore((s) => s.activeView);
  const info = viewInfo(view);
  let body: ReactNode;
  switch (view) {
    case 'overview':
      body = <OverviewSide />;
      break;
    case 'keys':
      body = <KeysSide />;
      break;
    case 'approvals':
      body = <ApprovalsSide />;
      break;
    case 'evidence':
      body = <EvidenceSide />;
      break;
    case 'nodes':
      body = <NodesSide />;
      break;
    case 'governance':
      body = <GovernanceSide />;
      break;
    default:
      body = <LaterSide view={view} />;
  }
  return (
    <aside className="sidebar" aria-label="Side bar">
      <h2 className="sidebar-title">{info.title}</h2>
      <div className="sidebar-body">{body}</div>
    </aside>
  );
}

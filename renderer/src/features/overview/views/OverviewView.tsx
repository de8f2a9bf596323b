import type { ReactNode } from 'react';
import { ago, ErrorAlert, formatTime, Icon, useNow } from '../../../common/ui.js';
import { openBlock, openDialog, showPanel, showView, useStore } from '../../../store.js';
import { keysStepDetail, requestsStepDetail } from '../../../common/wording.js';
import { useWorkspaceData } from '../../../common/workspaceData.js';

interface Step {
  title: string;
  done: boolean;
  detail: string;
  action: ReactNode;
}

export function OverviewView() {
  const node = useStore((s) => s.node);
  const app = useStore((s) => s.app);
  const keys = useStore((s) => s.keys);
  const vaults = useStore((s) => s.vaults);
  const requests = useStore((s) => s.requests);
  const audit = useStore((s) => s.audit);
  const openedBlocks = useStore((s) => s.openedBlocks);
  const exports = useStore((s) => s.exports);
  const nodeError = useStore((s) => s.errors.node);
  const now = useNow(1000);

  const milestones = useWorkspaceData((s) => s.milestones);

  // Every tick derives from durable state — keys in the keystore, vaults and
  // requests on chain, and the audit log's record of blocks opened and evidence
  // exported — so it never goes back, after a second withdrawal or a reload.
  const nKeys = keys?.length ?? 0;
  const all = requests ?? [];
  const multi = (vaults ?? []).filter((v) => v.policy.threshold >= 2 && v.policy.approvers.length >= v.policy.threshold);
  // Funded: a vault holds something, or a withdrawal was requested from one (the engine refuses a request above the balance).
  const funded = (vaults ?? []).some((v) => Object.values(v.balances).some((b) => !/^0*$/.test(b))) || all.length > 0;
  const pending = all.filter((r) => r.status === 'pending');
  const executed = all.filter((r) => r.status === 'executed');
  const twiceApproved = executed.length > 0 || all.some((r) => r.approvals.length >= 2);
  const opened = new Set([...(milestones?.openedBlocks ?? []), ...openedBlocks]);
  const exportedIds = new Set([...(milestones?.exportedRequests ?? []), ...Object.keys(exports)]);
  const explored = executed.some((r) => r.executedAt !== null && opened.has(r.executedAt));
  const exported = executed.some((r) => exportedIds.has(r.requestId));
  // "Its" block and evidence: of the oldest executed withdrawal still lacking the step (else the oldest).
  const oldestFirst = [...executed].reverse();
  const toExplore = oldestFirst.find((r) => r.executedAt !== null && !opened.has(r.executedAt)) ?? oldestFirst[0];
  const firstExecuted = oldestFirst.find((r) => !exportedIds.has(r.requestId)) ?? oldestFirst[0];

  const steps: Step[] = [
    {
      title: 'Create three keys',
      done: nKeys >= 3,
      detail: keysStepDetail(nKeys),
      action: (
        <button type="button" className="button button-small" onClick={() => openDialog({ kind: 'createKey' })}>
          Create a key
        </button>
      ),
    },
    {
      title: 'Create a vault with a 2-of-3 policy',
      done: multi.length > 0,
      detail: multi.length > 0 ? `${multi[0]?.name}: ${multi[0]?.policy.threshold} of ${multi[0]?.policy.approvers.length}` : 'no multi-approver vault yet',
      action: (
        <button type="button" className="button button-small" disabled={nKeys === 0} onClick={() => openDialog({ kind: 'createVault' })}>
          Create a vault
        </button>
      ),
    },
    {
      title: 'Fund it from the devnet faucet',
      done: funded,
      detail: funded ? 'a vault holds assets' : 'every vault is empty',
      action: (
        <button type="button" className="button button-small" disabled={(vaults?.length ?? 0) === 0} onClick={() => openDialog({ kind: 'fundVault' })}>
          Fund a vault
        </button>
      ),
    },
    {
      title: 'Request a withdrawal',
      done: all.length > 0,
      detail: requestsStepDetail(all),
      action: (
        <button type="button" className="button button-small" disabled={(vaults?.length ?? 0) === 0} onClick={() => openDialog({ kind: 'withdraw' })}>
          New withdrawal
        </button>
      ),
    },
    {
      title: 'Approve it with two keys',
      done: twiceApproved,
      detail: executed.length > 0 ? `${executed.length} executed` : `${pending.length} pending`,
      action: pending[0] ? (
        <button type="button" className="button button-small" onClick={() => openDialog({ kind: 'approve', requestId: pending[0]!.requestId })}>
          Approve
        </button>
      ) : (
        <button type="button" className="button button-small" onClick={() => showView('approvals')}>
          Open Approvals
        </button>
      ),
    },
    {
      title: 'Open its block in the explorer',
      done: explored,
      detail: toExplore ? `executed in block ${toExplore.executedAt}` : 'after execution',
      action: (
        <button type="button" className="button button-small" disabled={!toExplore} onClick={() => toExplore && openBlock(toExplore.executedAt as number)}>
          Open the block
        </button>
      ),
    },
    {
      title: 'Export its evidence',
      done: exported,
      detail: exported ? 'exported' : 'canonical JSON with both approvals',
      action: (
        <button type="button" className="button button-small" disabled={!firstExecuted} onClick={() => showView('evidence')}>
          Open Evidence
        </button>
      ),
    },
  ];
  const doneCount = steps.filter((s) => s.done).length;

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Charter Console</h1>
          <p className="page-sub">
            {app
              ? `${app.host === 'serve' ? 'Served console' : 'Desktop'} ${app.version} · workspace ${app.workspace}`
              : 'Operator console for a permissioned custody ledger'}
          </p>
        </div>
      </header>
      {nodeError ? <ErrorAlert error={nodeError} title="Node status could not be read" /> : null}
      <div className="cards">
        <button type="button" className="card" onClick={() => showView('nodes')}>
          <span className="card-label">Node</span>
          <span className="card-value">{node ? node.connection : '—'}</span>
          <span className="card-sub">{node?.height != null ? `height ${node.height}, ${ago(node.lastBlockTime, now)}` : (node?.error ?? 'no block yet')}</span>
        </button>
        <button type="button" className="card" onClick={() => showView('keys')}>
          <span className="card-label">Keys</span>
          <span className="card-value">{keys ? keys.length : '—'}</span>
          <span className="card-sub">{keys ? `${keys.filter((k) => k.onChain === 'active').length} active on chain` : ''}</span>
        </button>
        <button type="button" className="card" onClick={() => showView('approvals')}>
          <span className="card-label">Vaults</span>
          <span className="card-value">{vaults ? vaults.length : '—'}</span>
          <span className="card-sub">{requests ? `${pending.length} pending, ${executed.length} executed` : ''}</span>
        </button>
        <button type="button" className="card" onClick={() => showPanel('audit')}>
          <span className="card-label">Audit log</span>
          <span className="card-value">{audit ? audit.length : '—'}</span>
          <span className="card-sub">{audit?.[0] ? `last: ${audit[0].action}, ${formatTime(audit[0].time)}` : 'no entries yet'}</span>
        </button>
      </div>
      <section aria-labelledby="first-steps-h" className="page-section">
        <h2 id="first-steps-h">
          First steps{' '}
          <span className="muted">
            ({doneCount} of {steps.length} done)
          </span>
        </h2>
        <ol className="steps" aria-label="First steps">
          {steps.map((s) => (
            <li key={s.title} className={`step${s.done ? ' done' : ''}`}>
              <Icon name={s.done ? 'check' : 'circle'} className="step-icon" />
              <span className="step-text">
                <span className="step-title">{s.title}</span>
                <span className="visually-hidden">{s.done ? ' (done)' : ' (not done yet)'}</span>
                <span className="step-detail"> — {s.detail}</span>
              </span>
              {!s.done ? <span className="step-action">{s.action}</span> : null}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}

import { CopyButton, ErrorAlert, Hash } from '../../../common/ui.js';
import { keyName, openDialog, openTx, showView, useStore } from '../../../store.js';
import { approvalsText, cancellable, RequestStatus } from './custodyParts.js';
import { assetDecimals, baseUnitsTitle, formatAmount } from '../../../common/amounts.js';
import { addressName, useWorkspaceData } from '../../../common/workspaceData.js';
import { PrecheckTable } from './Precheck.js';

export function RequestTab({ requestId }: { requestId: string }) {
  const r = useStore((s) => s.requests?.find((x) => x.requestId === requestId) ?? null);
  const keys = useStore((s) => s.keys);
  const error = useStore((s) => s.errors.custody);
  const addresses = useWorkspaceData((s) => s.addresses);
  if (!r) {
    return (
      <div className="page">
        <h1>Request {requestId}</h1>
        {error ? <ErrorAlert error={error} title="Custody state could not be loaded" /> : <p>This request is not in the list of requests.</p>}
      </div>
    );
  }
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1 title={baseUnitsTitle(r.amount, r.asset)}>Withdrawal of {formatAmount(r.amount, r.asset)}</h1>
          <p className="page-sub">
            <code>{r.requestId}</code> <CopyButton text={r.requestId} label="Copy request id" />
          </p>
        </div>
        <div className="button-row">
          {r.status === 'pending' ? (
            <button type="button" className="button button-primary" onClick={() => openDialog({ kind: 'approve', requestId: r.requestId })}>
              Approve
            </button>
          ) : null}
          {cancellable(r) ? (
            <button type="button" className="button" onClick={() => openDialog({ kind: 'cancelRequest', requestId: r.requestId })}>
              Cancel request…
            </button>
          ) : null}
          {r.status === 'executed' ? (
            <button type="button" className="button" onClick={() => showView('evidence')}>
              Go to evidence
            </button>
          ) : null}
        </div>
      </header>
      <dl className="facts facts-wide">
        <dt>Status</dt>
        <dd>
          <RequestStatus r={r} />
        </dd>
        <dt>Amount</dt>
        <dd>
          {formatAmount(r.amount, r.asset)}
          {assetDecimals(r.asset) !== null ? <span className="muted"> ({r.amount} base units)</span> : null}
        </dd>
        <dt>Vault</dt>
        <dd>{r.vaultId}</dd>
        <dt>Destination</dt>
        <dd className="break">
          {r.destination}
          {addressName(addresses, r.destination) ? <span className="muted"> (“{addressName(addresses, r.destination)}” in the address book)</span> : null}
        </dd>
        <dt>Memo</dt>
        <dd>{r.memo || '—'}</dd>
        <dt>Initiator</dt>
        <dd>{keyName(keys, r.initiator)}</dd>
        <dt>Requested</dt>
        <dd>
          block {r.createdAt},{' '}
          <button type="button" className="link-button" onClick={() => openTx(r.createdTx)} aria-label={`Open request transaction ${r.createdTx}`}>
            transaction <Hash value={r.createdTx} />
          </button>
        </dd>
        <dt>Approvals</dt>
        <dd>{approvalsText(r)}</dd>
        {r.cancelled ? (
          <>
            <dt>Cancelled</dt>
            <dd>
              by {keyName(keys, r.cancelled.by)} in block {r.cancelled.height}: {r.cancelled.reason}
            </dd>
          </>
        ) : null}
        {r.executedTx ? (
          <>
            <dt>Executed by</dt>
            <dd>
              <button
                type="button"
                className="link-button"
                onClick={() => openTx(r.executedTx as string)}
                aria-label={`Open executing transaction ${r.executedTx}`}
              >
                transaction <Hash value={r.executedTx} />
              </button>
            </dd>
          </>
        ) : null}
      </dl>
      {r.status === 'pending' || r.status === 'approved' ? <PrecheckTable requestId={r.requestId} /> : null}
      {r.approvals.length > 0 ? (
        <table className="table" aria-label="Approvals">
          <thead>
            <tr>
              <th scope="col">Approver</th>
              <th scope="col">Block</th>
              <th scope="col">Transaction</th>
            </tr>
          </thead>
          <tbody>
            {r.approvals.map((a) => (
              <tr key={a.txHash}>
                <th scope="row">{keyName(keys, a.keyId)}</th>
                <td>{a.height}</td>
                <td>
                  <button type="button" className="link-button" onClick={() => openTx(a.txHash)} aria-label={`Open approval transaction ${a.txHash}`}>
                    <Hash value={a.txHash} />
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

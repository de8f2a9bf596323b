import { PrecheckSummary } from './Precheck.js';
import { Empty, ErrorAlert, Loading } from '../../../common/ui.js';
import { keyName, openDialog, openRequest, useStore } from '../../../store.js';
import { approvalsText, cancellable, RequestStatus } from './custodyParts.js';
import { Amount } from '../../../common/amounts.js';

export function ApprovalsView() {
  const vaults = useStore((s) => s.vaults);
  const requests = useStore((s) => s.requests);
  const keys = useStore((s) => s.keys);
  const error = useStore((s) => s.errors.custody);
  const haveVaults = (vaults?.length ?? 0) > 0;
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Approvals</h1>
          <p className="page-sub">Vaults, their M-of-N approval policies, and withdrawal requests waiting for signatures.</p>
        </div>
        <div className="button-row">
          <button type="button" className="button button-primary" onClick={() => openDialog({ kind: 'createVault' })}>
            Create vault
          </button>
          <button type="button" className="button" disabled={!haveVaults} onClick={() => openDialog({ kind: 'fundVault' })}>
            Fund vault
          </button>
          <button type="button" className="button" disabled={!haveVaults} onClick={() => openDialog({ kind: 'withdraw' })}>
            New withdrawal
          </button>
          <button type="button" className="button" onClick={() => openDialog({ kind: 'addressBook' })}>
            Address book
          </button>
        </div>
      </header>
      {error ? <ErrorAlert error={error} title="Custody state could not be loaded" /> : null}

      <section aria-labelledby="vaults-h" className="page-section">
        <h2 id="vaults-h">Vaults</h2>
        {vaults === null && !error ? <Loading what="vaults" /> : null}
        {vaults && vaults.length === 0 ? <Empty>No vaults yet. Create one with an approval policy over your keys.</Empty> : null}
        {vaults && vaults.length > 0 ? (
          <table className="table table-vaults table-fit" aria-label="Vaults">
            <thead>
              <tr>
                <th scope="col" className="col-name">
                  Vault
                </th>
                <th scope="col">Policy</th>
                <th scope="col">Approvers</th>
                <th scope="col">Balances</th>
                <th scope="col">Created</th>
                <th scope="col" className="col-actions">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {vaults.map((v) => (
                <tr key={v.vaultId}>
                  <th scope="row">
                    {v.name} <span className="muted">({v.vaultId})</span>
                  </th>
                  <td>
                    {v.policy.threshold} of {v.policy.approvers.length}
                  </td>
                  <td className="clip" title={v.policy.approvers.map((k) => keyName(keys, k)).join(', ')}>
                    {v.policy.approvers.map((k) => keyName(keys, k)).join(', ')}
                  </td>
                  <td>
                    {Object.keys(v.balances).length === 0 ? (
                      'empty'
                    ) : (
                      <span className="balances">
                        {Object.entries(v.balances).map(([a, n], i) => (
                          <span key={a}>
                            {i > 0 ? ', ' : ''}
                            <Amount value={n} asset={a} />
                          </span>
                        ))}
                      </span>
                    )}
                  </td>
                  <td>block {v.createdAt}</td>
                  <td className="actions">
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={`Fund ${v.name}`}
                      onClick={() => openDialog({ kind: 'fundVault', vaultId: v.vaultId })}
                    >
                      Fund
                    </button>{' '}
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={`Withdraw from ${v.name}`}
                      onClick={() => openDialog({ kind: 'withdraw', vaultId: v.vaultId })}
                    >
                      Withdraw
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>

      <section aria-labelledby="requests-h" className="page-section">
        <h2 id="requests-h">Withdrawal requests</h2>
        {requests && requests.length === 0 ? <Empty>No withdrawal requests yet.</Empty> : null}
        {requests && requests.length > 0 ? (
          <table className="table table-requests table-fit" aria-label="Withdrawal requests">
            <thead>
              <tr>
                <th scope="col" className="col-amount">
                  Amount
                </th>
                <th scope="col">Destination</th>
                <th scope="col">Vault</th>
                <th scope="col">Initiator</th>
                <th scope="col">Approvals</th>
                <th scope="col" className="col-status">
                  Status
                </th>
                <th scope="col">Controls</th>
                <th scope="col" className="col-actions">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {requests.map((r) => (
                <tr key={r.requestId}>
                  <th scope="row">
                    <Amount value={r.amount} asset={r.asset} />
                  </th>
                  <td className="break">{r.destination}</td>
                  <td>{r.vaultId}</td>
                  <td className="clip" title={keyName(keys, r.initiator)}>
                    {keyName(keys, r.initiator)}
                  </td>
                  <td title={r.approvals.map((a) => keyName(keys, a.keyId)).join(', ')}>{approvalsText(r)}</td>
                  <td>
                    <RequestStatus r={r} />
                  </td>
                  <td>{r.status === 'pending' || r.status === 'approved' ? <PrecheckSummary requestId={r.requestId} /> : <span className="muted">—</span>}</td>
                  <td className="actions">
                    {r.status === 'pending' ? (
                      <button
                        type="button"
                        className="button button-small button-primary"
                        onClick={() => openDialog({ kind: 'approve', requestId: r.requestId })}
                      >
                        Approve
                      </button>
                    ) : null}{' '}
                    {cancellable(r) ? (
                      <>
                        <button
                          type="button"
                          className="button button-small"
                          aria-label={`Cancel request ${r.requestId}`}
                          onClick={() => openDialog({ kind: 'cancelRequest', requestId: r.requestId })}
                        >
                          Cancel…
                        </button>{' '}
                      </>
                    ) : null}
                    <button type="button" className="button button-small" aria-label={`Details of ${r.requestId}`} onClick={() => openRequest(r.requestId)}>
                      Details
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  );
}

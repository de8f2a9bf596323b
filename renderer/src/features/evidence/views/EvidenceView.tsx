import { useState } from 'react';
import type { RequestView, SerializedError } from '../../../../../core/contract/index.js';
import { exportError, exportEvidence, type ExportMode } from '../exportEvidence.js';
import { savePicker } from '../../../common/files.js';
import { Empty, ErrorAlert, Loading } from '../../../common/ui.js';
import { keyName, openBlock, openRequest, useStore } from '../../../store.js';
import { Amount, amountWithBaseUnits } from '../../../common/amounts.js';
import { BuildBundleButton, BuildSegmentForm, BundleVerifier } from './BundlePanels.js';

function ExportRow({ r }: { r: RequestView }) {
  const keys = useStore((s) => s.keys);
  const done = useStore((s) => s.exports[r.requestId]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<SerializedError | null>(null);
  const canPick = savePicker() !== null;
  const run = async (mode: ExportMode) => {
    setBusy(true);
    setError(null);
    try {
      await exportEvidence(r.requestId, mode);
    } catch (e) {
      setError(exportError(e));
    } finally {
      setBusy(false);
    }
  };
  const what = `${amountWithBaseUnits(r.amount, r.asset)} to ${r.destination}`;
  return (
    <li className="evidence-item">
      <div className="evidence-head">
        <div>
          <div className="evidence-title">
            <Amount value={r.amount} asset={r.asset} /> → <span className="break">{r.destination}</span>
          </div>
          <div className="muted">
            <button type="button" className="link-button" onClick={() => openRequest(r.requestId)}>
              {r.requestId}
            </button>{' '}
            · vault {r.vaultId} · approved by {r.approvals.map((a) => keyName(keys, a.keyId)).join(', ')} ·{' '}
            <button type="button" className="link-button" onClick={() => openBlock(r.executedAt as number)}>
              executed in block {r.executedAt}
            </button>
          </div>
        </div>
        <div className="button-row">
          <button
            type="button"
            className="button button-primary"
            disabled={busy}
            aria-label={`Export evidence for ${what}`}
            onClick={() => void run('download')}
          >
            {busy ? 'Exporting…' : 'Export evidence'}
          </button>
          {canPick ? (
            <button type="button" className="button" disabled={busy} aria-label={`Save evidence for ${what} as…`} onClick={() => void run('picker')}>
              Save as…
            </button>
          ) : null}
        </div>
      </div>
      <div className="bundle-build">
        <BuildBundleButton requestId={r.requestId} what={what} />
      </div>
      {error ? <ErrorAlert error={error} title="The evidence was not exported" /> : null}
      {done ? (
        <dl className="facts facts-wide" role="status" aria-label={`Exported evidence for ${what}`}>
          <dt>File</dt>
          <dd>{done.savedTo}</dd>
          <dt>SHA-256</dt>
          <dd>
            <code className="break">{done.sha256}</code>
          </dd>
          <dt>Workspace copy</dt>
          <dd>
            <code className="break">{done.artifact}</code>
          </dd>
        </dl>
      ) : null}
    </li>
  );
}

export function EvidenceView() {
  const requests = useStore((s) => s.requests);
  const error = useStore((s) => s.errors.custody);
  const executed = requests?.filter((r) => r.status === 'executed') ?? null;
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Evidence</h1>
          <p className="page-sub">
            An evidence file holds a withdrawal's request, every approval with its signature and public key, and the block that executed it, as canonical JSON
            (RFC 8785). An evidence bundle (zip) adds the receipt, its inclusion proof, a signed checkpoint and the policy's state proof, signed by the
            console's key, for anyone to verify offline (<code>charter bundle verify</code>). Copies are kept in the workspace's content-addressed store.
          </p>
        </div>
      </header>
      <BundleVerifier />
      <BuildSegmentForm />
      <h2>Executed withdrawals</h2>
      {error ? <ErrorAlert error={error} title="Withdrawals could not be loaded" /> : null}
      {executed === null && !error ? <Loading what="withdrawals" /> : null}
      {executed && executed.length === 0 ? <Empty>No executed withdrawals yet: evidence can be exported once a withdrawal has executed.</Empty> : null}
      {executed && executed.length > 0 ? (
        <ul className="evidence-list" aria-label="Executed withdrawals">
          {executed.map((r) => (
            <ExportRow key={r.requestId} r={r} />
          ))}
        </ul>
      ) : null}
    </div>
  );
}

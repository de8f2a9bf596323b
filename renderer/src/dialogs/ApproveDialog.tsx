import { useId, useRef, useState, type FormEvent } from 'react';
import type { KeyView, RequestView, SerializedError } from '../../../core/contract/index.js';
import { client } from '../client.js';
import { Dialog, ErrorAlert, Hash } from '../components/common.js';
import { closeDialog, keyName, notify, refreshCustody, useStore } from '../store.js';
import { toSerializedError } from '../transport/index.js';
import { takeSecret } from './CreateKeyDialog.js';

/** Why a local key cannot approve this request, or null if it can. */
export function ineligibility(k: KeyView, r: RequestView, approvers: string[] | undefined): string | null {
  if (r.approvals.some((a) => a.keyId === k.keyId)) return 'has already approved';
  if (approvers && !approvers.includes(k.keyId)) return 'not an approver of this vault';
  if (k.onChain !== 'active' && k.onChain !== 'unknown') return `on-chain status: ${k.onChain}`;
  return null;
}

export function ApproveDialog({ requestId }: { requestId: string }) {
  const id = useId();
  const request = useStore((s) => s.requests?.find((r) => r.requestId === requestId) ?? null);
  const vault = useStore((s) => s.vaults?.find((v) => v.vaultId === request?.vaultId) ?? null);
  const keys = useStore((s) => s.keys);
  const [showAll, setShowAll] = useState(false);
  const [chosen, setChosen] = useState('');
  const pass = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<SerializedError | null>(null);

  if (!request) {
    return (
      <Dialog title="Approve withdrawal" onClose={closeDialog}>
        <p>Request {requestId} is not known to this console (yet). Refresh the Approvals view.</p>
      </Dialog>
    );
  }

  const all = (keys ?? []).map((k) => ({ key: k, why: ineligibility(k, request, vault?.policy.approvers) }));
  const eligible = all.filter((x) => x.why === null);
  const shown = showAll ? all : eligible;
  const keyId = chosen && shown.some((x) => x.key.keyId === chosen) ? chosen : (eligible[0]?.key.keyId ?? '');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || !keyId) return;
    let passphrase = takeSecret(pass);
    setBusy(true);
    setError(null);
    try {
      const out = await client().call('custody.approve', { requestId, keyId, passphrase });
      passphrase = '';
      void refreshCustody();
      const r = out.request;
      notify({
        kind: 'info',
        title: `Approved with “${keyName(keys, keyId)}”`,
        text:
          r.status === 'executed'
            ? `${r.approvals.length} of ${r.threshold} approvals: executed in block ${r.executedAt}.`
            : `${r.approvals.length} of ${r.threshold} approvals, in block ${out.height}.`,
      });
      closeDialog();
    } catch (err) {
      passphrase = '';
      setError(toSerializedError(err));
      setBusy(false);
      pass.current?.focus();
    }
  };

  return (
    <Dialog title="Approve withdrawal" onClose={closeDialog} wide>
      <dl className="facts facts-wide" aria-label="Request to approve">
        <dt>Amount</dt>
        <dd>
          <strong>
            {request.amount} {request.asset}
          </strong>
        </dd>
        <dt>Destination</dt>
        <dd className="break">{request.destination}</dd>
        <dt>Vault</dt>
        <dd>
          {vault?.name ?? request.vaultId} ({request.vaultId})
        </dd>
        {request.memo ? (
          <>
            <dt>Memo</dt>
            <dd>{request.memo}</dd>
          </>
        ) : null}
        <dt>Request</dt>
        <dd>
          <code>{request.requestId}</code>
        </dd>
        <dt>Approvals</dt>
        <dd>
          {request.approvals.length} of {request.threshold}
          {request.approvals.length > 0 ? ` (${request.approvals.map((a) => keyName(keys, a.keyId)).join(', ')})` : ''}
        </dd>
      </dl>
      {request.status !== 'pending' ? (
        <p role="status">This request is {request.status}; there is nothing left to approve.</p>
      ) : null}
      <form aria-label="Approve withdrawal" className="form" onSubmit={(e) => void submit(e)}>
        <fieldset className="field">
          <legend>Approve with key</legend>
          {eligible.length === 0 ? (
            <p className="field-hint">No key in this workspace can approve this request{keys && keys.length > 0 ? ': see below for why.' : '.'}</p>
          ) : null}
          <div className="checks">
            {shown.map(({ key: k, why }) => (
              <div key={k.keyId} className={`check${why ? ' ineligible' : ''}`}>
                <input
                  type="radio"
                  name={`${id}-key`}
                  id={`${id}-k-${k.keyId}`}
                  value={k.keyId}
                  checked={keyId === k.keyId}
                  onChange={() => setChosen(k.keyId)}
                  aria-describedby={`${id}-kd-${k.keyId}`}
                />
                <label htmlFor={`${id}-k-${k.keyId}`}>{k.label}</label>
                <span id={`${id}-kd-${k.keyId}`} className="check-desc">
                  <Hash value={k.keyId} />
                  {why ? ` · ${why}` : ''}
                </span>
              </div>
            ))}
          </div>
          <div className="check">
            <input type="checkbox" id={`${id}-all`} checked={showAll} onChange={(e) => setShowAll(e.target.checked)} />
            <label htmlFor={`${id}-all`}>Show keys that cannot approve</label>
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-pass`}>Passphrase</label>
          <input
            id={`${id}-pass`}
            ref={pass}
            type="password"
            required
            autoFocus
            autoComplete="current-password"
            aria-describedby={`${id}-pass-hint`}
          />
          <span id={`${id}-pass-hint`} className="field-hint">
            Unlocks {keyId ? `“${keyName(keys, keyId)}”` : 'the key'} for this one signature. It is not kept.
          </span>
        </div>
        {error ? <ErrorAlert error={error} title="Not approved" /> : null}
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={closeDialog}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy || !keyId || request.status !== 'pending'}>
            {busy ? 'Signing…' : 'Sign approval'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { KeyView, MethodOutput, RequestView, SerializedError } from '../../../../../core/contract/index.js';
import { client } from '../../../common/client.js';
import { Dialog, ErrorAlert, Hash } from '../../../common/ui.js';
import { closeDialog, keyName, notify, refreshCustody, useStore } from '../../../store.js';
import { toSerializedError } from '../../../transport/index.js';
import { useSubmit } from '../../../common/useSubmit.js';
import { takeSecret } from '../../../common/secret.js';
import { PrecheckTable } from '../views/Precheck.js';
import { assetDecimals, formatAmount } from '../../../common/amounts.js';

/** Why a local key cannot approve this request, or null if it can. */
export function ineligibility(k: KeyView, r: RequestView, approvers: string[] | undefined): string | null {
  if (r.approvals.some((a) => a.keyId === k.keyId)) return 'has already approved';
  if (r.initiator === k.keyId) return 'initiated this request (separation of duties)';
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
  const { busy, error, run } = useSubmit();
  const [preview, setPreview] = useState<MethodOutput<'custody.previewApproval'> | { error: SerializedError } | null>(null);
  const [previewNonce, setPreviewNonce] = useState(0);

  // Computed before the early return below: hooks must run in the same order on every render.
  const all = request ? (keys ?? []).map((k) => ({ key: k, why: ineligibility(k, request, vault?.policy.approvers) })) : [];
  const eligible = all.filter((x) => x.why === null);
  const shown = showAll ? all : eligible;
  const keyId = chosen && shown.some((x) => x.key.keyId === chosen) ? chosen : (eligible[0]?.key.keyId ?? '');
  const pending = request?.status === 'pending';
  const selectedBackend = (keys ?? []).find((k) => k.keyId === keyId)?.backend ?? 'software';
  // The chosen key cannot approve (offered with "Show keys that cannot approve"): say why, ask for no passphrase, do not sign.
  const chosenWhy = all.find((x) => x.key.keyId === keyId)?.why ?? null;

  // What this key would sign, fetched whenever the key changes: the user sees the
  // exact envelope and digest, and the approval signs exactly that or nothing.
  useEffect(() => {
    if (!keyId || !pending || chosenWhy !== null) {
      setPreview(null);
      return;
    }
    let live = true;
    setPreview(null);
    client()
      .call('custody.previewApproval', { requestId, keyId })
      .then((p) => {
        if (live) setPreview(p);
      })
      .catch((err: unknown) => {
        if (live) setPreview({ error: toSerializedError(err) });
      });
    return () => {
      live = false;
    };
  }, [requestId, keyId, pending, previewNonce, chosenWhy]);
  const shownPreview = preview && !('error' in preview) ? preview : null;

  if (!request) {
    return (
      <Dialog title="Approve withdrawal" onClose={closeDialog}>
        <p>Request {requestId} is not known to this console (yet). Refresh the Approvals view.</p>
      </Dialog>
    );
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || !keyId || chosenWhy !== null) return;
    // A Ledger key has no secret field: the device asks for confirmation.
    let passphrase: string | undefined = selectedBackend === 'ledger' ? undefined : takeSecret(pass);
    await run(
      async () => {
        const expected =
          shownPreview && shownPreview.keyId === keyId
            ? { nonce: shownPreview.nonce, expiresAt: shownPreview.expiresAt, digest: shownPreview.signingDigest }
            : undefined;
        const out = await client().call('custody.approve', { requestId, keyId, ...(passphrase ? { passphrase } : {}), ...(expected ? { expected } : {}) });
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
      },
      (s) => {
        passphrase = '';
        // What would be signed changed: show the new envelope before any retry.
        if (s.code === 'PREVIEW_STALE') setPreviewNonce((n) => n + 1);
        pass.current?.focus();
      },
    );
  };

  return (
    <Dialog title="Approve withdrawal" onClose={closeDialog} wide className="dialog-approve">
      <div className="approve-layout">
        <div className="approve-main">
          <dl className="facts facts-wide" aria-label="Request to approve">
            <dt>Amount</dt>
            <dd>
              <strong>{formatAmount(request.amount, request.asset)}</strong>
              {assetDecimals(request.asset) !== null ? <span className="muted"> ({request.amount} base units)</span> : null}
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
          {request.status !== 'pending' ? <p role="status">This request is {request.status}; there is nothing left to approve.</p> : null}
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
              {chosenWhy ? (
                <p className="field-error" role="note" aria-label="Why this key cannot approve" id={`${id}-why`}>
                  “{keyName(keys, keyId)}” cannot approve this request ({chosenWhy}). Choose another key.
                </p>
              ) : null}
              <div className="check">
                <input type="checkbox" id={`${id}-all`} checked={showAll} onChange={(e) => setShowAll(e.target.checked)} />
                <label htmlFor={`${id}-all`}>Show keys that cannot approve</label>
              </div>
            </fieldset>
            {chosenWhy !== null ? null : selectedBackend === 'ledger' ? (
              <p className="field-hint" role="note">
                Ledger key: no PIN is typed here. Unlock the device, open the Ethereum app and confirm the request's fields on the device.
              </p>
            ) : (
              <div className="field">
                <label htmlFor={`${id}-pass`}>{selectedBackend === 'pkcs11' ? 'Token PIN' : 'Passphrase'}</label>
                <input
                  id={`${id}-pass`}
                  ref={pass}
                  type="password"
                  required
                  autoFocus
                  data-autofocus=""
                  autoComplete="current-password"
                  aria-describedby={`${id}-pass-hint`}
                />
                <span id={`${id}-pass-hint`} className="field-hint">
                  Unlocks {keyId ? `“${keyName(keys, keyId)}”` : 'the key'} for this one signature. It is not kept.
                </span>
              </div>
            )}
            {error ? <ErrorAlert error={error} title="Not approved" /> : null}
            <div className="form-actions">
              <button type="button" className="button button-secondary" onClick={closeDialog}>
                Cancel
              </button>
              <button
                type="submit"
                className="button button-primary"
                disabled={busy || !keyId || chosenWhy !== null || request.status !== 'pending'}
                aria-describedby={chosenWhy ? `${id}-why` : undefined}
              >
                {busy ? 'Signing…' : 'Sign approval'}
              </button>
            </div>
          </form>
        </div>
        {/* The long parts (the envelope, its digest, every control) scroll here, so key, passphrase and Sign stay in sight. */}
        <div className="approve-review" role="region" aria-label="Review before you sign" tabIndex={0}>
          {pending && keyId && chosenWhy === null ? (
            <section className="field approve-signed" aria-labelledby={`${id}-sign-h`}>
              <h3 id={`${id}-sign-h`} className="field-label">
                What you will sign
              </h3>
              {preview === null ? <p className="field-hint">Preparing the envelope…</p> : null}
              {preview && 'error' in preview ? <ErrorAlert error={preview.error} title="Cannot prepare the approval" /> : null}
              {shownPreview ? (
                <>
                  <pre className="json approve-envelope" aria-label="Envelope to sign" tabIndex={0}>
                    {JSON.stringify(shownPreview.envelope, null, 2)}
                  </pre>
                  <dl className="facts" aria-label="Signing details">
                    <dt>Signing digest</dt>
                    <dd>
                      <code className="break">{shownPreview.signingDigest}</code>
                    </dd>
                    <dt>Scheme</dt>
                    <dd>{shownPreview.scheme}</dd>
                    <dt>Chain</dt>
                    <dd>{shownPreview.chainId}</dd>
                  </dl>
                  <p className="field-hint">
                    The key signs SHA-256("charter/tx/v1" ‖ 0x00 ‖ canonical JSON of this envelope), and only if it is still exactly this.
                  </p>
                </>
              ) : null}
            </section>
          ) : null}
          {pending ? <PrecheckTable requestId={request.requestId} title="Pre-check before you sign" /> : null}
        </div>
      </div>
    </Dialog>
  );
}

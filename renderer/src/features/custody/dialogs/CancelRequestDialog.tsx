import { useId, useRef, useState, type FormEvent } from 'react';
import { cancelIneligibility } from '../../../common/custodyRules.js';
import { formatAmount } from '../../../common/amounts.js';
import { client } from '../../../common/client.js';
import { Dialog, ErrorAlert, Hash } from '../../../common/ui.js';
import { DEVNET_ADMIN, SignerFields } from '../../../common/SignerFields.js';
import { SigningPreviewPanel, shownPreview, usePreview } from '../../../common/SigningPreview.js';
import { closeDialog, keyName, notify, refreshCustody, useStore } from '../../../store.js';
import { useSubmit } from '../../../common/useSubmit.js';
import { takeSecret } from '../../../common/secret.js';

export function CancelRequestDialog({ requestId }: { requestId: string }) {
  const id = useId();
  const request = useStore((s) => s.requests?.find((r) => r.requestId === requestId) ?? null);
  const keys = useStore((s) => s.keys);
  const devnet = useStore((s) => s.app?.devnet ?? false);
  const [reason, setReason] = useState('');
  const [chosen, setChosen] = useState<string | null>(null);
  const pass = useRef<HTMLInputElement>(null);
  const { busy, error, run } = useSubmit();

  const eligible = request ? (keys ?? []).filter((k) => cancelIneligibility(k, request) === null) : [];
  // The initiator first: cancelling one's own request is the common case.
  eligible.sort((a, b) => Number(b.keyId === request?.initiator) - Number(a.keyId === request?.initiator));
  const choices = [...eligible.map((k) => k.keyId), ...(devnet ? [DEVNET_ADMIN] : [])];
  const signer = chosen !== null && choices.includes(chosen) ? chosen : (choices[0] ?? null);
  const backend = (keys ?? []).find((k) => k.keyId === signer)?.backend ?? 'software';
  const open = request?.status === 'pending' || request?.status === 'approved';
  const trimmed = reason.trim();

  const [preview, refetch] = usePreview(
    () => client().call('custody.previewCancel', { requestId, reason: trimmed, ...(signer ? { keyId: signer } : {}) }),
    [requestId, trimmed, signer],
    open && signer !== null && trimmed.length > 0,
  );
  const p = shownPreview(preview);
  const previewMatches = p !== null && (p.envelope as { body?: { reason?: string } }).body?.reason === trimmed;

  if (!request) {
    return (
      <Dialog title="Cancel request" onClose={closeDialog}>
        <p>Request {requestId} is not known to this console (yet). Refresh the Approvals view.</p>
      </Dialog>
    );
  }

  const signerName = signer === DEVNET_ADMIN ? 'Devnet admin' : signer ? keyName(keys, signer) : '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || signer === null || !p || !previewMatches) return;
    let passphrase: string | undefined = signer === DEVNET_ADMIN || backend === 'ledger' ? undefined : takeSecret(pass);
    await run(
      async () => {
        const out = await client().call('custody.cancel', {
          requestId,
          reason: trimmed,
          ...(signer !== DEVNET_ADMIN ? { keyId: signer } : {}),
          ...(passphrase ? { passphrase } : {}),
          expected: { nonce: p.nonce, expiresAt: p.expiresAt, digest: p.signingDigest },
        });
        passphrase = '';
        void refreshCustody();
        notify({
          kind: 'info',
          title: 'Request cancelled',
          text: `${formatAmount(out.request.amount, out.request.asset)} to ${out.request.destination}, in block ${out.height}.`,
        });
        closeDialog();
      },
      (s) => {
        passphrase = '';
        if (s.code === 'PREVIEW_STALE') refetch();
      },
    );
  };

  return (
    <Dialog
      title="Cancel request"
      onClose={closeDialog}
      className="dialog-sign"
      description="A cancelled request never executes. Its initiator, a governance key or the devnet admin signs the cancellation with its reason."
    >
      <form aria-label="Cancel request" className="form sign-columns" onSubmit={(e) => void submit(e)}>
        <div className="sign-main">
          <dl className="facts facts-wide" aria-label="Request to cancel">
            <dt>Amount</dt>
            <dd>
              <strong>{formatAmount(request.amount, request.asset)}</strong>
            </dd>
            <dt>Destination</dt>
            <dd className="break">{request.destination}</dd>
            <dt>Request</dt>
            <dd>
              <code>{request.requestId}</code>
            </dd>
            <dt>Initiator</dt>
            <dd>{keyName(keys, request.initiator)}</dd>
            <dt>Approvals</dt>
            <dd>
              {request.approvals.length} of {request.threshold}
            </dd>
          </dl>
          {!open ? <p role="status">This request is {request.status}; it can no longer be cancelled.</p> : null}
          <div className="field">
            <label htmlFor={`${id}-reason`}>Reason</label>
            <input
              id={`${id}-reason`}
              value={reason}
              required
              maxLength={256}
              autoFocus
              autoComplete="off"
              aria-describedby={`${id}-reason-hint`}
              onChange={(e) => setReason(e.target.value)}
            />
            <span id={`${id}-reason-hint`} className="field-hint">
              Signed with the cancellation and kept on chain (1–256 characters).
            </span>
          </div>
          <SignerFields
            legend="Sign with"
            empty="No key of this workspace may cancel this request: only its initiator, a governance key or an admin may."
            choices={choices}
            signer={signer}
            onChoose={setChosen}
            describe={(c) =>
              c === DEVNET_ADMIN ? (
                'admin of the embedded devnet'
              ) : (
                <>
                  <Hash value={c} /> · {c === request.initiator ? 'initiator of this request' : 'governance key'}
                </>
              )
            }
            keys={keys}
            pass={pass}
          />
          {error ? <ErrorAlert error={error} title="Not cancelled" /> : null}
          <div className="form-actions">
            <button type="button" className="button button-secondary" onClick={closeDialog}>
              Keep request
            </button>
            <button type="submit" className="button button-danger" disabled={busy || !open || signer === null || !previewMatches}>
              {busy ? 'Signing…' : 'Sign cancellation'}
            </button>
          </div>
        </div>
        <div className="sign-preview">
          {open && signer !== null ? (
            trimmed.length > 0 ? (
              <SigningPreviewPanel preview={preview} what="cancellation" signerName={signerName} />
            ) : (
              <p className="field-hint">Type a reason to see what will be signed.</p>
            )
          ) : null}
        </div>
      </form>
    </Dialog>
  );
}

import { useEffect, useId, useState } from 'react';
import type { SerializedError, SigningPreview } from '../../../core/contract/index.js';
import { toSerializedError } from '../transport/index.js';
import { ErrorAlert } from './ui.js';

export type PreviewState = SigningPreview | { error: SerializedError } | null;

/**
 * Fetch what a transaction would sign whenever its inputs change (`deps`), a
 * little after the last change while the user types. `enabled` false clears it.
 */
export function usePreview(fetch: () => Promise<SigningPreview>, deps: readonly unknown[], enabled: boolean, delayMs = 250): [PreviewState, () => void] {
  const [preview, setPreview] = useState<PreviewState>(null);
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    setPreview(null);
    if (!enabled) return;
    let live = true;
    const t = setTimeout(() => {
      fetch()
        .then((p) => {
          if (live) setPreview(p);
        })
        .catch((e: unknown) => {
          if (live) setPreview({ error: toSerializedError(e) });
        });
    }, delayMs);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // The caller's `deps` say when to fetch again, as useEffect's do; `fetch` is a fresh closure on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, enabled, nonce]);
  return [preview, () => setNonce((n) => n + 1)];
}

export function shownPreview(p: PreviewState): SigningPreview | null {
  return p && !('error' in p) ? p : null;
}

/** What the user is about to sign: the envelope, the digest, the scheme, the chain — as the approve dialog shows it. */
export function SigningPreviewPanel({ preview, what, signerName }: { preview: PreviewState; what: string; signerName: string }) {
  const id = useId();
  const p = shownPreview(preview);
  return (
    <section className="field signing-preview" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`} className="field-label">
        What you will sign
      </h3>
      {preview === null ? <p className="field-hint">Preparing the envelope…</p> : null}
      {preview && 'error' in preview ? <ErrorAlert error={preview.error} title={`Cannot prepare the ${what}`} /> : null}
      {p ? (
        <>
          <pre className="json" aria-label="Envelope to sign" tabIndex={0}>
            {JSON.stringify(p.envelope, null, 2)}
          </pre>
          <dl className="facts" aria-label="Signing details">
            <dt>Signed by</dt>
            <dd>
              {signerName} <code className="break">{p.keyId}</code>
            </dd>
            <dt>Signing digest</dt>
            <dd>
              <code className="break">{p.signingDigest}</code>
            </dd>
            <dt>Scheme</dt>
            <dd>{p.scheme}</dd>
            <dt>Chain</dt>
            <dd>{p.chainId}</dd>
          </dl>
          <p className="field-hint">The key signs SHA-256("charter/tx/v1" ‖ 0x00 ‖ canonical JSON of this envelope), and only if it is still exactly this.</p>
        </>
      ) : null}
    </section>
  );
}

import { useEffect, useState } from 'react';
import type { Precheck as PrecheckResult, SerializedError } from '../../../../../core/contract/index.js';
import { client } from '../../../common/client.js';
import { ErrorAlert } from '../../../common/ui.js';
import { keyNames, useStore } from '../../../store.js';
import { nameKeyIds } from '../../../common/errorText.js';
import { unitsInText } from '../../../common/amounts.js';
import { toSerializedError } from '../../../transport/index.js';

const STATUS_TEXT: Record<PrecheckResult['controls'][number]['status'], string> = {
  met: 'met',
  not_met: 'not met',
  waiting: 'waiting',
  not_applicable: 'not applicable',
};

const CONTROL_NAMES: Record<string, string> = {
  approvals: 'Approvals',
  quarantine: 'Quarantine',
  separation_of_duties: 'Separation of duties',
  attestation: 'Attestation gate',
  timelock: 'Timelock',
  tx_limit: 'Per-transaction limit',
  velocity: 'Velocity',
  whitelist: 'Destination whitelist',
  balance: 'Balance',
  degraded_mode: 'Degraded mode',
  freeze: 'Vault freeze',
};

/** A control's name for people: known names, else the engine's name with spaces. */
export function controlName(c: string): string {
  return CONTROL_NAMES[c] ?? c.replace(/_/g, ' ').replace(/^./, (x) => x.toUpperCase());
}

/** The engine's pre-check of one request, refreshed at every new block. */
export function usePrecheck(requestId: string, enabled = true): { result: PrecheckResult | null; error: SerializedError | null } {
  const height = useStore((s) => s.node?.height ?? null);
  const [result, setResult] = useState<PrecheckResult | null>(null);
  const [error, setError] = useState<SerializedError | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    client()
      .call('custody.precheck', { requestId })
      .then((r) => {
        if (!live) return;
        setResult(r);
        setError(null);
      })
      .catch((e: unknown) => {
        if (live) setError(toSerializedError(e));
      });
    return () => {
      live = false;
    };
  }, [requestId, height, enabled]);
  return { result, error };
}

/** One line: "3 met · 1 waiting · 1 not met". */
export function PrecheckSummary({ requestId }: { requestId: string }) {
  const { result, error } = usePrecheck(requestId);
  if (error) return <span className="muted">pre-check unavailable ({error.code})</span>;
  if (!result) return <span className="muted">checking…</span>;
  const counts = new Map<string, number>();
  for (const c of result.controls) if (c.status !== 'not_applicable') counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  const parts = (['met', 'waiting', 'not_met'] as const).filter((k) => counts.get(k)).map((k) => `${counts.get(k)} ${STATUS_TEXT[k]}`);
  return <span aria-label={`Pre-check: ${parts.join(', ') || 'no controls'}`}>{parts.join(' · ') || 'no controls'}</span>;
}

/** Every control's verdict for a request, as the engine computes it without changing state. */
export function PrecheckTable({ requestId, title = 'Pre-check' }: { requestId: string; title?: string }) {
  const { result, error } = usePrecheck(requestId);
  const keys = useStore((s) => s.keys);
  const adminKeyId = useStore((s) => s.app?.devnetAdminKeyId ?? null);
  const names = keyNames(keys, adminKeyId);
  return (
    <section className="page-section" aria-label={`${title} of ${requestId}`}>
      <h2>{title}</h2>
      {error ? <ErrorAlert error={error} title="The pre-check could not be computed" /> : null}
      {!result && !error ? <p className="muted">Checking every control…</p> : null}
      {result ? (
        <>
          <p role="status">
            {result.ok ? 'Every control is met: the request executes as soon as it is approved.' : `Blocking: ${result.code ?? 'a control is not met'}.`}{' '}
            <span className="muted">(state at block {result.height})</span>
          </p>
          <table className="table" aria-label={`Controls of ${requestId}`}>
            <thead>
              <tr>
                <th scope="col">Control</th>
                <th scope="col">Status</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {result.controls.map((c) => (
                <tr key={c.control}>
                  <th scope="row">{controlName(c.control)}</th>
                  <td>
                    <span className={`pill pill-${c.status}`}>{STATUS_TEXT[c.status]}</span>
                  </td>
                  <td title={c.detail}>{unitsInText(nameKeyIds(c.detail, names))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}

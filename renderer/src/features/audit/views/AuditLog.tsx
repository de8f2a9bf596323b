import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { AUDITED_METHODS, type AuditEntry, type MethodInput, type SerializedError } from '../../../../../core/contract/index.js';
import { downloadFile } from '../../../common/files.js';
import { client } from '../../../common/client.js';
import { keyName, notify, useStore } from '../../../store.js';
import { toSerializedError } from '../../../transport/index.js';
import { Empty, ErrorAlert, formatTime, Icon, Loading } from '../../../common/ui.js';
import { plural } from '../../../common/wording.js';
import { useActions } from '../auditActions.js';

type AuditFilter = Omit<MethodInput<'audit.list'>, 'limit' | 'before'>;

/** The actions the log records, for the action filter. */
const AUDIT_ACTIONS = [...AUDITED_METHODS].sort();

function resultText(e: AuditEntry): string {
  return e.result === 'ok' ? 'ok' : `error${typeof e.details['code'] === 'string' ? ` ${e.details['code']}` : ''}`;
}

/** One entry in full: every field, the key that signed, the details, the hashes that chain it. */
function AuditDetail({ entry, onClose }: { entry: AuditEntry; onClose: () => void }) {
  const keys = useStore((s) => s.keys);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => ref.current?.focus(), [entry.seq]);
  return (
    <section ref={ref} tabIndex={-1} className="audit-detail" aria-label={`Audit entry ${entry.seq}`}>
      <div className="audit-detail-head">
        <h3>
          Entry {entry.seq}: <code>{entry.action}</code>
        </h3>
        <button type="button" className="icon-button" aria-label="Close entry" onClick={onClose}>
          <Icon name="close" />
        </button>
      </div>
      <dl className="facts facts-wide">
        <dt>Time</dt>
        <dd>{entry.time}</dd>
        <dt>Actor</dt>
        <dd>{entry.actor}</dd>
        <dt>Signing key</dt>
        <dd>
          {entry.keyId ? (
            <span className="break">
              {keyName(keys, entry.keyId)} ({entry.keyId})
            </span>
          ) : (
            'none (no local key signed)'
          )}
        </dd>
        <dt>Subject</dt>
        <dd className="break">{entry.subject}</dd>
        <dt>Result</dt>
        <dd>{resultText(entry)}</dd>
        <dt>Hash</dt>
        <dd>
          <code className="break">{entry.hash}</code>
        </dd>
        <dt>Previous hash</dt>
        <dd>
          <code className="break">{entry.prevHash}</code>
        </dd>
      </dl>
      <pre className="audit-details-json" aria-label={`Details of entry ${entry.seq}`}>
        {JSON.stringify(entry.details, null, 2)}
      </pre>
    </section>
  );
}

export function AuditView() {
  const id = useId();
  const live = useStore((s) => s.audit);
  const keys = useStore((s) => s.keys);
  const storeError = useStore((s) => s.errors.audit);
  const verify = useActions((s) => s.auditVerify);
  const [filter, setFilter] = useState<AuditFilter>({});
  const [found, setFound] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<SerializedError | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [exporting, setExporting] = useState(false);
  const filtering = Object.keys(filter).length > 0;

  // Filtered: the host selects (and re-selects when an entry is appended). Unfiltered: the live list.
  useEffect(() => {
    if (!filtering) {
      setFound(null);
      return;
    }
    let on = true;
    client()
      .call('audit.list', { ...filter, limit: 500 })
      .then((r) => {
        if (!on) return;
        setFound(r.entries);
        setError(null);
      })
      .catch((e: unknown) => {
        if (on) setError(toSerializedError(e));
      });
    return () => {
      on = false;
    };
  }, [filter, filtering, live]);

  const entries = filtering ? found : live;
  const entry = selected === null ? null : (entries?.find((e) => e.seq === selected) ?? live?.find((e) => e.seq === selected) ?? null);

  const apply = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => String(f.get(k) ?? '').trim();
    const next: AuditFilter = {};
    if (text('action')) next.action = text('action');
    const result = text('result');
    if (result === 'ok' || result === 'error') next.result = result;
    const who = text('actor');
    // A key id, or a key's label as the Keys view shows it, selects by signing key; anything else matches the actor.
    const byLabel = (keys ?? []).filter((k) => k.label === who);
    if (/^[0-9a-f]{40}$/.test(who)) next.keyId = who;
    else if (byLabel.length === 1) next.keyId = (byLabel[0] as { keyId: string }).keyId;
    else if (who) next.actor = who;
    if (text('text')) next.text = text('text');
    setFilter(next);
  };

  const exportAs = async (format: 'csv' | 'jsonl') => {
    setExporting(true);
    setError(null);
    try {
      const r = await client().call('audit.export', { ...filter, format });
      downloadFile(r.fileName, r.text, format === 'csv' ? 'text/csv' : 'application/x-ndjson');
      notify({ kind: 'info', title: `Audit log exported: ${plural(r.count, 'entry', 'entries')}`, text: r.fileName });
    } catch (e) {
      setError(toSerializedError(e));
    } finally {
      setExporting(false);
    }
  };

  return (
    <div className={`audit${entry ? ' audit-with-detail' : ''}`}>
      <div className="audit-main">
        <form className="filter-row" aria-label="Filter the audit log" onSubmit={apply}>
          <span className="filter-field">
            <label htmlFor={`${id}-action`}>Action</label>
            <select id={`${id}-action`} name="action" defaultValue="">
              <option value="">Any action</option>
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </span>
          <span className="filter-field">
            <label htmlFor={`${id}-result`}>Result</label>
            <select id={`${id}-result`} name="result" defaultValue="">
              <option value="">Any result</option>
              <option value="ok">ok</option>
              <option value="error">error</option>
            </select>
          </span>
          <span className="filter-field">
            <label htmlFor={`${id}-actor`}>Actor or key</label>
            <input id={`${id}-actor`} name="actor" list={`${id}-keys`} placeholder="user, key label or id" size={18} />
          </span>
          <datalist id={`${id}-keys`}>
            {(keys ?? []).map((k) => (
              <option key={k.keyId} value={k.keyId}>
                {k.label}
              </option>
            ))}
          </datalist>
          <span className="filter-field">
            <label htmlFor={`${id}-text`}>Search</label>
            <input id={`${id}-text`} name="text" type="search" placeholder="code, subject, detail…" size={18} />
          </span>
          <button type="submit" className="button button-small">
            Filter
          </button>
          <button type="reset" className="button button-small button-secondary" onClick={() => setFilter({})}>
            Clear
          </button>
          <span className="filter-spacer" />
          <span className="filter-group">
            <button type="button" className="button button-small" disabled={exporting} onClick={() => void exportAs('csv')}>
              Export CSV
            </button>
            <button type="button" className="button button-small" disabled={exporting} onClick={() => void exportAs('jsonl')}>
              Export JSON lines
            </button>
          </span>
        </form>
        <div className="audit-verify" aria-live="polite">
          {verify?.running ? <span role="status">Verifying the audit chain…</span> : null}
          {verify?.result ? (
            verify.result.ok ? (
              <span role="status" className="ok-text">
                Audit chain verified: {verify.result.count} entries, every entry chained to the previous one.
              </span>
            ) : (
              <div role="alert" className="alert alert-error">
                <div className="alert-title">
                  <code className="error-code">AUDIT_CHAIN_BROKEN</code>
                </div>
                <div className="alert-message">
                  The chain breaks at entry {verify.result.firstBad?.seq}: {verify.result.firstBad?.reason} ({verify.result.count} entries checked).
                </div>
                <div className="alert-hint">The audit log has been edited or an entry removed.</div>
              </div>
            )
          ) : null}
          {verify?.error ? <ErrorAlert error={verify.error} title="Verification failed" /> : null}
        </div>
        {storeError && !filtering ? <ErrorAlert error={storeError} title="The audit log could not be loaded" /> : null}
        {error ? <ErrorAlert error={error} title="The audit log could not be read" /> : null}
        {entries === null && !error && !storeError ? <Loading what="the audit log" /> : null}
        {entries && entries.length === 0 ? (
          <Empty>{filtering ? 'No entries match this filter.' : 'No entries yet: every operator action will be recorded here.'}</Empty>
        ) : null}
        {entries && entries.length > 0 ? (
          <table className="table audit-table" aria-label="Audit log">
            <thead>
              <tr>
                <th scope="col" className="col-seq">
                  Seq
                </th>
                <th scope="col" className="col-time">
                  Time
                </th>
                <th scope="col" className="col-actor">
                  Actor
                </th>
                <th scope="col" className="col-key">
                  Key
                </th>
                <th scope="col" className="col-action">
                  Action
                </th>
                <th scope="col" className="col-subject">
                  Subject
                </th>
                <th scope="col" className="col-result">
                  Result
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr
                  key={e.seq}
                  className={`${e.result === 'error' ? 'row-error' : ''}${selected === e.seq ? ' selected' : ''}`}
                  aria-selected={selected === e.seq}
                >
                  <td className="num">
                    <button type="button" className="link-button" aria-label={`Open audit entry ${e.seq}`} onClick={() => setSelected(e.seq)}>
                      {e.seq}
                    </button>
                  </td>
                  <td className="col-time" title={e.time}>
                    {formatTime(e.time)}
                  </td>
                  <td className="actor col-actor" title={e.actor}>
                    {e.actor}
                  </td>
                  <td className="actor col-key" title={e.keyId ?? 'no local key signed'}>
                    {e.keyId ? keyName(keys, e.keyId) : '—'}
                  </td>
                  <td className="col-action" title={e.action}>
                    <code>{e.action}</code>
                  </td>
                  <td className="subject" title={e.subject}>
                    {e.subject}
                  </td>
                  <td className="result" title={resultText(e)}>
                    {resultText(e)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
      {entry ? <AuditDetail entry={entry} onClose={() => setSelected(null)} /> : null}
    </div>
  );
}

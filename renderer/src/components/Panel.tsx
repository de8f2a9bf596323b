import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useActions, verifyAuditChain } from '../actions.js';
import { useStore, type PanelTab } from '../store.js';
import { Empty, ErrorAlert, formatTime, Icon, Loading } from './common.js';
import { SecurityEventsView } from './SecurityEvents.js';

const PANEL_TABS: { id: PanelTab; title: string }[] = [
  { id: 'output', title: 'Output' },
  { id: 'audit', title: 'Audit log' },
  { id: 'security', title: 'Security events' },
];

const MIN_PANEL = 100;

/** The sash above the panel: drag it, or focus it and use the arrow keys. */
function Sash({ height, setHeight }: { height: number; setHeight: (h: number) => void }) {
  const clamp = (h: number) => Math.round(Math.max(MIN_PANEL, Math.min(window.innerHeight - 160, h)));
  return (
    <div
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize panel"
      aria-valuenow={height}
      aria-valuemin={MIN_PANEL}
      aria-valuemax={Math.max(MIN_PANEL, window.innerHeight - 160)}
      tabIndex={0}
      className="sash"
      onPointerDown={(e) => {
        const startY = e.clientY;
        const start = height;
        const el = e.currentTarget;
        el.setPointerCapture(e.pointerId);
        const move = (ev: PointerEvent) => setHeight(clamp(start + (startY - ev.clientY)));
        const up = () => {
          el.removeEventListener('pointermove', move);
          el.removeEventListener('pointerup', up);
        };
        el.addEventListener('pointermove', move);
        el.addEventListener('pointerup', up);
      }}
      onKeyDown={(e) => {
        if (e.key === 'ArrowUp') setHeight(clamp(height + 24));
        else if (e.key === 'ArrowDown') setHeight(clamp(height - 24));
        else return;
        e.preventDefault();
      }}
    />
  );
}

export function Panel() {
  const panelTab = useStore((s) => s.panelTab);
  const [height, setHeight] = useState(() => Math.round(window.innerHeight * 0.34));
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = PANEL_TABS.findIndex((t) => t.id === panelTab);
    let j = i;
    if (e.key === 'ArrowRight') j = (i + 1) % PANEL_TABS.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + PANEL_TABS.length) % PANEL_TABS.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = PANEL_TABS.length - 1;
    else return;
    e.preventDefault();
    const next = PANEL_TABS[j] as (typeof PANEL_TABS)[number];
    useStore.setState({ panelTab: next.id });
    document.getElementById(`panel-tab-${next.id}`)?.focus();
  };
  return (
    <section className="panel" aria-label="Panel" style={{ height }}>
      <Sash height={height} setHeight={setHeight} />
      <div className="panel-header">
        <div role="tablist" aria-label="Panel" className="panel-tabs" onKeyDown={onKeyDown}>
          {PANEL_TABS.map((t) => (
            <button
              key={t.id}
              id={`panel-tab-${t.id}`}
              type="button"
              role="tab"
              aria-selected={panelTab === t.id}
              aria-controls={`panel-${t.id}`}
              tabIndex={panelTab === t.id ? 0 : -1}
              className={`panel-tab${panelTab === t.id ? ' active' : ''}`}
              onClick={() => useStore.setState({ panelTab: t.id })}
            >
              {t.title}
            </button>
          ))}
        </div>
        <div className="panel-actions">
          {panelTab === 'audit' ? (
            <button type="button" className="button button-small" onClick={() => void verifyAuditChain()}>
              Verify chain
            </button>
          ) : null}
          <button
            type="button"
            className="icon-button"
            aria-label="Close panel"
            title="Close Panel (Ctrl+J)"
            onClick={() => useStore.setState({ panelVisible: false })}
          >
            <Icon name="close" />
          </button>
        </div>
      </div>
      <div id="panel-output" role="tabpanel" aria-labelledby="panel-tab-output" hidden={panelTab !== 'output'} className="panel-body">
        <OutputView />
      </div>
      <div id="panel-audit" role="tabpanel" aria-labelledby="panel-tab-audit" hidden={panelTab !== 'audit'} className="panel-body">
        <AuditView />
      </div>
      <div id="panel-security" role="tabpanel" aria-labelledby="panel-tab-security" hidden={panelTab !== 'security'} className="panel-body">
        {panelTab === 'security' ? <SecurityEventsView /> : null}
      </div>
    </section>
  );
}

function OutputView() {
  const lines = useStore((s) => s.output);
  const error = useStore((s) => s.errors.output);
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <div
      ref={ref}
      className="output"
      role="log"
      aria-label="Output"
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
      {error ? <ErrorAlert error={error} title="Output could not be loaded" /> : null}
      {lines.length === 0 ? <Empty>No output yet.</Empty> : null}
      {lines.map((l, i) => (
        <div key={i} className={`output-line level-${l.level}`}>
          <span className="output-time">{formatTime(l.time)}</span> <span className="output-level">[{l.level}]</span>{' '}
          <span className="output-source">{l.source}:</span> <span className="output-message">{l.message}</span>
        </div>
      ))}
    </div>
  );
}

function AuditView() {
  const entries = useStore((s) => s.audit);
  const error = useStore((s) => s.errors.audit);
  const verify = useActions((s) => s.auditVerify);
  return (
    <div className="audit">
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
      {error ? <ErrorAlert error={error} title="The audit log could not be loaded" /> : null}
      {entries === null && !error ? <Loading what="the audit log" /> : null}
      {entries && entries.length === 0 ? <Empty>No entries yet: every operator action will be recorded here.</Empty> : null}
      {entries && entries.length > 0 ? (
        <table className="table audit-table" aria-label="Audit log">
          <thead>
            <tr>
              <th scope="col">Seq</th>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Subject</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.seq} className={e.result === 'error' ? 'row-error' : undefined}>
                <td className="num">{e.seq}</td>
                <td>{formatTime(e.time)}</td>
                <td>{e.actor}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td className="subject" title={e.subject}>
                  {e.subject}
                </td>
                <td>
                  {e.result === 'ok' ? 'ok' : `error${typeof e.details.code === 'string' ? ` ${e.details.code}` : ''}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

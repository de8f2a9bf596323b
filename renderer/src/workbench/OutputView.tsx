import { useEffect, useRef } from 'react';
import { useStore } from '../store.js';
import { Empty, ErrorAlert, formatTime } from '../common/ui.js';

/** The Output panel: recent lines of the host's output, kept at the bottom while it is scrolled there. */
export function OutputView() {
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

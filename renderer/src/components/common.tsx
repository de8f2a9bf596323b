import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { SerializedError } from '../../../core/contract/index.js';

/** An error where the user is looking: code, message and what to do. */
export function ErrorAlert({ error, title }: { error: SerializedError; title?: string }) {
  return (
    <div role="alert" className="alert alert-error">
      <div className="alert-title">
        {title ? `${title}: ` : ''}
        <code className="error-code">{error.code}</code>
      </div>
      <div className="alert-message">{error.message}</div>
      {error.hint ? <div className="alert-hint">{error.hint}</div> : null}
      <ErrorDetails details={error.details} />
    </div>
  );
}

function ErrorDetails({ details }: { details: unknown }) {
  if (details === undefined || details === null) return null;
  // zod issues from INVALID_INPUT: [{path, message}]
  if (Array.isArray(details)) {
    const items = details
      .map((d) => {
        if (d && typeof d === 'object' && 'message' in d) {
          const path = 'path' in d && Array.isArray((d as { path: unknown }).path) ? ((d as { path: unknown[] }).path.join('.') || 'input') : '';
          return `${path ? `${path}: ` : ''}${String((d as { message: unknown }).message)}`;
        }
        return typeof d === 'string' ? d : JSON.stringify(d);
      })
      .slice(0, 10);
    return (
      <ul className="alert-details">
        {items.map((t, i) => (
          <li key={i}>{t}</li>
        ))}
      </ul>
    );
  }
  return <pre className="alert-details">{typeof details === 'string' ? details : JSON.stringify(details, null, 2)}</pre>;
}

/** A modal dialog on the native <dialog> element: focus trapped, Escape closes. */
export function Dialog({
  title,
  onClose,
  children,
  wide,
  description,
  className,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
  description?: ReactNode;
  className?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descId = useId();
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => {
      if (d?.open) d.close();
      // Give focus back to what opened the dialog, if it is still there.
      if (opener && document.contains(opener)) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className={`dialog${wide ? ' dialog-wide' : ''}${className ? ` ${className}` : ''}`}
      aria-labelledby={titleId}
      aria-describedby={description ? descId : undefined}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <header className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" aria-label="Close dialog" title="Close (Escape)" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      {description ? (
        <p id={descId} className="dialog-description">
          {description}
        </p>
      ) : null}
      <div className="dialog-body">{children}</div>
    </dialog>
  );
}

/** Arrow-key movement between the focusable items of a list or toolbar. */
export function arrowNavigation(orientation: 'vertical' | 'horizontal' = 'vertical') {
  return (e: KeyboardEvent<HTMLElement>) => {
    const prev = orientation === 'vertical' ? 'ArrowUp' : 'ArrowLeft';
    const next = orientation === 'vertical' ? 'ArrowDown' : 'ArrowRight';
    if (![prev, next, 'Home', 'End'].includes(e.key)) return;
    const items = Array.from(e.currentTarget.querySelectorAll<HTMLElement>('[data-nav-item]')).filter((el) => !el.hasAttribute('disabled'));
    if (items.length === 0) return;
    const i = items.indexOf(document.activeElement as HTMLElement);
    let j: number;
    if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = items.length - 1;
    else if (e.key === next) j = i < 0 ? 0 : Math.min(items.length - 1, i + 1);
    else j = i < 0 ? items.length - 1 : Math.max(0, i - 1);
    e.preventDefault();
    items[j]?.focus();
  };
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return formatTime(iso);
}

export function short(hex: string, n = 8): string {
  return hex.length > n * 2 + 1 ? `${hex.slice(0, n)}…${hex.slice(-4)}` : hex;
}

/** A hash in full for screen readers and copy, visually shortened. */
export function Hash({ value, n = 8 }: { value: string; n?: number }) {
  return (
    <code className="hash" title={value}>
      {short(value, n)}
    </code>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="link-button"
      aria-label={label}
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(
          () => {
            setDone(true);
            setTimeout(() => setDone(false), 1500);
          },
          () => {},
        );
      }}
    >
      {done ? 'Copied' : 'Copy'}
    </button>
  );
}

// ─── icons (inline SVG, no fonts) ───────────────────────────────────────────

const ICONS: Record<string, ReactNode> = {
  overview: (
    <>
      <rect x="3" y="3" width="7" height="7" rx="1" />
      <rect x="14" y="3" width="7" height="7" rx="1" />
      <rect x="3" y="14" width="7" height="7" rx="1" />
      <rect x="14" y="14" width="7" height="7" rx="1" />
    </>
  ),
  keys: (
    <>
      <circle cx="8" cy="15" r="4" />
      <path d="M11 12l9-9M16 7l3 3M14 9l2 2" />
    </>
  ),
  approvals: (
    <>
      <path d="M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z" />
      <path d="M8.5 12l2.5 2.5 4.5-5" />
    </>
  ),
  governance: (
    <>
      <path d="M3 21h18M5 18h14M12 3l9 5H3z" />
      <path d="M7 10v6M12 10v6M17 10v6" />
    </>
  ),
  ceremonies: (
    <>
      <circle cx="12" cy="6" r="2.5" />
      <circle cx="5" cy="17" r="2.5" />
      <circle cx="19" cy="17" r="2.5" />
      <path d="M10.5 8l-4 7M13.5 8l4 7M7.5 17h9" />
    </>
  ),
  runbooks: (
    <>
      <path d="M4 4h10a3 3 0 013 3v13H7a3 3 0 01-3-3z" />
      <path d="M4 17a3 3 0 013-3h10M8 8h5" />
    </>
  ),
  evidence: (
    <>
      <path d="M6 3h8l5 5v13H6z" />
      <path d="M14 3v5h5M9 14l2 2 4-4" />
    </>
  ),
  replay: (
    <>
      <path d="M4 12a8 8 0 108-8H8" />
      <path d="M10 1L7 4l3 3" />
      <path d="M10 9v6l5-3z" />
    </>
  ),
  nodes: (
    <>
      <rect x="3" y="3" width="18" height="7" rx="1.5" />
      <rect x="3" y="14" width="18" height="7" rx="1.5" />
      <path d="M7 6.5h.01M7 17.5h.01M11 6.5h6M11 17.5h6" />
    </>
  ),
  close: <path d="M6 6l12 12M18 6L6 18" />,
  sun: (
    <>
      <circle cx="12" cy="12" r="4" />
      <path d="M12 2v2M12 20v2M2 12h2M20 12h2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
    </>
  ),
  moon: <path d="M20 14.5A8 8 0 019.5 4 8 8 0 1020 14.5z" />,
  palette: (
    <>
      <path d="M4 6h16M4 12h16M4 18h10" />
    </>
  ),
  check: <path d="M5 12.5l4.5 4.5L19 7.5" />,
  circle: <circle cx="12" cy="12" r="7" />,
  chevron: <path d="M9 6l6 6-6 6" />,
};

export function Icon({ name, className }: { name: keyof typeof ICONS | string; className?: string }) {
  return (
    <svg
      className={`icon${className ? ` ${className}` : ''}`}
      viewBox="0 0 24 24"
      width="24"
      height="24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.6"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {ICONS[name] ?? null}
    </svg>
  );
}

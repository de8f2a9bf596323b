import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { SerializedError } from '../../../core/contract/index.js';
import { describeErrorNamed } from './errorText.js';
import { keyName, keyNames, useStore } from '../store.js';

/**
 * An error where the user is looking: what happened in one sentence, the
 * fields to correct, and what to do. The code, the raw message and the details
 * (a node's ABCI code, codespace and log; the contract's field paths) are
 * behind a disclosure. Place it next to the button that caused the error.
 */
export function ErrorAlert({ error, title }: { error: SerializedError; title?: string }) {
  const keys = useStore((s) => s.keys);
  const adminKeyId = useStore((s) => s.app?.devnetAdminKeyId ?? null);
  // Key ids in the host's words read as the keys' names (the raw message stays under Details).
  const t = describeErrorNamed(error, keyNames(keys, adminKeyId));
  return (
    <div role="alert" className="alert alert-error">
      {title ? <div className="alert-title">{title}</div> : null}
      <div className="alert-message">
        {t.sentence}
        {t.specifics ? ` ${t.specifics}` : ''}
      </div>
      {t.fields.length > 0 ? (
        <ul className="alert-fields" aria-label="Fields to correct">
          {t.fields.map((f, i) => (
            <li key={i}>{f}</li>
          ))}
        </ul>
      ) : null}
      {t.remedy ? <div className="alert-hint">{t.remedy}</div> : null}
      <details className="alert-more">
        <summary>
          Details <code className="error-code">{error.code}</code>
        </summary>
        <div className="alert-raw">{error.message}</div>
        <ErrorDetails details={error.details} />
      </details>
    </div>
  );
}

/** A key by its name (label, or "Devnet admin"), its full id on hover; an id the console does not know shows its start. */
export function KeyName({ keyId }: { keyId: string }) {
  const keys = useStore((s) => s.keys);
  useStore((s) => s.app?.devnetAdminKeyId); // re-render once the admin's id is known
  return (
    <span className="key-name" title={keyId}>
      {keyName(keys, keyId)}
    </span>
  );
}

function ErrorDetails({ details }: { details: unknown }) {
  if (details === undefined || details === null) return null;
  return <pre className="alert-details">{typeof details === 'string' ? details : JSON.stringify(details, null, 2)}</pre>;
}

/** The element a dialog focuses when it opens: one marked data-autofocus, else its first field, else its first button. */
function initialFocus(d: HTMLDialogElement): HTMLElement | null {
  const body = d.querySelector<HTMLElement>('.dialog-body');
  if (!body) return null;
  const usable = (el: HTMLElement) => !el.hasAttribute('disabled') && el.getClientRects().length > 0;
  const marked = Array.from(body.querySelectorAll<HTMLElement>('[data-autofocus]')).find(usable);
  if (marked) return marked;
  const field = Array.from(body.querySelectorAll<HTMLElement>('input:not([type="hidden"]), select, textarea')).find(usable);
  if (field) return field;
  return Array.from(body.querySelectorAll<HTMLElement>('button, [href], [tabindex]:not([tabindex="-1"])')).find(usable) ?? null;
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
    // showModal() focuses the first focusable element, the close button: move focus
    // to what the person came to type in (the palette's input, the first field).
    if (d) initialFocus(d)?.focus();
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

export interface MenuItem {
  text: string;
  danger?: boolean;
  run: () => void;
}

/**
 * A menu button (WAI-ARIA menu button pattern): the button opens a role=menu
 * of role=menuitem entries. Enter, Space or ArrowDown open it on the first item,
 * ArrowUp on the last; ArrowUp/ArrowDown/Home/End move; Enter runs; Escape closes
 * and gives focus back to the button; Tab or a click elsewhere closes it.
 */
export function MenuButton({ label, text, items }: { label: string; text: string; items: readonly MenuItem[] }) {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const wrapRef = useRef<HTMLSpanElement>(null);
  const startAt = useRef<'first' | 'last'>('first');
  const menuId = useId();

  useEffect(() => {
    if (!open) return;
    const entries = menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]');
    if (entries && entries.length > 0) (startAt.current === 'last' ? entries[entries.length - 1] : entries[0])?.focus();
    const onDown = (e: PointerEvent) => {
      if (wrapRef.current && !wrapRef.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onDown, true);
    return () => document.removeEventListener('pointerdown', onDown, true);
  }, [open]);

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) buttonRef.current?.focus();
  };
  const onButtonKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      startAt.current = e.key === 'ArrowUp' ? 'last' : 'first';
      setOpen(true);
    }
  };
  const onMenuKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const entries = Array.from(e.currentTarget.querySelectorAll<HTMLElement>('[role="menuitem"]'));
    const i = entries.indexOf(document.activeElement as HTMLElement);
    let j: number | null = null;
    if (e.key === 'ArrowDown') j = (i + 1) % entries.length;
    else if (e.key === 'ArrowUp') j = (i - 1 + entries.length) % entries.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = entries.length - 1;
    else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
      return;
    } else if (e.key === 'Tab') {
      setOpen(false);
      return;
    }
    if (j !== null) {
      e.preventDefault();
      entries[j]?.focus();
    }
  };
  return (
    <span className="menu-wrap" ref={wrapRef}>
      <button
        ref={buttonRef}
        type="button"
        className="button button-small menu-button"
        aria-label={label}
        title={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => {
          startAt.current = 'first';
          setOpen((o) => !o);
        }}
        onKeyDown={onButtonKey}
      >
        {text} <span aria-hidden="true">▾</span>
      </button>
      {open ? (
        <div ref={menuRef} id={menuId} role="menu" aria-label={label} className="menu" onKeyDown={onMenuKey}>
          {items.map((item) => (
            <button
              key={item.text}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className={`menu-item${item.danger ? ' menu-item-danger' : ''}`}
              onClick={() => {
                // Focus goes back to the button first, so a dialog the item opens returns focus there.
                close(true);
                item.run();
              }}
            >
              {item.text}
            </button>
          ))}
        </div>
      ) : null}
    </span>
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

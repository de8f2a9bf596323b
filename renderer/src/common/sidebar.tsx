import type { ReactNode } from 'react';
import { arrowNavigation } from './ui.js';

/* The pieces a feature's side-bar section is made of. */

export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="sidebar-section" aria-label={title}>
      <h3 className="sidebar-section-title">{title}</h3>
      {children}
    </section>
  );
}

export function NavList({ label, children }: { label: string; children: ReactNode }) {
  return (
    <ul className="nav-list" aria-label={label} onKeyDown={arrowNavigation('vertical')}>
      {children}
    </ul>
  );
}

export function NavItem({ onClick, children, title, current }: { onClick: () => void; children: ReactNode; title?: string; current?: boolean }) {
  return (
    <li>
      <button
        type="button"
        data-nav-item
        className={`nav-item${current ? ' current' : ''}`}
        onClick={onClick}
        title={title}
        aria-current={current ? 'page' : undefined}
      >
        {children}
      </button>
    </li>
  );
}

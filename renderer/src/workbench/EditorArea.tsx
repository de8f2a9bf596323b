import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { client } from '../common/client.js';
import { closeTab, focusTab, showView, tabTitle, useStore, type Tab } from '../store.js';
import { Icon } from '../common/ui.js';
import { Notices } from './Notices.js';
import { tabContribution } from './registry.js';

function tabDomId(id: string): string {
  return `tab-${id.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
}

/** A tab's content, as its kind's contribution renders it. */
function TabContent({ tab }: { tab: Tab }) {
  return <>{tabContribution(tab.kind).render(tab as never)}</>;
}

/** A tab label's tooltip: its kind's, else its title. */
function tabTooltip(tab: Tab): string {
  return tabContribution(tab.kind).tooltip?.(tab as never) ?? tabTitle(tab);
}

function HostBanner() {
  const host = useStore((s) => s.host);
  if (host.state === 'no-token') {
    return (
      <div role="alert" className="banner banner-error">
        <code className="error-code">UNAUTHORIZED</code> This page has no session token. Open the console with the URL printed by <code>charter serve</code>,
        which includes the token.
      </div>
    );
  }
  if (host.state === 'closed' || (host.state === 'connecting' && host.attempt > 0)) {
    return (
      <div role="alert" className="banner banner-error">
        Not connected to the console host{host.state === 'closed' ? ` (${host.reason})` : ''}. Reconnecting by itself; nothing is sent until it is back.{' '}
        <button type="button" className="link-button" onClick={() => client().reconnect()}>
          Retry now
        </button>
      </div>
    );
  }
  return null;
}

export function EditorArea() {
  const tabs = useStore((s) => s.tabs);
  const activeTabId = useStore((s) => s.activeTabId);

  // The active tab, its close button included, is always in sight in the tab strip (after a reload, Ctrl+PageDown, opening a block…).
  useEffect(() => {
    if (!activeTabId) return;
    const label = document.getElementById(tabDomId(activeTabId));
    (label?.parentElement ?? label)?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [activeTabId, tabs.length]);

  // When the tabs are wider than the strip, arrows at its ends say so and scroll it.
  const stripRef = useRef<HTMLDivElement>(null);
  const [overflow, setOverflow] = useState({ left: false, right: false });
  useEffect(() => {
    const el = stripRef.current;
    if (!el) return;
    const measure = () => {
      const left = el.scrollLeft > 1;
      const right = el.scrollLeft + el.clientWidth < el.scrollWidth - 1;
      setOverflow((o) => (o.left === left && o.right === right ? o : { left, right }));
    };
    measure();
    el.addEventListener('scroll', measure, { passive: true });
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => {
      el.removeEventListener('scroll', measure);
      ro.disconnect();
    };
  }, [tabs.length]);
  const scrollStrip = (dir: -1 | 1) => {
    const el = stripRef.current;
    if (el) el.scrollBy({ left: dir * Math.max(120, el.clientWidth * 0.6) });
  };
  const scrolls = overflow.left || overflow.right;

  const focusDomTab = (id: string) => requestAnimationFrame(() => document.getElementById(tabDomId(id))?.focus());

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = tabs.findIndex((t) => t.id === activeTabId);
    if (i < 0) return;
    let next: Tab | undefined;
    if (e.key === 'ArrowRight') next = tabs[(i + 1) % tabs.length];
    else if (e.key === 'ArrowLeft') next = tabs[(i - 1 + tabs.length) % tabs.length];
    else if (e.key === 'Home') next = tabs[0];
    else if (e.key === 'End') next = tabs[tabs.length - 1];
    else if (e.key === 'Delete') {
      e.preventDefault();
      const id = activeTabId as string;
      closeTab(id);
      const after = useStore.getState().activeTabId;
      if (after) focusDomTab(after);
      return;
    } else return;
    e.preventDefault();
    if (next) {
      focusTab(next.id);
      focusDomTab(next.id);
    }
  };

  return (
    <main className="editor" aria-label="Editor">
      <HostBanner />
      {tabs.length > 0 ? (
        <div className={`editor-tabs-bar${scrolls ? ' scrolls' : ''}`}>
          {scrolls ? (
            <button
              type="button"
              className="editor-tabs-scroll"
              aria-label="Scroll tabs left"
              title="Scroll tabs left"
              disabled={!overflow.left}
              onClick={() => scrollStrip(-1)}
            >
              <Icon name="chevron" />
            </button>
          ) : null}
          <div ref={stripRef} role="tablist" aria-label="Open editors" className="editor-tabs" onKeyDown={onKeyDown}>
            {tabs.map((t) => {
              const active = t.id === activeTabId;
              const title = tabTitle(t);
              return (
                <div key={t.id} className={`editor-tab${active ? ' active' : ''}`} role="presentation">
                  <button
                    id={tabDomId(t.id)}
                    type="button"
                    role="tab"
                    aria-selected={active}
                    aria-controls={`${tabDomId(t.id)}-panel`}
                    tabIndex={active ? 0 : -1}
                    className="editor-tab-label"
                    title={tabTooltip(t)}
                    onClick={() => focusTab(t.id)}
                    onAuxClick={(e) => {
                      if (e.button === 1) closeTab(t.id);
                    }}
                  >
                    {title}
                  </button>
                  <button
                    type="button"
                    className="editor-tab-close"
                    aria-label={`Close ${title}`}
                    title="Close (Ctrl+F4 or Delete)"
                    tabIndex={-1}
                    onClick={() => closeTab(t.id)}
                  >
                    <Icon name="close" />
                  </button>
                </div>
              );
            })}
          </div>
          {scrolls ? (
            <button
              type="button"
              className="editor-tabs-scroll"
              aria-label="Scroll tabs right"
              title="Scroll tabs right"
              disabled={!overflow.right}
              onClick={() => scrollStrip(1)}
            >
              <Icon name="chevron" />
            </button>
          ) : null}
        </div>
      ) : null}
      {tabs.map((t) => (
        <div
          key={t.id}
          id={`${tabDomId(t.id)}-panel`}
          role="tabpanel"
          aria-labelledby={tabDomId(t.id)}
          hidden={t.id !== activeTabId}
          className="editor-panel"
          tabIndex={-1}
        >
          <TabContent tab={t} />
        </div>
      ))}
      <Notices />
      {tabs.length === 0 ? (
        <div className="editor-empty">
          <p>No editor is open.</p>
          <p>
            <button type="button" className="button" onClick={() => showView('overview')}>
              Open Overview
            </button>{' '}
            or press Ctrl+Shift+P for all commands.
          </p>
        </div>
      ) : null}
    </main>
  );
}

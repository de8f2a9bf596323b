import { useState, type KeyboardEvent } from 'react';
import { useStore } from '../store.js';
import { Icon } from '../common/ui.js';
import { registeredPanels } from './registry.js';

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
  const PANEL_TABS = registeredPanels();
  const Actions = PANEL_TABS.find((t) => t.id === panelTab)?.actions;
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
          {Actions ? <Actions /> : null}
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
      {PANEL_TABS.map((t) => (
        <div key={t.id} id={`panel-${t.id}`} role="tabpanel" aria-labelledby={`panel-tab-${t.id}`} hidden={panelTab !== t.id} className="panel-body">
          {t.keepMounted || panelTab === t.id ? <t.component /> : null}
        </div>
      ))}
    </section>
  );
}

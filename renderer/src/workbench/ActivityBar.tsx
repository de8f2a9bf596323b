import { displayKeybinding } from './commands.js';
import { showView, toggleTheme, useStore } from '../store.js';
import { registeredViews } from './registry.js';
import { arrowNavigation, Icon } from '../common/ui.js';

/** A view's count (e.g. requests waiting for approval), from its contribution's hook: only this badge re-renders when it changes. */
function ViewBadge({ useCount }: { useCount: () => number | null }) {
  const count = useCount();
  return count !== null ? (
    <span className="badge" aria-hidden="true">
      {count}
    </span>
  ) : null;
}

export function ActivityBar() {
  const activeView = useStore((s) => s.activeView);
  const sidebarVisible = useStore((s) => s.sidebarVisible);
  const theme = useStore((s) => s.theme);
  return (
    <nav className="activity-bar" aria-label="Activity bar">
      <div role="toolbar" aria-label="Views" aria-orientation="vertical" className="activity-items" onKeyDown={arrowNavigation('vertical')}>
        {registeredViews().map((v, i) => {
          const active = v.id === activeView && sidebarVisible;
          return (
            <button
              key={v.id}
              type="button"
              data-nav-item
              className={`activity-item${active ? ' active' : ''}`}
              aria-label={v.title}
              aria-pressed={active}
              title={`${v.title} (${displayKeybinding(`Ctrl+Shift+${i + 1}`)})`}
              onClick={() => {
                if (v.id === activeView && sidebarVisible && useStore.getState().activeTabId === `view:${v.id}`) {
                  useStore.setState({ sidebarVisible: false });
                } else {
                  showView(v.id);
                }
              }}
            >
              <Icon name={v.id} />
              {v.useBadge ? <ViewBadge useCount={v.useBadge} /> : null}
            </button>
          );
        })}
      </div>
      <div className="activity-bottom">
        <button
          type="button"
          className="activity-item"
          aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
          title={`Toggle Light/Dark Theme (${displayKeybinding('Ctrl+K T')})`}
          onClick={() => void toggleTheme()}
        >
          <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
        </button>
        <button
          type="button"
          className="activity-item"
          aria-label="Show all commands"
          title={`Show All Commands (${displayKeybinding('Ctrl+Shift+P')})`}
          onClick={() => useStore.setState({ paletteOpen: true, quickPick: null })}
        >
          <Icon name="palette" />
        </button>
      </div>
    </nav>
  );
}

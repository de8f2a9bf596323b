import { dismissNotice, useStore } from '../store.js';
import { ErrorAlert, Icon } from '../common/ui.js';

/** Outcomes of actions whose dialog has closed, and errors of global commands. */
export function Notices() {
  const notices = useStore((s) => s.notices);
  return (
    <div className="notices" aria-label="Notifications" role="region">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.kind}`}>
          {n.kind === 'error' && n.error ? (
            <ErrorAlert error={n.error} title={n.title} />
          ) : (
            <div role="status">
              <div className="notice-title">{n.title}</div>
              {n.text ? <div className="notice-text">{n.text}</div> : null}
            </div>
          )}
          <button type="button" className="icon-button" aria-label="Dismiss notification" onClick={() => dismissNotice(n.id)}>
            <Icon name="close" />
          </button>
        </div>
      ))}
    </div>
  );
}

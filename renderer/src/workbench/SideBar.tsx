import { useStore } from '../store.js';
import { viewInfo } from './registry.js';

/** The side bar: the active view's title and the section(s) its feature contributes. */
export function SideBar() {
  const view = useStore((s) => s.activeView);
  const info = viewInfo(view);
  const Body = info.sideBar;
  return (
    <aside className="sidebar" aria-label="Side bar">
      <h2 className="sidebar-title">{info.title}</h2>
      <div className="sidebar-body">
        <Body />
      </div>
    </aside>
  );
}

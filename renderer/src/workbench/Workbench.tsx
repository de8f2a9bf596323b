import { useEffect } from 'react';
import { handleGlobalKey } from './commands.js';
import { ActivityBar } from './ActivityBar.js';
import { EditorArea } from './EditorArea.js';
import { Palette } from './Palette.js';
import { Panel } from './Panel.js';
import { SideBar } from './SideBar.js';
import { StatusBar } from './StatusBar.js';
import { dialogContribution } from './registry.js';
import { useStore } from '../store.js';

/** The open dialog, as the feature that contributes its kind renders it. */
function ActiveDialog() {
  const dialog = useStore((s) => s.dialog);
  if (!dialog) return null;
  const c = dialogContribution(dialog.kind);
  return c ? <>{c.render(dialog as never)}</> : null;
}

/** The workbench: activity bar, side bar, editor area, panel, status bar, the open dialog and the palette. */
export function Workbench() {
  const theme = useStore((s) => s.theme);
  const sidebarVisible = useStore((s) => s.sidebarVisible);
  const panelVisible = useStore((s) => s.panelVisible);
  const paletteOpen = useStore((s) => s.paletteOpen);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    document.documentElement.style.colorScheme = theme;
  }, [theme]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      handleGlobalKey(e);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  return (
    <div className={`workbench${sidebarVisible ? '' : ' no-sidebar'}`}>
      <ActivityBar />
      {sidebarVisible ? <SideBar /> : null}
      <div className="main-column">
        <EditorArea />
        {panelVisible ? <Panel /> : null}
      </div>
      <StatusBar />
      <ActiveDialog />
      {paletteOpen ? <Palette /> : null}
    </div>
  );
}

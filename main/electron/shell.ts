/**
 * The Electron shell's decisions that depend on whether the app is packaged
 * (`app.isPackaged`): pure functions, so the rules are tested without the
 * Electron runtime (tests/unit/electron-shell.test.ts) and through the built
 * shell with an injected isPackaged (tests/integration/electron-shell.test.ts).
 *
 * - DevTools only when not packaged: `webPreferences.devTools`, the menu's
 *   Toggle Developer Tools, and a packaged window closes DevTools if anything
 *   opens them.
 * - A minimal application menu instead of Electron's default one (which
 *   offers DevTools, reload and links to electronjs.org).
 * - CHARTER_SQLITE_BINDING (a path to a native addon that better-sqlite3
 *   loads) is a development aid: a packaged app ignores it, so an environment
 *   variable cannot make the installed console load a library of its choosing.
 */
import { useElectronSqlite } from './native.js';

/** The subset of Electron's MenuItemConstructorOptions this menu uses. */
export interface MenuItemSpec {
  role?:
    | 'about'
    | 'hide'
    | 'hideOthers'
    | 'unhide'
    | 'quit'
    | 'undo'
    | 'redo'
    | 'cut'
    | 'copy'
    | 'paste'
    | 'selectAll'
    | 'reload'
    | 'forceReload'
    | 'toggleDevTools'
    | 'resetZoom'
    | 'zoomIn'
    | 'zoomOut'
    | 'togglefullscreen'
    | 'minimize'
    | 'zoom'
    | 'close'
    | 'front';
  label?: string;
  type?: 'separator';
  submenu?: MenuItemSpec[];
}

export interface ShellOptions {
  isPackaged: boolean;
  platform: string;
  appName: string;
}

/** Whether this window may open DevTools. */
export function devToolsAllowed(isPackaged: boolean): boolean {
  return !isPackaged;
}

/**
 * The application menu: quit, the edit roles (clipboard shortcuts on macOS
 * need them), zoom and full screen, minimise. Reload and DevTools only when
 * not packaged. No Ctrl+W on Linux and Windows: closing the window by a
 * stray shortcut is not a menu item there.
 */
export function applicationMenu(o: ShellOptions): MenuItemSpec[] {
  const mac = o.platform === 'darwin';
  const sep: MenuItemSpec = { type: 'separator' };
  const menu: MenuItemSpec[] = [];
  if (mac) {
    menu.push({ label: o.appName, submenu: [{ role: 'about' }, sep, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, sep, { role: 'quit' }] });
  } else {
    menu.push({ label: 'File', submenu: [{ role: 'quit' }] });
  }
  menu.push({ label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, sep, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] });
  const view: MenuItemSpec[] = [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, sep, { role: 'togglefullscreen' }];
  if (devToolsAllowed(o.isPackaged)) view.unshift({ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, sep);
  menu.push({ label: 'View', submenu: view });
  menu.push({ label: 'Window', submenu: mac ? [{ role: 'minimize' }, { role: 'zoom' }, { role: 'close' }, sep, { role: 'front' }] : [{ role: 'minimize' }] });
  return menu;
}

/**
 * Decide where better-sqlite3's native binding comes from, before any store
 * opens. Packaged: remove CHARTER_SQLITE_BINDING from the environment (the
 * packaged app's own rebuilt binding is used) and say so when it was set.
 * From a source checkout: the development rule of ./native.ts. Returns a line
 * for the log, or null.
 */
export function chooseSqliteBinding(isPackaged: boolean, sourceRoot: string, env: Record<string, string | undefined> = process.env): string | null {
  if (isPackaged) {
    const given = env.CHARTER_SQLITE_BINDING;
    delete env.CHARTER_SQLITE_BINDING;
    return given ? `ignored CHARTER_SQLITE_BINDING=${given}: a packaged app loads only its own better-sqlite3 binding` : null;
  }
  return useElectronSqlite(sourceRoot, env);
}

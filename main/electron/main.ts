/**
 * The Electron shell: a thin host of the same services the served console
 * and the CLI host (createCharter), behind a hardened window.
 *
 * - The renderer (dist/renderer) is loaded from app://charter/index.html, a
 *   privileged custom scheme served by protocol.handle from files under
 *   dist/renderer only, with a strict CSP header on every response.
 * - contextIsolation, sandbox, no nodeIntegration, webSecurity, no webview;
 *   app.enableSandbox() sandboxes every renderer.
 * - Navigation, redirects, new windows, webviews and permission requests are
 *   refused.
 * - One ipcMain.handle('charter:<method>') per contract method; each checks
 *   the sender is our window's main frame showing app://charter.
 * - Events go to the window as webContents.send('charter:event', name, payload).
 * - Packaged (app.isPackaged): no DevTools, and CHARTER_SQLITE_BINDING is
 *   ignored; a minimal application menu either way (./shell.ts).
 *
 * See docs/electron.md. Electron is loaded with a dynamic import typed by
 * ./electron-types.ts so this file typechecks without the electron package.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { METHOD_NAMES, type CallResult, type EventName, type MethodName } from '../../core/contract/index.js';
import { CharterError } from '../../core/errors.js';
import { createCharter } from '../app.js';
import type { BrowserWindow, ElectronMain, WebContents } from './electron-types.js';
import { applicationMenu, chooseSqliteBinding, devToolsAllowed } from './shell.js';
import { APP_SCHEME, APP_URL, isTrustedSender, resolveAppRequest, responseHeaders, workspaceFrom } from './security.js';

type Charter = Awaited<ReturnType<typeof createCharter>>;

// dist/main/electron/main.js → dist/
const distDir = fileURLToPath(new URL('../../', import.meta.url));
const rendererDir = path.join(distDir, 'renderer');
const preloadPath = path.join(distDir, 'preload', 'index.cjs');

const ELECTRON_MODULE: string = 'electron';
const loaded = (await import(ELECTRON_MODULE)) as ElectronMain & { default?: ElectronMain };
const electron: ElectronMain = loaded.app ? loaded : (loaded.default as ElectronMain);
const { app, BrowserWindow: BrowserWindowCtor, protocol, session, ipcMain, dialog, Menu } = electron;

const workspace = workspaceFrom(process.argv.slice(1), process.env);
// Before any store opens: a packaged app never takes its SQLite binding from the environment.
const sqliteNote = chooseSqliteBinding(app.isPackaged, path.resolve(distDir, '..'));
const devTools = devToolsAllowed(app.isPackaged);

// ── before ready ──────────────────────────────────────────────────────────
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
app.enableSandbox();
// With an explicit workspace, the Chromium profile (and with it the
// single-instance lock) lives in the workspace: one window per workspace,
// and test runs on temp workspaces never collide with a running console.
if (workspace) app.setPath('userData', path.join(path.resolve(workspace), '.electron'));

let mainWindow: BrowserWindow | null = null;
let charter: Charter | null = null;

function log(...args: unknown[]): void {
  console.error('[charter:electron]', ...args);
}

function unauthorized(): CallResult<never> {
  return { ok: false, error: new CharterError('UNAUTHORIZED', 'IPC call from a frame that is not the Charter Console window.').toJSON() };
}

function hardenContents(contents: WebContents): void {
  if (!devTools) {
    // devTools: false already refuses; belt and braces for any other path that opens them.
    contents.on('devtools-opened', () => {
      log('closed DevTools: not available in a packaged app');
      contents.closeDevTools();
    });
  }
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    log('blocked navigation to', url ?? event.url);
  });
  contents.on('will-redirect', (event, url) => {
    event.preventDefault();
    log('blocked redirect to', url ?? event.url);
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('blocked a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    log('blocked window.open of', url);
    return { action: 'deny' };
  });
}

function registerProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('Method Not Allowed', { status: 405, headers: { 'content-type': 'text/plain' } });
    }
    const resolved = resolveAppRequest(request.url, rendererDir);
    if (!resolved.ok) {
      log(`refused ${request.url}: ${resolved.reason}`);
      return new Response(null, { status: resolved.status });
    }
    try {
      const info = await stat(resolved.file);
      if (!info.isFile()) return new Response(null, { status: 404 });
      const body = await readFile(resolved.file);
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: responseHeaders(resolved.file) });
    } catch {
      return new Response(null, { status: 404 });
    }
  });
}

function denyPermissions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => {
    log('denied permission request:', permission);
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
}

function registerIpc(): void {
  for (const name of METHOD_NAMES) {
    ipcMain.handle(`charter:${name}`, async (event, input) => {
      if (!isTrustedSender(event, mainWindow)) {
        log(`refused IPC ${name} from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
        return unauthorized();
      }
      if (!charter) {
        return { ok: false, error: new CharterError('NOT_AVAILABLE', 'The console is still starting.').toJSON() };
      }
      return charter.dispatch(name satisfies MethodName, input);
    });
  }
}

function createWindow(): void {
  const win = new BrowserWindowCtor({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 560,
    show: false,
    title: 'Charter Console',
    backgroundColor: '#1e1e1e',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools,
    },
  });
  mainWindow = win;
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  win.loadURL(APP_URL).catch((err: unknown) => log('failed to load the renderer:', err));
}

function fatal(title: string, err: unknown): void {
  const message = err instanceof CharterError ? `${err.code}: ${err.message}\n\n${err.hint}` : err instanceof Error ? err.message : String(err);
  log(title, err);
  try {
    dialog.showErrorBox(title, message);
  } finally {
    app.exit(1);
  }
}

async function start(): Promise<void> {
  if (!existsSync(path.join(rendererDir, 'index.html')) || !existsSync(preloadPath)) {
    fatal('Charter Console is not built', new Error(`Missing ${rendererDir}/index.html or ${preloadPath}. Run \`npm run build\`.`));
    return;
  }
  denyPermissions();
  registerProtocol();
  registerIpc();
  if (sqliteNote) log(sqliteNote);
  Menu.setApplicationMenu(Menu.buildFromTemplate(applicationMenu({ isPackaged: app.isPackaged, platform: process.platform, appName: 'Charter Console' })));
  try {
    charter = await createCharter({ ...(workspace ? { workspace } : {}), host: 'electron' });
  } catch (err) {
    fatal('Charter Console could not open its workspace', err);
    return;
  }
  charter.subscribe((event: EventName, payload: unknown) => {
    const win = mainWindow;
    if (win && !win.isDestroyed() && !win.webContents.isDestroyed()) {
      win.webContents.send('charter:event', event, payload);
    }
  });
  createWindow();
}

if (!app.requestSingleInstanceLock()) {
  // Another console already has this profile/workspace open: it gets focus.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  app.on('window-all-closed', () => app.quit());
  app.on('activate', () => {
    if (!mainWindow && charter) createWindow();
  });

  let closed = false;
  let closing = false;
  app.on('before-quit', (event) => {
    if (closed || !charter) return;
    event.preventDefault();
    if (closing) return;
    closing = true;
    charter
      .close()
      .catch((err: unknown) => log('error while closing the workspace:', err))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });

  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => fatal('Charter Console failed to start', err));
}

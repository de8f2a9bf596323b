/**
 * A recording stand-in for Electron's main-process API, so the real built
 * dist/main/electron/main.js can be exercised under plain Node where the
 * Electron runtime is absent. Once the shell loads its window, this module
 * drives a scenario through what the shell registered (the app:// protocol
 * handler, the IPC handlers, navigation/permission handlers), prints
 * `FAKE_ELECTRON_REPORT <json>` on stdout and quits the app the way Electron
 * does (before-quit, which the shell may defer to close the workspace).
 *
 * It proves the shell's wiring; it is not Electron. The same checks against
 * the real runtime are the e2e "electron" project.
 */
const log = [];
const record = (what, data) => log.push(data === undefined ? [what] : [what, data]);

let ready = false;
const appListeners = new Map();
const addListener = (map, event, fn) => {
  if (!map.has(event)) map.set(event, []);
  map.get(event).push(fn);
};
const emit = (map, event, ...args) => (map.get(event) ?? []).map((fn) => fn(...args));

const privileged = [];
const protocolHandlers = new Map();
const ipcHandlers = new Map();
const permission = { request: null, check: null, device: null };
const windows = [];
const sent = [];

export const app = {
  // The test injects "packaged" through the environment, to run the packaged-app rules.
  isPackaged: process.env.FAKE_ELECTRON_PACKAGED === '1',
  enableSandbox() {
    record('enableSandbox', { beforeReady: !ready });
  },
  requestSingleInstanceLock() {
    record('requestSingleInstanceLock');
    return true;
  },
  setPath(name, value) {
    record('setPath', { name, value, beforeReady: !ready });
  },
  getVersion: () => '0.0.0-fake',
  whenReady() {
    return new Promise((resolve) =>
      setTimeout(() => {
        ready = true;
        resolve();
      }, 10),
    );
  },
  on(event, fn) {
    addListener(appListeners, event, fn);
    return app;
  },
  quit() {
    let prevented = false;
    emit(appListeners, 'before-quit', {
      preventDefault: () => {
        prevented = true;
      },
    });
    record('quit', { prevented });
    if (!prevented) setTimeout(() => process.exit(0), 0);
  },
  exit(code = 0) {
    record('exit', { code });
    console.log('FAKE_ELECTRON_EXIT ' + JSON.stringify({ code, log }));
    process.exit(code);
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    privileged.push(...schemes.map((s) => ({ ...s, beforeReady: !ready })));
  },
  handle(scheme, fn) {
    protocolHandlers.set(scheme, fn);
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(fn) {
      permission.request = fn;
    },
    setPermissionCheckHandler(fn) {
      permission.check = fn;
    },
    setDevicePermissionHandler(fn) {
      permission.device = fn;
    },
  },
};

export const ipcMain = {
  handle(channel, fn) {
    if (ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    ipcHandlers.set(channel, fn);
  },
};

let applicationMenu;
export const Menu = {
  buildFromTemplate(template) {
    return { template, items: template };
  },
  setApplicationMenu(menu) {
    applicationMenu = menu ? menu.template : null;
    record('setApplicationMenu', { beforeWindow: windows.length === 0 });
  },
};

export const dialog = {
  showErrorBox(title, content) {
    record('showErrorBox', { title, content });
    console.error(`[fake dialog] ${title}: ${content}`);
  },
};

class FakeWebContents {
  constructor() {
    this.id = windows.length + 1;
    this.listeners = new Map();
    this.openHandler = null;
    this.mainFrame = { url: '', parent: null };
    this.destroyed = false;
    this.devToolsClosed = 0;
  }
  closeDevTools() {
    this.devToolsClosed += 1;
  }
  send(channel, ...args) {
    sent.push([channel, ...args]);
  }
  isDestroyed() {
    return this.destroyed;
  }
  setWindowOpenHandler(fn) {
    this.openHandler = fn;
  }
  on(event, fn) {
    addListener(this.listeners, event, fn);
    return this;
  }
}

export class BrowserWindow {
  constructor(options) {
    this.options = options;
    this.webContents = new FakeWebContents();
    this.listeners = new Map();
    this.destroyed = false;
    windows.push(this);
    emit(appListeners, 'web-contents-created', { preventDefault() {} }, this.webContents);
  }
  static getAllWindows() {
    return windows.filter((w) => !w.destroyed);
  }
  async loadURL(url) {
    this.webContents.mainFrame.url = url;
    record('loadURL', { url });
    setTimeout(() => emit(this.listeners, 'ready-to-show'), 0);
    setTimeout(() => {
      void scenario(this);
    }, 0);
  }
  show() {
    record('show');
  }
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  once(event, fn) {
    return this.on(event, fn);
  }
  on(event, fn) {
    addListener(this.listeners, event, fn);
    return this;
  }
}

async function fetchApp(url, method = 'GET') {
  const handler = protocolHandlers.get('app');
  const res = await handler({ url, method });
  const headers = Object.fromEntries(res.headers.entries());
  const body = res.body ? Buffer.from(await res.arrayBuffer()).toString('utf8') : '';
  return { status: res.status, headers, bodyStart: body.slice(0, 200) };
}

async function scenario(win) {
  const wc = win.webContents;
  const report = {};
  try {
    report.privileged = privileged;
    report.webPreferences = win.options.webPreferences;
    report.windowTitle = win.options.title;
    report.ipcChannels = [...ipcHandlers.keys()];
    report.applicationMenu = applicationMenu;
    // Something opens DevTools (a shortcut, a debugger): a packaged window closes them again.
    emit(wc.listeners, 'devtools-opened');
    report.devToolsClosedOnOpen = wc.devToolsClosed > 0;

    report.protocol = {
      index: await fetchApp('app://charter/index.html'),
      root: await fetchApp('app://charter/'),
      head: await fetchApp('app://charter/index.html', 'HEAD'),
      post: await fetchApp('app://charter/index.html', 'POST'),
      traversalEncoded: await fetchApp('app://charter/..%2f..%2fpackage.json'),
      traversalDots: await fetchApp('app://charter/%2e%2e/%2e%2e/package.json'),
      otherHost: await fetchApp('app://evil/index.html'),
      missing: await fetchApp('app://charter/nope.js'),
    };

    const call = (channel, event, input) => ipcHandlers.get(channel)(event, input);
    const trusted = { sender: wc, senderFrame: wc.mainFrame, preventDefault() {} };
    report.ipc = {
      trustedInfo: await call('charter:app.info', trusted, {}),
      invalidInput: await call('charter:keys.create', trusted, { label: '' }),
      subframe: await call('charter:app.info', { sender: wc, senderFrame: { url: 'app://charter/index.html', parent: wc.mainFrame } }, {}),
      foreignOrigin: await (async () => {
        const saved = wc.mainFrame.url;
        wc.mainFrame.url = 'https://example.com/';
        try {
          return await call('charter:app.info', trusted, {});
        } finally {
          wc.mainFrame.url = saved;
        }
      })(),
      otherContents: await call('charter:app.info', { sender: new FakeWebContents(), senderFrame: wc.mainFrame }, {}),
      noFrame: await call('charter:app.info', { sender: wc, senderFrame: null }, {}),
    };

    const prevented = (event) => {
      let p = false;
      emit(
        wc.listeners,
        event,
        {
          preventDefault: () => {
            p = true;
          },
          url: 'https://example.com/',
        },
        'https://example.com/',
      );
      return p;
    };
    report.navigation = {
      willNavigatePrevented: prevented('will-navigate'),
      willRedirectPrevented: prevented('will-redirect'),
      webviewPrevented: prevented('will-attach-webview'),
      windowOpen: wc.openHandler ? wc.openHandler({ url: 'https://example.com/' }) : null,
    };
    let granted = null;
    permission.request?.(
      wc,
      'media',
      (g) => {
        granted = g;
      },
      {},
    );
    report.permissions = {
      requestGranted: granted,
      check: permission.check ? permission.check(wc, 'clipboard-sanitized-write', 'app://charter', {}) : null,
      device: permission.device ? permission.device({}) : null,
    };

    // Events: the embedded devnet commits blocks; the shell forwards them.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !sent.some(([ch, name]) => ch === 'charter:event' && name === 'chain.block')) {
      await new Promise((r) => setTimeout(r, 100));
    }
    report.events = [...new Set(sent.filter(([ch]) => ch === 'charter:event').map(([, name]) => name))];
    report.otherChannels = [...new Set(sent.map(([ch]) => ch).filter((ch) => ch !== 'charter:event'))];
  } catch (err) {
    report.error = String(err && err.stack ? err.stack : err);
  }
  report.log = log;
  console.log('FAKE_ELECTRON_REPORT ' + JSON.stringify(report));
  emit(win.listeners, 'closed');
  win.destroyed = true;
  emit(appListeners, 'window-all-closed');
}

export default { app, protocol, session, ipcMain, dialog, BrowserWindow, Menu };

/**
 * The Electron shell's security decisions and the preload bridge, tested
 * without the Electron runtime (they are pure functions of their inputs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { EVENT_NAMES, METHOD_NAMES } from '../../core/contract/index.js';
import { CSP, isAppUrl, isTrustedSender, resolveAppRequest, workspaceFrom } from '../../main/electron/security.js';
import { applicationMenu, chooseSqliteBinding, devToolsAllowed, type MenuItemSpec } from '../../main/electron/shell.js';
import { createBridge, EVENT_CHANNEL, type IpcRendererLike } from '../../preload/api.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const R = path.resolve('/srv/charter/dist/renderer');

describe('app:// scheme resolution', () => {
  it('serves index.html for the root and files under dist/renderer', () => {
    expect(resolveAppRequest('app://charter/', R)).toEqual({ ok: true, file: path.join(R, 'index.html') });
    expect(resolveAppRequest('app://charter/index.html', R)).toEqual({ ok: true, file: path.join(R, 'index.html') });
    expect(resolveAppRequest('app://charter/assets/index-abc.js?v=1#x', R)).toEqual({ ok: true, file: path.join(R, 'assets', 'index-abc.js') });
  });

  it('never resolves outside dist/renderer', () => {
    // The URL parser already folds "..", "%2e%2e" and "." segments; whatever is left must stay inside R.
    for (const u of ['app://charter/../../etc/passwd', 'app://charter/%2e%2e/%2e%2e/etc/passwd', 'app://charter/./a/../../b']) {
      const r = resolveAppRequest(u, R);
      expect(!r.ok || r.file.startsWith(R + path.sep), u).toBe(true);
    }
  });

  it('refuses encoded separators, NUL, bad encoding, other hosts and schemes, directories', () => {
    const refused = [
      'app://charter/assets/..%2f..%2fsecret',
      'app://charter/a%5c..%5c..%5csecret',
      'app://charter/x%00.js',
      'app://charter/%E0%A4%A',
      'app://evil/index.html',
      'file:///etc/passwd',
      'https://charter/index.html',
      'app://charter/assets/',
      'not a url',
    ];
    for (const u of refused) expect(resolveAppRequest(u, R).ok, u).toBe(false);
  });

  it('recognises only app://charter as our origin', () => {
    expect(isAppUrl('app://charter/index.html')).toBe(true);
    expect(isAppUrl('app://charterx/index.html')).toBe(false);
    expect(isAppUrl('http://127.0.0.1/')).toBe(false);
    expect(isAppUrl('')).toBe(false);
  });

  it('sends the strict CSP', () => {
    for (const d of [
      "default-src 'self'",
      "script-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'",
      "connect-src 'self'",
    ]) {
      expect(CSP).toContain(d);
    }
    expect(CSP).not.toContain('unsafe-eval');
  });
});

describe('IPC sender check', () => {
  const mainFrame = { url: 'app://charter/index.html' };
  const webContents = { mainFrame };
  const win = { webContents, isDestroyed: () => false };

  it('accepts the main frame of our window on our origin', () => {
    expect(isTrustedSender({ sender: webContents, senderFrame: mainFrame }, win)).toBe(true);
  });

  it('refuses subframes, other windows, other origins and destroyed frames', () => {
    expect(isTrustedSender({ sender: webContents, senderFrame: { url: 'app://charter/index.html' } }, win)).toBe(false);
    expect(isTrustedSender({ sender: { mainFrame }, senderFrame: mainFrame }, win)).toBe(false);
    expect(isTrustedSender({ sender: webContents, senderFrame: null }, win)).toBe(false);
    const elsewhere = { url: 'https://example.com/' };
    const wc2 = { mainFrame: elsewhere };
    expect(isTrustedSender({ sender: wc2, senderFrame: elsewhere }, { webContents: wc2, isDestroyed: () => false })).toBe(false);
    expect(isTrustedSender({ sender: webContents, senderFrame: mainFrame }, { ...win, isDestroyed: () => true })).toBe(false);
    expect(isTrustedSender({ sender: webContents, senderFrame: mainFrame }, null)).toBe(false);
  });
});

describe('workspace selection', () => {
  it('prefers --workspace, then CHARTER_WORKSPACE, else the default', () => {
    expect(workspaceFrom(['main.js', '--workspace', '/w1'], { CHARTER_WORKSPACE: '/w2' })).toBe('/w1');
    expect(workspaceFrom(['main.js', '--workspace=/w3'], {})).toBe('/w3');
    expect(workspaceFrom(['main.js'], { CHARTER_WORKSPACE: '/w2' })).toBe('/w2');
    expect(workspaceFrom(['main.js'], { CHARTER_WORKSPACE: '' })).toBeUndefined();
  });
});

function fakeIpc() {
  const invoke = vi.fn(async (channel: string, ...args: unknown[]) => ({ ok: true, value: { channel, args } }));
  let listener: ((event: unknown, ...args: unknown[]) => void) | null = null;
  const on = vi.fn((channel: string, l: (event: unknown, ...args: unknown[]) => void) => {
    expect(channel).toBe(EVENT_CHANNEL);
    listener = l;
  });
  const ipc: IpcRendererLike = { invoke, on };
  return { ipc, invoke, on, emit: (...args: unknown[]) => listener?.({ sender: 'secret ipc event' }, ...args) };
}

describe('preload bridge (window.charter)', () => {
  it('has exactly one function per contract method, and nothing else', async () => {
    const { ipc, invoke } = fakeIpc();
    const bridge = createBridge(ipc, METHOD_NAMES, EVENT_NAMES, 'linux');
    expect(Object.keys(bridge).sort()).toEqual(['methods', 'on', 'platform']);
    expect(Object.keys(bridge.methods).sort()).toEqual([...METHOD_NAMES].sort());
    for (const name of METHOD_NAMES) expect(typeof bridge.methods[name]).toBe('function');
    expect(bridge.platform).toBe('linux');

    const r = await bridge.methods['keys.create']({ label: 'a', passphrase: 'correct horse' });
    expect(invoke).toHaveBeenCalledWith('charter:keys.create', { label: 'a', passphrase: 'correct horse' });
    expect(r).toEqual({ ok: true, value: { channel: 'charter:keys.create', args: [{ label: 'a', passphrase: 'correct horse' }] } });
    expect(Object.isFrozen(bridge.methods)).toBe(true);
    expect((bridge as unknown as Record<string, unknown>)['invoke']).toBeUndefined();
  });

  it('forwards only the input argument', async () => {
    const { ipc, invoke } = fakeIpc();
    const bridge = createBridge(ipc, METHOD_NAMES, EVENT_NAMES, 'linux');
    await (bridge.methods['app.info'] as unknown as (...a: unknown[]) => Promise<unknown>)({}, 'extra', 'args');
    expect(invoke).toHaveBeenLastCalledWith('charter:app.info', {});
  });

  it('subscribes only to contract events, without leaking the IPC event', () => {
    const { ipc, emit } = fakeIpc();
    const bridge = createBridge(ipc, METHOD_NAMES, EVENT_NAMES, 'linux');
    expect(() => bridge.on('not.an.event' as never, () => {})).toThrow(TypeError);
    expect(() => bridge.on('chain.block', 'nope' as never)).toThrow(TypeError);

    const seen: unknown[][] = [];
    const off = bridge.on('chain.block', (...args: unknown[]) => seen.push(args));
    const off2 = bridge.on('chain.block', (p) => seen.push(['second', p]));
    emit('chain.block', { height: 3 });
    emit('audit.appended', { seq: 1 });
    expect(seen).toEqual([[{ height: 3 }], ['second', { height: 3 }]]);
    off();
    off();
    emit('chain.block', { height: 4 });
    expect(seen.at(-1)).toEqual(['second', { height: 4 }]);
    expect(seen.length).toBe(3);
    off2();
  });

  it('the built preload contains the method names and no schema code', () => {
    const built = path.join(ROOT, 'dist/preload/index.cjs');
    // `npm test` builds first; run alone, this needs `npm run build`. Missing is a failure, never a silent pass.
    expect(existsSync(built), `${built} is missing: run \`npm run build\``).toBe(true);
    const text = readFileSync(built, 'utf8');
    for (const name of METHOD_NAMES) expect(text).toContain(JSON.stringify(name));
    expect(text).not.toMatch(/\bz\.object\b|ZodObject|\$ZodType/);
    const requires = [...text.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect([...new Set(requires)]).toEqual(['electron']);
  });
});

describe('Electron build of better-sqlite3', () => {
  it('the shell and scripts/electron-native.mjs agree on where it lives', async () => {
    const { electronSqlitePath } = await import('../../main/electron/native.js');
    const script: string = pathToFileURL(path.join(ROOT, 'scripts', 'electron-native.mjs')).href;
    const native = (await import(script)) as { electronSqlitePath(o: { electronVersion: string; platform?: string; arch?: string }): string };
    for (const [v, p, a] of [
      ['39.2.0', 'linux', 'x64'],
      ['40.0.0', 'darwin', 'arm64'],
    ] as const) {
      const fromShell = electronSqlitePath(ROOT, v, p, a);
      expect(fromShell).toBe(native.electronSqlitePath({ electronVersion: v, platform: p, arch: a }));
      expect(fromShell).toContain(`electron-${v}-${p}-${a}`);
    }
  });
});

describe('packaging: electron-builder.yml', () => {
  // electron-builder's own YAML reader and schema check (app-builder-lib), so a misspelt fuse fails here, not at `npm run dist`.
  const requireFromBuilder = createRequire(createRequire(path.join(ROOT, 'package.json')).resolve('app-builder-lib/package.json'));
  const yaml = requireFromBuilder('js-yaml') as { load(text: string): Record<string, unknown> };
  const { validateConfiguration } = requireFromBuilder('./out/util/config/config.js') as { validateConfiguration(c: unknown, logger: unknown): Promise<void> };
  const { DebugLogger } = requireFromBuilder('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
  const config = (): Record<string, unknown> => yaml.load(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8'));

  it('flips the fuses: no run-as-node, NODE_OPTIONS or inspect; ASAR only, integrity-checked; encrypted cookies', () => {
    expect(config().electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config().asar).toBe(true);
  });

  it('is a valid electron-builder 26 configuration, and the check itself refuses an unknown fuse', async () => {
    await expect(validateConfiguration(config(), new DebugLogger(false))).resolves.toBeUndefined();
    const wrong = config();
    wrong.electronFuses = { ...(wrong.electronFuses as object), runAsNodeTypo: false };
    await expect(validateConfiguration(wrong, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
  });

  it('asks for a supported Electron major (45)', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> };
    expect(pkg.optionalDependencies?.electron).toBe('^45.0.0');
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
    expect(lock.packages['node_modules/electron']?.version).toMatch(/^45\./);
  });
});

describe('packaged or not: DevTools, the menu, the SQLite binding (isPackaged injected)', () => {
  const roles = (items: MenuItemSpec[]): string[] => items.flatMap((i) => [...(i.role ? [i.role] : []), ...roles(i.submenu ?? [])]);

  it('DevTools only when not packaged', () => {
    expect(devToolsAllowed(false)).toBe(true);
    expect(devToolsAllowed(true)).toBe(false);
  });

  it('a minimal menu: quit, edit, zoom, minimise; reload and DevTools only when not packaged; no Ctrl+W close outside macOS', () => {
    for (const platform of ['linux', 'win32', 'darwin']) {
      const packaged = roles(applicationMenu({ isPackaged: true, platform, appName: 'Charter Console' }));
      const dev = roles(applicationMenu({ isPackaged: false, platform, appName: 'Charter Console' }));
      expect(packaged, platform).toEqual(
        expect.arrayContaining(['quit', 'undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen', 'minimize']),
      );
      for (const r of ['toggleDevTools', 'reload', 'forceReload']) {
        expect(packaged, platform).not.toContain(r);
        expect(dev, platform).toContain(r);
      }
      expect(packaged.includes('close'), platform).toBe(platform === 'darwin');
    }
    const mac = applicationMenu({ isPackaged: true, platform: 'darwin', appName: 'Charter Console' });
    expect(mac.map((m) => m.label)).toEqual(['Charter Console', 'Edit', 'View', 'Window']);
    expect(roles(mac)).toEqual(expect.arrayContaining(['about', 'hide', 'hideOthers', 'unhide']));
  });

  it('a packaged app removes CHARTER_SQLITE_BINDING and says so; from a checkout it is honoured', () => {
    const packagedEnv: Record<string, string | undefined> = { CHARTER_SQLITE_BINDING: '/tmp/evil.node', OTHER: 'kept' };
    expect(chooseSqliteBinding(true, ROOT, packagedEnv)).toBe(
      'ignored CHARTER_SQLITE_BINDING=/tmp/evil.node: a packaged app loads only its own better-sqlite3 binding',
    );
    expect(packagedEnv).toEqual({ OTHER: 'kept' });
    expect(chooseSqliteBinding(true, ROOT, {})).toBeNull();
    const devEnv: Record<string, string | undefined> = { CHARTER_SQLITE_BINDING: '/tmp/dev.node' };
    expect(chooseSqliteBinding(false, ROOT, devEnv)).toBe('better-sqlite3 binding from CHARTER_SQLITE_BINDING: /tmp/dev.node');
    expect(devEnv.CHARTER_SQLITE_BINDING).toBe('/tmp/dev.node');
  });
});

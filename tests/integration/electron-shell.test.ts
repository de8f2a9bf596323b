// The built Electron shell (dist/main/electron/main.js) run under plain Node
// with a recording fake of the Electron API (./fake-electron/), against the
// real services on a fresh workspace. It checks the shell's wiring where the
// Electron runtime cannot run: window preferences, the app:// protocol and its
// CSP, one IPC handler per contract method with the sender check, navigation
// and permission refusals, event forwarding, and a clean quit.
// `npm test` builds dist/ first; run `npm run build` before running this file alone.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../core/contract/index.js';
import { CSP } from '../../main/electron/security.js';

const root = path.resolve(import.meta.dirname, '../..');
const mainJs = path.join(root, 'dist', 'main', 'electron', 'main.js');
const register = path.join(import.meta.dirname, 'fake-electron', 'register.mjs');

interface FetchResult {
  status: number;
  headers: Record<string, string>;
  bodyStart: string;
}
interface Failure {
  ok: false;
  error: { code: string; message: string };
}
interface Report {
  error?: string;
  privileged: { scheme: string; privileges: Record<string, boolean>; beforeReady: boolean }[];
  webPreferences: Record<string, unknown>;
  windowTitle: string;
  ipcChannels: string[];
  protocol: Record<'index' | 'root' | 'head' | 'post' | 'traversalEncoded' | 'traversalDots' | 'otherHost' | 'missing', FetchResult>;
  ipc: {
    trustedInfo: { ok: true; value: { host: string; workspace: string } } | Failure;
    invalidInput: Failure;
    subframe: Failure;
    foreignOrigin: Failure;
    otherContents: Failure;
    noFrame: Failure;
  };
  navigation: { willNavigatePrevented: boolean; willRedirectPrevented: boolean; webviewPrevented: boolean; windowOpen: { action: string } | null };
  permissions: { requestGranted: boolean | null; check: boolean | null; device: boolean | null };
  events: string[];
  otherChannels: string[];
  log: [string, Record<string, unknown>?][];
}

interface MenuItem {
  role?: string;
  label?: string;
  type?: string;
  submenu?: MenuItem[];
}
interface Run {
  report: Report & { applicationMenu: MenuItem[] | null; devToolsClosedOnOpen: boolean };
  exitCode: number | null;
  output: string;
  workspace: string;
}

const tmps: string[] = [];

/** Runs the built shell under the fake Electron API; `packaged` is what app.isPackaged says. */
async function runShell(packaged: boolean, extraEnv: Record<string, string> = {}, expectWindow = true): Promise<Run> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-electron-shell-'));
  tmps.push(workspace);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CHARTER_SQLITE_BINDING') env[k] = v;
  const child = spawn(process.execPath, ['--import', register, mainJs], {
    cwd: root,
    env: { ...env, CHARTER_WORKSPACE: workspace, FAKE_ELECTRON_PACKAGED: packaged ? '1' : '0', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    output += c.toString('utf8');
  });
  const exitCode = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  const line = output.split('\n').find((l) => l.startsWith('FAKE_ELECTRON_REPORT '));
  if (!line) {
    if (expectWindow) throw new Error(`the shell did not reach its window (exit ${exitCode}):\n${output}`);
    return { report: null as unknown as Run['report'], exitCode, output, workspace };
  }
  const report = JSON.parse(line.slice('FAKE_ELECTRON_REPORT '.length)) as Run['report'];
  if (report.error) throw new Error(`scenario failed: ${report.error}\n${output}`);
  return { report, exitCode, output, workspace };
}

let tmp: string;
let report: Run['report'];
let exitCode: number | null;
let output = '';
let packagedRun: Run;

beforeAll(async () => {
  for (const f of [mainJs, path.join(root, 'dist', 'preload', 'index.cjs'), path.join(root, 'dist', 'renderer', 'index.html')]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(root, f)} is missing: run \`npm run build\` (npm test does it for you)`);
  }
  ({ report, exitCode, output, workspace: tmp } = await runShell(false));
  // Packaged, with CHARTER_SQLITE_BINDING naming a library that does not exist: ignored, so the workspace opens.
  packagedRun = await runShell(true, { CHARTER_SQLITE_BINDING: path.join(os.tmpdir(), 'no-such-dir', 'evil.node') });
}, 150_000);

afterAll(() => {
  for (const t of tmps) fs.rmSync(t, { recursive: true, force: true });
});

describe('Electron shell (built main.js, fake Electron API, real services)', () => {
  it('sandboxes before ready and registers app:// as a privileged standard scheme', () => {
    expect(report.log).toContainEqual(['enableSandbox', { beforeReady: true }]);
    expect(report.privileged).toEqual([
      expect.objectContaining({ scheme: 'app', beforeReady: true, privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ]);
    // With an explicit workspace, the profile and the single-instance lock live in it.
    expect(report.log).toContainEqual(['setPath', { name: 'userData', value: path.join(tmp, '.electron'), beforeReady: true }]);
  });

  it('creates a hardened window loading app://charter/index.html', () => {
    expect(report.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(report.webPreferences.preload).toBe(path.join(root, 'dist', 'preload', 'index.cjs'));
    expect(report.log).toContainEqual(['loadURL', { url: 'app://charter/index.html' }]);
  });

  it('serves only dist/renderer over app://, with the strict CSP', () => {
    const p = report.protocol;
    expect(p.index.status).toBe(200);
    expect(p.index.headers['content-type']).toMatch(/^text\/html/);
    expect(p.index.headers['content-security-policy']).toBe(CSP);
    expect(p.index.headers['x-content-type-options']).toBe('nosniff');
    expect(p.index.bodyStart.toLowerCase()).toContain('<!doctype html');
    expect(p.root.status).toBe(200);
    expect(p.head.status).toBe(200);
    expect(p.head.bodyStart).toBe('');
    expect(p.post.status).toBe(405);
    expect(p.traversalEncoded.status).toBeGreaterThanOrEqual(400);
    expect(p.traversalDots.status).toBe(404); // folded to /package.json inside dist/renderer: not there
    expect(p.otherHost.status).toBe(403);
    expect(p.missing.status).toBe(404);
    for (const r of Object.values(p)) expect(r.bodyStart).not.toContain('"charter-console"');
  });

  it('registers exactly one IPC handler per contract method', () => {
    expect([...report.ipcChannels].sort()).toEqual(METHOD_NAMES.map((m) => `charter:${m}`).sort());
  });

  it('answers our window and validates input on the host side', () => {
    const info = report.ipc.trustedInfo;
    expect(info.ok).toBe(true);
    if (info.ok) expect(info.value).toMatchObject({ host: 'electron', workspace: tmp });
    expect(report.ipc.invalidInput).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('refuses IPC from subframes, other origins, other contents and destroyed frames', () => {
    for (const r of [report.ipc.subframe, report.ipc.foreignOrigin, report.ipc.otherContents, report.ipc.noFrame]) {
      expect(r).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    }
  });

  it('blocks navigation, redirects, webviews and new windows, and denies permissions', () => {
    expect(report.navigation).toEqual({
      willNavigatePrevented: true,
      willRedirectPrevented: true,
      webviewPrevented: true,
      windowOpen: { action: 'deny' },
    });
    expect(report.permissions).toEqual({ requestGranted: false, check: false, device: false });
  });

  it('forwards service events on charter:event only', () => {
    expect(report.events).toContain('chain.block');
    expect(report.otherChannels).toEqual([]);
  });

  it('closes the workspace and exits cleanly when the last window closes', () => {
    expect(report.log.some(([what]) => what === 'showErrorBox')).toBe(false);
    expect(exitCode).toBe(0);
    expect(output).toMatch(/FAKE_ELECTRON_REPORT/);
  });
});

/** Every role in a menu template, depth first. */
const roles = (items: MenuItem[] | null): string[] => (items ?? []).flatMap((i) => [...(i.role ? [i.role] : []), ...roles(i.submenu ?? null)]);

describe('Electron shell: packaged and not packaged (app.isPackaged injected)', () => {
  it('not packaged: DevTools allowed, a minimal menu with reload and Toggle Developer Tools', () => {
    expect(report.webPreferences.devTools).toBe(true);
    expect(report.devToolsClosedOnOpen).toBe(false);
    expect(report.log).toContainEqual(['setApplicationMenu', { beforeWindow: true }]);
    const r = roles(report.applicationMenu);
    expect(r).toEqual(expect.arrayContaining(['quit', 'copy', 'paste', 'toggleDevTools', 'reload']));
    expect(report.applicationMenu!.map((m) => m.label)).toEqual(
      process.platform === 'darwin' ? ['Charter Console', 'Edit', 'View', 'Window'] : ['File', 'Edit', 'View', 'Window'],
    );
  });

  it('packaged: no DevTools (webPreferences, menu, and closed if opened anyway), same hardened window', () => {
    const p = packagedRun.report;
    expect(p.webPreferences.devTools).toBe(false);
    expect(p.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(p.devToolsClosedOnOpen).toBe(true);
    const r = roles(p.applicationMenu);
    expect(r).not.toContain('toggleDevTools');
    expect(r).not.toContain('reload');
    expect(r).not.toContain('forceReload');
    expect(r).toEqual(expect.arrayContaining(['quit', 'copy', 'paste', 'selectAll']));
    expect(packagedRun.exitCode).toBe(0);
  });

  it('packaged: CHARTER_SQLITE_BINDING is ignored (the workspace opens with the bundled binding) and the log says so', () => {
    const p = packagedRun.report;
    expect(p.ipc.trustedInfo).toMatchObject({ ok: true, value: { host: 'electron', workspace: packagedRun.workspace } });
    expect(packagedRun.output).toMatch(/ignored CHARTER_SQLITE_BINDING=.*evil\.node: a packaged app loads only its own better-sqlite3 binding/);
    expect(p.log.some(([what]) => what === 'showErrorBox')).toBe(false);
  });

  it('not packaged, the same CHARTER_SQLITE_BINDING is honoured (so the packaged run above proves the rule)', async () => {
    const dev = await runShell(false, { CHARTER_SQLITE_BINDING: path.join(os.tmpdir(), 'no-such-dir', 'evil.node') }, false);
    expect(dev.exitCode).toBe(1);
    expect(dev.output).toMatch(/FAKE_ELECTRON_EXIT/);
    expect(dev.output).toMatch(/Charter Console could not open its workspace/);
    expect(dev.output).toContain('evil.node');
  }, 90_000);
});

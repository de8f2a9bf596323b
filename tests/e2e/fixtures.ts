/**
 * End-to-end fixtures: one spec, two hosts.
 *
 *   import { test, expect } from './fixtures';
 *   test('…', async ({ page, console }) => {
 *     if (console.url) await page.goto(console.url);   // served console; in Electron the window is already open
 *     …
 *   });
 *
 * Project "chromium" (charterHost: 'serve'): `console` starts
 *   `node bin/charter.js serve --port 0 --workspace <fresh temp dir>`, reads the
 *   printed `Charter Console: http://127.0.0.1:PORT/?token=…` line and stops the
 *   server after the test; `page` is a normal page in Debian's Chromium.
 *
 * Project "electron" (charterHost: 'electron'): `page` IS the Electron window,
 *   launched with Playwright's `_electron` on dist/main/electron/main.js with
 *   CHARTER_WORKSPACE=<fresh temp dir>; `console.url` is ''. Where the Electron
 *   runtime binary is not installed the test is skipped with the reason — never
 *   run against something else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { _electron, expect, test as base, type Browser, type BrowserContext, type ElectronApplication, type Page, type TestInfo } from '@playwright/test';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHARTER_BIN = path.join(ROOT, 'bin/charter.js');
const ELECTRON_MAIN = path.join(ROOT, 'dist/main/electron/main.js');
const START_TIMEOUT_MS = 90_000;

export type CharterHost = 'serve' | 'electron';

export interface ConsoleFixture {
  /** The served console's URL with its session token; '' under Electron (the window is already showing the console). */
  url: string;
  /** The fresh workspace directory this test's console uses. */
  workspace: string;
  /** Which host runs the console in this project. */
  host: CharterHost;
}

export interface ConsoleOptions {
  /** Set per project in playwright.config.ts. */
  charterHost: CharterHost;
}

interface TestFixtures {
  workspace: string;
  electronApp: ElectronApplication | null;
  console: ConsoleFixture;
}

/** Is the Electron runtime usable here? Mirrors scripts/start.mjs. */
export function electronRuntime(): { ok: true; executablePath: string } | { ok: false; reason: string } {
  const require = createRequire(path.join(ROOT, 'package.json'));
  let binary: unknown;
  try {
    binary = require('electron');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND' && String(e.message).includes("'electron'")) {
      return {
        ok: false,
        reason: 'the electron package is not installed (optional dependency; its installer downloads the runtime from outside the npm registry)',
      };
    }
    return { ok: false, reason: `the electron package cannot locate its runtime (${String(e.message).split('\n')[0]})` };
  }
  if (typeof binary !== 'string') return { ok: false, reason: 'require("electron") did not return the runtime path' };
  if (!existsSync(binary)) return { ok: false, reason: `the runtime binary ${binary} does not exist (its download did not complete)` };
  return { ok: true, executablePath: binary };
}

interface ServeHandle {
  url: string;
  stop(): Promise<void>;
  log(): string;
}

function startServe(workspace: string): Promise<ServeHandle> {
  const child: ChildProcess = spawn(process.execPath, [CHARTER_BIN, 'serve', '--port', '0', '--workspace', workspace], {
    cwd: ROOT,
    env: { ...process.env, CHARTER_WORKSPACE: workspace, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise<ServeHandle>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().finally(() => reject(new Error(`charter serve did not start: ${why}\n--- output ---\n${output}`)));
    };
    const timer = setTimeout(() => fail(`no "Charter Console: <url>" line within ${START_TIMEOUT_MS / 1000}s`), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const m = /^Charter Console: (http:\/\/127\.0\.0\.1:\d+\/\S*)$/m.exec(output);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ url: m[1]!, stop, log: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? `code ${code}`}`));
  });
}

async function attachLog(testInfo: TestInfo, name: string, body: string): Promise<void> {
  if (body.length > 0) await testInfo.attach(name, { body, contentType: 'text/plain' });
}

/** Stands in for `browser` in the electron project, where there is no separate browser. */
const NO_BROWSER = new Proxy(
  {},
  {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      throw new Error(`In the electron project there is no separate browser (browser.${String(prop)}): the page is the Electron window.`);
    },
  },
) as Browser;

export const test = base.extend<TestFixtures, ConsoleOptions>({
  charterHost: ['serve', { scope: 'worker', option: true }],

  // Launched only for the served console; Playwright's own launch options
  // (executablePath, args, headless from the project) apply.
  browser: [
    async ({ playwright, charterHost }, use) => {
      if (charterHost === 'electron') {
        await use(NO_BROWSER);
        return;
      }
      const browser = await playwright.chromium.launch();
      await use(browser);
      await browser.close();
    },
    { scope: 'worker', timeout: 0 },
  ],

  // Playwright reads a fixture's dependencies from its first parameter's destructuring: none here.
  // eslint-disable-next-line no-empty-pattern
  workspace: async ({}, use) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'charter-e2e-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  },

  electronApp: async ({ charterHost, workspace }, use, testInfo) => {
    if (charterHost !== 'electron') {
      await use(null);
      return;
    }
    const runtime = electronRuntime();
    if (!runtime.ok) {
      testInfo.skip(true, `Electron runtime binary not installed: ${runtime.reason}`);
      return;
    }
    if (!existsSync(ELECTRON_MAIN)) throw new Error(`${ELECTRON_MAIN} is missing: run \`npm run build\` first`);
    // better-sqlite3 for Electron's ABI, beside the Node build (see docs/electron.md). A failure here is a failure, not a skip.
    const nativeModule: string = pathToFileURL(path.join(ROOT, 'scripts', 'electron-native.mjs')).href;
    const native = (await import(nativeModule)) as { ensureElectronSqlite(): string };
    const sqliteBinding = native.ensureElectronSqlite();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
    env.CHARTER_WORKSPACE = workspace;
    env.CHARTER_SQLITE_BINDING = sqliteBinding;
    const app = await _electron.launch({
      executablePath: runtime.executablePath,
      // Chromium refuses to run its OS sandbox as root; the renderer stays JS-sandboxed (sandbox: true).
      args: [ELECTRON_MAIN, ...(process.platform === 'linux' && process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      cwd: ROOT,
      env,
      timeout: START_TIMEOUT_MS,
    });
    let log = '';
    app.process().stdout?.on('data', (c: Buffer) => {
      log += c.toString('utf8');
    });
    app.process().stderr?.on('data', (c: Buffer) => {
      log += c.toString('utf8');
    });
    try {
      await use(app);
    } finally {
      await app.close().catch(() => {});
      await attachLog(testInfo, 'electron.log', log);
    }
  },

  context: async ({ charterHost, browser, electronApp }, use) => {
    if (charterHost === 'electron') {
      await use(electronApp!.context());
      return;
    }
    const context: BrowserContext = await browser.newContext();
    await use(context);
    await context.close();
  },

  page: async ({ charterHost, context, electronApp }, use) => {
    if (charterHost === 'electron') {
      const window: Page = await electronApp!.firstWindow({ timeout: START_TIMEOUT_MS });
      await window.waitForLoadState('domcontentloaded');
      await use(window);
      return;
    }
    await use(await context.newPage());
  },

  console: async ({ charterHost, workspace, electronApp }, use, testInfo) => {
    if (charterHost === 'electron') {
      void electronApp; // launched (or the test skipped) before the console is handed out
      await use({ url: '', workspace, host: 'electron' });
      return;
    }
    const server = await startServe(workspace);
    try {
      await use({ url: server.url, workspace, host: 'serve' });
    } finally {
      await server.stop();
      await attachLog(testInfo, 'charter-serve.log', server.log());
    }
  },
});

export { expect };

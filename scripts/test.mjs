#!/usr/bin/env node
/**
 * `npm test`: everything, in order, on a fresh clone or a developer machine.
 *
 *   1. system packages: Debian's `chromium` for the end-to-end tests,
 *      `softhsm2` (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so, softhsm2-util) for
 *      the PKCS#11 tests and, on Linux, `libusb-1.0-0` (libusb-1.0.so.0, which
 *      node-hid's prebuilt binary is linked against) for the Ledger tests, and
 *      `python3-venv` (python3 with venv + ensurepip) for the DSSE interop test,
 *      which installs a pinned securesystemslib from PyPI into a cached
 *      virtualenv (tests/support/pyenv.ts). If one
 *      is missing (chromium: /usr/bin/chromium or $CHARTER_CHROMIUM; libusb: the
 *      dynamic loader's cache, `ldconfig -p`, or a library directory of any
 *      architecture) and we are root with apt-get, `apt-get update` +
 *      `apt-get install -y --no-install-recommends <packages>`; otherwise fail,
 *      naming the packages and the command.
 *   1b. the `cometbft` binary for the network tests (scripts/cometbft.mjs):
 *      $CHARTER_COMETBFT, the cache, or PATH; built into the cache with Go
 *      (`CGO_ENABLED=0 go install github.com/cometbft/cometbft/cmd/cometbft@v0.38.25`)
 *      when missing; without Go, fail naming what to install.
 *   2. build (scripts/build.mjs, i.e. `npm run build`)
 *   3. typecheck: tsc -p on tsconfig.json, core/, renderer/, tests/e2e/ (where present)
 *      and lint: ESLint (eslint.config.mjs) and Prettier's check (.prettierrc.json)
 *   4. vitest run (unit + integration projects), JSON report in test-results/vitest.json
 *   5. Playwright e2e (chromium + electron projects), JSON report in test-results/playwright.json
 *
 * Ends with one line `N passed, N failed, N skipped` counting vitest and
 * Playwright tests; a step that fails without producing test results (build,
 * typecheck, a suite that cannot load, a missing system package) counts as
 * one failure and is named above that line. Exit status 1 if anything failed.
 *
 * `node scripts/test.mjs --system-packages` runs step 1 alone (checks, and
 * installs as root, what the tests need from the system), exit status 1 if
 * something is still missing.
 *
 * Non-interactive (CI=true, no stdin). Environment:
 *   CHARTER_CHROMIUM=/path       use this Chromium instead of /usr/bin/chromium
 *   CHARTER_ALLOW_NO_E2E=1       while developing only: no e2e spec is not a failure
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIBUSB_PACKAGE, PYTHON_VENV_PACKAGE } from './system-packages.mjs';
import { ensureCometbft } from './cometbft.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const RESULTS = path.join(root, 'test-results');
const VITEST_JSON = path.join(RESULTS, 'vitest.json');
const PLAYWRIGHT_JSON = path.join(RESULTS, 'playwright.json');
const CHROMIUM = process.env.CHARTER_CHROMIUM || '/usr/bin/chromium';
const bin = (p) => path.join(root, 'node_modules', p);

const totals = { passed: 0, failed: 0, skipped: 0 };
/** Failures that are not individual tests: [step, what]. */
const stepFailures = [];
const stepLog = [];

let current = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (current && current.exitCode === null) current.kill(signal);
    console.error(`\ntest: interrupted (${signal})`);
    process.exit(130);
  });
}

function banner(title) {
  console.log(`\n━━━ ${title} ${'━'.repeat(Math.max(0, 70 - title.length))}`);
}

/** Run a command with inherited stdout/stderr and no stdin; resolves to its exit code. */
function run(command, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...opts.env },
    });
    current = child;
    child.on('error', (err) => {
      console.error(`test: could not run ${command}: ${err.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      current = null;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

async function step(name, fn) {
  banner(name);
  const t0 = Date.now();
  let ok;
  try {
    ok = await fn();
  } catch (err) {
    console.error(`test: ${name}: ${err instanceof Error ? err.message : String(err)}`);
    ok = false;
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  stepLog.push(`${ok ? 'ok  ' : 'FAIL'} ${name} (${secs}s)`);
  return ok;
}

// ── 1. system packages ─────────────────────────────────────────────────────
/** Debian packages the tests need, each with the files that show it is installed and what it is for. */
const SOFTHSM_FILES = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/bin/softhsm2-util'];
const PACKAGES = [
  { name: 'chromium', files: [CHROMIUM], purpose: 'the end-to-end tests' },
  { name: 'softhsm2', files: SOFTHSM_FILES, purpose: 'the PKCS#11 tests (SoftHSM2 tokens)' },
  { name: 'opensc', files: ['/usr/bin/pkcs11-tool'], purpose: "the PKCS#11 key-usage tests (OpenSC's pkcs11-tool)" },
  // node-hid's prebuilt Linux binary is linked against libusb 1.0 (arch-independent check).
  ...(process.platform === 'linux' ? [LIBUSB_PACKAGE] : []),
  PYTHON_VENV_PACKAGE,
];
const installed = (pkg) => (pkg.find ? pkg.find() !== undefined : pkg.files.every((f) => existsSync(f)));
const where = (pkg) => (pkg.find ? pkg.find() : pkg.files.join(', '));

async function systemPackages() {
  for (const pkg of PACKAGES.filter(installed)) console.log(`${pkg.name}: ${where(pkg)}`);
  if (process.env.CHARTER_CHROMIUM && !existsSync(CHROMIUM)) {
    stepFailures.push(['system packages', `CHARTER_CHROMIUM=${CHROMIUM} does not exist`]);
    return false;
  }
  const missing = PACKAGES.filter((p) => !installed(p));
  if (missing.length === 0) return true;
  const names = missing.map((p) => p.name).join(' ');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const aptGet = ['/usr/bin/apt-get', '/bin/apt-get'].find((p) => existsSync(p));
  const command = `apt-get update && apt-get install -y --no-install-recommends ${names}`;
  if (!isRoot || !aptGet) {
    const why = !aptGet ? 'apt-get is not available' : 'not running as root';
    for (const p of missing)
      console.error(
        `test: ${p.purpose} need Debian's package "${p.name}" (${p.files.join(', ')}${p.find ? (p.notFound ?? ', not found by ldconfig -p nor in /usr/lib/<arch>') : ''}), and ${why}.`,
      );
    console.error(`test: install with:  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${names}`);
    if (missing.some((p) => p.name === 'chromium')) console.error('test: (or point CHARTER_CHROMIUM at a Chromium binary)');
    stepFailures.push([
      'system packages',
      `missing package(s) ${missing.map((p) => `"${p.name}"`).join(', ')}: run \`sudo apt-get update && sudo apt-get install -y --no-install-recommends ${names}\``,
    ]);
    return false;
  }
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  console.log(`test: installing Debian package(s) ${names} (apt-get update, then install)…`);
  if ((await run(aptGet, ['update'], { env })) !== 0) {
    stepFailures.push(['system packages', `\`apt-get update\` failed; install ${names} with: ${command}`]);
    return false;
  }
  if ((await run(aptGet, ['install', '-y', '--no-install-recommends', ...missing.map((p) => p.name)], { env })) !== 0 || !missing.every(installed)) {
    stepFailures.push(['system packages', `\`apt-get install ${names}\` failed; install with: ${command}`]);
    return false;
  }
  return true;
}

// ── 1b. cometbft ───────────────────────────────────────────────────────────
async function cometbft() {
  const r = ensureCometbft();
  if (r.error) {
    stepFailures.push(['cometbft', r.error]);
    return false;
  }
  console.log(`cometbft: ${r.path}`);
  process.env.CHARTER_COMETBFT = r.path;
  return true;
}

// ── 2. build ───────────────────────────────────────────────────────────────
async function build() {
  const code = await run(process.execPath, ['scripts/build.mjs']);
  if (code !== 0) stepFailures.push(['build', 'scripts/build.mjs failed (see above)']);
  return code === 0;
}

// ── 3. typecheck ───────────────────────────────────────────────────────────
async function typecheck() {
  const projects = ['tsconfig.json', 'core/tsconfig.json', 'renderer/tsconfig.json', 'tests/e2e/tsconfig.json'].filter((p) => existsSync(p));
  let ok = true;
  for (const project of projects) {
    console.log(`tsc -p ${project}`);
    const code = await run(process.execPath, [bin('typescript/bin/tsc'), '-p', project, '--noEmit', '--pretty', 'false']);
    if (code !== 0) {
      ok = false;
      stepFailures.push(['typecheck', `tsc -p ${project} reported errors`]);
    }
  }
  return ok;
}

// ── 3b. lint ───────────────────────────────────────────────────────────────
// ESLint's rules (eslint.config.mjs) and Prettier's formatting (.prettierrc.json);
// `npx prettier --write .` and `npx eslint --fix .` repair most of what they report.
async function lint() {
  let ok = true;
  console.log('eslint .');
  if ((await run(process.execPath, [bin('eslint/bin/eslint.js'), '.', '--max-warnings', '0'])) !== 0) {
    ok = false;
    stepFailures.push(['lint', 'eslint reported problems']);
  }
  console.log('prettier --check .');
  if ((await run(process.execPath, [bin('prettier/bin/prettier.cjs'), '--check', '.', '--log-level', 'warn'])) !== 0) {
    ok = false;
    stepFailures.push(['lint', 'prettier found files not formatted (npx prettier --write .)']);
  }
  return ok;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

// ── 4. vitest ──────────────────────────────────────────────────────────────
async function vitest() {
  rmSync(VITEST_JSON, { force: true });
  const code = await run(process.execPath, [bin('vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${VITEST_JSON}`]);
  const report = readJson(VITEST_JSON);
  if (!report) {
    stepFailures.push(['vitest', `no report (exit code ${code}); the run did not complete`]);
    return false;
  }
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += report.numFailedTests ?? 0;
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A file that fails to load has no failed tests of its own: count it.
  for (const file of report.testResults ?? []) {
    const failedTests = (file.assertionResults ?? []).filter((a) => a.status === 'failed').length;
    if (file.status === 'failed' && failedTests === 0) {
      stepFailures.push(['vitest', `${path.relative(root, file.name)} failed to run: ${String(file.message ?? '').split('\n')[0]}`]);
    }
  }
  if (code !== 0 && report.numFailedTests === 0 && !stepFailures.some(([s]) => s === 'vitest')) {
    stepFailures.push(['vitest', `exited with code ${code}`]);
  }
  return code === 0;
}

// ── 5. Playwright ──────────────────────────────────────────────────────────
function e2eSpecs(dir = 'tests/e2e') {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.spec.ts'))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

async function playwright(buildOk) {
  if (e2eSpecs().length === 0) {
    if (process.env.CHARTER_ALLOW_NO_E2E === '1') {
      console.log('test: no e2e spec in tests/e2e yet (CHARTER_ALLOW_NO_E2E=1): not run');
      return true;
    }
    stepFailures.push(['e2e', 'no *.spec.ts in tests/e2e']);
    return false;
  }
  if (!buildOk) {
    stepFailures.push(['e2e', 'not run: the build failed']);
    return false;
  }
  rmSync(PLAYWRIGHT_JSON, { force: true });
  const code = await run(process.execPath, [bin('@playwright/test/cli.js'), 'test', '-c', 'tests/e2e/playwright.config.ts'], {
    env: { CHARTER_E2E_JSON: PLAYWRIGHT_JSON, CHARTER_CHROMIUM: CHROMIUM },
  });
  const report = readJson(PLAYWRIGHT_JSON);
  if (!report || !report.stats) {
    stepFailures.push(['e2e', `no report (exit code ${code}); the run did not complete`]);
    return false;
  }
  const s = report.stats;
  totals.passed += (s.expected ?? 0) + (s.flaky ?? 0);
  totals.failed += s.unexpected ?? 0;
  totals.skipped += s.skipped ?? 0;
  for (const e of report.errors ?? []) {
    stepFailures.push(['e2e', String(e.message ?? e.value ?? 'error').split('\n')[0]]);
  }
  if (s.flaky) console.log(`test: ${s.flaky} e2e test(s) passed only on retry (flaky)`);
  // Say why tests were skipped (e.g. no Electron runtime here).
  const reasons = new Map();
  const walk = (suite) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status !== 'skipped') continue;
        const why =
          [...(t.annotations ?? []), ...(t.results ?? []).flatMap((r) => r.annotations ?? [])].find((a) => a.type === 'skip')?.description ?? 'no reason given';
        const key = `[${t.projectName}] ${why}`;
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
      }
    }
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const suite of report.suites ?? []) walk(suite);
  for (const [why, n] of reasons) console.log(`test: skipped ${n} e2e test(s): ${why}`);
  if (code !== 0 && (s.unexpected ?? 0) === 0 && (report.errors ?? []).length === 0) {
    stepFailures.push(['e2e', `playwright exited with code ${code}`]);
  }
  return code === 0;
}

mkdirSync(RESULTS, { recursive: true });
const started = Date.now();
const systemOk = await step('system packages', systemPackages);
if (process.argv.includes('--system-packages')) {
  for (const [s, what] of stepFailures) console.log(`failed step: ${s}: ${what}`);
  process.exit(systemOk ? 0 : 1);
}
await step('cometbft', cometbft);
const buildOk = await step('build', build);
await step('typecheck', typecheck);
await step('lint', lint);
await step('unit + integration tests (vitest)', vitest);
await step('end-to-end tests (playwright)', () => playwright(buildOk));

banner('summary');
for (const line of stepLog) console.log(line);
for (const [s, what] of stepFailures) console.log(`failed step: ${s}: ${what}`);
console.log(`total time ${((Date.now() - started) / 1000).toFixed(0)}s`);
const failed = totals.failed + stepFailures.length;
console.log(`${totals.passed} passed, ${failed} failed, ${totals.skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);

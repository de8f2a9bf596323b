/**
 * Python virtualenvs for tests that run an independent tool: securesystemslib's
 * DSSE verifier (tests/support/dsse-requirements.txt, ensureDssePyenv) and the
 * independent bundle verifier (tests/support/independent-verifier/requirements.txt,
 * ensureIndependentVerifierPyenv). Each is created once under
 * node_modules/.cache/ (ignored by git, kept between runs) from its pinned
 * requirements file, and re-created when that file changes (its SHA-256 is
 * stamped into the venv when the install finished).
 *
 * Needs python3 with venv + ensurepip (Debian: python3-venv; scripts/test.mjs
 * installs it) and PyPI (or a pip index/proxy configured the usual way,
 * PIP_INDEX_URL / pip.conf). First run: about 10–30 s (venv + pip from PyPI); afterwards instant.
 * Any failure throws with what failed and pip's own output: a test that needs
 * the tool fails, it is never skipped.
 *
 *   const py = ensureDssePyenv();   // absolute path of the venv's python
 *   const py = ensurePyenv(requirementsFile, venvDir);
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
// @ts-expect-error: a plain .mjs script without type declarations
import { findPythonWithVenv } from '../../scripts/system-packages.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const PYENV_DIR = process.env.CHARTER_PYENV_DIR || path.join(ROOT, 'node_modules', '.cache', 'charter-pyenv');
export const DSSE_REQUIREMENTS = path.join(ROOT, 'tests', 'support', 'dsse-requirements.txt');
export const IV_PYENV_DIR = process.env.CHARTER_IV_PYENV_DIR || path.join(ROOT, 'node_modules', '.cache', 'charter-pyenv-independent-verifier');
export const IV_REQUIREMENTS = path.join(ROOT, 'tests', 'support', 'independent-verifier', 'requirements.txt');
const STAMP = 'charter-requirements.sha256';

function sh(cmd: string, args: string[], what: string, timeoutMs: number): string {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${what} failed (${r.error ? r.error.message : `exit ${r.status}`}): ${cmd} ${args.join(' ')}\n${out}`);
  }
  return r.stdout;
}

/** The venv's python, the venv `dir` created and the pinned `requirementsFile` installed if needed. Throws with a clear message when it cannot be. */
export function ensurePyenv(requirementsFile: string, dir: string): string {
  const wanted = createHash('sha256').update(fs.readFileSync(requirementsFile)).digest('hex');
  const py = path.join(dir, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
  const stamp = path.join(dir, STAMP);
  if (fs.existsSync(py) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === wanted) return py;

  const base = findPythonWithVenv() as string | undefined;
  if (!base) {
    throw new Error(
      `${path.relative(ROOT, requirementsFile)} needs python3 with the venv and ensurepip modules (${process.env.CHARTER_PYTHON || 'python3'} has not): ` +
        'on Debian/Ubuntu `sudo apt-get install -y --no-install-recommends python3-venv` (npm test does it as root), or point CHARTER_PYTHON at such an interpreter',
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  sh(base, ['-m', 'venv', dir], `creating the virtualenv ${dir}`, 120_000);
  sh(
    py,
    ['-m', 'pip', 'install', '--quiet', '--no-input', '-r', requirementsFile],
    `pip install -r ${path.relative(ROOT, requirementsFile)} (from PyPI or your configured index) into ${dir}`,
    300_000,
  );
  // Stamped last: an interrupted install is redone next time.
  fs.writeFileSync(stamp, wanted + '\n');
  return py;
}

/** The DSSE interop test's venv (securesystemslib). */
export function ensureDssePyenv(): string {
  return ensurePyenv(DSSE_REQUIREMENTS, PYENV_DIR);
}

/** The independent bundle verifier's venv (cryptography, pycryptodome). */
export function ensureIndependentVerifierPyenv(): string {
  return ensurePyenv(IV_REQUIREMENTS, IV_PYENV_DIR);
}

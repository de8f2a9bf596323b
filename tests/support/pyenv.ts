/**
 * A Python virtualenv for tests that run an existing, independent tool
 * (securesystemslib's DSSE verifier): created once under
 * node_modules/.cache/charter-pyenv (ignored by git, kept between runs) from the
 * pinned tests/support/dsse-requirements.txt, and re-created when that file
 * changes (its SHA-256 is stamped into the venv when the install finished).
 *
 * Needs python3 with venv + ensurepip (Debian: python3-venv; scripts/test.mjs
 * installs it) and PyPI (or a pip index/proxy configured the usual way,
 * PIP_INDEX_URL / pip.conf). First run: about 10–30 s (venv + pip from PyPI); afterwards instant.
 * Any failure throws with what failed and pip's own output: a test that needs
 * the tool fails, it is never skipped.
 *
 *   const py = ensureDssePyenv();   // absolute path of the venv's python
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
const STAMP = 'charter-requirements.sha256';

function sh(cmd: string, args: string[], what: string, timeoutMs: number): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONDONTWRITEBYTECODE: '1' } });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${what} failed (${r.error ? r.error.message : `exit ${r.status}`}): ${cmd} ${args.join(' ')}\n${out}`);
  }
  return r.stdout;
}

/** The venv's python, the venv created and the pinned requirements installed if needed. Throws with a clear message when it cannot be. */
export function ensureDssePyenv(): string {
  const wanted = createHash('sha256').update(fs.readFileSync(DSSE_REQUIREMENTS)).digest('hex');
  const py = path.join(PYENV_DIR, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
  const stamp = path.join(PYENV_DIR, STAMP);
  if (fs.existsSync(py) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === wanted) return py;

  const base = findPythonWithVenv() as string | undefined;
  if (!base) {
    throw new Error(
      `the DSSE interop test needs python3 with the venv and ensurepip modules (${process.env.CHARTER_PYTHON || 'python3'} has not): ` +
        'on Debian/Ubuntu `sudo apt-get install -y --no-install-recommends python3-venv` (npm test does it as root), or point CHARTER_PYTHON at such an interpreter',
    );
  }
  fs.rmSync(PYENV_DIR, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(PYENV_DIR), { recursive: true });
  sh(base, ['-m', 'venv', PYENV_DIR], `creating the virtualenv ${PYENV_DIR}`, 120_000);
  sh(py, ['-m', 'pip', 'install', '--quiet', '--no-input', '-r', DSSE_REQUIREMENTS], `pip install -r ${path.relative(ROOT, DSSE_REQUIREMENTS)} (from PyPI or your configured index) into ${PYENV_DIR}`, 300_000);
  // Stamped last: an interrupted install is redone next time.
  fs.writeFileSync(stamp, wanted + '\n');
  return py;
}

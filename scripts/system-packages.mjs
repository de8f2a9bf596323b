/**
 * System packages `npm test` (scripts/test.mjs) needs that are not files at a
 * fixed path: shared libraries, found where the dynamic loader finds them on
 * any architecture.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Where the dynamic loader finds the shared library `name` (e.g.
 * "libusb-1.0.so.0"): its cache (`ldconfig -p`), else the usual library
 * directories, the multiarch ones (/usr/lib/<triplet>/) included. Undefined
 * if it is in none of them.
 */
export function findSharedLibrary(name) {
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    let out;
    try {
      out = execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      continue;
    }
    for (const line of out.split('\n')) {
      // "	libusb-1.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libusb-1.0.so.0"
      const m = /^\s*(\S+)\s.*=>\s*(\S+)\s*$/.exec(line);
      if (m && m[1] === name && existsSync(m[2])) return m[2];
    }
    break;
  }
  for (const base of ['/lib', '/usr/lib', '/lib64', '/usr/lib64', '/usr/local/lib']) {
    let entries;
    try {
      entries = readdirSync(base, { withFileTypes: true });
    } catch {
      continue;
    }
    const dirs = [base, ...entries.filter((e) => e.isDirectory() && /-linux-gnu/.test(e.name)).map((e) => path.join(base, e.name))];
    for (const dir of dirs) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** libusb 1.0, which node-hid's prebuilt Linux binary is linked against (the Ledger backend's USB listing). */
export const LIBUSB_LIBRARY = 'libusb-1.0.so.0';
export const LIBUSB_PACKAGE = {
  name: 'libusb-1.0-0',
  files: [LIBUSB_LIBRARY],
  purpose: `the Ledger tests (node-hid loads ${LIBUSB_LIBRARY})`,
  find: () => findSharedLibrary(LIBUSB_LIBRARY),
};

/**
 * The Python interpreter (absolute path) that can create a virtualenv with
 * pip — `python3 -m venv` needs the standard library's venv and ensurepip,
 * which Debian ships apart in "python3-venv" — or undefined. `python` defaults
 * to $CHARTER_PYTHON, else python3 on PATH.
 */
export function findPythonWithVenv(python = process.env.CHARTER_PYTHON || 'python3') {
  try {
    const out = execFileSync(python, ['-c', 'import venv, ensurepip, sys; print(sys.executable)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return out && existsSync(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

/** python3 with venv + ensurepip, for the DSSE interop test's virtualenv (tests/support/pyenv.ts). */
export const PYTHON_VENV_PACKAGE = {
  name: 'python3-venv',
  files: ['python3 with the venv and ensurepip modules'],
  notFound: `, \`python3 -c 'import venv, ensurepip'\` fails`,
  purpose: 'the DSSE interop test (a Python virtualenv with securesystemslib from PyPI)',
  find: () => findPythonWithVenv(),
};

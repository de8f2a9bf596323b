/**
 * scripts/system-packages.mjs: how `npm test` decides that a shared library
 * (libusb-1.0.so.0, which node-hid's prebuilt binary needs) is installed, on
 * any architecture. Checked against the real dynamic loader: the detection
 * must agree with whether node-hid's binary actually loads here.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { findPythonWithVenv, findSharedLibrary, LIBUSB_LIBRARY, LIBUSB_PACKAGE, PYTHON_VENV_PACKAGE } from '../../scripts/system-packages.mjs';

describe('findSharedLibrary', () => {
  it('finds a library every glibc system has (libc.so.6), at an absolute path that exists', () => {
    const at = findSharedLibrary('libc.so.6') as string | undefined;
    expect(at).toBeDefined();
    expect(path.isAbsolute(at!)).toBe(true);
    expect(fs.existsSync(at!)).toBe(true);
    expect(path.basename(at!)).toBe('libc.so.6');
  });

  it('does not find a library that does not exist', () => {
    expect(findSharedLibrary('libcharter-no-such-library.so.0')).toBeUndefined();
  });

  it('says libusb is installed exactly when node-hid can list USB devices here', () => {
    expect(LIBUSB_PACKAGE).toMatchObject({ name: 'libusb-1.0-0', files: ['libusb-1.0.so.0'] });
    const found = LIBUSB_PACKAGE.find() as string | undefined;
    // A child process: the dynamic loader's answer, not this process's cached one.
    const r = spawnSync(process.execPath, ['-e', "require('node-hid').devices(); console.log('ok')"], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
    });
    if (found) {
      expect(path.basename(found)).toBe(LIBUSB_LIBRARY);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    } else {
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(LIBUSB_LIBRARY);
    }
  });
});

describe('findPythonWithVenv', () => {
  it('says python3-venv is installed exactly when `python3 -m venv` makes a virtualenv with pip here', () => {
    expect(PYTHON_VENV_PACKAGE).toMatchObject({ name: 'python3-venv' });
    const found = PYTHON_VENV_PACKAGE.find() as string | undefined;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-venv-probe-'));
    try {
      const r = spawnSync(process.env.CHARTER_PYTHON || 'python3', ['-m', 'venv', path.join(dir, 'v')], { encoding: 'utf8', timeout: 120_000 });
      const made = r.status === 0 && fs.existsSync(path.join(dir, 'v', 'bin', 'pip'));
      expect({ found: found !== undefined, made }).toEqual({ found: made, made });
      if (found) expect(path.isAbsolute(found)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not find an interpreter that does not exist', () => {
    expect(findPythonWithVenv('/nonexistent/python3')).toBeUndefined();
  });
});

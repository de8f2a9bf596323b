// What the README promises a new user, held to the code: the separation of
// duties in its five steps (the initiator's own approval is refused with a
// real error code), and the Linux requirement `npm test` installs (libusb).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../core/errors.js';
// @ts-expect-error: a plain .mjs script without type declarations
import { LIBUSB_LIBRARY, LIBUSB_PACKAGE } from '../../scripts/system-packages.mjs';

const README = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
const steps = README.slice(README.indexOf('1. create three software keys'), README.indexOf('Every action lands in the Audit log'));
const requirements = README.slice(README.indexOf('## Requirements'));

describe('README', () => {
  it('says that the initiator cannot approve, so the two approvals come from the two other keys', () => {
    expect(steps).toMatch(/initiated a withdrawal cannot approve it/);
    expect(steps).toMatch(/separation of duties/);
    expect(steps).toMatch(/two others/);
    expect(steps).toContain('`SELF_APPROVAL`');
    expect(ERROR_CODES).toHaveProperty('SELF_APPROVAL');
  });

  it('lists libusb for Linux under Requirements, with the package npm test installs', () => {
    expect(requirements).toContain(LIBUSB_LIBRARY);
    expect(requirements).toContain(`\`${LIBUSB_PACKAGE.name}\``);
    expect(requirements).toMatch(/On Linux/);
    expect(README).toMatch(new RegExp(`\`${LIBUSB_PACKAGE.name.replace(/[.]/g, '\\.')}\`[^)]*\\); otherwise it stops and names them`));
  });
});

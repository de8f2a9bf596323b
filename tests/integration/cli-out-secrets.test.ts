// The real `charter` binary (bin/charter.js → dist/), spawned as a user would,
// against a real devnet (a console in this process, reached over its RPC socket):
//
//   - output files (`evidence export --out`, `bundle build --out`, `keys export
//     --out`) follow one rule: an existing file is refused without --force, a
//     symbolic link is refused even with --force (nothing is written through
//     it), --force replaces a regular file, files are 0600;
//   - secrets from a file descriptor: `--passphrase-fd 3` with an extra pipe;
//   - text from outside (a key label with ESC sequences) is printed without
//     its control characters; --json output keeps the value, escaped.
// `npm test` builds dist/ first; run `npm run build` before running this file alone.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSoftHsmToken } from '../support/softhsm.js';
import { useConsole } from './console-harness.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'charter.js');
const PASS = 'a long passphrase';
const h = useConsole('charter-cli-out-');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-cli-out-files-'));
const ws2 = path.join(tmp, 'ws2');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Spawn the CLI; with `fd3`, an extra pipe on file descriptor 3 that receives that text and is closed. */
function run(args: string[], opts: { fd3?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, CHARTER_PKCS11_MODULE: '', ...(opts.env ?? {}) },
      stdio: opts.fd3 !== undefined ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    if (opts.fd3 !== undefined) {
      const w = child.stdio[3] as Writable;
      // The child closes its end once it has read the first line (or never reads it): a reset here is expected.
      w.on('error', () => {});
      w.end(opts.fd3);
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const jsonError = (r: Run): { code: string; message: string } => (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;

let requestId = '';
let node = '';

beforeAll(() => {
  if (!fs.existsSync(path.join(root, 'dist', 'main', 'cli', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it for you)');
});

describe('the CLI with a node: one rule for --out files, secrets from a descriptor, clean text', () => {
  it('an executed withdrawal on the devnet (set-up through the contract)', async () => {
    const a = await h.call('keys.create', { label: 'a', passphrase: PASS });
    const b = await h.call('keys.create', { label: 'b', passphrase: PASS });
    await h.call('custody.createVault', { vaultId: 'out-rule', name: 'Out', approvers: [a.keyId, b.keyId], threshold: 1 });
    await h.call('custody.fundVault', { vaultId: 'out-rule', asset: 'USDC', amount: '100' });
    const { request } = await h.call('custody.createWithdrawal', {
      vaultId: 'out-rule',
      asset: 'USDC',
      amount: '5',
      destination: 'acct:x',
      memo: '',
      keyId: a.keyId,
      passphrase: PASS,
    });
    const done = await h.call('custody.approve', { requestId: request.requestId, keyId: b.keyId, passphrase: PASS });
    expect(done.request.status).toBe('executed');
    requestId = request.requestId;
    node = h.charter.rpcUrl;
  });

  it('evidence export --out: refused when the file exists, refused through a symbolic link even with --force, --force replaces a file', async () => {
    const out = path.join(tmp, 'evidence.json');
    const first = await run(['evidence', 'export', '--workspace', ws2, '--node', node, '--request', requestId, '--out', out]);
    expect(first.status, first.stderr).toBe(0);
    const content = fs.readFileSync(out, 'utf8');
    expect(JSON.parse(content).request.request_id).toBe(requestId);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);

    fs.writeFileSync(out, 'keep me');
    const again = await run(['evidence', 'export', '--workspace', ws2, '--node', node, '--request', requestId, '--out', out, '--json']);
    expect(again.status).toBe(1);
    expect(jsonError(again)).toMatchObject({ code: 'EXPORT_FAILED' });
    expect(jsonError(again).message).toMatch(/exists; pass --force/);
    expect(fs.readFileSync(out, 'utf8')).toBe('keep me');

    const forced = await run(['evidence', 'export', '--workspace', ws2, '--node', node, '--request', requestId, '--out', out, '--force']);
    expect(forced.status, forced.stderr).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(content);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);

    // A symbolic link to a file elsewhere: never written through, with or without --force.
    const target = path.join(tmp, 'victim.txt');
    fs.writeFileSync(target, 'do not touch');
    const link = path.join(tmp, 'link.json');
    fs.symlinkSync(target, link);
    for (const extra of [[], ['--force']]) {
      const r = await run(['evidence', 'export', '--workspace', ws2, '--node', node, '--request', requestId, '--out', link, '--json', ...extra]);
      expect(r.status).toBe(1);
      expect(jsonError(r).code).toBe('EXPORT_FAILED');
      expect(jsonError(r).message).toMatch(/symbolic link/);
      expect(fs.readFileSync(target, 'utf8')).toBe('do not touch');
      expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    }
    // A dangling link: not created through either.
    const dangling = path.join(tmp, 'dangling.json');
    fs.symlinkSync(path.join(tmp, 'would-be-created.json'), dangling);
    const d = await run(['evidence', 'export', '--workspace', ws2, '--node', node, '--request', requestId, '--out', dangling, '--json']);
    expect(d.status).toBe(1);
    expect(fs.existsSync(path.join(tmp, 'would-be-created.json'))).toBe(false);
  });

  let signer = '';
  it('keys create --passphrase-fd 3: the passphrase comes from an extra pipe, not the environment', async () => {
    const r = await run(['keys', 'create', '--workspace', ws2, '--label', 'fd-signer', '--passphrase-fd', '3', '--json'], {
      fd3: `${PASS}\nignored second line\n`,
    });
    expect(r.status, r.stderr).toBe(0);
    signer = (JSON.parse(r.stdout) as { keyId: string }).keyId;
    // The first line, without its newline, is the passphrase: it opens the key; anything else does not.
    const ok = await run(['keys', 'attest', signer, '--workspace', ws2, '--passphrase-fd', '3', '--json'], { fd3: `${PASS}\n` });
    expect(ok.status, ok.stderr).toBe(0);
    const wrong = await run(['keys', 'attest', signer, '--workspace', ws2, '--passphrase-fd', '3', '--json'], { fd3: `${PASS} \n` });
    expect(wrong.status).toBe(1);
    expect(jsonError(wrong).code).toBe('WRONG_PASSPHRASE');
    // Usage errors: both sources, a bad descriptor, an empty line.
    expect(
      (await run(['keys', 'attest', signer, '--workspace', ws2, '--passphrase-fd', '3', '--passphrase-env', 'P'], { fd3: PASS, env: { P: PASS } })).status,
    ).toBe(64);
    expect((await run(['keys', 'attest', signer, '--workspace', ws2, '--passphrase-fd', 'x'])).status).toBe(64);
    expect((await run(['keys', 'attest', signer, '--workspace', ws2, '--passphrase-fd', '3'], { fd3: '\n' })).status).toBe(64);
    // A descriptor nobody opened: refused with a usage error, not a hang.
    expect((await run(['keys', 'attest', signer, '--workspace', ws2, '--passphrase-fd', '9'])).status).toBe(64);
  });

  it('keys generate / attest on a SoftHSM token with --pin-fd 3', async () => {
    const PIN = 'fd-user-pin-5521';
    const tok = await makeSoftHsmToken({ label: 'fd-ops', soPin: 'fd-so-pin-8830', userPin: PIN }); // sets SOFTHSM2_CONF, which the child inherits
    try {
      const ws = path.join(tmp, 'ws-hsm');
      const common = ['--module', tok.modulePath, '--token-label', 'fd-ops', '--pin-fd', '3', '--workspace', ws, '--json'];
      const wrong = await run(['keys', 'generate', '--backend', 'pkcs11', '--algo', 'p256', '--label', 'fd-hsm', ...common], { fd3: 'not-the-pin-000\n' });
      expect(wrong.status).toBe(1);
      expect(jsonError(wrong).code).toBe('PIN_INCORRECT');
      const made = await run(['keys', 'generate', '--backend', 'pkcs11', '--algo', 'p256', '--label', 'fd-hsm', ...common], { fd3: `${PIN}\n` });
      expect(made.status, made.stderr).toBe(0);
      const keyId = (JSON.parse(made.stdout) as { key: { keyId: string } }).key.keyId;
      const att = await run(['keys', 'attest', keyId, ...common], { fd3: `${PIN}\n` });
      expect(att.status, att.stderr).toBe(0);
      expect(made.stdout + made.stderr + att.stdout + att.stderr).not.toContain(PIN);
      // --pin-fd belongs to the pkcs11 backend.
      expect(
        (await run(['keys', 'generate', '--backend', 'software', '--algo', 'p256', '--label', 'x', '--pin-fd', '3', '--workspace', ws], { fd3: `${PIN}\n` }))
          .status,
      ).toBe(64);
    } finally {
      tok.cleanup();
    }
  });

  it('bundle build --out: the same rule; --key with --passphrase-fd signs', async () => {
    const out = path.join(tmp, 'case.zip');
    const args = ['bundle', 'build', '--workspace', ws2, '--node', node, '--case', requestId, '--key', signer, '--passphrase-fd', '3', '--out', out];
    const first = await run([...args, '--json'], { fd3: `${PASS}\n` });
    expect(first.status, first.stderr).toBe(0);
    const zip = fs.readFileSync(out);
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);

    fs.writeFileSync(out, 'keep me');
    const again = await run([...args, '--json'], { fd3: `${PASS}\n` });
    expect(again.status).toBe(1);
    expect(jsonError(again).code).toBe('EXPORT_FAILED');
    expect(fs.readFileSync(out, 'utf8')).toBe('keep me');

    const forced = await run([...args, '--force', '--json'], { fd3: `${PASS}\n` });
    expect(forced.status, forced.stderr).toBe(0);
    expect(fs.readFileSync(out).subarray(0, 2).toString()).toBe('PK');

    const target = path.join(tmp, 'victim.zip');
    fs.writeFileSync(target, 'do not touch');
    const link = path.join(tmp, 'link.zip');
    fs.symlinkSync(target, link);
    const viaLink = await run(
      ['bundle', 'build', '--workspace', ws2, '--node', node, '--case', requestId, '--key', signer, '--passphrase-fd', '3', '--out', link, '--force', '--json'],
      { fd3: `${PASS}\n` },
    );
    expect(viaLink.status).toBe(1);
    expect(jsonError(viaLink)).toMatchObject({ code: 'EXPORT_FAILED' });
    expect(fs.readFileSync(target, 'utf8')).toBe('do not touch');
  });

  it('keys export --out refuses a symbolic link even with --force (the shared rule)', async () => {
    const target = path.join(tmp, 'victim-key.json');
    fs.writeFileSync(target, 'do not touch');
    const link = path.join(tmp, 'link-key.json');
    fs.symlinkSync(target, link);
    const r = await run(['keys', 'export', signer, '--workspace', ws2, '--out', link, '--force', '--json']);
    expect(r.status).toBe(1);
    expect(jsonError(r).message).toMatch(/symbolic link/);
    expect(fs.readFileSync(target, 'utf8')).toBe('do not touch');
  });

  it('an error message naming something from outside (a file name with ESC sequences) prints without its control characters', async () => {
    const name = path.join(tmp, 'no-such\u001b[2J\u001b]0;pwned\u0007.zip');
    const r = await run(['bundle', 'verify', name]);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('no-such[2J]0;pwned.zip');
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('a label with ESC sequences and other control characters prints without them; --json keeps the value', async () => {
    const label = 'ops\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202eevil';
    const made = await run(['keys', 'create', '--workspace', ws2, '--label', label, '--passphrase-fd', '3'], { fd3: `${PASS}\n` });
    if (made.status !== 0) {
      // Should labels with control characters come to be refused when a key is made, the refusal is what prints them.
      expect(made.status).not.toBe(0);
      expect(made.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
      return;
    }
    const list = await run(['keys', 'list', '--workspace', ws2, '--node', node]);
    expect(list.status, list.stderr).toBe(0);
    for (const text of [made.stdout, list.stdout]) {
      expect(text).toContain('ops[2J]0;pwned31mevil');
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    }
    const json = await run(['keys', 'list', '--workspace', ws2, '--node', node, '--json']);
    expect(json.status, json.stderr).toBe(0);
    expect(json.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect((JSON.parse(json.stdout) as { keys: { label: string }[] }).keys.map((k) => k.label)).toContain(label);
  });
});

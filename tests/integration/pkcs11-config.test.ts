// Where PKCS#11 modules come from, through a real console (real workspace SQLite, a real
// SoftHSM2 token; the node URL points at a closed port, so no devnet is started):
// no contract call can make the host load a library; modules come from the command line
// (createCharter's option, what --pkcs11-module gives), the environment and the workspace's
// config.json, each shown read-only with where it came from; a path that breaks a rule is
// refused with PKCS11_MODULE_REFUSED on its device entry; a module list left in the database
// by an older console is ignored with an Output warning saying how to configure it now.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodName, MethodOutput } from '../../core/contract/index.js';
import { contractApi, type InputArgs } from '../../core/contract/client.js';
import { createCharter, type Charter, type CharterOptions } from '../../main/app.js';
import { Workspace } from '../../main/workspace/workspace.js';
import { makeSoftHsmToken, type SoftHsmToken } from '../support/softhsm.js';

const SO_PIN = 'so-pin-config-5Vn2';
const USER_PIN = 'user-pin-config-3Lp8';
const FAST = { n: 1 << 12, r: 8, p: 1 };

let tmp = '';
let tok: SoftHsmToken;
const open: Charter[] = [];
const savedEnv = { module: process.env.CHARTER_PKCS11_MODULE, token: process.env.CHARTER_PKCS11_TOKEN };

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-p11cfg-'));
  tok = await makeSoftHsmToken({ label: 'cfg-ops', soPin: SO_PIN, userPin: USER_PIN });
  delete process.env.CHARTER_PKCS11_MODULE;
  delete process.env.CHARTER_PKCS11_TOKEN;
});
afterAll(async () => {
  for (const c of open.splice(0)) await c.close();
  for (const [k, v] of [
    ['CHARTER_PKCS11_MODULE', savedEnv.module],
    ['CHARTER_PKCS11_TOKEN', savedEnv.token],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  tok?.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function console_(name: string, opts: Partial<CharterOptions> = {}, prepare?: (dir: string) => void): Promise<Charter> {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  prepare?.(dir);
  const c = await createCharter({ host: 'serve', workspace: dir, nodeUrl: 'http://127.0.0.1:1', scrypt: FAST, watch: false, ...opts });
  open.push(c);
  return c;
}
/** Call an operation of console `c` with its real types; a refusal rejects with its code. */
function call<M extends MethodName>(c: Charter, method: M, ...input: InputArgs<M>): Promise<MethodOutput<M>> {
  return contractApi(c.dispatch).call(method, ...input);
}
const pkcs11Devices = async (c: Charter) => (await call(c, 'keys.devices', {})).devices.filter((d) => d.backend === 'pkcs11');
const writeConfig = (dir: string, config: unknown, mode = 0o600) => {
  const f = path.join(dir, 'config.json');
  fs.writeFileSync(f, JSON.stringify(config), { mode });
  fs.chmodSync(f, mode);
};

describe('PKCS#11 modules are configured outside the contract', () => {
  it('settings.set cannot name a module: INVALID_INPUT, nothing stored, nothing loaded', async () => {
    const c = await console_('no-contract');
    expect(await pkcs11Devices(c)).toEqual([]);
    for (const input of [
      { pkcs11Modules: [tok.modulePath] },
      { pkcs11Modules: ['/tmp/libevil.so'], ledgerEnabled: false },
      { pkcs11Modules: [] },
      { theme: 'dark', pkcs11Config: { file: '/tmp/evil.json' } },
    ]) {
      const r = await c.dispatch('settings.set', input);
      expect(r.ok, JSON.stringify(input)).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('INVALID_INPUT');
    }
    expect(c.workspace.getSetting('keys.pkcs11Modules')).toBeUndefined();
    expect(await pkcs11Devices(c)).toEqual([]);
    expect(c.services.backends.kinds()).toEqual(['software']);
    // What it may change still works, and loads no module.
    const s = await call(c, 'settings.set', { theme: 'light' });
    expect(s).toMatchObject({ theme: 'light', ledgerEnabled: false, pkcs11Modules: [] });
    expect(s.pkcs11Config.file).toBe(path.join(c.workspace.dir, 'config.json'));
    expect(await pkcs11Devices(c)).toEqual([]);
  });

  it('ignores a module list an older console left in the workspace database, with an Output warning saying how to configure it now', async () => {
    const dir = path.join(tmp, 'legacy');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ws = Workspace.open(dir);
    ws.setSetting('keys.pkcs11Modules', [tok.modulePath]);
    ws.close();
    const c = await console_('legacy');
    expect(await pkcs11Devices(c)).toEqual([]);
    expect((await call(c, 'settings.get', {})).pkcs11Modules).toEqual([]);
    const lines = (await call(c, 'output.recent', {})).lines;
    const warning = lines.find((l) => l.level === 'warn' && l.message.includes('keys.pkcs11Modules'));
    expect(warning?.message).toContain('is ignored');
    expect(warning?.message).toContain(path.join(dir, 'config.json'));
    expect(warning?.message).toContain('CHARTER_PKCS11_MODULE');
    expect(warning?.message).toContain('--pkcs11-module');
  });

  it('uses the real SoftHSM2 module from the command line, the environment and the config file, each shown with its source', async () => {
    // One source at a time: each finds the token.
    const cli = await console_('from-cli', { pkcs11Modules: [{ modulePath: tok.modulePath, tokenLabel: 'cfg-ops' }] });
    const file = await console_('from-file', {}, (d) => writeConfig(d, { pkcs11: { modules: [{ path: tok.modulePath, tokenLabel: 'cfg-ops' }] } }));
    process.env.CHARTER_PKCS11_MODULE = tok.modulePath;
    process.env.CHARTER_PKCS11_TOKEN = 'cfg-ops';
    let env: Charter;
    try {
      env = await console_('from-env');
    } finally {
      delete process.env.CHARTER_PKCS11_MODULE;
      delete process.env.CHARTER_PKCS11_TOKEN;
    }
    const expected: [Charter, string, string][] = [
      [cli, 'command-line', '--pkcs11-module'],
      [env, 'environment', '$CHARTER_PKCS11_MODULE'],
      [file, 'config-file', path.join(tmp, 'from-file', 'config.json')],
    ];
    for (const [c, source, origin] of expected) {
      const devices = await pkcs11Devices(c);
      expect(
        devices.map((d) => [d.deviceId, d.state]),
        source,
      ).toEqual([[`pkcs11:${tok.serial}`, 'ready']]);
      expect((await call(c, 'settings.get', {})).pkcs11Modules).toEqual([{ path: tok.modulePath, source, origin, tokenLabel: 'cfg-ops', problem: null }]);
    }
    // A key generated through the config-file console is on the real token.
    const out = await call(file, 'keys.generate', { backend: 'pkcs11', scheme: 'p256', label: 'cfg-key', secret: USER_PIN });
    expect(out.key.backend).toBe('pkcs11');
    expect(out.attestation.record.key).toMatchObject({ usage: 'sign', public_key_usage: 'verify', sign_only: true });
  });

  it('refuses a configured module that breaks a path rule, on its device entry and in settings.get; other modules and the keystore still work', async () => {
    const lib = path.join(tmp, 'libworld-writable-pkcs11.so');
    fs.copyFileSync(tok.modulePath, lib);
    fs.chmodSync(lib, 0o666);
    const c = await console_('refused', {}, (d) =>
      writeConfig(d, { pkcs11: { modules: [{ path: lib }, { path: 'relative/libsofthsm2.so' }, { path: tok.modulePath, tokenLabel: 'cfg-ops' }] } }),
    );
    const devices = await pkcs11Devices(c);
    const refused = devices.filter((d) => d.state === 'error');
    expect(refused.map((d) => d.facts.code)).toEqual(['PKCS11_MODULE_REFUSED', 'PKCS11_MODULE_REFUSED']);
    expect(refused[0]!.detail).toMatch(/^PKCS11_MODULE_REFUSED: .*writable by others/);
    expect(refused[0]!.facts).toMatchObject({ module: lib, source: 'config-file' });
    expect(refused[1]!.detail).toContain('not absolute');
    expect(devices.filter((d) => d.state === 'ready').map((d) => d.deviceId)).toEqual([`pkcs11:${tok.serial}`]);
    const s = await call(c, 'settings.get', {});
    expect(s.pkcs11Modules.map((m) => [m.path, m.problem?.code ?? null])).toEqual([
      [lib, 'PKCS11_MODULE_REFUSED'],
      ['relative/libsofthsm2.so', 'PKCS11_MODULE_REFUSED'],
      [tok.modulePath, null],
    ]);
    const warn = (await call(c, 'output.recent', {})).lines.filter((l) => l.level === 'warn' && l.message.includes('PKCS11_MODULE_REFUSED'));
    expect(warn).toHaveLength(2);
  });

  it('ignores a config file others may write (CONFIG_INVALID on a device entry) and one that is not valid; nothing of it is loaded', async () => {
    const loose = await console_('loose-config', {}, (d) => writeConfig(d, { pkcs11: { modules: [{ path: tok.modulePath }] } }, 0o666));
    const devices = await pkcs11Devices(loose);
    expect(devices.map((d) => [d.state, d.facts.code])).toEqual([['error', 'CONFIG_INVALID']]);
    expect(devices[0]!.detail).toContain('writable by others');
    expect((await call(loose, 'settings.get', {})).pkcs11Config.problem?.code).toBe('CONFIG_INVALID');
    const bad = await console_('bad-config', {}, (d) => writeConfig(d, { pkcs11: { modules: [{ path: tok.modulePath, command: 'rm -rf /' }] } }));
    expect((await pkcs11Devices(bad)).map((d) => d.facts.code)).toEqual(['CONFIG_INVALID']);
  });
});

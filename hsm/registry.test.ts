// KeyBackends over a real software keystore (temp directory, low scrypt cost)
// and, where a device that fails cannot exist here, a stand-in backend whose
// every call throws the error a real device backend would (said per test).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CharterError } from '../core/errors.js';
import { KeyBackends } from './registry.js';
import { SoftwareKeystore } from './software.js';
import type { KeyBackend } from './types.js';

const dirs: string[] = [];
function keystore(): SoftwareKeystore {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-registry-'));
  dirs.push(d);
  return new SoftwareKeystore(d, { n: 1 << 10, r: 8, p: 1 });
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Stand-in for a token whose module cannot reach it: every call fails with `code`. */
function failing(kind: KeyBackend['kind'], code: 'TOKEN_NOT_PRESENT' | 'PKCS11_MODULE_ERROR'): KeyBackend {
  const boom = async (): Promise<never> => {
    throw new CharterError(code as never, `stand-in device: ${code}`);
  };
  return { kind, devices: boom, list: boom, get: boom, generate: boom, sign: boom, attest: boom };
}

describe('KeyBackends', () => {
  it('lists devices and keys across backends; a failing backend is an error device and a problem, the others still answer', async () => {
    const sw = keystore();
    const reg = new KeyBackends([sw, failing('pkcs11', 'TOKEN_NOT_PRESENT')]);
    const k = await sw.generate({ label: 'a', scheme: 'ed25519', secret: 'long enough passphrase' });
    const devices = await reg.devices();
    expect(devices.map((d) => [d.backend, d.state])).toEqual([
      ['software', 'ready'],
      ['pkcs11', 'error'],
    ]);
    expect(devices[1]!.detail).toMatch(/^TOKEN_NOT_PRESENT: /);
    const { keys, problems } = await reg.keys();
    expect(keys.map((x) => x.keyId)).toEqual([k.keyId]);
    expect(problems).toEqual([{ backend: 'pkcs11', index: 0, code: 'TOKEN_NOT_PRESENT', message: 'stand-in device: TOKEN_NOT_PRESENT' }]);
  });

  it('finds the backend holding a key among several; KEY_NOT_FOUND when none has it', async () => {
    const a = keystore();
    const b = keystore();
    const reg = new KeyBackends([a, b]);
    const kb = await b.generate({ label: 'in b', scheme: 'ed25519', secret: 'long enough passphrase' });
    const found = await reg.find(kb.keyId);
    expect(found.backend).toBe(b);
    expect(found.info.label).toBe('in b');
    await expect(reg.find('0'.repeat(40))).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    // Signing goes to the holder, with the secret of the call.
    const sig = await reg.sign(kb.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: 'long enough passphrase' });
    expect(sig).toHaveLength(64);
    await expect(reg.sign(kb.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: 'wrong passphrase!' })).rejects.toMatchObject({
      code: 'WRONG_PASSPHRASE',
    });
  });

  it('a device error is passed on when no backend has the key (it may be on that device)', async () => {
    const reg = new KeyBackends([keystore(), failing('pkcs11', 'TOKEN_NOT_PRESENT')]);
    await expect(reg.find('1'.repeat(40))).rejects.toMatchObject({ code: 'TOKEN_NOT_PRESENT' });
  });

  it('generates on the configured backend, says NOT_AVAILABLE for one not configured, and tells listeners', async () => {
    const reg = new KeyBackends([keystore()]);
    const seen: string[] = [];
    const off = reg.onChange((r) => seen.push(r));
    const { info } = await reg.generate('software', { label: 'g', scheme: 'ed25519', secret: 'long enough passphrase' });
    expect(seen.some((r) => r.includes(info.keyId))).toBe(true);
    await expect(reg.generate('ledger', { label: 'l', scheme: 'secp256k1' })).rejects.toMatchObject({ code: 'NOT_AVAILABLE' });
    const extra = failing('pkcs11', 'PKCS11_MODULE_ERROR');
    reg.add(extra, '/x/lib.so');
    reg.remove(extra);
    expect(reg.kinds()).toEqual(['software']);
    expect(seen.filter((r) => r.includes('/x/lib.so'))).toHaveLength(2);
    off();
  });
});

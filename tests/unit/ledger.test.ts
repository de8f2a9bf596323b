/**
 * The Ledger backend through the real client code (@ledgerhq/hw-app-eth over
 * @ledgerhq/hw-transport) against (a) our emulator of the Ethereum app's APDUs
 * (tests/support/ledger-emulator.ts) and (b) a recorded exchange replayed with
 * @ledgerhq/hw-transport-mocker. The device itself cannot exist on a test
 * machine: the emulator and the recording stand in for it below exchange();
 * everything above is the shipped code. Results are checked independently:
 * addresses with keccak-256 from the public key, signatures by the engine's
 * verifiers (core/tx/verify.ts with the @noble and the node:crypto verifier).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { fromHex, keyIdOf, toHex } from '../../core/codec/index.js';
import { nobleVerifier } from '../../core/crypto/ed25519.js';
import type { UnsignedEnvelope } from '../../core/engine/types.js';
import { CharterError } from '../../core/errors.js';
import { eip712Digest, envelopeEip712, envelopeTypedData, typedDataDigest } from '../../core/tx/eip712.js';
import { digestForScheme, signEnvelopeFor, verifyEnvelope } from '../../core/tx/verify.js';
import {
  appVersionAtLeast,
  defaultListDevices,
  fullEip712Obstacle,
  hidUnavailable,
  LEDGER_OFFLINE_CONFIG,
  LedgerBackend,
  ledgerError,
  normaliseLedgerPath,
  type LedgerDeviceDescriptor,
  type Transport,
} from '../../hsm/ledger.js';
import { nativeVerifier } from '../../main/crypto/native-verifier.js';
import { emulatedLedger, LedgerEmulator, type Shown } from '../support/ledger-emulator.js';

const require = createRequire(import.meta.url);
const Eth = require('@ledgerhq/hw-app-eth').default;
const { RecordStore, openTransportReplayer, createTransportRecorder } = require('@ledgerhq/hw-transport-mocker');
const { TransportStatusError, TransportError, DisconnectedDeviceDuringOperation } = require('@ledgerhq/errors');
// ethers' EIP-712 encoder (installed with @ledgerhq/evm-tools): a third implementation to check the emulator and the engine against.
const { _TypedDataEncoder } = require('@ethersproject/hash');

const ROOT = path.resolve(__dirname, '../..');
const FIXTURE = path.join(ROOT, 'tests/fixtures/ledger/get-address-and-eip712-sign.apdus');
/** m/44'/60'/0'/0/0 of the standard test mnemonic: published in BIP-44 wallets' test suites. */
const KNOWN_ADDRESS = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const N = secp256k1.Point.Fn.ORDER;
const NANO_X: LedgerDeviceDescriptor = { path: '/dev/hidraw-test', vendorId: 0x2c97, productId: 0x4011, product: 'Nano X' };

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-ledger-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<CharterError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CharterError) return e;
    throw new Error(`not a CharterError: ${String(e)}`, { cause: e });
  }
  throw new Error('no error');
}

function backendOn(t: Transport, devices: LedgerDeviceDescriptor[] = [NANO_X]): LedgerBackend {
  return new LedgerBackend({ store: dir, openTransport: async () => t, listDevices: async () => devices, clock: () => new Date('2026-11-22T05:00:00.000Z') });
}

function approval(signer: string): UnsignedEnvelope<'withdrawal.approve'> {
  return { version: 1, chain_id: 'charter-devnet', type: 'withdrawal.approve', body: { request_id: 'ab'.repeat(32) }, signer, nonce: 3, expires_at: 1200 };
}

/** Address from a public key, computed here without the backend's helpers. */
function keccakAddress(pk: Uint8Array): string {
  return '0x' + toHex(keccak_256(secp256k1.Point.fromBytes(pk).toBytes(false).subarray(1)).subarray(12));
}

describe('Ledger emulator (checked independently)', () => {
  it("derives the standard test mnemonic's well-known address on m/44'/60'/0'/0/0 through hw-app-eth", async () => {
    const emu = new LedgerEmulator();
    const r = await new Eth(emu).getAddress("44'/60'/0'/0/0", false, true);
    expect(r.address).toBe(KNOWN_ADDRESS);
    expect(keccakAddress(fromHex(r.publicKey))).toBe(KNOWN_ADDRESS.toLowerCase());
    expect(r.chainCode).toMatch(/^[0-9a-f]{64}$/);
    expect(emu.shown).toEqual([]); // display flag off: nothing on screen
    const other = await new Eth(emu).getAddress("44'/60'/0'/0/1", true);
    expect(other.address.toLowerCase()).not.toBe(KNOWN_ADDRESS.toLowerCase());
    expect(emu.shown).toEqual([{ screen: 'address', path: "44'/60'/0'/0/1", address: other.address }]);
  });
});

describe('LedgerBackend with the emulated Ethereum app', () => {
  it('derives a key on a chosen path with on-device confirmation and remembers only public facts', async () => {
    const emu = new LedgerEmulator();
    const be = backendOn(emu);
    const k = await be.generate({ scheme: 'secp256k1', label: 'ledger-approver', path: "m/44'/60'/0'/0/0" });
    expect(emu.shown).toEqual([{ screen: 'address', path: "44'/60'/0'/0/0", address: KNOWN_ADDRESS }]);
    expect(k.publicKey).toMatch(/^0[23][0-9a-f]{64}$/);
    expect(keccakAddress(fromHex(k.publicKey))).toBe(KNOWN_ADDRESS.toLowerCase());
    expect(k.keyId).toBe(keyIdOf('secp256k1', fromHex(k.publicKey)));
    expect(k).toMatchObject({
      backend: 'ledger',
      scheme: 'secp256k1',
      label: 'ledger-approver',
      locator: "44'/60'/0'/0/0",
      deviceId: 'ledger:/dev/hidraw-test',
    });
    expect(await be.list()).toEqual([k]);
    const store = JSON.parse(fs.readFileSync(path.join(dir, 'ledger-keys.json'), 'utf8'));
    expect(store.keys[0]).toMatchObject({ key_id: k.keyId, address: KNOWN_ADDRESS.toLowerCase(), path: "44'/60'/0'/0/0", device_model: 'Ledger Nano X' });
    expect(await failure(be.generate({ scheme: 'secp256k1', label: 'again' }))).toMatchObject({ code: 'KEYSTORE_DUPLICATE' });
    expect(await failure(be.generate({ scheme: 'p256', label: 'x' }))).toMatchObject({ code: 'NOT_AVAILABLE' });
    expect(await failure(be.generate({ scheme: 'secp256k1', label: 'x', path: "44'/0'/0'/0/0" }))).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it("signs an approval's EIP-712 digest on the device; the engine's verifiers accept the envelope", async () => {
    const emu = new LedgerEmulator({ rawMessages: true });
    const be = backendOn(emu);
    const k = await be.generate({ scheme: 'secp256k1', label: 'ledger', path: "44'/60'/0'/0/7" });
    const u = approval(k.keyId);
    const signed = await signEnvelopeFor('secp256k1', u, (digest) => be.sign(k.keyId, { scheme: 'secp256k1', digest, envelope: u }, {}));
    const key = { scheme: 'secp256k1' as const, public_key: k.publicKey };
    expect(verifyEnvelope(nobleVerifier, signed, key)).toBe(true);
    expect(verifyEnvelope(nativeVerifier, signed, key)).toBe(true);
    expect(verifyEnvelope(nobleVerifier, { ...signed, nonce: 4 }, key)).toBe(false);
    // The device hashed the typed data itself (full form) to the engine's domain separator and struct hash, and signed on the key's path.
    const h = envelopeEip712(u);
    expect(emu.shown.at(-1)).toEqual({ screen: 'eip712-sign', path: "44'/60'/0'/0/7", domainHash: toHex(h.domainSeparator), messageHash: toHex(h.structHash) });
    expect(emu.lastEip712?.digest).toBe(toHex(eip712Digest(u)));
  });

  it('turns a high-S answer into the low-S signature the engine accepts', async () => {
    const emu = new LedgerEmulator({ highS: true });
    const be = backendOn(emu);
    const k = await be.generate({ scheme: 'secp256k1', label: 'ledger' });
    for (let nonce = 1; nonce <= 4; nonce++) {
      const u = { ...approval(k.keyId), nonce };
      const digest = digestForScheme('secp256k1', u);
      const before = emu.log.length;
      const sig = await be.sign(k.keyId, { scheme: 'secp256k1', digest, envelope: u }, {});
      const raw = fromHex(emu.log.at(-1)!.response);
      expect(emu.log.length).toBeGreaterThan(before);
      expect(BigInt('0x' + toHex(raw.subarray(33, 65)))).toBeGreaterThan(N >> 1n); // the device answered high S
      expect(BigInt('0x' + toHex(sig.subarray(32)))).toBeLessThanOrEqual(N >> 1n);
      expect(nobleVerifier.verify('secp256k1', fromHex(k.publicKey), digest, sig)).toBe(true);
    }
  });

  it('refuses to sign without the envelope, or a digest that is not its EIP-712 digest, sending nothing to the device', async () => {
    const emu = new LedgerEmulator();
    const be = backendOn(emu);
    const k = await be.generate({ scheme: 'secp256k1', label: 'ledger' });
    const u = approval(k.keyId);
    const sent = emu.log.length;
    expect(await failure(be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u) }, {}))).toMatchObject({ code: 'INVALID_INPUT' });
    expect(await failure(be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('ed25519', u), envelope: u }, {}))).toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await failure(be.sign('cd'.repeat(20), { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {}))).toMatchObject({
      code: 'KEY_NOT_FOUND',
    });
    expect(emu.log.length).toBe(sent);
  });

  it('reports a rejection on the device as LEDGER_USER_REJECTED and keeps nothing', async () => {
    const emu = new LedgerEmulator({ user: 'reject' });
    const be = backendOn(emu);
    const e = await failure(be.generate({ scheme: 'secp256k1', label: 'refused' }));
    expect(e.code).toBe('LEDGER_USER_REJECTED');
    expect(await be.list()).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'ledger-keys.json'))).toBe(false);
    emu.user = 'approve';
    const k = await be.generate({ scheme: 'secp256k1', label: 'accepted' });
    emu.user = 'reject';
    const u = approval(k.keyId);
    expect(await failure(be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {}))).toMatchObject({
      code: 'LEDGER_USER_REJECTED',
    });
  });

  it('with neither "Raw messages" nor "Blind signing" on, the device refuses the review: LEDGER_BLIND_SIGNING_DISABLED says which to turn on', async () => {
    const emu = new LedgerEmulator({ blindSigning: false });
    const be = backendOn(emu);
    const k = await be.generate({ scheme: 'secp256k1', label: 'ledger' });
    expect((await be.devices())[0]).toMatchObject({ state: 'ready', facts: { blind_signing: 'disabled' }, detail: expect.stringContaining('Raw messages') });
    const u = approval(k.keyId);
    const e = await failure(be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {}));
    expect(e.code).toBe('LEDGER_BLIND_SIGNING_DISABLED');
    expect(e.message).toMatch(/Raw messages.*Blind signing/);
    expect(emu.shown.at(-1)).toEqual({ screen: 'blind-signing-error' });
    expect(emu.log.some((x) => x.apdu.startsWith('e00c'))).toBe(false); // nothing was signed
    // "Raw messages" alone is enough for the full form: every field is shown, no blind signing.
    emu.rawMessages = true;
    const sig = await be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {});
    expect(nobleVerifier.verify('secp256k1', fromHex(k.publicKey), digestForScheme('secp256k1', u), sig)).toBe(true);
    expect(emu.shown.filter((x) => x.screen === 'eip712-field' && x.root === 'WithdrawalApprove').map((x) => (x as { name: string }).name)).toContain(
      'request_id',
    );
  });

  it('reports a locked device as LEDGER_LOCKED (0x5515, and the older 0x6b0c), in calls and in devices()', async () => {
    for (const lockedStatus of [0x5515, 0x6b0c]) {
      const emu = new LedgerEmulator({ locked: true, lockedStatus });
      const be = backendOn(emu);
      const e = await failure(be.generate({ scheme: 'secp256k1', label: 'x' }));
      expect(e.code).toBe('LEDGER_LOCKED');
      expect(e.message).toMatch(/unlock/i);
      const [d] = await be.devices();
      expect(d).toMatchObject({ deviceId: 'ledger:/dev/hidraw-test', state: 'locked', backend: 'ledger' });
    }
  });

  it('reports another app or the dashboard as LEDGER_WRONG_APP, naming it', async () => {
    const btc = backendOn(new LedgerEmulator({ app: 'Bitcoin', appVersion: '2.1.0' }));
    const e = await failure(btc.generate({ scheme: 'secp256k1', label: 'x' }));
    expect(e.code).toBe('LEDGER_WRONG_APP');
    expect(e.message).toContain('Bitcoin');
    expect((await btc.devices())[0]).toMatchObject({ state: 'wrong-app', facts: { app: 'Bitcoin', app_version: '2.1.0' } });
    const dash = await failure(backendOn(new LedgerEmulator({ app: 'BOLOS', appVersion: '2.2.3' })).generate({ scheme: 'secp256k1', label: 'x' }));
    expect(dash.code).toBe('LEDGER_WRONG_APP');
    expect(dash.message).toMatch(/dashboard/);
    // Without the app check, the other app's "CLA not supported" answer maps to the same code.
    const raw = await new Eth(new LedgerEmulator({ app: 'Bitcoin' })).getAddress("44'/60'/0'/0/0").catch((x: unknown) => x);
    expect(ledgerError(raw).code).toBe('LEDGER_WRONG_APP');
    expect(ledgerError(new TransportStatusError(0x6d00)).code).toBe('LEDGER_WRONG_APP');
    expect(ledgerError(new TransportStatusError(0x6985)).code).toBe('LEDGER_USER_REJECTED');
    expect(ledgerError(new TransportStatusError(0x5515)).code).toBe('LEDGER_LOCKED');
    expect(ledgerError(new TransportStatusError(0x6a80))).toMatchObject({ code: 'LEDGER_ERROR', message: expect.stringContaining('0x6a80') });
    // Transport-level errors as @ledgerhq/hw-transport-node-hid raises them.
    expect(ledgerError(new TransportError('NoDevice', 'NoDevice')).code).toBe('LEDGER_NOT_FOUND');
    expect(ledgerError(new DisconnectedDeviceDuringOperation('write')).code).toBe('LEDGER_NOT_FOUND');
  });

  it('refuses a Ledger whose seed derives another key on the stored path', async () => {
    const be = backendOn(new LedgerEmulator());
    const k = await be.generate({ scheme: 'secp256k1', label: 'first device' });
    const other = new LedgerBackend({
      store: dir,
      openTransport: async () => new LedgerEmulator({ mnemonic: 'legal winner thank year wave sausage worth useful legal winner thank yellow' }),
      listDevices: async () => [NANO_X],
    });
    const u = approval(k.keyId);
    const e = await failure(other.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {}));
    expect(e.code).toBe('KEY_NOT_FOUND');
    expect(e.message).toMatch(/another key/);
  });

  it('with two Ledgers connected, derives on the one asked for and signs on the one the key was made on', async () => {
    const a = new LedgerEmulator({ mnemonic: 'legal winner thank year wave sausage worth useful legal winner thank yellow' });
    const b = new LedgerEmulator();
    const byId: Record<string, LedgerEmulator> = { 'ledger:a': a, 'ledger:b': b };
    const be = new LedgerBackend({
      store: dir,
      openTransport: async (id) => byId[id!]!,
      listDevices: async () => [
        { ...NANO_X, path: 'a' },
        { ...NANO_X, path: 'b' },
      ],
    });
    const k = await be.generate({ scheme: 'secp256k1', label: 'on b', deviceId: 'ledger:b' });
    expect(keccakAddress(fromHex(k.publicKey))).toBe(KNOWN_ADDRESS.toLowerCase());
    expect(k.deviceId).toBe('ledger:b');
    const u = approval(k.keyId);
    const sig = await be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {});
    expect(nobleVerifier.verify('secp256k1', fromHex(k.publicKey), digestForScheme('secp256k1', u), sig)).toBe(true);
    expect(a.shown).toEqual([]);
    expect(await failure(be.generate({ scheme: 'secp256k1', label: 'x', deviceId: 'ledger:c' }))).toMatchObject({ code: 'LEDGER_NOT_FOUND' });
  });

  it('attests model, app, path, public key and address read back from the device', async () => {
    const be = backendOn(new LedgerEmulator({ appVersion: '1.13.0' }));
    const k = await be.generate({ scheme: 'secp256k1', label: 'ledger' });
    const a = await be.attest(k.keyId, {});
    expect(a).toEqual({
      format: 'charter-key-attestation/v1',
      key_id: k.keyId,
      scheme: 'secp256k1',
      public_key: k.publicKey,
      backend: 'ledger',
      device: { kind: 'ledger', model: 'Ledger Nano X', app: 'Ethereum', app_version: '1.13.0', blind_signing: 'enabled' },
      key: {
        label: 'ledger',
        path: "44'/60'/0'/0/0",
        address: KNOWN_ADDRESS.toLowerCase(),
        created_at: '2026-11-22T05:00:00.000Z',
        origin: 'derived from the device seed on the device (BIP-32)',
        derived_on_device: true,
        private_key_exportable: false,
        hardware_backed: true,
      },
    });
  });

  it('works through the emulatedLedger() options other tests use, and reports the device gone when unplugged', async () => {
    const usb = emulatedLedger(new LedgerEmulator());
    const be = new LedgerBackend({ store: dir, openTransport: usb.openTransport, listDevices: usb.listDevices });
    expect(await be.devices()).toMatchObject([{ deviceId: 'ledger:emulated-ledger', state: 'ready', facts: { app: 'Ethereum', model: 'Ledger Nano X' } }]);
    const k = await be.generate({ scheme: 'secp256k1', label: 'x' });
    usb.connected = false;
    const u = approval(k.keyId);
    expect(await failure(be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {}))).toMatchObject({
      code: 'LEDGER_NOT_FOUND',
    });
  });

  it('lists USB trouble as one device in state error instead of failing the listing', async () => {
    const be = new LedgerBackend({
      store: dir,
      listDevices: async () => {
        throw new Error('HID enumeration failed');
      },
    });
    expect(await be.devices()).toMatchObject([{ deviceId: 'ledger', state: 'error', detail: expect.stringContaining('HID enumeration failed') }]);
  });

  it('reports no device as LEDGER_NOT_FOUND', async () => {
    const be = backendOn(new LedgerEmulator(), []);
    expect(await be.devices()).toEqual([]);
    expect(await failure(be.generate({ scheme: 'secp256k1', label: 'x' }))).toMatchObject({ code: 'LEDGER_NOT_FOUND' });
  });

  it('watch() reports a Ledger plugged in and out', async () => {
    const connected: LedgerDeviceDescriptor[] = [];
    const be = new LedgerBackend({ store: dir, openTransport: async () => new LedgerEmulator(), listDevices: async () => [...connected] });
    const seen: string[][] = [];
    let notify: () => void = () => {};
    const stop = be.watch((devs) => {
      seen.push(devs.map((d) => `${d.deviceId}:${d.state}`));
      notify();
    }, 5);
    const next = () => new Promise<void>((resolve) => (notify = resolve));
    try {
      let p = next();
      connected.push(NANO_X);
      await p;
      p = next();
      connected.pop();
      await p;
    } finally {
      stop();
    }
    expect(seen).toEqual([['ledger:/dev/hidraw-test:ready'], []]);
  });
});

describe('LedgerBackend defaults (real node-hid)', () => {
  it('enumerates USB HID devices with node-hid and lists only Ledgers (none, on a machine without one)', async () => {
    const be = new LedgerBackend({ store: dir });
    const list = await be.devices();
    // node-hid failing to load shows as one 'error' entry; its detail says why (e.g. libusb missing).
    expect(list.filter((d) => d.state === 'error').map((d) => d.detail)).toEqual([]);
    for (const d of list) expect(d).toMatchObject({ backend: 'ledger', facts: { vendor_id: '0x2c97' } });
    expect(await be.list()).toEqual([]);
  });
});

describe('node-hid without libusb', () => {
  // SIMULATED — a machine without libusb-1.0.so.0, once it is installed here:
  // node-hid 3's prebuilt binary is opened at its first HID.devices(), which
  // throws the dynamic loader's error. This is the error as a fresh Debian
  // gives it (message and code taken from the real one).
  const dlopenError = () =>
    Object.assign(new Error('libusb-1.0.so.0: cannot open shared object file: No such file or directory'), { code: 'ERR_DLOPEN_FAILED' });

  it('maps the loader error to the missing library and the package that brings it', () => {
    const e = hidUnavailable(dlopenError());
    expect(e.code).toBe('LEDGER_ERROR');
    expect(e.message).toContain('libusb-1.0.so.0');
    expect(e.message).toContain('libusb-1.0-0');
    expect(e.message).toContain('apt-get install libusb-1.0-0');
    expect(e.details).toEqual({ missingLibrary: 'libusb-1.0.so.0', package: 'libusb-1.0-0' });
    // Through the generic mapper as well (a transport opened while node-hid cannot load).
    expect(ledgerError(dlopenError()).message).toBe(e.message);
    // Any other load failure keeps node-hid's own message and names no package.
    const other = hidUnavailable(new Error('Module did not self-register'));
    expect(other.message).toContain('Module did not self-register');
    expect(other.message).not.toContain('libusb');
    expect(other.details).toBeUndefined();
  });

  it('shows it in the Ledger device entry (devices()): state error, detail and facts name libusb-1.0.so.0 and libusb-1.0-0', async () => {
    const be = new LedgerBackend({
      store: dir,
      listDevices: () =>
        defaultListDevices(() => ({
          devices: () => {
            throw dlopenError();
          },
        })),
    });
    const list = await be.devices();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      deviceId: 'ledger',
      backend: 'ledger',
      state: 'error',
      facts: { missing_library: 'libusb-1.0.so.0', package: 'libusb-1.0-0' },
    });
    expect(list[0]!.detail).toMatch(/libusb-1\.0\.so\.0.*not installed.*libusb-1\.0-0/);
    // A call that needs the device says the same.
    const e = await failure(be.generate({ scheme: 'secp256k1', label: 'x' }));
    expect(e.message).toBe(list[0]!.detail);
  });

  it('lists only Ledger APDU interfaces from what node-hid reports', async () => {
    const list = await defaultListDevices(() => ({
      devices: () => [
        { path: '/dev/hidraw2', vendorId: 0x2c97, productId: 0x4011, product: 'Nano X', interface: 0 },
        { path: '/dev/hidraw2', vendorId: 0x2c97, productId: 0x4011, product: 'Nano X', interface: 0 },
        { path: '/dev/hidraw3', vendorId: 0x2c97, productId: 0x4011, interface: 1 },
        { path: '/dev/hidraw1', vendorId: 0x046d, productId: 0xc52b, interface: 0 },
      ],
    }));
    expect(list).toEqual([{ path: '/dev/hidraw2', vendorId: 0x2c97, productId: 0x4011, product: 'Nano X', manufacturer: undefined }]);
  });
});

describe('Ledger on Linux without the udev rule', () => {
  // SIMULATED — the one thing that cannot exist here: a Ledger that node-hid
  // lists (vendor 0x2c97) but this user may not open. The listing and the open
  // function are injected; the open fails the way node-hid does without the rule.
  const denied = () =>
    new LedgerBackend({
      store: dir,
      platform: 'linux',
      listDevices: async () => [NANO_X],
      openTransport: async () => {
        throw Object.assign(new Error('cannot open device with path /dev/hidraw-test'), { code: 'EACCES' });
      },
    });

  it('reports LEDGER_NO_PERMISSION with the fix, in calls and in devices()', async () => {
    const e = await failure(denied().generate({ scheme: 'secp256k1', label: 'x' }));
    expect(e.code).toBe('LEDGER_NO_PERMISSION');
    expect(e.message).toContain('resources/udev/20-hw1.rules');
    expect(e.message).toContain('udevadm');
    const [d] = await denied().devices();
    expect(d).toMatchObject({ state: 'no-permission', facts: { vendor_id: '0x2c97' } });
    expect(d!.detail).toContain('udevadm');
  });

  it('shows the rule where the packaged app keeps it, when told', async () => {
    const be = new LedgerBackend({
      store: dir,
      platform: 'linux',
      udevRulePath: '/opt/Charter Console/resources/udev/20-hw1.rules',
      listDevices: async () => [NANO_X],
      openTransport: async () => {
        throw new Error('cannot open device with path /dev/hidraw-test');
      },
    });
    const e = await failure(be.generate({ scheme: 'secp256k1', label: 'x' }));
    expect(e).toMatchObject({
      code: 'LEDGER_NO_PERMISSION',
      message: expect.stringContaining("sudo cp '/opt/Charter Console/resources/udev/20-hw1.rules' /etc/udev/rules.d/20-hw1.rules"),
    });
  });

  it("ships a udev rule for Ledger's vendor id", () => {
    const rules = fs
      .readFileSync(path.join(ROOT, 'resources/udev/20-hw1.rules'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(rules.length).toBeGreaterThan(0);
    for (const l of rules) expect(l).toMatch(/^(SUBSYSTEMS=="usb"|KERNEL=="hidraw\*"), ATTRS\{idVendor\}=="2c97", MODE="0660", TAG\+="uaccess"/);
  });
});

describe('Ledger: full EIP-712 (struct definitions and values streamed; the device hashes and shows them)', () => {
  const offlineEth = (t: Transport) => new Eth(t, undefined, { ...LEDGER_OFFLINE_CONFIG });
  type Field = Extract<Shown, { screen: 'eip712-field' }>;
  const fieldsOf = (emu: LedgerEmulator, root?: string): Array<[string, string, string]> =>
    emu.shown.filter((x): x is Field => x.screen === 'eip712-field' && (!root || x.root === root)).map((x) => [x.root, x.path, x.value]);
  const create = (signer: string, memo: string): UnsignedEnvelope<'withdrawal.create'> => ({
    version: 1,
    chain_id: 'charter-devnet',
    type: 'withdrawal.create',
    body: { vault_id: 'cold', asset: 'BTC', amount: '300.25', destination: 'bc1qexampledestination', memo },
    signer,
    nonce: 9,
    expires_at: 4000,
  });
  const saltOf = (chain: string) => '0x' + toHex(keccak_256(new TextEncoder().encode(chain)));

  // EIP-712's own example (eips.ethereum.org/EIPS/eip-712, "Mail"), with the hashes the specification publishes.
  const MAIL = {
    domain: { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
        { name: 'verifyingContract', type: 'address' },
      ],
      Person: [
        { name: 'name', type: 'string' },
        { name: 'wallet', type: 'address' },
      ],
      Mail: [
        { name: 'from', type: 'Person' },
        { name: 'to', type: 'Person' },
        { name: 'contents', type: 'string' },
      ],
    },
    primaryType: 'Mail',
    message: {
      from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
      to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
      contents: 'Hello, Bob!',
    },
  };

  it("the emulator hashes EIP-712's Mail example to the specification's published hashes, and shows its fields", async () => {
    const emu = new LedgerEmulator({ screen: 'wallet', blindSigning: false, rawMessages: true });
    const sig = await offlineEth(emu).signEIP712Message("44'/60'/0'/0/0", MAIL);
    expect(emu.lastEip712).toEqual({
      domainHash: 'f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f',
      messageHash: 'c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e',
      digest: 'be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2',
    });
    const recovered = new secp256k1.Signature(BigInt('0x' + sig.r), BigInt('0x' + sig.s))
      .addRecoveryBit(sig.v - 27)
      .recoverPublicKey(fromHex('be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2'));
    expect(keccakAddress(recovered.toBytes(true))).toBe(KNOWN_ADDRESS.toLowerCase());
    expect(fieldsOf(emu)).toEqual([
      ['EIP712Domain', 'name', 'Ether Mail'],
      ['EIP712Domain', 'version', '1'],
      ['EIP712Domain', 'chainId', '1'],
      ['EIP712Domain', 'verifyingContract', '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC'],
      ['Mail', 'from.name', 'Cow'],
      ['Mail', 'from.wallet', '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826'],
      ['Mail', 'to.name', 'Bob'],
      ['Mail', 'to.wallet', '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB'],
      ['Mail', 'contents', 'Hello, Bob!'],
    ]);
    // The struct definitions went first (E0 1A), then the values (E0 1C), then SIGN full (E0 0C 00 01).
    const ins = emu.log.map((x) => x.apdu.slice(0, 8)).filter((x) => x.startsWith('e0'));
    expect(ins.indexOf('e01a0000')).toBeLessThan(ins.indexOf('e01c0000'));
    expect(ins.at(-1)).toBe('e00c0001');
  });

  it('the emulator, the engine (core/tx/eip712.ts) and ethers agree on every EIP-712 type: ints of each sign and size, bool, bytes, bytesN, nested struct arrays, fixed arrays, empty arrays, long UTF-8 strings', async () => {
    const legs = [
      { who: '0x' + '11'.repeat(20), amount: '340282366920938463463374607431768211455', tags: ['a', 'b'], value: { units: 7, asset: 'BTC' } },
      { who: '0x' + 'fe'.repeat(20), amount: 0, tags: [], value: { units: 0, asset: '' } },
    ];
    const typed = {
      domain: { name: 'Rich', version: '2', chainId: 5, verifyingContract: '0x' + '22'.repeat(20), salt: '0x' + 'ab'.repeat(32) },
      types: {
        EIP712Domain: [
          { name: 'name', type: 'string' },
          { name: 'version', type: 'string' },
          { name: 'chainId', type: 'uint256' },
          { name: 'verifyingContract', type: 'address' },
          { name: 'salt', type: 'bytes32' },
        ],
        Leg: [
          { name: 'who', type: 'address' },
          { name: 'amount', type: 'uint128' },
          { name: 'tags', type: 'string[]' },
          { name: 'value', type: 'Amount' },
        ],
        // Referred to in the order Leg, Amount, Fee: encodeType must list them sorted (Amount, Fee, Leg).
        Amount: [
          { name: 'units', type: 'uint256' },
          { name: 'asset', type: 'string' },
        ],
        Fee: [
          { name: 'payer', type: 'address' },
          { name: 'amount', type: 'Amount' },
        ],
        Order: [
          { name: 'id', type: 'uint64' },
          { name: 'delta', type: 'int32' },
          { name: 'neg', type: 'int8' },
          { name: 'pos', type: 'int16' },
          { name: 'ok', type: 'bool' },
          { name: 'no', type: 'bool' },
          { name: 'blob', type: 'bytes' },
          { name: 'sel', type: 'bytes4' },
          { name: 'legs', type: 'Leg[]' },
          { name: 'fee', type: 'Fee' },
          { name: 'pair', type: 'uint16[2]' },
          { name: 'empty', type: 'string[]' },
          { name: 'note', type: 'string' },
          { name: 'long', type: 'string' },
        ],
      },
      primaryType: 'Order',
      message: {
        id: 42,
        delta: -70000,
        neg: -1,
        pos: 200,
        ok: true,
        no: false,
        blob: '0xdeadbeef00',
        sel: '0x12345678',
        legs,
        fee: { payer: '0x' + '33'.repeat(20), amount: { units: 5, asset: 'ETH' } },
        pair: [1, 65535],
        empty: [],
        note: 'é ✓ ünïcode',
        long: 'x'.repeat(600),
      },
    };
    const emu = new LedgerEmulator({ screen: 'wallet' });
    await offlineEth(emu).signEIP712Message("44'/60'/0'/0/0", typed);
    const { EIP712Domain: _d, ...structs } = typed.types;
    const ethersDigest = _TypedDataEncoder.hash(typed.domain, structs, typed.message) as string;
    const engineDigest = toHex(typedDataDigest(typed.domain, typed.types, 'Order', typed.message));
    expect(emu.lastEip712!.digest).toBe(ethersDigest.slice(2));
    expect(emu.lastEip712!.digest).toBe(engineDigest);
    expect(emu.lastEip712!.domainHash).toBe((_TypedDataEncoder.hashDomain(typed.domain) as string).slice(2));
    // The 600-byte string went in several APDUs (P1 01 = more to come).
    expect(emu.log.some((x) => x.apdu.startsWith('e01c01ff'))).toBe(true);
    const shown = Object.fromEntries(fieldsOf(emu, 'Order').map(([, p, v]) => [p, v]));
    expect(shown).toMatchObject({
      id: '42',
      delta: '-70000',
      neg: '-1',
      pos: '200',
      ok: 'true',
      no: 'false',
      blob: '0xdeadbeef00',
      sel: '0x12345678',
      'legs.[].amount': '0',
      'legs.[].value.asset': '',
      'fee.amount.units': '5',
      'pair.[]': '65535',
      note: 'é ✓ ünïcode',
      long: 'x'.repeat(600),
    });
    // A different value gives a different digest (the comparison can fail).
    const emu2 = new LedgerEmulator({ screen: 'wallet' });
    await offlineEth(emu2).signEIP712Message("44'/60'/0'/0/0", { ...typed, message: { ...typed.message, neg: -2 } });
    expect(emu2.lastEip712!.digest).not.toBe(emu.lastEip712!.digest);
  });

  it("signs an approval in the full form: a Nano with Raw messages shows the domain and every field of the request; the engine's digest, nothing hashed-only", async () => {
    const emu = new LedgerEmulator({ rawMessages: true, blindSigning: false });
    const be = backendOn(emu);
    const k = await be.generate({ scheme: 'secp256k1', label: 'ledger' });
    const u = approval(k.keyId);
    const signed = await signEnvelopeFor('secp256k1', u, (digest) => be.sign(k.keyId, { scheme: 'secp256k1', digest, envelope: u }, {}));
    expect(verifyEnvelope(nobleVerifier, signed, { scheme: 'secp256k1', public_key: k.publicKey })).toBe(true);
    expect(verifyEnvelope(nativeVerifier, signed, { scheme: 'secp256k1', public_key: k.publicKey })).toBe(true);
    expect(fieldsOf(emu)).toEqual([
      ['EIP712Domain', 'name', 'Charter Custody'],
      ['EIP712Domain', 'version', '1'],
      ['EIP712Domain', 'salt', saltOf('charter-devnet')],
      ['WithdrawalApprove', 'request_id', 'ab'.repeat(32)],
      ['WithdrawalApprove', 'chain_id', 'charter-devnet'],
      ['WithdrawalApprove', 'signer', k.keyId],
      ['WithdrawalApprove', 'nonce', '3'],
      ['WithdrawalApprove', 'expires_at', '1200'],
      ['WithdrawalApprove', 'version', '1'],
    ]);
    const h = envelopeEip712(u);
    expect(emu.lastEip712).toEqual({ domainHash: toHex(h.domainSeparator), messageHash: toHex(h.structHash), digest: toHex(eip712Digest(u)) });
    expect(emu.log.some((x) => x.apdu.startsWith('e00c0000'))).toBe(false); // no hashed-form signing
    expect(emu.log.filter((x) => x.apdu.startsWith('e00c0001'))).toHaveLength(1);
    expect(emu.shown.some((x) => x.screen === 'eip712-hash' || x.screen === 'eip712')).toBe(false);
  });

  it('a withdrawal request shows its vault, asset, amount, destination and memo on a Stax', async () => {
    const emu = new LedgerEmulator({ screen: 'wallet' });
    const be = backendOn(emu);
    const k = await be.generate({ scheme: 'secp256k1', label: 'ledger' });
    const u = create(k.keyId, 'payout to the exchange');
    const sig = await be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {});
    expect(nobleVerifier.verify('secp256k1', fromHex(k.publicKey), digestForScheme('secp256k1', u), sig)).toBe(true);
    expect(fieldsOf(emu, 'WithdrawalCreate')).toEqual([
      ['WithdrawalCreate', 'amount', '300.25'],
      ['WithdrawalCreate', 'asset', 'BTC'],
      ['WithdrawalCreate', 'destination', 'bc1qexampledestination'],
      ['WithdrawalCreate', 'memo', 'payout to the exchange'],
      ['WithdrawalCreate', 'vault_id', 'cold'],
      ['WithdrawalCreate', 'chain_id', 'charter-devnet'],
      ['WithdrawalCreate', 'signer', k.keyId],
      ['WithdrawalCreate', 'nonce', '9'],
      ['WithdrawalCreate', 'expires_at', '4000'],
      ['WithdrawalCreate', 'version', '1'],
    ]);
  });

  it('a Nano without Raw messages (Blind signing on) shows the domain and the message hash, as the app does for typed data without filters', async () => {
    const emu = new LedgerEmulator();
    const be = backendOn(emu);
    const k = await be.generate({ scheme: 'secp256k1', label: 'ledger' });
    const u = approval(k.keyId);
    const sig = await be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {});
    expect(nobleVerifier.verify('secp256k1', fromHex(k.publicKey), digestForScheme('secp256k1', u), sig)).toBe(true);
    expect(fieldsOf(emu).map(([root]) => root)).toEqual(['EIP712Domain', 'EIP712Domain', 'EIP712Domain']);
    expect(emu.shown.filter((x) => x.screen === 'eip712-hash')).toEqual([{ screen: 'eip712-hash', messageHash: toHex(envelopeEip712(u).structHash) }]);
  });

  it('a refusal in the middle of the stream is LEDGER_USER_REJECTED: the rest is not sent, nothing is signed, and the next request starts afresh', async () => {
    const emu = new LedgerEmulator({ rawMessages: true, rejectOnField: 'nonce' });
    const be = backendOn(emu);
    const k = await be.generate({ scheme: 'secp256k1', label: 'ledger' });
    const u = approval(k.keyId);
    const e = await failure(be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {}));
    expect(e.code).toBe('LEDGER_USER_REJECTED');
    expect(fieldsOf(emu, 'WithdrawalApprove').map(([, p]) => p)).toEqual(['request_id', 'chain_id', 'signer', 'nonce']);
    expect(emu.log.at(-1)!.apdu.startsWith('e01c00ff')).toBe(true);
    expect(emu.log.at(-1)!.response).toBe('6985');
    expect(emu.log.some((x) => x.apdu.startsWith('e00c'))).toBe(false);
    expect(emu.lastEip712).toBeUndefined();
    emu.rejectOnField = undefined;
    expect(await be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {})).toHaveLength(64);
    expect(emu.lastEip712?.digest).toBe(toHex(eip712Digest(u)));
  });

  it("a device that hashed other data than the engine's is caught: the signature is refused (LEDGER_ERROR), not returned", async () => {
    // One value is altered on its way to the device (nonce 3 → 4): the device signs the digest of what it received.
    class Altering extends LedgerEmulator {
      override async exchange(apdu: Buffer): Promise<Buffer> {
        return super.exchange(apdu.toString('hex') === 'e01c00ff03000103' ? Buffer.from('e01c00ff03000104', 'hex') : apdu);
      }
    }
    const emu = new Altering({ rawMessages: true });
    const be = backendOn(emu);
    const k = await be.generate({ scheme: 'secp256k1', label: 'ledger' });
    const u = approval(k.keyId);
    const e = await failure(be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {}));
    expect(e.code).toBe('LEDGER_ERROR');
    expect(e.message).toMatch(/does not recover/);
    expect(emu.lastEip712?.digest).toBe(toHex(eip712Digest({ ...u, nonce: 4 })));
    expect(emu.lastEip712?.digest).not.toBe(toHex(eip712Digest(u)));
  });

  it('an app before 1.9.19 gets the hashed form, with Blind signing on; without it, LEDGER_BLIND_SIGNING_DISABLED says to update the app', async () => {
    const emu = new LedgerEmulator({ appVersion: '1.9.18' });
    const be = backendOn(emu);
    const k = await be.generate({ scheme: 'secp256k1', label: 'ledger' });
    expect((await be.devices())[0]!.detail).toMatch(/update it to 1\.9\.19/);
    const u = approval(k.keyId);
    const sig = await be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {});
    expect(nobleVerifier.verify('secp256k1', fromHex(k.publicKey), digestForScheme('secp256k1', u), sig)).toBe(true);
    expect(emu.log.some((x) => x.apdu.startsWith('e01a') || x.apdu.startsWith('e01c'))).toBe(false);
    const h = envelopeEip712(u);
    expect(emu.shown.at(-1)).toEqual({ screen: 'eip712', path: "44'/60'/0'/0/0", domainSeparator: toHex(h.domainSeparator), messageHash: toHex(h.structHash) });
    emu.blindSigning = false;
    const before = emu.log.length;
    const e = await failure(be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {}));
    expect(e).toMatchObject({ code: 'LEDGER_BLIND_SIGNING_DISABLED', message: expect.stringMatching(/1\.9\.19.*Blind signing/) });
    expect(emu.log.slice(before).some((x) => x.apdu.startsWith('e00c'))).toBe(false);
  });

  it('an app that answers "INS not supported" to the struct commands gets the hashed form (Blind signing on)', async () => {
    const emu = new LedgerEmulator({ eip712Full: false });
    const be = backendOn(emu);
    const k = await be.generate({ scheme: 'secp256k1', label: 'ledger' });
    const u = approval(k.keyId);
    const sig = await be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {});
    expect(nobleVerifier.verify('secp256k1', fromHex(k.publicKey), digestForScheme('secp256k1', u), sig)).toBe(true);
    expect(emu.log.find((x) => x.apdu.startsWith('e01a'))?.response).toBe('6d00');
    expect(emu.log.at(-1)!.apdu.startsWith('e00c0000')).toBe(true);
  });

  it("a value of a length hw-app-eth cuts short (254 bytes) goes by the hashed form; the library's defect is shown directly", async () => {
    const note = (text: string) => ({
      domain: { name: 'N' },
      types: { EIP712Domain: [{ name: 'name', type: 'string' }], Note: [{ name: 'text', type: 'string' }] },
      primaryType: 'Note',
      message: { text },
    });
    // Directly: 2 + 254 bytes are sent as one 255-byte APDU marked complete; the device finds the value short (6a80).
    const raw = await offlineEth(new LedgerEmulator({ screen: 'wallet' }))
      .signEIP712Message("44'/60'/0'/0/0", note('a'.repeat(254)))
      .catch((x: unknown) => x);
    expect((raw as { statusCode?: number }).statusCode).toBe(0x6a80);
    await expect(offlineEth(new LedgerEmulator({ screen: 'wallet' })).signEIP712Message("44'/60'/0'/0/0", note('a'.repeat(253)))).resolves.toMatchObject({
      r: expect.any(String),
    });
    const emu = new LedgerEmulator({ screen: 'wallet' });
    const be = backendOn(emu);
    const k = await be.generate({ scheme: 'secp256k1', label: 'ledger' });
    expect(fullEip712Obstacle(envelopeTypedData(create(k.keyId, 'm'.repeat(253))))).toBeUndefined();
    expect(fullEip712Obstacle(envelopeTypedData(create(k.keyId, 'm'.repeat(600))))).toBeUndefined();
    expect(fullEip712Obstacle(envelopeTypedData(create(k.keyId, 'm'.repeat(254))))).toMatch(/message\.memo is 254 bytes/);
    const u = create(k.keyId, 'm'.repeat(254));
    const sig = await be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {});
    expect(nobleVerifier.verify('secp256k1', fromHex(k.publicKey), digestForScheme('secp256k1', u), sig)).toBe(true);
    expect(emu.log.some((x) => x.apdu.startsWith('e01a'))).toBe(false);
    expect(emu.log.at(-1)!.apdu.startsWith('e00c0000')).toBe(true);
    emu.blindSigning = false;
    expect(await failure(be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {}))).toMatchObject({
      code: 'LEDGER_BLIND_SIGNING_DISABLED',
    });
  });

  it('makes no network call: hw-app-eth gets a loadConfig with every service off (networking is cut in this test, and watched)', async () => {
    const attempts: string[] = [];
    const original = net.Socket.prototype.connect;
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      const o = args[0] as { host?: string; path?: string } | string | number;
      attempts.push(typeof o === 'object' && o ? String(o.host ?? o.path) : `${String(args[1] ?? '')}:${String(o)}`);
      process.nextTick(() => this.destroy(new Error('networking is unavailable in this test')));
      return this;
    } as typeof original;
    try {
      const emu = new LedgerEmulator({ rawMessages: true });
      const be = backendOn(emu);
      const k = await be.generate({ scheme: 'secp256k1', label: 'ledger' });
      const u = approval(k.keyId);
      expect(await be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {})).toHaveLength(64);
      expect(emu.lastEip712?.digest).toBe(toHex(eip712Digest(u)));
      expect(attempts).toEqual([]);
      // Control: hw-app-eth with its default configuration does try to reach Ledger's services.
      await new Eth(new LedgerEmulator()).signEIP712Message("44'/60'/0'/0/0", envelopeTypedData(u));
      expect(attempts.some((h) => /ledger\.com$/.test(h))).toBe(true);
    } finally {
      net.Socket.prototype.connect = original;
    }
  });
});

describe('Ledger: recorded exchanges replayed through hw-app-eth and LedgerBackend', () => {
  const text = () =>
    fs
      .readFileSync(FIXTURE, 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');

  it('replays get-address and EIP-712 signing; the address and the signature check out independently', async () => {
    const store = RecordStore.fromString(text());
    const replayer = await openTransportReplayer(store);
    const be = backendOn(replayer);
    const k = await be.generate({ scheme: 'secp256k1', label: 'replayed' });
    expect(keccakAddress(fromHex(k.publicKey))).toBe(KNOWN_ADDRESS.toLowerCase());
    const u = approval(k.keyId);
    const signed = await signEnvelopeFor('secp256k1', u, (digest) => be.sign(k.keyId, { scheme: 'secp256k1', digest, envelope: u }, {}));
    expect(verifyEnvelope(nobleVerifier, signed, { scheme: 'secp256k1', public_key: k.publicKey })).toBe(true);
    expect(verifyEnvelope(nativeVerifier, signed, { scheme: 'secp256k1', public_key: k.publicKey })).toBe(true);
    store.ensureQueueEmpty();
    // The recording is of the full form: definitions, values, then SIGN with P2 01; no hashed-form SIGN.
    expect(text()).toMatch(/^=> e01a0000/m);
    expect(text()).toMatch(/^=> e01c00ff/m);
    expect(text()).toMatch(/^=> e00c0001/m);
    expect(text()).not.toMatch(/^=> e00c0000/m);
  });

  it('a replay that diverges from the recording (another path) fails, so the recording pins the APDU bytes', async () => {
    const be = backendOn(await openTransportReplayer(RecordStore.fromString(text())));
    await expect(be.generate({ scheme: 'secp256k1', label: 'x', path: "44'/60'/0'/0/1" })).rejects.toThrow();
  });

  // Regenerate with CHARTER_UPDATE_LEDGER_FIXTURE=1. Without a real device on
  // the test machine, the recording is of the emulator (the file says so).
  if (process.env['CHARTER_UPDATE_LEDGER_FIXTURE'] === '1') {
    it('records the fixture', async () => {
      const store = new RecordStore();
      const Recording = createTransportRecorder(new LedgerEmulator(), store);
      const rec = new Recording(new LedgerEmulator());
      const be = backendOn(rec);
      const k = await be.generate({ scheme: 'secp256k1', label: 'replayed' });
      const u = approval(k.keyId);
      await be.sign(k.keyId, { scheme: 'secp256k1', digest: digestForScheme('secp256k1', u), envelope: u }, {});
      const header = [
        '# APDU exchanges (=> to the device, <= its answer with status word) of LedgerBackend.generate',
        "# (44'/60'/0'/0/0, shown on device) and LedgerBackend.sign of a withdrawal.approve envelope",
        '# (EIP-712 full form: struct definitions E0 1A, values E0 1C, then SIGN E0 0C 00 01), replayed by',
        '# tests/unit/ledger.test.ts with @ledgerhq/hw-transport-mocker.',
        '# Recorded from tests/support/ledger-emulator.ts (standard test mnemonic), for want of a real device on test machines.',
      ];
      fs.writeFileSync(FIXTURE, header.join('\n') + '\n' + store.toString());
    });
  }
});

describe('appVersionAtLeast', () => {
  it('compares app versions numerically (1.10 is after 1.9), and an unreadable version counts as old', () => {
    expect(appVersionAtLeast('1.10.0', '1.9.19')).toBe(true);
    expect(appVersionAtLeast('1.9.19', '1.9.19')).toBe(true);
    expect(appVersionAtLeast('1.9.18', '1.9.19')).toBe(false);
    expect(appVersionAtLeast('2.0.0-rc1', '1.9.19')).toBe(true);
    expect(appVersionAtLeast('0.99.99', '1.9.19')).toBe(false);
    expect(appVersionAtLeast('unknown', '1.9.19')).toBe(false);
  });
});

describe('normaliseLedgerPath', () => {
  it('accepts BIP-44 Ethereum account paths and refuses others', () => {
    expect(normaliseLedgerPath("m/44'/60'/2'/0/5")).toBe("44'/60'/2'/0/5");
    for (const bad of ["44'/60'/0'/0", '44/60/0/0/0', "44'/60'/0'/0/2147483648", "44'/60'/00'/0/0", ''])
      expect(() => normaliseLedgerPath(bad)).toThrow(CharterError);
  });
});

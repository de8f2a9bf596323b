/**
 * Ledger hardware wallets running the Ethereum app: secp256k1 keys derived
 * from the device's seed, on the device, on a chosen BIP-44 path; signatures
 * over the engine's EIP-712 digest. The device is sent the envelope's typed
 * data itself (core/tx/eip712.ts envelopeTypedData: struct definitions, then
 * every value, through @ledgerhq/hw-app-eth's signEIP712Message, SIGN ETH EIP
 * 712 "full" form), so it can show the request's fields and hashes them
 * itself; the signature must verify for the engine's digest of the envelope,
 * so what the device hashed is what the engine verifies. The "hashed" form
 * (domain separator and struct hash only) is a fallback for an app that
 * cannot take the full form, and needs the app's Blind signing setting.
 *
 * No network: hw-app-eth would ask Ledger's services for "filters" (display
 * names signed by Ledger for known contracts) and ERC-20 data; this backend
 * gives it a loadConfig with every service URL null (LEDGER_OFFLINE_CONFIG).
 *
 * The device never gives out a private key: what this backend remembers about
 * a key (path, public key, address, label) are public facts, kept in a JSON
 * file (`store`).
 *
 * Transport: @ledgerhq/hw-transport-node-hid by default, any
 * @ledgerhq/hw-transport Transport by injection (tests use an emulator of the
 * Ethereum app and recorded exchanges). Device errors become stable codes:
 *   LEDGER_NOT_FOUND      no device, or it went away
 *   LEDGER_NO_PERMISSION  visible but cannot be opened (Linux: the udev rule is missing)
 *   LEDGER_LOCKED         the device is locked (status 0x5515, or 0x6b0c / 0x6982 / 0x6804 on older firmware)
 *   LEDGER_WRONG_APP      another app (or the dashboard) is open: GET_APP_AND_VERSION names it,
 *                         or the app answers CLA/INS not supported (0x6e00 / 0x6e01 / 0x6d00 / 0x6511)
 *   LEDGER_USER_REJECTED  the user refused on the device (0x6985)
 *   LEDGER_BLIND_SIGNING_DISABLED  the app refused typed data without filters (0x6a80) while
 *                         its "Blind signing" setting is off (GET APP CONFIGURATION bit 0) —
 *                         it needs "Raw messages" or "Blind signing" — or the hashed
 *                         fallback is needed and Blind signing is off
 *   LEDGER_ERROR          any other status word, which the message names; or node-hid
 *                         could not load (hidUnavailable: a missing libusb-1.0.so.0 is
 *                         named with the package libusb-1.0-0)
 * One request at a time per device (DeviceQueue).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as HwTransport from '@ledgerhq/hw-transport';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesEqual, fromHex, keyIdOf, toHex } from '../core/codec/index.js';
import { verifyEcdsa } from '../core/crypto/ecdsa.js';
import { CharterError, type ErrorCode } from '../core/errors.js';
import { envelopeEip712, envelopeTypedData } from '../core/tx/eip712.js';
import { writeFileAtomic } from '../base/node/files.js';
import {
  DeviceQueue,
  type AttestationRecord,
  type DeviceInfo,
  type GenerateOptions,
  type KeyBackend,
  type KeyInfo,
  type SignRequest,
  type Unlock,
} from './types.js';

// The @ledgerhq packages' ESM builds (lib-es) do not load under Node's ESM
// resolver (extensionless imports), so their CommonJS builds are required.
const require = createRequire(import.meta.url);

/** A @ledgerhq/hw-transport Transport (TransportNodeHid, a replayer, the tests' emulator). */
export type Transport = HwTransport.default;

/** Ledger's USB vendor id (all models). */
export const LEDGER_VENDOR_ID = 0x2c97;
/** The path a Ledger key is derived on when none is chosen: Ethereum's first account. */
export const DEFAULT_LEDGER_PATH = "44'/60'/0'/0/0";
/** Where the udev rule ships, relative to the app's resources directory. */
export const LEDGER_UDEV_RULE = 'resources/udev/20-hw1.rules';
const STORE_FORMAT = 'charter-ledger-keys/v1';
const ETHEREUM_APP = 'Ethereum';
/** The first Ethereum app version with the full EIP-712 protocol (SEND STRUCT DEFINITION / IMPLEMENTATION). */
export const FULL_EIP712_MIN_VERSION = '1.9.19';

/**
 * hw-app-eth's loadConfig with every network source off: no CAL service
 * (EIP-712 filters, contract names), no crypto-assets CDN (ERC-20
 * signatures), no plugin or NFT services. Charter's typed data has no
 * Ledger-signed filters anyway, and the console must not call out.
 */
export const LEDGER_OFFLINE_CONFIG = Object.freeze({
  calServiceURL: null,
  cryptoassetsBaseURL: null,
  nftExplorerBaseURL: null,
  pluginBaseURL: null,
  extraPlugins: null,
  staticERC20Signatures: null,
  staticEIP712SignaturesV1: null,
  staticEIP712SignaturesV2: null,
});

/** A Ledger as the USB/HID layer lists it (node-hid's HID.devices() fields we use). */
export interface LedgerDeviceDescriptor {
  /** The HID path, which TransportNodeHid.open takes. */
  path: string;
  vendorId: number;
  productId: number;
  product?: string;
  manufacturer?: string;
}

export interface LedgerBackendOptions {
  /** A JSON file (…/name.json) or a directory (then <dir>/ledger-keys.json) where the keys' public facts are kept. */
  store: string;
  /** Opens a transport to the device (default: TransportNodeHid.open(HID path), or the first Ledger). */
  openTransport?: (deviceId?: string) => Promise<Transport>;
  /** Lists the Ledgers on USB (default: node-hid's HID.devices() with Ledger's vendor id). */
  listDevices?: () => Promise<LedgerDeviceDescriptor[]>;
  clock?: () => Date;
  /** For the no-permission message (default: process.platform). */
  platform?: NodeJS.Platform;
  /** Where the shipped udev rule is, as the no-permission message shows it (default: resources/udev/20-hw1.rules; the packaged app passes its resources path). */
  udevRulePath?: string;
}

interface StoredKey {
  key_id: string;
  label: string;
  scheme: 'secp256k1';
  public_key: string;
  address: string;
  path: string;
  device_id: string;
  device_model: string;
  created_at: string;
}
interface StoreFile {
  format: typeof STORE_FORMAT;
  keys: StoredKey[];
}

interface EthApp {
  getAddress(path: string, boolDisplay?: boolean, boolChaincode?: boolean): Promise<{ publicKey: string; address: string; chainCode?: string }>;
  getAppConfiguration(): Promise<{ version: string; arbitraryDataEnabled: number }>;
  signEIP712HashedMessage(path: string, domainSeparatorHex: string, hashStructMessageHex: string): Promise<{ v: number; r: string; s: string }>;
  signEIP712Message(path: string, typedData: EnvelopeTypedData, fullImplem?: boolean): Promise<{ v: number; r: string; s: string }>;
}

type EnvelopeTypedData = ReturnType<typeof envelopeTypedData>;

/** "1.10.3" ≥ "1.9.19", numerically; a version that does not parse counts as old. */
export function appVersionAtLeast(version: string, min: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const a = m.slice(1, 4).map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}

/**
 * Why the typed data cannot go through hw-app-eth's full EIP-712 flow, or
 * undefined if it can. @ledgerhq/hw-app-eth (7.x) cuts a value into APDUs of
 * 255 bytes but counts them by 256, so a value whose 2-byte length + bytes is
 * in (255·k, 256·k] loses its last bytes (the device then refuses it), and it
 * sends an array's length in one byte (at most 255 elements).
 */
export function fullEip712Obstacle(td: EnvelopeTypedData): string | undefined {
  const walk = (type: string, value: unknown, where: string): string | undefined => {
    const arr = /^(.*)\[(\d*)\]$/.exec(type);
    if (arr) {
      if (!Array.isArray(value)) return undefined;
      if (value.length > 255) return `${where} has ${value.length} elements (the APDU carries at most 255)`;
      for (let i = 0; i < value.length; i++) {
        const r = walk(arr[1]!, value[i], `${where}[${i}]`);
        if (r) return r;
      }
      return undefined;
    }
    const fields = td.types[type];
    if (fields) {
      for (const f of fields) {
        const r = walk(f.type, (value as Record<string, unknown>)?.[f.name], `${where}.${f.name}`);
        if (r) return r;
      }
      return undefined;
    }
    let n: number | undefined;
    if (type === 'string' && typeof value === 'string') n = Buffer.byteLength(value, 'utf8');
    else if (type === 'bytes' && typeof value === 'string') n = Math.max(0, (value.length - 2) >> 1);
    if (n === undefined) return undefined;
    const total = n + 2;
    if (total > 0xffff) return `${where} is ${n} bytes long (the APDU carries at most 65533)`;
    if (255 * Math.ceil(total / 256) < total) return `${where} is ${n} bytes long, a length @ledgerhq/hw-app-eth cuts short when it splits it into APDUs`;
    return undefined;
  };
  return walk('EIP712Domain', td.domain, 'domain') ?? walk(td.primaryType, td.message, 'message');
}

/** The fix for a Ledger Linux will not let us open, shown in LEDGER_NO_PERMISSION. */
export function udevFix(rulePath: string = LEDGER_UDEV_RULE): string {
  return (
    `install Ledger's udev rule and replug the device: ` +
    `sudo cp ${/[^\w./-]/.test(rulePath) ? `'${rulePath.replace(/'/g, `'\\''`)}'` : rulePath} /etc/udev/rules.d/20-hw1.rules && sudo udevadm control --reload-rules && sudo udevadm trigger` +
    ` (the rule grants the logged-in user access to USB devices of vendor 2c97; see docs/keys-and-devices.md, "Ledger")`
  );
}

function isPermissionError(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown };
  return err?.code === 'EACCES' || err?.code === 'EPERM' || /EACCES|EPERM|cannot open device|permission denied|access denied/i.test(String(err?.message ?? ''));
}

function statusWord(e: unknown): number | undefined {
  const sc = (e as { statusCode?: unknown })?.statusCode;
  return typeof sc === 'number' ? sc : undefined;
}

const LOCKED_STATUS = new Set([0x5515, 0x6b0c, 0x6982, 0x6804]);
const WRONG_APP_STATUS = new Set([0x6e00, 0x6e01, 0x6d00, 0x6511]);

/** A Ledger error (status word, transport error) as a CharterError with a stable code. CharterErrors pass through. */
export function ledgerError(e: unknown, platform: NodeJS.Platform = process.platform, udevRulePath: string = LEDGER_UDEV_RULE): CharterError {
  if (e instanceof CharterError) return e;
  const sw = statusWord(e);
  const hex = sw === undefined ? '' : ` (status 0x${sw.toString(16).padStart(4, '0')})`;
  const make = (code: ErrorCode, msg: string) => new CharterError(code, msg, sw === undefined ? undefined : { statusWord: sw });
  if (sw !== undefined) {
    if (LOCKED_STATUS.has(sw) || (e as Error).name === 'LockedDeviceError')
      return make('LEDGER_LOCKED', `the Ledger is locked${hex}: unlock it with its PIN and open the Ethereum app`);
    if (WRONG_APP_STATUS.has(sw)) return make('LEDGER_WRONG_APP', `the Ledger is not running the Ethereum app${hex}: open the Ethereum app on the device`);
    if (sw === 0x6985) return make('LEDGER_USER_REJECTED', `the request was rejected on the Ledger${hex}; nothing was signed`);
    return make('LEDGER_ERROR', `the Ledger answered with an error${hex}: ${(e as Error).message}`);
  }
  const err = e as { name?: string; id?: string; message?: string };
  if (/libusb/i.test(String(err?.message ?? ''))) return hidUnavailable(e);
  if (isPermissionError(e)) {
    return new CharterError(
      'LEDGER_NO_PERMISSION',
      platform === 'linux'
        ? `the Ledger is connected but this user may not open it; ${udevFix(udevRulePath)}`
        : `the Ledger is connected but cannot be opened (${err.message}); close other apps using it (Ledger Live) and replug it`,
    );
  }
  if (
    err?.name === 'DisconnectedDevice' ||
    err?.name === 'DisconnectedDeviceDuringOperation' ||
    err?.id === 'NoDevice' ||
    err?.id === 'NoDeviceFound' ||
    /no ?device|not found|disconnected/i.test(String(err?.message ?? ''))
  )
    return new CharterError('LEDGER_NOT_FOUND', `no Ledger is connected (${err.message ?? err.name}): plug it in, unlock it and open the Ethereum app`);
  return new CharterError('LEDGER_ERROR', `Ledger: ${err?.message ?? String(e)}`);
}

/** BIP-44 path of an Ethereum account, "44'/60'/a'/b/c" (a leading "m/" is dropped); INVALID_INPUT otherwise. */
export function normaliseLedgerPath(p: string): string {
  const s = String(p).trim().replace(/^m\//, '');
  const m = /^44'\/60'\/(\d+)'\/(\d+)\/(\d+)$/.exec(s);
  if (!m || m.slice(1).some((x) => Number(x) >= 0x80000000 || (x.length > 1 && x.startsWith('0'))))
    throw new CharterError('INVALID_INPUT', `"${p}" is not a BIP-44 Ethereum path such as ${DEFAULT_LEDGER_PATH} (44'/60'/account'/change/index)`);
  return s;
}

/** The 33-byte compressed form of a public key the device gives as 65 bytes (04 || x || y); validated on the curve. */
export function compressPublicKey(uncompressed: Uint8Array): Uint8Array {
  if (uncompressed.length !== 65 || uncompressed[0] !== 0x04)
    throw new CharterError('LEDGER_ERROR', 'the Ledger returned a public key that is not a 65-byte uncompressed point');
  try {
    return secp256k1.Point.fromBytes(uncompressed).toBytes(true);
  } catch {
    throw new CharterError('LEDGER_ERROR', 'the Ledger returned a public key that is not a secp256k1 point');
  }
}

/** Ethereum address (lower-case hex with 0x) of a secp256k1 public key, compressed or not. */
export function addressOf(publicKey: Uint8Array): string {
  const xy = secp256k1.Point.fromBytes(publicKey).toBytes(false).subarray(1);
  return '0x' + toHex(keccak_256(xy).subarray(12));
}

/** Parse a GET_APP_AND_VERSION (B0 01 00 00) answer: format 01, name, version, flags. */
export function parseAppAndVersion(r: Uint8Array): { name: string; version: string } {
  let o = 0;
  if (r[o++] !== 0x01) throw new CharterError('LEDGER_ERROR', 'the Ledger answered GET_APP_AND_VERSION in an unknown format');
  const nameLen = r[o++]!;
  const name = Buffer.from(r.subarray(o, o + nameLen)).toString('ascii');
  o += nameLen;
  const verLen = r[o++]!;
  const version = Buffer.from(r.subarray(o, o + verLen)).toString('ascii');
  if (o + verLen > r.length) throw new CharterError('LEDGER_ERROR', 'the Ledger answered GET_APP_AND_VERSION with a truncated record');
  return { name, version };
}

/** The engine's signature from the device's {v, r, s}: r || s with low S; checked to recover to and verify for `publicKey`. */
export function engineSignature(publicKey: Uint8Array, digest: Uint8Array, sig: { v: number; r: string; s: string }): Uint8Array {
  const n = secp256k1.Point.Fn.ORDER;
  const r = BigInt('0x' + (sig.r || '0'));
  let s = BigInt('0x' + (sig.s || '0'));
  if (!(r > 0n && r < n && s > 0n && s < n)) throw new CharterError('LEDGER_ERROR', 'the Ledger returned a signature out of range');
  // The recovery id (v = 27 + parity, or parity alone) must name this key: a cross-check that the device used the stored key.
  const parity = sig.v >= 27 ? sig.v - 27 : sig.v;
  if (parity === 0 || parity === 1) {
    let recovered: Uint8Array | undefined;
    try {
      recovered = new secp256k1.Signature(r, s).addRecoveryBit(parity).recoverPublicKey(digest).toBytes(true);
    } catch {
      recovered = undefined;
    }
    if (!recovered || !bytesEqual(recovered, publicKey))
      throw new CharterError('LEDGER_ERROR', "the Ledger's signature does not recover to the key it was asked to sign with");
  }
  if (s > n >> 1n) s = n - s; // low S: n − s is equally valid, and the one the engine accepts
  const out = new Uint8Array(64);
  out.set(fromHex(r.toString(16).padStart(64, '0')), 0);
  out.set(fromHex(s.toString(16).padStart(64, '0')), 32);
  if (!verifyEcdsa('secp256k1', publicKey, digest, out))
    throw new CharterError('LEDGER_ERROR', "the Ledger's signature does not verify for the key under the engine's rules");
  return out;
}

/** The shared library node-hid's Linux binary is linked against, and the Debian/Ubuntu package that installs it. */
export const LIBUSB_LIBRARY = 'libusb-1.0.so.0';
export const LIBUSB_PACKAGE = 'libusb-1.0-0';

/**
 * Why USB HID cannot be used, from the error node-hid gave while loading its
 * native binary (a `require` of node-hid, or its first HID.devices(): the
 * binary is opened lazily). A missing libusb — "libusb-1.0.so.0: cannot open
 * shared object file" on a fresh Linux — names the library and the package
 * that brings it; facts carry both for the device list.
 */
export function hidUnavailable(e: unknown): CharterError {
  const msg = String((e as { message?: unknown })?.message ?? e);
  const lib = /(libusb[\w.-]*\.so(?:\.\d+)*)/.exec(msg);
  if (lib || /libusb/i.test(msg)) {
    const library = lib?.[1] ?? LIBUSB_LIBRARY;
    return new CharterError(
      'LEDGER_ERROR',
      `USB HID access is not available: node-hid needs the system library ${library} (libusb 1.0), which is not installed; ` +
        `install it with the package ${LIBUSB_PACKAGE} (Debian, Ubuntu: sudo apt-get install ${LIBUSB_PACKAGE}; Fedora: libusb1; Arch: libusb), then restart the console`,
      { missingLibrary: library, package: LIBUSB_PACKAGE },
    );
  }
  return new CharterError('LEDGER_ERROR', `USB HID access is not available on this machine (node-hid did not load: ${msg})`);
}

type NodeHid = {
  devices(): Array<{ path?: string; vendorId: number; productId: number; product?: string; manufacturer?: string; usagePage?: number; interface?: number }>;
};

/** node-hid's HID.devices() filtered to Ledgers' APDU interfaces; `loadHid` is node-hid itself unless a test gives another. */
export async function defaultListDevices(loadHid: () => NodeHid = () => require('node-hid') as NodeHid): Promise<LedgerDeviceDescriptor[]> {
  let listed: ReturnType<NodeHid['devices']>;
  try {
    listed = loadHid().devices();
  } catch (e) {
    throw hidUnavailable(e);
  }
  const seen = new Set<string>();
  const out: LedgerDeviceDescriptor[] = [];
  for (const d of listed) {
    // Ledger's APDU interface: usage page 0xffa0, or interface 0 where usage pages are not reported (Linux hidraw).
    if (d.vendorId !== LEDGER_VENDOR_ID || !d.path || !(d.usagePage === 0xffa0 || d.interface === 0)) continue;
    if (seen.has(d.path)) continue;
    seen.add(d.path);
    out.push({ path: d.path, vendorId: d.vendorId, productId: d.productId, product: d.product, manufacturer: d.manufacturer });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function defaultOpenTransport(deviceId?: string): Promise<Transport> {
  const TransportNodeHid = require('@ledgerhq/hw-transport-node-hid').default;
  return TransportNodeHid.open(deviceId ? deviceId.replace(/^ledger:/, '') : undefined);
}

export class LedgerBackend implements KeyBackend {
  readonly kind = 'ledger' as const;
  private readonly storeFile: string;
  private readonly openTransport: (deviceId?: string) => Promise<Transport>;
  private readonly listDevices: () => Promise<LedgerDeviceDescriptor[]>;
  private readonly clock: () => Date;
  private readonly platform: NodeJS.Platform;
  private readonly udevRulePath: string;
  private readonly queues = new Map<string, DeviceQueue>();

  constructor(opts: LedgerBackendOptions) {
    this.storeFile = opts.store.endsWith('.json') ? opts.store : path.join(opts.store, 'ledger-keys.json');
    this.openTransport = opts.openTransport ?? defaultOpenTransport;
    this.listDevices = opts.listDevices ?? (() => defaultListDevices());
    this.clock = opts.clock ?? (() => new Date());
    this.platform = opts.platform ?? process.platform;
    this.udevRulePath = opts.udevRulePath ?? LEDGER_UDEV_RULE;
  }

  // ── the store of public facts ─────────────────────────────────────────────

  private readStore(): StoreFile {
    let text: string;
    try {
      text = fs.readFileSync(this.storeFile, 'utf8');
    } catch {
      return { format: STORE_FORMAT, keys: [] };
    }
    let f: StoreFile;
    try {
      f = JSON.parse(text) as StoreFile;
    } catch {
      throw new CharterError('KEYSTORE_CORRUPT', `${this.storeFile} is not valid JSON`);
    }
    const ok =
      f?.format === STORE_FORMAT &&
      Array.isArray(f.keys) &&
      f.keys.every(
        (k) =>
          k &&
          k.scheme === 'secp256k1' &&
          typeof k.public_key === 'string' &&
          /^0[23][0-9a-f]{64}$/.test(k.public_key) &&
          k.key_id === keyIdOf('secp256k1', fromHex(k.public_key)) &&
          typeof k.label === 'string' &&
          typeof k.path === 'string' &&
          typeof k.address === 'string' &&
          typeof k.device_id === 'string' &&
          typeof k.created_at === 'string',
      );
    if (!ok) throw new CharterError('KEYSTORE_CORRUPT', `${this.storeFile} is not a ${STORE_FORMAT} file or its fields do not agree`);
    return f;
  }

  private writeStore(f: StoreFile): void {
    fs.mkdirSync(path.dirname(this.storeFile), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.storeFile, JSON.stringify(f, null, 2) + '\n', 0o600);
  }

  private stored(keyId: string): StoredKey {
    const k = this.readStore().keys.find((x) => x.key_id === keyId);
    if (!k) throw new CharterError('KEY_NOT_FOUND', `no Ledger key ${keyId} is known here`);
    return k;
  }

  private static info(k: StoredKey): KeyInfo {
    return {
      keyId: k.key_id,
      label: k.label,
      scheme: 'secp256k1',
      backend: 'ledger',
      deviceId: k.device_id,
      publicKey: k.public_key,
      createdAt: k.created_at,
      locator: k.path,
    };
  }

  // ── devices ───────────────────────────────────────────────────────────────

  private queue(deviceId: string): DeviceQueue {
    let q = this.queues.get(deviceId);
    if (!q) this.queues.set(deviceId, (q = new DeviceQueue()));
    return q;
  }

  private async listed(): Promise<LedgerDeviceDescriptor[]> {
    try {
      return await this.listDevices();
    } catch (e) {
      throw ledgerError(e, this.platform, this.udevRulePath);
    }
  }

  /**
   * Which device a call goes to: the one asked for; else `preferred` (the
   * device a key was made on) if it is still connected at the same HID path;
   * else the first Ledger connected.
   */
  private async pick(deviceId?: string, preferred?: string): Promise<{ deviceId: string; descriptor?: LedgerDeviceDescriptor }> {
    const list = await this.listed();
    const pref = preferred ? list.find((x) => `ledger:${x.path}` === preferred) : undefined;
    if (!deviceId && pref) return { deviceId: preferred!, descriptor: pref };
    if (deviceId) {
      const d = list.find((x) => `ledger:${x.path}` === deviceId);
      if (!d) throw new CharterError('LEDGER_NOT_FOUND', `the Ledger ${deviceId} is not connected`);
      return { deviceId, descriptor: d };
    }
    if (list.length === 0) throw new CharterError('LEDGER_NOT_FOUND', 'no Ledger is connected: plug it in, unlock it and open the Ethereum app');
    return { deviceId: `ledger:${list[0]!.path}`, descriptor: list[0] };
  }

  /**
   * Run `fn` on an open device with the Ethereum app checked, one request at a
   * time per device; the transport is closed afterwards; errors become
   * LEDGER_* codes.
   */
  private async withEth<T>(
    deviceId: string | undefined,
    preferred: string | undefined,
    fn: (eth: EthApp, t: Transport, dev: { deviceId: string; model: string; app: { name: string; version: string } }) => Promise<T>,
  ): Promise<T> {
    const dev = await this.pick(deviceId, preferred);
    return this.queue(dev.deviceId).run(async () => {
      let t: Transport;
      try {
        t = await this.openTransport(dev.deviceId);
      } catch (e) {
        throw ledgerError(e, this.platform, this.udevRulePath);
      }
      try {
        const app = await this.appOf(t);
        if (app.name !== ETHEREUM_APP)
          throw new CharterError(
            'LEDGER_WRONG_APP',
            app.name === 'BOLOS'
              ? 'the Ledger shows its dashboard: open the Ethereum app on the device'
              : `the Ledger is running the ${app.name} app: open the Ethereum app on the device`,
          );
        const Eth = require('@ledgerhq/hw-app-eth').default;
        const eth = new Eth(t, undefined, { ...LEDGER_OFFLINE_CONFIG }) as EthApp;
        return await fn(eth, t, { deviceId: dev.deviceId, model: modelOf(t, dev.descriptor), app });
      } catch (e) {
        throw ledgerError(e, this.platform, this.udevRulePath);
      } finally {
        await t.close().catch(() => undefined);
      }
    });
  }

  private async appOf(t: Transport): Promise<{ name: string; version: string }> {
    // GET_APP_AND_VERSION: answered by the OS (dashboard: "BOLOS") and by every app.
    const r = await t.send(0xb0, 0x01, 0x00, 0x00);
    return parseAppAndVersion(r.subarray(0, r.length - 2));
  }

  /**
   * The Ledgers on USB, each opened briefly to read its state (ready, locked,
   * wrong-app, no-permission) and app. If USB itself cannot be listed (node-hid
   * did not load), one entry "ledger" in state 'error' says why.
   */
  async devices(): Promise<DeviceInfo[]> {
    const out: DeviceInfo[] = [];
    let listed: LedgerDeviceDescriptor[];
    try {
      listed = await this.listed();
    } catch (e) {
      const ce = ledgerError(e, this.platform, this.udevRulePath);
      const d = (ce.details ?? {}) as { missingLibrary?: unknown; package?: unknown };
      const facts: Record<string, string> = {};
      if (typeof d.missingLibrary === 'string') facts.missing_library = d.missingLibrary;
      if (typeof d.package === 'string') facts.package = d.package;
      return [{ deviceId: 'ledger', backend: 'ledger', label: 'Ledger', state: 'error', detail: ce.message, facts }];
    }
    for (const d of listed) {
      const deviceId = `ledger:${d.path}`;
      const facts: Record<string, string> = {
        vendor_id: '0x' + d.vendorId.toString(16).padStart(4, '0'),
        product_id: '0x' + d.productId.toString(16).padStart(4, '0'),
        path: d.path,
      };
      if (d.product) facts.product = d.product;
      let state: DeviceInfo['state'] = 'ready';
      let detail: string | undefined;
      let model = d.product ?? 'Ledger';
      try {
        await this.queue(deviceId).run(async () => {
          const t = await this.openTransport(deviceId);
          try {
            model = modelOf(t, d);
            const app = await this.appOf(t);
            facts.app = app.name;
            facts.app_version = app.version;
            if (app.name !== ETHEREUM_APP) {
              state = 'wrong-app';
              detail = app.name === 'BOLOS' ? 'open the Ethereum app on the device' : `the ${app.name} app is open: open the Ethereum app`;
            } else {
              const conf = await t.send(0xe0, 0x06, 0x00, 0x00);
              facts.blind_signing = conf[0]! & 0x01 ? 'enabled' : 'disabled';
              if (!appVersionAtLeast(app.version, FULL_EIP712_MIN_VERSION))
                detail = `this Ethereum app (${app.version}) cannot show a request's fields: update it to ${FULL_EIP712_MIN_VERSION} or later${conf[0]! & 0x01 ? '' : ', or enable "Blind signing" to sign by hashes'}`;
              else if (!(conf[0]! & 0x01))
                detail =
                  'Blind signing is off: signing needs the Ethereum app\'s "Raw messages" setting on (the device then shows every field of a request; it does not report this setting), or Blind signing';
            }
          } finally {
            await t.close().catch(() => undefined);
          }
        });
      } catch (e) {
        const ce = ledgerError(e, this.platform, this.udevRulePath);
        detail = ce.message;
        state =
          ce.code === 'LEDGER_LOCKED'
            ? 'locked'
            : ce.code === 'LEDGER_WRONG_APP'
              ? 'wrong-app'
              : ce.code === 'LEDGER_NO_PERMISSION'
                ? 'no-permission'
                : ce.code === 'LEDGER_NOT_FOUND'
                  ? 'absent'
                  : 'error';
      }
      facts.model = model;
      out.push({ deviceId, backend: 'ledger', label: model, state, ...(detail ? { detail } : {}), facts });
    }
    return out;
  }

  /**
   * Watch for Ledgers plugged in or out (polling the USB listing, which opens
   * nothing): `onChange` gets the new devices() each time the set changes.
   * Returns a function that stops watching. The timer does not keep the
   * process alive.
   */
  watch(onChange: (devices: DeviceInfo[]) => void, intervalMs = 1500): () => void {
    let last: string | undefined;
    let stopped = false;
    let busy = false;
    const tick = async (): Promise<void> => {
      if (busy || stopped) return;
      busy = true;
      try {
        let key: string;
        try {
          key = (await this.listDevices())
            .map((d) => d.path)
            .sort()
            .join('\n');
        } catch {
          key = '\u0000error';
        }
        if (key !== last) {
          const first = last === undefined;
          last = key;
          if (!first) {
            const list = await this.devices().catch(() => []);
            if (!stopped) onChange(list);
          }
        }
      } finally {
        busy = false;
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), intervalMs);
    timer.unref?.();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }

  // ── keys ──────────────────────────────────────────────────────────────────

  async list(): Promise<KeyInfo[]> {
    const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
    return this.readStore()
      .keys.map(LedgerBackend.info)
      .sort((a, b) => cmp(a.createdAt, b.createdAt) || cmp(a.keyId, b.keyId));
  }

  async get(keyId: string): Promise<KeyInfo> {
    return LedgerBackend.info(this.stored(keyId));
  }

  /**
   * Derive the key on `path` (default 44'/60'/0'/0/0) with the address shown
   * on the device for confirmation; remember its public facts. secp256k1 only.
   */
  async generate(opts: GenerateOptions): Promise<KeyInfo> {
    if (opts.scheme !== 'secp256k1') throw new CharterError('NOT_AVAILABLE', `a Ledger running the Ethereum app holds secp256k1 keys only, not ${opts.scheme}`);
    if (typeof opts.label !== 'string') throw new CharterError('INVALID_INPUT', 'a key needs a label');
    const bip44 = normaliseLedgerPath(opts.path ?? DEFAULT_LEDGER_PATH);
    return this.withEth(opts.deviceId, undefined, async (eth, _t, dev) => {
      const r = await eth.getAddress(bip44, true, false);
      const pk = compressPublicKey(fromHex(r.publicKey.toLowerCase()));
      const address = addressOf(pk);
      if (r.address.toLowerCase() !== address)
        throw new CharterError('LEDGER_ERROR', `the Ledger's address ${r.address} is not the address of the public key it returned (${address})`);
      const keyId = keyIdOf('secp256k1', pk);
      const store = this.readStore();
      const existing = store.keys.find((k) => k.key_id === keyId);
      if (existing) throw new CharterError('KEYSTORE_DUPLICATE', `this Ledger key (${bip44}) is already known as ${keyId} (${existing.label})`);
      const k: StoredKey = {
        key_id: keyId,
        label: opts.label,
        scheme: 'secp256k1',
        public_key: toHex(pk),
        address,
        path: bip44,
        device_id: dev.deviceId,
        device_model: dev.model,
        created_at: this.clock().toISOString(),
      };
      this.writeStore({ format: STORE_FORMAT, keys: [...store.keys, k] });
      return LedgerBackend.info(k);
    });
  }

  /** The device's key at the stored path must be the stored key: another seed (another Ledger) is refused. */
  private static async checkKey(eth: EthApp, k: StoredKey): Promise<Uint8Array> {
    const r = await eth.getAddress(k.path, false, false);
    const pk = compressPublicKey(fromHex(r.publicKey.toLowerCase()));
    if (toHex(pk) !== k.public_key)
      throw new CharterError(
        'KEY_NOT_FOUND',
        `the connected Ledger does not hold key ${k.key_id} (${k.label}): its seed derives another key on ${k.path}; connect the Ledger the key was made on`,
      );
    return pk;
  }

  /**
   * Sign an envelope's EIP-712 digest on the device. `req.envelope` is
   * required: the device is sent its typed data (envelopeTypedData) in the
   * full EIP-712 form, shows the request's fields (see docs/keys-and-devices.md,
   * "Ledger") and hashes them itself; `req.digest` must be the engine's EIP-712
   * digest of the envelope, and the signature must verify for it (so a device
   * that hashed anything else is caught). Falls back to the hashed form (two
   * hashes on screen; needs Blind signing) only when the app cannot take the
   * full form: a version before 1.9.19, an app answering "INS not supported"
   * to the struct commands, or a value hw-app-eth cannot stream
   * (fullEip712Obstacle). Returns r || s with low S, verified against the key.
   */
  async sign(keyId: string, req: SignRequest, _unlock: Unlock = {}): Promise<Uint8Array> {
    if (req.attestationPae !== undefined) throw new CharterError('NOT_AVAILABLE', 'this backend does not sign evidence attestations yet (software keys do)');
    const k = this.stored(keyId);
    if (req.scheme !== 'secp256k1') throw new CharterError('INVALID_INPUT', `key ${keyId} is secp256k1, not ${req.scheme}`);
    if (!req.envelope)
      throw new CharterError('INVALID_INPUT', 'a Ledger signs EIP-712 typed data: the sign request must carry the envelope, so the device can show it');
    let h: ReturnType<typeof envelopeEip712>;
    let td: EnvelopeTypedData;
    try {
      h = envelopeEip712(req.envelope);
      td = envelopeTypedData(req.envelope);
    } catch (e) {
      throw new CharterError('INVALID_INPUT', `the envelope has no EIP-712 form: ${(e as Error).message}`);
    }
    if (!(req.digest instanceof Uint8Array) || !bytesEqual(h.digest, req.digest))
      throw new CharterError('INVALID_INPUT', 'the digest to sign is not the EIP-712 digest of the envelope; nothing was sent to the device');
    return this.withEth(undefined, k.device_id, async (eth, _t, dev) => {
      const pk = await LedgerBackend.checkKey(eth, k);
      const conf = await eth.getAppConfiguration();
      const blind = Boolean(conf.arbitraryDataEnabled);
      const version = conf.version || dev.app.version;
      let why: string | undefined = appVersionAtLeast(version, FULL_EIP712_MIN_VERSION)
        ? fullEip712Obstacle(td)
        : `the Ethereum app ${version} predates the full EIP-712 protocol (${FULL_EIP712_MIN_VERSION}): update it to see the request's fields`;
      if (!why) {
        try {
          return engineSignature(pk, h.digest, await eth.signEIP712Message(k.path, td));
        } catch (e) {
          const sw = statusWord(e);
          // A message without Ledger-signed filters: the app reviews it only with "Raw messages" or "Blind signing" on.
          if (sw === 0x6a80 && !blind)
            throw new CharterError(
              'LEDGER_BLIND_SIGNING_DISABLED',
              'the Ethereum app refused to review the request (status 0x6a80): in its Settings turn on "Raw messages" (the device then shows every field of the request) or "Blind signing", then sign again',
              { statusWord: sw },
            );
          if (sw !== 0x6d00 && sw !== 0x6e00) throw e;
          why = `the Ethereum app ${version} does not take EIP-712 typed data (status 0x${sw.toString(16)})`;
        }
      }
      // The hashed form: the device shows the two hashes only, and signs them only with Blind signing on.
      if (!blind)
        throw new CharterError(
          'LEDGER_BLIND_SIGNING_DISABLED',
          `${why}; it can sign only by hashes, which needs "Blind signing": enable it in the Ethereum app's Settings, then sign again`,
        );
      return engineSignature(pk, h.digest, await eth.signEIP712HashedMessage(k.path, toHex(h.domainSeparator), toHex(h.structHash)));
    });
  }

  /**
   * Read back from the device: model, app name and version, and the public
   * key on the key's path (which must still be the stored one). A Ledger key
   * is derived from the device's seed on the device and never leaves it.
   */
  async attest(keyId: string, _unlock: Unlock = {}): Promise<AttestationRecord> {
    const k = this.stored(keyId);
    return this.withEth(undefined, k.device_id, async (eth, _t, dev) => {
      const pk = await LedgerBackend.checkKey(eth, k);
      const conf = await eth.getAppConfiguration();
      return {
        format: 'charter-key-attestation/v1',
        key_id: k.key_id,
        scheme: 'secp256k1',
        public_key: toHex(pk),
        backend: 'ledger',
        device: {
          kind: 'ledger',
          model: dev.model,
          app: dev.app.name,
          app_version: conf.version || dev.app.version,
          blind_signing: conf.arbitraryDataEnabled ? 'enabled' : 'disabled',
        },
        key: {
          label: k.label,
          path: k.path,
          address: addressOf(pk),
          created_at: k.created_at,
          origin: 'derived from the device seed on the device (BIP-32)',
          derived_on_device: true,
          private_key_exportable: false,
          hardware_backed: true,
        },
      };
    });
  }
}

function modelOf(t: Transport, d?: LedgerDeviceDescriptor): string {
  const m = (t as unknown as { deviceModel?: { productName?: string } }).deviceModel;
  return m?.productName ?? d?.product ?? 'Ledger';
}

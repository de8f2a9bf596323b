/**
 * An emulator of a Ledger running the Ethereum app, at the APDU level: a
 * @ledgerhq/hw-transport Transport whose exchange() answers the APDUs the real
 * client code (@ledgerhq/hw-app-eth) sends, backed by a software secp256k1
 * seed. It stands in for the device, which cannot exist on a test machine;
 * everything above exchange() — hw-app-eth, hw-transport's framing of status
 * words into errors, our LedgerBackend — is the real code.
 *
 * Written from the Ethereum app's APDU specification (app-ethereum,
 * doc/ethapp.adoc), not from its source:
 *   B0 01 00 00            GET_APP_AND_VERSION (answered by every app and the dashboard):
 *                          01 | len | name | len | version | len | flags
 *   E0 06 00 00            GET APP CONFIGURATION: flags (bit 0: blind signing allowed) | major | minor | patch
 *   E0 02 P1 P2 data       GET ETH PUBLIC ADDRESS. P1 00 silent / 01 show and confirm;
 *                          P2 00 / 01 also return the chain code. data: n | n×4-byte path
 *                          [| 8-byte chain id]. Answer: 65 | 04‖x‖y | 40 | address (ASCII hex,
 *                          EIP-55 mixed case) [| 32-byte chain code]
 *   E0 0C 00 00 data       SIGN ETH EIP 712, v0 "hashed" form: n | path | 32-byte domain
 *                          separator | 32-byte message hash. The device shows both hashes,
 *                          signs keccak256(19 01 ‖ domain ‖ message) and answers v | r | s,
 *                          v = 27 + recovery id.
 * Status words: 9000 ok; 6985 refused by the user; 5515 locked (or
 * `lockedStatus`, e.g. 6b0c on older firmware); 6e00 CLA not supported (another
 * app is open); 6d00 INS not supported; 6b00 bad P1/P2; 6700 bad length; 6a80 bad data.
 *
 * Keys: real BIP-32 (SLIP-10 on secp256k1, which is BIP-32) from a BIP-39
 * mnemonic, via @cosmjs/crypto and @scure/bip39, so the well-known address of
 * the standard test mnemonic checks the emulator independently.
 *
 * Switches: `locked`, `app` (another app name, or "BOLOS" for the dashboard),
 * `blindSigning` (the app setting hashed EIP-712 signing needs),
 * `user` ('approve' | 'reject' what would be shown on screen), `highS` (answer
 * with the other, high-S form of each signature, as a device may).
 * `shown` records what the screen would display; `log` every exchange.
 */
import { createRequire } from 'node:module';
import { Slip10, Slip10Curve, Slip10RawIndex } from '@cosmjs/crypto';
import { mnemonicToSeedSync } from '@scure/bip39';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import type { LedgerBackendOptions, LedgerDeviceDescriptor, Transport } from '../../hsm/ledger.js';

const require = createRequire(import.meta.url);
const TransportBase = require('@ledgerhq/hw-transport').default as new () => Transport;

/** The standard BIP-39 test mnemonic ("abandon" ×11, "about"). Its secrets are public: tests only. */
export const TEST_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

export type Shown =
  | { screen: 'address'; path: string; address: string }
  | { screen: 'eip712'; path: string; domainSeparator: string; messageHash: string };

export interface LedgerEmulatorOptions {
  mnemonic?: string;
  app?: string;
  appVersion?: string;
  locked?: boolean;
  lockedStatus?: number;
  user?: 'approve' | 'reject';
  highS?: boolean;
  /** The app's "Blind signing" setting (default on); off, SIGN EIP 712 hashed answers 6a80. */
  blindSigning?: boolean;
  productName?: string;
}

const SW = { OK: 0x9000, REJECTED: 0x6985, LOCKED: 0x5515, CLA: 0x6e00, INS: 0x6d00, P1P2: 0x6b00, LENGTH: 0x6700, DATA: 0x6a80 } as const;

class Apdu extends Error {
  constructor(readonly sw: number) {
    super(`status ${sw.toString(16)}`);
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** EIP-55 mixed-case form of a 40-hex-digit address (no 0x). */
function checksum(addrLower: string): string {
  const h = hex(keccak_256(new TextEncoder().encode(addrLower)));
  return [...addrLower].map((c, i) => (parseInt(h[i]!, 16) >= 8 ? c.toUpperCase() : c)).join('');
}

function parsePath(data: Uint8Array): { indexes: number[]; text: string; rest: Uint8Array } {
  const n = data[0];
  if (n === undefined || n < 1 || n > 10 || data.length < 1 + 4 * n) throw new Apdu(SW.DATA);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const indexes: number[] = [];
  for (let i = 0; i < n; i++) indexes.push(dv.getUint32(1 + 4 * i));
  const text = indexes.map((x) => (x >= 0x80000000 ? `${x - 0x80000000}'` : String(x))).join('/');
  return { indexes, text, rest: data.subarray(1 + 4 * n) };
}

export class LedgerEmulator extends TransportBase {
  app: string;
  appVersion: string;
  locked: boolean;
  lockedStatus: number;
  user: 'approve' | 'reject';
  highS: boolean;
  blindSigning: boolean;
  readonly shown: Shown[] = [];
  readonly log: Array<{ apdu: string; response: string }> = [];
  private readonly seed: Uint8Array;

  constructor(o: LedgerEmulatorOptions = {}) {
    super();
    this.seed = mnemonicToSeedSync(o.mnemonic ?? TEST_MNEMONIC);
    this.app = o.app ?? 'Ethereum';
    this.appVersion = o.appVersion ?? '1.13.0';
    this.locked = o.locked ?? false;
    this.lockedStatus = o.lockedStatus ?? SW.LOCKED;
    this.user = o.user ?? 'approve';
    this.highS = o.highS ?? false;
    this.blindSigning = o.blindSigning ?? true;
    (this as unknown as { deviceModel: unknown }).deviceModel = { id: 'nanoX', productName: o.productName ?? 'Ledger Nano X' };
  }

  /** The private key and chain code on a path (BIP-32): what the device's secure element would hold. */
  derive(indexes: number[]): { privkey: Uint8Array; chainCode: Uint8Array } {
    return Slip10.derivePath(
      Slip10Curve.Secp256k1,
      this.seed,
      indexes.map((i) => (i >= 0x80000000 ? Slip10RawIndex.hardened(i - 0x80000000) : Slip10RawIndex.normal(i))),
    );
  }

  override async exchange(apdu: Buffer): Promise<Buffer> {
    let body: Uint8Array;
    let sw: number = SW.OK;
    try {
      body = this.handle(new Uint8Array(apdu));
    } catch (e) {
      if (!(e instanceof Apdu)) throw e;
      body = new Uint8Array(0);
      sw = e.sw;
    }
    const out = Buffer.concat([Buffer.from(body), Buffer.from([sw >> 8, sw & 0xff])]);
    this.log.push({ apdu: apdu.toString('hex'), response: out.toString('hex') });
    return out;
  }

  override async close(): Promise<void> {}

  private handle(a: Uint8Array): Uint8Array {
    if (a.length < 5 || a.length !== 5 + a[4]!) throw new Apdu(SW.LENGTH);
    const [cla, ins, p1, p2] = [a[0]!, a[1]!, a[2]!, a[3]!];
    const data = a.subarray(5);
    if (this.locked) throw new Apdu(this.lockedStatus);
    if (cla === 0xb0 && ins === 0x01) {
      const name = new TextEncoder().encode(this.app);
      const version = new TextEncoder().encode(this.appVersion);
      return Uint8Array.from([0x01, name.length, ...name, version.length, ...version, 0x01, 0x00]);
    }
    if (this.app !== 'Ethereum') throw new Apdu(SW.CLA);
    if (cla !== 0xe0) throw new Apdu(SW.CLA);
    switch (ins) {
      case 0x06: {
        const [maj, min, pat] = this.appVersion.split('.').map(Number);
        return Uint8Array.from([this.blindSigning ? 0x01 : 0x00, maj ?? 0, min ?? 0, pat ?? 0]);
      }
      case 0x02:
        return this.getAddress(p1, p2, data);
      case 0x0c:
        return this.signEip712Hashed(p1, p2, data);
      default:
        throw new Apdu(SW.INS);
    }
  }

  private getAddress(p1: number, p2: number, data: Uint8Array): Uint8Array {
    if (p1 > 1 || p2 > 1) throw new Apdu(SW.P1P2);
    const { indexes, text, rest } = parsePath(data);
    if (rest.length !== 0 && rest.length !== 8) throw new Apdu(SW.DATA);
    const { privkey, chainCode } = this.derive(indexes);
    const pub = secp256k1.getPublicKey(privkey, false);
    const address = checksum(hex(keccak_256(pub.subarray(1)).subarray(12)));
    if (p1 === 1) {
      this.shown.push({ screen: 'address', path: text, address: '0x' + address });
      if (this.user === 'reject') throw new Apdu(SW.REJECTED);
    }
    const addr = new TextEncoder().encode(address);
    return Uint8Array.from([pub.length, ...pub, addr.length, ...addr, ...(p2 === 1 ? chainCode : [])]);
  }

  private signEip712Hashed(p1: number, p2: number, data: Uint8Array): Uint8Array {
    if (p1 !== 0 || p2 !== 0) throw new Apdu(SW.P1P2);
    if (!this.blindSigning) throw new Apdu(SW.DATA); // the device shows "enable blind signing"
    const { indexes, text, rest } = parsePath(data);
    if (rest.length !== 64) throw new Apdu(SW.DATA);
    const domain = rest.subarray(0, 32);
    const message = rest.subarray(32, 64);
    this.shown.push({ screen: 'eip712', path: text, domainSeparator: hex(domain), messageHash: hex(message) });
    if (this.user === 'reject') throw new Apdu(SW.REJECTED);
    const digest = keccak_256(Uint8Array.from([0x19, 0x01, ...domain, ...message]));
    const { privkey } = this.derive(indexes);
    const pub = secp256k1.getPublicKey(privkey, true);
    const compact = secp256k1.sign(digest, privkey, { prehash: false, lowS: true, format: 'compact' });
    const r = BigInt('0x' + hex(compact.subarray(0, 32)));
    let s = BigInt('0x' + hex(compact.subarray(32)));
    // The recovery id: whichever of the two candidates gives back our key.
    let rec = [0, 1].find((bit) => hex(new secp256k1.Signature(r, s).addRecoveryBit(bit).recoverPublicKey(digest).toBytes(true)) === hex(pub));
    if (rec === undefined) throw new Error('emulator: no recovery id');
    if (this.highS) {
      s = secp256k1.Point.Fn.ORDER - s;
      rec ^= 1;
    }
    const be = (x: bigint) => Buffer.from(x.toString(16).padStart(64, '0'), 'hex');
    return Uint8Array.from([27 + rec, ...be(r), ...be(s)]);
  }
}

/**
 * LedgerBackend options that put `emulator` on USB as one Nano X at `hidPath`:
 * `new LedgerBackend({ store, ...emulatedLedger(new LedgerEmulator()) })`.
 * `connected` can be flipped to unplug it.
 */
export function emulatedLedger(
  emulator: LedgerEmulator,
  hidPath = 'emulated-ledger',
): Pick<LedgerBackendOptions, 'openTransport' | 'listDevices'> & { connected: boolean; descriptor: LedgerDeviceDescriptor } {
  const descriptor: LedgerDeviceDescriptor = { path: hidPath, vendorId: 0x2c97, productId: 0x4011, product: 'Nano X (emulated)' };
  const o = {
    connected: true,
    descriptor,
    openTransport: async (): Promise<Transport> => {
      if (!o.connected) throw Object.assign(new Error('no device found'), { name: 'DisconnectedDevice' });
      return emulator;
    },
    listDevices: async (): Promise<LedgerDeviceDescriptor[]> => (o.connected ? [descriptor] : []),
  };
  return o;
}

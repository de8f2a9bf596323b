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
 *                          separator | 32-byte message hash. Needs the "Blind signing" setting
 *                          (else 6a80). The device shows both hashes, signs
 *                          keccak256(19 01 ‖ domain ‖ message) and answers v | r | s,
 *                          v = 27 + recovery id.
 *   E0 1A 00 P2 data       EIP712 SEND STRUCT DEFINITION (app ≥ 1.9.19; older apps answer 6d00).
 *                          P2 00: a struct's name. P2 FF: one field of the last named struct:
 *                          TypeDesc (bit 7 array, bit 6 size given, bits 0-3 type: 0 struct,
 *                          1 int, 2 uint, 3 address, 4 bool, 5 string, 6 bytesN, 7 bytes)
 *                          [| len | struct name] [| size in bytes] [| level count | levels:
 *                          00 dynamic, or 01 N fixed] | len | key name.
 *   E0 1C P1 P2 data       EIP712 SEND STRUCT IMPLEMENTATION. P2 00: the root struct whose
 *                          values follow (EIP712Domain, then the primary type). P2 0F: the
 *                          length (1 byte) of the array the next values belong to. P2 FF: the
 *                          next field's value, 2-byte length | raw bytes (integers big-endian,
 *                          minimal; strings UTF-8); P1 01 means more of it follows.
 *                          The device walks the definitions, hashes each value as EIP-712
 *                          encodeData says, hashes each struct when its last field arrives,
 *                          and shows the fields as they arrive (see below).
 *   E0 0C 00 01 data       SIGN ETH EIP 712, full form: n | path. Allowed once both roots are
 *                          complete; signs keccak256(19 01 ‖ hashStruct(domain) ‖ hashStruct(message)).
 * What the screen shows in the full form, as app-ethereum does for a message without
 * Ledger-signed "filters" (ours never has them): a Stax/Flex ('wallet' screen) shows every field;
 * a Nano shows every field with the app's "Raw messages" setting on, else only the domain's
 * fields and then the message hash. Without "Raw messages" the app also needs "Blind signing"
 * for such a message: it answers 6a80 at the first field it would show.
 * The EIP-712 hashing here is written from the EIP-712 specification and the APDU
 * specification only (it does not use core/tx/eip712.ts), so the tests cross-check the engine.
 * Status words: 9000 ok; 6985 refused by the user; 5515 locked (or
 * `lockedStatus`, e.g. 6b0c on older firmware); 6e00 CLA not supported (another
 * app is open); 6d00 INS not supported; 6b00 bad P1/P2; 6700 bad length; 6a80 bad data.
 *
 * Keys: real BIP-32 (SLIP-10 on secp256k1, which is BIP-32) from a BIP-39
 * mnemonic, via @cosmjs/crypto and @scure/bip39, so the well-known address of
 * the standard test mnemonic checks the emulator independently.
 *
 * Switches: `locked`, `app` (another app name, or "BOLOS" for the dashboard),
 * `appVersion` (before 1.9.19 the full EIP-712 commands answer 6d00, as does
 * `eip712Full: false`),
 * `blindSigning` (the app setting hashed EIP-712 signing needs),
 * `rawMessages` (the app's "Raw messages" / verbose EIP-712 setting), `screen`
 * ('nano', or 'wallet' for a Stax/Flex), `user` ('approve' | 'reject' what would
 * be shown on screen), `rejectOnField` (reject when the field of that key name is
 * shown: a refusal in the middle of the stream), `highS` (answer with the other,
 * high-S form of each signature, as a device may).
 * `shown` records what the screen would display; `log` every exchange;
 * `lastEip712` the domain hash, message hash and digest of the last full-form signature.
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
  | { screen: 'eip712'; path: string; domainSeparator: string; messageHash: string }
  /** Full form: one field as the device shows it (`root` is the struct being sent: EIP712Domain or the primary type). */
  | { screen: 'eip712-field'; root: string; path: string; name: string; value: string }
  /** Full form on a Nano without "Raw messages": the message's hash instead of its fields. */
  | { screen: 'eip712-hash'; messageHash: string }
  /** Full form: the final "Sign typed message" screen, on the key's path. */
  | { screen: 'eip712-sign'; path: string; domainHash: string; messageHash: string }
  | { screen: 'blind-signing-error' };

export interface LedgerEmulatorOptions {
  mnemonic?: string;
  app?: string;
  appVersion?: string;
  locked?: boolean;
  lockedStatus?: number;
  user?: 'approve' | 'reject';
  /** Reject when the field with this key name is shown (full EIP-712), in the middle of the stream. */
  rejectOnField?: string;
  highS?: boolean;
  /** The app's "Blind signing" setting (default on); off, SIGN EIP 712 hashed answers 6a80. */
  blindSigning?: boolean;
  /** The app's "Raw messages" (verbose EIP-712) setting (default off). */
  rawMessages?: boolean;
  /** 'nano' (Nano S Plus / X, the default) or 'wallet' (Stax / Flex: every field shown). */
  screen?: 'nano' | 'wallet';
  /** Whether the app takes the full EIP-712 commands (default: version ≥ 1.9.19); false, they answer 6d00. */
  eip712Full?: boolean;
  productName?: string;
}

const SW = { OK: 0x9000, REJECTED: 0x6985, NOT_ALLOWED: 0x6986, LOCKED: 0x5515, CLA: 0x6e00, INS: 0x6d00, P1P2: 0x6b00, LENGTH: 0x6700, DATA: 0x6a80 } as const;

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

/** "1.9.19" ≥ "1.9.19": numeric comparison of dotted versions (pre-release tags ignored). */
function versionAtLeast(v: string, min: string): boolean {
  const a = v
    .split(/[.-]/)
    .slice(0, 3)
    .map((x) => Number(x) || 0);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) > b[i]!;
  return true;
}

// ── EIP-712, as the device keeps it ──────────────────────────────────────────

type Kind = 'struct' | 'int' | 'uint' | 'address' | 'bool' | 'string' | 'bytesN' | 'bytes';
const KINDS: readonly Kind[] = ['struct', 'int', 'uint', 'address', 'bool', 'string', 'bytesN', 'bytes'];
/** A field's type as SEND STRUCT DEFINITION describes it. `levels` in written order (uint8[2][] → [2, null]); the outermost is the last. */
interface TypeDesc {
  kind: Kind;
  struct?: string;
  size?: number;
  levels: Array<number | null>;
}
interface FieldDef {
  key: string;
  type: TypeDesc;
}
type Frame =
  | { kind: 'struct'; name: string; fields: FieldDef[]; index: number; parts: Uint8Array[]; path: string }
  | { kind: 'array'; elem: TypeDesc; key: string; remaining: number; parts: Uint8Array[]; path: string };
interface Eip712Context {
  structs: Map<string, FieldDef[]>;
  last?: string;
  implementing: boolean;
  root?: string;
  stack: Frame[];
  pending?: { length: number; bytes: number[] };
  reviewing: boolean;
  domainHash?: Uint8Array;
  messageHash?: Uint8Array;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const concat = (parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))));
const word = (n: bigint): Uint8Array => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));

/** The Solidity spelling of a type: uint256, bytes32, Person[], string[2][]. */
function typeName(t: TypeDesc): string {
  const base =
    t.kind === 'struct' ? t.struct! : t.kind === 'int' || t.kind === 'uint' ? `${t.kind}${t.size! * 8}` : t.kind === 'bytesN' ? `bytes${t.size}` : t.kind;
  return base + t.levels.map((l) => (l === null ? '[]' : `[${l}]`)).join('');
}

function parseFieldDef(d: Uint8Array): FieldDef {
  let o = 0;
  const take = (n: number): Uint8Array => {
    if (o + n > d.length) throw new Apdu(SW.DATA);
    const r = d.subarray(o, o + n);
    o += n;
    return r;
  };
  const desc = take(1)[0]!;
  const kind = KINDS[desc & 0x0f];
  if (!kind || (desc & 0x30) !== 0) throw new Apdu(SW.DATA);
  const t: TypeDesc = { kind, levels: [] };
  if (kind === 'struct') t.struct = Buffer.from(take(take(1)[0]!)).toString('utf8');
  const sized = kind === 'int' || kind === 'uint' || kind === 'bytesN';
  if (Boolean(desc & 0x40) !== sized) throw new Apdu(SW.DATA);
  if (sized) {
    t.size = take(1)[0]!;
    if (t.size < 1 || t.size > 32) throw new Apdu(SW.DATA);
  }
  if (desc & 0x80) {
    const n = take(1)[0]!;
    if (n === 0) throw new Apdu(SW.DATA);
    for (let i = 0; i < n; i++) {
      const lt = take(1)[0]!;
      if (lt === 0) t.levels.push(null);
      else if (lt === 1) t.levels.push(take(1)[0]!);
      else throw new Apdu(SW.DATA);
    }
  }
  const key = Buffer.from(take(take(1)[0]!)).toString('utf8');
  if (o !== d.length || key.length === 0) throw new Apdu(SW.DATA);
  return { key, type: t };
}

/** The 32-byte encodeData word of one atomic value sent as raw bytes, and how the device shows it. */
function encodeAtomic(t: TypeDesc, v: Uint8Array): { word: Uint8Array; text: string } {
  const big = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt('0x' + hex(b)));
  switch (t.kind) {
    case 'uint': {
      if (v.length > t.size!) throw new Apdu(SW.DATA);
      const n = big(v);
      return { word: word(n), text: n.toString(10) };
    }
    case 'int': {
      if (v.length > t.size!) throw new Apdu(SW.DATA);
      let n = big(v);
      const bits = BigInt(t.size! * 8);
      if (n >= 1n << (bits - 1n)) n -= 1n << bits; // two's complement within the type's size
      return { word: word(n < 0n ? (1n << 256n) + n : n), text: n.toString(10) };
    }
    case 'address':
      if (v.length !== 20) throw new Apdu(SW.DATA);
      return { word: concat([new Uint8Array(12), v]), text: '0x' + checksum(hex(v)) };
    case 'bool':
      if (v.length > 1 || (v.length === 1 && v[0]! > 1)) throw new Apdu(SW.DATA);
      return { word: word(big(v)), text: big(v) === 1n ? 'true' : 'false' };
    case 'bytesN': {
      if (v.length > t.size!) throw new Apdu(SW.DATA);
      const w = new Uint8Array(32);
      w.set(v);
      return { word: w, text: '0x' + hex(v) };
    }
    case 'string':
      return { word: keccak_256(v), text: Buffer.from(v).toString('utf8') };
    case 'bytes':
      return { word: keccak_256(v), text: '0x' + hex(v) };
    default:
      throw new Apdu(SW.DATA);
  }
}

export class LedgerEmulator extends TransportBase {
  app: string;
  appVersion: string;
  locked: boolean;
  lockedStatus: number;
  user: 'approve' | 'reject';
  rejectOnField: string | undefined;
  highS: boolean;
  blindSigning: boolean;
  rawMessages: boolean;
  screen: 'nano' | 'wallet';
  eip712Full: boolean | undefined;
  readonly shown: Shown[] = [];
  readonly log: Array<{ apdu: string; response: string }> = [];
  /** The hashes the device computed for its last full-form EIP-712 signature. */
  lastEip712: { domainHash: string; messageHash: string; digest: string } | undefined;
  private readonly seed: Uint8Array;
  private eip712: Eip712Context | undefined;

  constructor(o: LedgerEmulatorOptions = {}) {
    super();
    this.seed = mnemonicToSeedSync(o.mnemonic ?? TEST_MNEMONIC);
    this.app = o.app ?? 'Ethereum';
    this.appVersion = o.appVersion ?? '1.13.0';
    this.locked = o.locked ?? false;
    this.lockedStatus = o.lockedStatus ?? SW.LOCKED;
    this.user = o.user ?? 'approve';
    this.rejectOnField = o.rejectOnField;
    this.highS = o.highS ?? false;
    this.blindSigning = o.blindSigning ?? true;
    this.rawMessages = o.rawMessages ?? false;
    this.screen = o.screen ?? 'nano';
    this.eip712Full = o.eip712Full;
    const wallet = this.screen === 'wallet';
    (this as unknown as { deviceModel: unknown }).deviceModel = {
      id: wallet ? 'stax' : 'nanoX',
      productName: o.productName ?? (wallet ? 'Ledger Stax' : 'Ledger Nano X'),
    };
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
      // Any error in the middle of typed data ends it, as on the device.
      if (apdu[1] === 0x1a || apdu[1] === 0x1c || apdu[1] === 0x0c) this.eip712 = undefined;
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
    const full712 = this.eip712Full ?? versionAtLeast(this.appVersion, '1.9.19');
    switch (ins) {
      case 0x06: {
        const [maj, min, pat] = this.appVersion.split('.').map(Number);
        return Uint8Array.from([this.blindSigning ? 0x01 : 0x00, maj ?? 0, min ?? 0, pat ?? 0]);
      }
      case 0x02:
        return this.getAddress(p1, p2, data);
      case 0x0c:
        if (p1 === 0 && p2 === 1 && full712) return this.signEip712Full(data);
        return this.signEip712Hashed(p1, p2, data);
      case 0x1a:
        if (!full712) throw new Apdu(SW.INS);
        return this.structDefinition(p1, p2, data);
      case 0x1c:
        if (!full712) throw new Apdu(SW.INS);
        return this.structImplementation(p1, p2, data);
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
    return this.signDigest(indexes, keccak_256(Uint8Array.from([0x19, 0x01, ...domain, ...message])));
  }

  /** v | r | s over `digest` with the key on `indexes`; v = 27 + recovery id. */
  private signDigest(indexes: number[], digest: Uint8Array): Uint8Array {
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

  // ── EIP-712 full form ──────────────────────────────────────────────────────

  private structDefinition(p1: number, p2: number, data: Uint8Array): Uint8Array {
    if (p1 !== 0) throw new Apdu(SW.P1P2);
    if (!this.eip712 || this.eip712.implementing) this.eip712 = { structs: new Map(), implementing: false, stack: [], reviewing: false };
    const c = this.eip712;
    if (p2 === 0x00) {
      const name = Buffer.from(data).toString('utf8');
      if (!name || c.structs.has(name)) throw new Apdu(SW.DATA);
      c.structs.set(name, []);
      c.last = name;
      return new Uint8Array(0);
    }
    if (p2 === 0xff) {
      if (!c.last) throw new Apdu(SW.DATA);
      c.structs.get(c.last)!.push(parseFieldDef(data));
      return new Uint8Array(0);
    }
    throw new Apdu(SW.P1P2);
  }

  /** encodeType(name): "Name(type key,…)" then the structs it refers to, sorted by name. */
  private encodeType(c: Eip712Context, name: string): string {
    const deps = new Set<string>();
    const visit = (n: string): void => {
      if (deps.has(n)) return;
      const fields = c.structs.get(n);
      if (!fields) throw new Apdu(SW.DATA); // a field refers to a struct never defined
      deps.add(n);
      for (const f of fields) if (f.type.kind === 'struct') visit(f.type.struct!);
    };
    visit(name);
    const order = [name, ...[...deps].filter((d) => d !== name).sort()];
    return order
      .map(
        (n) =>
          `${n}(${c.structs
            .get(n)!
            .map((f) => `${typeName(f.type)} ${f.key}`)
            .join(',')})`,
      )
      .join('');
  }

  private pushStruct(c: Eip712Context, name: string, path: string): void {
    const fields = c.structs.get(name);
    if (!fields) throw new Apdu(SW.DATA);
    c.stack.push({ kind: 'struct', name, fields, index: 0, parts: [keccak_256(utf8(this.encodeType(c, name)))], path });
    if (fields.length === 0) this.complete(c, undefined);
  }

  /** The type, key and path of the value the device expects next; entering nested structs as it goes. */
  private expected(c: Eip712Context): { type: TypeDesc; key: string; path: string } {
    for (;;) {
      const top = c.stack.at(-1);
      if (!top) throw new Apdu(SW.DATA); // no root set, or the root is complete
      let e: { type: TypeDesc; key: string; path: string };
      if (top.kind === 'struct') {
        const f = top.fields[top.index]!;
        e = { type: f.type, key: f.key, path: top.path ? `${top.path}.${f.key}` : f.key };
      } else e = { type: top.elem, key: top.key, path: `${top.path}.[]` };
      if (e.type.kind === 'struct' && e.type.levels.length === 0) {
        this.pushStruct(c, e.type.struct!, e.path);
        continue;
      }
      return e;
    }
  }

  /** One value (or an array's, or a struct's hash) is done: add it to its parent and climb while parents are done. */
  private complete(c: Eip712Context, enc: Uint8Array | undefined): void {
    if (enc) c.stack.at(-1)!.parts.push(enc);
    for (;;) {
      const top = c.stack.at(-1)!;
      if (top.kind === 'struct') {
        if (enc) top.index++;
        if (top.index < top.fields.length) return;
      } else if (--top.remaining > 0) return;
      enc = keccak_256(concat(top.parts));
      c.stack.pop();
      const parent = c.stack.at(-1);
      if (!parent) {
        if (c.root === 'EIP712Domain') c.domainHash = enc;
        else c.messageHash = enc;
        return;
      }
      parent.parts.push(enc);
    }
  }

  /** The device shows a field (or refuses to start the review, or the user refuses). */
  private show(s: Shown): void {
    const c = this.eip712!;
    if (!c.reviewing) {
      // app-ethereum: a message without Ledger-signed filters needs "Blind signing" or "Raw messages".
      if (!this.blindSigning && !this.rawMessages) {
        this.shown.push({ screen: 'blind-signing-error' });
        throw new Apdu(SW.DATA);
      }
      c.reviewing = true;
    }
    this.shown.push(s);
    if (this.user === 'reject' || (s.screen === 'eip712-field' && s.name === this.rejectOnField)) throw new Apdu(SW.REJECTED);
  }

  private structImplementation(p1: number, p2: number, data: Uint8Array): Uint8Array {
    const c = this.eip712;
    if (!c) throw new Apdu(SW.NOT_ALLOWED);
    if (p1 > 1) throw new Apdu(SW.P1P2);
    c.implementing = true;
    if (c.pending && p2 !== 0xff) throw new Apdu(SW.DATA);
    if (p2 === 0x00) {
      if (c.stack.length !== 0) throw new Apdu(SW.DATA); // the previous root is not complete
      const name = Buffer.from(data).toString('utf8');
      if (!c.structs.has(name)) throw new Apdu(SW.DATA);
      c.root = name;
      this.pushStruct(c, name, '');
      return new Uint8Array(0);
    }
    if (p2 === 0x0f) {
      if (data.length !== 1) throw new Apdu(SW.DATA);
      const e = this.expected(c);
      const outer = e.type.levels.at(-1);
      if (outer === undefined || (outer !== null && outer !== data[0])) throw new Apdu(SW.DATA);
      const elem: TypeDesc = { ...e.type, levels: e.type.levels.slice(0, -1) };
      if (data[0] === 0) this.complete(c, keccak_256(new Uint8Array(0)));
      else c.stack.push({ kind: 'array', elem, key: e.key, remaining: data[0]!, parts: [], path: e.path });
      return new Uint8Array(0);
    }
    if (p2 !== 0xff) throw new Apdu(SW.P1P2);
    const e = this.expected(c);
    if (e.type.levels.length !== 0 || e.type.kind === 'struct') throw new Apdu(SW.DATA);
    if (!c.pending) {
      if (data.length < 2) throw new Apdu(SW.DATA);
      c.pending = { length: (data[0]! << 8) | data[1]!, bytes: [...data.subarray(2)] };
    } else c.pending.bytes.push(...data);
    if (c.pending.bytes.length > c.pending.length) throw new Apdu(SW.DATA);
    if (p1 === 0x01) return new Uint8Array(0); // more of this value follows
    if (c.pending.bytes.length !== c.pending.length) throw new Apdu(SW.DATA); // "complete", yet shorter than announced
    const value = Uint8Array.from(c.pending.bytes);
    c.pending = undefined;
    const { word: w, text } = encodeAtomic(e.type, value);
    const domain = c.root === 'EIP712Domain';
    if (this.screen === 'wallet' || this.rawMessages || domain) this.show({ screen: 'eip712-field', root: c.root!, path: e.path, name: e.key, value: text });
    this.complete(c, w);
    return new Uint8Array(0);
  }

  private signEip712Full(data: Uint8Array): Uint8Array {
    const c = this.eip712;
    if (!c || !c.domainHash || !c.messageHash || c.stack.length !== 0 || c.pending) throw new Apdu(SW.DATA);
    const { indexes, text, rest } = parsePath(data);
    if (rest.length !== 0) throw new Apdu(SW.DATA);
    const domainHash = c.domainHash;
    const messageHash = c.messageHash;
    if (this.screen === 'nano' && !this.rawMessages) this.show({ screen: 'eip712-hash', messageHash: hex(messageHash) });
    this.show({ screen: 'eip712-sign', path: text, domainHash: hex(domainHash), messageHash: hex(messageHash) });
    this.eip712 = undefined;
    const digest = keccak_256(concat([Uint8Array.from([0x19, 0x01]), domainHash, messageHash]));
    this.lastEip712 = { domainHash: hex(domainHash), messageHash: hex(messageHash), digest: hex(digest) };
    return this.signDigest(indexes, digest);
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

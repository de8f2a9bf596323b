/**
 * PKCS#11 key backend: keys generated on and used inside a token
 * of any PKCS#11 module (SoftHSM2, a network HSM, a smart card), through
 * pkcs11js. docs/keys-and-devices.md ("## PKCS#11") is the user-facing account.
 *
 *   Devices   every initialised token of the module's slots (optionally only
 *             those with `tokenLabel` / in `slotId`); deviceId "pkcs11:<serial>".
 *   Keys      EC key pairs: P-256 and secp256k1 (CKM_EC_KEY_PAIR_GEN with the
 *             curve OID as CKA_EC_PARAMS) and Ed25519 (CKM_EC_EDWARDS_KEY_PAIR_GEN),
 *             generated ON the token with CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE
 *             true and CKA_EXTRACTABLE false; of the usages only CKA_SIGN is
 *             true (CKA_DECRYPT, CKA_SIGN_RECOVER, CKA_UNWRAP, CKA_DERIVE false;
 *             the public key CKA_VERIFY alone). The key id is the engine's
 *             keyIdOf(scheme, publicKey); it is also written as CKA_ID (20 bytes)
 *             so the key is found again, by us or by pkcs11-tool.
 *   Public    keys are read from the public-key object (CKA_EC_POINT, DER OCTET
 *             STRING unwrapped; EC points compressed to 33 bytes), which is a
 *             public object: list() and get() need no PIN.
 *   Signing   p256: CKM_ECDSA over SHA-256(digest) (or CKM_ECDSA_SHA256 over the
 *             digest when the token lacks raw CKM_ECDSA) — the engine's
 *             ECDSA-SHA256 form, core/crypto/ecdsa.ts; secp256k1: CKM_ECDSA over
 *             the EIP-712 digest itself; ed25519: CKM_EDDSA over the digest.
 *             ECDSA results become 64-byte r||s with low S; every signature is
 *             checked with the engine's verifier before it is returned.
 *   PIN       passed per call (Unlock.secret), given to C_Login and dropped; it
 *             is never stored, logged, or put in an error. Each operation opens
 *             its own session, logs in, and logs out and closes it afterwards
 *             (a lost session is reopened once, for operations that had not
 *             changed the token yet).
 *   Threads   every PKCS#11 call runs in a worker thread per module
 *             (hsm/pkcs11-calls.ts): pkcs11js is synchronous, and on a network
 *             HSM or a smart card C_Login, C_FindObjects or C_Sign can take
 *             long; the main thread (Electron's, or the served host's) never
 *             waits on one. `thread: 'inline'` runs them on the calling thread
 *             instead (key generation and C_Sign on libuv's pool).
 *   Queue     one request at a time per token (DeviceQueue).
 *   Errors    CKR_* codes map to stable codes (core/errors.ts): PIN_INCORRECT,
 *             PIN_LOCKED, TOKEN_NOT_PRESENT, DEVICE_REMOVED,
 *             MECHANISM_NOT_SUPPORTED, SESSION_LOST, PKCS11_MODULE_ERROR, and
 *             PKCS11_ERROR naming any other CKR_ constant. An error that comes
 *             from a token that vanished mid-call (SoftHSM answers
 *             CKR_OBJECT_HANDLE_INVALID or CKR_GENERAL_ERROR when its token
 *             directory is deleted) is reported as TOKEN_NOT_PRESENT.
 *
 * One PKCS#11 module may be C_Initialize'd once per process: modules are
 * shared per path (reference-counted) between backends; close() releases it.
 */
import { randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import type { Handle, Template, TokenInfo } from 'pkcs11js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { fromHex, keyIdOf, sha256, toHex } from '../core/codec/index.js';
import { ECDSA_CURVES } from '../core/crypto/ecdsa.js';
import { isSignatureScheme, isValidPublicKey, nobleVerifier } from '../core/crypto/ed25519.js';
import type { SignatureScheme } from '../core/engine/types.js';
import { CharterError, type ErrorCode } from '../core/errors.js';
import { openModule, type OpenModule, type Pkcs11Calls, type Pkcs11Thread } from './pkcs11-calls.js';
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

/** The PKCS#11 calls this backend makes, as promises (hsm/pkcs11-calls.ts; a test may wrap them). */
export type Pkcs11Module = Pkcs11Calls;
export type { Pkcs11Thread } from './pkcs11-calls.js';

export interface Pkcs11BackendOptions {
  /** Path of the PKCS#11 shared library, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  modulePath: string;
  /** Only tokens with this label (CKA token label, trailing blanks ignored). */
  tokenLabel?: string;
  /** Only the token in this slot id. */
  slotId?: number;
  /** Clock for CKA_START_DATE of generated keys. */
  clock?: () => Date;
  /**
   * Where the module's calls run: 'worker' (default), a worker thread per
   * module, so no PKCS#11 call blocks this thread; or 'inline', on this thread
   * (key generation and C_Sign still on libuv's pool).
   */
  thread?: Pkcs11Thread;
  /**
   * Tests only: wraps the module's calls before this backend uses them (used to
   * simulate CKR_PIN_LOCKED, which SoftHSM2 never returns, and to hook a token
   * removal or a session close at a chosen call). The wrapper must not have a
   * `then` property (it is returned from an async function). Not for production.
   */
  wrapModule?: (module: Pkcs11Module) => Pkcs11Module;
}

// ── PKCS#11 constants pkcs11js does not export (PKCS#11 v3.0) ───────────────
export const CKK_EC_EDWARDS = 0x40;
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
export const CKM_EDDSA = 0x1057;
export const CKM_ECDSA_SHA256 = 0x1044;
const CKR_CURVE_NOT_SUPPORTED = 0x140;
const CKR_ACTION_PROHIBITED = 0x1b;

const MECHANISM_NAMES: Record<number, string> = {
  [pkcs11js.CKM_EC_KEY_PAIR_GEN]: 'CKM_EC_KEY_PAIR_GEN',
  [pkcs11js.CKM_ECDSA]: 'CKM_ECDSA',
  [CKM_ECDSA_SHA256]: 'CKM_ECDSA_SHA256',
  [CKM_EC_EDWARDS_KEY_PAIR_GEN]: 'CKM_EC_EDWARDS_KEY_PAIR_GEN',
  [CKM_EDDSA]: 'CKM_EDDSA',
};
export function mechanismName(m: number): string {
  return MECHANISM_NAMES[m] ?? `mechanism 0x${m.toString(16)}`;
}

interface SchemeSpec {
  keyType: number;
  keyTypeName: string;
  generate: number;
  /** CKA_EC_PARAMS choices, first preferred (DER). */
  params: string[];
  /** Signing mechanisms, first preferred. */
  sign: number[];
}

/** DER of the curve OIDs / names used as CKA_EC_PARAMS. */
export const EC_PARAMS = {
  p256: '06082a8648ce3d030107', // OID 1.2.840.10045.3.1.7 (prime256v1)
  secp256k1: '06052b8104000a', // OID 1.3.132.0.10
  ed25519: '06032b6570', // OID 1.3.101.112 (id-Ed25519)
  ed25519Name: '130c656477617264733235353139', // PrintableString "edwards25519" (PKCS#11 3.0 curve name)
} as const;

const SCHEMES: { readonly [S in SignatureScheme]: SchemeSpec } = {
  p256: {
    keyType: pkcs11js.CKK_EC,
    keyTypeName: 'CKK_EC',
    generate: pkcs11js.CKM_EC_KEY_PAIR_GEN,
    params: [EC_PARAMS.p256],
    sign: [pkcs11js.CKM_ECDSA, CKM_ECDSA_SHA256],
  },
  secp256k1: {
    keyType: pkcs11js.CKK_EC,
    keyTypeName: 'CKK_EC',
    generate: pkcs11js.CKM_EC_KEY_PAIR_GEN,
    params: [EC_PARAMS.secp256k1],
    sign: [pkcs11js.CKM_ECDSA],
  },
  ed25519: {
    keyType: CKK_EC_EDWARDS,
    keyTypeName: 'CKK_EC_EDWARDS',
    generate: CKM_EC_EDWARDS_KEY_PAIR_GEN,
    params: [EC_PARAMS.ed25519, EC_PARAMS.ed25519Name],
    sign: [CKM_EDDSA],
  },
};

/**
 * The usage attributes of a key pair, in the order (and with the names) OpenSC's
 * `pkcs11-tool -O` prints them. A generated private key has CKA_SIGN alone
 * true; its public key CKA_VERIFY alone.
 */
export const PRIVATE_USAGE: readonly [number, string][] = [
  [pkcs11js.CKA_DECRYPT, 'decrypt'],
  [pkcs11js.CKA_SIGN, 'sign'],
  [pkcs11js.CKA_SIGN_RECOVER, 'signRecover'],
  [pkcs11js.CKA_UNWRAP, 'unwrap'],
  [pkcs11js.CKA_DERIVE, 'derive'],
];
export const PUBLIC_USAGE: readonly [number, string][] = [
  [pkcs11js.CKA_ENCRYPT, 'encrypt'],
  [pkcs11js.CKA_VERIFY, 'verify'],
  [pkcs11js.CKA_VERIFY_RECOVER, 'verifyRecover'],
  [pkcs11js.CKA_WRAP, 'wrap'],
  [pkcs11js.CKA_DERIVE, 'derive'],
];
/** CKA_* names of the usage attributes (attestation record keys). */
const USAGE_ATTR_NAMES = new Map<number, string>([
  [pkcs11js.CKA_DECRYPT, 'CKA_DECRYPT'],
  [pkcs11js.CKA_SIGN, 'CKA_SIGN'],
  [pkcs11js.CKA_SIGN_RECOVER, 'CKA_SIGN_RECOVER'],
  [pkcs11js.CKA_UNWRAP, 'CKA_UNWRAP'],
  [pkcs11js.CKA_DERIVE, 'CKA_DERIVE'],
  [pkcs11js.CKA_ENCRYPT, 'CKA_ENCRYPT'],
  [pkcs11js.CKA_VERIFY, 'CKA_VERIFY'],
  [pkcs11js.CKA_VERIFY_RECOVER, 'CKA_VERIFY_RECOVER'],
  [pkcs11js.CKA_WRAP, 'CKA_WRAP'],
]);

/** Token flags by name (PKCS#11 CK_TOKEN_INFO.flags). */
const TOKEN_FLAGS: [number, string][] = [
  [0x1, 'rng'],
  [0x2, 'write-protected'],
  [0x4, 'login-required'],
  [0x8, 'user-pin-initialized'],
  [0x20, 'restore-key-not-needed'],
  [0x40, 'clock-on-token'],
  [0x100, 'protected-authentication-path'],
  [0x200, 'dual-crypto-operations'],
  [0x400, 'token-initialized'],
  [0x800, 'secondary-authentication'],
  [0x10000, 'user-pin-count-low'],
  [0x20000, 'user-pin-final-try'],
  [0x40000, 'user-pin-locked'],
  [0x80000, 'user-pin-to-be-changed'],
  [0x100000, 'so-pin-count-low'],
  [0x200000, 'so-pin-final-try'],
  [0x400000, 'so-pin-locked'],
  [0x800000, 'so-pin-to-be-changed'],
];
const CKF_USER_PIN_INITIALIZED = 0x8;
const CKF_PROTECTED_AUTHENTICATION_PATH = 0x100;
const CKF_TOKEN_INITIALIZED = 0x400;
const CKF_USER_PIN_FINAL_TRY = 0x20000;
const CKF_USER_PIN_LOCKED = 0x40000;

export function tokenFlagNames(flags: number): string[] {
  return TOKEN_FLAGS.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
}

/** CKR_ name of a return value, from pkcs11js's constants. */
const CKR_NAMES = new Map<number, string>(
  Object.entries(pkcs11js as unknown as Record<string, unknown>)
    .filter(([k, v]) => k.startsWith('CKR_') && typeof v === 'number')
    .map(([k, v]) => [v as number, k]),
);
CKR_NAMES.set(CKR_CURVE_NOT_SUPPORTED, 'CKR_CURVE_NOT_SUPPORTED');
CKR_NAMES.set(CKR_ACTION_PROHIBITED, 'CKR_ACTION_PROHIBITED');
export function ckrName(code: number): string {
  return CKR_NAMES.get(code) ?? `CKR_0x${code.toString(16).toUpperCase()}`;
}

function pkcs11Code(e: unknown): number | null {
  if (e instanceof Error && e.name === 'Pkcs11Error' && typeof (e as { code?: unknown }).code === 'number') return (e as unknown as { code: number }).code;
  return null;
}

/** The PKCS#11 function a pkcs11js error came from, if it says. */
function methodOf(e: unknown): string | null {
  const m = e instanceof Error ? (e as Error & { method?: unknown }).method : undefined;
  return typeof m === 'string' && m.length > 0 ? m : null;
}

/** A short description of a native error: pkcs11js messages are CKR names or dlopen texts, never call arguments. */
function errText(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.name;
  return String(e);
}

// ── encodings ───────────────────────────────────────────────────────────────
/** Reads a DER length at `off`; returns [length, headerBytes] or null. */
function derLength(b: Uint8Array, off: number): [number, number] | null {
  const first = b[off];
  if (first === undefined) return null;
  if (first < 0x80) return [first, 1];
  const n = first & 0x7f;
  if (n === 0 || n > 2 || off + n >= b.length + 0) return null;
  let len = 0;
  for (let i = 1; i <= n; i++) len = (len << 8) | (b[off + i] ?? 0);
  return [len, 1 + n];
}

/**
 * The point bytes of a CKA_EC_POINT value: PKCS#11 says DER OCTET STRING,
 * some tokens give the raw point. Raw forms are recognised by their exact
 * shape (65-byte uncompressed or 33-byte compressed SEC1; 32-byte Ed25519).
 */
export function unwrapEcPoint(value: Uint8Array, scheme: SignatureScheme): Uint8Array {
  if (scheme === 'ed25519') {
    if (value.length === 32) return value;
  } else if ((value.length === 65 && value[0] === 0x04) || (value.length === 33 && (value[0] === 0x02 || value[0] === 0x03))) {
    return value;
  }
  if (value[0] !== 0x04) throw new Error('CKA_EC_POINT is neither a DER OCTET STRING nor a raw point');
  const len = derLength(value, 1);
  if (!len || 1 + len[1] + len[0] !== value.length) throw new Error('CKA_EC_POINT has a bad DER length');
  return value.subarray(1 + len[1]);
}

/** The engine's public-key encoding: Ed25519 32 bytes; EC compressed SEC1 (33 bytes). */
export function enginePublicKey(scheme: SignatureScheme, point: Uint8Array): Uint8Array {
  if (scheme === 'ed25519') {
    if (point.length !== 32) throw new Error(`an Ed25519 public key has 32 bytes, not ${point.length}`);
    return point;
  }
  const curve = scheme === 'p256' ? p256 : secp256k1;
  return curve.Point.fromBytes(point).toBytes(true);
}

/** ECDSA signature from a token (raw r||s per PKCS#11, or DER from some) → 64-byte r||s with low S. */
export function normalizeEcdsaSignature(scheme: 'p256' | 'secp256k1', sig: Uint8Array): Uint8Array {
  let r: bigint;
  let s: bigint;
  if (sig.length === 64) {
    r = bytesToNumberBE(sig.subarray(0, 32));
    s = bytesToNumberBE(sig.subarray(32));
  } else if (sig[0] === 0x30) {
    // DER SEQUENCE { INTEGER r, INTEGER s }
    const seq = derLength(sig, 1);
    if (!seq) throw new Error('the token returned a malformed DER signature');
    let off = 1 + seq[1];
    const ints: bigint[] = [];
    for (let i = 0; i < 2; i++) {
      if (sig[off] !== 0x02) throw new Error('the token returned a malformed DER signature');
      const l = derLength(sig, off + 1);
      if (!l) throw new Error('the token returned a malformed DER signature');
      const start = off + 1 + l[1];
      ints.push(bytesToNumberBE(sig.subarray(start, start + l[0])));
      off = start + l[0];
    }
    [r, s] = ints as [bigint, bigint];
  } else {
    throw new Error(`the token returned a ${sig.length}-byte ECDSA signature (expected 64-byte r||s)`);
  }
  const { n, halfN } = ECDSA_CURVES[scheme];
  if (s > halfN) s = n - s;
  const out = new Uint8Array(64);
  out.set(numberToBytesBE(r, 32), 0);
  out.set(numberToBytesBE(s, 32), 32);
  return out;
}

function trimPadded(s: string): string {
  return s.replace(/[\s\0]+$/u, '');
}

function slotNumber(slot: Handle): number {
  return Number(Buffer.from(slot).readBigUInt64LE(0));
}

function bool(v: Buffer | undefined): boolean | undefined {
  return v === undefined || v.length === 0 ? undefined : v[0] !== 0;
}

/**
 * The usages of an object as the token reports them: those it reports true, and those it
 * would not report (absent, sensitive, or not understood), which are unknown, not false.
 */
function usageOf(a: Map<number, Buffer>, usage: readonly [number, string][]): { on: string[]; unknown: string[] } {
  const on: string[] = [];
  const unknown: string[] = [];
  for (const [type, name] of usage) {
    const v = bool(a.get(type));
    if (v === undefined) unknown.push(name);
    else if (v) on.push(name);
  }
  return { on, unknown };
}

/** "sign", "sign, derive", "none"; with the unread ones after: "sign; unknown: derive". */
function usageText(u: { on: string[]; unknown: string[] }): string {
  const text = u.on.length ? u.on.join(', ') : 'none';
  return u.unknown.length ? `${text}; unknown: ${u.unknown.join(', ')}` : text;
}

/** CKA_START_DATE value (CK_DATE: "YYYYMMDD") → "YYYY-MM-DD", or "" if absent. */
function dateOf(v: Buffer | undefined): string {
  if (!v || v.length !== 8) return '';
  const s = v.toString('latin1');
  return /^\d{8}$/.test(s) ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}` : '';
}

// ── the backend ──────────────────────────────────────────────────────────────
/** One queue per token per module path, process-wide. */
const QUEUES = new Map<string, DeviceQueue>();

interface Token {
  slot: Handle;
  slotId: number;
  deviceId: string;
  label: string;
  serial: string;
  info: TokenInfo;
}

interface Located {
  token: Token;
  info: KeyInfo;
  /** CKA_ID of the key pair. */
  ckaId: Buffer;
}

interface SessionOpts {
  rw?: boolean;
  /** Log in as the user with this PIN; `null`: log in on the token's PIN pad (protected authentication path). */
  pin?: string | null;
}

export class Pkcs11Backend implements KeyBackend {
  readonly kind = 'pkcs11' as const;
  readonly modulePath: string;
  private readonly tokenLabel?: string;
  private readonly slotId?: number;
  private readonly clock: () => Date;
  private readonly wrapModule?: (m: Pkcs11Module) => Pkcs11Module;
  private readonly thread: Pkcs11Thread;
  private opened: Promise<OpenModule> | null = null;
  private lib: Pkcs11Module | null = null;
  /** Where keys were last seen (key id → token): public facts, kept to say "its token is gone" rather than "no such key". */
  private readonly seen = new Map<string, { deviceId: string; label: string; serial: string; slotId: number }>();
  private closed = false;

  constructor(opts: Pkcs11BackendOptions) {
    if (typeof opts?.modulePath !== 'string' || opts.modulePath.length === 0)
      throw new CharterError('INVALID_INPUT', 'a PKCS#11 backend needs the path of its module');
    this.modulePath = opts.modulePath;
    this.tokenLabel = opts.tokenLabel;
    this.slotId = opts.slotId;
    this.clock = opts.clock ?? (() => new Date());
    this.wrapModule = opts.wrapModule;
    this.thread = opts.thread ?? 'worker';
  }

  /** The module, loaded and initialised on first use (PKCS11_MODULE_ERROR if it cannot be). */
  private async module(): Promise<Pkcs11Module> {
    if (this.closed) throw new CharterError('PKCS11_MODULE_ERROR', `the PKCS#11 backend for ${this.modulePath} was closed`);
    if (this.lib) return this.lib;
    this.opened ??= openModule(this.modulePath, this.thread);
    let open: OpenModule;
    try {
      open = await this.opened;
    } catch (e) {
      this.opened = null; // a later call tries again (the module may have been installed meanwhile)
      throw e;
    }
    this.lib ??= this.wrapModule ? this.wrapModule(open.calls) : open.calls;
    return this.lib;
  }

  /**
   * Releases the module (C_Finalize, and the end of its worker, when no other
   * backend in this process uses it). Resolves when that is done.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.lib = null;
    const opened = this.opened;
    this.opened = null;
    if (opened)
      await opened.then(
        (m) => m.release(),
        () => undefined,
      );
  }

  /** The token's queue, shared by every backend of this process on the same module (a login is per token, not per backend). */
  private queue(deviceId: string): DeviceQueue {
    const k = `${this.modulePath}\0${deviceId}`;
    let q = QUEUES.get(k);
    if (!q) QUEUES.set(k, (q = new DeviceQueue()));
    return q;
  }

  /** Present, initialised tokens matching the options, in slot order. */
  private async tokens(): Promise<Token[]> {
    const lib = await this.module();
    let slots: Handle[];
    try {
      slots = await lib.C_GetSlotList(true);
    } catch (e) {
      throw await this.mapError(e, null, 'C_GetSlotList');
    }
    const out: Token[] = [];
    for (const slot of slots) {
      const slotId = slotNumber(slot);
      if (this.slotId !== undefined && slotId !== this.slotId) continue;
      let info: TokenInfo;
      try {
        info = await lib.C_GetTokenInfo(slot);
      } catch {
        continue; // a token that vanished between the two calls (or a broken one) is not present
      }
      if ((info.flags & CKF_TOKEN_INITIALIZED) === 0) continue;
      const label = trimPadded(info.label);
      if (this.tokenLabel !== undefined && label !== this.tokenLabel) continue;
      const serial = trimPadded(info.serialNumber);
      out.push({ slot, slotId, deviceId: `pkcs11:${serial || `slot-${slotId}`}`, label, serial, info });
    }
    return out;
  }

  private describe(t: Token): string {
    return `token "${t.label}" (serial ${t.serial || 'none'}, slot ${t.slotId})`;
  }

  /** The token with this deviceId, or the first usable one. */
  private async token(deviceId?: string): Promise<Token> {
    const all = await this.tokens();
    const where = `module ${this.modulePath}${this.tokenLabel !== undefined ? ` with label "${this.tokenLabel}"` : ''}`;
    if (deviceId !== undefined) {
      const t = all.find((x) => x.deviceId === deviceId);
      if (!t) throw new CharterError('TOKEN_NOT_PRESENT', `token ${deviceId} is not present in ${where}`, { deviceId });
      return t;
    }
    const t = all.find((x) => (x.info.flags & CKF_USER_PIN_INITIALIZED) !== 0) ?? all[0];
    if (!t) throw new CharterError('TOKEN_NOT_PRESENT', `no initialised token is present in ${where}`);
    return t;
  }

  /** Whether the token is still there (same serial and label in some slot). */
  private async present(t: Token): Promise<boolean> {
    try {
      const lib = await this.module();
      for (const slot of await lib.C_GetSlotList(true)) {
        try {
          const info = await lib.C_GetTokenInfo(slot);
          if (trimPadded(info.serialNumber) === t.serial && trimPadded(info.label) === t.label) return true;
        } catch {
          /* that slot's token is gone or broken */
        }
      }
    } catch {
      return false;
    }
    return false;
  }

  /** A CharterError for anything a PKCS#11 call threw. Never includes a PIN: pkcs11js errors carry only CKR names. */
  private async mapError(e: unknown, t: Token | null, call: string): Promise<CharterError> {
    if (e instanceof CharterError) return e;
    const code = pkcs11Code(e);
    const on = t ? ` on ${this.describe(t)}` : '';
    const details = (ckr: string | null): Record<string, string> => ({
      ...(ckr ? { ckr } : {}),
      call,
      ...(t ? { deviceId: t.deviceId } : {}),
      module: this.modulePath,
    });
    if (code === null) {
      return new CharterError('PKCS11_ERROR', `${call} failed${on}: ${errText(e)}`, details(null));
    }
    const ckr = ckrName(code);
    const make = (c: ErrorCode, msg: string) => new CharterError(c, msg, details(ckr));
    switch (code) {
      case pkcs11js.CKR_PIN_INCORRECT:
      case pkcs11js.CKR_PIN_INVALID: {
        let warn = '';
        if (t) {
          try {
            const flags = (await (await this.module()).C_GetTokenInfo(t.slot)).flags;
            if (flags & CKF_USER_PIN_LOCKED)
              return make('PIN_LOCKED', `the PIN was not accepted and the user PIN of ${this.describe(t)} is now locked (${ckr}); nothing was done`);
            if (flags & CKF_USER_PIN_FINAL_TRY) warn = '; one more wrong PIN will lock the token';
          } catch {
            /* flags are a courtesy */
          }
        }
        return make('PIN_INCORRECT', `the PIN was not accepted by ${t ? this.describe(t) : 'the token'} (${ckr})${warn}; nothing was done`);
      }
      case pkcs11js.CKR_PIN_LEN_RANGE:
        return make(
          'PIN_INCORRECT',
          t
            ? `the PIN was not accepted by ${this.describe(t)}: its length is outside the ${t.info.minPinLen}–${t.info.maxPinLen} characters the token takes (${ckr}); nothing was done`
            : `the PIN's length is outside what the token takes (${ckr}); nothing was done`,
        );
      case pkcs11js.CKR_PIN_LOCKED:
        return make('PIN_LOCKED', `the user PIN of ${t ? this.describe(t) : 'the token'} is locked after too many wrong PINs (${ckr}); nothing was done`);
      case pkcs11js.CKR_TOKEN_NOT_PRESENT:
        return make('TOKEN_NOT_PRESENT', `${t ? this.describe(t) : 'the token'} is not present (${ckr} from ${call}); nothing was done`);
      case pkcs11js.CKR_DEVICE_REMOVED:
        return make('DEVICE_REMOVED', `${t ? this.describe(t) : 'the token'} was removed during ${call} (${ckr}); the operation was not completed`);
      case pkcs11js.CKR_MECHANISM_INVALID:
      case CKR_CURVE_NOT_SUPPORTED:
      case pkcs11js.CKR_DOMAIN_PARAMS_INVALID:
        return make('MECHANISM_NOT_SUPPORTED', `${t ? this.describe(t) : 'the token'} refused the mechanism or curve of ${call} (${ckr})`);
      default:
        break;
    }
    // Anything else from a token that has gone away is its absence, whatever the module says.
    if (t && code !== pkcs11js.CKR_SESSION_HANDLE_INVALID && code !== pkcs11js.CKR_SESSION_CLOSED && !(await this.present(t))) {
      return make(
        'TOKEN_NOT_PRESENT',
        `${this.describe(t)} is no longer present: it was removed while in use (${call} answered ${ckr}); the operation was not completed`,
      );
    }
    if (code === pkcs11js.CKR_SESSION_HANDLE_INVALID || code === pkcs11js.CKR_SESSION_CLOSED) {
      if (t && !(await this.present(t))) {
        return make('TOKEN_NOT_PRESENT', `${this.describe(t)} is no longer present: its session closed (${ckr} from ${call}); the operation was not completed`);
      }
      return make('SESSION_LOST', `the session with ${t ? this.describe(t) : 'the token'} was lost (${ckr} from ${call}); the operation was not completed`);
    }
    return make('PKCS11_ERROR', `${call} failed${on} with ${ckr} (0x${code.toString(16)})`);
  }

  /**
   * Runs `fn` in a fresh session (logged in when `pin` is given), then logs
   * out and closes it. A lost session is reopened once if `fn` had not yet
   * called `mutating()` (i.e. had not changed the token).
   */
  private async withSession<T>(t: Token, opts: SessionOpts, fn: (s: Handle, mutating: () => void) => Promise<T>): Promise<T> {
    const lib = await this.module();
    for (let attempt = 0; ; attempt++) {
      let session: Handle | null = null;
      let loggedIn = false;
      let mutated = false;
      let call = 'C_OpenSession';
      try {
        session = await lib.C_OpenSession(t.slot, pkcs11js.CKF_SERIAL_SESSION | (opts.rw ? pkcs11js.CKF_RW_SESSION : 0));
        if (opts.pin !== undefined) {
          call = 'C_Login';
          await this.login(session, t, opts.pin);
          loggedIn = true;
        }
        call = 'operation';
        return await fn(session, () => {
          mutated = true;
        });
      } catch (e) {
        const err = await this.mapError(e, t, methodOf(e) ?? call);
        if (err.code === 'SESSION_LOST' && attempt === 0 && !mutated) continue;
        throw err;
      } finally {
        if (session !== null) {
          if (loggedIn) {
            try {
              await lib.C_Logout(session);
            } catch {
              /* the session may be gone already */
            }
          }
          try {
            await lib.C_CloseSession(session);
          } catch {
            /* idem */
          }
        }
      }
    }
  }

  /** C_Login as the user. The PIN goes to the module and nowhere else. */
  private async login(session: Handle, t: Token, pin: string | null): Promise<void> {
    const lib = await this.module();
    const flags = (await lib.C_GetTokenInfo(t.slot)).flags;
    if (flags & CKF_USER_PIN_LOCKED) {
      throw new CharterError('PIN_LOCKED', `the user PIN of ${this.describe(t)} is locked (token flag CKF_USER_PIN_LOCKED); nothing was tried`, {
        deviceId: t.deviceId,
        module: this.modulePath,
      });
    }
    const login = async () => (pin === null ? await lib.C_Login(session, pkcs11js.CKU_USER) : await lib.C_Login(session, pkcs11js.CKU_USER, pin));
    try {
      await login();
    } catch (e) {
      // Logged in by another session of this process: log out and in again, so this PIN is checked.
      if (pkcs11Code(e) !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) throw e;
      await lib.C_Logout(session);
      await login();
    }
  }

  /** The PIN of `unlock`, or null for a token with a PIN pad; INVALID_INPUT if none is given where one is needed. */
  private pinOf(t: Token, unlock: Unlock | undefined): string | null {
    const secret = unlock?.secret;
    if (typeof secret === 'string' && secret.length > 0) return secret;
    if (t.info.flags & CKF_PROTECTED_AUTHENTICATION_PATH) return null;
    throw new CharterError('INVALID_INPUT', `${this.describe(t)} needs its user PIN; none was given`, { deviceId: t.deviceId });
  }

  private async requireMechanisms(t: Token, scheme: SignatureScheme, forGenerate: boolean): Promise<{ sign: number }> {
    const lib = await this.module();
    let mechs: Set<number>;
    try {
      mechs = new Set(await lib.C_GetMechanismList(t.slot));
    } catch (e) {
      throw await this.mapError(e, t, 'C_GetMechanismList');
    }
    const spec = SCHEMES[scheme];
    if (forGenerate && !mechs.has(spec.generate)) {
      throw new CharterError(
        'MECHANISM_NOT_SUPPORTED',
        `${this.describe(t)} does not offer ${mechanismName(spec.generate)}, needed to generate ${scheme} keys`,
        {
          mechanism: mechanismName(spec.generate),
          scheme,
          deviceId: t.deviceId,
        },
      );
    }
    const sign = spec.sign.find((m) => mechs.has(m));
    if (sign === undefined) {
      const names = spec.sign.map(mechanismName).join(' or ');
      throw new CharterError('MECHANISM_NOT_SUPPORTED', `${this.describe(t)} does not offer ${names}, needed to sign with ${scheme} keys`, {
        mechanism: mechanismName(spec.sign[0]!),
        scheme,
        deviceId: t.deviceId,
      });
    }
    return { sign };
  }

  private async findObjects(s: Handle, template: Template): Promise<Handle[]> {
    const lib = await this.module();
    await lib.C_FindObjectsInit(s, template);
    try {
      const out: Handle[] = [];
      for (;;) {
        const batch = await lib.C_FindObjects(s, 64);
        if (batch.length === 0) break;
        out.push(...batch);
      }
      return out;
    } finally {
      try {
        await lib.C_FindObjectsFinal(s);
      } catch {
        /* the search's own error (if any) is the one to report */
      }
    }
  }

  /** Reads attributes one by one; an attribute the token does not have (or hides) is absent. */
  private async attrs(s: Handle, h: Handle, types: number[]): Promise<Map<number, Buffer>> {
    const lib = await this.module();
    const out = new Map<number, Buffer>();
    try {
      // All at once when the token has them all (the usual case) …
      const got = await lib.C_GetAttributeValue(
        s,
        h,
        types.map((type) => ({ type })),
      );
      for (const a of got) if (Buffer.isBuffer(a.value)) out.set(a.type, a.value);
      return out;
    } catch (e) {
      const c = pkcs11Code(e);
      if (c !== pkcs11js.CKR_ATTRIBUTE_TYPE_INVALID && c !== pkcs11js.CKR_ATTRIBUTE_SENSITIVE) throw e;
    }
    // … else one by one, leaving out those it lacks or hides.
    for (const type of types) {
      try {
        const [a] = await lib.C_GetAttributeValue(s, h, [{ type }]);
        if (a && Buffer.isBuffer(a.value)) out.set(type, a.value);
      } catch (e) {
        const c = pkcs11Code(e);
        if (c === pkcs11js.CKR_ATTRIBUTE_TYPE_INVALID || c === pkcs11js.CKR_ATTRIBUTE_SENSITIVE) continue;
        throw e;
      }
    }
    return out;
  }

  /** KeyInfo of a public-key object, or null if it is not a key of an engine scheme. */
  private async keyOfPublicObject(s: Handle, t: Token, h: Handle): Promise<{ info: KeyInfo; ckaId: Buffer } | null> {
    const a = await this.attrs(s, h, [
      pkcs11js.CKA_KEY_TYPE,
      pkcs11js.CKA_EC_PARAMS,
      pkcs11js.CKA_EC_POINT,
      pkcs11js.CKA_ID,
      pkcs11js.CKA_LABEL,
      pkcs11js.CKA_START_DATE,
    ]);
    const keyType = a.get(pkcs11js.CKA_KEY_TYPE);
    const params = a.get(pkcs11js.CKA_EC_PARAMS)?.toString('hex');
    const point = a.get(pkcs11js.CKA_EC_POINT);
    if (!keyType || !params || !point) return null;
    const kt = Number(keyType.readUIntLE(0, Math.min(6, keyType.length)));
    const scheme = (Object.keys(SCHEMES) as SignatureScheme[]).find((sc) => SCHEMES[sc].keyType === kt && SCHEMES[sc].params.includes(params));
    if (!scheme) return null;
    let pk: Uint8Array;
    try {
      pk = enginePublicKey(scheme, unwrapEcPoint(point, scheme));
    } catch {
      return null;
    }
    if (!isValidPublicKey(scheme, pk)) return null;
    const ckaId = a.get(pkcs11js.CKA_ID) ?? Buffer.alloc(0);
    return {
      ckaId,
      info: {
        keyId: keyIdOf(scheme, pk),
        label: a.get(pkcs11js.CKA_LABEL)?.toString('utf8') ?? '',
        scheme,
        backend: 'pkcs11',
        deviceId: t.deviceId,
        publicKey: toHex(pk),
        createdAt: dateOf(a.get(pkcs11js.CKA_START_DATE)),
        locator: ckaId.toString('hex'),
      },
    };
  }

  private async keysOn(s: Handle, t: Token): Promise<{ info: KeyInfo; ckaId: Buffer }[]> {
    const out: { info: KeyInfo; ckaId: Buffer }[] = [];
    for (const h of await this.findObjects(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }])) {
      const k = await this.keyOfPublicObject(s, t, h);
      if (k) out.push(k);
    }
    return out;
  }

  async devices(): Promise<DeviceInfo[]> {
    const lib = await this.module();
    let module: Record<string, string> = {};
    try {
      const mi = await lib.C_GetInfo();
      module = {
        module_manufacturer: trimPadded(mi.manufacturerID),
        module_description: trimPadded(mi.libraryDescription),
        module_version: `${mi.libraryVersion.major}.${mi.libraryVersion.minor}`,
      };
    } catch {
      /* module facts are a courtesy */
    }
    return (await this.tokens()).map((t) => {
      const flags = t.info.flags;
      const locked = (flags & CKF_USER_PIN_LOCKED) !== 0;
      const noPin = (flags & CKF_USER_PIN_INITIALIZED) === 0;
      return {
        deviceId: t.deviceId,
        backend: 'pkcs11' as const,
        label: t.label,
        state: locked ? ('pin-locked' as const) : noPin ? ('error' as const) : ('ready' as const),
        ...(locked
          ? { detail: 'the user PIN is locked after too many wrong PINs; the security officer must unlock it' }
          : noPin
            ? { detail: "the token has no user PIN yet; initialise it with the vendor's tool" }
            : (flags & CKF_USER_PIN_FINAL_TRY) !== 0
              ? { detail: 'one more wrong PIN will lock the token' }
              : {}),
        facts: {
          slot: String(t.slotId),
          label: t.label,
          serial: t.serial,
          manufacturer: trimPadded(t.info.manufacturerID),
          model: trimPadded(t.info.model),
          hardware_version: `${t.info.hardwareVersion.major}.${t.info.hardwareVersion.minor}`,
          firmware_version: `${t.info.firmwareVersion.major}.${t.info.firmwareVersion.minor}`,
          flags: tokenFlagNames(flags).join(','),
          module: this.modulePath,
          ...module,
        },
      };
    });
  }

  async list(): Promise<KeyInfo[]> {
    const out: KeyInfo[] = [];
    for (const t of await this.tokens()) {
      const keys = await this.queue(t.deviceId).run(() => this.withSession(t, {}, async (s) => this.keysOn(s, t)));
      for (const k of keys) this.seen.set(k.info.keyId, { deviceId: t.deviceId, label: t.label, serial: t.serial, slotId: t.slotId });
      out.push(...keys.map((k) => k.info));
    }
    const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
    return out.sort((a, b) => cmp(a.deviceId, b.deviceId) || cmp(a.createdAt, b.createdAt) || cmp(a.keyId, b.keyId));
  }

  /** Finds the key's token and public object: CKA_ID = key id first, then any public key whose key id matches. */
  private async locate(keyId: string): Promise<Located> {
    if (typeof keyId !== 'string' || !/^[0-9a-f]{40}$/.test(keyId))
      throw new CharterError('KEY_NOT_FOUND', `no key ${String(keyId)}: a key id is 40 lower-case hex digits`);
    for (const t of await this.tokens()) {
      const hit = await this.queue(t.deviceId).run(() =>
        this.withSession(t, {}, async (s) => {
          const byId = await this.findObjects(s, [
            { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
            { type: pkcs11js.CKA_ID, value: Buffer.from(fromHex(keyId)) },
          ]);
          for (const h of byId) {
            const k = await this.keyOfPublicObject(s, t, h);
            if (k && k.info.keyId === keyId) return k;
          }
          return (await this.keysOn(s, t)).find((k) => k.info.keyId === keyId) ?? null;
        }),
      );
      if (hit) {
        this.seen.set(keyId, { deviceId: t.deviceId, label: t.label, serial: t.serial, slotId: t.slotId });
        return { token: t, ...hit };
      }
    }
    const last = this.seen.get(keyId);
    if (last && !(await this.tokens()).some((t) => t.deviceId === last.deviceId)) {
      throw new CharterError(
        'TOKEN_NOT_PRESENT',
        `key ${keyId} is on token "${last.label}" (serial ${last.serial || 'none'}, slot ${last.slotId}), which is no longer present in ${this.modulePath}; nothing was done`,
        { keyId, deviceId: last.deviceId, module: this.modulePath },
      );
    }
    throw new CharterError(
      'KEY_NOT_FOUND',
      `no key ${keyId} on the tokens of ${this.modulePath}${this.tokenLabel !== undefined ? ` labelled "${this.tokenLabel}"` : ''}`,
    );
  }

  async get(keyId: string): Promise<KeyInfo> {
    return (await this.locate(keyId)).info;
  }

  private async privateKey(s: Handle, loc: Located): Promise<Handle> {
    const found = await this.findObjects(s, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_ID, value: loc.ckaId },
    ]);
    if (found.length === 0 && !this.present(loc.token)) {
      throw new CharterError('TOKEN_NOT_PRESENT', `${this.describe(loc.token)} is no longer present: it was removed while in use; nothing was done`, {
        keyId: loc.info.keyId,
        deviceId: loc.token.deviceId,
        module: this.modulePath,
      });
    }
    if (found.length !== 1) {
      throw new CharterError(
        'KEY_NOT_FOUND',
        found.length === 0
          ? `the private key of ${loc.info.keyId} (CKA_ID ${loc.ckaId.toString('hex')}) is not on ${this.describe(loc.token)}, or not visible to its user`
          : `${found.length} private keys on ${this.describe(loc.token)} share CKA_ID ${loc.ckaId.toString('hex')}; refusing to guess`,
        { keyId: loc.info.keyId, deviceId: loc.token.deviceId },
      );
    }
    return found[0]!;
  }

  async generate(opts: GenerateOptions): Promise<KeyInfo> {
    const { scheme, label } = opts;
    if (!isSignatureScheme(scheme)) throw new CharterError('INVALID_INPUT', `unknown scheme ${String(scheme)}: ed25519, p256 or secp256k1`);
    if (typeof label !== 'string' || label.length === 0 || Buffer.byteLength(label) > 128)
      throw new CharterError('INVALID_INPUT', 'a key label is 1–128 bytes');
    const t = await this.token(opts.deviceId);
    const pin = this.pinOf(t, opts);
    return this.queue(t.deviceId).run(() =>
      this.withSession(t, { rw: true, pin }, async (s, mutating) => {
        await this.requireMechanisms(t, scheme, true);
        const lib = await this.module();
        const spec = SCHEMES[scheme];
        const tempId = randomBytes(16);
        const d = this.clock();
        const date = Buffer.from(d.toISOString().slice(0, 10).replace(/-/g, ''), 'latin1');
        const common = (id: Buffer): Template => [
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_KEY_TYPE, value: spec.keyType },
          { type: pkcs11js.CKA_ID, value: id },
          { type: pkcs11js.CKA_LABEL, value: label },
          { type: pkcs11js.CKA_START_DATE, value: date },
        ];
        const privateTemplate: Template = [
          ...common(tempId),
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: true },
          { type: pkcs11js.CKA_EXTRACTABLE, value: false },
          // A custody signing key signs and does nothing else (least privilege): every other usage is false, explicitly.
          ...PRIVATE_USAGE.map(([type]) => ({ type, value: type === pkcs11js.CKA_SIGN })),
        ];
        let pair: { publicKey: Handle; privateKey: Handle } | null = null;
        let lastErr: unknown = null;
        for (const params of spec.params) {
          const publicTemplate: Template = [
            ...common(tempId),
            { type: pkcs11js.CKA_PRIVATE, value: false },
            ...PUBLIC_USAGE.map(([type]) => ({ type, value: type === pkcs11js.CKA_VERIFY })),
            { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from(params, 'hex') },
          ];
          mutating();
          try {
            // Off the main thread: pkcs11js runs *Async calls on libuv's pool.
            pair = await lib.C_GenerateKeyPair(s, { mechanism: spec.generate }, publicTemplate, privateTemplate);
            break;
          } catch (e) {
            lastErr = e;
            const c = pkcs11Code(e);
            // Another encoding of the curve may be what this token wants (Ed25519: OID or name).
            if (
              c === pkcs11js.CKR_DOMAIN_PARAMS_INVALID ||
              c === CKR_CURVE_NOT_SUPPORTED ||
              c === pkcs11js.CKR_ATTRIBUTE_VALUE_INVALID ||
              c === pkcs11js.CKR_TEMPLATE_INCONSISTENT
            )
              continue;
            throw await this.mapError(e, t, 'C_GenerateKeyPair');
          }
        }
        if (!pair) {
          const err = await this.mapError(lastErr, t, 'C_GenerateKeyPair');
          if (err.code === 'MECHANISM_NOT_SUPPORTED' || err.code === 'PKCS11_ERROR') {
            throw new CharterError(
              'MECHANISM_NOT_SUPPORTED',
              `${this.describe(t)} offers ${mechanismName(spec.generate)} but not the ${scheme} curve (${String((err.details as { ckr?: string } | undefined)?.ckr ?? err.message)})`,
              {
                mechanism: mechanismName(spec.generate),
                scheme,
                deviceId: t.deviceId,
              },
            );
          }
          throw err;
        }
        try {
          const [pt] = await lib.C_GetAttributeValue(s, pair.publicKey, [{ type: pkcs11js.CKA_EC_POINT }]);
          const pk = enginePublicKey(scheme, unwrapEcPoint(pt!.value as Buffer, scheme));
          if (!isValidPublicKey(scheme, pk)) throw new Error(`the token produced a ${scheme} public key the engine does not accept`);
          const keyId = keyIdOf(scheme, pk);
          let ckaId = tempId;
          try {
            // CKA_ID = the key id, so the key is found by it (here and in pkcs11-tool --id).
            const id = Buffer.from(fromHex(keyId));
            await lib.C_SetAttributeValue(s, pair.privateKey, [{ type: pkcs11js.CKA_ID, value: id }]);
            await lib.C_SetAttributeValue(s, pair.publicKey, [{ type: pkcs11js.CKA_ID, value: id }]);
            ckaId = id;
          } catch {
            // A token that keeps CKA_ID read-only: keep the random one on both objects (it is the locator).
            try {
              await lib.C_SetAttributeValue(s, pair.privateKey, [{ type: pkcs11js.CKA_ID, value: tempId }]);
            } catch {
              /* unchanged */
            }
          }
          this.seen.set(keyId, { deviceId: t.deviceId, label: t.label, serial: t.serial, slotId: t.slotId });
          return {
            keyId,
            label,
            scheme,
            backend: 'pkcs11' as const,
            deviceId: t.deviceId,
            publicKey: toHex(pk),
            createdAt: dateOf(date),
            locator: ckaId.toString('hex'),
          };
        } catch (e) {
          // Leave no half-made key behind.
          for (const h of [pair.privateKey, pair.publicKey]) {
            try {
              await lib.C_DestroyObject(s, h);
            } catch {
              /* best effort */
            }
          }
          if (e instanceof CharterError || pkcs11Code(e) !== null) throw e;
          throw new CharterError('PKCS11_ERROR', `${this.describe(t)} generated a ${scheme} key whose public key could not be read: ${errText(e)}`, {
            deviceId: t.deviceId,
          });
        }
      }),
    );
  }

  async sign(keyId: string, req: SignRequest, unlock: Unlock): Promise<Uint8Array> {
    if (req.attestationPae !== undefined) throw new CharterError('NOT_AVAILABLE', 'this backend does not sign evidence attestations yet (software keys do)');
    if (!(req?.digest instanceof Uint8Array) || req.digest.length !== 32) throw new CharterError('INVALID_INPUT', 'the digest to sign must be 32 bytes');
    const loc = await this.locate(keyId);
    if (req.scheme !== loc.info.scheme) throw new CharterError('INVALID_INPUT', `key ${keyId} is ${loc.info.scheme}, not ${String(req.scheme)}`);
    const t = loc.token;
    const pin = this.pinOf(t, unlock);
    const digest = Uint8Array.from(req.digest);
    return this.queue(t.deviceId).run(() => this.withSession(t, { pin }, async (s) => this.signIn(s, loc, digest)));
  }

  /** Signs `digest` for the engine with the located key, in a logged-in session, and checks the result. */
  private async signIn(s: Handle, loc: Located, digest: Uint8Array): Promise<Uint8Array> {
    const { scheme } = loc.info;
    const t = loc.token;
    const lib = await this.module();
    const { sign: mech } = await this.requireMechanisms(t, scheme, false);
    const key = await this.privateKey(s, loc);
    // What the token's mechanism consumes (core/crypto/ecdsa.ts for the engine's forms).
    const input = scheme === 'p256' && mech === pkcs11js.CKM_ECDSA ? sha256(digest) : digest;
    await lib.C_SignInit(s, { mechanism: mech }, key);
    const raw = await lib.C_Sign(s, Buffer.from(input), Buffer.alloc(256));
    let sig: Uint8Array;
    try {
      sig = scheme === 'ed25519' ? Uint8Array.from(raw) : normalizeEcdsaSignature(scheme, raw);
    } catch (e) {
      throw new CharterError('PKCS11_ERROR', `${this.describe(t)} returned a signature in an unknown form: ${errText(e)}`, { deviceId: t.deviceId });
    }
    if (!nobleVerifier.verify(scheme, fromHex(loc.info.publicKey), digest, sig)) {
      throw new CharterError(
        'PKCS11_ERROR',
        `${this.describe(t)} returned a ${scheme} signature (${mechanismName(mech)}) that does not verify for key ${loc.info.keyId}; it was not used`,
        {
          deviceId: t.deviceId,
          keyId: loc.info.keyId,
        },
      );
    }
    return sig;
  }

  /**
   * Reads the key's attributes back from the token (as the user, since the
   * private object is private) with the token's identity, and signs a fixed
   * proof-of-possession digest with it, so the record ties the public key to
   * the private object whose attributes it reports.
   */
  async attest(keyId: string, unlock: Unlock): Promise<AttestationRecord> {
    const loc = await this.locate(keyId);
    const t = loc.token;
    const pin = this.pinOf(t, unlock);
    return this.queue(t.deviceId).run(() =>
      this.withSession(t, { pin }, async (s) => {
        const key = await this.privateKey(s, loc);
        const A = pkcs11js;
        const usageTypes = PRIVATE_USAGE.map(([type]) => type);
        const a = await this.attrs(s, key, [
          A.CKA_TOKEN,
          A.CKA_PRIVATE,
          A.CKA_LOCAL,
          A.CKA_NEVER_EXTRACTABLE,
          A.CKA_ALWAYS_SENSITIVE,
          A.CKA_EXTRACTABLE,
          A.CKA_SENSITIVE,
          ...usageTypes,
          A.CKA_ID,
          A.CKA_LABEL,
          A.CKA_KEY_TYPE,
        ]);
        const flag = (type: number, name: string, out: Record<string, string | boolean>) => {
          const v = bool(a.get(type));
          if (v !== undefined) out[name] = v;
        };
        const keyFacts: Record<string, string | boolean> = {};
        flag(A.CKA_TOKEN, 'CKA_TOKEN', keyFacts);
        flag(A.CKA_PRIVATE, 'CKA_PRIVATE', keyFacts);
        flag(A.CKA_LOCAL, 'CKA_LOCAL', keyFacts);
        flag(A.CKA_NEVER_EXTRACTABLE, 'CKA_NEVER_EXTRACTABLE', keyFacts);
        flag(A.CKA_ALWAYS_SENSITIVE, 'CKA_ALWAYS_SENSITIVE', keyFacts);
        flag(A.CKA_EXTRACTABLE, 'CKA_EXTRACTABLE', keyFacts);
        flag(A.CKA_SENSITIVE, 'CKA_SENSITIVE', keyFacts);
        // A usage attribute the token does not report is recorded as "unknown", never left out (it may be true).
        for (const type of usageTypes) keyFacts[USAGE_ATTR_NAMES.get(type)!] = bool(a.get(type)) ?? 'unknown';
        keyFacts.CKA_ID = (a.get(A.CKA_ID) ?? Buffer.alloc(0)).toString('hex');
        keyFacts.CKA_LABEL = a.get(A.CKA_LABEL)?.toString('utf8') ?? '';
        keyFacts.CKA_KEY_TYPE = SCHEMES[loc.info.scheme].keyTypeName;
        const [pubObject] = await this.findObjects(s, [
          { type: A.CKA_CLASS, value: A.CKO_PUBLIC_KEY },
          { type: A.CKA_ID, value: loc.ckaId },
        ]);
        const pubAttrs = await this.attrs(s, pubObject ?? key, [A.CKA_EC_PARAMS, ...(pubObject ? PUBLIC_USAGE.map(([type]) => type) : [])]);
        const ecParams = pubAttrs.get(A.CKA_EC_PARAMS);
        keyFacts.CKA_EC_PARAMS = ecParams ? ecParams.toString('hex') : '';
        // What the key may be used for, as the token reports it (pkcs11-tool's "Usage:" line).
        const usage = usageOf(a, PRIVATE_USAGE);
        keyFacts.usage = usageText(usage);
        const pubUsage = pubObject ? usageOf(pubAttrs, PUBLIC_USAGE) : null;
        keyFacts.public_key_usage = pubUsage ? usageText(pubUsage) : 'unknown (no public-key object)';
        // Sign-only is a claim about every usage: each one read, only CKA_SIGN true on the
        // private key, and the public-key object present with only CKA_VERIFY true.
        const only = (u: { on: string[]; unknown: string[] } | null, name: string) =>
          u !== null && u.unknown.length === 0 && u.on.length === 1 && u.on[0] === name;
        keyFacts.sign_only = only(usage, 'sign') && only(pubUsage, 'verify');
        keyFacts.never_left_token =
          keyFacts.CKA_LOCAL === true &&
          keyFacts.CKA_NEVER_EXTRACTABLE === true &&
          keyFacts.CKA_ALWAYS_SENSITIVE === true &&
          keyFacts.CKA_EXTRACTABLE === false &&
          keyFacts.CKA_SENSITIVE === true;
        const pop = popDigest(loc.info.keyId);
        const popSig = await this.signIn(s, loc, pop);
        keyFacts.proof_of_possession_digest = toHex(pop);
        keyFacts.proof_of_possession_signature = toHex(popSig);
        const info = await (await this.module()).C_GetTokenInfo(t.slot);
        return {
          format: 'charter-key-attestation/v1' as const,
          key_id: loc.info.keyId,
          scheme: loc.info.scheme,
          public_key: loc.info.publicKey,
          backend: 'pkcs11' as const,
          device: {
            kind: 'pkcs11-token',
            serial: trimPadded(info.serialNumber),
            model: trimPadded(info.model),
            manufacturer: trimPadded(info.manufacturerID),
            label: trimPadded(info.label),
            hardware_version: `${info.hardwareVersion.major}.${info.hardwareVersion.minor}`,
            firmware_version: `${info.firmwareVersion.major}.${info.firmwareVersion.minor}`,
          },
          key: keyFacts,
        };
      }),
    );
  }

  /** C_DestroyObject on the private and public key objects (PKCS11_ERROR naming the CKR if the token forbids it). */
  async destroy(keyId: string, unlock: Unlock): Promise<void> {
    const loc = await this.locate(keyId);
    const t = loc.token;
    const pin = this.pinOf(t, unlock);
    await this.queue(t.deviceId).run(() =>
      this.withSession(t, { rw: true, pin }, async (s, mutating) => {
        const lib = await this.module();
        const key = await this.privateKey(s, loc);
        const pubs = await this.findObjects(s, [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
          { type: pkcs11js.CKA_ID, value: loc.ckaId },
        ]);
        mutating();
        await lib.C_DestroyObject(s, key);
        for (const h of pubs) await lib.C_DestroyObject(s, h);
      }),
    );
  }
}

/** The digest an attestation's proof-of-possession signature covers: SHA-256("charter/key-attestation/v1" || 0x00 || key id). */
export function popDigest(keyId: string): Uint8Array {
  const tag = Buffer.from('charter/key-attestation/v1\0' + keyId, 'utf8');
  return sha256(new Uint8Array(tag));
}

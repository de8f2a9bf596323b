/**
 * Byte-level primitives shared by every layer: canonical JSON (RFC 8785),
 * hex, UTF-8, SHA-256, and the identifiers derived from them.
 * Pure: runs unchanged in Node, the renderer and tests.
 */
import canonicalizeModule from 'canonicalize';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { CharterError } from '../errors.js';

// canonicalize is CommonJS; depending on the loader its function arrives as
// the module itself (Node) or as .default (bundlers). Accept both.
const canonicalize: (v: unknown) => string | undefined =
  typeof canonicalizeModule === 'function'
    ? (canonicalizeModule as unknown as (v: unknown) => string | undefined)
    : (canonicalizeModule as unknown as { default: (v: unknown) => string | undefined }).default;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}
const exactDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/**
 * UTF-8 text exactly as written: invalid UTF-8 throws, and a leading
 * byte-order mark is kept (as U+FEFF) instead of being dropped, so a parser
 * sees — and can refuse — what fromUtf8 would hide. For bytes whose digest
 * matters (evidence documents): the same text with and without a BOM is two
 * different byte strings.
 */
export function fromUtf8Exact(b: Uint8Array): string {
  return exactDecoder.decode(b);
}

export function toHex(b: Uint8Array): string {
  return bytesToHex(b);
}
/** Value of each hex digit by char code (0–9, a–f, A–F), -1 elsewhere. */
const HEX_VALUE = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[97 + i] = 10 + i;
    t[65 + i] = 10 + i;
  }
  return t;
})();

export function fromHex(h: string): Uint8Array {
  const bad = () => new CharterError('INVALID_INPUT', `not hex: ${h.slice(0, 16)}…`);
  if (typeof h !== 'string' || h.length % 2 !== 0) throw bad();
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) {
    const a = h.charCodeAt(2 * i);
    const b = h.charCodeAt(2 * i + 1);
    const hi = a < 128 ? (HEX_VALUE[a] as number) : -1;
    const lo = b < 128 ? (HEX_VALUE[b] as number) : -1;
    if (hi < 0 || lo < 0) throw bad();
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Upper-case hex: CometBFT's form of hashes and addresses. */
export function toHexUpper(b: Uint8Array): string {
  return bytesToHex(b).toUpperCase();
}

/** Bytes of lower-case hex (an even number of 0-9a-f), or null for anything else: for fields whose format is exactly that. */
export function fromHexOrNull(h: unknown): Uint8Array | null {
  if (typeof h !== 'string' || !/^([0-9a-f]{2})*$/.test(h)) return null;
  return fromHex(h);
}

/** Bytes of hex in either case with an optional 0x, or null when malformed: for what people type or other tools print. */
export function fromHexLoose(s: string): Uint8Array | null {
  const h = s.startsWith('0x') || s.startsWith('0X') ? s.slice(2) : s;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) return null;
  return fromHex(h);
}

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}
export function sha256Hex(data: Uint8Array): string {
  return toHex(nobleSha256(data));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

/**
 * RFC 8785 canonical JSON text. Rejects what canonical JSON cannot carry
 * (undefined, functions, non-finite numbers, bigint) instead of dropping it.
 */
export function canonicalJson(value: unknown): string {
  assertJsonValue(value, '$');
  const s = canonicalize(value);
  if (s === undefined) throw new CharterError('INVALID_INPUT', 'value has no JSON form');
  return s;
}
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8(canonicalJson(value));
}

function assertJsonValue(v: unknown, path: string): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new CharterError('INVALID_INPUT', `${path}: non-finite number`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => assertJsonValue(x, `${path}[${i}]`));
    return;
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) throw new CharterError('INVALID_INPUT', `${path}: not a plain object`);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) assertJsonValue(x, `${path}.${k}`);
    return;
  }
  throw new CharterError('INVALID_INPUT', `${path}: ${typeof v} has no JSON form`);
}

/** Key id: the first 20 bytes of SHA-256(scheme || 0x00 || public key), lower-case hex. */
export function keyIdOf(scheme: string, publicKey: Uint8Array): string {
  return sha256Hex(concatBytes(utf8(scheme), new Uint8Array([0]), publicKey)).slice(0, 40);
}

/** Transaction hash as CometBFT writes it: upper-case hex SHA-256 of the tx bytes. */
export function txHashOf(txBytes: Uint8Array): string {
  return sha256Hex(txBytes).toUpperCase();
}

/** txHashOf with an injected SHA-256 (e.g. node:crypto's, faster); it must be SHA-256. */
export function txHashWith(txBytes: Uint8Array, hash: (data: Uint8Array) => Uint8Array): string {
  return toHex(hash(txBytes)).toUpperCase();
}

/** RFC 3339 UTC time with millisecond precision, from epoch milliseconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

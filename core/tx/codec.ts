/**
 * Transaction envelopes (version 1): the signing digest, the wire encoding and
 * strict decoding. See docs/formats/transactions.md.
 *
 *   digest = SHA-256( utf8("charter/tx/v1") || 0x00 || JCS(unsigned envelope) )
 *   wire   = JCS(signed envelope)          (RFC 8785 canonical JSON, UTF-8)
 *   hash   = upper-case hex SHA-256(wire)  (as CometBFT writes it)
 *
 * The decoder accepts only bytes that are exactly the canonical encoding of the
 * envelope they decode to, so a transaction has exactly one byte form and one
 * hash. This file knows no transaction type: `envelopeDecoder(bodies)` is given
 * the body schemas by type (the engine's: core/engine/tx.ts, which exports
 * `decodeTx`).
 */
import type { z } from 'zod';
import { CharterError } from '../errors.js';
import { canonicalBytes, concatBytes, fromUtf8, sha256, toHex, utf8 } from '../codec/index.js';
import { fastCanonicalJson } from './canonical-json.js';
import { ENVELOPE_VERSION } from './types.js';
import type { Envelope, Sha256Fn, SignedEnvelopeOf } from './types.js';

export type { Sha256Fn } from './types.js';

export const SIGNING_DOMAIN = 'charter/tx/v1';

/** Largest accepted wire form of one transaction, in bytes. */
export const MAX_TX_BYTES = 64 * 1024;

const UNSIGNED_FIELDS = ['version', 'chain_id', 'type', 'body', 'signer', 'nonce', 'expires_at'] as const;
const SIGNED_FIELDS = [...UNSIGNED_FIELDS, 'signature'] as const;

export const CHAIN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const KEY_ID_RE = /^[0-9a-f]{40}$/;
export const SIGNATURE_RE = /^[0-9a-f]{128}$/;

/** The fields of the unsigned envelope, in a fresh object, anything else stripped. */
function pickUnsigned<T extends string, B>(u: Envelope<T, B>): Envelope<T, B> {
  return {
    version: u.version,
    chain_id: u.chain_id,
    type: u.type,
    body: u.body,
    signer: u.signer,
    nonce: u.nonce,
    expires_at: u.expires_at,
  };
}

/** utf8("charter/tx/v1") || 0x00: what the signing digest hashes before JCS(unsigned). */
const DIGEST_PREFIX = concatBytes(utf8(SIGNING_DOMAIN), new Uint8Array([0]));

/** SHA-256( utf8("charter/tx/v1") || 0x00 || canonicalBytes(unsigned envelope) ). */
export function signingDigest(u: Envelope<string, unknown>, hash: Sha256Fn = sha256): Uint8Array {
  return hash(concatBytes(DIGEST_PREFIX, canonicalBytes(pickUnsigned(u))));
}

/** The wire form: canonical JSON bytes of the full signed envelope. */
export function encodeTx(s: SignedEnvelopeOf<string, unknown>): Uint8Array {
  return canonicalBytes({ ...pickUnsigned(s), signature: s.signature });
}

export function unsignedOf<T extends string, B>(s: SignedEnvelopeOf<T, B>): Envelope<T, B> {
  return pickUnsigned(s);
}

/** "wr-" + the first 24 hex digits of the signing digest of the withdrawal.create envelope. */
export function requestIdOf(u: Envelope<'withdrawal.create', unknown>, hash: Sha256Fn = sha256): string {
  return 'wr-' + toHex(signingDigest(u, hash)).slice(0, 24);
}

export async function signEnvelope<T extends string, B>(
  u: Envelope<T, B>,
  sign: (digest: Uint8Array) => Uint8Array | Promise<Uint8Array>,
): Promise<SignedEnvelopeOf<T, B>> {
  const unsigned = pickUnsigned(u);
  const sig = await sign(signingDigest(unsigned));
  if (!(sig instanceof Uint8Array)) throw new CharterError('INVALID_INPUT', 'the signer returned no bytes');
  return { ...unsigned, signature: toHex(sig) };
}

// ─── Decoding ──────────────────────────────────────────────────────────────

/**
 * Body shapes by transaction type: every field present, of the right JSON
 * type, nothing else. Content rules (asset symbols, amounts, key encodings,
 * policies, …) are the engine's, which answers them with their specific codes.
 */
export type BodySchemas<M> = { readonly [T in keyof M & string]: z.ZodType<M[T]> };

/** A decoded envelope of the body map M: its type is one of M's keys. */
export type DecodedEnvelope<M> = SignedEnvelopeOf<keyof M & string, M[keyof M & string]>;

export interface EnvelopeDecoder<M> {
  /**
   * Decode and strictly validate a wire transaction.
   *
   * Throws CharterError with
   * - TX_MALFORMED: not UTF-8 JSON, not an object, too large, a missing, extra
   *   or ill-typed envelope field, or bytes that are not the canonical encoding;
   * - UNSUPPORTED_VERSION: `version` is not 1;
   * - UNKNOWN_TX_TYPE: `type` is not one of the body map's types;
   * - INVALID_FIELD: the body does not have the shape of its type.
   */
  decodeTx(bytes: Uint8Array): DecodedEnvelope<M>;
  /**
   * decodeTx, plus the envelope's signing digest computed from the wire bytes
   * with `hash` (no second canonicalisation): the wire form is canonical with
   * sorted keys, so JCS(unsigned) is the wire text with the member
   * `,"signature":"<128 hex>"` cut out (its last occurrence: only signer, type
   * and version follow it, none of which can contain it). Equal to
   * signingDigest(unsignedOf(env), hash) (tested).
   */
  decodeTxWithDigest(bytes: Uint8Array, hash?: Sha256Fn): { env: DecodedEnvelope<M>; digest: Uint8Array };
}

/** The strict decoder of envelopes whose bodies are those of `bodies` (one schema per transaction type). */
export function envelopeDecoder<M>(bodies: BodySchemas<M>): EnvelopeDecoder<M> {
  const schemas = new Map<string, z.ZodType>(Object.entries(bodies as Record<string, z.ZodType>));
  const decodeText = (bytes: Uint8Array) => decodeTxText(bytes, schemas) as { env: DecodedEnvelope<M>; text: string };
  return {
    decodeTx: (bytes) => decodeText(bytes).env,
    decodeTxWithDigest: (bytes, hash = sha256) => {
      const { env } = decodeText(bytes);
      return { env, digest: digestOfWire(bytes, hash) };
    },
  };
}

function malformed(message: string): CharterError {
  return new CharterError('TX_MALFORMED', message);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.length ? i.path.map(String).join('.') : '(body)';
      return `${path}: ${i.message}`;
    })
    .join('; ');
}

const SIG_MEMBER = ',"signature":"';

/** The signing digest of canonical wire bytes already decoded (see decodeTxWithDigest). */
function digestOfWire(bytes: Uint8Array, hash: Sha256Fn): Uint8Array {
  const at = lastIndexOfBytes(bytes, SIG_MEMBER_BYTES);
  const end = at + SIG_MEMBER_BYTES.length + 129;
  const buf = new Uint8Array(DIGEST_PREFIX.length + bytes.length - (end - at));
  buf.set(DIGEST_PREFIX, 0);
  buf.set(bytes.subarray(0, at), DIGEST_PREFIX.length);
  buf.set(bytes.subarray(end), DIGEST_PREFIX.length + at);
  return hash(buf);
}

const SIG_MEMBER_BYTES = utf8(SIG_MEMBER);

function lastIndexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = hay.length - needle.length; i >= 0; i--) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function decodeTxText(bytes: Uint8Array, schemas: ReadonlyMap<string, z.ZodType>): { env: SignedEnvelopeOf; text: string } {
  if (!(bytes instanceof Uint8Array)) throw malformed('transaction is not a byte array');
  if (bytes.length === 0) throw malformed('empty transaction');
  if (bytes.length > MAX_TX_BYTES) throw malformed(`transaction is ${bytes.length} bytes; the limit is ${MAX_TX_BYTES}`);
  // The decoder would drop a byte-order mark silently; no canonical form has one.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    throw malformed('transaction bytes are not the canonical (RFC 8785) encoding of the envelope');
  let text: string;
  try {
    text = fromUtf8(bytes);
  } catch {
    throw malformed('transaction is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed('transaction is not JSON');
  }
  if (!isPlainObject(parsed)) throw malformed('transaction is not a JSON object');
  const o = parsed;

  // Version first: a future envelope may have other fields.
  if (!Object.prototype.hasOwnProperty.call(o, 'version')) throw malformed('missing field "version"');
  if (o.version !== ENVELOPE_VERSION) {
    if (typeof o.version !== 'number') throw malformed('"version" is not a number');
    throw new CharterError('UNSUPPORTED_VERSION', `envelope version ${String(o.version)} is not supported (this engine reads version ${ENVELOPE_VERSION})`);
  }

  for (const k of SIGNED_FIELDS) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) throw malformed(`missing field "${k}"`);
  }
  // Every signed field is present: any further key is an unknown one.
  const keys = Object.keys(o);
  if (keys.length !== SIGNED_FIELDS.length) {
    const extra = keys.filter((k) => !(SIGNED_FIELDS as readonly string[]).includes(k)).sort();
    throw malformed(`unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
  }

  if (typeof o.type !== 'string') throw malformed('"type" is not a string');
  const schema = schemas.get(o.type);
  if (schema === undefined) throw new CharterError('UNKNOWN_TX_TYPE', `unknown transaction type ${JSON.stringify(o.type.slice(0, 64))}`);
  const type = o.type;

  if (typeof o.chain_id !== 'string' || !CHAIN_ID_RE.test(o.chain_id))
    throw malformed('"chain_id" must be 1–64 characters: A–Z, a–z, 0–9, ".", "_" or "-", starting with a letter or digit');
  if (typeof o.signer !== 'string' || !isLowerHex(o.signer, 40)) throw malformed('"signer" must be a key id: 40 lower-case hex digits');
  if (typeof o.nonce !== 'number' || !Number.isSafeInteger(o.nonce) || o.nonce < 1) throw malformed('"nonce" must be an integer ≥ 1');
  if (typeof o.expires_at !== 'number' || !Number.isSafeInteger(o.expires_at) || o.expires_at < 1)
    throw malformed('"expires_at" must be an integer height ≥ 1');
  if (typeof o.signature !== 'string' || !isLowerHex(o.signature, 128)) throw malformed('"signature" must be 128 lower-case hex digits (64 bytes)');
  if (!isPlainObject(o.body)) throw new CharterError('INVALID_FIELD', `body of ${type} is not a JSON object`);

  const body = schema.safeParse(o.body);
  if (!body.success) throw new CharterError('INVALID_FIELD', `body of ${type}: ${describeIssues(body.error)}`);

  const env = {
    version: ENVELOPE_VERSION,
    chain_id: o.chain_id,
    type,
    body: body.data,
    signer: o.signer,
    nonce: o.nonce,
    expires_at: o.expires_at,
    signature: o.signature,
  } as SignedEnvelopeOf;

  // One transaction, one byte form: the input must be the canonical encoding
  // (no whitespace, sorted keys, no duplicate keys, shortest number forms, …).
  // The text came from strict UTF-8 decoding and canonical JSON of well-formed
  // strings encodes back injectively, so comparing strings compares bytes.
  // Fast path: the parsed value re-serialises to the text (no whitespace,
  // shortest numbers, JSON.stringify's string escapes, no duplicate keys) and
  // every object's keys come in strictly increasing UTF-16 order — exactly
  // RFC 8785. Otherwise (or with index-like keys, which JSON.parse reorders)
  // the exact comparison decides.
  if (!(JSON.stringify(parsed) === text && keysSorted(parsed)) && fastCanonicalJson({ ...pickUnsigned(env), signature: env.signature }) !== text) {
    throw malformed('transaction bytes are not the canonical (RFC 8785) encoding of the envelope');
  }
  return { env, text };
}

/** Whether `s` is exactly `length` lower-case hex digits (KEY_ID_RE, SIGNATURE_RE without a regular expression: hot in decoding). */
function isLowerHex(s: string, length: number): boolean {
  if (s.length !== length) return false;
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** Whether every object in `v` has its keys in strictly increasing UTF-16 order, none starting with a digit. */
function keysSorted(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (Array.isArray(v)) {
    for (const x of v) if (!keysSorted(x)) return false;
    return true;
  }
  const o = v as Record<string, unknown>;
  let prev: string | null = null;
  for (const k of Object.keys(o)) {
    const c = k.charCodeAt(0);
    if (c >= 48 && c <= 57) return false;
    if (prev !== null && !(prev < k)) return false;
    if (!keysSorted(o[k])) return false;
    prev = k;
  }
  return true;
}

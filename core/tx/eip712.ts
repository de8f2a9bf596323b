/**
 * EIP-712 typed-data digests of transaction envelopes: what a secp256k1 key
 * (a Ledger running the Ethereum app, eth_signTypedData_v4) signs, so that the
 * device can show the fields of the transaction instead of an opaque hash.
 * See docs/formats/transactions.md, "Signature schemes".
 *
 *   digest = keccak256( 0x19 0x01 || domainSeparator || hashStruct(message) )
 *
 * Domain: EIP712Domain(string name,string version,bytes32 salt) with
 *   name    = "Charter Custody"
 *   version = "1"
 *   salt    = keccak256(utf8(chain_id))
 * EIP-712's `chainId` is a uint256 (an EVM chain number); our chain id is a
 * string such as "charter-devnet", so it is bound through `salt` (a domain
 * separator per custody chain), and it is also a readable `chain_id` field of
 * every message so the device shows which chain the signer is signing for.
 *
 * Message: one struct per transaction type, named after it (withdrawal.approve
 * → WithdrawalApprove, key.set_roles → KeySetRoles), with the body's fields in
 * sorted key order followed by the envelope's chain_id, signer, nonce,
 * expires_at and version. Strings stay strings — amounts included, exactly as
 * the body carries them, so what the device shows is byte for byte what the
 * engine reads; JSON integers are uint256; arrays of strings are string[];
 * nested objects are a string of their RFC 8785 canonical JSON. The struct is
 * derived from the body by these rules, so every transaction type, present
 * and future, has exactly one EIP-712 form.
 *
 * The encoder below is a small general EIP-712 encoder (structs, arrays,
 * string, bytes, bytesN, address, bool, uintN/intN), tested against the
 * EIP-712 specification's "Mail" example. Pure: @noble/hashes only.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { canonicalBytes, concatBytes, fromHex, fromUtf8, toHex, utf8 } from '../codec/index.js';
import type { Envelope } from './types.js';

export interface TypedField {
  name: string;
  type: string;
}
export type TypedTypes = Record<string, readonly TypedField[]>;

export interface TypedDomain {
  name?: string;
  version?: string;
  chainId?: number | bigint;
  verifyingContract?: string;
  salt?: Uint8Array | string;
}

const DOMAIN_FIELDS: readonly TypedField[] = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
  { name: 'salt', type: 'bytes32' },
];

export const keccak256 = (b: Uint8Array): Uint8Array => keccak_256(b);

function baseType(t: string): string {
  const i = t.indexOf('[');
  return i < 0 ? t : t.slice(0, i);
}

/** The struct types `primary` refers to, itself first. */
function dependencies(primary: string, types: TypedTypes, found: Set<string> = new Set()): Set<string> {
  if (found.has(primary) || !Object.prototype.hasOwnProperty.call(types, primary)) return found;
  found.add(primary);
  for (const f of types[primary]!) dependencies(baseType(f.type), types, found);
  return found;
}

/** encodeType: "Primary(type name,…)" followed by the referenced structs sorted by name. */
export function encodeType(primary: string, types: TypedTypes): string {
  const deps = [...dependencies(primary, types)].filter((d) => d !== primary).sort();
  return [primary, ...deps].map((t) => `${t}(${types[t]!.map((f) => `${f.type} ${f.name}`).join(',')})`).join('');
}

export function typeHash(primary: string, types: TypedTypes): Uint8Array {
  return keccak256(utf8(encodeType(primary, types)));
}

function word(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function toBytes(v: unknown, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(v)) return fromHex(v.slice(2).toLowerCase());
  throw new Error(`${what}: expected bytes or 0x-hex`);
}

function toBigInt(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^(0|-?[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(v)) return BigInt(v);
  throw new Error(`${what}: expected an integer`);
}

/** The 32-byte encoding of one value of `type` (EIP-712 encodeData's per-field rule). */
function encodeValue(type: string, value: unknown, types: TypedTypes): Uint8Array {
  if (Object.prototype.hasOwnProperty.call(types, type)) return hashStruct(type, value as Record<string, unknown>, types);
  if (type.endsWith(']')) {
    const m = /^(.*)\[(\d*)\]$/.exec(type);
    if (!m || !Array.isArray(value)) throw new Error(`${type}: expected an array`);
    if (m[2] !== '' && value.length !== Number(m[2])) throw new Error(`${type}: expected ${m[2]} elements`);
    return keccak256(concatBytes(...value.map((e) => encodeValue(m[1]!, e, types))));
  }
  if (type === 'string') {
    if (typeof value !== 'string') throw new Error('string: expected a string');
    return keccak256(utf8(value));
  }
  if (type === 'bytes') return keccak256(toBytes(value, type));
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw new Error('bool: expected a boolean');
    return word(value ? 1n : 0n);
  }
  if (type === 'address') {
    const b = toBytes(value, type);
    if (b.length !== 20) throw new Error('address: expected 20 bytes');
    return concatBytes(new Uint8Array(12), b);
  }
  let m = /^bytes([1-9]|[12][0-9]|3[0-2])$/.exec(type);
  if (m) {
    const b = toBytes(value, type);
    if (b.length !== Number(m[1])) throw new Error(`${type}: expected ${m[1]} bytes`);
    return concatBytes(b, new Uint8Array(32 - b.length));
  }
  m = /^(u?)int(\d{1,3})$/.exec(type);
  if (m) {
    const bits = BigInt(m[2]!);
    if (bits < 8n || bits > 256n || bits % 8n !== 0n) throw new Error(`${type}: not a valid integer type`);
    const n = toBigInt(value, type);
    if (m[1] === 'u') {
      if (n < 0n || n >= 1n << bits) throw new Error(`${type}: out of range`);
      return word(n);
    }
    const lim = 1n << (bits - 1n);
    if (n < -lim || n >= lim) throw new Error(`${type}: out of range`);
    return word(n < 0n ? (1n << 256n) + n : n);
  }
  throw new Error(`unknown EIP-712 type ${type}`);
}

/** hashStruct(s) = keccak256(typeHash || encodeData(s)). Throws on a value that does not fit its type. */
export function hashStruct(primary: string, data: Record<string, unknown>, types: TypedTypes): Uint8Array {
  const fields = types[primary];
  if (!fields) throw new Error(`unknown struct ${primary}`);
  if (typeof data !== 'object' || data === null) throw new Error(`${primary}: expected an object`);
  const parts = [typeHash(primary, types)];
  for (const f of fields) {
    if (!Object.prototype.hasOwnProperty.call(data, f.name)) throw new Error(`${primary}.${f.name} is missing`);
    parts.push(encodeValue(f.type, data[f.name], types));
  }
  return keccak256(concatBytes(...parts));
}

/** The EIP712Domain fields a domain uses, in the standard order. */
export function domainFields(domain: TypedDomain): TypedField[] {
  return DOMAIN_FIELDS.filter((f) => domain[f.name as keyof TypedDomain] !== undefined);
}

export function domainSeparator(domain: TypedDomain): Uint8Array {
  return hashStruct('EIP712Domain', domain as Record<string, unknown>, { EIP712Domain: domainFields(domain) });
}

/** keccak256(0x19 0x01 || domainSeparator || hashStruct(message)): the digest eth_signTypedData_v4 signs. */
export function typedDataDigest(domain: TypedDomain, types: TypedTypes, primaryType: string, message: Record<string, unknown>): Uint8Array {
  return keccak256(concatBytes(new Uint8Array([0x19, 0x01]), domainSeparator(domain), hashStruct(primaryType, message, types)));
}

// ─── Charter transactions ──────────────────────────────────────────────────

export const EIP712_DOMAIN_NAME = 'Charter Custody';
export const EIP712_DOMAIN_VERSION = '1';

/** The envelope fields every message carries after the body's, in this order. */
export const EIP712_ENVELOPE_FIELDS: readonly TypedField[] = [
  { name: 'chain_id', type: 'string' },
  { name: 'signer', type: 'string' },
  { name: 'nonce', type: 'uint256' },
  { name: 'expires_at', type: 'uint256' },
  { name: 'version', type: 'uint256' },
];

const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** "withdrawal.approve" → "WithdrawalApprove", "key.set_roles" → "KeySetRoles". */
export function eip712TypeName(txType: string): string {
  const name = txType
    .split(/[._]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  if (!IDENTIFIER_RE.test(name)) throw new Error(`transaction type ${JSON.stringify(txType)} has no EIP-712 type name`);
  return name;
}

/**
 * One body field as EIP-712 type and value:
 *   JSON string            → string
 *   JSON integer ≥ 0       → uint256
 *   JSON boolean           → bool
 *   array of strings (or empty) → string[]
 *   anything else (objects, other arrays) → string holding its RFC 8785
 *     canonical JSON, so nested policies and maps stay exact and readable
 *     without optional-field or map types, which EIP-712 lacks.
 */
function bodyField(name: string, v: unknown): { field: TypedField; value: unknown } {
  if (typeof v === 'string') return { field: { name, type: 'string' }, value: v };
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return { field: { name, type: 'uint256' }, value: v };
  if (typeof v === 'boolean') return { field: { name, type: 'bool' }, value: v };
  if (Array.isArray(v) && v.every((e) => typeof e === 'string')) return { field: { name, type: 'string[]' }, value: v };
  if (typeof v === 'object' && v !== null) return { field: { name, type: 'string' }, value: fromUtf8(canonicalBytes(v)) };
  throw new Error(`body field ${name}: no EIP-712 encoding for ${typeof v}`);
}

/** The EIP-712 domain of a custody chain. */
export function charterDomain(chainId: string): { name: string; version: string; salt: Uint8Array } {
  return { name: EIP712_DOMAIN_NAME, version: EIP712_DOMAIN_VERSION, salt: keccak256(utf8(chainId)) };
}

/**
 * The typed data of an envelope, in the shape eth_signTypedData_v4 and the
 * Ledger Ethereum app take (salt as 0x-hex). Primary type: eip712TypeName(type);
 * fields: the body's fields in sorted key order (absent optional fields are
 * absent), then EIP712_ENVELOPE_FIELDS. Throws if a body field name is not an
 * identifier or collides with an envelope field.
 */
export function envelopeTypedData(u: Envelope): {
  domain: { name: string; version: string; salt: string };
  types: TypedTypes;
  primaryType: string;
  message: Record<string, unknown>;
} {
  const primaryType = eip712TypeName(u.type);
  const body = u.body as unknown as Record<string, unknown>;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('body is not an object');
  const reserved = new Set(EIP712_ENVELOPE_FIELDS.map((f) => f.name));
  const fields: TypedField[] = [];
  const message: Record<string, unknown> = {};
  for (const name of Object.keys(body).sort()) {
    if (!IDENTIFIER_RE.test(name) || reserved.has(name)) throw new Error(`body field ${JSON.stringify(name)} cannot be an EIP-712 field`);
    const { field, value } = bodyField(name, body[name]);
    fields.push(field);
    message[name] = value;
  }
  fields.push(...EIP712_ENVELOPE_FIELDS);
  Object.assign(message, { chain_id: u.chain_id, signer: u.signer, nonce: u.nonce, expires_at: u.expires_at, version: u.version });
  const d = charterDomain(u.chain_id);
  return {
    domain: { name: d.name, version: d.version, salt: '0x' + toHex(d.salt) },
    types: { EIP712Domain: domainFields(d), [primaryType]: fields },
    primaryType,
    message,
  };
}

/** The three hashes of an envelope's EIP-712 form. Throws if the envelope has no EIP-712 form. */
export function envelopeEip712(u: Envelope): { domainSeparator: Uint8Array; structHash: Uint8Array; digest: Uint8Array } {
  const td = envelopeTypedData(u);
  const structTypes: TypedTypes = { [td.primaryType]: td.types[td.primaryType]! };
  const ds = domainSeparator(charterDomain(u.chain_id));
  const sh = hashStruct(td.primaryType, td.message, structTypes);
  return { domainSeparator: ds, structHash: sh, digest: keccak256(concatBytes(new Uint8Array([0x19, 0x01]), ds, sh)) };
}

/** The 32-byte digest a secp256k1 key signs for this envelope. */
export function eip712Digest(u: Envelope): Uint8Array {
  return envelopeEip712(u).digest;
}

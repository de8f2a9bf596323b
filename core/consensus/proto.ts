/**
 * The few protobuf (proto3) encodings CometBFT hashes and signs, written by
 * hand: a field is a tag (field number << 3 | wire type) then its value;
 * varints are base-128 little-endian groups, an int64 below zero being its
 * 64-bit two's complement (ten bytes); sfixed64 is eight bytes little-endian
 * two's complement. Proto3 leaves out a scalar field at its zero value (0,
 * empty bytes, empty string); an embedded message that gogoproto marks
 * non-nullable is always written, even when its body is empty. Pure.
 */
import { concatBytes, utf8 } from '../codec/index.js';
import type { Timestamp } from './time.js';

const U64 = (1n << 64n) - 1n;
const EMPTY = new Uint8Array(0);

/** Base-128 varint of an unsigned 64-bit value (a negative int64 as its two's complement). */
export function uvarint(value: bigint): Uint8Array {
  let v = value & U64;
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

function tag(field: number, wireType: 0 | 1 | 2): Uint8Array {
  return uvarint(BigInt((field << 3) | wireType));
}

/** A varint field (int32, int64, uint32, uint64, enum); left out at 0. */
export function fieldVarint(field: number, value: bigint | number): Uint8Array {
  const v = BigInt(value);
  return v === 0n ? EMPTY : concatBytes(tag(field, 0), uvarint(v));
}

/** An sfixed64 field; left out at 0. */
export function fieldSfixed64(field: number, value: bigint): Uint8Array {
  if (value === 0n) return EMPTY;
  const b = new Uint8Array(8);
  let v = value & U64;
  for (let i = 0; i < 8; i++) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return concatBytes(tag(field, 1), b);
}

/** A bytes field; left out when empty. */
export function fieldBytes(field: number, value: Uint8Array): Uint8Array {
  return value.length === 0 ? EMPTY : concatBytes(tag(field, 2), uvarint(BigInt(value.length)), value);
}

/** A string field (UTF-8); left out when empty. */
export function fieldString(field: number, value: string): Uint8Array {
  return fieldBytes(field, utf8(value));
}

/** An embedded message field, written even when its body is empty (gogoproto non-nullable, or a set pointer). */
export function fieldMessage(field: number, body: Uint8Array): Uint8Array {
  return concatBytes(tag(field, 2), uvarint(BigInt(body.length)), body);
}

/** google.protobuf.Timestamp: seconds (int64, field 1) and nanos (int32, field 2). */
export function timestampBody(t: Timestamp): Uint8Array {
  return concatBytes(fieldVarint(1, t.seconds), fieldVarint(2, t.nanos));
}

/** A message prefixed by its length as a varint (protoio.MarshalDelimited). */
export function lengthDelimited(body: Uint8Array): Uint8Array {
  return concatBytes(uvarint(BigInt(body.length)), body);
}

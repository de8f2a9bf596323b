/**
 * ABCI's socket framing (CometBFT v0.38 abci/types/messages.go): every
 * message is its protobuf encoding preceded by its length as an unsigned
 * varint (protoio's delimited writer, binary.PutUvarint).
 */
import { CharterError } from '../../core/errors.js';

/** CometBFT's own limit on one ABCI message (abci/types/messages.go maxMsgSize). */
export const MAX_ABCI_MESSAGE_BYTES = 104_857_600;

/** The length prefix of a message of `n` bytes. */
export function uvarint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a length: ${n}`);
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** `payload` with its length prefix. */
export function frame(payload: Uint8Array): Buffer {
  return Buffer.concat([uvarint(payload.length), payload]);
}

/**
 * Reads a length prefix at `offset`: [value, bytes used], or null when the
 * buffer ends inside it. Refuses prefixes longer than a safe integer needs
 * and lengths over MAX_ABCI_MESSAGE_BYTES.
 */
export function readUvarint(buf: Uint8Array, offset: number): [number, number] | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    const at = offset + i;
    if (at >= buf.length) return null;
    const b = buf[at] as number;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (i > 0 && b === 0) throw new CharterError('INVALID_INPUT', 'ABCI frame: the length prefix is not minimal');
      if (value > MAX_ABCI_MESSAGE_BYTES)
        throw new CharterError('INVALID_INPUT', `ABCI frame: a message of ${value} bytes is over the ${MAX_ABCI_MESSAGE_BYTES}-byte limit`);
      return [value, i + 1];
    }
    scale *= 0x80;
  }
  throw new CharterError('INVALID_INPUT', 'ABCI frame: the length prefix is too long');
}

/** Cuts a byte stream into messages: push() what arrives, take the complete messages it returns. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Uint8Array[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: Uint8Array[] = [];
    let at = 0;
    for (;;) {
      const len = readUvarint(this.buf, at);
      if (len === null) break;
      const [n, used] = len;
      if (this.buf.length < at + used + n) break;
      out.push(this.buf.subarray(at + used, at + used + n));
      at += used + n;
    }
    this.buf = at === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(at);
    return out;
  }

  /** Bytes received that do not yet make a whole message. */
  get pending(): number {
    return this.buf.length;
  }
}

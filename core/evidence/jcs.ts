/**
 * Strict JSON in, RFC 8785 canonical bytes out.
 *
 * JSON.parse accepts documents a digest must not: it keeps the last of two
 * equal keys and silently rounds 12345678901234567890 to another integer or
 * 1e400 to Infinity. parseStrictJson is a small RFC 8259 parser that refuses
 * those instead, with the position and the path of the offence
 * (docs/formats/evidence-log.md §2 is the normative text):
 *
 *   INVALID_JSON               not RFC 8259 JSON (also: a byte-order mark, lone
 *                              surrogates in strings, which I-JSON (RFC 7493)
 *                              and RFC 8785 exclude, and more than MAX_DEPTH
 *                              arrays/objects open at once);
 *   DUPLICATE_KEY              an object names one key twice (compared after
 *                              unescaping, so "a" and "\u0061" are the same key);
 *   NUMBER_NOT_REPRESENTABLE   a number an IEEE-754 double cannot carry: it
 *                              rounds to ±Infinity, a literal whose digits are
 *                              not all zero rounds to ±0 (subnormals are
 *                              doubles and are accepted), a literal written
 *                              without an exponent (an integer or plain
 *                              decimal, which reads as an exact quantity) whose
 *                              exact magnitude exceeds 2^53 − 1, I-JSON's
 *                              exact-integer range, or a literal longer than
 *                              MAX_NUMBER_LENGTH characters. Exponent forms
 *                              (1E30, as in RFC 8785's own example) are doubles
 *                              by declaration and are accepted.
 *
 * parseStrictJsonBytes takes the bytes themselves: they must be UTF-8, and a
 * byte-order mark is refused rather than stripped (a decoder that strips it
 * would give one text two digests).
 *
 * jcsBytes serialises through core/codec canonicalJson (the `canonicalize`
 * library, RFC 8785), so every digest in the code base uses the same bytes.
 */
import { canonicalBytes, fromUtf8Exact } from '../codec/index.js';
import { CharterError } from '../errors.js';

/** Most arrays and objects open at once: `[]` is depth 1, `[[1]]` depth 2, a bare scalar depth 0. */
export const MAX_DEPTH = 512;
/** Longest number literal accepted, in characters (sign, digits, ".", "e" and exponent sign included). */
export const MAX_NUMBER_LENGTH = 4095;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** RFC 8785 canonical bytes of a JSON value (plain objects, arrays, strings, finite numbers, booleans, null). */
export function jcsBytes(value: unknown): Uint8Array {
  return canonicalBytes(value);
}

/** Parse and canonicalise in one step: the bytes `npx charter jcs` prints. */
export function jcsOfText(text: string): Uint8Array {
  return jcsBytes(parseStrictJson(text));
}

/**
 * Parse strict JSON from its bytes: UTF-8 (else INVALID_JSON), no byte-order
 * mark (INVALID_JSON), then parseStrictJson. Throws CharterError INVALID_JSON,
 * DUPLICATE_KEY or NUMBER_NOT_REPRESENTABLE.
 */
export function parseStrictJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = fromUtf8Exact(bytes);
  } catch {
    throw new CharterError('INVALID_JSON', 'the document is not UTF-8', { offset: 0, path: '$' });
  }
  return parseStrictJson(text);
}

/** Parse RFC 8259 JSON strictly (see the module header). Objects come back as plain objects. */
export function parseStrictJson(text: string): unknown {
  const p = new Parser(text);
  if (text.charCodeAt(0) === 0xfeff) p.fail('INVALID_JSON', 'byte-order mark (U+FEFF) before the JSON value; a strict document has none', '$');
  p.ws();
  const v = p.value('$', 0);
  p.ws();
  if (p.i < text.length) p.fail('INVALID_JSON', 'unexpected content after the JSON value', '$');
  return v;
}

class Parser {
  i = 0;
  constructor(private readonly s: string) {}

  where(at = this.i): string {
    let line = 1;
    let col = 1;
    for (let k = 0; k < at && k < this.s.length; k++) {
      if (this.s.charCodeAt(k) === 10) {
        line++;
        col = 1;
      } else col++;
    }
    return `line ${line}, column ${col} (offset ${at})`;
  }

  fail(code: 'INVALID_JSON' | 'DUPLICATE_KEY' | 'NUMBER_NOT_REPRESENTABLE', msg: string, path: string, at = this.i): never {
    throw new CharterError(code, `${msg} at ${this.where(at)}, path ${path}`, { offset: at, path });
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  /** `depth`: how many arrays/objects enclose this value. */
  value(path: string, depth: number): unknown {
    const s = this.s;
    if (this.i >= s.length) this.fail('INVALID_JSON', 'unexpected end of input', path);
    const c = s[this.i];
    switch (c) {
      case '{':
      case '[':
        if (depth + 1 > MAX_DEPTH) this.fail('INVALID_JSON', `more than ${MAX_DEPTH} arrays/objects nested`, path);
        return c === '{' ? this.object(path, depth + 1) : this.array(path, depth + 1);
      case '"':
        return this.string(path);
      case 't':
        return this.literal('true', true, path);
      case 'f':
        return this.literal('false', false, path);
      case 'n':
        return this.literal('null', null, path);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number(path);
        return this.fail('INVALID_JSON', `unexpected character ${JSON.stringify(c)}`, path);
    }
  }

  literal(word: string, v: unknown, path: string): unknown {
    if (this.s.startsWith(word, this.i)) {
      this.i += word.length;
      return v;
    }
    return this.fail('INVALID_JSON', 'invalid literal', path);
  }

  object(path: string, depth: number): Record<string, unknown> {
    this.i++; // {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('INVALID_JSON', 'expected a string key', path);
      const keyAt = this.i;
      const key = this.string(path);
      const childPath = `${path}${/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`;
      if (seen.has(key)) this.fail('DUPLICATE_KEY', `duplicate key ${JSON.stringify(key)}`, childPath, keyAt);
      seen.add(key);
      this.ws();
      if (this.s[this.i] !== ':') this.fail('INVALID_JSON', 'expected ":"', childPath);
      this.i++;
      this.ws();
      const v = this.value(childPath, depth);
      // defineProperty so that a key "__proto__" is an own property, not the prototype.
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === '}') {
        this.i++;
        return out;
      }
      this.fail('INVALID_JSON', 'expected "," or "}"', path);
    }
  }

  array(path: string, depth: number): unknown[] {
    this.i++; // [
    const out: unknown[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(`${path}[${out.length}]`, depth));
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === ']') {
        this.i++;
        return out;
      }
      this.fail('INVALID_JSON', 'expected "," or "]"', path);
    }
  }

  string(path: string): string {
    const s = this.s;
    const start = this.i;
    this.i++; // opening quote
    let out = '';
    let runStart = this.i;
    for (;;) {
      if (this.i >= s.length) this.fail('INVALID_JSON', 'unterminated string', path, start);
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        out += s.slice(runStart, this.i);
        this.i++;
        break;
      }
      if (c < 0x20) this.fail('INVALID_JSON', 'control character in string (escape it)', path);
      if (c === 0x5c) {
        out += s.slice(runStart, this.i);
        const e = s[this.i + 1];
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = s.slice(this.i + 2, this.i + 6);
            if (!/^[0-9A-Fa-f]{4}$/.test(hex)) this.fail('INVALID_JSON', 'invalid \\u escape', path);
            out += String.fromCharCode(parseInt(hex, 16));
            this.i += 4;
            break;
          }
          default:
            this.fail('INVALID_JSON', 'invalid escape', path);
        }
        this.i += 2;
        runStart = this.i;
        continue;
      }
      this.i++;
    }
    // Lone surrogates (raw or escaped) have no UTF-8 form; RFC 8785 requires rejecting them.
    for (let k = 0; k < out.length; k++) {
      const u = out.charCodeAt(k);
      if (u >= 0xd800 && u <= 0xdbff) {
        const n = out.charCodeAt(k + 1);
        if (n >= 0xdc00 && n <= 0xdfff) {
          k++;
          continue;
        }
        this.fail('INVALID_JSON', 'lone surrogate in string', path, start);
      } else if (u >= 0xdc00 && u <= 0xdfff) this.fail('INVALID_JSON', 'lone surrogate in string', path, start);
    }
    return out;
  }

  number(path: string): number {
    const s = this.s;
    const start = this.i;
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(s.slice(start, start + MAX_NUMBER_LENGTH + 1));
    if (m === null) return this.fail('INVALID_JSON', 'invalid number', path);
    const lit = m[0];
    if (lit.length > MAX_NUMBER_LENGTH) this.fail('NUMBER_NOT_REPRESENTABLE', `number literal longer than ${MAX_NUMBER_LENGTH} characters`, path, start);
    this.i += lit.length;
    // Number() rounds to the nearest double (ties to even), as RFC 8259 parsers do.
    const v = Number(lit);
    if (!Number.isFinite(v)) this.fail('NUMBER_NOT_REPRESENTABLE', `${lit} overflows a double`, path, start);
    const e = lit.search(/[eE]/);
    const mantissa = e < 0 ? lit : lit.slice(0, e);
    if (v === 0 && /[1-9]/.test(mantissa)) this.fail('NUMBER_NOT_REPRESENTABLE', `${lit} underflows to 0`, path, start);
    if (e < 0) {
      // No exponent: an exact quantity. Compare the literal itself, not its rounded double, with 2^53 − 1.
      const [int = '', frac = ''] = mantissa.replace('-', '').split('.');
      const whole = BigInt(int);
      if (whole > MAX_SAFE || (whole === MAX_SAFE && /[1-9]/.test(frac))) {
        this.fail('NUMBER_NOT_REPRESENTABLE', `${lit} is beyond ±(2^53 − 1), the exact-integer range of I-JSON; write it as a string`, path, start);
      }
    }
    return v;
  }
}

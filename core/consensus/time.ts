/**
 * Times as CometBFT keeps them: a google.protobuf.Timestamp (seconds since the
 * Unix epoch, which may be negative, and 0 ≤ nanos < 10⁹), parsed from the
 * RFC 3339 text its RPC writes ("2026-12-02T15:05:13.598295872Z", Go's
 * RFC3339Nano: up to nine fraction digits, trailing zeros dropped). Durations
 * are nanoseconds as a bigint, like Go's time.Duration. No clock: the caller
 * passes `now`. Pure.
 */

export interface Timestamp {
  /** Seconds since 1970-01-01T00:00:00Z. */
  readonly seconds: bigint;
  /** 0 ≤ nanos < 1 000 000 000. */
  readonly nanos: number;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;
const NS = 1_000_000_000n;

/** Days from 1970-01-01 to the given proleptic Gregorian date. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

/** The timestamp an RFC 3339 text names, or null when the text is not one. */
export function parseRfc3339(text: string): Timestamp | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  let offset = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'));
  const seconds = BigInt(daysFromCivil(y, mo, d)) * 86400n + BigInt(h * 3600 + mi * 60 + s) - BigInt(offset);
  return { seconds, nanos };
}

/** The timestamp in nanoseconds since the epoch. */
export function toNanos(t: Timestamp): bigint {
  return t.seconds * NS + BigInt(t.nanos);
}

export function fromNanos(ns: bigint): Timestamp {
  let s = ns / NS;
  let n = ns % NS;
  if (n < 0n) {
    n += NS;
    s -= 1n;
  }
  return { seconds: s, nanos: Number(n) };
}

/** The timestamp of a JavaScript millisecond time (for callers holding Date.now()). */
export function timestampFromMs(ms: number): Timestamp {
  if (!Number.isSafeInteger(ms)) throw new RangeError('milliseconds must be a safe integer');
  return fromNanos(BigInt(ms) * 1_000_000n);
}

/** −1, 0 or 1 as a is before, equal to or after b. */
export function compareTime(a: Timestamp, b: Timestamp): -1 | 0 | 1 {
  const x = toNanos(a);
  const y = toNanos(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** a + duration (nanoseconds). */
export function addDuration(a: Timestamp, durationNs: bigint): Timestamp {
  return fromNanos(toNanos(a) + durationNs);
}

/** RFC 3339 in UTC with the fraction as Go's RFC3339Nano writes it (trailing zeros dropped). */
export function formatRfc3339(t: Timestamp): string {
  const days = Number((t.seconds - (((t.seconds % 86400n) + 86400n) % 86400n)) / 86400n);
  const sod = Number(((t.seconds % 86400n) + 86400n) % 86400n);
  // civil from days
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const mo = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (mo <= 2 ? 1 : 0);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const frac = t.nanos === 0 ? '' : '.' + p(t.nanos, 9).replace(/0+$/, '');
  return `${p(y, 4)}-${p(mo)}-${p(d)}T${p(Math.floor(sod / 3600))}:${p(Math.floor(sod / 60) % 60)}:${p(sod % 60)}${frac}Z`;
}

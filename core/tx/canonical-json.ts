/**
 * The fast RFC 8785 serialiser of plain JSON values, shared by the envelope
 * decoder's canonical-form check and the engine's state root and results.
 */

/**
 * RFC 8785 canonical JSON for the plain JSON values of the state (objects,
 * arrays, strings, finite numbers, booleans, null): keys sorted by UTF-16 code
 * units, strings and numbers serialised as ECMAScript's JSON.stringify does —
 * which is what RFC 8785 specifies. Properties whose value is undefined are
 * skipped, as JSON.stringify does. Equal to canonicalBytes (tested).
 */
export function fastCanonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('canonical JSON has no non-finite numbers');
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i) out += ',';
      const x: unknown = v[i];
      out += x === undefined ? 'null' : fastCanonicalJson(x);
    }
    return out + ']';
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  // Records are mostly built with their keys in order already: sort only when not.
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) >= (keys[i] as string)) {
      keys.sort();
      break;
    }
  }
  let out = '{';
  let first = true;
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += quotedKey(k) + ':' + fastCanonicalJson(x);
  }
  return out + '}';
}

/** JSON.stringify(k) + ':' … memoised for the few hundred distinct member names of the state (bounded; only a cache). */
const QUOTED = new Map<string, string>();
function quotedKey(k: string): string {
  let q = QUOTED.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    if (k.length <= 64) {
      if (QUOTED.size >= 4096) QUOTED.clear();
      QUOTED.set(k, q);
    }
  }
  return q;
}

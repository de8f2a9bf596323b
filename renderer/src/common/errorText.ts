import { ERROR_CODES, isErrorCode } from '../../../core/errors.js';
import type { SerializedError } from '../../../core/contract/index.js';

/**
 * An error in words for the person who caused it: one sentence, the field
 * problems as "Vault id: must be …", and the remedy. The raw code, message and
 * details (contract method names, zod paths, a node's ABCI code, codespace and
 * log) stay available behind a disclosure, never in the sentence.
 */
export interface ErrorText {
  sentence: string;
  /** Specifics the sentence lacks (an engine's own words, a file name), already in words; null when there are none. */
  specifics: string | null;
  fields: string[];
  remedy: string | null;
}

/** "vaultId" → "Vault id", "approvers.0" → "Approvers, item 1", "policy.threshold" → "Policy, threshold". */
export function fieldName(path: string): string {
  if (path === '' || path === '(input)') return 'Input';
  const parts = path.split('.').map((p) => {
    if (/^\d+$/.test(p)) return `item ${Number(p) + 1}`;
    return p
      .replace(/_/g, ' ')
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/\s+/g, ' ')
      .trim()
      .toLowerCase();
  });
  const text = parts.join(', ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A zod message read as a phrase after "Field:" ("Too small: expected string to have >=1 characters" → "too short: at least 1 character"). */
function fieldMessage(message: string): string {
  let m = message.trim();
  const small = /^Too small: expected (string|array|number) to (?:have|be) (>=?|>)\s*([0-9.]+)(?: (\w+))?/i.exec(m);
  if (small) {
    const [, kind, op, n] = small;
    if (kind === 'string') return n === '1' && op === '>=' ? 'must not be empty' : `must be at least ${n} characters long`;
    if (kind === 'array') return n === '1' && op === '>=' ? 'choose at least one' : `choose at least ${n}`;
    return `must be ${op === '>' ? 'more than' : 'at least'} ${n}`;
  }
  const big = /^Too big: expected (string|array|number) to (?:have|be) (<=?|<)\s*([0-9.]+)/i.exec(m);
  if (big) {
    const [, kind, op, n] = big;
    if (kind === 'string') return `must be at most ${n} characters long`;
    if (kind === 'array') return `choose at most ${n}`;
    return `must be ${op === '<' ? 'less than' : 'at most'} ${n}`;
  }
  if (/^Invalid input: expected \w+, received undefined$/i.test(m) || /^Required$/i.test(m)) return 'is required';
  const type = /^Invalid input: expected (\w+), received (\w+)$/i.exec(m);
  if (type) return `must be a ${type[1] === 'int' ? 'whole number' : type[1]}`;
  if (/^Unrecognized key/i.test(m)) return 'is not a field of this form';
  if (/^Invalid string: must match pattern/i.test(m)) return 'is not in the expected format';
  m = m.replace(/^Invalid input: /i, '');
  if (/^[0-9]/.test(m)) return `must be ${m}`; // "2–32 characters: a–z, …"
  return m.charAt(0).toLowerCase() + m.slice(1);
}

function problemsOf(details: unknown): { path: string; message: string }[] | null {
  const list =
    details && typeof details === 'object' && !Array.isArray(details) && 'problems' in details ? (details as { problems: unknown }).problems : details;
  if (!Array.isArray(list)) return null;
  const out: { path: string; message: string }[] = [];
  for (const d of list) {
    if (!d || typeof d !== 'object' || !('message' in d)) return null;
    const raw = (d as { path?: unknown }).path;
    const path = Array.isArray(raw) ? raw.map(String).join('.') : typeof raw === 'string' ? raw : '';
    out.push({ path, message: String((d as { message: unknown }).message) });
  }
  return out;
}

/** Messages that are only internals: an operation name with field paths, a stack, raw JSON. */
function internalMessage(e: SerializedError): boolean {
  const m = e.message.trim();
  if (m === '') return true;
  if (e.code === 'INTERNAL') return true;
  if (/^[a-z]+\.[a-zA-Z]+: /.test(m)) return true; // "custody.createVault: vaultId: …"
  if (/^[{[]/.test(m)) return true; // a JSON dump
  if (/\n\s+at /.test(m)) return true; // a stack
  return false;
}

function sentenceCase(s: string): string {
  const t = s.trim();
  if (!t) return t;
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?…:)]$/.test(first) ? first : `${first}.`;
}

const FILLER = new Set(['the', 'and', 'its', 'are', 'not', 'was', 'were', 'has', 'have', 'this', 'that', 'with', 'for', 'from', 'been', 'any', 'one', 'two']);

/** Content words of a text, singular ("passphrases" → "passphrase"), without filler words. */
function contentWords(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? [])
    .filter((w) => w.length >= 3 && !FILLER.has(w))
    .map((w) => (w.length > 4 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w));
}

/**
 * The specifics with every clause dropped that only repeats the sentence or the remedy
 * (all its content words said there but at most one, and at least two thirds of them); null when nothing is left.
 */
export function newSpecifics(specifics: string, said: string): string | null {
  const known = new Set(contentWords(said));
  const clauses = specifics
    .split(/(?<=[;.!?])\s+|;\s*/)
    .map((c) => c.trim())
    .filter(Boolean);
  const kept = clauses.filter((c) => {
    const w = contentWords(c);
    if (w.length === 0) return false;
    const missing = w.filter((x) => !known.has(x)).length;
    return !(missing <= 1 && missing * 3 <= w.length);
  });
  if (kept.length === clauses.length) return specifics;
  return kept.length === 0 ? null : sentenceCase(kept.join('; ').replace(/[;.]$/, ''));
}

export function describeError(e: SerializedError): ErrorText {
  const info = isErrorCode(e.code) ? ERROR_CODES[e.code] : null;
  const problems = problemsOf(e.details);
  const fields = (problems ?? []).slice(0, 10).map((p) => `${fieldName(p.path)}: ${fieldMessage(p.message)}`);
  let sentence: string;
  let specifics: string | null = null;
  if (e.code === 'INVALID_INPUT' && fields.length > 0) {
    sentence = fields.length === 1 ? 'One field is not valid.' : `${fields.length} fields are not valid.`;
  } else if (info && !internalMessage(e) && /^[A-Z“"]/.test(e.message.trim()) && /[.!?]$/.test(e.message.trim())) {
    // Already a sentence written for a person (by the console or the engine): it says more than the summary.
    sentence = e.message.trim();
  } else if (info) {
    sentence = info.summary;
    if (!internalMessage(e) && e.message.trim() !== info.summary) specifics = sentenceCase(e.message);
  } else {
    sentence = internalMessage(e) ? 'Something went wrong.' : sentenceCase(e.message);
  }
  let remedy = e.hint?.trim() || info?.hint || null;
  // The generic INVALID_INPUT hint points at "the details": the fields are listed already.
  if (e.code === 'INVALID_INPUT' && fields.length > 0) remedy = 'Correct the fields named above and try again.';
  // The specifics often say the summary again in other words ("… are not the same; no key was created"): keep only what is new.
  if (specifics) specifics = newSpecifics(specifics, `${sentence} ${remedy ?? ''}`);
  return { sentence, specifics, fields, remedy };
}

/**
 * Key ids in a message read as the names people gave them: a known 40-hex key id (also as
 * "key:<id>", an owner) becomes "alice (074911d3…)", and the same id again just "alice".
 * Unknown ids stay as they are. Display only: the host's message is unchanged.
 */
export function nameKeyIds(text: string, names: ReadonlyMap<string, string>): string {
  if (names.size === 0) return text;
  const seen = new Set<string>();
  return text.replace(/(?:key:)?\b([0-9a-f]{40})\b/g, (whole, id: string) => {
    const name = names.get(id);
    if (!name) return whole;
    if (seen.has(id)) return name;
    seen.add(id);
    return `${name} (${id.slice(0, 8)}…)`;
  });
}

/** describeError, with known key ids named (nameKeyIds) in the sentence, the specifics and the remedy. */
export function describeErrorNamed(e: SerializedError, names: ReadonlyMap<string, string>): ErrorText {
  const t = describeError(e);
  return {
    sentence: nameKeyIds(t.sentence, names),
    specifics: t.specifics === null ? null : nameKeyIds(t.specifics, names),
    fields: t.fields,
    remedy: t.remedy === null ? null : nameKeyIds(t.remedy, names),
  };
}

/**
 * Reading a bundle's JSON members for the content checks: strictly (the
 * parser of docs/formats/evidence-log.md §2 — no byte-order mark, no
 * duplicate keys, numbers a double carries), and only members whose size and
 * digest matched the manifest. Pure; never throws.
 */
import { parseStrictJsonBytes } from '../jcs.js';
import type { Check } from './types.js';
import type { BundleContext } from './verify.js';

export type Item = NonNullable<Check['items']>[number];

export type MemberRead = { state: 'absent' } | { state: 'invalid'; detail: string } | { state: 'ok'; value: unknown };

export function readMember(ctx: BundleContext, path: string): MemberRead {
  const b = ctx.members.get(path);
  if (!b) return { state: 'absent' };
  try {
    return { state: 'ok', value: parseStrictJsonBytes(b) };
  } catch (e) {
    return { state: 'invalid', detail: `${path} is not strict JSON: ${(e as Error).message}` };
  }
}

/** Whether a manifest lists `path` (present or not, digest matching or not). */
export function listed(ctx: BundleContext, path: string): boolean {
  return ctx.manifest.members.some((m) => m.path === path);
}

export const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
export const HEX64_UPPER = /^[0-9A-F]{64}$/;
export const HEX64 = /^[0-9a-f]{64}$/;

/** Exactly these keys (optional ones may be absent). */
export function hasExactKeys(o: Record<string, unknown>, required: readonly string[], optional: readonly string[] = []): boolean {
  const keys = Object.keys(o);
  return required.every((k) => Object.prototype.hasOwnProperty.call(o, k)) && keys.every((k) => required.includes(k) || optional.includes(k));
}

/**
 * The manifest: its schema, its canonical bytes (RFC 8785) and its digest.
 * manifest.json in a bundle holds exactly the canonical bytes, so the
 * manifest digest is the SHA-256 of the file.
 */
import { z } from 'zod';
import { canonicalJson, fromUtf8, sha256Hex, utf8 } from '../../codec/index.js';
import { BUNDLE_FORMAT, BUNDLE_FORMATS, MANIFEST_PATH, ATTESTATIONS_DIR, type Manifest, type ManifestMember, type BundleSubject } from './types.js';
import { pathProblem } from './paths.js';
import { parseStrictJsonBytes } from '../jcs.js';

const Sha = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex characters');
/** A string of min–max Unicode code points (not UTF-16 units). */
const Chars = (min: number, max: number) =>
  z.string().refine((s) => {
    const n = [...s].length;
    return n >= min && n <= max;
  }, `${min}–${max} characters`);
const Height = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const ManifestSchema = z
  .object({
    format: z.enum(BUNDLE_FORMATS),
    kind: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
    subject: z.object({ type: Chars(1, 64), id: Chars(1, 256), chain_id: Chars(1, 64), height: Height }).strict(),
    created_by: z.object({ tool: Chars(1, 128), version: Chars(1, 64), key_id: z.string().regex(/^[0-9a-f]{40}$/) }).strict(),
    members: z
      .array(
        z
          .object({
            // Length and every other path rule: pathProblem (UTF-8 bytes), below.
            path: z.string(),
            artifact_type: Chars(1, 128),
            sha256: Sha,
            size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
          })
          .strict(),
      )
      .max(1_000_000),
  })
  .strict();

/** Members sorted the way the manifest lists them: by path, UTF-16 code units (as JCS sorts keys). */
export function sortMembers(members: readonly ManifestMember[]): ManifestMember[] {
  return [...members].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function buildManifest(m: {
  format?: Manifest['format'];
  kind: string;
  subject: BundleSubject;
  created_by: Manifest['created_by'];
  members: readonly ManifestMember[];
}): Manifest {
  return { format: m.format ?? BUNDLE_FORMAT, kind: m.kind, subject: m.subject, created_by: m.created_by, members: sortMembers(m.members) };
}

export function manifestBytes(m: Manifest): Uint8Array {
  return utf8(canonicalJson(m));
}

export function manifestDigest(m: Manifest): string {
  return sha256Hex(manifestBytes(m));
}

/** Problems with a parsed manifest beyond its schema: paths, order, duplicates, reserved names. */
export function manifestProblems(m: Manifest): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  let prev: string | null = null;
  for (const mem of m.members) {
    const p = pathProblem(mem.path);
    if (p) problems.push(`member "${mem.path}": ${p.detail} (${p.reason})`);
    if (mem.path.endsWith('/')) problems.push(`member "${mem.path}" names a directory`);
    if (mem.path === MANIFEST_PATH || mem.path.startsWith(ATTESTATIONS_DIR))
      problems.push(`member "${mem.path}" is reserved (manifest.json and attestations/ are not members)`);
    if (seen.has(mem.path)) problems.push(`member "${mem.path}" is listed twice`);
    if (prev !== null && !(prev < mem.path)) problems.push(`members are not sorted by path at "${mem.path}"`);
    seen.add(mem.path);
    prev = mem.path;
  }
  return problems;
}

export type ParsedManifest =
  | { ok: true; manifest: Manifest; sha256: string }
  | { ok: false; reason: 'MANIFEST_INVALID' | 'MANIFEST_NOT_CANONICAL' | 'UNSUPPORTED_FORMAT'; detail: string };

/** Parse manifest.json bytes: UTF-8 JSON, the schema, the rules above, and exactly its canonical form. */
export function parseManifest(bytes: Uint8Array): ParsedManifest {
  let value: unknown;
  try {
    // Strict: no byte-order mark, no duplicate keys, only numbers a double carries.
    value = parseStrictJsonBytes(bytes);
  } catch (e) {
    return { ok: false, reason: 'MANIFEST_INVALID', detail: `manifest.json is not strict UTF-8 JSON: ${(e as Error).message}` };
  }
  if (value && typeof value === 'object' && 'format' in value && !(BUNDLE_FORMATS as readonly unknown[]).includes((value as { format: unknown }).format)) {
    return {
      ok: false,
      reason: 'UNSUPPORTED_FORMAT',
      detail: `manifest format ${JSON.stringify((value as { format: unknown }).format).slice(0, 80)} is not ${BUNDLE_FORMATS.join(' or ')}`,
    };
  }
  const parsed = ManifestSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return {
      ok: false,
      reason: 'MANIFEST_INVALID',
      detail: `manifest.json does not match the schema: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}`,
    };
  }
  const manifest = parsed.data as Manifest;
  const problems = manifestProblems(manifest);
  if (problems.length > 0) return { ok: false, reason: 'MANIFEST_INVALID', detail: problems.slice(0, 5).join('; ') };
  // Canonical bytes only: this also excludes duplicate keys, which JSON.parse would silently merge.
  const canonical = canonicalJson(value);
  if (canonical !== fromUtf8(bytes))
    return { ok: false, reason: 'MANIFEST_NOT_CANONICAL', detail: 'manifest.json is not in canonical form (RFC 8785), or has duplicate keys' };
  return { ok: true, manifest, sha256: sha256Hex(bytes) };
}

/**
 * The contract's `evidence.*` operations. Evidence files and bundles: export, build, upload, verify, trust files.
 */
import { z } from 'zod';
import { op, type DomainOperations } from '../operation.js';
import { Empty, KeyId, RequestId, Digest, LABEL_FORBIDDEN, Secret } from '../shapes.js';

export const BuiltBundleView = z.object({
  fileName: z.string(),
  /** The zip, base64. */
  contentBase64: z.string(),
  sha256: z.string(),
  size: z.number().int().nonnegative(),
  /** SHA-256 of manifest.json, the digest the attestation signs. */
  manifestSha256: z.string(),
  members: z.number().int().nonnegative(),
  /** Where the workspace's content-addressed store keeps a copy. */
  artifact: z.string(),
  /** What the node could not give at build time: each names the check it leaves unknown and when it will be there (empty: nothing missing). */
  missing: z.array(z.string()).default([]),
});
export type BuiltBundleView = z.infer<typeof BuiltBundleView>;

export const BundleCheck = z.object({
  id: z.string(),
  title: z.string(),
  verdict: z.enum(['pass', 'fail', 'unknown']),
  /** Stable reason code ("OK" on pass); docs/formats/evidence-bundle.md lists them. */
  reason: z.string(),
  detail: z.string(),
  items: z.array(z.object({ subject: z.string(), reason: z.string(), detail: z.string() })).optional(),
});
export type BundleCheck = z.infer<typeof BundleCheck>;

export const BundleReportView = z.object({
  /** The bundle's SHA-256; names it for evidence.readMember. */
  bundleId: z.string(),
  size: z.number().int().nonnegative(),
  verdict: z.enum(['pass', 'fail', 'unknown']),
  manifestSha256: z.string().nullable(),
  kind: z.string().nullable(),
  subject: z.object({ type: z.string(), id: z.string(), chain_id: z.string(), height: z.number().int() }).nullable(),
  checks: z.array(BundleCheck),
  members: z.array(z.object({ path: z.string(), artifact_type: z.string().nullable(), size: z.number().int().nonnegative(), sha256: z.string().nullable() })),
});
export type BundleReportView = z.infer<typeof BundleReportView>;

/** A trust file kept in the workspace: its name, its digest, and the parsed JSON to pass to evidence.verifyBundle. */
export const SavedTrust = z.object({ name: z.string(), sha256: Digest, size: z.number().int().nonnegative(), trust: z.unknown() });
export type SavedTrust = z.infer<typeof SavedTrust>;

export const operations = {
  'evidence.exportWithdrawal': op(
    'Evidence file for an executed withdrawal, as canonical JSON',
    z.object({ requestId: RequestId }).strict(),
    z.object({
      fileName: z.string(),
      /** The canonical JSON (RFC 8785) text of the evidence document. */
      content: z.string(),
      sha256: z.string(),
      /** Where the workspace's content-addressed store keeps a copy. */
      artifact: z.string(),
    }),
    { subject: (i) => `request ${String(i['requestId'])}` },
  ),
  'evidence.buildCase': op(
    "Build and sign a custody-case evidence bundle (zip) for an executed withdrawal; a copy goes to the workspace store. signerKeyId: sign the attestation with this local key (software keystore; secret = its passphrase) instead of the embedded devnet's validator key",
    z.object({ requestId: RequestId, signerKeyId: KeyId.optional(), secret: Secret.optional() }).strict(),
    BuiltBundleView,
    { subject: (i) => `request ${String(i['requestId'])}`, signer: (i) => i['signerKeyId'] },
  ),
  'evidence.buildSegment': op(
    'Build and sign a history-segment evidence bundle (zip) for a height range (signerKeyId and secret as for evidence.buildCase)',
    z
      .object({ from: z.number().int().positive(), to: z.number().int().positive(), signerKeyId: KeyId.optional(), secret: Secret.optional() })
      .strict()
      .refine((i) => i.to >= i.from, 'to must not be below from'),
    BuiltBundleView,
    { subject: (i) => `heights ${String(i['from'])}:${String(i['to'])}`, signer: (i) => i['signerKeyId'] },
  ),
  'evidence.uploadChunk': op(
    'Send a piece of a bundle to verify (messages are capped at 1 MiB): the first call without uploadId starts an upload',
    z
      .object({
        uploadId: z
          .string()
          .regex(/^up-[0-9a-f]{24}$/)
          .optional(),
        chunkBase64: z
          .string()
          .max(700_000)
          .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64'),
      })
      .strict(),
    z.object({ uploadId: z.string(), received: z.number().int().nonnegative() }),
  ),
  'evidence.verifyBundle': op(
    'Verify an evidence bundle in memory (nothing is extracted): every check with its verdict and reason; progress arrives as evidence.progress events',
    z
      .object({
        contentBase64: z
          .string()
          .max(700_000)
          .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64')
          .optional(),
        uploadId: z
          .string()
          .regex(/^up-[0-9a-f]{24}$/)
          .optional(),
        /** A trust file (JSON) naming the keys that may sign; without it key trust is "unknown". */
        trust: z.unknown().optional(),
        /** Echoed in evidence.progress events. */
        jobId: z.string().max(64).optional(),
      })
      .strict()
      .refine((i) => (i.contentBase64 === undefined) !== (i.uploadId === undefined), 'give exactly one of contentBase64 and uploadId'),
    BundleReportView,
    { subject: (_i, o) => (o?.['bundleId'] ? `bundle ${String(o['bundleId'])}` : 'bundle') },
  ),
  'evidence.saveTrust': op(
    'Keep a trust file in the workspace (content-addressed store, its digest in a setting) so the Evidence view restores it; the host parses and checks it first (BUNDLE_TRUST_INVALID)',
    z
      .object({
        /** The file's name as chosen (shown back). */
        name: z
          .string()
          .trim()
          .min(1)
          .max(255)
          .regex(/^[^/\\]+$/, 'a file name without slashes')
          .refine((s) => !LABEL_FORBIDDEN.test(s), 'a file name without control characters'),
        /** The file's JSON text. */
        trustText: z
          .string()
          .min(1, 'required')
          .max(512 * 1024),
      })
      .strict(),
    SavedTrust,
    { subject: (i) => `trust file "${String(i['name'])}"` },
  ),
  'evidence.nodeTrust': op(
    "Fetch the connected node's trust file (GET /explorer/trust: the keys that sign its checkpoints) and keep it as the Evidence view's trust file, as evidence.saveTrust does. It trusts the node it checks: fine on a devnet; an auditor uses a trust file obtained out of band",
    Empty,
    SavedTrust,
    { subject: (_i, o) => (o?.['name'] ? `trust file "${String(o['name'])}" from the connected node` : 'trust file from the connected node') },
  ),
  'evidence.loadTrust': op(
    'The trust file kept in the workspace, if any (null when none is chosen, or its artifact is gone or no longer matches its digest)',
    Empty,
    z.object({ saved: SavedTrust.nullable() }),
  ),
  'evidence.clearTrust': op('Forget the trust file kept in the workspace (the artifact stays in the store)', Empty, z.object({ cleared: z.boolean() }), {
    subject: () => 'trust file',
  }),
  'evidence.readMember': op(
    'The content of one entry of a bundle opened with evidence.verifyBundle',
    z.object({ bundleId: Digest, path: z.string().min(1).max(1024) }).strict(),
    z.object({
      path: z.string(),
      size: z.number().int().nonnegative(),
      sha256: z.string(),
      /** UTF-8 text (first 512 KiB), or null for binary content. */
      text: z.string().nullable(),
      base64: z.string().nullable(),
      truncated: z.boolean(),
    }),
  ),
} as const satisfies DomainOperations<'evidence'>;

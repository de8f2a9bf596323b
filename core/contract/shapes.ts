/**
 * Shapes the contract's domains share: identifiers, amounts, labels, secrets,
 * and the results several domains return (a committed transaction, a signing
 * preview). A shape used by one domain only lives in that domain's file.
 */
import { z } from 'zod';

export const Empty = z.object({}).strict();
export const Hex = z.string().regex(/^[0-9a-f]*$/, 'lower-case hex');
export const TxHash = z.string().regex(/^[0-9A-F]{64}$/, 'upper-case hex SHA-256');
export const KeyId = z.string().regex(/^[0-9a-f]{40}$/, '40 hex characters');
export const VaultId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,31}$/, '2–32 characters: a–z, 0–9 and "-", not starting with "-"');
export const RequestId = z.string().regex(/^wr-[0-9a-f]{24}$/, 'a request id such as wr-…');
export const Asset = z.string().regex(/^[A-Z0-9][A-Z0-9.-]{0,15}$/, '1–16 characters: A–Z, 0–9, "." or "-"');
export const Amount = z.string().regex(/^[1-9][0-9]{0,30}$/, 'a positive whole number of base units');
export const Digest = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex characters');
export const Passphrase = z.string().min(1, 'required').max(1024);
/** A name shown to people: 1–64 characters after trimming, no control characters (C0, DEL, C1) and no bidirectional or line/paragraph separators that change how text around it reads. */
export const LABEL_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
export const Label = z
  .string()
  .trim()
  .min(1, 'required')
  .max(64, 'at most 64 characters')
  .refine((s) => !LABEL_FORBIDDEN.test(s), 'no control characters');
export const Height = z.number().int().nonnegative();
/** A time read from a file (a key file's created_at): ISO 8601 in UTC, e.g. 2026-11-22T10:00:00.000Z. */
export const FileTimestamp = z.iso.datetime();
export const Destination = z.string().regex(/^[\x21-\x7e]{1,128}$/, '1–128 printable characters, no spaces');
/** A per-call unlock secret: a software key's passphrase or a PKCS#11 PIN (Ledger needs none). */
export const Secret = z.string().min(1, 'required').max(1024);
export const Scheme = z.enum(['ed25519', 'p256', 'secp256k1']);
export const BackendKind = z.enum(['software', 'pkcs11', 'ledger']);
export const Reason = z.string().trim().min(1, 'required').max(256);

export const TxOutcome = z.object({ txHash: TxHash, height: Height });

/** Exactly what a transaction would sign: the unsigned envelope, its canonical bytes and digest (a preview). */
export const SigningPreview = z.object({
  chainId: z.string(),
  /** The signing key (the devnet admin's key id when asAdmin). */
  keyId: KeyId,
  /** Signed by the embedded devnet's admin key rather than a local key. */
  asAdmin: z.boolean().default(false),
  scheme: z.string(),
  /** The unsigned envelope (JSON). */
  envelope: z.unknown(),
  /** Its canonical JSON (RFC 8785) text. */
  canonical: z.string(),
  /** Lower-case hex digest the key signs. */
  signingDigest: Digest,
  nonce: z.number().int().positive(),
  expiresAt: Height,
});
export type SigningPreview = z.infer<typeof SigningPreview>;
/** What a preview showed; the signing call signs exactly this envelope or nothing (PREVIEW_STALE). */
export const Expected = z.object({ nonce: z.number().int().positive(), expiresAt: Height, digest: Digest }).strict();

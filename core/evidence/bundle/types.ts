/**
 * Evidence bundle types (docs/formats/evidence-bundle.md). Pure data: what a
 * manifest holds, what a verifier is handed (an abstract list of zip entries),
 * and what it answers (a checklist of checks, each pass / fail / unknown with a
 * stable reason code).
 */

/** The format this console writes: ECDSA attestation signatures in ASN.1 DER, every claim bound to what the chain signed. */
export const BUNDLE_FORMAT = 'charter.bundle/v2';
/** The earlier format: still verified (ECDSA attestation signatures as 64-byte r||s). */
export const BUNDLE_FORMAT_V1 = 'charter.bundle/v1';
export const BUNDLE_FORMATS = [BUNDLE_FORMAT_V1, BUNDLE_FORMAT] as const;
export type BundleFormat = (typeof BUNDLE_FORMATS)[number];
export const MANIFEST_PATH = 'manifest.json';
export const ATTESTATIONS_DIR = 'attestations/';

/** Kinds defined so far; later kinds use the same format. */
export const BUNDLE_KINDS = ['custody-case', 'history-segment'] as const;
export type BundleKind = (typeof BUNDLE_KINDS)[number];

/** Artifact types a verifier understands beyond "a file with a digest". */
export const ARTIFACT_TYPES = {
  request: 'charter.withdrawal-request/v1',
  signedTx: 'charter.signed-tx/v1',
  block: 'charter.block/v1',
  policy: 'charter.policy/v1',
  stateProof: 'charter.state-proof/v1',
  receipt: 'charter.receipt/v1',
  receipts: 'charter.receipts/v1',
  inclusionProof: 'charter.mmr-inclusion-proof/v1',
  /** One inclusion proof per receipt of a history segment, all in one MMR size. */
  inclusionProofs: 'charter.mmr-inclusion-proofs/v1',
  consistencyProof: 'charter.mmr-consistency-proof/v1',
  checkpoint: 'charter.signed-checkpoint/v1',
  withdrawalEvidence: 'charter.evidence.withdrawal/v1',
} as const;

/** A content-addressed reference to an artifact. */
export interface ArtifactRef {
  artifact_type: string;
  /** 64 lower-case hex characters. */
  digest_sha256: string;
  /** Bytes. */
  size: number;
  uri?: string;
}

export interface ManifestMember {
  path: string;
  artifact_type: string;
  sha256: string;
  size: number;
}

export interface BundleSubject {
  /** What the bundle is about, e.g. "withdrawal" or "height-range". */
  type: string;
  /** Its identifier, e.g. "wr-…" or "5:42". */
  id: string;
  chain_id: string;
  /** The height the bundle's claims are anchored at (execution block, last block of a segment). */
  height: number;
}

export interface Manifest {
  format: BundleFormat;
  kind: string;
  subject: BundleSubject;
  created_by: { tool: string; version: string; key_id: string };
  /** Sorted by path (UTF-16 code unit order, as JCS sorts keys); never manifest.json or attestations/*. */
  members: ManifestMember[];
}

/** DSSE envelope (https://github.com/secure-systems-lab/dsse, protocol v1). */
export interface DsseEnvelope {
  payloadType: string;
  /** Standard base64 of the payload bytes. */
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const BUNDLE_PREDICATE_TYPE = 'urn:charter:predicate:evidence-bundle:v1';

export interface BundleSigner {
  key_id: string;
  /** ed25519, p256 or secp256k1 (what each signs: §4 of the format). */
  scheme: 'ed25519' | 'p256' | 'secp256k1';
  /** Lower-case hex: Ed25519 32 bytes; ECDSA 33-byte compressed SEC1. */
  public_key: string;
}

/** in-toto Statement v1 whose one subject is the manifest. */
export interface BundleStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: [{ name: typeof MANIFEST_PATH; digest: { sha256: string } }];
  predicateType: typeof BUNDLE_PREDICATE_TYPE;
  predicate: { kind: string; subject: BundleSubject; signer: BundleSigner };
}

// ─── what a verifier is handed ─────────────────────────────────────────────

/** Refusals a zip reader reports while reading (it counts bytes while inflating, never trusting headers). */
export const CONTAINER_REASONS = [
  'NOT_A_ZIP',
  'TOO_MANY_ENTRIES',
  'MEMBER_TOO_LARGE',
  'TOTAL_TOO_LARGE',
  'COMPRESSION_RATIO',
  'HEADER_SIZE_MISMATCH',
  'ENCRYPTED_ENTRY',
  'UNSUPPORTED_COMPRESSION',
  'CORRUPT_ENTRY',
  'LOCAL_HEADER_MISMATCH',
  'ALTERNATE_NAME',
  'UNLISTED_DATA',
  'CRC_MISMATCH',
] as const;
export type ContainerReason = (typeof CONTAINER_REASONS)[number];

export interface ZipEntryInput {
  /** The entry name as stored (decoded as UTF-8; undecodable bytes make BAD_NAME_ENCODING). */
  name: string;
  /** False when the stored name bytes are not valid UTF-8. */
  nameValid: boolean;
  /** Central directory "version made by" (high byte = host system; 3 = Unix). */
  versionMadeBy: number;
  /** Central directory external file attributes (Unix mode in the high 16 bits). */
  externalAttributes: number;
  /** Sizes as the central directory claims them (informative only). */
  compressedSize: number;
  uncompressedSize: number;
  /** The inflated bytes, or null if the reader did not (or refused to) read them. */
  data: Uint8Array | null;
  /** Why the reader refused this entry. */
  error?: { reason: ContainerReason; detail: string };
}

export interface ContainerInput {
  entries: ZipEntryInput[];
  /** A refusal of the whole archive (not a zip, too many entries, total size over the cap). */
  error?: { reason: ContainerReason; detail: string };
}

// ─── what a verifier answers ───────────────────────────────────────────────

export type Verdict = 'pass' | 'fail' | 'unknown';

export interface Check {
  /** Stable identifier, e.g. "zip.paths". */
  id: string;
  title: string;
  verdict: Verdict;
  /** Stable reason code: "OK" on pass; otherwise e.g. "PATH_TRAVERSAL", "NO_TRUST_FILE". */
  reason: string;
  /** One human sentence. */
  detail: string;
  /** Each offending item (path, key id…) with its own reason; capped. */
  items?: { subject: string; reason: string; detail: string }[];
}

export interface VerifyReport {
  verdict: Verdict;
  manifestSha256: string | null;
  kind: string | null;
  subject: BundleSubject | null;
  checks: Check[];
  /** Members as listed by the manifest (or as found, when the manifest cannot be read). */
  members: { path: string; artifact_type: string | null; size: number; sha256: string | null }[];
}

/** The overall verdict: fail if any check fails, else unknown if any is unknown, else pass. */
export function overallVerdict(checks: readonly Check[]): Verdict {
  if (checks.some((c) => c.verdict === 'fail')) return 'fail';
  if (checks.some((c) => c.verdict === 'unknown')) return 'unknown';
  return 'pass';
}

/** Exit status of `charter bundle verify` for a verdict. */
export function exitCodeOf(v: Verdict): 0 | 1 | 2 {
  return v === 'pass' ? 0 : v === 'fail' ? 1 : 2;
}

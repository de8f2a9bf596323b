/**
 * Assembling a bundle's files (pure): members → manifest → in-toto statement
 * → DSSE envelope(s). The host writes the files into a zip (main/evidence).
 */
import { sha256Hex } from '../../codec/index.js';
import { bundleStatement, envelopeBytes, signStatement } from './dsse.js';
import { buildManifest, manifestBytes } from './manifest.js';
import { ATTESTATIONS_DIR, MANIFEST_PATH, type BundleSigner, type BundleSubject, type Manifest } from './types.js';

export interface BundleMemberInput {
  path: string;
  artifact_type: string;
  bytes: Uint8Array;
}

export interface BundleSignerInput extends BundleSigner {
  /**
   * Signs an attestation: receives the DSSE PAE bytes and returns the raw
   * signature — Ed25519 over PAE (64 bytes), or ECDSA with e = SHA-256(PAE)
   * as 64-byte r||s with low S (see attestationSigningInput in ./dsse.ts),
   * whatever the format: the assembly writes it as the format wants (v2: DER).
   */
  sign: (pae: Uint8Array) => Promise<Uint8Array> | Uint8Array;
}

export interface AssembledBundle {
  manifest: Manifest;
  manifestSha256: string;
  /** Every file of the bundle by path, manifest and attestations included. */
  files: Map<string, Uint8Array>;
}

export async function assembleBundle(b: {
  /** Default: the current format (BUNDLE_FORMAT). */
  format?: Manifest['format'];
  kind: string;
  subject: BundleSubject;
  tool: { name: string; version: string };
  members: readonly BundleMemberInput[];
  signer: BundleSignerInput;
}): Promise<AssembledBundle> {
  const manifest = buildManifest({
    ...(b.format !== undefined ? { format: b.format } : {}),
    kind: b.kind,
    subject: b.subject,
    created_by: { tool: b.tool.name, version: b.tool.version, key_id: b.signer.key_id },
    members: b.members.map((m) => ({ path: m.path, artifact_type: m.artifact_type, sha256: sha256Hex(m.bytes), size: m.bytes.length })),
  });
  const mBytes = manifestBytes(manifest);
  const manifestSha256 = sha256Hex(mBytes);
  const signerDecl: BundleSigner = { key_id: b.signer.key_id, scheme: b.signer.scheme, public_key: b.signer.public_key };
  const env = await signStatement(
    bundleStatement(manifestSha256, b.kind, b.subject, signerDecl),
    [{ keyId: b.signer.key_id, scheme: b.signer.scheme, sign: b.signer.sign }],
    manifest.format,
  );
  const files = new Map<string, Uint8Array>();
  for (const m of b.members) files.set(m.path, m.bytes);
  files.set(MANIFEST_PATH, mBytes);
  files.set(`${ATTESTATIONS_DIR}${b.signer.key_id}.dsse.json`, envelopeBytes(env));
  return { manifest, manifestSha256, files };
}

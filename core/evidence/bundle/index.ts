/** Evidence bundles: format, assembly and verification (docs/formats/evidence-bundle.md). Pure. */
export * from './types.js';
export * from './paths.js';
export * from './manifest.js';
export * from './dsse.js';
export * from './trust.js';
export * from './build.js';
export { verifyBundle, COMMON_CHECKS, type VerifyOptions, type BundleContext, type ContentChecks, type KindSpec } from './verify.js';
export { custodyCaseChecks, blockSignatureCheck, CASE_PATHS, CASE_CHECKS, CUSTODY_CASE, type SignedTxMember } from './custody.js';
export { verifySignedHeader, validatorAddressOf, headerSigningBytes, type BlockSignatureMember, type SignedHeaderVerdict } from './block-signature.js';
export { toBase64, fromBase64 } from './base64.js';
export { historySegmentChecks, SEGMENT_PATHS, SEGMENT_CHECKS, HISTORY_SEGMENT, MAX_SEGMENT_BLOCKS } from './segment.js';
export { receiptInclusionChecks, consistencyCheck, checkpointCheck, witnessCheck, type InclusionProofMember, type ConsistencyProofMember } from './proofs.js';
import { CUSTODY_CASE } from './custody.js';
import { HISTORY_SEGMENT } from './segment.js';
import type { KindSpec } from './verify.js';

/** What this verifier knows, by bundle kind. */
export const BUNDLE_KINDS_SPEC: Readonly<Record<string, KindSpec>> = {
  'custody-case': CUSTODY_CASE,
  'history-segment': HISTORY_SEGMENT,
};

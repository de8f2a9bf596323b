/** Evidence bundles: format, assembly and verification (docs/formats/evidence-bundle.md). Pure. */
export * from './types.js';
export * from './paths.js';
export * from './manifest.js';
export * from './dsse.js';
export * from './trust.js';
export * from './build.js';
export { verifyBundle, type VerifyOptions, type BundleContext, type ContentChecks } from './verify.js';
export { custodyCaseChecks, blockSignatureCheck, CASE_PATHS, type SignedTxMember } from './custody.js';
export { verifySignedHeader, validatorAddressOf, headerSigningBytes, type BlockSignatureMember, type SignedHeaderVerdict } from './block-signature.js';
export { toBase64, fromBase64 } from './base64.js';
export { historySegmentChecks, SEGMENT_PATHS } from './segment.js';
export { receiptInclusionChecks, consistencyChecks, checkpointCheck, type InclusionProofMember, type ConsistencyProofMember } from './proofs.js';
import { custodyCaseChecks } from './custody.js';
import { historySegmentChecks } from './segment.js';
import type { ContentChecks } from './verify.js';

/** The content checks this verifier knows, by bundle kind. */
export const CONTENT_CHECKS: Readonly<Record<string, ContentChecks>> = {
  'custody-case': custodyCaseChecks,
  'history-segment': historySegmentChecks,
};

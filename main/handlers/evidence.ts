/** The `evidence.*` operations: evidence files, bundles and trust files (main/services/evidence.ts). */
import type { Handlers } from '../hosts/dispatch.js';
import type { HandlerContext } from './context.js';

/** Who signs a bundle's attestation: a local key chosen per build (signerKeyId), or — absent — the console's signing key. */
const signerChoice = (i: { signerKeyId?: string | undefined; secret?: string | undefined }) =>
  i.signerKeyId === undefined ? undefined : { keyId: i.signerKeyId, ...(i.secret !== undefined ? { secret: i.secret } : {}) };

export function evidenceHandlers({ evidence }: HandlerContext): Handlers<'evidence'> {
  return {
    'evidence.exportWithdrawal': async (i) => evidence.exportWithdrawal(i.requestId),
    'evidence.buildCase': async (i) => evidence.buildCase(i.requestId, signerChoice(i)),
    'evidence.buildSegment': async (i) => evidence.buildSegment(i.from, i.to, signerChoice(i)),
    'evidence.uploadChunk': async (i) => evidence.uploadChunk(i.uploadId, i.chunkBase64),
    'evidence.verifyBundle': async (i) => evidence.verify(i),
    'evidence.saveTrust': async (i) => evidence.saveTrust(i.name, i.trustText),
    'evidence.nodeTrust': async () => evidence.nodeTrust(),
    'evidence.loadTrust': async () => ({ saved: evidence.loadTrust() }),
    'evidence.clearTrust': async () => evidence.clearTrust(),
    'evidence.readMember': async (i) => evidence.readMember(i.bundleId, i.path),
  } satisfies Handlers<'evidence'>;
}

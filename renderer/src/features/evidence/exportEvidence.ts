import type { MethodOutput, SerializedError } from '../../../../core/contract/index.js';
import { client } from '../../common/client.js';
import { downloadFile, savePicker, type FileHandleLike } from '../../common/files.js';
import { recordExport } from '../../store.js';
import { toSerializedError } from '../../transport/index.js';

export function evidenceFileName(requestId: string): string {
  return `evidence-${requestId}.json`;
}

export type ExportMode = 'download' | 'picker';

/**
 * Export a withdrawal's evidence. "picker" asks for the place first (inside the
 * click's user activation), then fetches and writes; "download" fetches and
 * hands the file to the browser's downloads. Returns null if the user cancelled.
 */
export async function exportEvidence(requestId: string, mode: ExportMode): Promise<MethodOutput<'evidence.exportWithdrawal'> | null> {
  let handle: FileHandleLike | null = null;
  const picker = mode === 'picker' ? savePicker() : null;
  if (picker) {
    try {
      handle = await picker({
        suggestedName: evidenceFileName(requestId),
        types: [{ description: 'Evidence (canonical JSON)', accept: { 'application/json': ['.json'] } }],
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return null;
      throw e;
    }
  }
  const out = await client().call('evidence.exportWithdrawal', { requestId });
  let savedTo: string;
  if (handle) {
    try {
      const w = await handle.createWritable();
      await w.write(new Blob([out.content], { type: 'application/json' }));
      await w.close();
      savedTo = handle.name;
    } catch (e) {
      throw Object.assign(new Error(e instanceof Error ? e.message : String(e)), { exportFailed: true });
    }
  } else {
    downloadFile(out.fileName, out.content, 'application/json');
    savedTo = `${out.fileName} (downloads)`;
  }
  recordExport(requestId, { fileName: out.fileName, sha256: out.sha256, artifact: out.artifact, savedTo });
  return out;
}

export function exportError(e: unknown): SerializedError {
  if (e && typeof e === 'object' && 'exportFailed' in e) {
    return { code: 'EXPORT_FAILED', message: (e as unknown as Error).message, hint: 'Choose a writable location.' };
  }
  return toSerializedError(e);
}

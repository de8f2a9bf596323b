import { create } from 'zustand';
import type { MethodOutput, SerializedError } from '../../core/contract/index.js';
import { client } from './client.js';
import { recordExport } from './store.js';
import { toSerializedError } from './transport/index.js';

/** Results of one-shot actions whose outcome is shown next to their button. */
interface ActionState {
  auditVerify: { running: boolean; result?: MethodOutput<'audit.verify'>; error?: SerializedError; at?: string } | null;
}

export const useActions = create<ActionState>()(() => ({ auditVerify: null }));

export async function verifyAuditChain(): Promise<void> {
  useActions.setState({ auditVerify: { running: true } });
  try {
    const result = await client().call('audit.verify', {});
    useActions.setState({ auditVerify: { running: false, result, at: new Date().toISOString() } });
  } catch (e) {
    useActions.setState({ auditVerify: { running: false, error: toSerializedError(e), at: new Date().toISOString() } });
  }
}

// ─── evidence export ────────────────────────────────────────────────────────

interface FileHandleLike {
  name: string;
  createWritable(): Promise<{ write(data: Blob | string): Promise<void>; close(): Promise<void> }>;
}
type SavePicker = (opts: {
  suggestedName?: string;
  types?: { description: string; accept: Record<string, string[]> }[];
}) => Promise<FileHandleLike>;

/** The File System Access save picker, where the browser offers one (Chromium, Electron). */
export function savePicker(): SavePicker | null {
  const w = window as unknown as { showSaveFilePicker?: SavePicker };
  return typeof w.showSaveFilePicker === 'function' ? w.showSaveFilePicker.bind(window) : null;
}

export function evidenceFileName(requestId: string): string {
  return `evidence-${requestId}.json`;
}

/** Save through the browser's downloads (Electron shows its save dialog for this). */
export function downloadFile(fileName: string, content: string | Uint8Array, type: string): void {
  const url = URL.createObjectURL(new Blob([content as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
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

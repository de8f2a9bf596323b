import type { KeyView } from '../../../../core/contract/index.js';
import { downloadFile } from '../../common/files.js';
import { client } from '../../common/client.js';
import { notify } from '../../store.js';
import type { KeyAction } from './types.js';
import { toSerializedError } from '../../transport/index.js';

/*
 * The per-key actions of the Keys view, shared by its row menus and the
 * command palette's key lifecycle commands.
 */

/** Download a software key's keystore file, still encrypted under its passphrase. */
export async function exportKey(k: KeyView): Promise<void> {
  try {
    const file = await client().call('keys.export', { keyId: k.keyId });
    downloadFile(file.fileName, file.text, 'application/json');
    notify({ kind: 'info', title: `Key “${k.label}” exported`, text: `${file.fileName} (still encrypted under its passphrase)` });
  } catch (e) {
    notify({ kind: 'error', title: `Key “${k.label}” was not exported`, error: toSerializedError(e) });
  }
}

/** The lifecycle actions that apply to a key in its current on-chain status, in menu order. */
export function keyActionsFor(k: KeyView): { id: KeyAction | 'export'; text: string; danger?: boolean }[] {
  const out: { id: KeyAction | 'export'; text: string; danger?: boolean }[] = [];
  if (k.onChain === 'unregistered') out.push({ id: 'register', text: 'Register on chain…' });
  if (k.onChain === 'active' || k.onChain === 'quarantined') {
    out.push({ id: 'attest', text: 'Re-attest…' }, { id: 'roles', text: 'Roles…' });
    if (!k.rotation?.pending) out.push({ id: 'rotate', text: 'Rotate…' });
    out.push({ id: 'retire', text: 'Retire…' }, { id: 'revoke', text: 'Revoke…', danger: true });
  }
  if (k.backend === 'software') out.push({ id: 'export', text: 'Export key file' });
  return out;
}

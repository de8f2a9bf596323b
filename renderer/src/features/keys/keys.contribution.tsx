import type { KeyView } from '../../../../core/contract/index.js';
import { notify, openDialog, openQuickPick, useStore } from '../../store.js';
import { activePanel, showAndFocus } from '../../workbench/focus.js';
import { defineDialog, type FeatureContribution } from '../../workbench/registry.js';
import { CreateKeyDialog } from './dialogs/CreateKeyDialog.js';
import { ImportKeyDialog } from './dialogs/ImportKeyDialog.js';
import { KeyActionDialog } from './dialogs/KeyActionDialog.js';
import { exportKey, keyActionsFor } from './keyActions.js';
import type { KeyAction } from './types.js';
import { KeysSide } from './views/KeysSide.js';
import { KeysView } from './views/KeysView.js';

const KEY_ACTION_TEXT: Record<Exclude<KeyAction, 'generate'>, { title: string; ask: string; none: string }> = {
  register: { title: 'Register Key on Chain…', ask: 'Register which key on chain?', none: 'Every key is registered already' },
  attest: { title: 'Re-attest Key…', ask: 'Re-attest which key?', none: 'No active key to re-attest' },
  roles: { title: 'Set Key Roles…', ask: 'Set the roles of which key?', none: 'No registered key to set roles of' },
  rotate: { title: 'Rotate Key…', ask: 'Rotate which key?', none: 'No key can be rotated' },
  retire: { title: 'Retire Key…', ask: 'Retire which key?', none: 'No key can be retired' },
  revoke: { title: 'Emergency Revoke Key…', ask: 'Revoke which key?', none: 'No key can be revoked' },
};

const keyDetail = (k: KeyView) => `${k.keyId.slice(0, 8)}… · ${k.backend} · ${k.onChain}`;

/** Ask which key (among those the action applies to), then run the action on it. */
function pickKey(action: Exclude<KeyAction, 'generate'> | 'export'): void {
  const keys = (useStore.getState().keys ?? []).filter((k) => keyActionsFor(k).some((a) => a.id === action));
  const text = action === 'export' ? { ask: 'Export which software key?', none: 'No software key to export' } : KEY_ACTION_TEXT[action];
  if (keys.length === 0) {
    notify({ kind: 'info', title: text.none });
    return;
  }
  openQuickPick({
    placeholder: text.ask,
    items: keys.map((k) => ({
      id: k.keyId,
      title: k.label,
      detail: keyDetail(k),
      run: () => {
        if (action === 'export') {
          showAndFocus('keys', () => activePanel()?.querySelector<HTMLElement>(`button[aria-label="Actions for ${CSS.escape(k.label)}"]`));
          void exportKey(k);
        } else openDialog({ kind: 'keyAction', action, keyId: k.keyId });
      },
    })),
  });
}

/** Keys & devices: the Keys view, its side-bar section, the key dialogs and the key lifecycle commands. */
export const keysContribution: FeatureContribution = {
  id: 'keys',
  views: [{ id: 'keys', title: 'Keys', order: 20, component: KeysView, sideBar: KeysSide }],
  dialogs: [
    defineDialog('createKey', () => <CreateKeyDialog />),
    defineDialog('importKey', () => <ImportKeyDialog />),
    defineDialog('keyAction', (d) => <KeyActionDialog key={`${d.action}:${d.keyId ?? ''}`} action={d.action} {...(d.keyId ? { keyId: d.keyId } : {})} />),
  ],
  commands: [
    { id: 'keys.create', category: 'Keys', title: 'Create Key…', keybinding: 'Ctrl+K K', run: () => openDialog({ kind: 'createKey' }) },
    {
      id: 'keys.generate',
      category: 'Keys',
      title: 'Generate Key on a Device…',
      keybinding: 'Ctrl+K G',
      run: () => openDialog({ kind: 'keyAction', action: 'generate' }),
    },
    { id: 'keys.import', category: 'Keys', title: 'Import Key File…', keybinding: 'Ctrl+K I', run: () => openDialog({ kind: 'importKey' }) },
    { id: 'keys.export', category: 'Keys', title: 'Export Key File…', keybinding: '', run: () => pickKey('export') },
    ...(Object.keys(KEY_ACTION_TEXT) as Exclude<KeyAction, 'generate'>[]).map((action) => ({
      id: `keys.${action}`,
      category: 'Keys',
      title: KEY_ACTION_TEXT[action].title,
      keybinding: '',
      run: () => pickKey(action),
    })),
  ],
};

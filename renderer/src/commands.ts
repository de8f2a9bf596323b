import {
  closeTab,
  cycleTab,
  openDialog,
  refreshAll,
  showPanel,
  showView,
  toggleSidebar,
  togglePanel,
  toggleTheme,
  useStore,
} from './store.js';
import { verifyAuditChain } from './actions.js';
import { VIEWS } from './views.js';

/**
 * Every action of the workbench, with its keybinding. The command palette
 * lists them all; the global key handler dispatches them.
 *
 * Keybindings are written VS Code-style: "Ctrl+Shift+P", and chords as
 * "Ctrl+K T". "Ctrl" means Cmd on macOS.
 */
export interface Command {
  id: string;
  category: string;
  title: string;
  keybinding: string;
  run: () => void;
}

const viewDigits = VIEWS.map((v, i) => ({ view: v, digit: i + 1 }));

function focusExplorerSearch(): void {
  showView('nodes');
  // The Nodes tab renders its search box on the next frame.
  requestAnimationFrame(() => requestAnimationFrame(() => document.getElementById('explorer-search')?.focus()));
}

export const COMMANDS: readonly Command[] = [
  { id: 'workbench.commandPalette', category: 'View', title: 'Show All Commands', keybinding: 'Ctrl+Shift+P', run: () => useStore.setState({ paletteOpen: true }) },
  ...viewDigits.map(({ view, digit }) => ({
    id: `view.show.${view.id}`,
    category: 'View',
    title: `Show ${view.title}`,
    keybinding: `Ctrl+Shift+${digit}`,
    run: () => showView(view.id),
  })),
  { id: 'view.toggleSidebar', category: 'View', title: 'Toggle Side Bar', keybinding: 'Ctrl+B', run: toggleSidebar },
  { id: 'view.togglePanel', category: 'View', title: 'Toggle Panel', keybinding: 'Ctrl+J', run: togglePanel },
  { id: 'view.showOutput', category: 'View', title: 'Show Output', keybinding: 'Ctrl+Shift+U', run: () => showPanel('output') },
  { id: 'view.showAudit', category: 'View', title: 'Show Audit Log', keybinding: 'Ctrl+Shift+Y', run: () => showPanel('audit') },
  { id: 'view.showSecurity', category: 'View', title: 'Show Security Events', keybinding: 'Ctrl+K S', run: () => showPanel('security') },
  { id: 'editor.nextTab', category: 'View', title: 'Open Next Editor Tab', keybinding: 'Ctrl+PageDown', run: () => cycleTab(1) },
  { id: 'editor.previousTab', category: 'View', title: 'Open Previous Editor Tab', keybinding: 'Ctrl+PageUp', run: () => cycleTab(-1) },
  {
    id: 'editor.closeTab',
    category: 'View',
    title: 'Close Editor Tab',
    keybinding: 'Ctrl+F4',
    run: () => {
      const id = useStore.getState().activeTabId;
      if (id) closeTab(id);
    },
  },
  { id: 'preferences.toggleTheme', category: 'Preferences', title: 'Toggle Light/Dark Theme', keybinding: 'Ctrl+K T', run: () => void toggleTheme() },
  { id: 'keys.create', category: 'Keys', title: 'Create Key…', keybinding: 'Ctrl+K K', run: () => openDialog({ kind: 'createKey' }) },
  { id: 'keys.generate', category: 'Keys', title: 'Generate Key on a Device…', keybinding: 'Ctrl+K G', run: () => openDialog({ kind: 'keyAction', action: 'generate' }) },
  { id: 'custody.createVault', category: 'Custody', title: 'Create Vault…', keybinding: 'Ctrl+K V', run: () => openDialog({ kind: 'createVault' }) },
  { id: 'custody.fundVault', category: 'Custody', title: 'Fund Vault (Devnet Faucet)…', keybinding: 'Ctrl+K F', run: () => openDialog({ kind: 'fundVault' }) },
  { id: 'custody.newWithdrawal', category: 'Custody', title: 'New Withdrawal…', keybinding: 'Ctrl+K W', run: () => openDialog({ kind: 'withdraw' }) },
  { id: 'explorer.search', category: 'Explorer', title: 'Go to Block or Transaction…', keybinding: 'Ctrl+G', run: focusExplorerSearch },
  { id: 'evidence.export', category: 'Evidence', title: 'Export Withdrawal Evidence…', keybinding: 'Ctrl+K E', run: () => showView('evidence') },
  {
    id: 'audit.verify',
    category: 'Audit',
    title: 'Verify Audit Log Chain',
    keybinding: 'Ctrl+K A',
    run: () => {
      showPanel('audit');
      void verifyAuditChain();
    },
  },
  { id: 'workbench.refresh', category: 'Developer', title: 'Refresh All Data', keybinding: 'Ctrl+K R', run: () => void refreshAll() },
  // Custody: cancelling a request and the address book.
  { id: 'custody.cancelRequest', category: 'Custody', title: 'Cancel Withdrawal Request…', keybinding: 'Ctrl+K X', run: cancelRequestCommand },
  { id: 'custody.addressBook', category: 'Custody', title: 'Open Address Book…', keybinding: 'Ctrl+K B', run: () => openDialog({ kind: 'addressBook' }) },
];

/**
 * Cancel the request in view (its tab), else the only cancellable request;
 * with several, the Approvals view lists them with their Cancel buttons.
 */
function cancelRequestCommand(): void {
  const s = useStore.getState();
  const open = (s.requests ?? []).filter((r) => r.status === 'pending' || r.status === 'approved');
  const tab = s.tabs.find((t) => t.id === s.activeTabId);
  const inTab = tab?.kind === 'request' ? open.find((r) => r.requestId === tab.requestId) : undefined;
  const target = inTab ?? (open.length === 1 ? open[0] : undefined);
  if (target) openDialog({ kind: 'cancelRequest', requestId: target.requestId });
  else showView('approvals');
}

export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** A keybinding as shown to the user on this platform. */
export function displayKeybinding(kb: string): string {
  return isMac ? kb.replace(/Ctrl\+/g, '⌘').replace(/Shift\+/g, '⇧').replace(/Alt\+/g, '⌥') : kb;
}

/** "Ctrl+Shift+P" for a keydown event, using the physical key for digits. */
export function eventChord(e: KeyboardEvent): string | null {
  if (['Control', 'Shift', 'Alt', 'Meta'].includes(e.key)) return null;
  const parts: string[] = [];
  if (isMac ? e.metaKey : e.ctrlKey) parts.push('Ctrl');
  if (e.shiftKey) parts.push('Shift');
  if (e.altKey) parts.push('Alt');
  let key: string;
  if (/^Digit[0-9]$/.test(e.code)) key = e.code.slice(5);
  else if (/^Key[A-Z]$/.test(e.code)) key = e.code.slice(3);
  else key = e.key.length === 1 ? e.key.toUpperCase() : e.key;
  parts.push(key);
  return parts.join('+');
}

let pendingChord: { first: string; at: number } | null = null;

/**
 * Global keydown handler: returns true when the event ran a command.
 * Plain keys without Ctrl never trigger a command on their own, except as the
 * second part of a chord, so typing in fields is unaffected.
 */
export function handleGlobalKey(e: KeyboardEvent): boolean {
  const chord = eventChord(e);
  if (!chord) return false;
  if (pendingChord && Date.now() - pendingChord.at < 2000) {
    const full = `${pendingChord.first} ${chord}`;
    const alt = chord.startsWith('Ctrl+') ? `${pendingChord.first} ${chord.slice(5)}` : null;
    pendingChord = null;
    const cmd = COMMANDS.find((c) => c.keybinding === full || (alt !== null && c.keybinding === alt));
    if (cmd) {
      e.preventDefault();
      cmd.run();
      return true;
    }
    return false;
  }
  pendingChord = null;
  if (COMMANDS.some((c) => c.keybinding.startsWith(`${chord} `))) {
    e.preventDefault();
    pendingChord = { first: chord, at: Date.now() };
    return true;
  }
  const cmd = COMMANDS.find((c) => c.keybinding === chord);
  if (cmd) {
    e.preventDefault();
    cmd.run();
    return true;
  }
  return false;
}

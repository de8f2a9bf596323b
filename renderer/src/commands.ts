import type { KeyView, RequestView } from '../../core/contract/index.js';
import {
  closeTab,
  cycleTab,
  notify,
  openBlock,
  openDialog,
  openQuickPick,
  openRequest,
  refreshAll,
  showPanel,
  showView,
  toggleSidebar,
  togglePanel,
  toggleTheme,
  useStore,
  type KeyAction,
} from './store.js';
import { exportError, exportEvidence, verifyAuditChain } from './actions.js';
import { client } from './client.js';
import { exportKey, keyActionsFor } from './views/keyActions.js';
import { VIEWS } from './views.js';
import { amountWithBaseUnits } from './amounts.js';

/**
 * Every action of the workbench, with its keybinding. The command palette
 * lists them all; the global key handler dispatches them.
 *
 * Keybindings are written VS Code-style: "Ctrl+Shift+P", and chords as
 * "Ctrl+K T". "Ctrl" means Cmd on macOS.
 *
 * A browser keeps some keys for itself (Ctrl+F4 and Ctrl+W close its tab,
 * Ctrl+PageUp/PageDown switch tabs, Ctrl+J opens downloads, Ctrl+B
 * bookmarks): the page never sees them. As in VS Code's web build, those
 * commands have a `web` binding that reaches the page; the served console
 * shows and uses it (the desktop binding still works where a browser passes it on).
 */
export interface Command {
  id: string;
  category: string;
  title: string;
  keybinding: string;
  /** The binding in the served console, where the browser keeps `keybinding` for itself. */
  web?: string;
  run: () => void;
}

/** Which host the renderer runs in: the served console (a browser) or the Electron window. */
export function hostKind(): 'web' | 'desktop' {
  try {
    return client().kind === 'websocket' ? 'web' : 'desktop';
  } catch {
    return 'web';
  }
}

/** The binding that applies where this renderer runs. */
export function activeKeybinding(c: Command): string {
  return hostKind() === 'web' && c.web ? c.web : c.keybinding;
}

const viewDigits = VIEWS.map((v, i) => ({ view: v, digit: i + 1 }));

/** Run once the view just shown has rendered (two frames: React commits, then layout). */
function afterRender(fn: () => void): void {
  requestAnimationFrame(() => requestAnimationFrame(fn));
}

/** Show a view and focus (and scroll to) an element of it. */
function showAndFocus(view: Parameters<typeof showView>[0], find: () => HTMLElement | null | undefined): void {
  showView(view);
  afterRender(() => {
    const el = find();
    if (!el) return;
    el.scrollIntoView({ block: 'center' });
    el.focus();
  });
}

function activePanel(): HTMLElement | null {
  return document.querySelector<HTMLElement>('.editor-panel:not([hidden])');
}

function focusExplorerSearch(): void {
  showAndFocus('nodes', () => document.getElementById('explorer-search'));
}

const requestText = (r: RequestView) => `${amountWithBaseUnits(r.amount, r.asset)} → ${r.destination}`;

function pendingRequests(): RequestView[] {
  return (useStore.getState().requests ?? []).filter((r) => r.status === 'pending');
}

function executedRequests(): RequestView[] {
  return (useStore.getState().requests ?? []).filter((r) => r.status === 'executed');
}

/** The request of the active editor tab, if it is one. */
function activeRequestId(): string | null {
  const { tabs, activeTabId } = useStore.getState();
  const tab = tabs.find((t) => t.id === activeTabId);
  return tab?.kind === 'request' ? tab.requestId : null;
}

/** Ask which request, unless the active tab or a single candidate answers it. */
function withRequest(candidates: RequestView[], what: string, none: string, run: (r: RequestView) => void): void {
  const active = activeRequestId();
  const chosen = candidates.find((r) => r.requestId === active) ?? (candidates.length === 1 ? candidates[0] : undefined);
  if (chosen) {
    run(chosen);
    return;
  }
  if (candidates.length === 0) {
    notify({ kind: 'info', title: none });
    return;
  }
  openQuickPick({
    placeholder: what,
    items: candidates.map((r) => ({ id: r.requestId, title: requestText(r), detail: `${r.requestId} · vault ${r.vaultId}`, run: () => run(r) })),
  });
}

function approveRequest(): void {
  withRequest(pendingRequests(), 'Which withdrawal do you approve?', 'No withdrawal is waiting for approval', (r) => openDialog({ kind: 'approve', requestId: r.requestId }));
}

/** Cancel a request that is still open (pending or approved): the one in view, else ask which. */
function cancelRequest(): void {
  const open = (useStore.getState().requests ?? []).filter((r) => r.status === 'pending' || r.status === 'approved');
  withRequest(open, 'Which request do you cancel?', 'No withdrawal request is open', (r) => openDialog({ kind: 'cancelRequest', requestId: r.requestId }));
}

/** Export the evidence of an executed withdrawal (asks which when it is not obvious). */
function exportWithdrawalEvidence(): void {
  withRequest(executedRequests(), 'Export the evidence of which executed withdrawal?', 'No withdrawal has executed yet: evidence is exported once one has', (r) => {
    exportEvidence(r.requestId, 'download').then(
      (out) => {
        if (out) notify({ kind: 'info', title: `Evidence exported: ${out.fileName}`, text: `SHA-256 ${out.sha256}` });
      },
      (e: unknown) => notify({ kind: 'error', title: 'The evidence was not exported', error: exportError(e) }),
    );
  });
}

function buildCaseBundle(): void {
  withRequest(executedRequests(), 'Build an evidence bundle for which executed withdrawal?', 'No withdrawal has executed yet: a custody-case bundle needs one', (r) =>
    showAndFocus('evidence', () =>
      Array.from(document.querySelectorAll<HTMLElement>('button[aria-label^="Build bundle for "]')).find((b) => b.getAttribute('aria-label') === `Build bundle for ${amountWithBaseUnits(r.amount, r.asset)} to ${r.destination}`),
    ),
  );
}

const KEY_ACTION_TEXT: Record<Exclude<KeyAction, 'generate'>, { title: string; ask: string; none: string }> = {
  register: { title: 'Register Key on Chain…', ask: 'Register which key on chain?', none: 'Every key is registered already' },
  attest: { title: 'Re-attest Key…', ask: 'Re-attest which key?', none: 'No active key to re-attest' },
  roles: { title: 'Set Key Roles…', ask: 'Set the roles of which key?', none: 'No registered key to set roles of' },
  rotate: { title: 'Rotate Key…', ask: 'Rotate which key?', none: 'No key can be rotated' },
  retire: { title: 'Retire Key…', ask: 'Retire which key?', none: 'No key can be retired' },
  revoke: { title: 'Emergency Revoke Key…', ask: 'Revoke which key?', none: 'No key can be revoked' },
};

const keyDetail = (k: KeyView) => `${k.keyId.slice(0, 8)}… · ${k.backend} · ${k.onChain}`;

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

export const COMMANDS: readonly Command[] = [
  { id: 'workbench.commandPalette', category: 'View', title: 'Show All Commands', keybinding: 'Ctrl+Shift+P', run: () => useStore.setState({ paletteOpen: true, quickPick: null }) },
  ...viewDigits.map(({ view, digit }) => ({
    id: `view.show.${view.id}`,
    category: 'View',
    title: `Show ${view.title}`,
    keybinding: `Ctrl+Shift+${digit}`,
    run: () => showView(view.id),
  })),
  { id: 'view.toggleSidebar', category: 'View', title: 'Toggle Side Bar', keybinding: 'Ctrl+B', web: 'Ctrl+Alt+B', run: toggleSidebar },
  { id: 'view.togglePanel', category: 'View', title: 'Toggle Panel', keybinding: 'Ctrl+J', web: 'Ctrl+Alt+J', run: togglePanel },
  { id: 'view.showOutput', category: 'View', title: 'Show Output', keybinding: 'Ctrl+Shift+U', run: () => showPanel('output') },
  { id: 'view.showAudit', category: 'View', title: 'Show Audit Log', keybinding: 'Ctrl+Shift+Y', run: () => showPanel('audit') },
  { id: 'view.showSecurity', category: 'View', title: 'Show Security Events', keybinding: 'Ctrl+K S', run: () => showPanel('security') },
  { id: 'editor.nextTab', category: 'View', title: 'Open Next Editor Tab', keybinding: 'Ctrl+PageDown', web: 'Ctrl+Alt+PageDown', run: () => cycleTab(1) },
  { id: 'editor.previousTab', category: 'View', title: 'Open Previous Editor Tab', keybinding: 'Ctrl+PageUp', web: 'Ctrl+Alt+PageUp', run: () => cycleTab(-1) },
  {
    id: 'editor.closeTab',
    category: 'View',
    title: 'Close Editor Tab',
    keybinding: 'Ctrl+F4',
    web: 'Ctrl+Alt+W',
    run: () => {
      const id = useStore.getState().activeTabId;
      if (id) closeTab(id);
    },
  },
  { id: 'preferences.toggleTheme', category: 'Preferences', title: 'Toggle Light/Dark Theme', keybinding: 'Ctrl+K T', run: () => void toggleTheme() },
  { id: 'keys.create', category: 'Keys', title: 'Create Key…', keybinding: 'Ctrl+K K', run: () => openDialog({ kind: 'createKey' }) },
  { id: 'keys.generate', category: 'Keys', title: 'Generate Key on a Device…', keybinding: 'Ctrl+K G', run: () => openDialog({ kind: 'keyAction', action: 'generate' }) },
  { id: 'keys.import', category: 'Keys', title: 'Import Key File…', keybinding: 'Ctrl+K I', run: () => openDialog({ kind: 'importKey' }) },
  { id: 'keys.export', category: 'Keys', title: 'Export Key File…', keybinding: '', run: () => pickKey('export') },
  ...(Object.keys(KEY_ACTION_TEXT) as Exclude<KeyAction, 'generate'>[]).map((action) => ({
    id: `keys.${action}`,
    category: 'Keys',
    title: KEY_ACTION_TEXT[action].title,
    keybinding: '',
    run: () => pickKey(action),
  })),
  { id: 'custody.createVault', category: 'Custody', title: 'Create Vault…', keybinding: 'Ctrl+K V', run: () => openDialog({ kind: 'createVault' }) },
  { id: 'custody.fundVault', category: 'Custody', title: 'Fund Vault (Devnet Faucet)…', keybinding: 'Ctrl+K F', run: () => openDialog({ kind: 'fundVault' }) },
  { id: 'custody.newWithdrawal', category: 'Custody', title: 'New Withdrawal…', keybinding: 'Ctrl+K W', run: () => openDialog({ kind: 'withdraw' }) },
  { id: 'custody.approve', category: 'Custody', title: 'Approve a Withdrawal…', keybinding: 'Ctrl+K P', run: approveRequest },
  { id: 'custody.cancel', category: 'Custody', title: 'Cancel Withdrawal Request…', keybinding: 'Ctrl+K X', run: cancelRequest },
  {
    id: 'governance.propose',
    category: 'Governance',
    title: 'New Governance Proposal…',
    keybinding: '',
    run: () => showAndFocus('governance', () => activePanel()?.querySelector<HTMLElement>('form[aria-label="New proposal"] select, form[aria-label="New proposal"] input, form[aria-label="New proposal"] textarea')),
  },
  {
    id: 'governance.vote',
    category: 'Governance',
    title: 'Vote on a Proposal…',
    keybinding: '',
    run: () =>
      showAndFocus('governance', () => activePanel()?.querySelector<HTMLElement>('button[aria-label^="Vote yes on "]') ?? activePanel()?.querySelector<HTMLElement>('table[aria-label="Proposals"], h2')),
  },
  {
    id: 'governance.execute',
    category: 'Governance',
    title: 'Execute a Passed Proposal…',
    keybinding: '',
    run: () =>
      showAndFocus('governance', () => activePanel()?.querySelector<HTMLElement>('button[aria-label^="Execute "]') ?? activePanel()?.querySelector<HTMLElement>('table[aria-label="Proposals"], h2')),
  },
  { id: 'explorer.search', category: 'Explorer', title: 'Go to Block or Transaction…', keybinding: 'Ctrl+G', run: focusExplorerSearch },
  { id: 'evidence.export', category: 'Evidence', title: 'Export Withdrawal Evidence…', keybinding: 'Ctrl+K E', run: exportWithdrawalEvidence },
  { id: 'evidence.buildCase', category: 'Evidence', title: 'Build Evidence Bundle for a Withdrawal…', keybinding: 'Ctrl+K B', run: buildCaseBundle },
  {
    id: 'evidence.buildSegment',
    category: 'Evidence',
    title: 'Build History Segment Bundle…',
    keybinding: '',
    run: () => showAndFocus('evidence', () => document.getElementById('segment-from')),
  },
  {
    id: 'evidence.verify',
    category: 'Evidence',
    title: 'Verify Evidence Bundle…',
    keybinding: 'Ctrl+K O',
    run: () => showAndFocus('evidence', () => activePanel()?.querySelector<HTMLElement>('input[type="file"][aria-label="Open a bundle"]')),
  },
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
  { id: 'custody.addressBook', category: 'Custody', title: 'Open Address Book…', keybinding: 'Ctrl+K D', run: () => openDialog({ kind: 'addressBook' }) },
];

/** Commands that depend on the current state: one per pending request and executed withdrawal. */
export function dynamicCommands(): Command[] {
  const { requests } = useStore.getState();
  const out: Command[] = [];
  for (const r of requests ?? []) {
    const what = requestText(r);
    if (r.status === 'pending') {
      out.push({
        id: `approve.${r.requestId}`,
        category: 'Custody',
        title: `Approve Withdrawal of ${what} (${r.approvals.length} of ${r.threshold})`,
        keybinding: '',
        run: () => openDialog({ kind: 'approve', requestId: r.requestId }),
      });
    }
    out.push({ id: `request.${r.requestId}`, category: 'Custody', title: `Open Request ${what}`, keybinding: '', run: () => openRequest(r.requestId) });
    if (r.status === 'executed' && r.executedAt !== null) {
      const h = r.executedAt;
      out.push({ id: `block.${r.requestId}`, category: 'Explorer', title: `Open Block ${h} (executed ${what})`, keybinding: '', run: () => openBlock(h) });
    }
  }
  return out;
}

export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** A keybinding as shown to the user on this platform. */
export function displayKeybinding(kb: string): string {
  return isMac ? kb.replace(/Ctrl\+/g, '⌘').replace(/Shift\+/g, '⇧').replace(/Alt\+/g, '⌥') : kb;
}

/** "Ctrl+Shift+P" for a keydown event, using the physical key for digits and letters. */
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

/** Does this command answer to this (whole or chord) binding here? */
function answers(c: Command, binding: string): boolean {
  if (c.keybinding === binding && c.keybinding !== '') return true;
  return hostKind() === 'web' && c.web === binding;
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
    const cmd = COMMANDS.find((c) => answers(c, full) || (alt !== null && answers(c, alt)));
    if (cmd) {
      e.preventDefault();
      cmd.run();
      return true;
    }
    return false;
  }
  pendingChord = null;
  if (COMMANDS.some((c) => c.keybinding.startsWith(`${chord} `) || (c.web ?? '').startsWith(`${chord} `))) {
    e.preventDefault();
    pendingChord = { first: chord, at: Date.now() };
    return true;
  }
  const cmd = COMMANDS.find((c) => answers(c, chord));
  if (cmd) {
    e.preventDefault();
    cmd.run();
    return true;
  }
  return false;
}

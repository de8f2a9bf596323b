import { client } from '../common/client.js';
import { registeredCommands, type Command } from './registry.js';

/*
 * The keybinding machinery: which binding applies where the renderer runs,
 * how a binding is shown, and the global key handler that runs the registered
 * commands (workbench/registry.ts; each feature contributes its own).
 *
 * A browser keeps some keys for itself (Ctrl+F4 and Ctrl+W close its tab,
 * Ctrl+PageUp/PageDown switch tabs, Ctrl+J opens downloads, Ctrl+B
 * bookmarks): the page never sees them. As in VS Code's web build, those
 * commands have a `web` binding that reaches the page; the served console
 * shows and uses it (the desktop binding still works where a browser passes it on).
 */
export type { Command } from './registry.js';

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

export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** A keybinding as shown to the user on this platform. */
export function displayKeybinding(kb: string): string {
  return isMac
    ? kb
        .replace(/Ctrl\+/g, '⌘')
        .replace(/Shift\+/g, '⇧')
        .replace(/Alt\+/g, '⌥')
    : kb;
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
    const cmd = registeredCommands().find((c) => answers(c, full) || (alt !== null && answers(c, alt)));
    if (cmd) {
      e.preventDefault();
      cmd.run();
      return true;
    }
    return false;
  }
  pendingChord = null;
  if (registeredCommands().some((c) => c.keybinding.startsWith(`${chord} `) || (c.web ?? '').startsWith(`${chord} `))) {
    e.preventDefault();
    pendingChord = { first: chord, at: Date.now() };
    return true;
  }
  const cmd = registeredCommands().find((c) => answers(c, chord));
  if (cmd) {
    e.preventDefault();
    cmd.run();
    return true;
  }
  return false;
}

import { showView, type ViewId } from '../store.js';

/** Run once the view just shown has rendered (two frames: React commits, then layout). */
export function afterRender(fn: () => void): void {
  requestAnimationFrame(() => requestAnimationFrame(fn));
}

/** Show a view and focus (and scroll to) an element of it: how a command reaches a control of a view. */
export function showAndFocus(view: ViewId, find: () => HTMLElement | null | undefined): void {
  showView(view);
  afterRender(() => {
    const el = find();
    if (!el) return;
    el.scrollIntoView({ block: 'center' });
    el.focus();
  });
}

/** The editor tab's panel in sight. */
export function activePanel(): HTMLElement | null {
  return document.querySelector<HTMLElement>('.editor-panel:not([hidden])');
}

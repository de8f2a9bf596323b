import type { RendererClient } from '../transport/index.js';

let current: RendererClient | null = null;

export function setClient(c: RendererClient): void {
  current = c;
}

/** The one contract client of this window. */
export function client(): RendererClient {
  if (!current) throw new Error('contract client not initialised');
  return current;
}

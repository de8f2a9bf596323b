// The composed handler table: one handler per contract operation, from the slice of its domain.
import { describe, expect, it } from 'vitest';
import { domains, METHOD_NAMES } from '../../core/contract/index.js';
import { createHandlers, HANDLER_SLICES, type HandlerContext } from './index.js';

// Slices only close over the context; nothing is called until an operation runs.
const ctx = {} as HandlerContext;

describe('the handler slices', () => {
  it('give every contract operation exactly one handler', () => {
    const handlers = createHandlers(ctx) as unknown as Record<string, unknown>;
    expect(Object.keys(handlers).sort()).toEqual([...METHOD_NAMES].sort());
    for (const m of METHOD_NAMES) expect(typeof handlers[m], m).toBe('function');
  });

  it('each slice handles exactly its own domain', () => {
    expect(Object.keys(HANDLER_SLICES).sort()).toEqual(Object.keys(domains).sort());
    for (const [d, slice] of Object.entries(HANDLER_SLICES)) {
      expect(Object.keys(slice(ctx)).sort(), d).toEqual(Object.keys(domains[d as keyof typeof domains]).sort());
    }
  });
});

// The node registry: named entries of a kind, opened by the kind's adapter;
// services ask it for the custody chain's connection.
import { describe, expect, it } from 'vitest';
import { CharterError } from '../../core/errors.js';
import { EventBus, OutputLog } from '../services/bus.js';
import { NODE_ADAPTERS } from './adapters.js';
import { CustodyConnection } from './custody-cometbft/connection.js';
import { NodeRegistry } from './registry.js';

function registry(adapters = NODE_ADAPTERS): NodeRegistry {
  const bus = new EventBus();
  return new NodeRegistry({ bus, out: new OutputLog(bus) }, adapters);
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CharterError) return e.code;
    throw e;
  }
  throw new Error('did not throw');
}

describe('NodeRegistry', () => {
  it("opens an entry with its kind's adapter and answers it by id, by kind and as the custody connection", async () => {
    const r = registry();
    const c = r.add({ id: 'devnet', kind: 'custody-cometbft', url: 'http://127.0.0.1:1', embedded: true });
    expect(c).toBeInstanceOf(CustodyConnection);
    expect(r.get('devnet')).toBe(c);
    expect(r.ofKind('custody-cometbft')).toBe(c);
    expect(r.custody()).toBe(c);
    expect(r.list()).toEqual([{ id: 'devnet', kind: 'custody-cometbft', url: 'http://127.0.0.1:1', embedded: true }]);
    expect(c.status()).toMatchObject({ connection: 'connecting', rpcUrl: 'http://127.0.0.1:1', embedded: true });
    await r.close();
  });

  it('the first custody entry is the custody connection; ids are unique', async () => {
    const r = registry();
    const a = r.add({ id: 'a', kind: 'custody-cometbft', url: 'http://127.0.0.1:1', embedded: false });
    r.add({ id: 'b', kind: 'custody-cometbft', url: 'http://127.0.0.1:2', embedded: false });
    expect(r.custody()).toBe(a);
    expect(codeOf(() => r.add({ id: 'a', kind: 'custody-cometbft', url: 'http://x', embedded: false }))).toBe('INVALID_INPUT');
    expect(codeOf(() => r.add({ id: '', kind: 'custody-cometbft', url: 'http://x', embedded: false }))).toBe('INVALID_INPUT');
    expect(r.list().map((e) => e.id)).toEqual(['a', 'b']);
    await r.close();
  });

  it('NOT_FOUND for an unknown id, NOT_AVAILABLE without a custody node, INVALID_INPUT for a kind without an adapter', () => {
    const empty = registry({} as typeof NODE_ADAPTERS);
    expect(codeOf(() => empty.get('devnet'))).toBe('NOT_FOUND');
    expect(codeOf(() => empty.custody())).toBe('NOT_AVAILABLE');
    expect(codeOf(() => empty.add({ id: 'x', kind: 'custody-cometbft', url: 'http://x', embedded: false }))).toBe('INVALID_INPUT');
  });
});

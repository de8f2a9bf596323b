// The typed client (core/contract/client.ts): each domain's operations as functions
// over any dispatch-like host, refusals as CallError with the host's code.
import { describe, expect, it } from 'vitest';
import { CallError, contractApi, type DispatchLike } from '../../core/contract/client.js';
import { CharterError } from '../../core/errors.js';
import { domains, METHOD_NAMES, type CallResult } from '../../core/contract/index.js';

function recording(answer: (method: string, input: unknown) => CallResult<unknown>): { calls: [string, unknown][]; dispatch: DispatchLike } {
  const calls: [string, unknown][] = [];
  return { calls, dispatch: async (m, i) => (calls.push([m, i]), answer(m, i)) };
}

describe('contractApi', () => {
  it('offers every operation as <domain>.<name>, calling the host with the method name and input', async () => {
    const host = recording((m) => ({ ok: true, value: { echoed: m } }));
    const api = contractApi(host.dispatch);
    for (const [d, ops] of Object.entries(domains)) {
      for (const m of Object.keys(ops))
        expect(typeof (api as unknown as Record<string, Record<string, unknown>>)[d]![m.slice(d.length + 1)], m).toBe('function');
    }
    expect(await api.keys.list()).toEqual({ echoed: 'keys.list' });
    expect(await api.custody.getRequest({ requestId: 'wr-000000000000000000000001' })).toEqual({ echoed: 'custody.getRequest' });
    expect(await api.call('audit.verify')).toEqual({ echoed: 'audit.verify' });
    expect(host.calls).toEqual([
      ['keys.list', {}],
      ['custody.getRequest', { requestId: 'wr-000000000000000000000001' }],
      ['audit.verify', {}],
    ]);
    expect(METHOD_NAMES.length).toBeGreaterThan(50);
  });

  it('rejects a refused call with a CallError carrying the host error, and hands back the CallResult on request', async () => {
    const error = { code: 'NOT_FOUND' as const, message: 'no such request', hint: 'h', details: { id: 1 } };
    const api = contractApi(recording(() => ({ ok: false, error })).dispatch);
    const e = await api.custody.getRequest({ requestId: 'wr-000000000000000000000001' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CallError);
    expect(e).toBeInstanceOf(CharterError);
    expect(e).toMatchObject({ code: 'NOT_FOUND', message: 'no such request', details: { id: 1 }, method: 'custody.getRequest', error });
    expect((e as CallError).toJSON()).toEqual({ code: 'NOT_FOUND', message: 'no such request', hint: new CharterError('NOT_FOUND').hint, details: { id: 1 } });
    expect(await api.result('keys.list')).toEqual({ ok: false, error });
  });
});

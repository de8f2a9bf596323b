/** Which withdrawal a command acts on (requestPick.ts): the active request tab, a single candidate, else the palette asks. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RequestView } from '../../../core/contract/index.js';
import { useStore } from '../store.js';
import { executedRequests, pendingRequests, requestText, withRequest } from './requestPick.js';

const req = (id: string, status: RequestView['status']): RequestView =>
  ({
    requestId: id,
    vaultId: 'v1',
    status,
    amount: '1500000',
    asset: 'USDC',
    destination: 'acct-9',
    approvals: [],
    threshold: 2,
    executedAt: null,
  }) as unknown as RequestView;
const initial = useStore.getState();
beforeEach(() => useStore.setState(initial, true));

describe('picking a request for a command', () => {
  it('filters pending and executed requests from the store', () => {
    useStore.setState({ requests: [req('a', 'pending'), req('b', 'executed'), req('c', 'pending')] });
    expect(pendingRequests().map((r) => r.requestId)).toEqual(['a', 'c']);
    expect(executedRequests().map((r) => r.requestId)).toEqual(['b']);
    expect(requestText(req('a', 'pending'))).toMatch(/ → acct-9$/);
  });

  it('takes the active request tab, else the only candidate, else asks in the palette; with none it says so', () => {
    const run = vi.fn();
    const a = req('a', 'pending');
    const b = req('b', 'pending');
    withRequest([a], 'Which?', 'None', run);
    expect(run).toHaveBeenLastCalledWith(a);
    useStore.setState({ tabs: [{ id: 'request:b', kind: 'request', requestId: 'b' }], activeTabId: 'request:b' });
    withRequest([a, b], 'Which?', 'None', run);
    expect(run).toHaveBeenLastCalledWith(b);
    useStore.setState({ activeTabId: null });
    run.mockClear();
    withRequest([a, b], 'Which?', 'None', run);
    expect(run).not.toHaveBeenCalled();
    const pick = useStore.getState().quickPick!;
    expect(useStore.getState().paletteOpen).toBe(true);
    expect(pick.placeholder).toBe('Which?');
    expect(pick.items.map((i) => i.id)).toEqual(['a', 'b']);
    pick.items[1]!.run();
    expect(run).toHaveBeenLastCalledWith(b);
    withRequest([], 'Which?', 'Nothing is waiting', run);
    expect(useStore.getState().notices.at(-1)).toMatchObject({ kind: 'info', title: 'Nothing is waiting' });
  });
});

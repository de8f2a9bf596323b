/**
 * The workbench store (store.ts) without a DOM: tabs and the views they belong
 * to, the saved layout (exactly the contract's strict WorkbenchLayout), events
 * from the host, notices and layout saving. The contract client is a recording
 * stand-in set with setClient; the features are the real ones (features.ts).
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkbenchLayout, type EventName } from '../../core/contract/index.js';
import { setClient } from './common/client.js';
import { FEATURES } from './features.js';
import {
  applyLayout,
  closeTab,
  currentLayout,
  cycleTab,
  focusTab,
  notify,
  openBlock,
  openDialog,
  openRequest,
  openTx,
  persistLayout,
  showView,
  subscribeEvents,
  tabTitle,
  useStore,
} from './store.js';
import type { HostConnection, RendererClient } from './transport/index.js';
import { registerFeatures } from './workbench/registry.js';

interface Recorder {
  calls: { method: string; input: unknown }[];
  emit: (event: EventName, payload: unknown) => void;
  setHost: (c: HostConnection) => void;
}

function fakeClient(answer: (method: string, input: unknown) => unknown = () => ({})): RendererClient & Recorder {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const conn = new Set<(c: HostConnection) => void>();
  let host: HostConnection = { state: 'open' };
  const calls: Recorder['calls'] = [];
  return {
    kind: 'websocket',
    calls,
    call: (async (method: string, input: unknown) => {
      calls.push({ method, input });
      return answer(method, input);
    }) as RendererClient['call'],
    on: ((event: string, l: (p: unknown) => void) => {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(l);
      return () => set.delete(l);
    }) as RendererClient['on'],
    connection: () => host,
    onConnection: (l) => {
      conn.add(l);
      return () => conn.delete(l);
    },
    reconnect: () => {},
    emit: (event, payload) => {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
    setHost: (c) => {
      host = c;
      for (const l of conn) l(c);
    },
  };
}

const initial = useStore.getState();
beforeAll(() => registerFeatures(FEATURES));
beforeEach(() => {
  useStore.setState(initial, true);
  setClient(fakeClient());
});
afterEach(() => vi.useRealTimers());

const ids = () => useStore.getState().tabs.map((t) => t.id);

describe('the workbench store', () => {
  it('opens each tab once, with its id, title and the view it belongs to', () => {
    openBlock(12);
    expect(useStore.getState()).toMatchObject({ activeTabId: 'block:12', activeView: 'nodes', openedBlocks: [12] });
    openTx('0xabcdef0123456789');
    expect(useStore.getState()).toMatchObject({ activeTabId: 'tx:ABCDEF0123456789', activeView: 'nodes' });
    openRequest('req-0123456789abcdef');
    expect(useStore.getState()).toMatchObject({ activeTabId: 'request:req-0123456789abcdef', activeView: 'approvals' });
    openBlock(12);
    expect(ids()).toEqual(['view:overview', 'block:12', 'tx:ABCDEF0123456789', 'request:req-0123456789abcdef']);
    expect(useStore.getState().openedBlocks).toEqual([12]);
    expect(useStore.getState().tabs.map(tabTitle)).toEqual(['Overview', 'Block 12', 'Transaction ABCDEF01…', 'Request req-0123456…']);
    showView('ceremonies');
    expect(useStore.getState()).toMatchObject({ activeView: 'ceremonies', activeTabId: 'view:ceremonies', sidebarVisible: true });
  });

  it('focusing a tab shows its view; closing the active one activates its right neighbour, else its left; cycling wraps', () => {
    showView('keys');
    openRequest('r1');
    openBlock(3);
    focusTab('view:keys');
    expect(useStore.getState().activeView).toBe('keys');
    focusTab('request:r1');
    expect(useStore.getState().activeView).toBe('approvals');
    closeTab('request:r1');
    expect(useStore.getState().activeTabId).toBe('block:3');
    closeTab('block:3');
    expect(useStore.getState().activeTabId).toBe('view:keys');
    cycleTab(1);
    expect(useStore.getState().activeTabId).toBe('view:overview');
    cycleTab(-1);
    expect(useStore.getState().activeTabId).toBe('view:keys');
    closeTab('view:overview');
    closeTab('view:keys');
    expect(useStore.getState()).toMatchObject({ tabs: [], activeTabId: null });
  });

  const H = 'ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB';
  const R = 'wr-0123456789abcdef01234567';
  it('saves exactly what the strict layout schema allows, and restores it', () => {
    showView('evidence');
    openBlock(5);
    openTx('abababababababababababababababababababababababababababababababab');
    openRequest(R);
    focusTab('block:5');
    useStore.setState({ panelTab: 'security', sidebarVisible: false });
    const layout = currentLayout();
    expect(layout).toEqual({
      activeView: 'nodes',
      sidebarVisible: false,
      panelVisible: true,
      panelTab: 'security',
      tabs: [
        { kind: 'view', view: 'overview' },
        { kind: 'view', view: 'evidence' },
        { kind: 'block', height: 5 },
        { kind: 'tx', hash: H },
        { kind: 'request', requestId: R },
      ],
      activeTab: 2,
      views: {},
    });
    expect(WorkbenchLayout.safeParse(layout).success).toBe(true);
    useStore.setState(initial, true);
    applyLayout(layout);
    expect(ids()).toEqual(['view:overview', 'view:evidence', 'block:5', `tx:${H}`, `request:${R}`]);
    expect(useStore.getState()).toMatchObject({ activeTabId: 'block:5', activeView: 'nodes', panelTab: 'security', sidebarVisible: false });
    expect(currentLayout()).toEqual(layout);
  });

  it('follows the host: a new block moves the height and the block list; an audit entry is added once, newest first', () => {
    const c = fakeClient();
    setClient(c);
    useStore.setState({ node: { height: 1 } as never, blocks: [{ height: 1, numTxs: 0 } as never], txCount: 4, audit: [] });
    const off = subscribeEvents();
    c.emit('chain.block', { height: 2, time: '2026-01-01T00:00:00Z', numTxs: 3 });
    expect(useStore.getState().node).toMatchObject({ height: 2, lastBlockTime: '2026-01-01T00:00:00Z' });
    expect(useStore.getState().blocks!.map((b) => b.height)).toEqual([2, 1]);
    expect(useStore.getState().txCount).toBe(7);
    c.emit('audit.appended', { seq: 1 });
    c.emit('audit.appended', { seq: 3 });
    c.emit('audit.appended', { seq: 3 });
    c.emit('audit.appended', { seq: 2 });
    expect(useStore.getState().audit!.map((e) => e.seq)).toEqual([3, 2, 1]);
    off();
    c.emit('chain.block', { height: 9, time: 't', numTxs: 0 });
    expect(useStore.getState().node).toMatchObject({ height: 2 });
  });

  it('keeps the last three notices; info notices go by themselves', () => {
    vi.useFakeTimers();
    for (const t of ['a', 'b', 'c', 'd']) notify({ kind: 'error', title: t });
    expect(useStore.getState().notices.map((n) => n.title)).toEqual(['b', 'c', 'd']);
    notify({ kind: 'info', title: 'done' });
    expect(useStore.getState().notices.map((n) => n.title)).toEqual(['c', 'd', 'done']);
    vi.advanceTimersByTime(5000);
    expect(useStore.getState().notices.map((n) => n.title)).toEqual(['c', 'd']);
  });

  it('opening a dialog closes the palette', () => {
    useStore.setState({ paletteOpen: true, quickPick: { placeholder: 'p', items: [] } });
    openDialog({ kind: 'approve', requestId: 'r' });
    expect(useStore.getState()).toMatchObject({ dialog: { kind: 'approve', requestId: 'r' }, paletteOpen: false, quickPick: null });
  });

  it('saves the layout only once it was restored and the host is open, and not again when nothing changed', async () => {
    vi.useFakeTimers();
    const c = fakeClient(() => ({ saved: true }));
    setClient(c);
    useStore.setState({ host: { state: 'open' } });
    const off = persistLayout();
    showView('keys');
    expect(c.calls).toEqual([]);
    useStore.setState({ layoutRestored: true });
    await vi.advanceTimersByTimeAsync(300);
    expect(c.calls.map((x) => x.method)).toEqual(['workbench.setLayout']);
    expect((c.calls[0]!.input as { layout: unknown }).layout).toEqual(currentLayout());
    // A burst of changes is saved at most twice (at once, then at its end), ending with the layout as it is;
    // an unchanged layout is not sent again.
    await vi.advanceTimersByTimeAsync(300);
    const before = c.calls.length;
    openBlock(1);
    openBlock(2);
    openBlock(3);
    await vi.advanceTimersByTimeAsync(300);
    expect(c.calls.length - before).toBeGreaterThanOrEqual(1);
    expect(c.calls.length - before).toBeLessThanOrEqual(2);
    expect((c.calls.at(-1)!.input as { layout: unknown }).layout).toEqual(currentLayout());
    const after = c.calls.length;
    useStore.setState({ sidebarVisible: true });
    await vi.advanceTimersByTimeAsync(300);
    expect(c.calls).toHaveLength(after);
    off();
  });
});

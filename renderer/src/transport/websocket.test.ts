/**
 * The served console's contract client (websocket.ts): the queue of calls made
 * before the socket opens, what fails when it closes, the size limit, the
 * reconnect backoff and event dispatch. The socket is a stand-in with the
 * browser WebSocket's surface (Node 20 has no WebSocket); the same client runs
 * against the real `charter serve` in tests/integration/serve.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_MESSAGE_BYTES } from '../../../core/contract/limits.js';
import { createWebSocketClient } from './websocket.js';
import { ContractCallError, type HostConnection } from './types.js';

class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(text: string) {
    if (this.readyState !== FakeSocket.OPEN) throw new Error('send before open');
    this.sent.push(text);
  }
  close() {
    this.readyState = FakeSocket.CLOSED;
  }
  // What the host does:
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  drop(code = 1006, reason = '') {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.({ code, reason });
  }
  reply(id: number, result: unknown) {
    this.onmessage?.({ data: JSON.stringify({ id, result }) });
  }
  frames(): { id: number; method: string; input: unknown }[] {
    return this.sent.map((t) => JSON.parse(t) as { id: number; method: string; input: unknown });
  }
}

const LOC = { protocol: 'http:', host: '127.0.0.1:4000' };
const last = () => FakeSocket.all[FakeSocket.all.length - 1]!;
const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    expect(e).toBeInstanceOf(ContractCallError);
    return (e as ContractCallError).error.code;
  }
};

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
  vi.stubGlobal('WebSocket', FakeSocket);
  // The token check after a failed handshake: this host does not refuse the token.
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => ({ status: 426 })),
  );
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('the WebSocket contract client', () => {
  it('queues calls made while connecting, sends them in order once open, and resolves each by its id', async () => {
    const c = createWebSocketClient('tok en', LOC);
    const a = c.call('app.info', {});
    const b = c.call('node.status', {});
    await vi.advanceTimersByTimeAsync(0);
    const ws = last();
    expect(ws.url).toBe('ws://127.0.0.1:4000/contract?token=tok%20en');
    expect(ws.sent).toEqual([]);
    ws.open();
    expect(c.connection()).toEqual({ state: 'open' });
    expect(ws.frames().map((f) => f.method)).toEqual(['app.info', 'node.status']);
    const [fa, fb] = ws.frames();
    ws.reply(fb!.id, { ok: true, value: 'second' });
    ws.reply(fa!.id, { ok: false, error: { code: 'NOT_FOUND', message: 'no', hint: 'h' } });
    await expect(b).resolves.toBe('second');
    expect(await codeOf(a)).toBe('NOT_FOUND');
    // Once open, a call goes out at once.
    const d = c.call('keys.list', {});
    expect(ws.frames().at(-1)!.method).toBe('keys.list');
    ws.reply(ws.frames().at(-1)!.id, { ok: true, value: 3 });
    await expect(d).resolves.toBe(3);
  });

  it('a call in flight when the socket drops fails CONNECTION_LOST; a queued one HOST_UNREACHABLE; then it backs off and reconnects', async () => {
    const states: HostConnection[] = [];
    const c = createWebSocketClient('t', LOC);
    c.onConnection((s) => states.push(s));
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    const inFlight = c.call('custody.approve', { requestId: 'r', keyId: 'k' } as never);
    last().drop(1006);
    expect(await codeOf(inFlight)).toBe('CONNECTION_LOST');
    expect(c.connection()).toMatchObject({ state: 'closed', retryInMs: 500, reason: 'connection lost or refused' });
    // While closed, a call is refused at once and nothing is queued.
    expect(await codeOf(c.call('app.info', {}))).toBe('HOST_UNREACHABLE');
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeSocket.all).toHaveLength(2);
    const queued = c.call('app.info', {});
    last().drop(1006); // never opened
    expect(await codeOf(queued)).toBe('HOST_UNREACHABLE');
    expect(c.connection()).toMatchObject({ state: 'closed', retryInMs: 1000 });
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open', 'closed', 'connecting', 'closed']);
  });

  it('drops a call that waited 15 s for the socket, and never sends it later', async () => {
    const c = createWebSocketClient('t', LOC);
    const p = c.call('app.info', {});
    const code = codeOf(p);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(await code).toBe('HOST_UNREACHABLE');
    last().open();
    expect(last().sent).toEqual([]);
  });

  it('refuses a request over the message limit before sending it, and keeps the connection', async () => {
    const c = createWebSocketClient('t', LOC);
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    const big = 'x'.repeat(MAX_MESSAGE_BYTES);
    const p = c.call('evidence.uploadChunk', { uploadId: 'u', index: 0, data: big } as never);
    await expect(p).rejects.toMatchObject({ error: { code: 'MESSAGE_TOO_LARGE', details: { limit: MAX_MESSAGE_BYTES } } });
    expect(last().sent).toEqual([]);
    expect(c.connection()).toEqual({ state: 'open' });
  });

  it('without a token it never connects and refuses every call UNAUTHORIZED', async () => {
    const c = createWebSocketClient(null, LOC);
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSocket.all).toHaveLength(0);
    expect(c.connection()).toEqual({ state: 'no-token' });
    expect(await codeOf(c.call('app.info', {}))).toBe('UNAUTHORIZED');
  });

  it('gives up when the host refuses the token (401), and says so', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => ({ status: 401 })),
    );
    const refused = vi.fn();
    const c = createWebSocketClient('old', LOC, { onTokenRefused: refused });
    await vi.advanceTimersByTimeAsync(0);
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(refused).toHaveBeenCalledOnce();
    expect(c.connection()).toEqual({ state: 'no-token' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('hands events to their listeners until they unsubscribe; a throwing listener does not stop the others', async () => {
    const c = createWebSocketClient('t', LOC);
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    const seen: number[] = [];
    vi.spyOn(console, 'error').mockImplementation(() => {});
    c.on('chain.block', () => {
      throw new Error('boom');
    });
    const off = c.on('chain.block', (b) => seen.push(b.height));
    const block = (height: number) => last().onmessage?.({ data: JSON.stringify({ event: 'chain.block', payload: { height } }) });
    block(7);
    off();
    block(8);
    last().onmessage?.({ data: 'not json' });
    expect(seen).toEqual([7]);
  });
});

import type { CallResult, EventName, MethodName } from '../../../core/contract/index.js';
import { MAX_MESSAGE_BYTES } from '../../../core/contract/limits.js';
import { ContractCallError, type HostConnection, type RendererClient } from './types.js';

const TOKEN_KEY = 'charter.sessionToken';

/**
 * The session token: from `?token=…` (then removed from the address bar), else
 * from this tab's sessionStorage, where it is kept so that a reload reconnects.
 * sessionStorage belongs to this origin — scheme, host and port — and this tab:
 * other services on 127.0.0.1 cannot read it, unlike a cookie, which the
 * browser sends to every port of the host. The host sets no cookie at all.
 */
export function takeSessionToken(loc: Location = window.location, storage: Storage | null = safeSessionStorage()): string | null {
  const params = new URLSearchParams(loc.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    try {
      storage?.setItem(TOKEN_KEY, fromUrl);
    } catch {
      /* storage may be disabled: a reload then needs the printed URL again */
    }
    params.delete('token');
    const search = params.toString();
    window.history.replaceState(window.history.state, '', `${loc.pathname}${search ? `?${search}` : ''}${loc.hash}`);
    return fromUrl;
  }
  try {
    return storage?.getItem(TOKEN_KEY) || null;
  } catch {
    return null;
  }
}

/** Forget this tab's token (the host refused it: it was restarted with a new one). */
export function forgetSessionToken(storage: Storage | null = safeSessionStorage()): void {
  try {
    storage?.removeItem(TOKEN_KEY);
  } catch {
    /* storage may be disabled */
  }
}

function safeSessionStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** UTF-8 length of a message, as the host counts it against MAX_MESSAGE_BYTES. */
function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (e: unknown) => void;
  method: MethodName;
  /** False while the call waits in the queue for the socket to open. */
  sent: boolean;
}

type Frame = { id: number; result: CallResult<unknown> } | { event: string; payload: unknown };

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
/** How long a call may wait for the socket to (re)open before it fails. */
const QUEUE_TIMEOUT_MS = 15000;

const HOST_HINT = 'Check that `charter serve` is still running; the console reconnects by itself. Nothing was sent.';

/**
 * The contract over the served console's WebSocket:
 * client → {"id", "method", "input"}; server → {"id", "result"} or {"event", "payload"}.
 * Calls made while connecting are queued; calls in flight when the socket drops
 * fail with a clear error (the host may or may not have carried them out).
 */
export function createWebSocketClient(
  token: string | null,
  loc: Pick<Location, 'protocol' | 'host'> = window.location,
  opts: { onTokenRefused?: () => void } = {},
): RendererClient {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const connListeners = new Set<(c: HostConnection) => void>();
  const pending = new Map<number, Pending>();
  const queue: { id: number; text: string }[] = [];
  let nextId = 1;
  let socket: WebSocket | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  // Without a token the host refuses the contract: say so instead of retrying.
  let conn: HostConnection = token ? { state: 'connecting', attempt: 0 } : { state: 'no-token' };

  const setConn = (c: HostConnection) => {
    conn = c;
    for (const l of connListeners) l(c);
  };

  const url = () => {
    const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${loc.host}/contract?token=${encodeURIComponent(token ?? '')}`;
  };

  const failPending = (reason: string) => {
    for (const [id, p] of pending) {
      if (!p.sent) continue;
      pending.delete(id);
      p.reject(
        new ContractCallError({
          code: 'CONNECTION_LOST',
          message: `The connection to the console host closed before ${p.method} answered (${reason}).`,
          hint: 'The operation may or may not have been carried out: check the audit log and the current state before retrying.',
        }),
      );
    }
  };

  const connect = () => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (token === null) return;
    setConn({ state: 'connecting', attempt });
    const ws = new WebSocket(url());
    socket = ws;
    let opened = false;
    // A failed connection fires "error" and then "close"; close does the work.
    ws.onerror = () => {};
    ws.onopen = () => {
      if (socket !== ws) return;
      opened = true;
      attempt = 0;
      setConn({ state: 'open' });
      for (const q of queue.splice(0)) {
        const p = pending.get(q.id);
        if (!p) continue;
        p.sent = true;
        ws.send(q.text);
      }
    };
    ws.onmessage = (ev) => {
      let frame: Frame;
      try {
        frame = JSON.parse(String(ev.data)) as Frame;
      } catch {
        return;
      }
      if ('id' in frame) {
        const p = pending.get(frame.id);
        if (!p) return;
        pending.delete(frame.id);
        if (frame.result.ok) p.resolve(frame.result.value);
        else p.reject(new ContractCallError(frame.result.error));
      } else if ('event' in frame && typeof frame.event === 'string') {
        // Unknown event names simply have no listeners.
        for (const l of listeners.get(frame.event as EventName) ?? []) {
          try {
            l(frame.payload);
          } catch (e) {
            console.error('event listener failed', frame.event, e);
          }
        }
      }
    };
    ws.onclose = (ev) => {
      if (socket !== ws) return;
      socket = null;
      // Calls still queued fail now rather than wait for a reconnect.
      for (const q of queue.splice(0)) {
        const p = pending.get(q.id);
        pending.delete(q.id);
        p?.reject(new ContractCallError({ code: 'HOST_UNREACHABLE', message: 'The console host could not be reached.', hint: HOST_HINT }));
      }
      const reason =
        ev.code === 1008 || ev.code === 4401
          ? 'the session token was refused'
          : ev.reason || (ev.code === 1006 ? 'connection lost or refused' : `closed with code ${ev.code}`);
      failPending(reason);
      const retryInMs = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] as number;
      attempt += 1;
      setConn({ state: 'closed', retryInMs, reason });
      timer = setTimeout(connect, retryInMs);
      // A browser hides the handshake's status: ask the host whether it refuses this token (say, a reload after
      // `charter serve` was restarted with a new one). Then retrying is pointless; the page says what to do.
      if (!opened) void refusesToken().then((refused) => refused && giveUp());
    };
  };

  const refusesToken = async (): Promise<boolean> => {
    try {
      const r = await fetch(`${loc.protocol}//${loc.host}/contract?token=${encodeURIComponent(token ?? '')}`, { cache: 'no-store' });
      return r.status === 401;
    } catch {
      return false; // the host does not answer at all: keep retrying
    }
  };

  const giveUp = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    token = null;
    const current = socket;
    socket = null; // its close handler then does nothing
    current?.close();
    opts.onTokenRefused?.();
    setConn({ state: 'no-token' });
  };

  if (token) queueMicrotask(connect);

  return {
    kind: 'websocket',
    call(method, input) {
      return new Promise((resolve, reject) => {
        if (conn.state === 'no-token') {
          reject(
            new ContractCallError({
              code: 'UNAUTHORIZED',
              message: 'This page has no session token.',
              hint: 'Open the console with the URL printed by `charter serve`, which includes the token. Nothing was sent.',
            }),
          );
          return;
        }
        if (conn.state === 'closed') {
          reject(new ContractCallError({ code: 'HOST_UNREACHABLE', message: `The console host does not answer (${conn.reason}).`, hint: HOST_HINT }));
          return;
        }
        const id = nextId++;
        const text = JSON.stringify({ id, method, input });
        // The host closes a socket that sends a frame over the limit: refuse here, with the reason, and keep the connection.
        const size = text.length > MAX_MESSAGE_BYTES / 3 ? utf8Length(text) : text.length;
        if (size > MAX_MESSAGE_BYTES) {
          reject(
            new ContractCallError({
              code: 'MESSAGE_TOO_LARGE',
              message: `${method}: the request is ${size} bytes; the console host takes messages of up to ${MAX_MESSAGE_BYTES} bytes.`,
              hint: 'Nothing was sent. Use a smaller input; bundles to verify travel in pieces (evidence.uploadChunk).',
              details: { method, bytes: size, limit: MAX_MESSAGE_BYTES },
            }),
          );
          return;
        }
        const open = socket !== null && socket.readyState === WebSocket.OPEN;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method, sent: open });
        if (open) {
          (socket as WebSocket).send(text);
          return;
        }
        queue.push({ id, text });
        setTimeout(() => {
          const i = queue.findIndex((q) => q.id === id);
          if (i < 0) return;
          // Still waiting for the socket: drop the call (and any secret in it).
          queue.splice(i, 1);
          pending.delete(id);
          reject(new ContractCallError({ code: 'HOST_UNREACHABLE', message: 'The console host could not be reached in time.', hint: HOST_HINT }));
        }, QUEUE_TIMEOUT_MS);
      });
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    connection: () => conn,
    onConnection(listener) {
      connListeners.add(listener);
      return () => connListeners.delete(listener);
    },
    reconnect() {
      if (conn.state === 'closed' && token) {
        attempt = 0;
        connect();
      }
    },
  };
}

/**
 * The bridge the preload exposes as `window.charter`, built from plain inputs
 * so it can be unit-tested without Electron.
 *
 * Exactly one function per contract method (`methods['keys.create'](input)`),
 * each a fixed `ipcRenderer.invoke('charter:<name>', input)`; an `on(event, cb)`
 * that accepts only contract event names; and the platform string. Nothing
 * else: no generic invoke, no access to ipcRenderer or to the IPC event object.
 */
import type { CallResult, EventName, EventPayload, MethodInput, MethodName, MethodOutput } from '../core/contract/index.js';

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export type BridgeMethods = {
  readonly [M in MethodName]: (input: MethodInput<M>) => Promise<CallResult<MethodOutput<M>>>;
};

/** The shape of `window.charter` in the Electron renderer. */
export interface CharterBridge {
  readonly methods: BridgeMethods;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  readonly platform: string;
}

export const INVOKE_PREFIX = 'charter:';
export const EVENT_CHANNEL = 'charter:event';

export function createBridge(ipc: IpcRendererLike, methodNames: readonly string[], eventNames: readonly string[], platform: string): CharterBridge {
  const methods: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of methodNames) {
    const channel = INVOKE_PREFIX + name;
    // Only the input crosses; nothing else the page passes is forwarded.
    methods[name] = (input: unknown) => ipc.invoke(channel, input);
  }
  Object.freeze(methods);

  const known = new Set(eventNames);
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let wired = false;
  const wire = () => {
    if (wired) return;
    wired = true;
    ipc.on(EVENT_CHANNEL, (_event: unknown, name: unknown, payload: unknown) => {
      if (typeof name !== 'string') return;
      const set = listeners.get(name);
      if (!set) return;
      for (const cb of [...set]) {
        try {
          cb(payload);
        } catch (err) {
          // A failing listener must not stop the others.
          console.error(`charter: listener for ${name} threw`, err);
        }
      }
    });
  };

  const on = (event: string, listener: (payload: unknown) => void): (() => void) => {
    if (typeof event !== 'string' || !known.has(event)) {
      throw new TypeError(`charter.on: unknown event ${JSON.stringify(String(event))}`);
    }
    if (typeof listener !== 'function') throw new TypeError('charter.on: listener must be a function');
    wire();
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    // Wrap so the same function can be subscribed twice and removed independently.
    const entry = (payload: unknown) => listener(payload);
    set.add(entry);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      set.delete(entry);
    };
  };

  return Object.freeze({
    methods: methods as unknown as BridgeMethods,
    on: on as CharterBridge['on'],
    platform,
  });
}

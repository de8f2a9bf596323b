import { createElectronClient } from './electron.js';
import { createWebSocketClient, forgetSessionToken, takeSessionToken } from './websocket.js';
import type { RendererClient } from './types.js';

export * from './types.js';

/** Electron's preload bridge when present, else the served console's WebSocket. */
export function createClient(): RendererClient {
  if (window.charter && typeof window.charter === 'object' && window.charter.methods) {
    return createElectronClient(window.charter);
  }
  return createWebSocketClient(takeSessionToken(), window.location, { onTokenRefused: () => forgetSessionToken() });
}

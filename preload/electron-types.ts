/**
 * The few Electron renderer-side APIs the preload uses, declared locally so
 * `tsc` passes without the `electron` package (see docs/electron.md).
 * These mirror Electron's own declarations for the members used.
 */
export interface PreloadElectron {
  contextBridge: {
    exposeInMainWorld(apiKey: string, api: unknown): void;
  };
  ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  };
}

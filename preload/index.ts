/**
 * Electron preload (sandboxed; built to dist/preload/index.cjs).
 *
 * Exposes exactly the contract as `window.charter` (see ./api.ts). A sandboxed
 * preload can only `require('electron')`, so scripts/build.mjs bundles
 * everything else in — and replaces core/contract with just its two name
 * lists, so no schema code runs here.
 *
 * `electron` is not a build-time dependency (its installer downloads a
 * binary; see docs/electron.md), so its types come from ./electron-types.ts
 * rather than from the package.
 */
import { EVENT_NAMES, METHOD_NAMES } from '../core/contract/index.js';
import { createBridge } from './api.js';
import type { PreloadElectron } from './electron-types.js';

// A sandboxed preload is CommonJS with a restricted `require`: the one way it reaches Electron.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { contextBridge, ipcRenderer } = require('electron') as PreloadElectron;

contextBridge.exposeInMainWorld('charter', createBridge(ipcRenderer, METHOD_NAMES, EVENT_NAMES, process.platform));

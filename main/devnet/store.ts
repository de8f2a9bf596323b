/** Moved to main/app-host/store.ts (the application host); re-exported for existing callers. */
export * from '../app-host/store.js';

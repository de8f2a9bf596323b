/** Moved to main/app-host/history.ts (the application host); re-exported for existing callers. */
export * from '../app-host/history.js';

/** Moved to main/app-host/metrics.ts (the application host); re-exported for existing callers. */
export * from '../app-host/metrics.js';

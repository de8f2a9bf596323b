/** Moved to main/app-host/evidence.ts (the application host); re-exported for existing callers. */
export * from '../app-host/evidence.js';

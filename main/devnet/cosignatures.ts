/** Moved to main/app-host/cosignatures.ts (the application host); re-exported for existing callers. */
export * from '../app-host/cosignatures.js';

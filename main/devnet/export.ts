/** Reading a devnet home for export moved to main/blocks-history/export.ts; re-exported for existing callers. */
export * from '../blocks-history/export.js';

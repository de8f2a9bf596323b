/** The blocks-history format moved to main/blocks-history/format.ts (its one owner); re-exported for existing callers. */
export * from '../blocks-history/format.js';

/** The CometBFT encodings moved to main/cometbft/encoding.ts; re-exported for existing callers. */
export * from '../cometbft/encoding.js';

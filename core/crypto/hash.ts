/**
 * The one type of an injected hash function. Pure code takes its hashing as a
 * parameter of this type (the state root, the MMR, receipts, bundle checks), so
 * a host can hand in a faster one with the same output: core/codec's `sha256`
 * (pure JS) is the default, main/crypto/node-hash.ts `nodeSha256` (node:crypto)
 * the host's. A Hash returns the digest and must not keep or change its input.
 */
export type Hash = (data: Uint8Array) => Uint8Array;

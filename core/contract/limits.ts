/**
 * Size limits of the contract's transports, shared by the hosts that enforce
 * them and the renderer that checks before sending.
 */

/**
 * The largest WebSocket message (one request or answer, UTF-8 bytes) the
 * served console accepts. A larger frame closes only the socket that sent it
 * (close code 1009). Large inputs travel in pieces: bundles to verify go
 * through `evidence.uploadChunk`.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

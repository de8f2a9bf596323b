/**
 * SHA-256 through node:crypto (OpenSSL) for the engine's state root: the same
 * function as core/codec's pure-JS sha256, several times faster for the many
 * small inputs a Merkle tree hashes. `crypto.hash` (one-shot) is the fastest
 * path where Node has it (≥ 20.12); createHash otherwise.
 */
import crypto from 'node:crypto';
import type { Sha256 } from '../../core/engine/state-root.js';

const oneShot = (crypto as unknown as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;

// A view of the digest's own bytes (no second copy): hot in replay and block execution.
export const nodeSha256: Sha256 = oneShot
  ? (data) => {
      const b = oneShot('sha256', data, 'buffer');
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
  : (data) => {
      const b = crypto.createHash('sha256').update(data).digest();
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    };

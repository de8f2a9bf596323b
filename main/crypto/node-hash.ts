/**
 * The host's one SHA-256 adapter, through node:crypto (OpenSSL): the same
 * function as core/codec's pure-JS sha256, several times faster for the many
 * small inputs a Merkle tree, an MMR or a bundle's members hash. `crypto.hash`
 * (one-shot) is the fastest path where Node has it (≥ 20.12); createHash
 * otherwise. Every main/ site that hashes with SHA-256 uses these.
 */
import crypto from 'node:crypto';
import type { Hash } from '../../core/crypto/hash.js';

const oneShot = (crypto as unknown as { hash?: (alg: string, data: Uint8Array, enc: 'buffer' | 'hex' | 'latin1') => Buffer | string }).hash;

// The digest is taken as a 32-character latin1 string and copied into a small
// Uint8Array: for the short inputs of Merkle nodes and leaves this is about
// twice as fast as asking for a Buffer, whose ArrayBuffer costs more to
// allocate than the hash itself (measured in `npm run bench`, hash part).
export const nodeSha256: Hash = oneShot
  ? (data) => {
      const s = oneShot('sha256', data, 'latin1') as string;
      const out = new Uint8Array(32);
      for (let i = 0; i < 32; i++) out[i] = s.charCodeAt(i);
      return out;
    }
  : (data) => {
      const b = crypto.createHash('sha256').update(data).digest();
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    };

/** SHA-256 as lower-case hex (what core/codec's sha256Hex returns), hex-encoded by OpenSSL. */
export const nodeSha256Hex: (data: Uint8Array) => string = oneShot
  ? (data) => oneShot('sha256', data, 'hex') as string
  : (data) => crypto.createHash('sha256').update(data).digest('hex');

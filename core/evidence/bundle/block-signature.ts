/**
 * The validator signature over a block header (docs/formats/evidence-bundle.md
 * §5, `case.block.signature`). The devnet, like CometBFT in spirit, hashes the
 * header as SHA-256(JCS(header)) — that is the block hash — and each validator
 * signs those 32 bytes with Ed25519; the commit carries
 * {validator_address, timestamp, signature_base64}, where the address is the
 * first 20 bytes of SHA-256(public key), upper-case hex.
 *
 * A block is "signed" when the header hashes to block.json's `hash`, names its
 * height, chain and app hash, and at least the trust file's `quorum` distinct
 * trust-file Ed25519 keys, valid at that height, signed it. Pure; never throws.
 */
import { canonicalJson, fromHexOrNull, sha256, toHex, utf8 } from '../../codec/index.js';
import type { SignatureVerifier } from '../../crypto/ed25519.js';
import { fromBase64 } from './base64.js';
import { keyStanding, type TrustFileView } from './trust.js';

/** One validator signature as block.json carries it. */
export interface BlockSignatureMember {
  validator_address: string;
  timestamp: string;
  signature_base64: string;
}

type Item = { subject: string; reason: string; detail: string };

export type SignedHeaderVerdict =
  | { ok: true; hash: string; keys: string[]; items?: Item[] }
  | {
      ok: false;
      reason: 'HEADER_MISMATCH' | 'CHAIN_BROKEN' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' | 'KEY_REVOKED' | 'KEY_OUTSIDE_VALIDITY' | 'BELOW_QUORUM';
      detail: string;
      items?: Item[];
    };

/** Upper-case hex validator address of an Ed25519 public key. */
export function validatorAddressOf(publicKey: Uint8Array): string {
  return toHex(sha256(publicKey).subarray(0, 20)).toUpperCase();
}

/** The 32 bytes a validator signs for a header: SHA-256(JCS(header)). */
export function headerSigningBytes(header: unknown): Uint8Array {
  return sha256(utf8(canonicalJson(header)));
}

/**
 * Verify a signed header. `expect` is what the header must state: block.json's
 * hash (when given; else the computed hash is returned), height, chain id, app
 * hash, and the previous block's hash (header.last_block_id.hash; "" for
 * block 1). Signatures are judged by the one rule for signature sets
 * (docs/formats/evidence-bundle.md §5): any signature by a trusted validator
 * that does not verify fails; keys not in good standing at the height do not
 * count; at least `quorum` distinct keys must. Never throws.
 */
export function verifySignedHeader(
  header: unknown,
  signatures: unknown,
  expect: { hash?: string; height: number; chain_id: string; app_hash?: string; last_block_hash?: string },
  trust: TrustFileView,
  verifier: SignatureVerifier,
): SignedHeaderVerdict {
  let digest: Uint8Array;
  try {
    digest = headerSigningBytes(header);
  } catch (e) {
    return { ok: false, reason: 'HEADER_MISMATCH', detail: `the header is not JSON that JCS can encode: ${(e as Error).message}` };
  }
  const h = (header ?? {}) as { height?: unknown; chain_id?: unknown; app_hash?: unknown; last_block_id?: { hash?: unknown } | null };
  const hash = toHex(digest).toUpperCase();
  if (expect.hash !== undefined && hash !== expect.hash)
    return { ok: false, reason: 'HEADER_MISMATCH', detail: `the header hashes to ${hash}, the block says ${String(expect.hash)}` };
  if (typeof h.height !== 'string' || h.height !== String(expect.height) || h.chain_id !== expect.chain_id) {
    return {
      ok: false,
      reason: 'HEADER_MISMATCH',
      detail: `the header is height ${String(h.height)} of ${String(h.chain_id)}, not "${expect.height}" of ${expect.chain_id}`,
    };
  }
  if (expect.app_hash !== undefined && h.app_hash !== expect.app_hash) {
    return { ok: false, reason: 'HEADER_MISMATCH', detail: `the header's app_hash is ${String(h.app_hash)}, expected ${expect.app_hash}` };
  }
  if (
    expect.last_block_hash !== undefined &&
    (typeof h.last_block_id !== 'object' || h.last_block_id === null || h.last_block_id.hash !== expect.last_block_hash)
  ) {
    return {
      ok: false,
      reason: 'CHAIN_BROKEN',
      detail: `the header's last_block_id.hash is ${String(h.last_block_id?.hash)}, the previous block is ${expect.last_block_hash || '(none)'}`,
    };
  }
  return headerSignatures(digest, hash, signatures, expect.height, trust, verifier);
}

/**
 * The validator signatures of a header already checked to hash to `digest`
 * (upper-case hex `hash`), by the one rule for signature sets at `height`.
 * Never throws.
 */
export function headerSignatures(
  digest: Uint8Array,
  hash: string,
  signatures: unknown,
  height: number,
  trust: TrustFileView,
  verifier: SignatureVerifier,
): SignedHeaderVerdict {
  if (!Array.isArray(signatures)) return { ok: false, reason: 'HEADER_MISMATCH', detail: 'the validator signatures are not a list' };
  const counted = new Set<string>();
  const items: Item[] = [];
  for (const raw of signatures as unknown[]) {
    const s = raw as Partial<BlockSignatureMember> | null;
    const addr = typeof s?.validator_address === 'string' ? s.validator_address : '';
    const sig = typeof s?.signature_base64 === 'string' ? fromBase64(s.signature_base64) : null;
    const key = trust.keys.find((k) => {
      if (k.scheme !== 'ed25519') return false;
      const pk = fromHexOrNull(k.public_key);
      return pk !== null && validatorAddressOf(pk) === addr;
    });
    if (!key) {
      items.push({
        subject: `validator ${addr.slice(0, 40) || '(none)'}`,
        reason: 'UNKNOWN_KEY',
        detail: 'not the address of an Ed25519 key of the trust file',
      });
      continue;
    }
    const pk = fromHexOrNull(key.public_key) as Uint8Array;
    if (sig === null || !verifier.verify('ed25519', pk, digest, sig)) {
      // A signature by a trusted key that does not verify is never ignored.
      return { ok: false, reason: 'BAD_SIGNATURE', detail: `the signature of validator ${addr} (key ${key.key_id}) does not verify over block ${hash}` };
    }
    const st = keyStanding(trust, key.key_id, height);
    if (!st.ok) {
      items.push({ subject: `validator ${addr} (key ${key.key_id})`, reason: st.reason, detail: st.detail });
      continue;
    }
    if (counted.has(key.key_id)) {
      items.push({ subject: `validator ${addr} (key ${key.key_id})`, reason: 'DUPLICATE_SIGNER', detail: 'this key already counted' });
      continue;
    }
    counted.add(key.key_id);
  }
  if (counted.size >= Math.max(1, trust.quorum)) return { ok: true, hash, keys: [...counted].sort(), ...(items.length ? { items } : {}) };
  const first = items.find((i) => i.reason !== 'DUPLICATE_SIGNER');
  const reason = (first?.reason ?? 'BELOW_QUORUM') as Exclude<SignedHeaderVerdict, { ok: true }>['reason'];
  return {
    ok: false,
    reason,
    detail: `${counted.size} trusted validator signature(s) count at height ${height}, the trust file's quorum is ${trust.quorum}${first ? `; ${first.subject}: ${first.detail}` : ''}`,
    items,
  };
}

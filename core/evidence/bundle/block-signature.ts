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
import { canonicalJson, sha256, toHex, utf8 } from '../../codec/index.js';
import type { SignatureVerifier } from '../../crypto/ed25519.js';
import { fromBase64 } from './base64.js';
import { hexToBytesOrNull } from './dsse.js';
import { keyStanding, type TrustFileView } from './trust.js';

/** One validator signature as block.json carries it. */
export interface BlockSignatureMember {
  validator_address: string;
  timestamp: string;
  signature_base64: string;
}

export type SignedHeaderVerdict =
  | { ok: true; hash: string; keys: string[] }
  | { ok: false; reason: 'HEADER_MISMATCH' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' | 'KEY_REVOKED' | 'KEY_OUTSIDE_VALIDITY' | 'BELOW_QUORUM'; detail: string };

/** Upper-case hex validator address of an Ed25519 public key. */
export function validatorAddressOf(publicKey: Uint8Array): string {
  return toHex(sha256(publicKey).subarray(0, 20)).toUpperCase();
}

/** The 32 bytes a validator signs for a header: SHA-256(JCS(header)). */
export function headerSigningBytes(header: unknown): Uint8Array {
  return sha256(utf8(canonicalJson(header)));
}

/**
 * Verify a signed header. `expect` is what the header must state (block.json's
 * hash, height, chain id, app hash). Never throws.
 */
export function verifySignedHeader(
  header: unknown,
  signatures: unknown,
  expect: { hash: string; height: number; chain_id: string; app_hash?: string },
  trust: TrustFileView,
  verifier: SignatureVerifier,
): SignedHeaderVerdict {
  let digest: Uint8Array;
  try {
    digest = headerSigningBytes(header);
  } catch (e) {
    return { ok: false, reason: 'HEADER_MISMATCH', detail: `the header is not JSON that JCS can encode: ${(e as Error).message}` };
  }
  const h = header as { height?: unknown; chain_id?: unknown; app_hash?: unknown };
  const hash = toHex(digest).toUpperCase();
  if (hash !== String(expect.hash).toUpperCase()) return { ok: false, reason: 'HEADER_MISMATCH', detail: `the header hashes to ${hash}, block.json says ${String(expect.hash)}` };
  if (String(h.height) !== String(expect.height) || h.chain_id !== expect.chain_id) {
    return { ok: false, reason: 'HEADER_MISMATCH', detail: `the header is height ${String(h.height)} of ${String(h.chain_id)}, not ${expect.height} of ${expect.chain_id}` };
  }
  if (expect.app_hash !== undefined && String(h.app_hash).toUpperCase() !== String(expect.app_hash).toUpperCase()) {
    return { ok: false, reason: 'HEADER_MISMATCH', detail: `the header's app_hash is ${String(h.app_hash)}, block.json says ${expect.app_hash}` };
  }
  if (!Array.isArray(signatures)) return { ok: false, reason: 'HEADER_MISMATCH', detail: 'validator_signatures is not a list' };
  const counted = new Set<string>();
  let firstProblem: Exclude<SignedHeaderVerdict, { ok: true }> | null = null;
  for (const raw of signatures as unknown[]) {
    const s = raw as Partial<BlockSignatureMember> | null;
    const addr = typeof s?.validator_address === 'string' ? s.validator_address.toUpperCase() : '';
    const sig = typeof s?.signature_base64 === 'string' ? fromBase64(s.signature_base64) : null;
    const key = trust.keys.find((k) => {
      if (k.scheme !== 'ed25519') return false;
      const pk = hexToBytesOrNull(k.public_key);
      return pk !== null && validatorAddressOf(pk) === addr;
    });
    if (!key) {
      firstProblem ??= { ok: false, reason: 'UNKNOWN_KEY', detail: `validator ${addr || '(none)'} is not an Ed25519 key of the trust file` };
      continue;
    }
    const pk = hexToBytesOrNull(key.public_key) as Uint8Array;
    if (sig === null || !verifier.verify('ed25519', pk, digest, sig)) {
      // A signature by a trusted key that does not verify is never ignored.
      return { ok: false, reason: 'BAD_SIGNATURE', detail: `the signature of validator ${addr} (key ${key.key_id}) does not verify over block ${hash}` };
    }
    const st = keyStanding(trust, key.key_id, expect.height);
    if (!st.ok) return { ok: false, reason: st.reason, detail: st.detail };
    counted.add(key.key_id);
  }
  if (counted.size >= Math.max(1, trust.quorum)) return { ok: true, hash, keys: [...counted].sort() };
  return firstProblem ?? { ok: false, reason: 'BELOW_QUORUM', detail: `${counted.size} trusted validator signature(s), the trust file's quorum is ${trust.quorum}` };
}

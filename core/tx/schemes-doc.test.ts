/**
 * Keeps docs/formats/transactions.md §9 "Signature schemes" honest: each worked
 * example is recomputed from its secret key and must match the page byte for
 * byte, and each signature must verify under both the noble rules here and
 * (for the ECDSA curve constants) the table the page prints.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { canonicalBytes, concatBytes, fromHex, fromUtf8, keyIdOf, sha256, toHex, txHashOf, utf8 } from '../codec/index.js';
import { ECDSA_CURVES } from '../crypto/ecdsa.js';
import { nobleVerifier } from '../crypto/ed25519.js';
import { publicKeyOf, signDigest } from '../../tests/support/testkeys.js';
import type { SignatureScheme, UnsignedEnvelope } from '../engine/types.js';
import { encodeType, envelopeEip712, envelopeTypedData } from './eip712.js';
import { decodeTx, encodeTx, SIGNING_DOMAIN } from './envelope.js';
import { digestForScheme, verifyEnvelope } from './verify.js';

const doc = readFileSync(new URL('../../docs/formats/transactions.md', import.meta.url), 'utf8');

function example(name: string): string {
  const m = new RegExp(`<!-- example:${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (!m) throw new Error(`docs/formats/transactions.md has no example block "${name}"`);
  return m[1] as string;
}

describe('docs/formats/transactions.md §9 worked examples', () => {
  for (const scheme of ['ed25519', 'p256', 'secp256k1'] as SignatureScheme[]) {
    it(`${scheme}: key, digest, signature and hash match the code`, () => {
      const x = (n: string) => example(`sig-${scheme}-${n}`);
      const sk = fromHex(x('secret-key'));
      expect(sk).toEqual(new Uint8Array(32).fill(3));
      const pk = publicKeyOf(scheme, sk);
      expect(toHex(pk)).toBe(x('public-key'));
      expect(keyIdOf(scheme, pk)).toBe(x('key-id'));

      const unsigned = JSON.parse(x('unsigned')) as UnsignedEnvelope;
      expect(fromUtf8(canonicalBytes(unsigned))).toBe(x('unsigned'));
      expect(unsigned.signer).toBe(x('key-id'));

      const digest = digestForScheme(scheme, unsigned);
      expect(toHex(digest)).toBe(x('digest'));
      if (scheme !== 'secp256k1') {
        expect(toHex(sha256(concatBytes(utf8(SIGNING_DOMAIN), new Uint8Array([0]), utf8(x('unsigned')))))).toBe(x('digest'));
      }
      if (scheme === 'p256') expect(toHex(sha256(digest))).toBe(x('ecdsa-hash'));
      if (scheme === 'secp256k1') {
        const parts = envelopeEip712(unsigned);
        expect(toHex(parts.domainSeparator)).toBe(x('domain-separator'));
        expect(toHex(parts.structHash)).toBe(x('struct-hash'));
        expect(toHex(keccak_256(concatBytes(new Uint8Array([0x19, 0x01]), parts.domainSeparator, parts.structHash)))).toBe(x('digest'));
        const td = envelopeTypedData(unsigned);
        expect(JSON.parse(x('typed-data'))).toEqual(td);
        expect(encodeType(td.primaryType, td.types)).toBe(x('encode-type'));
        expect(td.domain.salt).toBe('0x' + toHex(keccak_256(utf8(unsigned.chain_id))));
      }

      const sig = signDigest(scheme, sk, digest);
      expect(toHex(sig)).toBe(x('signature'));
      expect(nobleVerifier.verify(scheme, pk, digest, sig)).toBe(true);

      const signed = { ...unsigned, signature: x('signature') };
      expect(verifyEnvelope(nobleVerifier, signed, { scheme, public_key: x('public-key') })).toBe(true);
      const wire = encodeTx(signed);
      expect(decodeTx(wire)).toEqual(signed);
      expect(txHashOf(wire)).toBe(x('tx-hash'));
    });
  }

  it('prints the right curve orders and low-S bounds', () => {
    const row = (name: string, s: 'p256' | 'secp256k1') =>
      `| ${name} | \`${ECDSA_CURVES[s].n.toString(16).padStart(64, '0')}\` | \`${ECDSA_CURVES[s].halfN.toString(16).padStart(64, '0')}\` |`;
    expect(doc).toContain(row('P-256', 'p256'));
    expect(doc).toContain(row('secp256k1', 'secp256k1'));
  });
});

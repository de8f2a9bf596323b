import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, fromUtf8, keyIdOf, sha256, toHex, utf8 } from '../../codec/index.js';
import { ECDSA_CURVES, ecdsaCompactFromDer, ecdsaDerFromCompact } from '../../crypto/ecdsa.js';
import { nobleVerifier } from '../../crypto/ed25519.js';
import type { SignatureScheme } from '../../engine/types.js';
import { fromBase64, toBase64 } from './base64.js';
import { assembleBundle } from './build.js';
import { encodeAttestationSignature, envelopeBytes, openEnvelope, pae, verifyAttestationSignature } from './dsse.js';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_V1, type BundleFormat, type DsseEnvelope } from './types.js';
import { entryType, pathProblem } from './paths.js';
import { buildManifest, manifestBytes, parseManifest } from './manifest.js';

describe('DSSE PAE', () => {
  it('matches the DSSE protocol example', () => {
    // https://github.com/secure-systems-lab/dsse/blob/master/protocol.md (test vector)
    expect(fromUtf8(pae('http://example.com/HelloWorld', utf8('hello world')))).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });
  it('counts bytes, not characters', () => {
    expect(fromUtf8(pae('t', utf8('é')))).toBe('DSSEv1 1 t 2 é');
  });
});

describe('base64', () => {
  it('round-trips and agrees with Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const s = toBase64(b);
        expect(s).toBe(Buffer.from(b).toString('base64'));
        expect(fromBase64(s)).toEqual(b);
      }),
    );
  });
  it('refuses non-canonical or foreign input', () => {
    for (const s of ['A', 'AB=', 'QQ=a', 'QR==', 'QQ==QQ==', '-_8=', 'QUJD\n']) expect(fromBase64(s), s).toBeNull();
  });
});

describe('entry names and types', () => {
  it('accepts plain relative paths and refuses each escape with its reason', () => {
    expect(pathProblem('transactions/AB.json')).toBeNull();
    expect(pathProblem('a/')).toBeNull();
    const cases: [string, string][] = [
      ['', 'EMPTY_PATH'],
      ['/a', 'ABSOLUTE_PATH'],
      ['a/../b', 'PARENT_PATH'],
      ['..', 'PARENT_PATH'],
      ['a\\b', 'BACKSLASH'],
      ['C:/x', 'DRIVE_LETTER'],
      ['c:x', 'DRIVE_LETTER'],
      ['a//b', 'EMPTY_SEGMENT'],
      ['./a', 'DOT_SEGMENT'],
      ['a\u0000', 'CONTROL_CHARACTER'],
      ['x'.repeat(1025), 'PATH_TOO_LONG'],
    ];
    for (const [n, r] of cases) expect(pathProblem(n)?.reason, JSON.stringify(n)).toBe(r);
  });
  it('reads types from the external attributes', () => {
    const unix = (mode: number) => ({ name: 'x', versionMadeBy: (3 << 8) | 20, externalAttributes: (mode << 16) >>> 0 });
    expect(entryType(unix(0o100644))).toBe('file');
    expect(entryType(unix(0o120777))).toBe('symlink');
    expect(entryType(unix(0o060644))).toBe('special');
    expect(entryType(unix(0o040755))).toBe('directory');
    expect(entryType({ name: 'x', versionMadeBy: 20, externalAttributes: 0x400 })).toBe('symlink');
    expect(entryType({ name: 'd/', versionMadeBy: 20, externalAttributes: 0 })).toBe('directory');
  });
});

describe('manifest', () => {
  const m = buildManifest({
    kind: 'custody-case',
    subject: { type: 'withdrawal', id: 'wr-1', chain_id: 'c', height: 1 },
    created_by: { tool: 't', version: '1', key_id: 'a'.repeat(40) },
    members: [
      { path: 'b.json', artifact_type: 'x', sha256: '0'.repeat(64), size: 1 },
      { path: 'a.json', artifact_type: 'x', sha256: '1'.repeat(64), size: 2 },
    ],
  });
  it('sorts members and round-trips through its canonical bytes', () => {
    expect(m.members.map((x) => x.path)).toEqual(['a.json', 'b.json']);
    const p = parseManifest(manifestBytes(m));
    expect(p.ok && p.manifest).toEqual(m);
  });
  it('refuses reserved, unsafe, unsorted or duplicate member paths', () => {
    for (const path of ['manifest.json', 'attestations/x', '../x', 'dir/']) {
      const bad = { ...m, members: [{ path, artifact_type: 'x', sha256: '0'.repeat(64), size: 1 }] };
      expect(parseManifest(manifestBytes(bad)), path).toMatchObject({ ok: false, reason: 'MANIFEST_INVALID' });
    }
    expect(parseManifest(manifestBytes({ ...m, members: [...m.members].reverse() }))).toMatchObject({ ok: false, reason: 'MANIFEST_INVALID' });
    expect(parseManifest(manifestBytes({ ...m, members: [m.members[0]!, m.members[0]!] }))).toMatchObject({ ok: false, reason: 'MANIFEST_INVALID' });
    expect(parseManifest(utf8('{"format":"charter.bundle/v9"}'))).toMatchObject({ ok: false, reason: 'UNSUPPORTED_FORMAT' });
  });
});

// ─── attestation signatures per format ─────────────────────────────────────
// v2 carries ECDSA as strict DER with low S, v1 as 64-byte r||s; Ed25519 is
// the same in both. The assembly takes r||s from the signer and writes the
// format's form; the verifier picks the form from the format and refuses the other.

const curveOf = (scheme: 'p256' | 'secp256k1') => (scheme === 'p256' ? p256 : secp256k1);

describe('attestation signatures by bundle format', () => {
  const subject = { type: 'withdrawal', id: 'wr-1', chain_id: 'charter-test', height: 7 };
  const members = [{ path: 'request.json', artifact_type: 'charter.withdrawal-request/v1', bytes: utf8('{"id":"wr-1"}') }];
  const keys = {
    ed25519: (() => {
      const sk = ed25519.utils.randomSecretKey();
      return { sk, pk: ed25519.getPublicKey(sk), sign: (pae: Uint8Array) => ed25519.sign(pae, sk) };
    })(),
    ...Object.fromEntries(
      (['p256', 'secp256k1'] as const).map((scheme) => {
        const curve = scheme === 'p256' ? p256 : secp256k1;
        const sk = curve.utils.randomSecretKey();
        return [
          scheme,
          { sk, pk: curve.getPublicKey(sk, true), sign: (pae: Uint8Array) => curve.sign(sha256(pae), sk, { prehash: false, lowS: true, format: 'compact' }) },
        ];
      }),
    ),
  } as Record<SignatureScheme, { sk: Uint8Array; pk: Uint8Array; sign: (pae: Uint8Array) => Uint8Array }>;

  async function assembled(scheme: SignatureScheme, format?: BundleFormat) {
    const k = keys[scheme];
    const b = await assembleBundle({
      ...(format !== undefined ? { format } : {}),
      kind: 'custody-case',
      subject,
      tool: { name: 'charter-console', version: 'test' },
      members,
      signer: { key_id: keyIdOf(scheme, k.pk), scheme, public_key: toHex(k.pk), sign: k.sign },
    });
    const env = JSON.parse(fromUtf8(b.files.get(`attestations/${keyIdOf(scheme, k.pk)}.dsse.json`) as Uint8Array)) as DsseEnvelope;
    const opened = openEnvelope(envelopeBytes(env));
    if (!opened.ok) throw new Error(opened.detail);
    return { b, sig: fromBase64(env.signatures[0]!.sig) as Uint8Array, pae: opened.pae, pk: k.pk };
  }

  it('assembles v2 by default', async () => {
    expect((await assembled('p256')).b.manifest.format).toBe(BUNDLE_FORMAT);
  });

  for (const scheme of ['p256', 'secp256k1'] as const) {
    it(`${scheme}: a v2 bundle carries a strict-DER low-S signature that verifies in v2 only`, async () => {
      const { sig, pae: p, pk } = await assembled(scheme, BUNDLE_FORMAT);
      expect(sig[0]).toBe(0x30);
      expect(sig.length).toBeGreaterThanOrEqual(8);
      expect(sig.length).toBeLessThanOrEqual(72);
      const compact = ecdsaCompactFromDer(scheme, sig) as Uint8Array;
      expect(compact).not.toBeNull();
      expect(toHex(ecdsaDerFromCompact(scheme, compact))).toBe(toHex(sig));
      expect(verifyAttestationSignature(scheme, pk, p, sig, nobleVerifier, BUNDLE_FORMAT)).toBe(true);
      // DER in a v1 bundle, r||s in a v2 bundle: refused.
      expect(verifyAttestationSignature(scheme, pk, p, sig, nobleVerifier, BUNDLE_FORMAT_V1)).toBe(false);
      expect(verifyAttestationSignature(scheme, pk, p, compact, nobleVerifier, BUNDLE_FORMAT)).toBe(false);
      // Trailing byte, non-minimal length, high S: refused.
      const n = ECDSA_CURVES[scheme].n;
      const r = BigInt('0x' + toHex(compact.subarray(0, 32)));
      const s = BigInt('0x' + toHex(compact.subarray(32)));
      const longForm = concatBytes(Uint8Array.of(0x30, 0x81), sig.subarray(1));
      const trailing = concatBytes(sig, Uint8Array.of(0));
      const highS = curveOf(scheme)
        .Signature.fromBytes(concatBytes(compact.subarray(0, 32), fromHex((n - s).toString(16).padStart(64, '0'))), 'compact')
        .toBytes('der');
      const paddedR = (() => {
        const rHex = r.toString(16).padStart(64, '0');
        const rc = (parseInt(rHex.slice(0, 2), 16) & 0x80 ? '0000' : '00') + rHex;
        const sHex = toHex(sig).slice(4 + 4 + (sig[3] as number) * 2);
        const body = '02' + (rc.length / 2).toString(16).padStart(2, '0') + rc + sHex;
        return fromHex('30' + (body.length / 2).toString(16).padStart(2, '0') + body);
      })();
      for (const bad of [longForm, trailing, highS, paddedR]) expect(verifyAttestationSignature(scheme, pk, p, bad, nobleVerifier, BUNDLE_FORMAT)).toBe(false);
      // An unknown format verifies nothing.
      expect(verifyAttestationSignature(scheme, pk, p, sig, nobleVerifier, 'charter.bundle/v9' as BundleFormat)).toBe(false);
    });

    it(`${scheme}: a v1 bundle still carries and verifies 64-byte r||s`, async () => {
      const { b, sig, pae: p, pk } = await assembled(scheme, BUNDLE_FORMAT_V1);
      expect(b.manifest.format).toBe(BUNDLE_FORMAT_V1);
      expect(sig.length).toBe(64);
      expect(verifyAttestationSignature(scheme, pk, p, sig, nobleVerifier, BUNDLE_FORMAT_V1)).toBe(true);
      expect(verifyAttestationSignature(scheme, pk, p, sig, nobleVerifier, BUNDLE_FORMAT)).toBe(false);
      expect(verifyAttestationSignature(scheme, pk, p, ecdsaDerFromCompact(scheme, sig), nobleVerifier, BUNDLE_FORMAT_V1)).toBe(false);
    });

    it(`${scheme}: a signer that returns anything but 64-byte low-S r||s makes the assembly fail (nothing is repaired)`, async () => {
      const k = keys[scheme];
      const n = ECDSA_CURVES[scheme].n;
      const base = { kind: 'custody-case', subject, tool: { name: 'charter-console', version: 'test' }, members };
      const signer = (sign: (pae: Uint8Array) => Uint8Array) => ({ key_id: keyIdOf(scheme, k.pk), scheme, public_key: toHex(k.pk), sign });
      const der = (pae: Uint8Array) => ecdsaDerFromCompact(scheme, k.sign(pae));
      const high = (pae: Uint8Array) => {
        const c = k.sign(pae);
        return concatBytes(c.subarray(0, 32), fromHex((n - BigInt('0x' + toHex(c.subarray(32)))).toString(16).padStart(64, '0')));
      };
      await expect(assembleBundle({ ...base, signer: signer(der) })).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(assembleBundle({ ...base, format: BUNDLE_FORMAT_V1, signer: signer(der) })).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(assembleBundle({ ...base, signer: signer(high) })).rejects.toMatchObject({ code: 'INTERNAL' });
    });
  }

  it('ed25519: the same 64-byte signature over PAE in v1 and v2', async () => {
    for (const format of [BUNDLE_FORMAT, BUNDLE_FORMAT_V1] as const) {
      const { sig, pae: p, pk } = await assembled('ed25519', format);
      expect(sig.length).toBe(64);
      expect(verifyAttestationSignature('ed25519', pk, p, sig, nobleVerifier, format)).toBe(true);
      expect(encodeAttestationSignature('ed25519', sig, format)).toBe(sig);
    }
  });
});

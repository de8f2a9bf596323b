import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { canonicalBytes, concatBytes, fromHex, fromUtf8, sha256, toHex, txHashOf, txHashWith, utf8 } from '../codec/index.js';
import { CharterError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { SignedEnvelope, UnsignedEnvelope } from '../engine/types.js';
import { buildTx, testKey } from '../../tests/support/engine-kit.js';
import { decodeTx, decodeTxWithDigest, encodeTx, MAX_TX_BYTES, requestIdOf, SIGNING_DOMAIN, signEnvelope, signingDigest, unsignedOf } from './envelope.js';

const k1 = testKey(1);

const unsigned: UnsignedEnvelope<'vault.fund'> = {
  version: 1,
  chain_id: 'charter-test',
  type: 'vault.fund',
  body: { vault_id: 'treasury', asset: 'USD', amount: '100' },
  signer: k1.keyId,
  nonce: 1,
  expires_at: 10,
};

function codeOf(f: () => unknown): ErrorCode | 'none' {
  try {
    f();
    return 'none';
  } catch (e) {
    if (e instanceof CharterError) return e.code;
    throw e;
  }
}

/** Encode an arbitrary JSON object the way encodeTx would (canonical). */
function raw(o: unknown): Uint8Array {
  return canonicalBytes(o);
}

describe('signingDigest', () => {
  it('is SHA-256(domain || 0x00 || JCS(unsigned))', () => {
    const expected = sha256(concatBytes(utf8(SIGNING_DOMAIN), new Uint8Array([0]), canonicalBytes(unsigned)));
    expect(toHex(signingDigest(unsigned))).toBe(toHex(expected));
  });
  it('ignores fields outside the unsigned envelope (signature, extras)', () => {
    const withExtra = { ...unsigned, signature: 'ab'.repeat(64), extra: 1 } as unknown as UnsignedEnvelope;
    expect(toHex(signingDigest(withExtra))).toBe(toHex(signingDigest(unsigned)));
  });
  it('binds every field', () => {
    const d = toHex(signingDigest(unsigned));
    const variants: UnsignedEnvelope[] = [
      { ...unsigned, chain_id: 'other' },
      { ...unsigned, nonce: 2 },
      { ...unsigned, expires_at: 11 },
      { ...unsigned, signer: testKey(2).keyId },
      { ...unsigned, body: { ...unsigned.body, amount: '101' } },
      { ...unsigned, version: 2 as 1 },
    ];
    for (const v of variants) expect(toHex(signingDigest(v))).not.toBe(d);
  });
});

describe('encodeTx / decodeTx', () => {
  it('round-trips every tx type, and the hash is SHA-256 of the wire bytes', async () => {
    const bodies = [
      ['key.register', { public_key: testKey(2).publicKeyHex, scheme: 'ed25519', label: 'Alice' }],
      ['vault.create', { vault_id: 'treasury', name: 'Treasury', policy: { approvers: [k1.keyId], threshold: 1 } }],
      ['vault.fund', { vault_id: 'treasury', asset: 'USD', amount: '5' }],
      ['withdrawal.create', { vault_id: 'treasury', asset: 'USD', amount: '5', destination: 'acct:1', memo: 'ünïcødé 🎉' }],
      ['withdrawal.approve', { request_id: 'wr-0123456789abcdef01234567' }],
    ] as const;
    for (const [type, body] of bodies) {
      const u = { ...unsigned, type, body } as UnsignedEnvelope;
      const s = await signEnvelope(u, k1.sign);
      const bytes = encodeTx(s);
      const back = decodeTx(bytes);
      expect(back).toEqual(s);
      expect(encodeTx(back)).toEqual(bytes);
      expect(txHashOf(bytes)).toBe(toHex(sha256(bytes)).toUpperCase());
      expect(ed25519.verify(fromHex(s.signature), signingDigest(unsignedOf(back)), k1.publicKey)).toBe(true);
    }
  });

  it('signEnvelope produces lower-case hex and accepts async signers', async () => {
    const s = await signEnvelope(unsigned, async (d) => k1.sign(d));
    expect(s.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(unsignedOf(s)).toEqual(unsigned);
  });

  it('rejects non-canonical encodings (so one tx has one hash)', () => {
    const { env, bytes } = buildTx(k1, 'vault.fund', unsigned.body, 1);
    const text = fromUtf8(bytes);
    expect(codeOf(() => decodeTx(bytes))).toBe('none');
    // whitespace
    expect(codeOf(() => decodeTx(utf8(JSON.stringify(env, null, 1))))).toBe('TX_MALFORMED');
    // unsorted keys
    const unsorted = utf8(JSON.stringify({ signature: env.signature, ...unsignedOf(env) }));
    expect(codeOf(() => decodeTx(unsorted))).toBe('TX_MALFORMED');
    // duplicate key (last wins in JSON.parse)
    expect(codeOf(() => decodeTx(utf8(text.replace('"nonce":1', '"nonce":1,"nonce":1'))))).toBe('TX_MALFORMED');
    // non-shortest number form
    expect(codeOf(() => decodeTx(utf8(text.replace('"nonce":1', '"nonce":1.0'))))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(utf8(text.replace('"nonce":1', '"nonce":1e0'))))).toBe('TX_MALFORMED');
    // unnecessary escape
    expect(codeOf(() => decodeTx(utf8(text.replace('"USD"', '"\\u0055SD"'))))).toBe('TX_MALFORMED');
    // trailing newline
    expect(codeOf(() => decodeTx(utf8(text + '\n')))).toBe('TX_MALFORMED');
  });

  it('rejects a byte-order mark and unsorted keys inside the body; accepts canonical index-like keys (exact path)', () => {
    const { env, bytes } = buildTx(k1, 'vault.fund', unsigned.body, 1);
    expect(codeOf(() => decodeTx(concatBytes(new Uint8Array([0xef, 0xbb, 0xbf]), bytes)))).toBe('TX_MALFORMED');
    const text = fromUtf8(bytes);
    const body = fromUtf8(canonicalBytes(env.body));
    expect(text).toContain(body);
    const reordered = '{' + body.slice(1, -1).split(',').reverse().join(',') + '}';
    expect(reordered).not.toBe(body);
    expect(codeOf(() => decodeTx(utf8(text.replace(body, reordered))))).toBe('TX_MALFORMED');
    // JSON.parse puts index-like keys first ("5" before "10"); RFC 8785 sorts "10" before "5".
    const policy = { vault_id: 'treasury', policy: { approvers: [k1.keyId], threshold: 1, tx_limits: { '5': '1', '10': '2' } } };
    const p = buildTx(k1, 'vault.set_policy', policy as never, 1);
    expect(fromUtf8(p.bytes)).toContain('{"10":"2","5":"1"}');
    expect(codeOf(() => decodeTx(p.bytes))).toBe('none');
    expect(codeOf(() => decodeTx(utf8(fromUtf8(p.bytes).replace('{"10":"2","5":"1"}', '{"5":"1","10":"2"}'))))).toBe('TX_MALFORMED');
  });

  it('decodeTxWithDigest gives signingDigest of the envelope, with the default or an injected SHA-256', async () => {
    const { createHash } = await import('node:crypto');
    const nodeHash = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());
    for (const [type, body] of [
      ['vault.fund', unsigned.body],
      ['withdrawal.create', { vault_id: 'v', asset: 'USD', amount: '5', destination: 'acct:"signature":"x', memo: ',"signature":"' + 'a'.repeat(128) + '"' }],
    ] as const) {
      const { env, bytes } = buildTx(k1, type, body as never, 3);
      const a = decodeTxWithDigest(bytes);
      const b = decodeTxWithDigest(bytes, nodeHash);
      expect(a.env).toEqual(env);
      expect(toHex(a.digest)).toBe(toHex(signingDigest(unsignedOf(env))));
      expect(toHex(b.digest)).toBe(toHex(a.digest));
      expect(txHashWith(bytes, nodeHash)).toBe(txHashOf(bytes));
    }
  });

  it('rejects what is not a JSON object envelope', () => {
    expect(codeOf(() => decodeTx(new Uint8Array(0)))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(new Uint8Array([0xff, 0xfe])))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(utf8('not json')))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(utf8('[1,2]')))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(utf8('null')))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(new Uint8Array(MAX_TX_BYTES + 1).fill(0x20)))).toBe('TX_MALFORMED');
  });

  it('classifies version, type, envelope and body errors', () => {
    const { env } = buildTx(k1, 'vault.fund', unsigned.body, 1);
    const e = env as unknown as Record<string, unknown>;
    const without = (k: string) => Object.fromEntries(Object.entries(e).filter(([x]) => x !== k));
    expect(codeOf(() => decodeTx(raw({ ...e, version: 2 })))).toBe('UNSUPPORTED_VERSION');
    expect(codeOf(() => decodeTx(raw({ version: 2, whatever: true })))).toBe('UNSUPPORTED_VERSION');
    expect(codeOf(() => decodeTx(raw({ ...e, version: '1' })))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw(without('version'))))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw({ ...e, type: 'vault.destroy' })))).toBe('UNKNOWN_TX_TYPE');
    expect(codeOf(() => decodeTx(raw({ ...e, type: 7 })))).toBe('TX_MALFORMED');
    for (const k of ['chain_id', 'type', 'body', 'signer', 'nonce', 'expires_at', 'signature']) {
      expect(
        codeOf(() => decodeTx(raw(without(k)))),
        k,
      ).toBe('TX_MALFORMED');
    }
    expect(codeOf(() => decodeTx(raw({ ...e, extra: 1 })))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw({ ...e, chain_id: '' })))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw({ ...e, chain_id: 'has space' })))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw({ ...e, signer: k1.keyId.toUpperCase() })))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw({ ...e, signer: 'abc' })))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw({ ...e, nonce: 0 })))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw({ ...e, nonce: -1 })))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw({ ...e, nonce: 1.5 })))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw({ ...e, nonce: 2 ** 53 })))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw({ ...e, nonce: '1' })))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw({ ...e, expires_at: 0 })))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw({ ...e, signature: env.signature.toUpperCase() })))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw({ ...e, signature: env.signature.slice(2) })))).toBe('TX_MALFORMED');
    expect(codeOf(() => decodeTx(raw({ ...e, body: [] })))).toBe('INVALID_FIELD');
    expect(codeOf(() => decodeTx(raw({ ...e, body: 'x' })))).toBe('INVALID_FIELD');
    expect(codeOf(() => decodeTx(raw({ ...e, body: { ...unsigned.body, extra: 'x' } })))).toBe('INVALID_FIELD');
    expect(codeOf(() => decodeTx(raw({ ...e, body: { vault_id: 'treasury', asset: 'USD' } })))).toBe('INVALID_FIELD');
    expect(codeOf(() => decodeTx(raw({ ...e, body: { ...unsigned.body, amount: 100 } })))).toBe('INVALID_FIELD');
  });

  it('validates each body shape', () => {
    const { env } = buildTx(k1, 'vault.fund', unsigned.body, 1);
    const withBody = (type: string, body: unknown) => raw({ ...env, type, body });
    const good: [string, unknown][] = [
      ['key.register', { public_key: 'x', scheme: 'ed25519', label: 'l' }],
      ['vault.create', { vault_id: 'v', name: 'n', policy: { approvers: [], threshold: 0 } }],
      ['withdrawal.create', { vault_id: 'v', asset: 'A', amount: '1', destination: 'd', memo: '' }],
      ['withdrawal.approve', { request_id: 'r' }],
    ];
    // Shape-valid bodies decode (content rules are the engine's); the signature
    // no longer matches, but decoding does not check signatures.
    for (const [t, b] of good)
      expect(
        codeOf(() => decodeTx(withBody(t, b))),
        t,
      ).toBe('none');
    const bad: [string, unknown][] = [
      ['key.register', { public_key: 'x', scheme: 'rsa', label: 'l' }],
      ['key.register', { public_key: 'x', label: 'l' }],
      ['vault.create', { vault_id: 'v', name: 'n', policy: { approvers: 'k', threshold: 1 } }],
      ['vault.create', { vault_id: 'v', name: 'n', policy: { approvers: [], threshold: 1.5 } }],
      ['vault.create', { vault_id: 'v', name: 'n', policy: { approvers: [], threshold: 1, extra: 1 } }],
      ['vault.create', { vault_id: 'v', name: 'n', policy: { approvers: [1], threshold: 1 } }],
      ['withdrawal.create', { vault_id: 'v', asset: 'A', amount: '1', destination: 'd' }],
      ['withdrawal.create', { vault_id: 'v', asset: 'A', amount: '1', destination: 'd', memo: null }],
      ['withdrawal.approve', { request_id: 5 }],
      ['withdrawal.approve', {}],
      ['withdrawal.approve', { request_id: '\ud800' }],
    ];
    for (const [t, b] of bad)
      expect(
        codeOf(() => decodeTx(withBody(t, b))),
        `${t} ${JSON.stringify(b)}`,
      ).toBe('INVALID_FIELD');
  });

  it('decodeTx strips nothing silently: decoded === input for valid txs (property-style over nonces)', () => {
    for (let n = 1; n < 50; n += 7) {
      const { env, bytes } = buildTx(k1, 'withdrawal.approve', { request_id: 'wr-' + 'a'.repeat(24) }, n, { expires_at: n + 5 });
      expect(decodeTx(bytes)).toEqual(env);
    }
  });
});

describe('requestIdOf', () => {
  it('is "wr-" + the first 24 hex digits of the signing digest', () => {
    const u: UnsignedEnvelope<'withdrawal.create'> = {
      ...unsigned,
      type: 'withdrawal.create',
      body: { vault_id: 'treasury', asset: 'USD', amount: '1', destination: 'x', memo: '' },
    };
    const id = requestIdOf(u);
    expect(id).toMatch(/^wr-[0-9a-f]{24}$/);
    expect(id).toBe('wr-' + toHex(signingDigest(u)).slice(0, 24));
    expect(requestIdOf({ ...u, nonce: 2 })).not.toBe(id);
    // The signature does not enter the id.
    const signed = { ...u, signature: '00'.repeat(64) } as SignedEnvelope<'withdrawal.create'>;
    expect(requestIdOf(signed)).toBe(id);
  });
});

import { describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { concatBytes, fromHex, toHex, utf8 } from '../codec/index.js';
import type { UnsignedEnvelope } from '../engine/types.js';
import { signingDigest } from './envelope.js';
import {
  charterDomain,
  domainSeparator,
  eip712Digest,
  eip712TypeName,
  encodeType,
  envelopeEip712,
  envelopeTypedData,
  hashStruct,
  keccak256,
  typedDataDigest,
  type TypedTypes,
} from './eip712.js';
import { digestForScheme } from './verify.js';

// The example of the EIP-712 specification (eips.ethereum.org/EIPS/eip-712, "Example"; assets/eip-712/Example.js).
const mailTypes: TypedTypes = {
  Person: [
    { name: 'name', type: 'string' },
    { name: 'wallet', type: 'address' },
  ],
  Mail: [
    { name: 'from', type: 'Person' },
    { name: 'to', type: 'Person' },
    { name: 'contents', type: 'string' },
  ],
};
const mailDomain = { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' };
const mail = {
  from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
  to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
  contents: 'Hello, Bob!',
};

describe('EIP-712 encoder: the specification example', () => {
  it('encodeType, typeHash, domain separator, struct hash and digest match the spec', () => {
    expect(encodeType('Mail', mailTypes)).toBe('Mail(Person from,Person to,string contents)Person(string name,address wallet)');
    expect(toHex(domainSeparator(mailDomain))).toBe('f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f');
    expect(toHex(hashStruct('Mail', mail, mailTypes))).toBe('c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e');
    const digest = typedDataDigest(mailDomain, mailTypes, 'Mail', mail);
    expect(toHex(digest)).toBe('be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2');
    // The spec's signature by keccak256("cow") verifies over the digest itself (no prehash) — the form secp256k1 uses here.
    const sk = keccak256(utf8('cow'));
    const sig = concatBytes(
      fromHex('4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d'),
      fromHex('07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562'),
    );
    expect(secp256k1.verify(sig, digest, secp256k1.getPublicKey(sk, true), { prehash: false, lowS: true })).toBe(true);
    expect(toHex(secp256k1.sign(digest, sk, { prehash: false }))).toBe(toHex(sig));
  });

  it('encodes arrays, bytes, bool and signed integers, and refuses values that do not fit', () => {
    const types: TypedTypes = {
      T: [
        { name: 'a', type: 'string[]' },
        { name: 'b', type: 'bytes' },
        { name: 'c', type: 'bool' },
        { name: 'd', type: 'int8' },
        { name: 'e', type: 'bytes2' },
      ],
    };
    const h = hashStruct('T', { a: ['x', 'y'], b: '0x0102', c: true, d: -1, e: '0xabcd' }, types);
    const expected = keccak256(
      concatBytes(
        keccak256(utf8('T(string[] a,bytes b,bool c,int8 d,bytes2 e)')),
        keccak256(concatBytes(keccak256(utf8('x')), keccak256(utf8('y')))),
        keccak256(fromHex('0102')),
        fromHex('00'.repeat(31) + '01'),
        fromHex('ff'.repeat(32)),
        fromHex('abcd' + '00'.repeat(30)),
      ),
    );
    expect(toHex(h)).toBe(toHex(expected));
    expect(() => hashStruct('T', { a: [1], b: '0x', c: true, d: 0, e: '0x0000' }, types)).toThrow();
    expect(() => hashStruct('T', { a: [], b: '0x', c: true, d: 128, e: '0x0000' }, types)).toThrow();
    expect(() => hashStruct('T', { a: [], b: '0x', c: true, d: 0 }, types)).toThrow();
  });
});

const approve: UnsignedEnvelope<'withdrawal.approve'> = {
  version: 1,
  chain_id: 'charter-test',
  type: 'withdrawal.approve',
  body: { request_id: 'wr-0123456789abcdef01234567' },
  signer: 'ab'.repeat(20),
  nonce: 3,
  expires_at: 120,
};

describe('EIP-712 form of envelopes', () => {
  it('names the struct after the type and lists the body fields (sorted) then the envelope fields', () => {
    expect(eip712TypeName('withdrawal.approve')).toBe('WithdrawalApprove');
    expect(eip712TypeName('key.set_roles')).toBe('KeySetRoles');
    const td = envelopeTypedData(approve);
    expect(td.primaryType).toBe('WithdrawalApprove');
    expect(encodeType('WithdrawalApprove', td.types)).toBe(
      'WithdrawalApprove(string request_id,string chain_id,string signer,uint256 nonce,uint256 expires_at,uint256 version)',
    );
    expect(td.domain).toEqual({ name: 'Charter Custody', version: '1', salt: '0x' + toHex(keccak256(utf8('charter-test'))) });
    expect(encodeType('EIP712Domain', td.types)).toBe('EIP712Domain(string name,string version,bytes32 salt)');
    const parts = envelopeEip712(approve);
    expect(toHex(parts.digest)).toBe(
      toHex(typedDataDigest(charterDomain('charter-test'), { WithdrawalApprove: td.types.WithdrawalApprove! }, 'WithdrawalApprove', td.message)),
    );
    expect(toHex(digestForScheme('secp256k1', { ...approve, signature: '' }))).toBe(toHex(parts.digest));
    expect(toHex(digestForScheme('p256', { ...approve, signature: '' }))).toBe(toHex(signingDigest(approve)));
  });

  it('binds every field: chain, signer, nonce, expiry, type and body', () => {
    const d = toHex(eip712Digest(approve));
    const variants: UnsignedEnvelope[] = [
      { ...approve, chain_id: 'charter-other' },
      { ...approve, signer: 'cd'.repeat(20) },
      { ...approve, nonce: 4 },
      { ...approve, expires_at: 121 },
      { ...approve, body: { request_id: 'wr-0123456789abcdef01234568' } },
      { ...approve, type: 'withdrawal.cancel' as 'withdrawal.approve', body: { request_id: approve.body.request_id } },
    ];
    for (const v of variants) expect(toHex(eip712Digest(v))).not.toBe(d);
  });

  it('encodes nested objects as canonical JSON strings and string arrays as string[]', () => {
    const u = {
      version: 1,
      chain_id: 'charter-test',
      type: 'vault.create',
      body: { vault_id: 'treasury', name: 'Treasury', policy: { threshold: 2, approvers: ['b', 'a'] } },
      signer: 'ab'.repeat(20),
      nonce: 1,
      expires_at: 10,
    } as UnsignedEnvelope<'vault.create'>;
    const td = envelopeTypedData(u);
    expect(td.message.policy).toBe('{"approvers":["b","a"],"threshold":2}');
    expect(encodeType('VaultCreate', td.types)).toBe(
      'VaultCreate(string name,string policy,string vault_id,string chain_id,string signer,uint256 nonce,uint256 expires_at,uint256 version)',
    );
    const roles = envelopeTypedData({ ...u, type: 'key.set_roles', body: { key_id: 'k', roles: ['approver'] } } as unknown as UnsignedEnvelope);
    expect(roles.types.KeySetRoles![1]).toEqual({ name: 'roles', type: 'string[]' });
  });

  it('refuses bodies with no EIP-712 form (digestForScheme throws; verification answers false)', () => {
    expect(() => eip712Digest({ ...approve, body: { nonce: 1 } as unknown as { request_id: string } })).toThrow();
    expect(() => eip712Digest({ ...approve, body: { 'a b': 'x' } as unknown as { request_id: string } })).toThrow();
    expect(() => eip712Digest({ ...approve, body: { n: -1 } as unknown as { request_id: string } })).toThrow();
  });
});

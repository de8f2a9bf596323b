import { describe, expect, it } from 'vitest';
import { CharterError } from '../errors.js';
import { keyIdOf, toHex } from '../codec/index.js';
import { DEFAULT_CHAIN_ID, DEFAULT_PARAMS, genesisHash, genesisState, makeGenesis, validateGenesis } from './genesis.js';
import { testKey } from '../../tests/support/engine-kit.js';
import type { GenesisDoc } from './types.js';

const k1 = testKey(1);
const k2 = testKey(2);

function invalid(doc: unknown): string {
  try {
    validateGenesis(doc);
  } catch (e) {
    expect(e).toBeInstanceOf(CharterError);
    expect((e as CharterError).code).toBe('INVALID_INPUT');
    return (e as CharterError).message;
  }
  throw new Error('expected the genesis to be rejected');
}

describe('makeGenesis', () => {
  it('fills defaults', () => {
    const g = makeGenesis({ genesis_time: '2026-01-01T00:00:00Z', admins: [{ public_key: k1.publicKeyHex.toUpperCase(), label: 'root' }] });
    expect(g).toEqual({
      chain_id: DEFAULT_CHAIN_ID,
      genesis_time: '2026-01-01T00:00:00Z',
      admins: [{ public_key: k1.publicKeyHex, label: 'root' }],
      params: { ...DEFAULT_PARAMS },
    });
    expect(DEFAULT_PARAMS).toEqual({ faucet: true, max_expiry_blocks: 1000 });
  });
  it('merges partial params', () => {
    const g = makeGenesis({
      chain_id: 'x-1',
      genesis_time: '2026-01-01T00:00:00.123Z',
      admins: [{ public_key: k1.publicKeyHex, label: 'a' }],
      params: { faucet: false },
    });
    expect(g.params).toEqual({ faucet: false, max_expiry_blocks: 1000 });
  });
});

describe('validateGenesis', () => {
  const good: GenesisDoc = {
    chain_id: 'c',
    genesis_time: '2026-01-01T00:00:00Z',
    admins: [{ public_key: k1.publicKeyHex, label: 'a' }],
    params: { faucet: true, max_expiry_blocks: 10 },
  };
  it('accepts a good document and returns a clean copy', () => {
    const v = validateGenesis(good);
    expect(v).toEqual(good);
    expect(v).not.toBe(good);
  });
  it('rejects each kind of bad document', () => {
    expect(invalid(null)).toMatch(/genesis/);
    expect(invalid({ ...good, chain_id: '' })).toMatch(/chain_id/);
    expect(invalid({ ...good, genesis_time: '2026-01-01 00:00:00' })).toMatch(/genesis_time/);
    expect(invalid({ ...good, genesis_time: '2026-01-01T00:00:00+01:00' })).toMatch(/genesis_time/);
    expect(invalid({ ...good, admins: [] })).toMatch(/admin/);
    expect(invalid({ ...good, admins: [{ public_key: 'zz', label: 'a' }] })).toMatch(/public_key/);
    expect(invalid({ ...good, admins: [{ public_key: '01' + '00'.repeat(31), label: 'a' }] })).toMatch(/not a valid Ed25519/);
    expect(invalid({ ...good, admins: [{ public_key: k1.publicKeyHex, label: '' }] })).toMatch(/label/);
    expect(
      invalid({
        ...good,
        admins: [
          { public_key: k1.publicKeyHex, label: 'a' },
          { public_key: k1.publicKeyHex, label: 'b' },
        ],
      }),
    ).toMatch(/repeats/);
    expect(invalid({ ...good, params: { faucet: true } })).toMatch(/max_expiry_blocks/);
    expect(invalid({ ...good, params: { faucet: true, max_expiry_blocks: 0 } })).toMatch(/max_expiry_blocks/);
    expect(invalid({ ...good, params: { faucet: 'yes', max_expiry_blocks: 5 } })).toMatch(/faucet/);
    expect(invalid({ ...good, extra: 1 })).toMatch(/genesis/);
  });
});

describe('genesisState', () => {
  it('registers the admins with role "admin" at height 0', () => {
    const g = makeGenesis({
      genesis_time: '2026-01-01T00:00:00Z',
      admins: [
        { public_key: k2.publicKeyHex, label: 'two' },
        { public_key: k1.publicKeyHex, label: 'one' },
      ],
    });
    const s = genesisState(g);
    expect(s.height).toBe(0);
    expect(s.time).toBe(g.genesis_time);
    expect(s.admins).toEqual([k1.keyId, k2.keyId].sort());
    expect(s.keys[k1.keyId]).toEqual({
      key_id: keyIdOf('ed25519', k1.publicKey),
      scheme: 'ed25519',
      public_key: k1.publicKeyHex,
      label: 'one',
      status: 'active',
      roles: ['admin', 'governance'],
      registered_at: 0,
    });
    expect(s.accounts).toEqual({});
    expect(s.vaults).toEqual({});
    expect(s.requests).toEqual({});
  });
  it('genesisHash is stable hex SHA-256 of the canonical document', () => {
    const g = makeGenesis({ genesis_time: '2026-01-01T00:00:00Z', admins: [{ public_key: k1.publicKeyHex, label: 'a' }] });
    const reordered = { params: g.params, admins: g.admins, genesis_time: g.genesis_time, chain_id: g.chain_id };
    expect(genesisHash(reordered)).toBe(genesisHash(g));
    expect(genesisHash(g)).toMatch(/^[0-9a-f]{64}$/);
    expect(toHex(new Uint8Array(0))).toBe('');
  });
});

describe('genesis validators', () => {
  const base = { genesis_time: '2026-01-01T00:00:00Z', admins: [{ public_key: k1.publicKeyHex, label: 'root' }] };
  it('are recorded in the state with proposal "genesis", sorted by key', () => {
    const g = makeGenesis({
      ...base,
      validators: [
        { public_key: k2.publicKeyHex, name: 'v2', power: 3 },
        { public_key: testKey(3).publicKeyHex, name: 'v3', power: 1 },
      ],
    });
    const s = genesisState(g);
    expect(Object.keys(s.validators)).toEqual([k2.publicKeyHex, testKey(3).publicKeyHex].sort());
    expect(s.validators[k2.publicKeyHex]).toEqual({ public_key: k2.publicKeyHex, name: 'v2', power: 3, added_at: 0, proposal_id: 'genesis', removed_at: null });
  });
  it('absent: none recorded, and the genesis is what it was without them', () => {
    const g = makeGenesis(base);
    expect(g).not.toHaveProperty('validators');
    expect(genesisState(g).validators).toEqual({});
  });
  it('refuses an invalid key, a repeated key, a bad power or name', () => {
    const doc = (validators: unknown) => ({ chain_id: 'c', ...base, params: { ...DEFAULT_PARAMS }, validators });
    expect(invalid(doc([{ public_key: 'ab'.repeat(31), name: 'v', power: 1 }]))).toMatch(/validators\.0\.public_key/);
    expect(
      invalid(
        doc([
          { public_key: k2.publicKeyHex, name: 'v', power: 1 },
          { public_key: k2.publicKeyHex, name: 'w', power: 1 },
        ]),
      ),
    ).toMatch(/validators\.1 repeats/);
    expect(invalid(doc([{ public_key: k2.publicKeyHex, name: 'v', power: 0 }]))).toMatch(/validators\.0\.power/);
    expect(invalid(doc([{ public_key: k2.publicKeyHex, name: '', power: 1 }]))).toMatch(/validators\.0\.name/);
  });
});

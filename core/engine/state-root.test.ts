import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalBytes, concatBytes, sha256, toHex, utf8 } from '../codec/index.js';
import { genesisState } from './genesis.js';
import { testGenesis, testKey } from './testkit.js';
import { compareUtf8, entryProof, leafHash, merkleRoot, nodeHash, stateEntries, stateRoot, verifyEntryProof } from './state-root.js';
import type { EngineState } from './types.js';

function h(...parts: Uint8Array[]): Uint8Array {
  return sha256(concatBytes(...parts));
}

/** A state with n extra vaults, to get trees of many sizes. */
function stateWithVaults(n: number): EngineState {
  const s = genesisState(testGenesis());
  for (let i = 0; i < n; i++) {
    const id = `v${String(i).padStart(3, '0')}`;
    s.vaults[id] = { vault_id: id, name: id, policy: { approvers: [...s.admins], threshold: 1 }, balances: { USD: String(i + 1) }, created_at: i + 1 };
  }
  return s;
}

describe('state root construction', () => {
  it('empty tree is SHA-256("")', () => {
    expect(toHex(merkleRoot([]))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('leaf = SHA-256(0x00 || u32be(len key) || key || SHA-256(value))', () => {
    const v = utf8('{"a":1}');
    const expected = h(new Uint8Array([0, 0, 0, 0, 6]), utf8('params'), sha256(v));
    expect(toHex(leafHash('params', v))).toBe(toHex(expected));
  });

  it('follows RFC 6962 splitting (n = 1, 2, 3, 5, 7)', () => {
    const L = [1, 2, 3, 4, 5, 6, 7].map((i) => sha256(new Uint8Array([i])));
    const [a, b, c, d, e, f, g] = L as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    const N = (x: Uint8Array, y: Uint8Array) => h(new Uint8Array([1]), x, y);
    expect(toHex(merkleRoot([a]))).toBe(toHex(a));
    expect(toHex(merkleRoot([a, b]))).toBe(toHex(N(a, b)));
    expect(toHex(merkleRoot([a, b, c]))).toBe(toHex(N(N(a, b), c)));
    expect(toHex(merkleRoot([a, b, c, d, e]))).toBe(toHex(N(N(N(a, b), N(c, d)), e)));
    expect(toHex(merkleRoot([a, b, c, d, e, f, g]))).toBe(toHex(N(N(N(a, b), N(c, d)), N(N(e, f), g))));
    expect(toHex(nodeHash(a, b))).toBe(toHex(N(a, b)));
  });

  it('lists the documented entries, sorted by UTF-8 key, and excludes height and time', () => {
    const s = stateWithVaults(2);
    s.accounts[testKey(1).keyId] = { key_id: testKey(1).keyId, nonce: 3 };
    const keys = stateEntries(s).map((e) => e.key);
    expect(keys).toEqual([...keys].sort(compareUtf8));
    expect(keys).toEqual(['account/' + testKey(1).keyId, 'admins', 'chain', 'key/' + testKey(1).keyId, 'params', 'vault/v000', 'vault/v001']);
    const params = stateEntries(s).find((e) => e.key === 'params');
    expect(params?.value).toEqual(canonicalBytes(s.params));
    const before = toHex(stateRoot(s));
    s.height = 99;
    s.time = '2030-01-01T00:00:00Z';
    expect(toHex(stateRoot(s))).toBe(before);
  });

  it('does not depend on object insertion order', () => {
    const a = stateWithVaults(5);
    const b = stateWithVaults(0);
    for (const id of Object.keys(a.vaults).reverse()) b.vaults[id] = JSON.parse(JSON.stringify(a.vaults[id]));
    expect(toHex(stateRoot(a))).toBe(toHex(stateRoot(b)));
  });

  it('changes with any value', () => {
    const s = stateWithVaults(3);
    const r = toHex(stateRoot(s));
    (s.vaults.v001 as { balances: Record<string, string> }).balances.USD = '3';
    expect(toHex(stateRoot(s))).not.toBe(r);
  });

  it('compareUtf8 is byte order, not UTF-16 order', () => {
    // U+FF61 (EF BD A1) < U+1F600 (F0 9F 98 80) in UTF-8, but not in UTF-16 code units.
    expect(compareUtf8('\uff61', '\u{1f600}')).toBeLessThan(0);
    expect('\uff61' < '\u{1f600}').toBe(false);
  });
});

describe('entry proofs', () => {
  it('verify for every entry of trees of many sizes', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 8, 13, 30]) {
      const s = stateWithVaults(n);
      const root = stateRoot(s);
      for (const e of stateEntries(s)) {
        const p = entryProof(s, e.key);
        expect(p).not.toBeNull();
        expect(verifyEntryProof(root, e.key, e.value, p!)).toBe(true);
        expect(verifyEntryProof(toHex(root), e.key, e.value, p!)).toBe(true);
      }
    }
  });

  it('accepts the JSON value itself', () => {
    const s = stateWithVaults(4);
    const p = entryProof(s, 'vault/v002')!;
    expect(verifyEntryProof(stateRoot(s), 'vault/v002', s.vaults.v002, p)).toBe(true);
  });

  it('fails for a tampered value, key, path, index, size or root', () => {
    const s = stateWithVaults(6);
    const root = stateRoot(s);
    const key = 'vault/v003';
    const value = s.vaults.v003!;
    const p = entryProof(s, key)!;
    expect(verifyEntryProof(root, key, value, p)).toBe(true);
    expect(verifyEntryProof(root, key, { ...value, balances: { USD: '999' } }, p)).toBe(false);
    expect(verifyEntryProof(root, 'vault/v004', value, { ...p, key: 'vault/v004' })).toBe(false);
    expect(verifyEntryProof(root, 'vault/v004', value, p)).toBe(false);
    const path = [...p.audit_path];
    path[0] = (path[0] as string).replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(verifyEntryProof(root, key, value, { ...p, audit_path: path })).toBe(false);
    expect(verifyEntryProof(root, key, value, { ...p, audit_path: p.audit_path.slice(1) })).toBe(false);
    expect(verifyEntryProof(root, key, value, { ...p, audit_path: [...p.audit_path, '00'.repeat(32)] })).toBe(false);
    expect(verifyEntryProof(root, key, value, { ...p, leaf_index: p.leaf_index + 1 })).toBe(false);
    // (A tree size with the same path shape is not detectable, as in RFC 9162; a different shape is.)
    expect(verifyEntryProof(root, key, value, { ...p, tree_size: p.leaf_index + 1 })).toBe(false);
    expect(verifyEntryProof(root, key, value, { ...p, tree_size: 1 })).toBe(false);
    expect(verifyEntryProof(root, key, value, { ...p, leaf_index: p.tree_size })).toBe(false);
    const badRoot = root.slice();
    badRoot[0] = (badRoot[0] as number) ^ 1;
    expect(verifyEntryProof(badRoot, key, value, p)).toBe(false);
    expect(verifyEntryProof(root.subarray(1), key, value, p)).toBe(false);
    expect(verifyEntryProof('zz', key, value, p)).toBe(false);
  });

  it('returns null for a key the state does not hold', () => {
    expect(entryProof(stateWithVaults(2), 'vault/none')).toBeNull();
  });

  it('property: every entry of a random-size tree proves, and only with its own value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.nat(), (n, pick) => {
        const s = stateWithVaults(n);
        const entries = stateEntries(s);
        const root = stateRoot(s);
        const i = pick % entries.length;
        const e = entries[i]!;
        const p = entryProof(s, e.key)!;
        const other = entries[(i + 1) % entries.length]!;
        return verifyEntryProof(root, e.key, e.value, p) && (entries.length === 1 || !verifyEntryProof(root, e.key, other.value, p));
      }),
      { numRuns: 60 },
    );
  });
});

describe('RootCache (incremental root)', () => {
  it('gives exactly stateRoot and entryProof after random inserts and updates', async () => {
    const { RootCache, stateRoot: sr, entryProof: ep } = await import('./state-root.js');
    const { genesisState } = await import('./genesis.js');
    const { testGenesis, testKey } = await import('./testkit.js');
    const s = genesisState(testGenesis());
    const cache = RootCache.fromState(s);
    let x = 7;
    const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648);
    for (let step = 0; step < 300; step++) {
      const id = `v${rnd() % 97}`.padEnd(3, '0');
      const rec = { vault_id: id, name: 'n', policy: { approvers: [testKey(2).keyId], threshold: 1 }, balances: { USD: String(rnd() % 1000) }, created_at: step };
      s.vaults[id] = rec;
      cache.set(`vault/${id}`, rec);
      if (step % 17 === 0) {
        expect(toHex(cache.root())).toBe(toHex(sr(s)));
        expect(cache.proof(`vault/${id}`)).toEqual(ep(s, `vault/${id}`));
      }
    }
    expect(toHex(cache.root())).toBe(toHex(sr(s)));
  });
});

describe('fastCanonicalJson', () => {
  it('equals canonicalBytes (RFC 8785) on JSON values', async () => {
    const { fastCanonicalJson } = await import('./state-root.js');
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(fastCanonicalJson(v)).toBe(new TextDecoder().decode(canonicalBytes(v)));
      }),
      { numRuns: 2000, seed: 3 },
    );
  });
  it('RootCache with an injected SHA-256 (node:crypto) gives the same root as stateRoot', async () => {
    const { createHash } = await import('node:crypto');
    const { RootCache } = await import('./state-root.js');
    const h = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());
    const s = genesisState(testGenesis());
    const c = RootCache.fromState(s, h);
    for (let i = 0; i < 50; i++) {
      const id = `v${i}`.padEnd(3, '0');
      s.vaults[id] = { vault_id: id, name: 'ü ' + i, policy: { approvers: [testKey(2).keyId], threshold: 1 }, balances: { USD: String(i) }, created_at: i };
      c.set(`vault/${id}`, s.vaults[id]);
    }
    expect(toHex(c.root())).toBe(toHex(stateRoot(s)));
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalBytes, concatBytes, sha256, toHex, utf8 } from '../codec/index.js';
import { genesisState } from './genesis.js';
import { testGenesis, testKey } from '../../tests/support/engine-kit.js';
import { compareUtf8, entryPath, entryProof, leafHash, nodeHash, stateEntries, stateRoot, verifyEntryProof } from './state-root.js';
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
    const s = genesisState(testGenesis());
    const empty = { ...s, admins: [], keys: {}, accounts: {}, vaults: {}, requests: {}, proposals: {}, validators: {}, controls: {} };
    // chain, params and admins are always there: the smallest real state has three entries.
    expect(stateEntries(empty).map((e) => e.key)).toEqual(['admins', 'chain', 'params']);
    expect(toHex(sha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('leaf = SHA-256(0x00 || u32be(len key) || key || SHA-256(value))', () => {
    const v = utf8('{"a":1}');
    const expected = h(new Uint8Array([0, 0, 0, 0, 6]), utf8('params'), sha256(v));
    expect(toHex(leafHash('params', v))).toBe(toHex(expected));
  });

  it('is the crit-bit tree over SHA-256(key) paths, written out by hand for a small state', () => {
    const s = stateWithVaults(2);
    const entries = stateEntries(s).map((e) => ({ key: e.key, path: entryPath(e.key), leaf: leafHash(e.key, e.value) }));
    expect(toHex(entryPath('params'))).toBe(toHex(sha256(utf8('params'))));
    const bit = (p: Uint8Array, i: number) => ((p[i >> 3] as number) >> (7 - (i & 7))) & 1;
    // The definition, independently of state-root.ts: split on the first bit where paths differ.
    const T = (es: typeof entries, d: number): Uint8Array => {
      if (es.length === 1) return es[0]!.leaf;
      for (let c = d; c < 256; c++) {
        const zero = es.filter((e) => bit(e.path, c) === 0);
        const one = es.filter((e) => bit(e.path, c) === 1);
        if (zero.length && one.length) return h(new Uint8Array([1]), T(zero, c + 1), T(one, c + 1));
      }
      throw new Error('equal paths');
    };
    expect(toHex(stateRoot(s))).toBe(toHex(T(entries, 0)));
    const a = sha256(new Uint8Array([1]));
    const b = sha256(new Uint8Array([2]));
    expect(toHex(nodeHash(a, b))).toBe(toHex(h(new Uint8Array([1]), a, b)));
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

  it('compareUtf8 orders as the UTF-8 bytes do, on any well-formed strings', () => {
    const bytesOrder = (a: string, b: string) => {
      const x = utf8(a);
      const y = utf8(b);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return x.length - y.length;
    };
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(compareUtf8(a, b))).toBe(Math.sign(bytesOrder(a, b)));
        expect(Math.sign(compareUtf8(a, a + b))).toBe(Math.sign(bytesOrder(a, a + b)));
      }),
      { numRuns: 3000, seed: 5 },
    );
  });
});

describe('entry proofs', () => {
  it('verify for every entry of trees of many sizes', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 8, 13, 30, 70]) {
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

  it('fails for a tampered value, key, path, bits or root', () => {
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
    expect(p.bits.length).toBeGreaterThan(1);
    const bits = [...p.bits];
    bits[0] = (bits[0] as number) + 1;
    // A bit with the other side for this key's path fails; so do bits out of order, out of range or not integers.
    const flip = [...p.bits];
    const pathBits = entryPath(key);
    const other = Array.from({ length: 256 }, (_, i) => i).find(
      (i) =>
        i < (flip[1] as number) &&
        i > (flip[0] as number) - 200 &&
        i !== flip[0] &&
        (((pathBits[i >> 3] as number) >> (7 - (i & 7))) & 1) !== (((pathBits[(flip[0] as number) >> 3] as number) >> (7 - ((flip[0] as number) & 7))) & 1),
    );
    if (other !== undefined) {
      flip[0] = other;
      expect(verifyEntryProof(root, key, value, { ...p, bits: flip })).toBe(false);
    }
    expect(verifyEntryProof(root, key, value, { ...p, bits: [...p.bits].reverse() })).toBe(false);
    expect(verifyEntryProof(root, key, value, { ...p, bits: p.bits.map((b, i) => (i === 0 ? 256 : b)) })).toBe(false);
    expect(verifyEntryProof(root, key, value, { ...p, bits: p.bits.map((b, i) => (i === 0 ? b + 0.5 : b)) })).toBe(false);
    expect(verifyEntryProof(root, key, value, { ...p, bits: p.bits.slice(1) })).toBe(false);
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
    const { testGenesis, testKey } = await import('../../tests/support/engine-kit.js');
    const s = genesisState(testGenesis());
    const cache = RootCache.fromState(s);
    let x = 7;
    const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648);
    for (let step = 0; step < 300; step++) {
      const id = `v${rnd() % 97}`.padEnd(3, '0');
      const rec = {
        vault_id: id,
        name: 'n',
        policy: { approvers: [testKey(2).keyId], threshold: 1 },
        balances: { USD: String(rnd() % 1000) },
        created_at: step,
      };
      s.vaults[id] = rec;
      cache.set(`vault/${id}`, rec);
      if (step % 17 === 0) {
        expect(toHex(cache.root())).toBe(toHex(sr(s)));
        expect(cache.proof(`vault/${id}`)).toEqual(ep(s, `vault/${id}`));
      }
    }
    expect(toHex(cache.root())).toBe(toHex(sr(s)));
  });

  it('stays exactly stateRoot past its first storage growth, with non-ASCII and very long keys, and every proof verifies', async () => {
    const { RootCache, stateRoot: sr, entryProof: ep } = await import('./state-root.js');
    const { genesisState } = await import('./genesis.js');
    const { testGenesis } = await import('../../tests/support/engine-kit.js');
    const s = genesisState(testGenesis());
    const cache = RootCache.fromState(s);
    const base = cache.size;
    let x = 11;
    const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648);
    const ids: string[] = [];
    // 3,000 inserts (the tree starts with room for 1,024 nodes) and updates of earlier entries.
    for (let step = 0; step < 4000; step++) {
      const fresh = step < 3000 || ids.length === 0;
      const id = fresh
        ? step % 500 === 7
          ? 'ü-'.repeat(200) + step
          : step % 301 === 5
            ? `wr-ß${step}`
            : `wr-${rnd().toString(16)}-${step}`
        : (ids[rnd() % ids.length] as string);
      if (fresh) ids.push(id);
      const rec = { request_id: id, amount: String(rnd() % 1000), approvals: [{ key_id: 'k', height: step }], status: 'pending' };
      (s.requests as Record<string, unknown>)[id] = rec;
      cache.set(`request/${id}`, rec);
      if (step % 499 === 0) expect(toHex(cache.root())).toBe(toHex(sr(s)));
    }
    const root = cache.root();
    expect(toHex(root)).toBe(toHex(sr(s)));
    expect(cache.size).toBe(ids.length + base);
    for (const id of ids.filter((_, i) => i % 97 === 0)) {
      const p = cache.proof(`request/${id}`);
      expect(p).toEqual(ep(s, `request/${id}`));
      expect(verifyEntryProof(root, `request/${id}`, (s.requests as Record<string, unknown>)[id], p!)).toBe(true);
    }
    expect(cache.proof('request/none')).toBeNull();
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

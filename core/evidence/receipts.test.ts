import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Hex, toHex, utf8 } from '../codec/index.js';
import { nobleVerifier } from '../crypto/ed25519.js';
import { schemeTestKey } from '../../tests/support/testkeys.js';
import type { TrustFile } from './checkpoint.js';
import {
  GENESIS_ROOT,
  findForks,
  forkResolutionDigest,
  makeReceipt,
  nextRoot,
  receiptDigestHex,
  selectChain,
  verifyChain,
  verifyForkResolution,
  verifyReceiptInclusion,
  type Receipt,
} from './receipts.js';
import { MemoryMmrStore, addLeafHash, inclusionProof, mmrIndex, peaks } from './mmr.js';
import { fromHex } from '../codec/index.js';

const hex = (s: string): string => sha256Hex(utf8(s));

function chainOf(n: number, tag = 'tx', from: { root: string; seq: number; height: number } = { root: GENESIS_ROOT, seq: 0, height: 1 }): Receipt[] {
  const out: Receipt[] = [];
  let root = from.root;
  for (let k = 0; k < n; k++) {
    const r = makeReceipt(root, {
      seq: from.seq + k,
      height: from.height + Math.floor(k / 3),
      tx_digest: hex(`${tag}-${k}`),
      result: k % 5 === 4 ? { code: 40, codespace: 'custody' } : { code: 0 },
      events_digest: hex(`ev-${tag}-${k}`),
    });
    out.push(r);
    root = r.next_root;
  }
  return out;
}

describe('receipt chain', () => {
  it('chains: next_root commits the previous root and the body; digests are stable', () => {
    const [r0] = chainOf(1);
    const expected: Receipt = {
      seq: 0,
      prev_root: GENESIS_ROOT,
      next_root: r0!.next_root,
      height: 1,
      tx_digest: hex('tx-0'),
      result: { code: 0 },
      events_digest: hex('ev-tx-0'),
    };
    expect(r0).toEqual(expected);
    const { next_root: _n, ...body } = expected;
    expect(nextRoot(GENESIS_ROOT, body)).toBe(r0!.next_root);
    expect(() => nextRoot(hex('other'), body)).toThrow(/does not follow/);
    expect(receiptDigestHex(r0!)).toMatch(/^[0-9a-f]{64}$/);
    expect(receiptDigestHex(r0!)).not.toBe(r0!.next_root);
  });

  it('property: any generated chain verifies, and any single-field change is caught at that receipt', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.nat(),
        fc.constantFrom('seq', 'prev_root', 'next_root', 'height', 'tx_digest', 'result', 'events_digest'),
        (n, at, field) => {
          const chain = chainOf(n, `p${n}`);
          expect(verifyChain(chain)).toEqual({ ok: true, last_root: chain[n - 1]!.next_root });
          const k = at % n;
          const bad = chain.map((r) => ({ ...r, result: { ...r.result } }));
          const r = bad[k]!;
          switch (field) {
            case 'seq':
              r.seq += 1;
              break;
            case 'prev_root':
              r.prev_root = hex('x');
              break;
            case 'next_root':
              r.next_root = hex('y');
              break;
            case 'height':
              r.height += 1;
              break;
            case 'tx_digest':
              r.tx_digest = hex('z');
              break;
            case 'result':
              r.result = { code: 7, codespace: 'custody' };
              break;
            case 'events_digest':
              r.events_digest = hex('w');
              break;
          }
          const v = verifyChain(bad);
          expect(v.ok).toBe(false);
          if (!v.ok) expect(v.index).toBe(k);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reports gaps, malformed receipts, a bad genesis and a wrong starting root', () => {
    const chain = chainOf(6);
    expect(verifyChain([chain[0]!, chain[2]!])).toMatchObject({ ok: false, reason: 'SEQ_GAP', index: 1 });
    expect(verifyChain([{ ...chain[0]!, tx_digest: 'ABC' }])).toMatchObject({ ok: false, reason: 'MALFORMED', index: 0 });
    expect(verifyChain([{ ...chain[0]!, extra: 1 }])).toMatchObject({ ok: false, reason: 'MALFORMED' });
    const seg = chain.slice(3);
    expect(verifyChain(seg).ok).toBe(true);
    expect(verifyChain(seg, { expectPrevRoot: chain[2]!.next_root }).ok).toBe(true);
    expect(verifyChain(seg, { expectPrevRoot: chain[1]!.next_root })).toMatchObject({ ok: false, reason: 'PREV_ROOT_MISMATCH' });
    const notGenesis = makeReceipt(hex('r'), { seq: 0, height: 1, tx_digest: hex('a'), result: { code: 0 }, events_digest: hex('b') });
    expect(verifyChain([notGenesis])).toMatchObject({ ok: false, reason: 'BAD_GENESIS' });
    expect(verifyChain([])).toEqual({ ok: true, last_root: GENESIS_ROOT });
  });
});

describe('forks', () => {
  const admin = [schemeTestKey('ed25519', 1), schemeTestKey('p256', 2), schemeTestKey('secp256k1', 3)];
  const trust: TrustFile = {
    version: 1,
    log_id: 'charter-test',
    quorum: 2,
    keys: admin.map((k) => ({ key_id: k.keyId, scheme: k.scheme, public_key: k.publicKeyHex, valid_from_height: 0 })),
  };

  it('property: a chain with forked branches is found, and selection is deterministic and independent of input order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 20 }), fc.nat(), fc.integer({ min: 1, max: 4 }), fc.integer(), (n, at, branches, seed) => {
        const main = chainOf(n, 'main');
        const k = 1 + (at % (n - 1));
        const base = main[k - 1]!;
        const alts = Array.from({ length: branches }, (_, b) => chainOf(3, `alt${b}`, { root: base.next_root, seq: k, height: base.height }));
        const all = [...main, ...alts.flat()];
        const forks = findForks(all);
        expect(forks).toHaveLength(1);
        expect(forks[0]!.seq).toBe(k);
        expect(forks[0]!.prev_root).toBe(base.next_root);
        expect(forks[0]!.digests).toHaveLength(branches + 1);
        // selection: lowest digest at the fork, whatever the input order
        const shuffled = [...all].sort((a, b) => (receiptDigestHex(a) + seed).localeCompare(receiptDigestHex(b) + seed));
        const s1 = selectChain(all);
        const s2 = selectChain(shuffled.reverse());
        expect(s1.chain.map(receiptDigestHex)).toEqual(s2.chain.map(receiptDigestHex));
        expect(s1.forks).toEqual([{ seq: k, prev_root: base.next_root, chosen: forks[0]!.digests[0], by: 'lowest-digest' }]);
        expect(receiptDigestHex(s1.chain[k]!)).toBe(forks[0]!.digests[0]);
        expect(verifyChain(s1.chain).ok).toBe(true);
        // duplicates of the same receipt are not forks
        expect(findForks([...main, ...main])).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('a fork-resolution record signed by a quorum picks the branch; below quorum or by unknown keys it does not verify', () => {
    const main = chainOf(5, 'main');
    const alt = chainOf(2, 'alt', { root: main[1]!.next_root, seq: 2, height: main[1]!.height });
    const all = [...main, ...alt];
    const [fork] = findForks(all);
    const highest = fork!.digests[fork!.digests.length - 1]!;
    const unsigned = { fork: { seq: fork!.seq, prev_root: fork!.prev_root }, chosen: highest };
    const digest = forkResolutionDigest(unsigned);
    const sigs = admin.slice(0, 2).map((k) => ({ key_id: k.keyId, scheme: k.scheme, signature: toHex(k.sign(digest)) }));
    const record = { ...unsigned, signatures: sigs };
    const v = verifyForkResolution(record, trust, main[2]!.height, nobleVerifier);
    expect(v).toMatchObject({ ok: true, valid: 2, quorum: 2 });
    const chosenHeight = 1;
    expect(verifyForkResolution({ ...record, signatures: sigs.slice(0, 1) }, trust, chosenHeight, nobleVerifier)).toMatchObject({
      ok: false,
      reasons: ['BELOW_QUORUM'],
    });
    expect(verifyForkResolution({ ...record, chosen: fork!.digests[0] }, trust, chosenHeight, nobleVerifier)).toMatchObject({
      ok: false,
      reasons: ['BAD_SIGNATURE'],
    }); // a signature of a trusted key over another choice is tampering
    const stranger = schemeTestKey('ed25519', 9);
    expect(
      verifyForkResolution(
        { ...record, signatures: [sigs[0]!, { key_id: stranger.keyId, scheme: 'ed25519', signature: toHex(stranger.sign(digest)) }] },
        trust,
        chosenHeight,
        nobleVerifier,
      ).signatures[1],
    ).toEqual({ key_id: stranger.keyId, ok: false, reason: 'UNKNOWN_KEY' });
    expect(verifyForkResolution({ fork: 1 }, trust, 1, nobleVerifier)).toMatchObject({ ok: false, reasons: ['MALFORMED'] });

    const resolved = new Map([[`${fork!.seq}:${fork!.prev_root}`, highest]]);
    const sel = selectChain(all, resolved);
    expect(sel.forks).toEqual([{ seq: fork!.seq, prev_root: fork!.prev_root, chosen: highest, by: 'resolution' }]);
    expect(receiptDigestHex(sel.chain[2]!)).toBe(highest);
  });
});

describe('verifyReceiptInclusion', () => {
  it('accepts each receipt of a chain against a checkpoint of the MMR, and names what is wrong otherwise', () => {
    const chain = chainOf(11);
    const store = new MemoryMmrStore();
    for (const r of chain) addLeafHash(store, fromHex(receiptDigestHex(r)));
    const size = store.size();
    const checkpoint = { log_id: 'l', mmr_size: size, peaks: peaks(store, size).map(toHex), height: 9, time: '2026-01-01T00:00:00Z' };
    for (const r of chain) {
      const proof = { mmr_index: mmrIndex(r.seq), size, path: inclusionProof(store, mmrIndex(r.seq), size).map(toHex) };
      expect(verifyReceiptInclusion(r, proof, checkpoint)).toEqual({ ok: true });
      expect(verifyReceiptInclusion({ ...r, height: r.height + 1 }, proof, checkpoint)).toEqual({ ok: false, reason: 'MALFORMED' });
      expect(verifyReceiptInclusion(r, { ...proof, size: 4 }, checkpoint)).toEqual({ ok: false, reason: 'SIZE_MISMATCH' });
      expect(verifyReceiptInclusion(r, { ...proof, mmr_index: proof.mmr_index + 1 }, checkpoint)).toEqual({ ok: false, reason: 'INDEX_MISMATCH' });
      const other = chain[(r.seq + 1) % chain.length]!;
      expect(verifyReceiptInclusion(other, { ...proof, mmr_index: mmrIndex(other.seq) }, checkpoint).ok).toBe(false);
      expect(verifyReceiptInclusion(r, proof, { ...checkpoint, peaks: [...checkpoint.peaks.slice(1), checkpoint.peaks[0]!] })).toEqual({
        ok: false,
        reason: 'PROOF_INVALID',
      });
    }
    const early = { ...checkpoint, mmr_size: 4, peaks: peaks(store, 4).map(toHex) };
    const last = chain[10]!;
    expect(verifyReceiptInclusion(last, { mmr_index: mmrIndex(10), path: [] }, early)).toEqual({ ok: false, reason: 'NOT_IN_CHECKPOINT' });
  });
});

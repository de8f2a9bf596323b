import { describe, expect, it } from 'vitest';
import { sha256, toHex, utf8 } from '../../core/codec/index.js';
import type { Checkpoint } from '../../core/evidence/checkpoint.js';
import { MemoryMmrStore, addLeafHash, consistencyProof, peaks } from '../../core/evidence/mmr.js';
import { judgeOffer, judgeProof } from './judge.js';

function mmr(leaves: string[]): MemoryMmrStore {
  const s = new MemoryMmrStore();
  for (const l of leaves) addLeafHash(s, sha256(utf8(l)));
  return s;
}
function cp(store: MemoryMmrStore, height: number, size = store.size()): Checkpoint {
  return { log_id: 'log', mmr_size: size, peaks: peaks(store, size).map(toHex), height, time: '2026-01-01T00:00:00Z' };
}
const proofOf = (s: MemoryMmrStore, a: number, b: number) => ({ from_size: a, to_size: b, paths: consistencyProof(s, a, b).map((p) => p.map(toHex)) });

describe('witness: does the offered checkpoint extend the cosigned one', () => {
  const honest = mmr(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  const a = cp(honest, 10, 4); // 3 leaves
  const b = cp(honest, 20); // 7 leaves

  it('the same checkpoint, an older view, and an empty-block extension', () => {
    expect(judgeOffer(a, { ...a })).toEqual({ verdict: 'same' });
    expect(judgeOffer(a, { ...a, height: 9 })).toEqual({ verdict: 'older' });
    expect(judgeOffer(a, { ...a, height: 11, time: '2026-01-01T00:00:01Z' })).toEqual({ verdict: 'extends', needsProof: false });
  });

  it('a larger MMR needs a proof, and an honest proof verifies', () => {
    expect(judgeOffer(a, b)).toEqual({ verdict: 'extends', needsProof: true });
    expect(judgeProof(a, b, proofOf(honest, a.mmr_size, b.mmr_size))).toBeNull();
  });

  it('forks: shrinking, same size with other peaks, growth at an earlier block, another log', () => {
    expect(judgeOffer(b, a)).toMatchObject({ verdict: 'fork', reason: expect.stringContaining('shrank') });
    const other = cp(mmr(['a', 'b', 'X']), 11);
    expect(other.mmr_size).toBe(a.mmr_size);
    expect(judgeOffer(a, other)).toMatchObject({ verdict: 'fork', reason: expect.stringContaining('peaks differ') });
    expect(judgeOffer(a, { ...b, height: 10 })).toMatchObject({ verdict: 'fork' });
    expect(judgeOffer(a, { ...b, log_id: 'other' })).toMatchObject({ verdict: 'fork' });
  });

  it('a proof from another history, for other sizes, or malformed, does not show consistency', () => {
    const lying = mmr(['a', 'Y', 'c', 'd', 'e', 'f', 'g']);
    const c = cp(lying, 20);
    expect(judgeOffer(a, c)).toEqual({ verdict: 'extends', needsProof: true });
    expect(judgeProof(a, c, proofOf(lying, a.mmr_size, c.mmr_size))).toContain('does not carry the peaks');
    expect(judgeProof(a, b, proofOf(honest, 1, b.mmr_size))).toContain('runs 1→');
    expect(judgeProof(a, b, null)).toContain('no consistency proof');
    expect(judgeProof(a, b, { from_size: a.mmr_size, to_size: b.mmr_size, paths: [['zz']] })).toContain('32-byte hex');
    expect(judgeProof(a, b, { from_size: a.mmr_size, to_size: b.mmr_size, paths: [] })).toContain('does not carry');
  });
});

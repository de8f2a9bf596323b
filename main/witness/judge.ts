/**
 * Whether a newly offered signed checkpoint extends the one a witness last
 * cosigned (docs/formats/evidence-log.md §5.5). Pure: the consistency proof is
 * fetched by the caller and handed in.
 *
 * The MMR of a log only grows, and its size never decreases with height, so
 * for the cosigned checkpoint A and the offered B (same log):
 *   - same JCS bytes                          → the same checkpoint: nothing new
 *   - B smaller than A                         → fork (the log lost entries)
 *   - same size, other peaks                   → fork
 *   - same size and peaks, B at a later height → consistent (blocks without receipts)
 *   - same size and peaks, B not later         → nothing new (an older or equal view)
 *   - B larger but not at a later height       → fork (more entries at an earlier block)
 *   - B larger                                 → consistent iff the proof verifies
 *                                                (verifyConsistency, with A's and B's own peaks)
 */
import { fromHex, toHex } from '../../core/codec/index.js';
import { checkpointAccumulator, type Checkpoint } from '../../core/evidence/checkpoint.js';
import { jcsBytes } from '../../core/evidence/jcs.js';
import { verifyConsistency } from '../../core/evidence/mmr.js';

export interface ConsistencyProofOffer {
  from_size: number;
  to_size: number;
  from_peaks?: string[];
  to_peaks?: string[];
  paths: string[][];
}

export type Judgement = { verdict: 'same' } | { verdict: 'older' } | { verdict: 'extends'; needsProof: boolean } | { verdict: 'fork'; reason: string };

/** What can be decided without a proof; `extends` with needsProof true means: fetch the proof A→B and call judgeProof. */
export function judgeOffer(a: Checkpoint, b: Checkpoint): Judgement {
  if (a.log_id !== b.log_id) return { verdict: 'fork', reason: `the offered checkpoint is of log ${b.log_id}, the cosigned one of ${a.log_id}` };
  if (toHex(jcsBytes(a)) === toHex(jcsBytes(b))) return { verdict: 'same' };
  if (b.mmr_size < a.mmr_size)
    return { verdict: 'fork', reason: `the log shrank: MMR size ${b.mmr_size} at height ${b.height} after ${a.mmr_size} at height ${a.height}` };
  if (b.mmr_size === a.mmr_size) {
    if (b.peaks.join() !== a.peaks.join())
      return { verdict: 'fork', reason: `two different MMRs of size ${a.mmr_size} (heights ${a.height} and ${b.height}): the peaks differ` };
    if (b.height > a.height) return { verdict: 'extends', needsProof: false };
    return { verdict: 'older' };
  }
  if (b.height <= a.height)
    return {
      verdict: 'fork',
      reason: `MMR size ${b.mmr_size} at height ${b.height}, but already ${a.mmr_size} at height ${a.height}: the log cannot have grown at an earlier block`,
    };
  return { verdict: 'extends', needsProof: true };
}

/** Whether `proof` shows MMR(b) extends MMR(a), checked against the checkpoints' own peaks; a fork reason, or null when it does. */
export function judgeProof(a: Checkpoint, b: Checkpoint, proof: unknown): string | null {
  const p = proof as Partial<ConsistencyProofOffer> | null;
  if (typeof p !== 'object' || p === null || !Array.isArray(p.paths)) return 'the node offered no consistency proof {from_size, to_size, paths}';
  if (p.from_size !== a.mmr_size || p.to_size !== b.mmr_size)
    return `the proof offered runs ${String(p.from_size)}→${String(p.to_size)}, not ${a.mmr_size}→${b.mmr_size}`;
  let paths: Uint8Array[][];
  try {
    paths = p.paths.map((path) => {
      if (!Array.isArray(path)) throw new Error('not a list');
      return path.map((h) => {
        if (typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h)) throw new Error('not a 32-byte hex hash');
        return fromHex(h);
      });
    });
  } catch (e) {
    return `the proof offered is not a list of paths of 32-byte hex hashes (${(e as Error).message})`;
  }
  if (!verifyConsistency(a.mmr_size, b.mmr_size, checkpointAccumulator(a), checkpointAccumulator(b), paths)) {
    return `the consistency proof ${a.mmr_size}→${b.mmr_size} does not carry the peaks of the cosigned checkpoint (height ${a.height}) to the peaks of the offered one (height ${b.height})`;
  }
  return null;
}

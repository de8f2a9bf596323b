/**
 * The engine's state format, pinned: a deterministic workload (the replay
 * benchmark's generator, 3,000 signed transactions in 1,000-transaction
 * blocks) gives these roots, this snapshot and this proof, whichever way it is
 * executed — the engine alone with its pure-JS SHA-256, the engine with
 * node:crypto's, the pipelined replay with its verification workers (which
 * hand the engine their transaction hashes and digests), and an engine
 * restored from the snapshot. A change to any pinned value is a change of the
 * state format and must come with a new format version.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../main/replay/bench.js';
import { openBlocksFile, type BlockRecord } from '../../main/blocks-history/format.js';
import { replayBlocks } from '../../main/replay/replay.js';
import { CustodyEngine } from '../../core/engine/engine.js';
import { verifyEntryProof, type EntryProof } from '../../core/engine/state-root.js';
import { nodeSha256, nodeSha256Hex } from '../../main/crypto/node-hash.js';
import type { GenesisDoc } from '../../core/engine/types.js';

const ROOTS = [
  null,
  '12269D03A5CDC4CE9CC857E450E4D2DDC1DC8633BBC1C51B69D91804F8DE0E00',
  'CD3AAB23B883E5D8B051CCEC082DF4B855D3B5BBBABB6FBA2CBA9838BBE6C197',
  null,
  '07F422DD7ED40E1E6A110665DF52560701786ADAA55D275CC5B17024D3A16059',
];
const SNAPSHOT_SHA256 = '3c0bd6a24438fe426c693aeb86335a4a98fb38f930ceac7c7997471ece97ca0d';
const PROOF_BITS = [16, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
const PROOF_FIRST = 'ef3cc5fa18960472c9bbb4a582279a61a1ec3623c0eb9ae299cd3ab3c63615b7';
const PROOF_LAST = 'fe8ba47b1b43205851d33312cdaf47cbf61b49ea22244e562e2e1539a3a0d34d';

let tmp: string;
let genesis: GenesisDoc;
let blocks: BlockRecord[];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-equivalence-'));
  const file = path.join(tmp, 'workload.jsonl');
  await generate(file, 3000, () => {});
  const f = await openBlocksFile(file);
  blocks = [];
  for await (const b of f.blocks) blocks.push(b);
  f.close();
  genesis = f.header.genesis;
}, 120_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(engine: CustodyEngine): string[] {
  return blocks.map((b) => {
    engine.finalizeBlock({ height: b.height, time: b.time, txs: b.txs });
    engine.commit();
    return Buffer.from(engine.appHash()).toString('hex').toUpperCase();
  });
}

describe('the state format, pinned', () => {
  it('roots, snapshot and proof of the workload are the pinned ones, with either SHA-256', () => {
    const skip = { verify: () => true };
    const a = new CustodyEngine(genesis, { verifier: skip });
    const b = new CustodyEngine(genesis, { verifier: skip, sha256: nodeSha256 });
    const ra = run(a);
    expect(ra).toEqual(run(b));
    expect(ra).toHaveLength(ROOTS.length);
    ROOTS.forEach((r, i) => {
      if (r !== null) expect(ra[i]).toBe(r);
    });
    const snap = a.snapshot();
    expect(nodeSha256Hex(snap)).toBe(SNAPSHOT_SHA256);
    expect(Buffer.from(b.snapshot()).equals(Buffer.from(snap))).toBe(true);
    const ans = JSON.parse(new TextDecoder().decode(a.query({ path: '/proof/vault/vault-3' }).value)) as { value: unknown; proof: EntryProof };
    expect(ans.proof.bits).toEqual(PROOF_BITS);
    expect([ans.proof.audit_path[0], ans.proof.audit_path.at(-1)]).toEqual([PROOF_FIRST, PROOF_LAST]);
    expect(verifyEntryProof(ra.at(-1)!.toLowerCase(), 'vault/vault-3', ans.value, ans.proof)).toBe(true);
    // An engine restored from the snapshot has the same root and answers the same proof.
    const c = CustodyEngine.restore(snap, genesis, { sha256: nodeSha256 });
    expect(Buffer.from(c.appHash()).toString('hex').toUpperCase()).toBe(ROOTS.at(-1));
    expect(JSON.parse(new TextDecoder().decode(c.query({ path: '/proof/vault/vault-3' }).value))).toMatchObject({ proof: ans.proof });
  });

  it('the pipelined replay (worker hashes and verdicts) gives the same roots, every signature answered by a worker', async () => {
    const { result, stats } = await replayBlocks(genesis, blocks, { workers: 2 });
    expect(result.roots.map((r) => r.root)).toEqual(run(new CustodyEngine(genesis, { verifier: { verify: () => true }, sha256: nodeSha256 })));
    expect(result.roots.at(-1)?.root).toBe(ROOTS.at(-1));
    expect(stats.preverified).toBe(result.txs);
    expect(stats.inline).toBe(0);
  });
});

/**
 * The devnet's evidence log end to end, over the real HTTP routes through
 * CustodyClient: a receipt per committed transaction (rejected ones too), the
 * receipt chain, the MMR against an independent rebuild, signed checkpoints
 * every N blocks verified against the served trust file, inclusion and
 * consistency proofs, historical state proofs from the stored state tree, restart, and
 * catching up a home written before the evidence tables existed.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../core/codec/index.js';
import { nobleVerifier } from '../../core/crypto/ed25519.js';
import { verifyEntryProof } from '../../core/engine/state-root.js';
import { parseTrustFile, verifyCheckpoint, checkpointAccumulator } from '../../core/evidence/checkpoint.js';
import { MemoryMmrStore, addLeafHash, peaks, verifyConsistency, verifyInclusion } from '../../core/evidence/mmr.js';
import { receiptDigestHex, verifyChain, type Receipt } from '../../core/evidence/receipts.js';
import { CustodyClient } from '../../main/chain/custody-client.js';
import type { SignatureVerifier } from '../../core/crypto/ed25519.js';
import { nativeVerifier } from '../../main/crypto/native-verifier.js';
import type { DevnetNode } from '../../main/devnet/node.js';
import { ADMIN_SECRET, Homes, VALIDATOR_SECRET, signTx, signer, steppingClock } from './devnet-fixtures.js';
import { loadDevnetAdmin } from '../../main/devnet/keys.js';

const homes = new Homes();
afterEach(() => homes.cleanup());

const CHAIN = 'charter-evidence-1';

interface Setup {
  node: DevnetNode;
  client: CustodyClient;
  registered: { height: number; keyId: string }[];
  rejectedHash: string;
}

/** Blocks 2..9: one or two key registrations per block; in block 4 one transaction is rejected in the block (signature refused at delivery). */
async function setup(home: string, checkpointEvery = 3, reject = true): Promise<Setup> {
  const refuse = new Set<string>();
  let inBlock = false;
  const verifier: SignatureVerifier = {
    verify: (s, pk, m, sig) => (inBlock && refuse.has(Buffer.from(sig).toString('hex')) ? false : nativeVerifier.verify(s, pk, m, sig)),
  };
  const node = await homes.start({
    home,
    chainId: CHAIN,
    blockTimeMs: 0,
    clock: steppingClock(),
    checkpointEvery,
    initKeys: { adminSecret: ADMIN_SECRET, validatorSecret: VALIDATOR_SECRET },
    engineOptions: { verifier },
  });
  const admin = loadDevnetAdmin(home);
  let nonce = 1;
  const registered: { height: number; keyId: string }[] = [];
  let rejectedHash = '';
  let made = 0;
  for (let b = 0; b < 8; b++) {
    const n = b === 2 && reject ? 2 : 1;
    for (let k = 0; k < n; k++) {
      made += 1;
      const s = signer(made);
      const tx = signTx(admin, CHAIN, 'key.register', { public_key: s.publicKeyHex, scheme: 'ed25519', label: `k${made}` }, nonce);
      const { hash, result } = node.admit(tx);
      expect(result.code).toBe(0);
      if (b === 2 && k === 1) {
        // refused at delivery: committed with a non-zero code, nonce not consumed
        const env = JSON.parse(Buffer.from(tx).toString('utf8')) as { signature: string };
        refuse.add(env.signature);
        rejectedHash = hash;
      } else {
        nonce++;
        registered.push({ height: node.height() + 1, keyId: s.keyId });
      }
    }
    inBlock = true;
    node.produceBlock();
    inBlock = false;
  }
  const client = await CustodyClient.connect(node.rpcUrl);
  return { node, client, registered, rejectedHash };
}

describe('devnet evidence log', () => {
  it('a chained receipt per committed transaction, the MMR, checkpoints, proofs and historical state proofs', async () => {
    const { node, client, registered, rejectedHash } = await setup(homes.home());
    try {
      expect(node.height()).toBe(9);
      const page = await client.receipts({ limit: 1000 });
      expect(page.count).toBe(9); // 8 accepted + 1 rejected
      const receipts = page.receipts.map((r) => r.receipt);
      expect(verifyChain(receipts)).toMatchObject({ ok: true });
      expect(page.receipts.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      for (const r of page.receipts) {
        expect(r.digest).toBe(receiptDigestHex(r.receipt));
        expect(r.receipt.tx_digest).toBe(r.tx_hash.toLowerCase());
        const tx = await client.explorerTx(r.tx_hash);
        expect(tx.height).toBe(r.height);
      }
      const rejected = await client.receipt({ tx: rejectedHash });
      expect(rejected.receipt.result).toEqual({ code: 6, codespace: 'custody' });
      expect(page.receipts.filter((r) => r.receipt.result.code === 0)).toHaveLength(8);
      expect((await client.receipt({ seq: 3 })).tx_hash).toBe(page.receipts[3]?.tx_hash);
      expect((await client.receipts({ fromHeight: 4, toHeight: 4 })).receipts.map((r) => r.seq)).toEqual([2, 3]);
      expect((await client.receipts({ from: 7 })).receipts.map((r) => r.seq)).toEqual([7, 8]);

      // An independent rebuild of the MMR from the receipt digests.
      const mmr = new MemoryMmrStore();
      const sizeAfterHeight = new Map<number, number>();
      for (const r of page.receipts) {
        addLeafHash(mmr, fromHex(r.digest));
        sizeAfterHeight.set(r.height, mmr.size());
      }
      expect(page.mmr_size).toBe(mmr.size());

      // Checkpoints at heights 3, 6, 9, signed by the validator key of the served trust file.
      const trust = parseTrustFile(await client.trustFile());
      expect(trust).toMatchObject({ version: 1, log_id: CHAIN, quorum: 1 });
      const list = await client.checkpoints();
      expect(list.every).toBe(3);
      expect(list.checkpoints.map((c) => c.checkpoint.height)).toEqual([9, 6, 3]);
      for (const sc of list.checkpoints) {
        const c = sc.checkpoint;
        expect(verifyCheckpoint(sc, trust, nobleVerifier)).toMatchObject({ ok: true, valid: 1 });
        const block = await client.explorerBlock(c.height);
        expect(c.time).toBe(block.time);
        const size =
          [...sizeAfterHeight]
            .filter(([h]) => h <= c.height)
            .map(([, s]) => s)
            .pop() ?? 0;
        expect(c.mmr_size).toBe(size);
        expect(c.peaks).toEqual(peaks(mmr, size).map(toHex));
        // a tampered checkpoint fails
        expect(verifyCheckpoint({ ...sc, checkpoint: { ...c, height: c.height + 1 } }, trust, nobleVerifier)).toMatchObject({
          ok: false,
          reasons: ['BAD_SIGNATURE'],
        });
      }
      expect((await client.checkpoint()).checkpoint.height).toBe(9);
      expect((await client.checkpoint(6)).checkpoint.height).toBe(6);
      await expect(client.checkpoint(5)).rejects.toMatchObject({ code: 'NOT_FOUND' });

      // Inclusion of every receipt in the latest checkpoint, and in the checkpoint at height 6 where it fits.
      const latest = (await client.checkpoint()).checkpoint;
      const cp6 = (await client.checkpoint(6)).checkpoint;
      for (const r of page.receipts) {
        const p = await client.inclusionProof({ tx: r.tx_hash }, latest.mmr_size);
        expect(p.peaks).toEqual(latest.peaks);
        expect(verifyInclusion(latest.mmr_size, fromHex(r.digest), r.mmr_index, p.path.map(fromHex), checkpointAccumulator(latest))).toBe(true);
        if (r.mmr_index < cp6.mmr_size) {
          const q = await client.inclusionProof({ seq: r.seq }, cp6.mmr_size);
          expect(verifyInclusion(cp6.mmr_size, fromHex(r.digest), r.mmr_index, q.path.map(fromHex), checkpointAccumulator(cp6))).toBe(true);
          expect(
            verifyInclusion(
              cp6.mmr_size,
              fromHex(receipts[0] === r.receipt ? page.receipts[1]!.digest : page.receipts[0]!.digest),
              r.mmr_index,
              q.path.map(fromHex),
              checkpointAccumulator(cp6),
            ),
          ).toBe(false);
        } else {
          await expect(client.inclusionProof({ seq: r.seq }, cp6.mmr_size)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
        }
      }
      await expect(client.inclusionProof({ seq: 0 }, 2)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(client.inclusionProof({ seq: 0 }, 1023)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(client.receipt({ seq: 99 })).rejects.toMatchObject({ code: 'NOT_FOUND' });

      // Consistency between the checkpoints.
      const cp3 = (await client.checkpoint(3)).checkpoint;
      const cons = await client.consistencyProof(cp3.mmr_size, latest.mmr_size);
      expect(cons.from_peaks).toEqual(cp3.peaks);
      expect(
        verifyConsistency(
          cp3.mmr_size,
          latest.mmr_size,
          checkpointAccumulator(cp3),
          checkpointAccumulator(latest),
          cons.paths.map((p) => p.map(fromHex)),
        ),
      ).toBe(true);
      await expect(client.consistencyProof(latest.mmr_size, cp3.mmr_size)).rejects.toMatchObject({ code: 'INVALID_INPUT' });

      // From height 4 on the node's history holds a rejection an honest engine does not reproduce (the
      // test's verifier refused a valid signature). Historical proofs are read from the state tree the
      // node stored with each block, not re-executed: they prove what the node recorded.
      const k1 = registered[0]!;
      const at = await client.stateProofAt(k1.height, `key/${k1.keyId}`);
      expect(at.app_hash).toBe((await client.explorerBlock(k1.height)).resultAppHash);
      expect(verifyEntryProof(at.app_hash.toLowerCase(), at.key, at.value, at.proof)).toBe(true);
      const at9 = await client.stateProofAt(9, `key/${k1.keyId}`);
      expect(at9.app_hash).toBe((await client.explorerBlock(9)).resultAppHash);
      expect(verifyEntryProof(at9.app_hash.toLowerCase(), at9.key, at9.value, at9.proof)).toBe(true);
    } finally {
      client.disconnect();
    }
  });

  it('historical state proofs: the entry after block H, proven against the root recorded for H', async () => {
    const { node, client, registered } = await setup(homes.home(), 3, false);
    try {
      expect(node.height()).toBe(9);
      const k1 = registered[0]!;
      const at = await client.stateProofAt(k1.height, `key/${k1.keyId}`);
      const block = await client.explorerBlock(k1.height);
      expect(at).toMatchObject({ height: k1.height, app_hash: block.resultAppHash, block_hash: block.hash, key: `key/${k1.keyId}` });
      expect(verifyEntryProof(at.app_hash.toLowerCase(), at.key, at.value, at.proof)).toBe(true);
      expect(verifyEntryProof((await client.explorerBlock(k1.height - 1)).resultAppHash.toLowerCase(), at.key, at.value, at.proof)).toBe(false);
      const later = await client.stateProofAt(9, `key/${k1.keyId}`);
      expect(later.app_hash).toBe((await client.explorerBlock(9)).resultAppHash);
      expect(verifyEntryProof(later.app_hash.toLowerCase(), later.key, later.value, later.proof)).toBe(true);
      await expect(client.stateProofAt(k1.height - 1, `key/${k1.keyId}`)).rejects.toMatchObject({ code: 'NOT_IN_STATE' });
      const last = registered[registered.length - 1]!;
      await expect(client.stateProofAt(last.height - 1, `key/${last.keyId}`)).rejects.toMatchObject({ code: 'NOT_IN_STATE' });
      expect((await client.stateProofAt(last.height, `key/${last.keyId}`)).height).toBe(last.height);
      expect((await client.stateProofAt(1, '/params')).key).toBe('params');
      await expect(client.stateProofAt(50, 'params')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(client.stateProofAt(0, 'params')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    } finally {
      client.disconnect();
    }
  });

  it('restart resumes the receipts, the MMR and the checkpoints where they were', async () => {
    const home = homes.home();
    const s = await setup(home);
    const before = await s.client.receipts({ limit: 1000 });
    const cpBefore = await s.client.checkpoints();
    s.client.disconnect();
    await s.node.stop();

    const node = await homes.start({ home, chainId: CHAIN, blockTimeMs: 0, clock: steppingClock(Date.UTC(2026, 0, 2)), checkpointEvery: 3 });
    const client = await CustodyClient.connect(node.rpcUrl);
    try {
      expect(await client.receipts({ limit: 1000 })).toEqual(before);
      expect(await client.checkpoints()).toEqual(cpBefore);
      // new transactions continue the chain, the MMR and the checkpoint schedule
      const admin = loadDevnetAdmin(home);
      for (let k = 0; k < 3; k++) {
        expect(
          node.admit(signTx(admin, CHAIN, 'key.register', { public_key: signer(40 + k).publicKeyHex, scheme: 'ed25519', label: `r${k}` }, 9 + k)).result.code,
        ).toBe(0);
        node.produceBlock();
      }
      const after = await client.receipts({ limit: 1000 });
      expect(after.count).toBe(before.count + 3);
      expect(verifyChain(after.receipts.map((r) => r.receipt as Receipt))).toMatchObject({ ok: true });
      const cp12 = await client.checkpoint(12);
      const trust = parseTrustFile(await client.trustFile());
      expect(verifyCheckpoint(cp12, trust, nobleVerifier).ok).toBe(true);
      const cp9 = cpBefore.checkpoints[0]!.checkpoint;
      const cons = await client.consistencyProof(cp9.mmr_size, cp12.checkpoint.mmr_size);
      expect(
        verifyConsistency(
          cp9.mmr_size,
          cp12.checkpoint.mmr_size,
          checkpointAccumulator(cp9),
          checkpointAccumulator(cp12.checkpoint),
          cons.paths.map((p) => p.map(fromHex)),
        ),
      ).toBe(true);
    } finally {
      client.disconnect();
    }
  });

  it('a home from before the evidence tables is caught up at start, to the same receipts and checkpoints', async () => {
    const home = homes.home();
    const s = await setup(home);
    const before = await s.client.receipts({ limit: 1000 });
    const cpBefore = await s.client.checkpoints();
    s.client.disconnect();
    await s.node.stop();
    const db = new Database(path.join(home, 'node.db'));
    db.exec(
      "DROP TABLE receipts; DROP TABLE mmr_nodes; DROP TABLE checkpoints; DELETE FROM meta WHERE key = 'evidence_height'; DELETE FROM schema_version WHERE version >= 3;",
    );
    db.close();
    const node = await homes.start({ home, chainId: CHAIN, blockTimeMs: 0, clock: steppingClock(Date.UTC(2026, 0, 2)), checkpointEvery: 3 });
    const client = await CustodyClient.connect(node.rpcUrl);
    try {
      expect(await client.receipts({ limit: 1000 })).toEqual(before);
      expect(await client.checkpoints()).toEqual(cpBefore);
    } finally {
      client.disconnect();
    }
  });

  it('refuses a home whose MMR was tampered with', async () => {
    const home = homes.home();
    const s = await setup(home);
    s.client.disconnect();
    await s.node.stop();
    const db = new Database(path.join(home, 'node.db'));
    db.prepare('UPDATE mmr_nodes SET value = ? WHERE idx = (SELECT MAX(idx) FROM mmr_nodes)').run(Buffer.alloc(32, 7));
    db.close();
    await expect(homes.start({ home, chainId: CHAIN, blockTimeMs: 0, checkpointEvery: 3 })).rejects.toMatchObject({ code: 'WORKSPACE_INVALID' });
  });
});

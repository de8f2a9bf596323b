// docs/formats/evidence-log.md §3.6 and §9 state figures a second implementation checks
// itself against; this test recomputes each one and requires the page to state it.
import { readFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { fromHex, fromUtf8, keyIdOf, sha256, sha256Hex, toHex, utf8 } from '../codec/index.js';
import { checkpointSigningDigest } from './checkpoint.js';
import { jcsBytes } from './jcs.js';
import { MemoryMmrStore, addLeafHash, inclusionProofPath, mmrIndex, peakIndices, peaks } from './mmr.js';
import { GENESIS_ROOT, eventsDigest, forkResolutionDigest, makeReceipt, receiptDigestHex } from './receipts.js';

const doc = readFileSync(new URL('../../docs/formats/evidence-log.md', import.meta.url), 'utf8');
const stated = (s: string | number): void => {
  expect(doc, `the page should state ${s}`).toContain(String(s));
};

describe('docs/formats/evidence-log.md', () => {
  it('states the MMR(39) figures the code computes', () => {
    const s = new MemoryMmrStore();
    const be = (n: number): Uint8Array => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt(n));
      return b;
    };
    for (let e = 0; e < 21; e++) addLeafHash(s, sha256(be(mmrIndex(e))));
    for (const i of [0, 2, 30, 37, 38]) stated(toHex(s.get(i)));
    stated(`\`peaks(39) = [${peakIndices(39).join(', ')}]\``);
    stated(`\`[${inclusionProofPath(3, 39).join(', ')}]\``);
    stated(`\`[${inclusionProofPath(7, 11).join(', ')}]\``);
    stated(`\`[${inclusionProofPath(15, 26).join(', ')}]\``);
    stated(toHex(sha256(be(3))).slice(0, 8));
  });

  it('states the worked example the code computes', () => {
    const events = [{ type: 'custody.key_registered', attributes: [{ key: 'key_id', value: 'ab' }] }];
    const r0 = makeReceipt(GENESIS_ROOT, { seq: 0, height: 2, tx_digest: sha256Hex(utf8('tx-0')), result: { code: 0 }, events_digest: eventsDigest(events) });
    const r1 = makeReceipt(r0.next_root, {
      seq: 1,
      height: 3,
      tx_digest: sha256Hex(utf8('tx-1')),
      result: { code: 6, codespace: 'custody' },
      events_digest: eventsDigest([]),
    });
    for (const v of [r0.events_digest, r0.next_root, fromUtf8(jcsBytes(r0)), receiptDigestHex(r0), r1.events_digest, r1.next_root, receiptDigestHex(r1)])
      stated(v);
    const s = new MemoryMmrStore();
    addLeafHash(s, fromHex(receiptDigestHex(r0)));
    addLeafHash(s, fromHex(receiptDigestHex(r1)));
    const c = { log_id: 'charter-devnet-1', mmr_size: s.size(), peaks: peaks(s, s.size()).map(toHex), height: 10, time: '2026-01-01T00:00:10Z' };
    stated(c.peaks[0] as string);
    stated(fromUtf8(jcsBytes(c)));
    const d = checkpointSigningDigest(c);
    stated(toHex(d));
    const sk = new Uint8Array(32).fill(1);
    const pk = ed25519.getPublicKey(sk);
    stated(toHex(pk));
    stated(keyIdOf('ed25519', pk));
    stated(toHex(ed25519.sign(d, sk)));
    stated(toHex(forkResolutionDigest({ fork: { seq: 1, prev_root: r1.prev_root }, chosen: receiptDigestHex(r1) })));
  });
});

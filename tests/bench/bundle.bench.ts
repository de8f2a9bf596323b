// Time to verify an evidence bundle of 10,000 members: read the zip in memory
// (yauzl, bytes counted while reading), check every name, type, size and
// SHA-256 against the manifest, and the attestation signature.
import { bench, describe } from 'vitest';
import { canonicalJson, utf8 } from '../../core/codec/index.js';
import { assembleBundle } from '../../core/evidence/bundle/index.js';
import { verifyBundleBytes } from '../../main/evidence/bundles.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import { CONSOLE_KEY } from '../unit/bundle-kit.js';

const MEMBERS = 10_000;

const zipPromise = (async () => {
  const members = Array.from({ length: MEMBERS }, (_, i) => ({
    path: `blocks/${String(i + 1).padStart(12, '0')}.json`,
    artifact_type: 'charter.block/v1',
    bytes: utf8(
      canonicalJson({
        height: i + 1,
        hash: i.toString(16).padStart(64, '0'),
        chain_id: 'bench',
        last_block_hash: (i - 1).toString(16).padStart(64, '0'),
        txs: [],
      }),
    ),
  }));
  const b = await assembleBundle({
    kind: 'bench',
    subject: { type: 'bench', id: 'bench', chain_id: 'bench', height: MEMBERS },
    tool: { name: 'bench', version: '0' },
    members,
    signer: { key_id: CONSOLE_KEY.keyId, scheme: 'ed25519', public_key: CONSOLE_KEY.publicKeyHex, sign: (m) => CONSOLE_KEY.sign(m) },
  });
  const zip = await writeZip(b.files);
  console.log(`bundle bench: ${MEMBERS} members, zip ${(zip.length / 1024 / 1024).toFixed(1)} MiB`);
  return zip;
})();

describe('evidence bundle', () => {
  bench(
    `verify a bundle of ${MEMBERS} members`,
    async () => {
      const zip = await zipPromise;
      const t0 = performance.now();
      const r = await verifyBundleBytes(zip);
      const ms = performance.now() - t0;
      if (r.checks.find((c) => c.id === 'members.digests')?.verdict !== 'pass') throw new Error('the bench bundle does not verify');
      console.log(`bundle bench: verified ${MEMBERS} members in ${ms.toFixed(0)} ms (${Math.round((MEMBERS / ms) * 1000)} members/s)`);
    },
    { iterations: 3, time: 0, warmupIterations: 1 },
  );
});

// A history segment of SEGMENT_BLOCKS blocks with signed headers (synthetic:
// empty blocks, one validator): every header hashed and linked, its data hash
// recomputed, its signature verified. The peer measured in the same run is the
// bare cost of what cannot be avoided: one JCS + SHA-256 and one Ed25519
// verification per header (node:crypto, as the console verifies).
const SEGMENT_BLOCKS = 2_000;
const segmentPromise = (async () => {
  const { merkleRoot } = await import('../../core/crypto/merkle.js');
  const { headerSigningBytes, validatorAddressOf, SEGMENT_PATHS, ARTIFACT_TYPES } = await import('../../core/evidence/bundle/index.js');
  const { toHex } = await import('../../core/codec/index.js');
  const addr = validatorAddressOf(CONSOLE_KEY.publicKey);
  const emptyData = toHex(merkleRoot([])).toUpperCase();
  const root = 'AA'.repeat(32);
  const headers: Record<string, unknown>[] = [];
  const sigs: { validator_address: string; timestamp: string; signature_base64: string }[][] = [];
  const hashes: string[] = [];
  for (let h = 1; h <= SEGMENT_BLOCKS + 1; h++) {
    const header = {
      chain_id: 'bench',
      height: String(h),
      time: '2026-01-01T00:00:00Z',
      last_block_id: { hash: h === 1 ? '' : hashes[h - 2], parts: { total: 0, hash: '' } },
      data_hash: emptyData,
      app_hash: root,
      proposer_address: addr,
    };
    const d = headerSigningBytes(header);
    headers.push(header);
    hashes.push(toHex(d).toUpperCase());
    sigs.push([{ validator_address: addr, timestamp: header.time, signature_base64: Buffer.from(CONSOLE_KEY.sign(d)).toString('base64') }]);
  }
  const members = Array.from({ length: SEGMENT_BLOCKS }, (_, i) => ({
    path: SEGMENT_PATHS.block(i + 1),
    artifact_type: ARTIFACT_TYPES.block,
    bytes: utf8(
      canonicalJson({
        height: i + 1,
        chain_id: 'bench',
        hash: hashes[i],
        app_hash: root,
        result_app_hash: root,
        last_block_hash: i === 0 ? '' : hashes[i - 1],
        txs: [],
        header: headers[i],
        validator_signatures: sigs[i],
        ...(i === SEGMENT_BLOCKS - 1 ? { next_header: headers[i + 1], next_validator_signatures: sigs[i + 1] } : {}),
      }),
    ),
  }));
  const b = await assembleBundle({
    kind: 'history-segment',
    subject: { type: 'height-range', id: `1:${SEGMENT_BLOCKS}`, chain_id: 'bench', height: SEGMENT_BLOCKS },
    tool: { name: 'bench', version: '0' },
    members,
    signer: { key_id: CONSOLE_KEY.keyId, scheme: 'ed25519', public_key: CONSOLE_KEY.publicKeyHex, sign: (m) => CONSOLE_KEY.sign(m) },
  });
  return { zip: await writeZip(b.files), headers, sigs };
})();

describe('history segment', () => {
  bench(
    `verify a history segment of ${SEGMENT_BLOCKS} signed blocks`,
    async () => {
      const { zip, headers, sigs } = await segmentPromise;
      const { nativeVerifier } = await import('../../main/crypto/native-verifier.js');
      const { headerSigningBytes } = await import('../../core/evidence/bundle/index.js');
      const trust = {
        version: 1 as const,
        log_id: 'bench',
        quorum: 1,
        keys: [{ key_id: CONSOLE_KEY.keyId, scheme: 'ed25519' as const, public_key: CONSOLE_KEY.publicKeyHex, valid_from_height: 0 }],
      };
      const t0 = performance.now();
      const r = await verifyBundleBytes(zip, { trust });
      const ms = performance.now() - t0;
      for (const id of ['segment.blocks', 'segment.headers', 'segment.signatures'])
        if (r.checks.find((c) => c.id === id)?.verdict !== 'pass') throw new Error(`the bench segment does not pass ${id}`);
      const p0 = performance.now();
      for (let i = 0; i < headers.length; i++) {
        const d = headerSigningBytes(headers[i]);
        if (
          !nativeVerifier.verify('ed25519', CONSOLE_KEY.publicKey, d, Buffer.from((sigs[i] as { signature_base64: string }[])[0]!.signature_base64, 'base64'))
        )
          throw new Error('peer');
      }
      const peer = performance.now() - p0;
      console.log(
        `bundle bench: segment of ${SEGMENT_BLOCKS} blocks verified in ${ms.toFixed(0)} ms (${((ms / SEGMENT_BLOCKS) * 1000).toFixed(0)} µs/block); bare JCS + SHA-256 + Ed25519 per header: ${peer.toFixed(0)} ms; ratio ${(ms / peer).toFixed(2)}×`,
      );
    },
    { iterations: 3, time: 0, warmupIterations: 1 },
  );
});

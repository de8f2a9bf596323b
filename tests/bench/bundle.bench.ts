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
    bytes: utf8(canonicalJson({ height: i + 1, hash: i.toString(16).padStart(64, '0'), chain_id: 'bench', last_block_hash: (i - 1).toString(16).padStart(64, '0'), txs: [] })),
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
  bench(`verify a bundle of ${MEMBERS} members`, async () => {
    const zip = await zipPromise;
    const t0 = performance.now();
    const r = await verifyBundleBytes(zip);
    const ms = performance.now() - t0;
    if (r.checks.find((c) => c.id === 'members.digests')?.verdict !== 'pass') throw new Error('the bench bundle does not verify');
    console.log(`bundle bench: verified ${MEMBERS} members in ${ms.toFixed(0)} ms (${Math.round((MEMBERS / ms) * 1000)} members/s)`);
  }, { iterations: 3, time: 0, warmupIterations: 1 });
});

// Forged bundles a console's own attestation key can sign (./bundle-forgery-kit.ts):
// each fails, or stays unknown where only the honest absence of something is
// shown, at the checks that must catch it; none passes.
import { describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../core/evidence/bundle/index.js';
import { verifyBundleBytes } from '../../main/evidence/bundles.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import { FORGERIES } from './bundle-forgery-kit.js';
import { caseBundle, fixtureTrust, segmentBundle } from './bundle-kit.js';

const trust = fixtureTrust();
const verify = async (files: Map<string, Uint8Array>): Promise<VerifyReport> => verifyBundleBytes(await writeZip(files), { trust });

describe('the worked examples themselves', () => {
  it('a custody case and a history segment pass every check with the trust file', async () => {
    for (const b of [await caseBundle(), await segmentBundle()]) {
      const r = await verify(b.files);
      expect(r.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}:${c.reason}`)).toEqual([]);
    }
  });
});

describe('forgeries', () => {
  for (const f of FORGERIES) {
    it(`${f.name}: ${Object.entries(f.expect).map(([id, want]) => `${id} ${[want].flat().join(' or ')}`).join(', ')}`, async () => {
      const r = await verify(await f.files());
      for (const [id, want] of Object.entries(f.expect)) {
        const c = r.checks.find((x) => x.id === id);
        expect([want].flat(), `${id}: ${c?.detail}`).toContain(`${c?.verdict}:${c?.reason}`);
      }
      expect(r.verdict).not.toBe('pass');
    });
  }
});

// Forged bundles a console's own attestation key can sign (./bundle-forgery-kit.ts):
// each fails, or stays unknown where only the honest absence of something is
// shown, at the checks that must catch it; none passes.
import { describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../core/evidence/bundle/index.js';
import { verifyBundleBytes } from '../../main/evidence/bundles.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import { FORGERIES, trustWithAttester } from './bundle-forgery-kit.js';
import { SECOND_KEY, caseBundle, fixtureTrust, segmentBundle } from './bundle-kit.js';
import type { TrustFile } from '../../core/evidence/checkpoint.js';

const trust = fixtureTrust();
const verify = async (files: Map<string, Uint8Array>, t: TrustFile = trust): Promise<VerifyReport> => verifyBundleBytes(await writeZip(files), { trust: t });

describe('the worked examples themselves', () => {
  it('a custody case and a history segment pass every check with the trust file', async () => {
    for (const b of [await caseBundle(), await segmentBundle()]) {
      const r = await verify(b.files);
      expect(r.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}:${c.reason}`)).toEqual([]);
    }
  });
});

describe('a bundle signed by a console key the trust file names as an attester', () => {
  it('passes every check: the attester vouches for the bundle, the log and the validators for the chain', async () => {
    const r = await verify((await caseBundle(undefined, SECOND_KEY)).files, trustWithAttester());
    expect(r.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}:${c.reason}`)).toEqual([]);
  });
});

describe('forgeries', () => {
  for (const f of FORGERIES) {
    it(`${f.name}: ${Object.entries(f.expect)
      .map(([id, want]) => `${id} ${[want].flat().join(' or ')}`)
      .join(', ')}`, async () => {
      const r = await verify(await f.files(), f.trust?.());
      for (const [id, want] of Object.entries(f.expect)) {
        const c = r.checks.find((x) => x.id === id);
        expect([want].flat(), `${id}: ${c?.detail}`).toContain(`${c?.verdict}:${c?.reason}`);
      }
      expect(r.verdict).not.toBe('pass');
    });
  }
});

// The worked example of docs/formats/evidence-bundle.md: tests/fixtures/bundle/
// holds a small custody-case bundle and its trust file. This test rebuilds the
// bundle from bundle-kit.ts (same bytes: the format is deterministic), checks
// every digest the document states against the fixture, and verifies it.
// Regenerate with CHARTER_UPDATE_FIXTURES=1 (then update the document).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/codec/index.js';
import { verifyBundleBytes, trustFromJson } from '../../main/evidence/bundles.js';
import { readZipEntries } from '../../main/evidence/zip-read.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import { CONSOLE_KEY, caseBundle, trustFor } from './bundle-kit.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = path.join(ROOT, 'tests/fixtures/bundle');
const ZIP = path.join(DIR, 'custody-case.zip');
const TRUST = path.join(DIR, 'trust.json');
const DOC = path.join(ROOT, 'docs/formats/evidence-bundle.md');

describe('the worked example', () => {
  it('rebuilds byte for byte', async () => {
    const zip = await writeZip((await caseBundle()).files);
    const trust = JSON.stringify(trustFor([CONSOLE_KEY]), null, 2) + '\n';
    if (process.env['CHARTER_UPDATE_FIXTURES'] === '1') {
      fs.mkdirSync(DIR, { recursive: true });
      fs.writeFileSync(ZIP, zip);
      fs.writeFileSync(TRUST, trust);
    }
    expect(sha256Hex(fs.readFileSync(ZIP))).toBe(sha256Hex(zip));
    expect(fs.readFileSync(TRUST, 'utf8')).toBe(trust);
  });

  it('every digest the document states is the fixture\'s', async () => {
    const doc = fs.readFileSync(DOC, 'utf8');
    const zip = fs.readFileSync(ZIP);
    const c = await readZipEntries(zip);
    const actual = new Map(c.entries.map((e) => [e.name, { sha: sha256Hex(e.data!), size: e.data!.length }]));
    // Rows of the worked-example table: | `path` | size | `sha256` |
    const rows = [...doc.matchAll(/^\| `([^`]+)` \| (\d+) \| `([0-9a-f]{64})` \|$/gm)].map((m) => ({ path: m[1]!, size: Number(m[2]), sha: m[3]! }));
    expect(rows.map((r) => r.path).sort()).toEqual([...actual.keys()].sort());
    for (const r of rows) expect({ path: r.path, ...actual.get(r.path) }).toEqual({ path: r.path, sha: r.sha, size: r.size });
    const zipLine = /^The zip itself: (\d+) bytes, SHA-256 `([0-9a-f]{64})`\.$/m.exec(doc);
    expect(zipLine?.slice(1)).toEqual([String(zip.length), sha256Hex(zip)]);
    const manifestLine = /^Manifest digest \(the attestation's subject\): `([0-9a-f]{64})`\.$/m.exec(doc);
    expect(manifestLine?.[1]).toBe(actual.get('manifest.json')!.sha);
  });

  it('verifies: all pass with the trust file but the policy state proof (unknown)', async () => {
    const r = await verifyBundleBytes(fs.readFileSync(ZIP), { trust: trustFromJson(JSON.parse(fs.readFileSync(TRUST, 'utf8'))) });
    expect(r.checks.filter((x) => x.verdict !== 'pass').map((x) => x.reason)).toEqual(['NO_STATE_PROOF']);
  });
});

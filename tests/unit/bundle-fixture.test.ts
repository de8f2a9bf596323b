// The worked example of docs/formats/evidence-bundle.md: tests/fixtures/bundle/
// holds a small custody-case bundle and its trust file. This test rebuilds the
// bundle from bundle-kit.ts (same bytes: the format is deterministic), checks
// every digest the document states against the fixture, and verifies it: every
// check passes with the trust file. The chain behind it is executed by the real
// custody engine, so the policy's state proof is a real entry proof against the
// signed result app hash of the execution block.
// Regenerate with CHARTER_UPDATE_FIXTURES=1 (then update the document).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canonicalJson, fromUtf8, sha256Hex, utf8 } from '../../core/codec/index.js';
import { CASE_PATHS, type BundleMemberInput } from '../../core/evidence/bundle/index.js';
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
    // The figures the prose states, recomputed from the fixture's members.
    const member = (p: string) => JSON.parse(new TextDecoder().decode(c.entries.find((e) => e.name === p)!.data!));
    const block = member('block.json');
    const sp = member('proofs/policy-state.json');
    const att = member(`attestations/${CONSOLE_KEY.keyId}.dsse.json`);
    const stated = [
      member('request.json').request_id,
      block.hash,
      block.app_hash,
      block.result_app_hash,
      sp.app_hash,
      block.validator_signatures[0].validator_address,
      member('checkpoint.json').checkpoint.peaks[0],
      att.signatures[0].sig,
      JSON.stringify(member('policy.json')),
    ];
    for (const v of stated) expect(doc, `the worked example should state ${v}`).toContain(String(v));
    expect(sp.app_hash).toBe(block.result_app_hash);
  });

  it('verifies: every check passes with the trust file, the policy\'s state proof included', async () => {
    const r = await verifyBundleBytes(fs.readFileSync(ZIP), { trust: trustFromJson(JSON.parse(fs.readFileSync(TRUST, 'utf8'))) });
    expect(r.checks.filter((x) => x.verdict !== 'pass').map((x) => `${x.id}:${x.reason}:${x.detail}`)).toEqual([]);
    expect(r.verdict).toBe('pass');
    expect(r.checks.find((x) => x.id === 'case.policy')).toMatchObject({ verdict: 'pass', reason: 'OK' });
    expect(r.members.map((m) => m.path)).toContain('proofs/policy-state.json');
  });

  it('verifies without the trust file: only the trust-dependent checks are unknown (NO_TRUST_FILE)', async () => {
    const r = await verifyBundleBytes(fs.readFileSync(ZIP), {});
    expect(r.checks.filter((x) => x.verdict !== 'pass').map((x) => `${x.id}:${x.verdict}:${x.reason}`).sort()).toEqual(
      ['attestations.trust:unknown:NO_TRUST_FILE', 'case.block.signature:unknown:NO_TRUST_FILE', 'checkpoint.quorum:unknown:NO_TRUST_FILE'].sort(),
    );
  });
});

describe('case.policy on the worked example (a real state proof)', () => {
  const trust = () => trustFromJson(JSON.parse(fs.readFileSync(TRUST, 'utf8')));
  const policyCheck = async (mutate: (m: BundleMemberInput[]) => BundleMemberInput[]) => {
    const r = await verifyBundleBytes(await writeZip((await caseBundle(mutate)).files), { trust: trust() });
    return r.checks.find((c) => c.id === 'case.policy');
  };
  const edit = (path: string, f: (v: Record<string, unknown>) => unknown) => (ms: BundleMemberInput[]) =>
    ms.map((m) => (m.path === path ? { ...m, bytes: utf8(canonicalJson(f(JSON.parse(fromUtf8(m.bytes))))) } : m));

  it('is unknown NO_STATE_PROOF without proofs/policy-state.json', async () => {
    expect(await policyCheck((ms) => ms.filter((m) => m.path !== CASE_PATHS.stateProof))).toMatchObject({ verdict: 'unknown', reason: 'NO_STATE_PROOF' });
  });
  it('fails BAD_STATE_PROOF when the proven value is changed', async () => {
    const c = await policyCheck(edit(CASE_PATHS.stateProof, (v) => ({ ...v, value: { ...(v['value'] as object), balances: { BTC: '9500' } } })));
    expect(c).toMatchObject({ verdict: 'fail', reason: 'BAD_STATE_PROOF' });
  });
  it('fails SUBJECT_MISMATCH when policy.json is not the proven policy', async () => {
    const c = await policyCheck(edit(CASE_PATHS.policy, (v) => ({ ...v, policy: { ...(v['policy'] as object), threshold: 2 } })));
    expect(c).toMatchObject({ verdict: 'fail', reason: 'SUBJECT_MISMATCH' });
  });
  it('fails PROOF_NOT_REACHING_CHECKPOINT when the proof is against another app hash', async () => {
    const c = await policyCheck(edit(CASE_PATHS.stateProof, (v) => ({ ...v, app_hash: 'C'.repeat(64) })));
    expect(c).toMatchObject({ verdict: 'fail', reason: 'PROOF_NOT_REACHING_CHECKPOINT' });
  });
});

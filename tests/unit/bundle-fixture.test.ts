// The worked examples of docs/formats/evidence-bundle.md §8: tests/fixtures/bundle/
// holds a custody case and a history segment in format charter.bundle/v2, the
// earlier v1 custody case, and the trust file for all three. This test
// rebuilds each bundle from bundle-kit.ts (same bytes: the format is
// deterministic), checks every digest the document states against the
// fixtures, checks with the core primitives (state tree, MMR, receipts,
// checkpoints, header hashes and signatures) that each example holds
// together, and verifies them. The chain behind them is executed by the real
// custody engine, so the state proofs are real entry proofs against the
// signed result app hash of the execution block.
//
// Regenerate: CHARTER_UPDATE_FIXTURES=1 npx vitest run tests/unit/bundle-fixture.test.ts
// (then update §8 of the document: the digest test names what changed).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canonicalJson, fromHex, fromUtf8, sha256Hex, toHex, utf8 } from '../../core/codec/index.js';
import { verifyEd25519 } from '../../core/crypto/ed25519.js';
import { verifyEntryProof } from '../../core/engine/state-root.js';
import { CASE_PATHS, SEGMENT_PATHS, headerSigningBytes, validatorAddressOf, type BundleMemberInput } from '../../core/evidence/bundle/index.js';
import { checkpointAccumulator, domainDigest, verifyCheckpoint, type Checkpoint } from '../../core/evidence/checkpoint.js';
import { jcsBytes } from '../../core/evidence/jcs.js';
import { mmrIndex, verifyConsistency, verifyInclusion } from '../../core/evidence/mmr.js';
import { receiptDigest, verifyChain, verifyReceiptInclusion, type Receipt } from '../../core/evidence/receipts.js';
import { decodeTx, encodeTx } from '../../core/tx/envelope.js';
import { nobleVerifier } from '../../core/crypto/ed25519.js';
import { verifyBundleBytes, trustFromJson } from '../../main/evidence/bundles.js';
import { readZipEntries } from '../../main/evidence/zip-read.js';
import { writeZip } from '../../main/evidence/zip-write.js';
import { merkleRoot, sha256 } from '../../main/cometbft/encoding.js';
import {
  CHAIN,
  CONSOLE_KEY,
  COSIGNATURE_DOMAIN,
  SEGMENT_FROM,
  SEGMENT_TO,
  WITNESS_KEY,
  caseBundle,
  caseBundleV1,
  fixtureTrust,
  segmentBundle,
  trustFor,
} from './bundle-kit.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = path.join(ROOT, 'tests/fixtures/bundle');
const CASE_ZIP = path.join(DIR, 'custody-case.zip');
const SEGMENT_ZIP = path.join(DIR, 'history-segment.zip');
const V1_ZIP = path.join(DIR, 'custody-case-v1.zip');
const TRUST = path.join(DIR, 'trust.json');
const DOC = path.join(ROOT, 'docs/formats/evidence-bundle.md');
const ATTESTATION = `attestations/${CONSOLE_KEY.keyId}.dsse.json`;

/** The trust file as the verifier reads it (core/evidence/checkpoint.ts parseTrustFile, `witnesses` included). */
const fileTrust = () => trustFromJson(JSON.parse(fs.readFileSync(TRUST, 'utf8')));
/** The trust file without its witnesses, as a core TrustFile (for the core primitives, which judge the log's keys). */
const logTrust = () => trustFor([CONSOLE_KEY]);

type Entries = Map<string, Uint8Array>;
async function entriesOf(zip: Uint8Array): Promise<Entries> {
  const c = await readZipEntries(zip);
  return new Map(c.entries.map((e) => [e.name, e.data!]));
}
const text = (es: Entries, p: string) => fromUtf8(es.get(p)!);
const member = <T = Record<string, unknown>>(es: Entries, p: string) => JSON.parse(text(es, p)) as T;

// ─── reading §8 of the document ──────────────────────────────────────────────

function section(doc: string, n: string): string {
  const start = doc.indexOf(`\n### ${n} `);
  expect(start, `the document has a section ${n}`).toBeGreaterThan(0);
  const rest = doc.slice(start + 1);
  const end = rest.slice(1).search(/\n##+ /);
  return end < 0 ? rest : rest.slice(0, end + 1);
}
/** The indented block that follows `marker`, its lines joined without the 4-space indent. */
function wrapped(sec: string, marker: string): string {
  const at = sec.indexOf(marker);
  expect(at, `the section states "${marker}"`).toBeGreaterThanOrEqual(0);
  const lines = sec
    .slice(at + marker.length)
    .split('\n')
    .slice(1);
  while (lines[0] === '') lines.shift();
  const block: string[] = [];
  for (const l of lines) {
    if (!l.startsWith('    ')) break;
    block.push(l.slice(4));
  }
  return block.join('');
}
function entryRows(sec: string) {
  return [...sec.matchAll(/^\| `([^`]+)` \| (\d+) \| `([0-9a-f]{64})` \|$/gm)].map((m) => ({ path: m[1]!, size: Number(m[2]), sha: m[3]! }));
}
const zipLine = (sec: string) => /^The zip itself: (\d+) bytes, SHA-256 `([0-9a-f]{64})`\.$/m.exec(sec)?.slice(1);
const manifestLine = (sec: string) => /^Manifest digest \(the attestation's subject\): `([0-9a-f]{64})`\.$/m.exec(sec)?.[1];

/** The digests every v2 example states: entries, manifest, zip, the manifest and payload texts, the attestation signature. */
function expectStatedDigests(sec: string, zip: Uint8Array, es: Entries) {
  const rows = entryRows(sec);
  expect(rows.map((r) => r.path).sort()).toEqual([...es.keys()].sort());
  for (const r of rows)
    expect({ path: r.path, sha: sha256Hex(es.get(r.path)!), size: es.get(r.path)!.length }).toEqual({ path: r.path, sha: r.sha, size: r.size });
  expect(zipLine(sec)).toEqual([String(zip.length), sha256Hex(zip)]);
  expect(manifestLine(sec)).toBe(sha256Hex(es.get('manifest.json')!));
  expect(wrapped(sec, '`manifest.json`, wrapped (join the lines for the file):')).toBe(text(es, 'manifest.json'));
  const att = member<{ payload: string; signatures: { sig: string }[] }>(es, ATTESTATION);
  expect(wrapped(sec, "The attestation's decoded payload (JCS), wrapped:")).toBe(Buffer.from(att.payload, 'base64').toString('utf8'));
  expect(sec).toContain(`\`${att.signatures[0]!.sig}\``);
}

// ─── the core primitives on a checkpoint ─────────────────────────────────────

interface CosignedCheckpoint {
  checkpoint: Checkpoint;
  signatures: { key_id: string; scheme: string; signature: string }[];
  cosignatures: { key_id: string; scheme: string; signature: string }[];
}
/** The log's signature verifies under the trust file's keys; the witness's cosignature over D("charter/cosignature/v1", JCS(checkpoint)). */
function expectCheckpointHolds(sc: CosignedCheckpoint) {
  const { cosignatures, ...signed } = sc;
  expect(verifyCheckpoint(signed, logTrust(), nobleVerifier)).toMatchObject({ ok: true, valid: 1 });
  expect(cosignatures).toHaveLength(1);
  expect(cosignatures[0]).toMatchObject({ key_id: WITNESS_KEY.keyId, scheme: 'ed25519' });
  expect(verifyEd25519(WITNESS_KEY.publicKey, domainDigest(COSIGNATURE_DOMAIN, jcsBytes(sc.checkpoint)), fromHex(cosignatures[0]!.signature))).toBe(true);
  // A cosignature is not a log signature: it does not verify over the checkpoint signing digest.
  expect(verifyCheckpoint({ checkpoint: sc.checkpoint, signatures: cosignatures }, trustFor([WITNESS_KEY]), nobleVerifier).ok).toBe(false);
}

/** A signed header as block.json carries it: SHA-256(JCS(header)) is `hash`, key 9 signed those 32 bytes. */
function expectSignedHeader(header: Record<string, unknown>, sigs: { validator_address: string; signature_base64: string }[], hash?: string): string {
  const digest = headerSigningBytes(header);
  const h = toHex(digest).toUpperCase();
  if (hash !== undefined) expect(h).toBe(hash);
  expect(sigs).toHaveLength(1);
  expect(sigs[0]!.validator_address).toBe(validatorAddressOf(CONSOLE_KEY.publicKey));
  expect(verifyEd25519(CONSOLE_KEY.publicKey, digest, Buffer.from(sigs[0]!.signature_base64, 'base64'))).toBe(true);
  // The devnet's header shape (main/devnet/node.ts).
  expect(Object.keys(header).sort()).toEqual(
    [
      'app_hash',
      'chain_id',
      'consensus_hash',
      'data_hash',
      'evidence_hash',
      'height',
      'last_block_id',
      'last_commit_hash',
      'last_results_hash',
      'next_validators_hash',
      'proposer_address',
      'time',
      'validators_hash',
      'version',
    ].sort(),
  );
  expect(header['chain_id']).toBe(CHAIN);
  return h;
}

// ─── the tests ───────────────────────────────────────────────────────────────

describe('the worked examples rebuild byte for byte', () => {
  it('custody-case.zip, history-segment.zip, custody-case-v1.zip and trust.json are what bundle-kit.ts builds', async () => {
    const built = new Map<string, Buffer | string>([
      [CASE_ZIP, await writeZip((await caseBundle()).files)],
      [SEGMENT_ZIP, await writeZip((await segmentBundle()).files)],
      [V1_ZIP, await writeZip((await caseBundleV1()).files)],
      [TRUST, JSON.stringify(fixtureTrust(), null, 2) + '\n'],
    ]);
    if (process.env['CHARTER_UPDATE_FIXTURES'] === '1') {
      fs.mkdirSync(DIR, { recursive: true });
      for (const [file, bytes] of built) fs.writeFileSync(file, bytes);
    }
    for (const [file, bytes] of built) {
      expect(fs.existsSync(file), `${path.relative(ROOT, file)} is committed`).toBe(true);
      expect(sha256Hex(fs.readFileSync(file)), `${path.relative(ROOT, file)} is what the kit builds`).toBe(
        sha256Hex(typeof bytes === 'string' ? utf8(bytes) : bytes),
      );
    }
  });
  it('the v1 example is still the bytes first published (the kit did not drift)', () => {
    expect(sha256Hex(fs.readFileSync(V1_ZIP))).toBe('4d2f403dd346cf3fe68807c3bad02f65867b8f4640d8424e777e95e352d96a4e');
  });
});

describe('8.1 the custody case (charter.bundle/v2)', () => {
  const load = async () => {
    const zip = fs.readFileSync(CASE_ZIP);
    return { zip, es: await entriesOf(zip) };
  };

  it("every digest the document states is the fixture's", async () => {
    const { zip, es } = await load();
    const sec = section(fs.readFileSync(DOC, 'utf8'), '8.1');
    expectStatedDigests(sec, zip, es);
    const block = member(es, CASE_PATHS.block);
    const cp = member<CosignedCheckpoint>(es, CASE_PATHS.checkpoint);
    const stated = [
      member(es, CASE_PATHS.request)['request_id'],
      block['hash'],
      block['app_hash'],
      block['result_app_hash'],
      (block['header'] as Record<string, unknown>)['data_hash'],
      (block['validator_signatures'] as { validator_address: string }[])[0]!.validator_address,
      (block['validator_signatures'] as { signature_base64: string }[])[0]!.signature_base64,
      cp.checkpoint.peaks[0],
      cp.signatures[0]!.signature,
      cp.cosignatures[0]!.signature,
      text(es, CASE_PATHS.policy),
      text(es, CASE_PATHS.inclusion),
    ];
    for (const v of stated) expect(sec, `§8.1 should state ${String(v)}`).toContain(`\`${String(v)}\``);
    expect(sec).toContain('npx charter bundle verify tests/fixtures/bundle/custody-case.zip --trust tests/fixtures/bundle/trust.json');
  });

  it('holds together: state proofs, signed headers, receipt, inclusion proof, checkpoint and cosignature (core primitives)', async () => {
    const { es } = await load();
    const manifest = member<{ format: string; subject: { id: string; height: number } }>(es, 'manifest.json');
    expect(manifest.format).toBe('charter.bundle/v2');
    const request = member<{ request_id: string; executed_at: number; executed_tx: string; created_tx: string; approvals: { tx_hash: string }[] }>(
      es,
      CASE_PATHS.request,
    );
    expect(manifest.subject).toMatchObject({ id: request.request_id, height: request.executed_at });
    const block = member<
      Record<string, unknown> & { header: Record<string, unknown>; next_header: Record<string, unknown> & { last_block_id: { hash: string } } }
    >(es, CASE_PATHS.block);
    expect(block['height']).toBe(6);
    // Block 6 and block 7, each signed by key 9; block 7 links to block 6 and states its result app hash.
    const hash = expectSignedHeader(block.header, block['validator_signatures'] as never, block['hash'] as string);
    expectSignedHeader(block.next_header, block['next_validator_signatures'] as never);
    expect(block.header['height']).toBe('6');
    expect(block.header['app_hash']).toBe(block['app_hash']);
    expect(block.next_header['height']).toBe('7');
    expect(block.next_header.last_block_id.hash).toBe(hash);
    expect(block.next_header['app_hash']).toBe(block['result_app_hash']);
    // data_hash: the simple Merkle root over SHA-256 of block 6's one transaction, the approval.
    const approval = member<{ envelope: never; tx_hash: string }>(es, CASE_PATHS.tx(request.executed_tx));
    expect(toHex(sha256(encodeTx(approval.envelope))).toUpperCase()).toBe(approval.tx_hash);
    expect(block.header['data_hash']).toBe(toHex(merkleRoot([sha256(encodeTx(approval.envelope))])).toUpperCase());
    expect(decodeTx(encodeTx(approval.envelope))).toEqual(approval.envelope);

    // proofs/request-state.json: request/<id> at height executed_at, its value request.json in JCS, against result_app_hash.
    const rs = member<{ height: number; app_hash: string; block_hash: string; key: string; value: unknown; proof: never }>(es, CASE_PATHS.requestState);
    expect(rs).toMatchObject({ height: 6, key: `request/${request.request_id}`, app_hash: block['result_app_hash'], block_hash: block['hash'] });
    expect(canonicalJson(rs.value)).toBe(text(es, CASE_PATHS.request));
    expect(verifyEntryProof(rs.app_hash, rs.key, rs.value, rs.proof)).toBe(true);
    expect(verifyEntryProof(rs.app_hash, rs.key, { ...(rs.value as object), amount: '1' }, rs.proof)).toBe(false);
    // proofs/policy-state.json and policy.json {vault_id, policy, as_of: executed_at}.
    const ps = member<{ height: number; app_hash: string; key: string; value: { policy: unknown }; proof: never }>(es, CASE_PATHS.stateProof);
    const policy = member<{ vault_id: string; policy: unknown; as_of: unknown }>(es, CASE_PATHS.policy);
    expect(ps).toMatchObject({ height: 6, key: `vault/${policy.vault_id}`, app_hash: block['result_app_hash'] });
    expect(policy.as_of).toBe(6);
    expect(canonicalJson(policy.policy)).toBe(canonicalJson(ps.value.policy));
    expect(verifyEntryProof(ps.app_hash, ps.key, ps.value, ps.proof)).toBe(true);

    // The receipt is the executing approval's, and reaches the checkpoint (height ≥ the receipt's), which key 9 signed and key 8 cosigned.
    const receipt = member<Receipt>(es, CASE_PATHS.receipt);
    const inclusion = member<{ mmr_index: number; size: number; path: string[] }>(es, CASE_PATHS.inclusion);
    const cp = member<CosignedCheckpoint>(es, CASE_PATHS.checkpoint);
    expect(Object.keys(inclusion).sort()).toEqual(['mmr_index', 'path', 'size']);
    expect(receipt.tx_digest).toBe(request.executed_tx.toLowerCase());
    expect(verifyChain([receipt], { expectPrevRoot: receipt.prev_root }).ok).toBe(true);
    expect(inclusion.mmr_index).toBe(mmrIndex(receipt.seq));
    expect(verifyReceiptInclusion(receipt, inclusion, cp.checkpoint)).toEqual({ ok: true });
    expect(cp.checkpoint.height).toBeGreaterThanOrEqual(receipt.height);
    expectCheckpointHolds(cp);
  });

  it('verifies: every check passes with trust.json, the witness included (needs cosignatures and trust-file witnesses in core/evidence/checkpoint.ts, and checkpoint.witnesses reading them)', async () => {
    const r = await verifyBundleBytes(fs.readFileSync(CASE_ZIP), { trust: fileTrust() });
    expect(r.checks.filter((x) => x.verdict !== 'pass').map((x) => `${x.id}:${x.reason}:${x.detail}`)).toEqual([]);
    expect(r.checks.map((c) => c.id)).toEqual([
      'zip.container',
      'zip.paths',
      'zip.duplicates',
      'zip.types',
      'manifest',
      'members.present',
      'members.listed',
      'members.digests',
      'members.expected',
      'attestations.signatures',
      'attestations.trust',
      'case.request',
      'case.request.state',
      'case.transactions',
      'case.approvals',
      'case.block',
      'case.block.signature',
      'case.policy',
      'proofs.receipt',
      'proofs.inclusion',
      'checkpoint.quorum',
      'checkpoint.witnesses',
    ]);
    expect(r.verdict).toBe('pass');
  });
});

describe('8.2 the history segment (charter.bundle/v2)', () => {
  const load = async () => {
    const zip = fs.readFileSync(SEGMENT_ZIP);
    return { zip, es: await entriesOf(zip) };
  };
  type BlockDoc = Record<string, unknown> & {
    height: number;
    hash: string;
    app_hash: string;
    result_app_hash: string;
    last_block_hash: string;
    txs: string[];
    header: Record<string, unknown> & { last_block_id: { hash: string } };
    validator_signatures: never;
  };

  it("every digest the document states is the fixture's", async () => {
    const { zip, es } = await load();
    const sec = section(fs.readFileSync(DOC, 'utf8'), '8.2');
    expectStatedDigests(sec, zip, es);
    // The blocks table: | height | `hash` | `app_hash` | `result_app_hash` | `data_hash` | txs |
    const rows = [...sec.matchAll(/^\| (\d+) \| `([0-9A-F]{64})` \| `([0-9A-F]{64})` \| `([0-9A-F]{64})` \| `([0-9A-F]{64})` \| (\d+) \|$/gm)].map((m) =>
      m.slice(1).map((x, i) => (i === 0 || i === 5 ? Number(x) : x)),
    );
    const blocks = [...Array(SEGMENT_TO - SEGMENT_FROM + 1).keys()].map((k) => member<BlockDoc>(es, SEGMENT_PATHS.block(SEGMENT_FROM + k)));
    expect(rows).toEqual(blocks.map((b) => [b.height, b.hash, b.app_hash, b.result_app_hash, b.header['data_hash'], b.txs.length]));
    const from = member<CosignedCheckpoint>(es, SEGMENT_PATHS.from);
    const to = member<CosignedCheckpoint>(es, SEGMENT_PATHS.to);
    for (const v of [
      ...from.checkpoint.peaks,
      ...to.checkpoint.peaks,
      from.signatures[0]!.signature,
      from.cosignatures[0]!.signature,
      to.signatures[0]!.signature,
      to.cosignatures[0]!.signature,
      text(es, SEGMENT_PATHS.consistency),
    ]) {
      expect(sec, `§8.2 should state ${v}`).toContain(`\`${v}\``);
    }
    expect(wrapped(sec, '`proofs/receipts-inclusion.json`, wrapped:')).toBe(text(es, SEGMENT_PATHS.receiptsInclusion));
    expect(sec).toContain('npx charter bundle verify tests/fixtures/bundle/history-segment.zip --trust tests/fixtures/bundle/trust.json');
  });

  it('holds together: signed headers, data hashes, receipts of exactly the range, their inclusion proofs, consistency and cosignatures (core primitives)', async () => {
    const { es } = await load();
    const manifest = member<{ format: string; kind: string; subject: { type: string; id: string; height: number } }>(es, 'manifest.json');
    expect(manifest).toMatchObject({
      format: 'charter.bundle/v2',
      kind: 'history-segment',
      subject: { type: 'height-range', id: `${SEGMENT_FROM}:${SEGMENT_TO}`, height: SEGMENT_TO },
    });
    expect([...es.keys()].filter((p) => p.startsWith('blocks/')).sort()).toEqual(
      [...Array(SEGMENT_TO - SEGMENT_FROM + 1).keys()].map((k) => SEGMENT_PATHS.block(SEGMENT_FROM + k)),
    );
    const blocks = [...Array(SEGMENT_TO - SEGMENT_FROM + 1).keys()].map((k) => member<BlockDoc>(es, SEGMENT_PATHS.block(SEGMENT_FROM + k)));
    let prev: BlockDoc | null = null;
    for (const b of blocks) {
      expectSignedHeader(b.header, b.validator_signatures, b.hash);
      expect(b.header['height']).toBe(String(b.height));
      expect(b.header['app_hash']).toBe(b.app_hash);
      expect(b.txs.every((t) => /^[0-9A-F]{64}$/.test(t))).toBe(true);
      expect(b.header['data_hash']).toBe(toHex(merkleRoot(b.txs.map((t) => fromHex(t)))).toUpperCase());
      if (prev) {
        expect(b.header.last_block_id.hash).toBe(prev.hash);
        expect(b.last_block_hash).toBe(prev.hash);
        expect(b.app_hash).toBe(prev.result_app_hash);
      }
      expect('next_header' in b).toBe(b.height === SEGMENT_TO);
      prev = b;
    }
    // Block TO+1's signed header states TO's result app hash.
    const last = blocks[blocks.length - 1]!;
    const next = last['next_header'] as Record<string, unknown> & { last_block_id: { hash: string } };
    expectSignedHeader(next, last['next_validator_signatures'] as never);
    expect(next['height']).toBe(String(SEGMENT_TO + 1));
    expect(next.last_block_id.hash).toBe(last.hash);
    expect(next['app_hash']).toBe(last.result_app_hash);

    // receipts.json: exactly the range's transactions, block after block; one chain.
    const receipts = member<Receipt[]>(es, SEGMENT_PATHS.receipts);
    expect(receipts.map((r) => r.tx_digest)).toEqual(blocks.flatMap((b) => b.txs.map((t) => t.toLowerCase())));
    expect(receipts.map((r) => r.height)).toEqual(blocks.flatMap((b) => b.txs.map(() => b.height)));
    expect(verifyChain(receipts, { expectPrevRoot: receipts[0]!.prev_root }).ok).toBe(true);
    // proofs/receipts-inclusion.json: one proof per receipt, all in MMR(to.mmr_size).
    const to = member<CosignedCheckpoint>(es, SEGMENT_PATHS.to);
    const from = member<CosignedCheckpoint>(es, SEGMENT_PATHS.from);
    const inc = member<{ size: number; proofs: { mmr_index: number; path: string[] }[] }>(es, SEGMENT_PATHS.receiptsInclusion);
    expect(inc.size).toBe(to.checkpoint.mmr_size);
    expect(inc.proofs).toHaveLength(receipts.length);
    inc.proofs.forEach((p, k) => {
      expect(Object.keys(p).sort()).toEqual(['mmr_index', 'path']);
      expect(p.mmr_index).toBe(mmrIndex(receipts[k]!.seq));
      expect(
        verifyInclusion(
          inc.size,
          receiptDigest(receipts[k]!),
          p.mmr_index,
          p.path.map((x) => fromHex(x)),
          checkpointAccumulator(to.checkpoint),
        ),
      ).toBe(true);
    });
    expect(to.checkpoint.height).toBeGreaterThanOrEqual(SEGMENT_TO);
    // checkpoints/from.json is below FROM, and MMR(to) extends MMR(from).
    expect(from.checkpoint.height).toBeLessThan(SEGMENT_FROM);
    const cons = member<{ from_size: number; to_size: number; paths: string[][] }>(es, SEGMENT_PATHS.consistency);
    expect(cons).toMatchObject({ from_size: from.checkpoint.mmr_size, to_size: to.checkpoint.mmr_size });
    expect(
      verifyConsistency(
        cons.from_size,
        cons.to_size,
        checkpointAccumulator(from.checkpoint),
        checkpointAccumulator(to.checkpoint),
        cons.paths.map((p) => p.map((x) => fromHex(x))),
      ),
    ).toBe(true);
    expectCheckpointHolds(from);
    expectCheckpointHolds(to);
  });

  it('verifies: every check passes with trust.json, the witness included (needs cosignatures and trust-file witnesses in core/evidence/checkpoint.ts, and checkpoint.witnesses reading them)', async () => {
    const r = await verifyBundleBytes(fs.readFileSync(SEGMENT_ZIP), { trust: fileTrust() });
    expect(r.checks.filter((x) => x.verdict !== 'pass').map((x) => `${x.id}:${x.reason}:${x.detail}`)).toEqual([]);
    expect(r.checks.map((c) => c.id)).toEqual([
      'zip.container',
      'zip.paths',
      'zip.duplicates',
      'zip.types',
      'manifest',
      'members.present',
      'members.listed',
      'members.digests',
      'members.expected',
      'attestations.signatures',
      'attestations.trust',
      'segment.blocks',
      'segment.headers',
      'segment.signatures',
      'segment.receipts',
      'proofs.receipts',
      'proofs.consistency',
      'checkpoint.from.quorum',
      'checkpoint.from.witnesses',
      'checkpoint.to.quorum',
      'checkpoint.to.witnesses',
    ]);
    expect(r.verdict).toBe('pass');
  });
});

describe('8.3 the v1 custody case', () => {
  it('the document states its digests', async () => {
    const zip = fs.readFileSync(V1_ZIP);
    const es = await entriesOf(zip);
    const sec = section(fs.readFileSync(DOC, 'utf8'), '8.3');
    expect(zipLine(sec)).toEqual([String(zip.length), sha256Hex(zip)]);
    expect(manifestLine(sec)).toBe(sha256Hex(es.get('manifest.json')!));
    expect(member(es, 'manifest.json')['format']).toBe('charter.bundle/v1');
    expect(es.has(CASE_PATHS.requestState)).toBe(false);
    expect(sec).toContain('npx charter bundle verify tests/fixtures/bundle/custody-case-v1.zip --trust tests/fixtures/bundle/trust.json');
  });

  it('still verifies with trust.json: no check fails (what v1 cannot show is left to the verifier to call unknown)', async () => {
    const r = await verifyBundleBytes(fs.readFileSync(V1_ZIP), { trust: fileTrust() });
    expect(r.checks.filter((x) => x.verdict === 'fail').map((x) => `${x.id}:${x.reason}:${x.detail}`)).toEqual([]);
    for (const id of [
      'members.digests',
      'attestations.signatures',
      'attestations.trust',
      'case.request',
      'case.transactions',
      'case.block',
      'case.block.signature',
      'case.policy',
      'proofs.receipt',
      'proofs.inclusion',
      'checkpoint.quorum',
    ]) {
      expect(
        r.checks.find((x) => x.id === id),
        id,
      ).toMatchObject({ verdict: 'pass', reason: 'OK' });
    }
  });
});

describe('case.policy and case.request.state on the v2 custody case (real state proofs)', () => {
  const checkOf = (id: string) => async (mutate: (m: BundleMemberInput[]) => BundleMemberInput[]) => {
    const r = await verifyBundleBytes(await writeZip((await caseBundle(mutate)).files), { trust: logTrust() });
    return r.checks.find((c) => c.id === id);
  };
  const policyCheck = checkOf('case.policy');
  const requestCheck = checkOf('case.request.state');
  const edit = (path: string, f: (v: Record<string, unknown>) => unknown) => (ms: BundleMemberInput[]) =>
    ms.map((m) => (m.path === path ? { ...m, bytes: utf8(canonicalJson(f(JSON.parse(fromUtf8(m.bytes))))) } : m));

  it('passes on the example', async () => {
    expect(await policyCheck((ms) => ms)).toMatchObject({ verdict: 'pass', reason: 'OK' });
  });
  it('fails CASE_INCOMPLETE without proofs/policy-state.json (required in v2)', async () => {
    expect(await policyCheck((ms) => ms.filter((m) => m.path !== CASE_PATHS.stateProof))).toMatchObject({ verdict: 'fail', reason: 'CASE_INCOMPLETE' });
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
  it('the request state proof passes on the example, fails CASE_INCOMPLETE without it and BAD_STATE_PROOF when the proven record is changed', async () => {
    expect(await requestCheck((ms) => ms)).toMatchObject({ verdict: 'pass', reason: 'OK' });
    expect(await requestCheck((ms) => ms.filter((m) => m.path !== CASE_PATHS.requestState))).toMatchObject({ verdict: 'fail', reason: 'CASE_INCOMPLETE' });
    expect(await requestCheck(edit(CASE_PATHS.requestState, (v) => ({ ...v, value: { ...(v['value'] as object), amount: '15000' } })))).toMatchObject({
      verdict: 'fail',
      reason: 'BAD_STATE_PROOF',
    });
  });
});

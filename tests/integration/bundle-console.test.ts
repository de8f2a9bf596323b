// Evidence bundles against the real devnet (its RPC socket, its receipts,
// checkpoints and historical state proofs): build a custody case and a
// history segment through the contract, verify them offline with the node's
// trust file, through the contract (upload in pieces, progress events, member
// reads) and through the CLI (`charter bundle verify`, in-process), and see a
// tampered copy fail.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCharter } from '../../main/app.js';
import { main } from '../../main/cli/index.js';
import { trustFromJson, verifyBundleBytes } from '../../main/evidence/bundles.js';
import { useConsole } from './console-harness.js';
import { expectCaseV2, expectSegmentV2 } from './bundle-shape.js';
import { SoftwareKeystore } from '../../hsm/software.js';
import { EvidenceService, keyBundleSigner } from '../../main/services/evidence.js';
import { ARTIFACT_TYPES, CASE_PATHS, COMMON_CHECKS } from '../../core/evidence/bundle/index.js';
import { contractApi } from '../../core/contract/client.js';

const PASS = 'a long passphrase';
const h = useConsole('charter-bundle-');
const { call } = h;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-bundle-out-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => (chunks.push(String(s)), true);
  try {
    const code = await main(['node', 'charter', ...args]);
    return { code, out: chunks.join('') };
  } finally {
    (process.stdout as unknown as { write: typeof orig }).write = orig;
  }
}

describe('evidence bundles on the devnet', () => {
  let requestId = '';
  let trustPath = '';
  let casePath = '';

  it("builds a custody case whose every check passes with the node's trust file", async () => {
    const [a, b] = [await call('keys.create', { label: 'a', passphrase: PASS }), await call('keys.create', { label: 'b', passphrase: PASS })];
    await call('custody.createVault', { vaultId: 'vault-b', name: 'B', approvers: [a!.keyId, b!.keyId], threshold: 1 });
    await call('custody.fundVault', { vaultId: 'vault-b', asset: 'USDC', amount: '1000' });
    const { request } = await call('custody.createWithdrawal', {
      vaultId: 'vault-b',
      asset: 'USDC',
      amount: '250',
      destination: 'acct:dest',
      memo: '',
      keyId: a!.keyId,
      passphrase: PASS,
    });
    requestId = request.requestId;
    const done = await call('custody.approve', { requestId, keyId: b!.keyId, passphrase: PASS });
    expect(done.request.status).toBe('executed');
    // A case not executed yet, or unknown, is refused with a stable code.
    expect(await h.fail('evidence.buildCase', { requestId: 'wr-000000000000000000000000' })).toBe('REQUEST_NOT_FOUND');

    // Checkpoints come every 10 blocks: nudge the chain (one faucet block each) past the next one.
    const client = await h.charter.services.chain.get();
    for (let i = 0; i < 30; i++) {
      const cp = await client.checkpoint().catch(() => null);
      if (cp && cp.checkpoint.height >= done.request.executedAt!) break;
      await call('custody.fundVault', { vaultId: 'vault-b', asset: 'EUR', amount: '1' });
    }
    const trust = await client.trustFile();
    trustPath = path.join(tmp, 'trust.json');
    fs.writeFileSync(trustPath, JSON.stringify(trust));

    const built = await call('evidence.buildCase', { requestId });
    const zip = Buffer.from(built.contentBase64, 'base64');
    casePath = path.join(tmp, 'case.zip');
    fs.writeFileSync(casePath, zip);
    // Kept in the workspace's content-addressed store, atomically, under its digest.
    expect(fs.readFileSync(built.artifact).equals(zip)).toBe(true);
    expect(path.basename(built.artifact)).toBe(`${built.sha256}.zip`);

    const r = await verifyBundleBytes(zip, { trust: trustFromJson(trust) });
    expect(r.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}:${c.reason}:${c.detail}`)).toEqual([]);
    expect(r.verdict).toBe('pass');
    // The block is the one the devnet's validator signed (the trust file names that key).
    expect(r.checks.find((c) => c.id === 'case.block.signature')).toMatchObject({ verdict: 'pass', reason: 'OK' });
    expect(r.members.map((m) => m.path)).toEqual(
      expect.arrayContaining([
        'request.json',
        'block.json',
        'policy.json',
        'proofs/policy-state.json',
        'receipt.json',
        'proofs/receipt-inclusion.json',
        'checkpoint.json',
      ]),
    );
    // v2: request.json is the value the request's state proof proves; the receipt group is complete.
    const opened = await expectCaseV2(zip, requestId, true);
    expect(opened.types.get(CASE_PATHS.requestState)).toBe(ARTIFACT_TYPES.stateProof);
    // The checkpoint is the oldest the node signed at or above the receipt's height.
    const receiptHeight = opened.json<{ height: number }>(CASE_PATHS.receipt).height;
    const signed = (await client.checkpoints({ limit: 1000 })).checkpoints.filter((c) => c.checkpoint.height >= receiptHeight);
    expect(opened.json<{ checkpoint: { height: number } }>(CASE_PATHS.checkpoint).checkpoint.height).toBe(Math.min(...signed.map((c) => c.checkpoint.height)));
    // The same case builds to the same bytes.
    expect((await call('evidence.buildCase', { requestId })).sha256).toBe(built.sha256);
  });

  it('charter bundle verify: exit 0 with the trust file, 2 without, 1 when tampered, 64 on usage', async () => {
    expect((await cli(['bundle', 'verify', casePath, '--trust', trustPath])).code).toBe(0);
    const noTrust = await cli(['bundle', 'verify', casePath, '--json']);
    expect(noTrust.code).toBe(2);
    expect(JSON.parse(noTrust.out).checks.find((c: { id: string }) => c.id === 'attestations.trust')).toMatchObject({
      verdict: 'unknown',
      reason: 'NO_TRUST_FILE',
    });
    const zip = fs.readFileSync(casePath);
    const at = zip.indexOf(Buffer.from('"amount":"250"'));
    expect(at).toBeGreaterThan(0);
    zip.write('"amount":"950"', at);
    const bad = path.join(tmp, 'tampered.zip');
    fs.writeFileSync(bad, zip);
    const t = await cli(['bundle', 'verify', bad, '--trust', trustPath]);
    expect(t.code).toBe(1);
    // A byte changed inside a stored entry: its CRC-32 no longer matches, and nothing further is read.
    expect(t.out).toMatch(/FAIL\s+zip\.container.*\[CRC_MISMATCH\]/);
    expect((await cli(['bundle', 'verify'])).code).toBe(64);
    fs.writeFileSync(path.join(tmp, 'bad-trust.json'), '{"version":1}');
    expect((await cli(['bundle', 'verify', casePath, '--trust', path.join(tmp, 'bad-trust.json')])).code).toBe(64);
    expect((await cli(['bundle', 'verify', path.join(tmp, 'no-such.zip')])).code).toBe(64);
  });

  it('verifies through the contract in pieces with progress, and reads members', async () => {
    const zip = fs.readFileSync(casePath);
    const events: { jobId: string; phase: string; done: number; total: number }[] = [];
    const off = h.charter.subscribe((e, p) => {
      if (e === 'evidence.progress') events.push(p as (typeof events)[number]);
    });
    let uploadId: string | undefined;
    for (let o = 0; o < zip.length; o += 1000) {
      const r = await call('evidence.uploadChunk', { ...(uploadId ? { uploadId } : {}), chunkBase64: zip.subarray(o, o + 1000).toString('base64') });
      uploadId = r.uploadId;
    }
    const report = await call('evidence.verifyBundle', { uploadId, trust: JSON.parse(fs.readFileSync(trustPath, 'utf8')), jobId: 'job-1' });
    off();
    expect(report.verdict).toBe('pass');
    expect(events.some((e) => e.jobId === 'job-1' && e.phase === 'reading' && e.done === e.total)).toBe(true);
    const m = await call('evidence.readMember', { bundleId: report.bundleId, path: 'request.json' });
    expect(JSON.parse(m.text!)).toMatchObject({ request_id: requestId, status: 'executed' });
    expect(await h.fail('evidence.readMember', { bundleId: report.bundleId, path: 'nope.json' })).toBe('NOT_FOUND');
    expect(await h.fail('evidence.verifyBundle', { uploadId })).toBe('BUNDLE_NOT_OPEN');
    expect(await h.fail('evidence.verifyBundle', { contentBase64: 'AAAA', trust: { version: 1 } })).toBe('BUNDLE_TRUST_INVALID');
  });

  it('a file that is not a zip: one NOT_A_ZIP failure, every other check not checked, and the console and `charter bundle verify` say the same', async () => {
    const notZip = Buffer.from('{"version":1,"note":"a JSON file dropped by mistake"}\n');
    const viaContract = await call('evidence.verifyBundle', { contentBase64: notZip.toString('base64') });
    expect(viaContract.verdict).toBe('fail');
    expect(viaContract.checks.map((c) => `${c.id}:${c.verdict}:${c.reason}`)).toEqual([
      'zip.container:fail:NOT_A_ZIP',
      ...[...COMMON_CHECKS.slice(1), ['content']].map(([id]) => `${id}:unknown:NOT_CHECKED`),
    ]);
    expect(viaContract.members).toEqual([]);
    const file = path.join(tmp, 'not-a-bundle.zip');
    fs.writeFileSync(file, notZip);
    const viaCli = await cli(['bundle', 'verify', file, '--json']);
    expect(viaCli.code).toBe(1);
    const json = JSON.parse(viaCli.out) as { verdict: string; checks: { id: string; verdict: string; reason: string; detail: string }[]; members: unknown[] };
    expect(json.verdict).toBe('fail');
    expect(json.checks).toEqual(viaContract.checks);
    expect(json.members).toEqual([]);
    // The verification is an audited action, refusals included.
    const audit = await call('audit.list', { action: 'evidence.verifyBundle', limit: 1 });
    expect(audit.entries[0]?.details['verdict']).toBe('fail');
  });

  it('keeps the chosen trust file in the workspace and restores it; refuses one that is not a trust file, keeping the previous one', async () => {
    const text = fs.readFileSync(trustPath, 'utf8');
    expect((await call('evidence.loadTrust', {})).saved).toBeNull();
    const saved = await call('evidence.saveTrust', { name: 'node-trust.json', trustText: text });
    expect(saved.name).toBe('node-trust.json');
    expect(saved.trust).toEqual(JSON.parse(text));
    expect(fs.existsSync(path.join(h.charter.workspace.artifactsDir, `${saved.sha256}.json`))).toBe(true);
    expect(await h.fail('evidence.saveTrust', { name: 'x.json', trustText: '{not json' })).toBe('BUNDLE_TRUST_INVALID');
    expect(await h.fail('evidence.saveTrust', { name: 'x.json', trustText: '{"version":1}' })).toBe('BUNDLE_TRUST_INVALID');
    expect(await h.fail('evidence.saveTrust', { name: '../x.json', trustText: text })).toBe('INVALID_INPUT');
    const loaded = await call('evidence.loadTrust', {});
    expect(loaded.saved).toMatchObject({ name: 'node-trust.json', sha256: saved.sha256 });
    expect(loaded.saved?.trust).toEqual(JSON.parse(text));
    // The refusals were audited.
    const refused = await call('audit.list', { action: 'evidence.saveTrust', result: 'error' });
    expect(refused.entries.map((e) => e.details['code'])).toEqual(['INVALID_INPUT', 'BUNDLE_TRUST_INVALID', 'BUNDLE_TRUST_INVALID']);
    expect((await call('evidence.clearTrust', {})).cleared).toBe(true);
    expect((await call('evidence.loadTrust', {})).saved).toBeNull();
  });

  it('builds a history segment: every block with its transactions and signed header, every receipt of the range with its inclusion proof, the checkpoints around it', async () => {
    const client = await h.charter.services.chain.get();
    // From the block after the node's first checkpoint, so that a checkpoint below the range exists.
    const all = (await client.checkpoints({ limit: 1000 })).checkpoints;
    const first = Math.min(...all.map((c) => c.checkpoint.height));
    // A few blocks with transactions after it (one faucet block each).
    while ((await client.status()).height < first + 3) await call('custody.fundVault', { vaultId: 'vault-b', asset: 'EUR', amount: '1' });
    const status = await client.status();
    const from = first + 1;
    const to = status.height;
    expect(to).toBeGreaterThan(from);
    const built = await call('evidence.buildSegment', { from, to });
    expect(built.missing).toEqual([]);
    const zip = Buffer.from(built.contentBase64, 'base64');
    const { bundle, txCount } = await expectSegmentV2(zip, from, to, { receipts: true, consistency: true });
    // The receipts are exactly the node's receipts of those heights (their count: the blocks' transactions).
    const nodeReceipts = await client.receipts({ fromHeight: from, toHeight: to, limit: 1000 });
    expect(txCount).toBeGreaterThan(0);
    expect(bundle.json<unknown[]>('receipts.json')).toEqual(nodeReceipts.receipts.map((r) => r.receipt));
    expect(txCount).toBe(nodeReceipts.receipts.length);
    // to.json: the oldest checkpoint at or above `to`; from.json: the newest below `from`.
    const cps = (await client.checkpoints({ limit: 1000 })).checkpoints.map((c) => c.checkpoint.height);
    expect(bundle.json<{ checkpoint: { height: number } }>('checkpoints/to.json').checkpoint.height).toBe(Math.min(...cps.filter((x) => x >= to)));
    expect(bundle.json<{ checkpoint: { height: number } }>('checkpoints/from.json').checkpoint.height).toBe(Math.max(...cps.filter((x) => x < from)));
    // Block `to` was the newest: the build had the node make block to+1 (its header signs to's result app hash).
    expect((await client.status()).height).toBeGreaterThan(to);

    const r = await verifyBundleBytes(zip, { trust: trustFromJson(JSON.parse(fs.readFileSync(trustPath, 'utf8'))) });
    expect(r.kind).toBe('history-segment');
    expect(r.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}:${c.reason}:${c.detail}`)).toEqual([]);
  });

  it('a segment of blocks without transactions: receipts.json is [] and the proofs {size, proofs: []}, still with to.json', async () => {
    const client = await h.charter.services.chain.get();
    // The block the previous build had the node make holds no transaction.
    const status = await client.status();
    let empty = 0;
    for (let x = status.height; x >= 1 && empty === 0; x--) if ((await client.block(x)).txs.length === 0) empty = x;
    expect(empty).toBeGreaterThan(0);
    const built = await call('evidence.buildSegment', { from: empty, to: empty });
    const { bundle, txCount } = await expectSegmentV2(Buffer.from(built.contentBase64, 'base64'), empty, empty, { receipts: true, consistency: true });
    expect(txCount).toBe(0);
    expect(bundle.json('receipts.json')).toEqual([]);
    const to = bundle.json<{ checkpoint: { mmr_size: number } }>('checkpoints/to.json');
    expect(bundle.json('proofs/receipts-inclusion.json')).toEqual({ size: to.checkpoint.mmr_size, proofs: [] });
    expect(built.missing).toEqual([]);
  });

  it("pages through the node's receipts, and refuses a range over the receipt cap or the block cap with INVALID_INPUT, writing and signing nothing", async () => {
    const { chain, explorer } = h.charter.services;
    const client = await chain.get();
    const status = await client.status();
    const from = 2;
    const to = status.height - 1;
    let txs = 0;
    for (let x = from; x <= to; x++) txs += (await client.block(x)).txs.length;
    expect(txs).toBeGreaterThan(5);
    const key = await call('keys.create', { label: 'segment signer', passphrase: PASS });
    const signer = () => ({
      key_id: key.keyId,
      scheme: key.scheme,
      public_key: key.publicKey,
      sign: async (): Promise<Uint8Array> => {
        throw new Error('nothing may be signed');
      },
    });
    const artifacts = () => fs.readdirSync(h.charter.workspace.artifactsDir).length;
    // A node page of 2 receipts: the build asks page after page until past `to`, and gets them all.
    const realSigner = await keyBundleSigner(h.charter.services.backends, key.keyId, PASS);
    const paged = new EvidenceService(chain, h.charter.workspace, explorer, () => realSigner, undefined, null, { maxSegmentReceipts: 100_000, receiptPage: 2 });
    const built = await paged.buildSegment(from, to);
    const { bundle, txCount } = await expectSegmentV2(Buffer.from(built.contentBase64, 'base64'), from, to, { receipts: true, consistency: false });
    expect(txCount).toBe(txs);
    expect(bundle.json<unknown[]>('receipts.json')).toHaveLength(txs);
    // Nothing signed below height 2: no from.json, and the build says why.
    const oldest = Math.min(...(await client.checkpoints({ limit: 1000 })).checkpoints.map((c) => c.checkpoint.height));
    expect(built.missing).toEqual([
      `proofs.consistency, checkpoint.from.quorum, checkpoint.from.witnesses: the node has signed no checkpoint below height ${from} (its oldest is at height ${oldest}), so the bundle has no earlier checkpoint to show the log consistent with; a segment starting above that height carries one`,
    ]);
    const before = artifacts();
    // Over the receipt cap: refused before anything is signed or stored.
    const capped = new EvidenceService(chain, h.charter.workspace, explorer, signer, undefined, null, { maxSegmentReceipts: txs - 1, receiptPage: 1000 });
    await expect(capped.buildSegment(from, to)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(
        new RegExp(`a history segment carries at most ${txs - 1} receipts \\(one per transaction\\), so build ${from}:${to} as smaller segments$`),
      ),
    });
    expect(artifacts()).toBe(before);
    // Over the block cap.
    expect(await h.fail('evidence.buildSegment', { from: 1, to: 10_001 })).toBe('INVALID_INPUT');
    await expect(capped.buildSegment(1, 10_001)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'a segment holds at most 10,000 blocks; 1:10001 is 10001',
    });
  });

  it("a node whose blocks' transactions do not hash to their data_hash: the segment is refused with NODE_ERROR, nothing written or signed", async () => {
    // This devnet behind a relay that drops the last transaction of every block it serves over
    // CometBFT's JSON-RPC `block`; everything else is forwarded as is.
    const target = h.charter.rpcUrl;
    const relay = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const body = Buffer.concat(chunks);
          const r = await fetch(target + req.url, {
            method: req.method,
            headers: { 'Content-Type': String(req.headers['content-type'] ?? 'application/json') },
            ...(req.method === 'POST' ? { body } : {}),
          });
          let out = Buffer.from(await r.arrayBuffer());
          const rpc = req.method === 'POST' && req.url === '/' ? (JSON.parse(body.toString('utf8')) as { method?: string }) : null;
          if (rpc?.method === 'block') {
            const j = JSON.parse(out.toString('utf8')) as { result?: { block?: { data?: { txs?: string[] } } } };
            const txs = j.result?.block?.data?.txs;
            if (txs && txs.length > 0) txs.pop();
            out = Buffer.from(JSON.stringify(j));
          }
          res.writeHead(r.status, { 'Content-Type': r.headers.get('content-type') ?? 'application/json' }).end(out);
        })().catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
    const ws = fs.mkdtempSync(path.join(tmp, 'relay-ws-'));
    const remote = await createCharter({
      host: 'serve',
      workspace: ws,
      nodeUrl: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`,
      scrypt: { n: 1 << 12, r: 8, p: 1 },
      watch: false,
    });
    try {
      const client = await h.charter.services.chain.get();
      let withTx = 0;
      for (let x = 2; withTx === 0; x++) if ((await client.block(x)).txs.length > 0) withTx = x;
      const k = await contractApi(remote.dispatch).result('keys.create', { label: 'auditor', passphrase: PASS });
      if (!k.ok) throw new Error(k.error.message);
      const r = await contractApi(remote.dispatch).result('evidence.buildSegment', { from: withTx, to: withTx, signerKeyId: k.value.keyId, secret: PASS });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('NODE_ERROR');
        expect(r.error.message).toMatch(
          new RegExp(
            `^block ${withTx}: the Merkle root of the \\d+ transaction\\(s\\) the node serves is [0-9A-F]{64}, but the block's data_hash is [0-9A-F]{64}; the node's transactions are not the block's, so no bundle is built$`,
          ),
        );
      }
      expect(fs.existsSync(remote.workspace.artifactsDir) ? fs.readdirSync(remote.workspace.artifactsDir) : []).toEqual([]);
    } finally {
      await remote.close();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  });

  it('a console on another node (--node) signs with a local key (--key): P-256, verified with a trust file that names it', async () => {
    // A second workspace with no devnet of its own, holding one real P-256 software key.
    const ws2 = fs.mkdtempSync(path.join(tmp, 'remote-ws-'));
    const key = await new SoftwareKeystore(path.join(ws2, 'keystore'), { n: 1 << 12, r: 8, p: 1 }).generate({ label: 'auditor', scheme: 'p256', secret: PASS });
    const node = h.charter.rpcUrl;
    const out = path.join(tmp, 'remote-case.zip');

    // Without a key it cannot sign: refused, nothing written.
    expect((await cli(['bundle', 'build', '--workspace', ws2, '--node', node, '--case', requestId, '--out', out])).code).not.toBe(0);
    expect(fs.existsSync(out)).toBe(false);
    // A wrong passphrase: refused, nothing written.
    process.env['CHARTER_TEST_BUNDLE_PASS'] = 'not the passphrase';
    expect(
      (
        await cli([
          'bundle',
          'build',
          '--workspace',
          ws2,
          '--node',
          node,
          '--case',
          requestId,
          '--out',
          out,
          '--key',
          key.keyId,
          '--passphrase-env',
          'CHARTER_TEST_BUNDLE_PASS',
        ])
      ).code,
    ).not.toBe(0);
    expect(fs.existsSync(out)).toBe(false);
    expect(process.env['CHARTER_TEST_BUNDLE_PASS']).toBeUndefined();

    process.env['CHARTER_TEST_BUNDLE_PASS'] = PASS;
    const built = await cli([
      'bundle',
      'build',
      '--workspace',
      ws2,
      '--node',
      node,
      '--case',
      requestId,
      '--out',
      out,
      '--key',
      key.keyId,
      '--passphrase-env',
      'CHARTER_TEST_BUNDLE_PASS',
      '--json',
    ]);
    expect(built.code).toBe(0);
    expect(fs.statSync(out).size).toBeGreaterThan(0);

    // The node's trust file does not name the auditor's key: the attestation verifies but is not trusted.
    const nodeTrust = JSON.parse(fs.readFileSync(trustPath, 'utf8')) as { keys: unknown[] };
    const r1 = await verifyBundleBytes(fs.readFileSync(out), { trust: trustFromJson(nodeTrust) });
    expect(r1.checks.find((c) => c.id === 'attestations.signatures')?.verdict).toBe('pass');
    expect(r1.checks.find((c) => c.id === 'attestations.trust')).toMatchObject({ verdict: 'fail', reason: 'UNKNOWN_KEY' });
    // A trust file naming it as an attester (docs/formats/evidence-bundle.md §4): every check passes.
    const withKey = { ...nodeTrust, attesters: [{ key_id: key.keyId, scheme: key.scheme, public_key: key.publicKey, valid_from_height: 0 }] };
    const trust2 = path.join(tmp, 'trust-auditor.json');
    fs.writeFileSync(trust2, JSON.stringify(withKey));
    const v = await cli(['bundle', 'verify', out, '--trust', trust2, '--json']);
    expect(JSON.parse(v.out).checks.filter((c: { verdict: string }) => c.verdict !== 'pass')).toEqual([]);
    expect(v.code).toBe(0);
    const att = JSON.parse(v.out).checks.find((c: { id: string }) => c.id === 'attestations.trust');
    expect(att.detail).toContain(key.keyId);
  });

  it('through the contract: signerKeyId + secret sign with a registry key; a wrong secret or an unknown key is refused with its code', async () => {
    const k = await call('keys.create', { label: 'bundle signer', passphrase: PASS });
    expect(await h.fail('evidence.buildCase', { requestId, signerKeyId: k.keyId, secret: 'wrong passphrase' })).toBe('WRONG_PASSPHRASE');
    expect(await h.fail('evidence.buildCase', { requestId, signerKeyId: 'ab'.repeat(20), secret: PASS })).toBe('KEY_NOT_FOUND');
    const built = await call('evidence.buildCase', { requestId, signerKeyId: k.keyId, secret: PASS });
    const r = await verifyBundleBytes(Buffer.from(built.contentBase64, 'base64'), { trust: null });
    expect(r.checks.find((c) => c.id === 'attestations.signatures')).toMatchObject({ verdict: 'pass' });
    expect(r.checks.find((c) => c.id === 'attestations.trust')?.detail).toContain(k.keyId);
    // The secret never reaches the audit log.
    const audit = JSON.stringify(h.charter.workspace.db.prepare('SELECT * FROM audit_log').all());
    expect(audit).not.toContain('wrong passphrase');
    expect(audit).not.toContain(PASS);
  });
});

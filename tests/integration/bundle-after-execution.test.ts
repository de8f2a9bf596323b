// The README's flow ends with a bundle that passes: three software keys, a
// 2-of-3 vault funded from the faucet, a withdrawal requested by one key and
// approved by the two others, and a custody case built right after it
// executes — before the devnet has signed any checkpoint (its cadence here is
// 1,000 blocks, so none comes by itself) — verifies *pass* with the node's
// trust file. The embedded devnet makes what the case needs when it is built
// (POST /explorer/checkpoint: the next block and a checkpoint covering the
// execution). Against a node that cannot (a relay in front of the devnet
// that answers that route with 404, as a node without it does), the build
// names what is missing and when it will be there. Real consoles, the real
// devnet over its RPC socket.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KeyView } from '../../core/contract/index.js';
import { createCharter } from '../../main/app.js';
import { trustFromJson, verifyBundleBytes } from '../../main/evidence/bundles.js';
import { useConsole } from './console-harness.js';
import { expectCaseV2 } from './bundle-shape.js';
import { contractApi } from '../../core/contract/client.js';

const PASS = 'correct horse battery staple';
const h = useConsole('charter-bundle-now-', () => ({ checkpointEvery: 1000 }));
const { call } = h;

async function post(
  path: string,
  body: string,
  headers: Record<string, string> = { 'Content-Type': 'application/json' },
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(h.charter.rpcUrl + path, { method: 'POST', body, headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('a custody case built right after the withdrawal executes', () => {
  let requestId = '';
  let executedAt = 0;

  it("verifies pass with the node's trust file, and the build names nothing missing", async () => {
    const keys: KeyView[] = [];
    for (const label of ['alice', 'bob', 'carol']) keys.push(await call('keys.create', { label, passphrase: PASS }));
    const [a, b, c] = keys as [KeyView, KeyView, KeyView];
    await call('custody.createVault', { vaultId: 'treasury', name: 'Treasury', approvers: [a.keyId, b.keyId, c.keyId], threshold: 2 });
    await call('custody.fundVault', { vaultId: 'treasury', asset: 'USDC', amount: '1000000' });
    const { request } = await call('custody.createWithdrawal', {
      vaultId: 'treasury',
      asset: 'USDC',
      amount: '250000',
      destination: 'acct:dest',
      memo: '',
      keyId: a.keyId,
      passphrase: PASS,
    });
    requestId = request.requestId;
    // The initiator cannot approve its own request: the two others do.
    expect(await h.fail('custody.approve', { requestId, keyId: a.keyId, passphrase: PASS })).toBe('SELF_APPROVAL');
    await call('custody.approve', { requestId, keyId: b.keyId, passphrase: PASS });
    const done = await call('custody.approve', { requestId, keyId: c.keyId, passphrase: PASS });
    expect(done.request.status).toBe('executed');
    executedAt = done.request.executedAt!;

    // The precondition: the node has signed no checkpoint (so none covers the execution).
    const client = await h.charter.services.chain.get();
    await expect(client.checkpoint()).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const built = await call('evidence.buildCase', { requestId });
    expect(built.missing).toEqual([]);
    const trust = await client.trustFile();
    const r = await verifyBundleBytes(Buffer.from(built.contentBase64, 'base64'), { trust: trustFromJson(trust) });
    expect(r.checks.filter((x) => x.verdict !== 'pass').map((x) => `${x.id}:${x.reason}:${x.detail}`)).toEqual([]);
    expect(r.verdict).toBe('pass');
    // The core knows no decimals: the request's amount is said in base units, never "250000 USDC".
    expect(r.checks.find((x) => x.id === 'case.request')?.detail).toMatch(
      new RegExp(
        `^${requestId}: 250000 base units of USDC from treasury to acct:dest, as signed by [0-9a-f]{40} at height \\d+; executed at height ${executedAt}$`,
      ),
    );
    expect(r.members.map((m) => m.path)).toEqual(
      expect.arrayContaining(['proofs/policy-state.json', 'receipt.json', 'proofs/receipt-inclusion.json', 'checkpoint.json']),
    );
    await expectCaseV2(Buffer.from(built.contentBase64, 'base64'), requestId, true);
    // The node now holds a checkpoint covering the execution, outside its 1,000-block cadence.
    const cp = await client.checkpoint();
    expect(cp.checkpoint.height).toBeGreaterThanOrEqual(executedAt);
    expect(cp.checkpoint.height % 1000).not.toBe(0);
    // Built again, nothing new is issued: the same bytes.
    expect((await call('evidence.buildCase', { requestId })).sha256).toBe(built.sha256);
  });

  it("evidence.nodeTrust keeps the node's trust file as the chosen one, and the case verifies pass with it", async () => {
    const client = await h.charter.services.chain.get();
    const fromNode = await client.trustFile();
    const saved = await call('evidence.nodeTrust', {});
    expect(saved.trust).toEqual(fromNode);
    expect(saved.name).toBe(`node-trust-${fromNode.log_id}.json`);
    expect(saved.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Kept in the workspace as a chosen trust file is: a reload restores it.
    expect((await call('evidence.loadTrust', {})).saved?.sha256).toBe(saved.sha256);
    // Strict input: nothing may be passed.
    expect(await h.fail('evidence.nodeTrust', { url: 'http://elsewhere' })).toBe('INVALID_INPUT');
    const built = await call('evidence.buildCase', { requestId });
    const report = await call('evidence.verifyBundle', { contentBase64: built.contentBase64, trust: saved.trust });
    expect(report.checks.filter((x) => x.verdict !== 'pass').map((x) => x.id)).toEqual([]);
    expect(report.verdict).toBe('pass');
  });

  it('POST /explorer/checkpoint issues at most once per height and takes only a JSON {"height": H}', async () => {
    const client = await h.charter.services.chain.get();
    const before = await client.status();
    const again = await post('/explorer/checkpoint', JSON.stringify({ height: executedAt }));
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ issued: false, produced_block: null });
    expect((await client.status()).height).toBe(before.height);

    expect((await post('/explorer/checkpoint', JSON.stringify({ height: before.height + 5 }))).status).toBe(404);
    expect((await post('/explorer/checkpoint', 'height=1', { 'Content-Type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await post('/explorer/checkpoint', '{"height":"1"}')).status).toBe(400);
    expect((await post('/explorer/checkpoint', '{"height":1,"x":2}')).status).toBe(400);
    expect(
      (await post('/explorer/checkpoint', JSON.stringify({ height: 1 }), { 'Content-Type': 'application/json', Origin: 'http://evil.example' })).status,
    ).toBe(403);
    // None of these made a block or a checkpoint.
    expect((await client.status()).height).toBe(before.height);
    expect((await client.checkpoints({ limit: 10 })).checkpoints).toHaveLength(1);
  });

  it('against a node that cannot issue a checkpoint, the build says what is missing and when it will be there', async () => {
    // Another node, as a console attached with --node sees it: this devnet behind a relay that
    // answers POST /explorer/checkpoint the way a node without that route does (404). Everything
    // else is forwarded to the real devnet over its socket.
    const target = h.charter.rpcUrl;
    let refuseStateProof: string | null = null;
    const relay = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const refused =
            refuseStateProof !== null &&
            req.url?.startsWith('/explorer/state-proof?') &&
            new URL(req.url, 'http://relay').searchParams.get('key')?.startsWith(refuseStateProof);
          if (refused) {
            res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 'NOT_FOUND', message: 'no such route' }));
            return;
          }
          if (req.method === 'POST' && req.url === '/explorer/checkpoint') {
            res
              .writeHead(404, { 'Content-Type': 'application/json' })
              .end(JSON.stringify({ code: 'NOT_FOUND', message: 'POST /explorer/checkpoint: JSON-RPC requests go to /' }));
            return;
          }
          const r = await fetch(target + req.url, {
            method: req.method,
            headers: { 'Content-Type': String(req.headers['content-type'] ?? 'application/json') },
            ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
          });
          res.writeHead(r.status, { 'Content-Type': r.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await r.arrayBuffer()));
        })().catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
    const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-bundle-remote-'));
    const remote = await createCharter({ host: 'serve', workspace: ws, nodeUrl: relayUrl, scrypt: { n: 1 << 12, r: 8, p: 1 }, watch: false });
    try {
      // A new withdrawal executed on the devnet, after the checkpoint the first case made.
      const { keys } = await call('keys.list', {});
      const [a, b, c] = ['alice', 'bob', 'carol'].map((l) => keys.find((k) => k.label === l)!) as [KeyView, KeyView, KeyView];
      const { request } = await call('custody.createWithdrawal', {
        vaultId: 'treasury',
        asset: 'USDC',
        amount: '1000',
        destination: 'acct:second',
        memo: '',
        keyId: a.keyId,
        passphrase: PASS,
      });
      await call('custody.approve', { requestId: request.requestId, keyId: b.keyId, passphrase: PASS });
      const done = await call('custody.approve', { requestId: request.requestId, keyId: c.keyId, passphrase: PASS });
      const at = done.request.executedAt!;

      const signerKey = await contractApi(remote.dispatch).result('keys.create', { label: 'auditor', passphrase: PASS });
      if (!signerKey.ok) throw new Error(signerKey.error.message);
      const r = await contractApi(remote.dispatch).result('evidence.buildCase', {
        requestId: request.requestId,
        signerKeyId: signerKey.value.keyId,
        secret: PASS,
      });
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      const status = await (await h.charter.services.chain.get()).status();
      // The next block comes from the devnet's own timer (100 ms here), so it may or may not exist yet: if not, the build says so.
      const nextBlock = `case.block.signature: block ${at + 1} is not made yet, so block ${at}'s result app hash is not covered by a signature; it will be once the node makes block ${at + 1} (build the case again then)`;
      expect(r.value.missing.filter((m) => m.startsWith('case.block.signature')).every((m) => m === nextBlock)).toBe(true);
      const rest = r.value.missing.filter((m) => !m.startsWith('case.block.signature'));
      expect(rest).toHaveLength(1);
      expect(rest[0]).toMatch(
        new RegExp(
          `^proofs\\.receipt, proofs\\.inclusion, checkpoint\\.quorum, checkpoint\\.witnesses: no signed checkpoint covers block ${at} yet, so the bundle has no receipt, inclusion proof or checkpoint; the node signs one every 1000 blocks, the next at height 1000 \\(the chain is at (\\d+)\\): build the case again once it is there \\(the node could not issue one now: POST /explorer/checkpoint: JSON-RPC requests go to /\\)$`,
        ),
      );
      expect(Number(/the chain is at (\d+)/.exec(rest[0]!)![1])).toBeLessThanOrEqual(status.height);
      // The bundle is built anyway; what is missing is unknown, nothing fails.
      const trust = await (await h.charter.services.chain.get()).trustFile();
      const v = await verifyBundleBytes(Buffer.from(r.value.contentBase64, 'base64'), {
        trust: trustFromJson({
          ...trust,
          attesters: [{ key_id: signerKey.value.keyId, scheme: 'ed25519', public_key: signerKey.value.publicKey, valid_from_height: 0 }],
        }),
      });
      expect(v.checks.filter((x) => x.verdict === 'fail')).toEqual([]);
      // Unknown: exactly the checks `missing` names (checkpoint.witnesses too, once the verifier has it).
      const unknown = v.checks
        .filter((x) => x.verdict === 'unknown')
        .map((x) => `${x.id}:${x.reason}`)
        .sort();
      expect(unknown).toEqual(expect.arrayContaining(['checkpoint.quorum:NO_CHECKPOINT', 'proofs.inclusion:NO_RECEIPT', 'proofs.receipt:NO_RECEIPT']));
      const nextMissing = r.value.missing.includes(nextBlock);
      expect(unknown.includes('case.block.signature:NO_NEXT_HEADER')).toBe(nextMissing);
      expect(
        unknown.filter((u) => !u.startsWith('checkpoint.witnesses:') && u !== 'case.block.signature:NO_NEXT_HEADER'),
        unknown.join(', '),
      ).toHaveLength(3);
      // The case still carries both state proofs; it has no receipt group.
      await expectCaseV2(Buffer.from(r.value.contentBase64, 'base64'), request.requestId, false);

      // A node that serves no state proof of the request, or of the vault: the case is refused with
      // NOT_AVAILABLE naming the proof and why, and nothing is written or signed.
      const stored = () => fs.readdirSync(remote.workspace.artifactsDir).length;
      const before = stored();
      for (const [prefix, key] of [
        ['request/', `request/${request.requestId}`],
        ['vault/', 'vault/treasury'],
      ] as const) {
        refuseStateProof = prefix;
        const refused = await contractApi(remote.dispatch).result('evidence.buildCase', {
          requestId: request.requestId,
          signerKeyId: signerKey.value.keyId,
          secret: PASS,
        });
        expect(refused.ok).toBe(false);
        if (refused.ok) continue;
        expect(refused.error.code).toBe('NOT_AVAILABLE');
        expect(refused.error.message).toBe(
          `cannot build the custody case of ${request.requestId}: the node gives no state proof of ${key} at height ${at} (NOT_FOUND: no such route); a custody case carries ${prefix === 'request/' ? 'the request record' : 'the policy of vault treasury'} as proven against block ${at}'s result app hash, so nothing was written or signed (a Charter devnet serves these proofs at /explorer/state-proof)`,
        );
        expect(stored()).toBe(before);
      }
      refuseStateProof = null;
      // Nothing was issued on the devnet by that build.
      expect((await (await h.charter.services.chain.get()).checkpoints({ limit: 10 })).checkpoints).toHaveLength(1);
    } finally {
      await remote.close();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});

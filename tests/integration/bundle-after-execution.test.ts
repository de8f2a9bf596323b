// The README's flow ends with a bundle that passes: three software keys, a
// 2-of-3 vault funded from the faucet, a withdrawal requested by one key and
// approved by the two others, and a custody case built right after it
// executes — before the devnet has signed any checkpoint (its cadence here is
// 1,000 blocks, so none comes by itself) — verifies *pass* with the node's
// trust file. The embedded devnet makes what the case needs when it is built
// (POST /explorer/checkpoint: the next block and a checkpoint covering the
// execution). Real console, real devnet over its RPC socket.
import { afterAll, describe, expect, it } from 'vitest';
import type { KeyView, RequestView } from '../../core/contract/index.js';
import { trustFromJson, verifyBundleBytes } from '../../main/evidence/bundles.js';
import { useConsole } from './console-harness.js';

const PASS = 'correct horse battery staple';
const h = useConsole('charter-bundle-now-', () => ({ checkpointEvery: 1000 }));
const { call } = h;
afterAll(() => undefined);

async function post(path: string, body: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(h.charter.rpcUrl + path, { method: 'POST', body, headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('a custody case built right after the withdrawal executes', () => {
  let requestId = '';
  let executedAt = 0;

  it('verifies pass with the node\'s trust file, and the build names nothing missing', async () => {
    const keys: KeyView[] = [];
    for (const label of ['alice', 'bob', 'carol']) keys.push(await call<KeyView>('keys.create', { label, passphrase: PASS }));
    const [a, b, c] = keys as [KeyView, KeyView, KeyView];
    await call('custody.createVault', { vaultId: 'treasury', name: 'Treasury', approvers: [a.keyId, b.keyId, c.keyId], threshold: 2 });
    await call('custody.fundVault', { vaultId: 'treasury', asset: 'USDC', amount: '1000000' });
    const { request } = await call<{ request: RequestView }>('custody.createWithdrawal', { vaultId: 'treasury', asset: 'USDC', amount: '250000', destination: 'acct:dest', memo: '', keyId: a.keyId, passphrase: PASS });
    requestId = request.requestId;
    // The initiator cannot approve its own request: the two others do.
    expect(await h.fail('custody.approve', { requestId, keyId: a.keyId, passphrase: PASS })).toBe('SELF_APPROVAL');
    await call('custody.approve', { requestId, keyId: b.keyId, passphrase: PASS });
    const done = await call<{ request: RequestView }>('custody.approve', { requestId, keyId: c.keyId, passphrase: PASS });
    expect(done.request.status).toBe('executed');
    executedAt = done.request.executedAt!;

    // The precondition: the node has signed no checkpoint (so none covers the execution).
    const client = await h.charter.services.chain.get();
    await expect(client.checkpoint()).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const built = await call<{ contentBase64: string; sha256: string; missing: string[] }>('evidence.buildCase', { requestId });
    expect(built.missing).toEqual([]);
    const trust = await client.trustFile();
    const r = await verifyBundleBytes(Buffer.from(built.contentBase64, 'base64'), { trust: trustFromJson(trust) });
    expect(r.checks.filter((x) => x.verdict !== 'pass').map((x) => `${x.id}:${x.reason}:${x.detail}`)).toEqual([]);
    expect(r.verdict).toBe('pass');
    expect(r.members.map((m) => m.path)).toEqual(expect.arrayContaining(['proofs/policy-state.json', 'receipt.json', 'proofs/receipt-inclusion.json', 'checkpoint.json']));
    // The node now holds a checkpoint covering the execution, outside its 1,000-block cadence.
    const cp = await client.checkpoint();
    expect(cp.checkpoint.height).toBeGreaterThanOrEqual(executedAt);
    expect(cp.checkpoint.height % 1000).not.toBe(0);
    // Built again, nothing new is issued: the same bytes.
    expect((await call<{ sha256: string }>('evidence.buildCase', { requestId })).sha256).toBe(built.sha256);
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
    expect((await post('/explorer/checkpoint', JSON.stringify({ height: 1 }), { 'Content-Type': 'application/json', Origin: 'http://evil.example' })).status).toBe(403);
    // None of these made a block or a checkpoint.
    expect((await client.status()).height).toBe(before.height);
    expect((await client.checkpoints({ limit: 10 })).checkpoints).toHaveLength(1);
  });
});

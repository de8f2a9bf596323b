// A vault with a timelock: the second approval leaves the request "approved,
// waiting"; the engine executes it at a later block by itself (no transaction),
// the console follows, and the evidence file names the block as the executor.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../core/codec/index.js';
import type { CallResult, KeyView, RequestView } from '../../core/contract/index.js';
import { encodeTx, signingDigest } from '../../core/tx/envelope.js';
import { createCharter, type Charter } from '../../main/app.js';
import { loadDevnetAdmin } from '../../main/devnet/node.js';

const PASS = 'a long passphrase';
let dir: string;
let charter: Charter;

async function call<T>(method: string, input: unknown): Promise<T> {
  const r = (await charter.dispatch(method, input)) as CallResult<T>;
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-timelock-'));
  charter = await createCharter({ host: 'serve', workspace: dir, blockTimeMs: 100, scrypt: { n: 1 << 12, r: 8, p: 1 }, watch: false });
});
afterAll(async () => {
  await charter?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a timelocked withdrawal', () => {
  it('waits after its approvals, executes at a block, and exports evidence naming that block', async () => {
    const keys: KeyView[] = [];
    for (const label of ['a', 'b', 'c']) keys.push(await call<KeyView>('keys.create', { label, passphrase: PASS }));
    await call('custody.createVault', { vaultId: 'slow', name: 'Slow', approvers: keys.map((k) => k.keyId), threshold: 2 });
    await call('custody.fundVault', { vaultId: 'slow', asset: 'USDC', amount: '500' });

    // The devnet admin sets a 3-block timelock (vault.set_policy has no console form yet).
    const admin = loadDevnetAdmin(charter.workspace.devnetHome);
    const client = await charter.services.chain.get();
    const status = await client.status();
    const unsigned = {
      version: 1 as const,
      chain_id: status.chainId,
      type: 'vault.set_policy' as const,
      body: { vault_id: 'slow', policy: { approvers: keys.map((k) => k.keyId), threshold: 2, timelock_blocks: 3 } },
      signer: admin.keyId,
      nonce: (await client.nonceOf(admin.keyId)) + 1,
      expires_at: status.height + 50,
    };
    expect((await client.broadcastCommit(encodeTx({ ...unsigned, signature: toHex(admin.sign(signingDigest(unsigned))) }))).txResult.code).toBe(0);

    const { request } = await call<{ request: RequestView }>('custody.createWithdrawal', {
      vaultId: 'slow', asset: 'USDC', amount: '100', destination: 'acct:later', memo: '', keyId: keys[0]!.keyId, passphrase: PASS,
    });
    await call('custody.approve', { requestId: request.requestId, keyId: keys[1]!.keyId, passphrase: PASS });
    const second = await call<{ request: RequestView; height: number }>('custody.approve', { requestId: request.requestId, keyId: keys[2]!.keyId, passphrase: PASS });
    expect(second.request.status).toBe('approved');
    const pre = await call<{ controls: { control: string; status: string }[] }>('custody.precheck', { requestId: request.requestId });
    expect(pre.controls.find((c) => c.control === 'timelock')?.status).toBe('waiting');
    await expect(charter.dispatch('evidence.exportWithdrawal', { requestId: request.requestId })).resolves.toMatchObject({ ok: false });

    // Blocks keep coming only when there is work: nudge the chain with a faucet transaction per block until executed.
    let r = second.request;
    for (let i = 0; i < 20 && r.status !== 'executed'; i++) {
      await call('custody.fundVault', { vaultId: 'slow', asset: 'EUR', amount: '1' });
      r = await call<RequestView>('custody.getRequest', { requestId: request.requestId });
    }
    expect(r.status).toBe('executed');
    expect(r.executedTx).toBeNull();
    expect(r.executedAt!).toBeGreaterThanOrEqual(second.height + 3);

    const ev = await call<{ content: string }>('evidence.exportWithdrawal', { requestId: request.requestId });
    const doc = JSON.parse(ev.content);
    expect(doc.execution).toMatchObject({ tx_hash: null, by: 'block', block: { height: r.executedAt } });
    expect(doc.approvals).toHaveLength(2);
  });
});

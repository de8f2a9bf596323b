// A vault with a timelock: the second approval leaves the request "approved,
// waiting"; the engine executes it at a later block by itself (no transaction),
// the console follows, and the evidence file names the block as the executor.
import { describe, expect, it } from 'vitest';
import { useConsole } from './console-harness.js';
import type { KeyView } from '../../core/contract/index.js';

const PASS = 'a long passphrase';
const h = useConsole('charter-timelock-');
const { call } = h;

describe('a timelocked withdrawal', () => {
  it('waits after its approvals, executes at a block, and exports evidence naming that block', async () => {
    const keys: KeyView[] = [];
    for (const label of ['a', 'b', 'c']) keys.push(await call('keys.create', { label, passphrase: PASS }));
    await call('custody.createVault', { vaultId: 'slow', name: 'Slow', approvers: keys.map((k) => k.keyId), threshold: 2 });
    await call('custody.fundVault', { vaultId: 'slow', asset: 'USDC', amount: '500' });

    // The devnet admin sets a 3-block timelock (vault.set_policy has no console form yet).
    const set = await h.submitAsAdmin('vault.set_policy', {
      vault_id: 'slow',
      policy: { approvers: keys.map((k) => k.keyId), threshold: 2, timelock_blocks: 3 },
    });
    expect(set.code).toBe(0);

    const { request } = await call('custody.createWithdrawal', {
      vaultId: 'slow',
      asset: 'USDC',
      amount: '100',
      destination: 'acct:later',
      memo: '',
      keyId: keys[0]!.keyId,
      passphrase: PASS,
    });
    await call('custody.approve', { requestId: request.requestId, keyId: keys[1]!.keyId, passphrase: PASS });
    const second = await call('custody.approve', { requestId: request.requestId, keyId: keys[2]!.keyId, passphrase: PASS });
    expect(second.request.status).toBe('approved');
    const pre = await call('custody.precheck', { requestId: request.requestId });
    expect(pre.controls.find((c) => c.control === 'timelock')?.status).toBe('waiting');
    await expect(h.charter.dispatch('evidence.exportWithdrawal', { requestId: request.requestId })).resolves.toMatchObject({ ok: false });

    // Blocks keep coming only when there is work: nudge the chain with a faucet transaction per block until executed.
    let r = second.request;
    for (let i = 0; i < 20 && r.status !== 'executed'; i++) {
      await call('custody.fundVault', { vaultId: 'slow', asset: 'EUR', amount: '1' });
      r = await call('custody.getRequest', { requestId: request.requestId });
    }
    expect(r.status).toBe('executed');
    expect(r.executedTx).toBeNull();
    expect(r.executedAt!).toBeGreaterThanOrEqual(second.height + 3);

    const ev = await call('evidence.exportWithdrawal', { requestId: request.requestId });
    const doc = JSON.parse(ev.content);
    expect(doc.execution).toMatchObject({ tx_hash: null, by: 'block', block: { height: r.executedAt } });
    expect(doc.approvals).toHaveLength(2);
  });
});

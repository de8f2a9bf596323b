// node.validators on the embedded devnet (one validator, signing every block)
// and on real CometBFT lives in abci-cometbft.test.ts; the wording of the
// warning below two thirds is core/consensus/health.test.ts's.
import { describe, expect, it } from 'vitest';
import { useConsole } from './console-harness.js';

const c = useConsole('charter-node-validators-');

describe('node.validators', () => {
  it('lists the devnet validator, signing the newest commit, with quorum', async () => {
    // Blocks first: the newest canonical commit is of height − 1, and the devnet makes blocks for transactions.
    const admin = (await c.api.call('app.info')).devnetAdminKeyId as string;
    await c.submitAsAdmin('vault.create', { vault_id: 'nv-1', name: 'nv', policy: { approvers: [admin], threshold: 1 } });
    let h = await c.api.call('node.validators');
    for (let i = 0; i < 50 && h.height < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      h = await c.api.call('node.validators');
    }
    expect(h.count).toBe(1);
    expect(h.validators).toHaveLength(1);
    expect(h.validators[0]).toMatchObject({ power: 10, signedLatest: true });
    expect(h.validators[0]!.address).toMatch(/^[0-9A-F]{40}$/);
    expect(h).toMatchObject({ quorum: true, warning: null, totalPower: 10, onlinePower: 10, offline: 0 });
  });
});

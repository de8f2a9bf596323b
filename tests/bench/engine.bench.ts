// Engine figures on this machine: block execution with signature checks, the
// state root as state grows, and decoding. Printed by `npm run bench`.
import { bench, describe } from 'vitest';
import { CustodyEngine } from '../../core/engine/engine.js';
import { stateRoot } from '../../core/engine/state-root.js';
import { buildTx, blockTime, testGenesis, testKey } from '../support/engine-kit.js';
import { decodeTx } from '../../core/tx/envelope.js';

const admin = testKey(1);
const approvers = [testKey(2), testKey(3), testKey(4)];

/** An engine with a funded 2-of-3 vault, at height 1. */
function setup(): { engine: CustodyEngine; adminNonce: number } {
  const engine = new CustodyEngine(testGenesis());
  let n = 0;
  const txs = [
    ...approvers.map((k) => buildTx(admin, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: 'k' }, ++n).bytes),
    buildTx(admin, 'vault.create', { vault_id: 'bench', name: 'Bench', policy: { approvers: approvers.map((k) => k.keyId), threshold: 2 } }, ++n).bytes,
    buildTx(admin, 'vault.fund', { vault_id: 'bench', asset: 'USDC', amount: '1000000000000' }, ++n).bytes,
  ];
  engine.finalizeBlock({ height: 1, time: blockTime(1), txs });
  engine.commit();
  return { engine, adminNonce: n };
}

describe('custody engine', () => {
  // 100 withdrawals created in one block: each tx is decoded, its Ed25519 signature verified, and applied.
  const { engine } = setup();
  const creates = Array.from(
    { length: 100 },
    (_, i) =>
      buildTx(approvers[0]!, 'withdrawal.create', { vault_id: 'bench', asset: 'USDC', amount: '1', destination: 'acct:x', memo: String(i) }, i + 1, {
        expires_at: 1000,
      }).bytes,
  );
  const height = 1;
  bench(
    'finalizeBlock: 100 withdrawal.create txs (decode + Ed25519 verify + apply + state root)',
    () => {
      const e = CustodyEngine.restore(engine.snapshot(), testGenesis());
      e.finalizeBlock({ height: height + 1, time: blockTime(height + 1), txs: creates });
    },
    { iterations: 10 },
  );
  void height;

  const bytes = creates[0]!;
  bench('decodeTx (strict, canonical check)', () => {
    decodeTx(bytes);
  });

  bench(
    'checkTx: one signed withdrawal.create',
    () => {
      const e = CustodyEngine.restore(engine.snapshot(), testGenesis());
      e.checkTx(bytes);
    },
    { iterations: 50 },
  );
});

describe('state root', () => {
  for (const n of [100, 1000, 5000]) {
    const { engine } = setup();
    const state = engine.state();
    for (let i = 0; i < n; i++) {
      const id = `v${i}`.padEnd(4, '0');
      state.vaults[id] = { vault_id: id, name: 'n', policy: { approvers: [approvers[0]!.keyId], threshold: 1 }, balances: { USDC: '1' }, created_at: 1 };
    }
    bench(
      `stateRoot over ${n} vaults`,
      () => {
        stateRoot(state);
      },
      { iterations: 10 },
    );
  }
});

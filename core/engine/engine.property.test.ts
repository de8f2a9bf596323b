/**
 * Property test: random interleavings of valid and invalid transactions.
 *
 * For every generated stream of blocks:
 *  - balances are never negative, and funded − executed = held, per asset;
 *  - failed transactions never change the root: replaying only the accepted
 *    transactions of each block on a second engine gives the same root;
 *  - two runs of the full stream agree on every result and every root, even
 *    when one of them is restored from a snapshot part-way.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalBytes, fromUtf8, toHex } from '../codec/index.js';
import { CustodyEngine } from './engine.js';
import { nobleVerifier } from '../crypto/ed25519.js';
import type { SignatureVerifier } from '../crypto/ed25519.js';
import { buildTx, runBlock, testGenesis, testKey } from '../../tests/support/engine-kit.js';
import type { TestKey } from '../../tests/support/engine-kit.js';
import type { EngineState, TxBodies, TxType } from './types.js';

const admin = testKey(1);
const keys: TestKey[] = [admin, testKey(2), testKey(3), testKey(4), testKey(5) /* registered by the stream, maybe */, testKey(9) /* never */];
const VAULTS = ['alpha', 'beta', 'ghost'];

type Op =
  | { k: 'fund'; signer: number; vault: number; amount: number }
  | { k: 'create'; signer: number; vault: number; amount: number }
  | { k: 'approve'; signer: number; pick: number }
  | { k: 'register'; signer: number; target: number }
  | { k: 'badsig'; signer: number; amount: number }
  | { k: 'badnonce'; signer: number; skip: number }
  | { k: 'expired'; signer: number }
  | { k: 'garbage'; byte: number };

const signer = fc.integer({ min: 0, max: keys.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('fund' as const),
      signer: fc.constantFrom(0, 0, 0, 1),
      vault: fc.integer({ min: 0, max: 2 }),
      amount: fc.integer({ min: 1, max: 400 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('create' as const),
      signer: fc.constantFrom(1, 2, 3, 0, 5),
      vault: fc.constantFrom(0, 0, 1, 2),
      amount: fc.integer({ min: 1, max: 1000 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('approve' as const), signer, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('register' as const), signer: fc.constantFrom(0, 2), target: fc.constantFrom(4, 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('badsig' as const), signer, amount: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('badnonce' as const), signer, skip: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('expired' as const), signer }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('garbage' as const), byte: fc.integer({ min: 0, max: 255 }) }) },
);
const streamArb = fc.record({
  blocks: fc.array(fc.array(opArb, { maxLength: 6 }), { minLength: 1, maxLength: 8 }),
  restoreAt: fc.integer({ min: 0, max: 8 }),
});

const genesis = testGenesis();

/**
 * nobleVerifier with a memo: the three engines of a run verify the same
 * signatures, and this keeps the test fast. Every verdict is still noble's.
 */
const memo = new Map<string, boolean>();
const verifier: SignatureVerifier = {
  verify(scheme, publicKey, message, signature) {
    const k = `${scheme}:${toHex(publicKey)}:${toHex(message)}:${toHex(signature)}`;
    let v = memo.get(k);
    if (v === undefined) {
      v = nobleVerifier.verify(scheme, publicKey, message, signature);
      memo.set(k, v);
    }
    return v;
  },
};
const opts = { verifier };

const SETUP_FUNDS = 800;

/** Registers keys 2–4; vault alpha 2-of-3 (2,3,4), beta 1-of-2 (3,4); funds each with 800 USD. */
function setupBlocks(): Uint8Array[][] {
  const reg = (k: TestKey, n: number) =>
    buildTx(admin, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: `k${n}` }, n, { expires_at: 10 }).bytes;
  return [
    [reg(keys[1] as TestKey, 1), reg(keys[2] as TestKey, 2), reg(keys[3] as TestKey, 3)],
    [
      buildTx(
        admin,
        'vault.create',
        { vault_id: 'alpha', name: 'A', policy: { approvers: [1, 2, 3].map((i) => (keys[i] as TestKey).keyId), threshold: 2 } },
        4,
        { expires_at: 10 },
      ).bytes,
      buildTx(admin, 'vault.create', { vault_id: 'beta', name: 'B', policy: { approvers: [2, 3].map((i) => (keys[i] as TestKey).keyId), threshold: 1 } }, 5, {
        expires_at: 10,
      }).bytes,
    ],
    [
      buildTx(admin, 'vault.fund', { vault_id: 'alpha', asset: 'USD', amount: String(SETUP_FUNDS) }, 6, { expires_at: 10 }).bytes,
      buildTx(admin, 'vault.fund', { vault_id: 'beta', asset: 'USD', amount: String(SETUP_FUNDS) }, 7, { expires_at: 10 }).bytes,
    ],
  ];
}

/** Turn ops into tx bytes against the committed state, predicting nonces within the block. */
function materialise(engine: CustodyEngine, ops: Op[]): Uint8Array[] {
  const s = engine.state();
  const height = s.height + 1;
  const next = new Map<string, number>();
  const nonce = (k: TestKey) => {
    const n = next.get(k.keyId) ?? (s.accounts[k.keyId]?.nonce ?? 0) + 1;
    next.set(k.keyId, n + 1);
    return n;
  };
  const requestIds = Object.keys(s.requests).sort();
  const tx = <T extends TxType>(k: TestKey, type: T, body: TxBodies[T], n = nonce(k), expires = height + 20) =>
    buildTx(k, type, body, n, { expires_at: expires });
  return ops.map((op) => {
    switch (op.k) {
      case 'fund': {
        const k = keys[op.signer] as TestKey;
        return tx(k, 'vault.fund', { vault_id: VAULTS[op.vault] as string, asset: 'USD', amount: String(op.amount) }).bytes;
      }
      case 'create': {
        const k = keys[op.signer] as TestKey;
        return tx(k, 'withdrawal.create', { vault_id: VAULTS[op.vault] as string, asset: 'USD', amount: String(op.amount), destination: 'dest', memo: '' })
          .bytes;
      }
      case 'approve': {
        const k = keys[op.signer] as TestKey;
        const id = requestIds.length ? (requestIds[op.pick % requestIds.length] as string) : 'wr-000000000000000000000000';
        return tx(k, 'withdrawal.approve', { request_id: id }).bytes;
      }
      case 'register': {
        const k = keys[op.signer] as TestKey;
        const t = keys[op.target] as TestKey;
        return tx(k, 'key.register', { public_key: t.publicKeyHex, scheme: 'ed25519', label: 'x' }).bytes;
      }
      case 'badsig': {
        const k = keys[op.signer] as TestKey;
        const n = (s.accounts[k.keyId]?.nonce ?? 0) + 1;
        const { env } = tx(k, 'vault.fund', { vault_id: 'alpha', asset: 'USD', amount: String(op.amount) }, n);
        return canonicalBytes({ ...env, signature: (env.signature.startsWith('0') ? '1' : '0') + env.signature.slice(1) });
      }
      case 'badnonce': {
        const k = keys[op.signer] as TestKey;
        const n = (s.accounts[k.keyId]?.nonce ?? 0) + 1 + op.skip + 5;
        return tx(k, 'vault.fund', { vault_id: 'alpha', asset: 'USD', amount: '1' }, n).bytes;
      }
      case 'expired': {
        const k = keys[op.signer] as TestKey;
        return tx(k, 'vault.fund', { vault_id: 'alpha', asset: 'USD', amount: '1' }, (s.accounts[k.keyId]?.nonce ?? 0) + 1, Math.max(1, height - 1)).bytes;
      }
      case 'garbage':
        return new Uint8Array([op.byte, 0x7b, op.byte]);
    }
  });
}

function checkInvariants(s: EngineState, funded: Map<string, bigint>): void {
  for (const v of Object.values(s.vaults)) {
    for (const [asset, bal] of Object.entries(v.balances)) {
      expect(bal).toMatch(/^(0|[1-9][0-9]*)$/);
      const executed = Object.values(s.requests)
        .filter((r) => r.vault_id === v.vault_id && r.asset === asset && r.status === 'executed')
        .reduce((a, r) => a + BigInt(r.amount), 0n);
      expect(BigInt(bal)).toBe((funded.get(`${v.vault_id}/${asset}`) ?? 0n) - executed);
    }
  }
  for (const r of Object.values(s.requests)) {
    const threshold = (s.vaults[r.vault_id] as { policy: { threshold: number } }).policy.threshold;
    if (r.status === 'pending') expect(r.approvals.length).toBeLessThan(threshold);
    else expect(r.approvals.length).toBe(threshold);
    expect(new Set(r.approvals.map((a) => a.key_id)).size).toBe(r.approvals.length);
  }
}

describe('engine properties', () => {
  it('random interleavings: balances never negative, failed txs never change the root, two runs agree', () => {
    // What the generated streams covered, so the property cannot pass vacuously.
    const seen = new Map<string, number>();
    const tally = (k: string) => seen.set(k, (seen.get(k) ?? 0) + 1);
    fc.assert(
      fc.property(streamArb, ({ blocks, restoreAt }) => {
        const a0 = new CustodyEngine(genesis, opts);
        const accepted = new CustodyEngine(genesis, opts);
        const twin = new CustodyEngine(genesis, opts);
        for (const txs of setupBlocks()) {
          runBlock(a0, txs);
          runBlock(accepted, txs);
          runBlock(twin, txs);
        }
        let a = a0;
        const funded = new Map<string, bigint>([
          ['alpha/USD', BigInt(SETUP_FUNDS)],
          ['beta/USD', BigInt(SETUP_FUNDS)],
        ]);
        blocks.forEach((ops, i) => {
          if (i === restoreAt) a = CustodyEngine.restore(a.snapshot(), genesis, opts);
          const txs = materialise(a, ops);
          const rootBefore = toHex(a.appHash());
          const res = runBlock(a, txs);
          const resTwin = runBlock(twin, txs);
          expect(resTwin).toEqual(res);
          // only the accepted txs, on another engine: same root
          const ok = txs.filter((_, j) => res.txResults[j]?.code === 0);
          const resAccepted = runBlock(accepted, ok);
          expect(toHex(resAccepted.appHash)).toBe(toHex(res.appHash));
          expect(resAccepted.txResults.every((r) => r.code === 0)).toBe(true);
          if (ok.length === 0) expect(toHex(res.appHash)).toBe(rootBefore);
          res.txResults.forEach((r, j) => {
            if (r.code !== 0) {
              tally(r.log.split(':')[0] as string);
              expect(r.codespace).toBe('custody');
              expect(r.events.map((e) => e.type)).toEqual(['custody.tx_rejected', 'security.tx_rejected']);
              return;
            }
            for (const e of r.events) tally(e.type);
            const fundEvent = r.events.find((e) => e.type === 'custody.vault_funded');
            if (fundEvent) {
              const get = (key: string) => fundEvent.attributes.find((x) => x.key === key)?.value as string;
              const key = `${get('vault_id')}/${get('asset')}`;
              funded.set(key, (funded.get(key) ?? 0n) + BigInt(get('amount')));
            }
            expect(txs[j]).toBeDefined();
          });
          checkInvariants(a.state(), funded);
        });
        expect(fromUtf8(a.snapshot())).toBe(fromUtf8(twin.snapshot()));
      }),
      { numRuns: 30, seed: 20260101 },
    );
    for (const k of [
      'custody.vault_funded',
      'custody.withdrawal_created',
      'custody.withdrawal_approved',
      'custody.withdrawal_executed',
      'BAD_SIGNATURE',
      'BAD_NONCE',
      'TX_EXPIRED',
      'TX_MALFORMED',
      'UNKNOWN_SIGNER',
      'NOT_AUTHORIZED',
      'INSUFFICIENT_BALANCE',
      'VAULT_NOT_FOUND',
    ]) {
      expect(seen.get(k) ?? 0, k).toBeGreaterThan(0);
    }
  }, 180_000);
});

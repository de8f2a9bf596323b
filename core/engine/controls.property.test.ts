/**
 * Invariants of the controls under random streams:
 * no negative balance; every executed withdrawal had enough valid distinct
 * approvals from active keys of the right role, after its timelock, within
 * its limit and velocity, to a whitelisted destination, past its attestation
 * gate; the same stream gives the same root history. Plus a fuzz test:
 * malformed and adversarial envelopes never crash, are rejected with a
 * stable code, and leave the state unchanged.
 *
 * Signatures are not what is tested here: the engine runs with a verifier
 * that accepts everything (signature verification has its own tests), so
 * thousands of transactions stay fast.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENGINE_ERROR_BY_ABCI } from '../errors.js';
import { toHex, utf8 } from '../codec/index.js';
import { encodeTx, requestIdOf } from '../tx/codec.js';
import { approvalTally, attestationTally, timeSeconds } from './controls.js';
import { CustodyEngine } from './engine.js';
import { blockTime, testGenesis, testKey } from '../../tests/support/engine-kit.js';
import type { EngineState, TxBodies, TxType, UnsignedEnvelope, VaultPolicy } from './types.js';

const yes = { verify: () => true } as unknown as ConstructorParameters<typeof CustodyEngine>[1] extends infer O
  ? O extends { verifier?: infer V }
    ? V
    : never
  : never;
const admin = testKey(1);
const K = [2, 3, 4, 5, 6].map((n) => testKey(n));
const ids = K.map((k) => k.keyId);
const SIG = '00'.repeat(64);
let executedSeen = 0;

class Stream {
  nonces = new Map<string, number>();
  tx<T extends TxType>(signer: string, type: T, body: TxBodies[T], height: number): { bytes: Uint8Array; unsigned: UnsignedEnvelope<T> } {
    const n = (this.nonces.get(signer) ?? 0) + 1;
    const unsigned = { version: 1 as const, chain_id: 'charter-test', type, body, signer, nonce: n, expires_at: height + 100 } as UnsignedEnvelope<T>;
    return { bytes: encodeTx({ ...unsigned, signature: SIG }), unsigned };
  }
}

function apply(e: CustodyEngine, s: Stream, txs: Uint8Array[]): ReturnType<CustodyEngine['finalizeBlock']> {
  const h = e.height() + 1;
  const res = e.finalizeBlock({ height: h, time: blockTime(h * 7), txs });
  e.commit();
  res.txResults.forEach((r, i) => {
    if (r.code === 0) {
      const env = JSON.parse(new TextDecoder().decode(txs[i])) as { signer: string; nonce: number };
      s.nonces.set(env.signer, env.nonce);
    }
  });
  return res;
}

const policyArb = fc.record({
  threshold: fc.integer({ min: 1, max: 3 }),
  weights: fc.option(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), { nil: undefined }),
  timelock: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  limit: fc.option(fc.integer({ min: 50, max: 400 }), { nil: undefined }),
  velocity: fc.option(fc.record({ window: fc.integer({ min: 10, max: 60 }), amount: fc.integer({ min: 100, max: 600 }) }), { nil: undefined }),
  whitelist: fc.boolean(),
  attest: fc.boolean(),
});

const opArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('create' as const),
      by: fc.integer({ min: 0, max: 4 }),
      amount: fc.integer({ min: 1, max: 500 }),
      dest: fc.constantFrom('acct:a', 'acct:a', 'acct:b'),
    }),
  },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('approve' as const), by: fc.integer({ min: 0, max: 2 }), req: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('attest' as const), by: fc.integer({ min: 0, max: 4 }), req: fc.nat() }) },
  fc.record({ op: fc.constant('cancel' as const), by: fc.integer({ min: 0, max: 4 }), req: fc.nat() }),
  fc.record({ op: fc.constant('quarantine' as const), key: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('release' as const), key: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('owner' as const), key: fc.integer({ min: 0, max: 3 }), owner: fc.constantFrom('o1', 'o2') }),
  { weight: 2, arbitrary: fc.record({ op: fc.constant('empty' as const) }) },
);

function run(
  p: fc.Arbitrary<unknown> extends never
    ? never
    : {
        threshold: number;
        weights?: [number, number, number];
        timelock?: number;
        limit?: number;
        velocity?: { window: number; amount: number };
        whitelist: boolean;
        attest: boolean;
      },
  ops: fc.Arbitrary<unknown> extends never ? never : { op: string; [k: string]: unknown }[],
): string[] {
  const e = new CustodyEngine(testGenesis(), { verifier: yes });
  const s = new Stream();
  const roots: string[] = [];
  for (const k of K)
    expect(
      apply(e, s, [s.tx(admin.keyId, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: 'k' }, e.height() + 1).bytes]).txResults[0]?.code,
    ).toBe(0);
  const approvers = ids.slice(0, 3);
  const policy: VaultPolicy = { approvers, threshold: p.threshold };
  if (p.weights) policy.weights = { [ids[0] as string]: p.weights[0], [ids[1] as string]: p.weights[1], [ids[2] as string]: p.weights[2] };
  if (p.timelock) policy.timelock_blocks = p.timelock;
  if (p.limit) policy.tx_limits = { USD: String(p.limit) };
  if (p.velocity) policy.velocity = { USD: { window_seconds: p.velocity.window, max_amount: String(p.velocity.amount) } };
  if (p.whitelist) policy.whitelist = ['acct:a'];
  if (p.attest) policy.attestation = { type: 'kyc', attesters: [ids[3] as string], threshold: 1 };
  let n = 0;
  const steps: [TxType, unknown][] = [
    ['vault.create', { vault_id: 'v1', name: 'V', policy: { approvers, threshold: 1 } }],
    ['vault.set_policy', { vault_id: 'v1', policy }],
    ['vault.fund', { vault_id: 'v1', asset: 'USD', amount: '2000' }],
    ['key.set_roles', { key_id: ids[3] as string, roles: ['attester', 'initiator'] }],
    ['key.set_roles', { key_id: ids[4] as string, roles: ['governance', 'initiator'] }],
  ];
  for (const [type, body] of steps) {
    const r = apply(e, s, [s.tx(admin.keyId, type, body as never, e.height() + 1).bytes]);
    if (r.txResults[0]?.code !== 0) {
      // a random policy can be invalid (threshold above the total weight): that is a rejection, not a bug.
      expect(r.txResults[0]?.log).toMatch(/^INVALID_POLICY/);
      n++;
    }
  }
  const reqs: string[] = [];
  for (const o of ops) {
    const before: EngineState = e.state();
    const h = e.height() + 1;
    let bytes: Uint8Array | null = null;
    const pick = (i: unknown) => (reqs.length ? (reqs[reqs.length - 1 - ((i as number) % Math.min(2, reqs.length))] as string) : 'wr-000000000000000000000000');
    switch (o.op) {
      case 'create': {
        const t = s.tx(
          ids[o.by as number] as string,
          'withdrawal.create',
          { vault_id: 'v1', asset: 'USD', amount: String(o.amount), destination: o.dest as string, memo: String(h) },
          h,
        );
        reqs.push(requestIdOf(t.unsigned));
        bytes = t.bytes;
        break;
      }
      case 'approve':
        bytes = s.tx(ids[o.by as number] as string, 'withdrawal.approve', { request_id: pick(o.req) }, h).bytes;
        break;
      case 'attest':
        bytes = s.tx(ids[o.by as number] as string, 'withdrawal.attest', { request_id: pick(o.req), attestation_type: 'kyc', claim_ref: 'c' }, h).bytes;
        break;
      case 'cancel':
        bytes = s.tx(ids[o.by as number] as string, 'withdrawal.cancel', { request_id: pick(o.req), reason: 'r' }, h).bytes;
        break;
      case 'quarantine':
      case 'release':
        bytes = s.tx(
          ids[4] as string,
          o.op === 'quarantine' ? 'key.quarantine' : 'key.release',
          { key_id: ids[o.key as number] as string, reason: 'r' },
          h,
        ).bytes;
        break;
      case 'owner':
        bytes = s.tx(
          admin.keyId,
          'key.set_roles',
          { key_id: ids[o.key as number] as string, roles: o.key === 3 ? ['attester', 'initiator'] : ['approver', 'initiator'], owner: o.owner as string },
          h,
        ).bytes;
        break;
      default:
        break;
    }
    const rootBefore = toHex(e.appHash());
    const res = apply(e, s, bytes ? [bytes] : []);
    const after = e.state();
    if (bytes && res.txResults[0]?.code !== 0 && res.events.length === 0) expect(toHex(res.appHash)).toBe(rootBefore);
    roots.push(toHex(res.appHash));
    for (const v of Object.values(after.vaults)) for (const b of Object.values(v.balances)) expect(BigInt(b) >= 0n).toBe(true);
    for (const id of Object.keys(after.requests)) {
      const r = after.requests[id]!;
      const was = before.requests[id];
      if (r.status !== 'executed' || was?.status === 'executed') continue;
      executedSeen++;
      const vault = before.vaults[r.vault_id]!;
      const t = approvalTally(before, vault, r);
      expect(t.weight, 'approvals').toBeGreaterThanOrEqual(t.threshold);
      for (const k of t.counted) {
        expect(before.keys[k]?.status).toBe('active');
        expect(before.keys[k]?.roles).toContain('approver');
        expect(k).not.toBe(r.initiator);
      }
      const lock = vault.policy.timelock_blocks ?? 0;
      if (lock > 0) {
        const last = Math.max(...r.approvals.filter((a) => t.counted.includes(a.key_id)).map((a) => a.height));
        expect(r.executed_at as number, 'timelock').toBeGreaterThanOrEqual(last + lock);
      }
      if (vault.policy.tx_limits?.USD) expect(BigInt(r.amount) <= BigInt(vault.policy.tx_limits.USD), 'limit').toBe(true);
      if (vault.policy.whitelist) expect(vault.policy.whitelist, 'whitelist').toContain(r.destination);
      const g = attestationTally(before, vault, r);
      if (g) expect(g.weight, 'attestation').toBeGreaterThanOrEqual(g.threshold);
      const vel = vault.policy.velocity?.USD;
      if (vel) {
        const now = timeSeconds(after.time);
        const spent = (after.vaults[r.vault_id]!.spent?.USD ?? []).filter(([ts]) => ts > now - vel.window_seconds);
        const sum = spent.reduce((a, [, x]) => a + BigInt(x), 0n);
        expect(sum <= BigInt(vel.max_amount as string), 'velocity').toBe(true);
      }
    }
  }
  void n;
  return roots;
}

describe('control invariants (fast-check)', () => {
  it('every executed withdrawal passed every control; balances never negative; same stream, same roots', () => {
    fc.assert(
      fc.property(policyArb, fc.array(opArb, { minLength: 10, maxLength: 50 }), (p, ops) => {
        const a = run(p as never, ops as never);
        const b = run(p as never, ops as never);
        expect(b).toEqual(a);
      }),
      { numRuns: 80, seed: 20260101 },
    );
    // The streams do reach executions (the invariants are not vacuous).
    expect(executedSeen).toBeGreaterThan(10);
  });
});

describe('fuzz: malformed and adversarial envelopes', () => {
  it('never crash, are rejected with a stable engine code, and leave the state unchanged', () => {
    const e = new CustodyEngine(testGenesis(), { verifier: yes });
    const s = new Stream();
    apply(e, s, [s.tx(admin.keyId, 'key.register', { public_key: K[0]!.publicKeyHex, scheme: 'ed25519', label: 'k' }, 1).bytes]);
    const valid = JSON.parse(
      new TextDecoder().decode(s.tx(K[0]!.keyId, 'withdrawal.create', { vault_id: 'nope', asset: 'USD', amount: '1', destination: 'd', memo: '' }, 2).bytes),
    ) as Record<string, unknown>;
    const jsonish = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.jsonValue().map((v) => utf8(JSON.stringify(v))),
      fc.record({ k: fc.constantFrom(...Object.keys(valid)), v: fc.jsonValue() }).map(({ k, v }) => utf8(JSON.stringify({ ...valid, [k]: v }))),
      fc
        .record({
          t: fc.constantFrom(
            'key.set_roles',
            'vault.set_policy',
            'withdrawal.attest',
            'withdrawal.cancel',
            'key.quarantine',
            'key.release',
            'withdrawal.approve',
          ),
          body: fc.dictionary(
            fc.constantFrom(
              'key_id',
              'roles',
              'owner',
              'policy',
              'request_id',
              'reason',
              'vault_id',
              'attestation_type',
              'claim_ref',
              '__proto__',
              'constructor',
            ),
            fc.jsonValue(),
          ),
        })
        .map(({ t, body }) => encodeTx({ ...(valid as object), type: t, body, nonce: 1 } as never)),
    );
    const root = toHex(e.appHash());
    const snap = toHex(e.snapshot());
    fc.assert(
      fc.property(jsonish, (bytes) => {
        const c = e.checkTx(bytes);
        const known = ENGINE_ERROR_BY_ABCI.get(c.code);
        if (c.code === 0) return; // an accidentally valid tx is fine for checkTx
        expect(known).toBeDefined();
        expect(c.log.startsWith(`${known as string}: `)).toBe(true);
        expect(c.events.map((x) => x.type)).toEqual(['custody.tx_rejected', 'security.tx_rejected']);
      }),
      { numRuns: 1500, seed: 7 },
    );
    const res = e.finalizeBlock({ height: e.height() + 1, time: blockTime(99), txs: [utf8('{'), utf8('{"version":1}'), new Uint8Array([0xff])] });
    expect(res.txResults.every((r) => r.code !== 0)).toBe(true);
    expect(toHex(res.appHash)).toBe(root);
    e.commit();
    expect(toHex(e.snapshot())).not.toBe(''); // committed fine
    void snap;
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalBytes, fromUtf8, toHex, txHashOf, utf8 } from '../codec/index.js';
import { CharterError, ERROR_CODES } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { nobleVerifier } from '../crypto/ed25519.js';
import type { SignatureVerifier } from '../crypto/ed25519.js';
import { requestIdOf } from '../tx/codec.js';
import { appHashOf, CustodyEngine } from './engine.js';
import { stateRoot, verifyEntryProof } from './state-root.js';
import type { EntryProof } from './state-root.js';
import { blockTime, buildTx, runBlock, testGenesis, testKey } from '../../tests/support/engine-kit.js';
import type { BuildOpts, TestKey } from '../../tests/support/engine-kit.js';
import type { EngineState, FinalizeBlockResponse, GenesisDoc, TxBodies, TxResult, TxType, WithdrawalRecord } from './types.js';

const admin = testKey(1);
const alice = testKey(2);
const bob = testKey(3);
const carol = testKey(4);
const mallory = testKey(9); // never registered

class Driver {
  engine: CustodyEngine;
  constructor(
    readonly genesis: GenesisDoc = testGenesis(),
    engine?: CustodyEngine,
  ) {
    this.engine = engine ?? new CustodyEngine(genesis);
  }
  nonce(k: TestKey): number {
    return (this.q(`/account/${k.keyId}`).value as { nonce: number }).nonce;
  }
  tx<T extends TxType>(k: TestKey, type: T, body: TxBodies[T], opts: BuildOpts & { nonce?: number } = {}): Uint8Array {
    const expires = opts.expires_at ?? this.engine.height() + 50;
    return buildTx(k, type, body, opts.nonce ?? this.nonce(k) + 1, { ...opts, expires_at: expires }).bytes;
  }
  block(txs: Uint8Array[]): FinalizeBlockResponse {
    return runBlock(this.engine, txs);
  }
  send<T extends TxType>(k: TestKey, type: T, body: TxBodies[T], opts: BuildOpts & { nonce?: number } = {}): TxResult {
    return this.block([this.tx(k, type, body, opts)]).txResults[0] as TxResult;
  }
  ok<T extends TxType>(k: TestKey, type: T, body: TxBodies[T], opts: BuildOpts & { nonce?: number } = {}): unknown {
    const r = this.send(k, type, body, opts);
    if (r.code !== 0) throw new Error(`expected success, got ${r.log}`);
    return r.data.length ? JSON.parse(fromUtf8(r.data)) : undefined;
  }
  q(path: string): { code: number; log: string; value: unknown; height: number } {
    const r = this.engine.query({ path });
    return { code: r.code, log: r.log, value: r.value.length ? JSON.parse(fromUtf8(r.value)) : undefined, height: r.height };
  }
  state(): EngineState {
    return this.engine.state();
  }
}

/** The state without height and time (which a block always advances). */
function content(s: EngineState): Omit<EngineState, 'height' | 'time'> {
  const { height: _h, time: _t, ...rest } = s;
  return rest;
}

function abci(code: ErrorCode): number {
  return (ERROR_CODES[code] as { abci?: number }).abci as number;
}

function attr(r: { events: { type: string; attributes: { key: string; value: string }[] }[] }, type: string, key: string): string | undefined {
  return r.events.find((e) => e.type === type)?.attributes.find((a) => a.key === key)?.value;
}

/** Submit through checkTx and a block; both must reject with `code`, and nothing may change. */
function expectRejected(d: Driver, bytes: Uint8Array, code: ErrorCode, opts: { skipCheckTx?: boolean } = {}): TxResult {
  const root = toHex(d.engine.appHash());
  const before = content(d.state());
  const snapBefore = fromUtf8(d.engine.snapshot());
  if (!opts.skipCheckTx) {
    const c = d.engine.checkTx(bytes);
    expect(c.log).toMatch(new RegExp(`^${code}: `));
    expect(c.code).toBe(abci(code));
  }
  const res = d.block([bytes]);
  const r = res.txResults[0] as TxResult;
  expect(r.log).toMatch(new RegExp(`^${code}: .+`));
  expect(r.code).toBe(abci(code));
  expect(r.codespace).toBe('custody');
  expect(r.data.length).toBe(0);
  expect(r.events.map((e) => e.type)).toEqual(['custody.tx_rejected', 'security.tx_rejected']);
  expect(attr(r, 'custody.tx_rejected', 'code')).toBe(code);
  expect(attr(r, 'security.tx_rejected', 'code')).toBe(code);
  expect(attr(r, 'security.tx_rejected', 'tx_hash')).toBe(txHashOf(bytes));
  expect(attr(r, 'custody.tx_rejected', 'abci_code')).toBe(String(abci(code)));
  expect(attr(r, 'custody.tx_rejected', 'tx_hash')).toBe(txHashOf(bytes));
  // State exactly as it was: same root, same records, same nonces.
  expect(toHex(res.appHash)).toBe(root);
  expect(content(d.state())).toEqual(before);
  const snapAfter = JSON.parse(fromUtf8(d.engine.snapshot())) as { state: EngineState };
  const sb = JSON.parse(snapBefore) as { state: EngineState };
  expect(content(snapAfter.state)).toEqual(content(sb.state));
  return r;
}

/** Admin registers alice, bob, carol; vault "treasury" 2-of-3 over them, funded 1000 USD. */
function setup(genesis?: GenesisDoc): Driver {
  const d = new Driver(genesis);
  d.block([
    d.tx(admin, 'key.register', { public_key: alice.publicKeyHex, scheme: 'ed25519', label: 'Alice' }, { nonce: 1 }),
    d.tx(admin, 'key.register', { public_key: bob.publicKeyHex, scheme: 'ed25519', label: 'Bob' }, { nonce: 2 }),
    d.tx(admin, 'key.register', { public_key: carol.publicKeyHex, scheme: 'ed25519', label: 'Carol' }, { nonce: 3 }),
  ]);
  d.ok(admin, 'vault.create', { vault_id: 'treasury', name: 'Treasury', policy: { approvers: [alice.keyId, bob.keyId, carol.keyId], threshold: 2 } });
  if (d.state().params.faucet) d.ok(admin, 'vault.fund', { vault_id: 'treasury', asset: 'USD', amount: '1000' });
  return d;
}

function withdrawal(amount = '100', extra: Partial<TxBodies['withdrawal.create']> = {}): TxBodies['withdrawal.create'] {
  return { vault_id: 'treasury', asset: 'USD', amount, destination: 'iban:DE00123', memo: 'rent', ...extra };
}

/** Rebuild an engine from its snapshot after editing the state (root recomputed), to reach states no tx produces yet. */
function restoreEdited(d: Driver, edit: (s: EngineState) => void): Driver {
  const snap = JSON.parse(fromUtf8(d.engine.snapshot())) as { state: EngineState; app_hash: string };
  edit(snap.state);
  snap.app_hash = toHex(stateRoot(snap.state));
  return new Driver(d.genesis, CustodyEngine.restore(canonicalBytes(snap), d.genesis));
}

// ─── Transitions ─────────────────────────────────────────────────────────────

describe('genesis and info', () => {
  it('starts at height 0 with the admins registered', () => {
    const d = new Driver();
    const info = d.engine.info();
    expect(info).toMatchObject({ lastBlockHeight: 0, chainId: 'charter-test', appVersion: 1 });
    expect(toHex(info.lastBlockAppHash)).toBe(toHex(stateRoot(d.state())));
    expect(info.lastBlockAppHash).toHaveLength(32);
    expect(d.q('/admins').value).toEqual([admin.keyId]);
    expect(d.q(`/key/${admin.keyId}`).value).toMatchObject({ roles: ['admin', 'governance'], status: 'active', registered_at: 0 });
  });
  it('rejects an invalid genesis', () => {
    expect(() => new CustodyEngine({ ...testGenesis(), admins: [] })).toThrow(CharterError);
  });
});

describe('key.register', () => {
  it('registers an active key with no roles and bumps the admin nonce', () => {
    const d = new Driver();
    const r = d.send(admin, 'key.register', { public_key: alice.publicKeyHex, scheme: 'ed25519', label: 'Alice' });
    expect(r.code).toBe(0);
    expect(r.codespace).toBe('');
    expect(JSON.parse(fromUtf8(r.data))).toEqual({ key_id: alice.keyId });
    expect(r.events[0]).toEqual({
      type: 'custody.key_registered',
      attributes: [
        { key: 'key_id', value: alice.keyId },
        { key: 'scheme', value: 'ed25519' },
        { key: 'label', value: 'Alice' },
        { key: 'registered_by', value: admin.keyId },
      ],
    });
    expect(d.state().keys[alice.keyId]).toEqual({
      key_id: alice.keyId,
      scheme: 'ed25519',
      public_key: alice.publicKeyHex,
      label: 'Alice',
      status: 'active',
      roles: ['approver', 'initiator'],
      registered_at: 1,
    });
    expect(d.nonce(admin)).toBe(1);
  });
  it('rejections', () => {
    const d = new Driver();
    d.ok(admin, 'key.register', { public_key: alice.publicKeyHex, scheme: 'ed25519', label: 'Alice' });
    expectRejected(d, d.tx(alice, 'key.register', { public_key: bob.publicKeyHex, scheme: 'ed25519', label: 'Bob' }), 'NOT_AUTHORIZED');
    expectRejected(d, d.tx(admin, 'key.register', { public_key: alice.publicKeyHex, scheme: 'ed25519', label: 'again' }), 'KEY_EXISTS');
    expectRejected(d, d.tx(admin, 'key.register', { public_key: admin.publicKeyHex, scheme: 'ed25519', label: 'me' }), 'KEY_EXISTS');
    expectRejected(d, d.tx(admin, 'key.register', { public_key: bob.publicKeyHex.toUpperCase(), scheme: 'ed25519', label: 'Bob' }), 'INVALID_KEY');
    expectRejected(d, d.tx(admin, 'key.register', { public_key: bob.publicKeyHex.slice(2), scheme: 'ed25519', label: 'Bob' }), 'INVALID_KEY');
    expectRejected(d, d.tx(admin, 'key.register', { public_key: 'zz'.repeat(32), scheme: 'ed25519', label: 'Bob' }), 'INVALID_KEY');
    // the identity point: on the curve but of small order
    expectRejected(d, d.tx(admin, 'key.register', { public_key: '01' + '00'.repeat(31), scheme: 'ed25519', label: 'Bob' }), 'INVALID_KEY');
    // y = 2 is not on the curve
    expectRejected(d, d.tx(admin, 'key.register', { public_key: '02' + '00'.repeat(31), scheme: 'ed25519', label: 'Bob' }), 'INVALID_KEY');
    expectRejected(d, d.tx(admin, 'key.register', { public_key: bob.publicKeyHex, scheme: 'ed25519', label: '' }), 'INVALID_FIELD');
    expectRejected(d, d.tx(admin, 'key.register', { public_key: bob.publicKeyHex, scheme: 'ed25519', label: 'x'.repeat(65) }), 'INVALID_FIELD');
    // 64 characters counted as code points are fine
    expect(d.send(admin, 'key.register', { public_key: bob.publicKeyHex, scheme: 'ed25519', label: '🔑'.repeat(64) }).code).toBe(0);
  });
});

describe('envelope and authentication rejections (any tx type)', () => {
  const fund = { vault_id: 'treasury', asset: 'USD', amount: '1' };
  it('TX_MALFORMED, UNSUPPORTED_VERSION, UNKNOWN_TX_TYPE, INVALID_FIELD (body shape)', () => {
    const d = setup();
    expectRejected(d, utf8('not a transaction'), 'TX_MALFORMED');
    expectRejected(d, new Uint8Array([0xc3, 0x28]), 'TX_MALFORMED');
    const good = buildTx(admin, 'vault.fund', fund, d.nonce(admin) + 1, { expires_at: 20 });
    expectRejected(d, utf8(JSON.stringify(good.env, null, 2)), 'TX_MALFORMED');
    expectRejected(d, d.tx(admin, 'vault.fund', fund, { version: 2 }), 'UNSUPPORTED_VERSION');
    expectRejected(d, canonicalBytes({ ...good.env, type: 'vault.burn' }), 'UNKNOWN_TX_TYPE');
    expectRejected(d, canonicalBytes({ ...good.env, body: { ...fund, note: 'x' } }), 'INVALID_FIELD');
  });
  it('WRONG_CHAIN, TX_EXPIRED, INVALID_FIELD (expiry too far)', () => {
    const d = setup();
    expectRejected(d, d.tx(admin, 'vault.fund', fund, { chain_id: 'other-chain' }), 'WRONG_CHAIN');
    const h = d.engine.height();
    // expires_at = h is past: the next block is h + 1
    expectRejected(d, d.tx(admin, 'vault.fund', fund, { expires_at: h }), 'TX_EXPIRED');
    const next = d.engine.height() + 1;
    expectRejected(d, d.tx(admin, 'vault.fund', fund, { expires_at: next + 1000 + 1 }), 'INVALID_FIELD');
    // boundaries: expires_at = next height and = next + max_expiry_blocks both pass
    expect(d.send(admin, 'vault.fund', fund, { expires_at: d.engine.height() + 1 }).code).toBe(0);
    expect(d.send(admin, 'vault.fund', fund, { expires_at: d.engine.height() + 1 + 1000 }).code).toBe(0);
  });
  it('UNKNOWN_SIGNER, BAD_SIGNATURE, BAD_NONCE', () => {
    const d = setup();
    expectRejected(d, d.tx(mallory, 'withdrawal.create', withdrawal()), 'UNKNOWN_SIGNER');
    // alice's envelope signed by mallory
    const u = buildTx(alice, 'withdrawal.create', withdrawal(), d.nonce(alice) + 1, { expires_at: 50 });
    const forged = buildTx(mallory, 'withdrawal.create', withdrawal(), d.nonce(alice) + 1, { expires_at: 50 });
    expectRejected(d, canonicalBytes({ ...u.env, signature: forged.env.signature }), 'BAD_SIGNATURE');
    // a valid signature over different content
    const other = buildTx(alice, 'withdrawal.create', withdrawal('101'), d.nonce(alice) + 1, { expires_at: 50 });
    expectRejected(d, canonicalBytes({ ...u.env, signature: other.env.signature }), 'BAD_SIGNATURE');
    expectRejected(d, d.tx(alice, 'withdrawal.create', withdrawal(), { nonce: d.nonce(alice) + 2 }), 'BAD_NONCE');
    // replay of an included tx
    const once = d.tx(alice, 'withdrawal.create', withdrawal());
    expect(d.block([once]).txResults[0]?.code).toBe(0);
    expectRejected(d, once, 'BAD_NONCE');
    // a used nonce with fresh content
    expectRejected(d, d.tx(alice, 'withdrawal.create', withdrawal('7'), { nonce: d.nonce(alice) }), 'BAD_NONCE');
  });
  it('KEY_NOT_ACTIVE', () => {
    const d = restoreEdited(setup(), (s) => {
      (s.keys[alice.keyId] as { status: string }).status = 'quarantined';
    });
    const r = expectRejected(d, d.tx(alice, 'withdrawal.create', withdrawal()), 'KEY_NOT_ACTIVE');
    expect(r.log).toContain('quarantined');
  });
  it('checks in the documented order', () => {
    const d = setup();
    // expired AND unknown signer AND bad nonce → the expiry is checked first
    expectRejected(d, d.tx(mallory, 'vault.fund', fund, { expires_at: 1, nonce: 7 }), 'TX_EXPIRED');
    // wrong chain beats everything after decoding
    expectRejected(d, d.tx(mallory, 'vault.fund', fund, { chain_id: 'x', expires_at: 1 }), 'WRONG_CHAIN');
    // bad signature beats bad nonce
    const u = buildTx(alice, 'withdrawal.create', withdrawal(), 99, { expires_at: 50 });
    expectRejected(d, canonicalBytes({ ...u.env, signature: '00'.repeat(64) }), 'BAD_SIGNATURE');
    // bad nonce beats authorization
    expectRejected(d, d.tx(alice, 'vault.fund', fund, { nonce: 5 }), 'BAD_NONCE');
  });
});

describe('vault.create', () => {
  it('creates a vault with the policy and no balances', () => {
    const d = setup();
    const v = d.q('/vault/treasury').value;
    expect(v).toEqual({
      vault_id: 'treasury',
      name: 'Treasury',
      policy: { approvers: [alice.keyId, bob.keyId, carol.keyId], threshold: 2 },
      balances: { USD: '1000' },
      created_at: 2,
    });
    const r = d.send(admin, 'vault.create', { vault_id: 'ops-2', name: 'Ops', policy: { approvers: [bob.keyId], threshold: 1 } });
    expect(JSON.parse(fromUtf8(r.data))).toEqual({ vault_id: 'ops-2' });
    expect(attr(r, 'custody.vault_created', 'approvers')).toBe(bob.keyId);
    expect(attr(r, 'custody.vault_created', 'threshold')).toBe('1');
    expect(d.q('/vault/ops-2').value).toMatchObject({ balances: {} });
  });
  it('rejections', () => {
    const d = setup();
    const pol = { approvers: [alice.keyId, bob.keyId], threshold: 2 };
    expectRejected(d, d.tx(alice, 'vault.create', { vault_id: 'v2', name: 'V', policy: pol }), 'NOT_AUTHORIZED');
    for (const id of ['x', 'Upper', '-lead', 'has_underscore', 'a'.repeat(33), 'sp ace', '']) {
      expectRejected(d, d.tx(admin, 'vault.create', { vault_id: id, name: 'V', policy: pol }), 'INVALID_FIELD');
    }
    expectRejected(d, d.tx(admin, 'vault.create', { vault_id: 'v2', name: '', policy: pol }), 'INVALID_FIELD');
    expectRejected(d, d.tx(admin, 'vault.create', { vault_id: 'v2', name: 'n'.repeat(65), policy: pol }), 'INVALID_FIELD');
    expectRejected(d, d.tx(admin, 'vault.create', { vault_id: 'treasury', name: 'V', policy: pol }), 'VAULT_EXISTS');
    const bad: { approvers: string[]; threshold: number }[] = [
      { approvers: [], threshold: 0 },
      { approvers: [], threshold: 1 },
      { approvers: [alice.keyId], threshold: 0 },
      { approvers: [alice.keyId], threshold: 2 },
      { approvers: [alice.keyId, alice.keyId], threshold: 1 },
      { approvers: [alice.keyId, mallory.keyId], threshold: 1 },
      { approvers: [alice.keyId, 'not-a-key'], threshold: 1 },
      { approvers: Array.from({ length: 33 }, (_, i) => testKey(100 + i).keyId), threshold: 1 },
    ];
    for (const policy of bad) expectRejected(d, d.tx(admin, 'vault.create', { vault_id: 'v2', name: 'V', policy }), 'INVALID_POLICY');
    const q = restoreEdited(d, (s) => {
      (s.keys[carol.keyId] as { status: string }).status = 'revoked';
    });
    expectRejected(
      q,
      q.tx(admin, 'vault.create', { vault_id: 'v2', name: 'V', policy: { approvers: [alice.keyId, carol.keyId], threshold: 1 } }),
      'INVALID_POLICY',
    );
    // boundary: 2 chars and 32 chars, threshold = n
    expect(d.send(admin, 'vault.create', { vault_id: 'ab', name: 'V', policy: { approvers: [alice.keyId, bob.keyId], threshold: 2 } }).code).toBe(0);
    expect(d.send(admin, 'vault.create', { vault_id: 'a'.repeat(32), name: 'V', policy: { approvers: [alice.keyId], threshold: 1 } }).code).toBe(0);
  });
});

describe('vault.fund', () => {
  it('credits with big-integer arithmetic and decimal strings', () => {
    const d = setup();
    const big = '9'.repeat(31);
    const r = d.send(admin, 'vault.fund', { vault_id: 'treasury', asset: 'USD', amount: big });
    expect(r.code).toBe(0);
    const expected = (BigInt(big) + 1000n).toString();
    expect(JSON.parse(fromUtf8(r.data))).toEqual({ vault_id: 'treasury', asset: 'USD', balance: expected });
    expect(attr(r, 'custody.vault_funded', 'amount')).toBe(big);
    expect(attr(r, 'custody.vault_funded', 'balance')).toBe(expected);
    d.ok(admin, 'vault.fund', { vault_id: 'treasury', asset: 'BTC.X-1', amount: '5' });
    expect((d.q('/vault/treasury').value as { balances: object }).balances).toEqual({ USD: expected, 'BTC.X-1': '5' });
  });
  it('rejections', () => {
    const d = setup();
    expectRejected(d, d.tx(alice, 'vault.fund', { vault_id: 'treasury', asset: 'USD', amount: '1' }), 'NOT_AUTHORIZED');
    expectRejected(d, d.tx(admin, 'vault.fund', { vault_id: 'nope', asset: 'USD', amount: '1' }), 'VAULT_NOT_FOUND');
    for (const asset of ['', 'usd', '.USD', 'A'.repeat(17), 'US D', 'U$D']) {
      expectRejected(d, d.tx(admin, 'vault.fund', { vault_id: 'treasury', asset, amount: '1' }), 'INVALID_ASSET');
    }
    for (const amount of ['0', '01', '-1', '1.5', '1e3', ' 1', '', '1'.repeat(32), '0x10']) {
      expectRejected(d, d.tx(admin, 'vault.fund', { vault_id: 'treasury', asset: 'USD', amount }), 'INVALID_AMOUNT');
    }
  });
  it('FAUCET_DISABLED when params.faucet is false', () => {
    const d = setup(testGenesis({ params: { faucet: false } }));
    expectRejected(d, d.tx(admin, 'vault.fund', { vault_id: 'treasury', asset: 'USD', amount: '1' }), 'FAUCET_DISABLED');
    // faucet is checked before the signer's authorization? No: authorization first.
    expectRejected(d, d.tx(alice, 'vault.fund', { vault_id: 'treasury', asset: 'USD', amount: '1' }), 'NOT_AUTHORIZED');
  });
});

describe('withdrawal.create', () => {
  it('creates a pending request with the id derived from the signing digest', () => {
    const d = setup();
    const nonce = d.nonce(alice) + 1;
    const { bytes, unsigned } = buildTx(alice, 'withdrawal.create', withdrawal('250'), nonce, { expires_at: 50 });
    const res = d.block([bytes]);
    const r = res.txResults[0] as TxResult;
    expect(r.code).toBe(0);
    const id = requestIdOf(unsigned);
    expect(JSON.parse(fromUtf8(r.data))).toEqual({ request_id: id });
    expect(fromUtf8(r.data)).toBe(`{"request_id":"${id}"}`);
    expect(attr(r, 'custody.withdrawal_created', 'request_id')).toBe(id);
    expect(attr(r, 'custody.withdrawal_created', 'initiator')).toBe(alice.keyId);
    const rec = d.q(`/request/${id}`).value as WithdrawalRecord;
    expect(rec).toEqual({
      request_id: id,
      vault_id: 'treasury',
      asset: 'USD',
      amount: '250',
      destination: 'iban:DE00123',
      memo: 'rent',
      initiator: alice.keyId,
      created_at: d.engine.height(),
      created_tx: txHashOf(bytes),
      approvals: [],
      status: 'pending',
      executed_at: null,
      executed_tx: null,
      failure: null,
    });
    // the balance is not reserved
    expect((d.q('/vault/treasury').value as { balances: { USD: string } }).balances.USD).toBe('1000');
    // the admin may initiate too (role admin, docs/policy.md), and the full balance may be requested
    expect(d.send(admin, 'withdrawal.create', withdrawal('1000')).code).toBe(0);
  });
  it('rejections', () => {
    const d = setup();
    expectRejected(d, d.tx(alice, 'withdrawal.create', withdrawal('1', { vault_id: 'nope' })), 'VAULT_NOT_FOUND');
    expectRejected(d, d.tx(alice, 'withdrawal.create', withdrawal('1', { asset: 'usd' })), 'INVALID_ASSET');
    expectRejected(d, d.tx(alice, 'withdrawal.create', withdrawal('0')), 'INVALID_AMOUNT');
    expectRejected(d, d.tx(alice, 'withdrawal.create', withdrawal('1001')), 'INSUFFICIENT_BALANCE');
    expectRejected(d, d.tx(alice, 'withdrawal.create', withdrawal('1', { asset: 'EUR' })), 'INSUFFICIENT_BALANCE');
    for (const destination of ['', 'has space', 'x'.repeat(129), 'tab\t', 'ünï']) {
      expectRejected(d, d.tx(alice, 'withdrawal.create', withdrawal('1', { destination })), 'INVALID_DESTINATION');
    }
    expectRejected(d, d.tx(alice, 'withdrawal.create', withdrawal('1', { memo: 'm'.repeat(257) })), 'INVALID_FIELD');
    expect(d.send(alice, 'withdrawal.create', withdrawal('1', { memo: '✓'.repeat(256), destination: '~'.repeat(128) })).code).toBe(0);
  });
  it('REQUEST_EXISTS when the derived id is already taken', () => {
    const d0 = setup();
    const nonce = d0.nonce(alice) + 1;
    const { bytes, unsigned } = buildTx(alice, 'withdrawal.create', withdrawal('5'), nonce, { expires_at: 50 });
    const id = requestIdOf(unsigned);
    const d = restoreEdited(d0, (s) => {
      s.requests[id] = {
        request_id: id,
        vault_id: 'treasury',
        asset: 'USD',
        amount: '1',
        destination: 'x',
        memo: '',
        initiator: bob.keyId,
        created_at: 1,
        created_tx: '00'.repeat(32).toUpperCase(),
        approvals: [],
        status: 'pending',
        executed_at: null,
        executed_tx: null,
        failure: null,
      };
    });
    expectRejected(d, bytes, 'REQUEST_EXISTS');
  });
});

describe('withdrawal.approve', () => {
  function created(d: Driver, amount = '100'): string {
    return (d.ok(alice, 'withdrawal.create', withdrawal(amount)) as { request_id: string }).request_id;
  }

  it('2-of-3: the first approval records, the second executes in the same tx', () => {
    const d = setup();
    const id = created(d, '300');
    const t1 = d.tx(bob, 'withdrawal.approve', { request_id: id });
    const r1 = d.block([t1]).txResults[0] as TxResult;
    expect(r1.code).toBe(0);
    expect(JSON.parse(fromUtf8(r1.data))).toEqual({ request_id: id, status: 'pending' });
    expect(attr(r1, 'custody.withdrawal_approved', 'approvals')).toBe('1');
    expect(attr(r1, 'custody.withdrawal_approved', 'threshold')).toBe('2');
    expect(r1.events.map((e) => e.type)).toEqual(['custody.withdrawal_approved']);
    const h1 = d.engine.height();

    const t2 = d.tx(carol, 'withdrawal.approve', { request_id: id });
    const r2 = d.block([t2]).txResults[0] as TxResult;
    expect(r2.code).toBe(0);
    expect(JSON.parse(fromUtf8(r2.data))).toEqual({ request_id: id, status: 'executed' });
    expect(r2.events.map((e) => e.type)).toEqual(['custody.withdrawal_approved', 'custody.withdrawal_executed']);
    expect(attr(r2, 'custody.withdrawal_executed', 'amount')).toBe('300');
    expect(attr(r2, 'custody.withdrawal_executed', 'balance')).toBe('700');
    const rec = d.q(`/request/${id}`).value as WithdrawalRecord;
    expect(rec.status).toBe('executed');
    expect(rec.approvals).toEqual([
      { key_id: bob.keyId, height: h1, tx_hash: txHashOf(t1) },
      { key_id: carol.keyId, height: d.engine.height(), tx_hash: txHashOf(t2) },
    ]);
    expect(rec.executed_at).toBe(d.engine.height());
    expect(rec.executed_tx).toBe(txHashOf(t2));
    expect(rec.failure).toBeNull();
    expect((d.q('/vault/treasury').value as { balances: { USD: string } }).balances.USD).toBe('700');
  });

  it('a full-balance withdrawal leaves "0"', () => {
    const d = setup();
    const id = created(d, '1000');
    d.ok(carol, 'withdrawal.approve', { request_id: id });
    expect(d.ok(bob, 'withdrawal.approve', { request_id: id })).toEqual({ request_id: id, status: 'executed' });
    expect((d.q('/vault/treasury').value as { balances: { USD: string } }).balances.USD).toBe('0');
  });

  it('fails (without failing the tx) when the balance no longer suffices at the threshold', () => {
    const d = setup();
    const a = created(d, '600');
    const b = created(d, '600');
    d.ok(carol, 'withdrawal.approve', { request_id: a });
    d.ok(bob, 'withdrawal.approve', { request_id: a });
    d.ok(bob, 'withdrawal.approve', { request_id: b });
    const r = d.send(carol, 'withdrawal.approve', { request_id: b });
    expect(r.code).toBe(0);
    expect(JSON.parse(fromUtf8(r.data))).toEqual({ request_id: b, status: 'failed' });
    expect(r.events.map((e) => e.type)).toEqual(['custody.withdrawal_approved', 'custody.withdrawal_failed']);
    expect(attr(r, 'custody.withdrawal_failed', 'failure')).toBe('INSUFFICIENT_BALANCE');
    const rec = d.q(`/request/${b}`).value as WithdrawalRecord;
    expect(rec).toMatchObject({ status: 'failed', failure: 'INSUFFICIENT_BALANCE', executed_at: null, executed_tx: null });
    expect(rec.approvals).toHaveLength(2);
    expect((d.q('/vault/treasury').value as { balances: { USD: string } }).balances.USD).toBe('400');
    expect(d.nonce(carol)).toBe(2);
  });

  it('rejections', () => {
    const d = setup();
    const id = created(d);
    expectRejected(d, d.tx(bob, 'withdrawal.approve', { request_id: 'wr-000000000000000000000000' }), 'REQUEST_NOT_FOUND');
    expectRejected(d, d.tx(bob, 'withdrawal.approve', { request_id: 'garbage' }), 'REQUEST_NOT_FOUND');
    expectRejected(d, d.tx(admin, 'withdrawal.approve', { request_id: id }), 'NOT_AUTHORIZED');
    expectRejected(d, d.tx(alice, 'withdrawal.approve', { request_id: id }), 'SELF_APPROVAL');
    d.ok(bob, 'withdrawal.approve', { request_id: id });
    expectRejected(d, d.tx(bob, 'withdrawal.approve', { request_id: id }), 'DUPLICATE_APPROVAL');
    d.ok(carol, 'withdrawal.approve', { request_id: id });
    expectRejected(d, d.tx(alice, 'withdrawal.approve', { request_id: id }), 'REQUEST_NOT_PENDING');
  });
});

// ─── Blocks, mempool, commit ─────────────────────────────────────────────────

describe('blocks', () => {
  it('failed txs inside a block do not consume the nonce nor change state; later txs still apply', () => {
    const d = setup();
    const n = d.nonce(alice);
    const good1 = buildTx(alice, 'withdrawal.create', withdrawal('1'), n + 1, { expires_at: 99 }).bytes;
    const badSig = canonicalBytes({ ...buildTx(alice, 'withdrawal.create', withdrawal('2'), n + 2, { expires_at: 99 }).env, signature: '11'.repeat(64) });
    const tooBig = buildTx(alice, 'withdrawal.create', withdrawal('5000'), n + 2, { expires_at: 99 }).bytes;
    const good2 = buildTx(alice, 'withdrawal.create', withdrawal('3'), n + 2, { expires_at: 99 }).bytes;
    const res = d.block([good1, badSig, tooBig, good2, good2]);
    expect(res.txResults.map((r) => r.log.split(':')[0] || 'OK')).toEqual(['OK', 'BAD_SIGNATURE', 'INSUFFICIENT_BALANCE', 'OK', 'BAD_NONCE']);
    expect(d.nonce(alice)).toBe(n + 2);
    expect(Object.keys(d.state().requests)).toHaveLength(2);
    // the same block without the failed txs gives the same root
    const e = setup();
    const res2 = e.block([good1, good2]);
    expect(toHex(res2.appHash)).toBe(toHex(res.appHash));
  });

  it('an empty block keeps the root; height and time advance', () => {
    const d = setup();
    const root = toHex(d.engine.appHash());
    const res = d.block([]);
    expect(toHex(res.appHash)).toBe(root);
    expect(d.engine.height()).toBe(4);
    expect(d.state().time).toBe(blockTime(4));
  });

  it('finalizeBlock requires the next height and an RFC 3339 time; commit requires a finalized block', () => {
    const d = new Driver();
    expect(() => d.engine.finalizeBlock({ height: 2, time: blockTime(2), txs: [] })).toThrow(/next height 1/);
    expect(() => d.engine.finalizeBlock({ height: 0, time: blockTime(0), txs: [] })).toThrow(CharterError);
    expect(() => d.engine.finalizeBlock({ height: 1, time: 'yesterday', txs: [] })).toThrow(/RFC 3339/);
    expect(() => d.engine.commit()).toThrow(/without a finalized block/);
    d.engine.finalizeBlock({ height: 1, time: blockTime(1), txs: [] });
    // finalize may be repeated before commit (it restarts from the committed state)
    const tx = d.tx(admin, 'key.register', { public_key: alice.publicKeyHex, scheme: 'ed25519', label: 'A' });
    const again = d.engine.finalizeBlock({ height: 1, time: blockTime(1), txs: [tx] });
    expect(again.txResults[0]?.code).toBe(0);
    // nothing is visible before commit
    expect(d.engine.height()).toBe(0);
    expect(d.q(`/key/${alice.keyId}`).code).toBe(abci('UNKNOWN_SIGNER'));
    d.engine.commit();
    expect(d.engine.height()).toBe(1);
    expect(toHex(d.engine.info().lastBlockAppHash)).toBe(toHex(again.appHash));
    expect(d.q(`/key/${alice.keyId}`).code).toBe(0);
    expect(() => d.engine.finalizeBlock({ height: 1, time: blockTime(1), txs: [] })).toThrow(/next height 2/);
  });

  it('finalizeBlock does not disturb the committed state', () => {
    const d = setup();
    const before = d.engine.snapshot();
    d.engine.finalizeBlock({
      height: d.engine.height() + 1,
      time: blockTime(9),
      txs: [d.tx(admin, 'vault.fund', { vault_id: 'treasury', asset: 'USD', amount: '7' })],
    });
    expect(d.engine.snapshot()).toEqual(before);
  });
});

describe('checkTx', () => {
  it('admits n+1 and n+2 from one signer, not n+3 before n+2, and resets on commit', () => {
    const d = setup();
    const n = d.nonce(alice);
    const t1 = d.tx(alice, 'withdrawal.create', withdrawal('1'), { nonce: n + 1 });
    const t2 = d.tx(alice, 'withdrawal.create', withdrawal('2'), { nonce: n + 2 });
    const t4 = d.tx(alice, 'withdrawal.create', withdrawal('4'), { nonce: n + 4 });
    const root = toHex(d.engine.appHash());
    expect(d.engine.checkTx(t1).code).toBe(0);
    expect(d.engine.checkTx(t1).log).toMatch(/^BAD_NONCE/); // already admitted
    expect(d.engine.checkTx(t4).log).toMatch(/^BAD_NONCE/);
    expect(d.engine.checkTx(t2).code).toBe(0);
    // checkTx never touches committed state
    expect(toHex(d.engine.appHash())).toBe(root);
    expect(d.nonce(alice)).toBe(n);
    // the block includes only t1; after commit the check state is the committed state
    d.block([t1]);
    expect(d.engine.checkTx(t1).log).toMatch(/^BAD_NONCE/);
    expect(d.engine.checkTx(t2).code).toBe(0);
  });

  it('sees admitted effects beyond nonces (a key registered in the mempool can be used in a policy)', () => {
    const d = new Driver();
    const dave = testKey(5);
    const reg = d.tx(admin, 'key.register', { public_key: dave.publicKeyHex, scheme: 'ed25519', label: 'Dave' }, { nonce: 1 });
    const vault = d.tx(admin, 'vault.create', { vault_id: 'dv', name: 'D', policy: { approvers: [dave.keyId], threshold: 1 } }, { nonce: 2 });
    expect(d.engine.checkTx(vault).log).toMatch(/^BAD_NONCE/);
    expect(d.engine.checkTx(reg).code).toBe(0);
    expect(d.engine.checkTx(vault).code).toBe(0);
    const res = d.block([reg, vault]);
    expect(res.txResults.map((r) => r.code)).toEqual([0, 0]);
  });

  it('rejects with the same codes and the tx_rejected event', () => {
    const d = setup();
    const r = d.engine.checkTx(d.tx(mallory, 'withdrawal.create', withdrawal()));
    expect(r).toMatchObject({ code: abci('UNKNOWN_SIGNER'), codespace: 'custody' });
    expect(r.events[0]?.type).toBe('custody.tx_rejected');
    expect(attr(r, 'custody.tx_rejected', 'signer')).toBe(mallory.keyId);
    expect(attr(r, 'custody.tx_rejected', 'type')).toBe('withdrawal.create');
  });
});

// ─── Queries ─────────────────────────────────────────────────────────────────

describe('query', () => {
  it('answers every documented path', () => {
    const d = setup();
    const a = (d.ok(alice, 'withdrawal.create', withdrawal('10')) as { request_id: string }).request_id;
    d.ok(admin, 'vault.create', { vault_id: 'ops', name: 'Ops', policy: { approvers: [bob.keyId], threshold: 1 } });
    d.ok(admin, 'vault.fund', { vault_id: 'ops', asset: 'USD', amount: '50' });
    const b = (d.ok(bob, 'withdrawal.create', { ...withdrawal('20'), vault_id: 'ops' }) as { request_id: string }).request_id;
    const c = (d.ok(carol, 'withdrawal.create', withdrawal('30')) as { request_id: string }).request_id;
    const h = d.engine.height();

    expect(d.q(`/key/${alice.keyId}`)).toMatchObject({ code: 0, height: h, value: { key_id: alice.keyId, label: 'Alice' } });
    expect((d.q('/keys').value as { key_id: string }[]).map((k) => k.key_id)).toEqual([admin.keyId, ...[alice.keyId, bob.keyId, carol.keyId].sort()]);
    expect(d.q(`/account/${alice.keyId}`).value).toEqual({ key_id: alice.keyId, nonce: 1 });
    expect(d.q(`/account/${mallory.keyId}`).value).toEqual({ key_id: mallory.keyId, nonce: 0 });
    expect((d.q('/vault/ops').value as { balances: object }).balances).toEqual({ USD: '50' });
    expect((d.q('/vaults').value as { vault_id: string }[]).map((v) => v.vault_id)).toEqual(['ops', 'treasury']);
    expect((d.q(`/request/${b}`).value as WithdrawalRecord).vault_id).toBe('ops');
    expect((d.q('/requests').value as WithdrawalRecord[]).map((r) => r.request_id)).toEqual([c, b, a]);
    expect((d.q('/requests?vault=treasury').value as WithdrawalRecord[]).map((r) => r.request_id)).toEqual([c, a]);
    expect((d.q('/requests?vault=ops').value as WithdrawalRecord[]).map((r) => r.request_id)).toEqual([b]);
    expect(d.q('/params').value).toEqual({ faucet: true, max_expiry_blocks: 1000 });
    expect(d.q('/admins').value).toEqual([admin.keyId]);
    expect(d.q('/root').value).toEqual({ height: h, app_hash: toHex(appHashOf(d.engine)).toUpperCase() });

    // the value is canonical JSON bytes
    const raw = d.engine.query({ path: '/params' }).value;
    expect(fromUtf8(raw)).toBe('{"faucet":true,"max_expiry_blocks":1000}');
  });

  it('answers not-found and unknown paths with codes', () => {
    const d = setup();
    const expectCode = (path: string, code: ErrorCode) => {
      const r = d.engine.query({ path });
      expect(r.code, path).toBe(abci(code));
      expect(r.codespace).toBe('custody');
      expect(r.log).toMatch(new RegExp(`^${code}: `));
      expect(r.value.length).toBe(0);
    };
    expectCode(`/key/${mallory.keyId}`, 'UNKNOWN_SIGNER');
    expectCode('/vault/nope', 'VAULT_NOT_FOUND');
    expectCode('/request/wr-000000000000000000000000', 'REQUEST_NOT_FOUND');
    expectCode('/requests?vault=nope', 'VAULT_NOT_FOUND');
    expectCode('/account/XYZ', 'INVALID_FIELD');
    expectCode('/requests?status=pending', 'UNKNOWN_QUERY');
    expectCode('/vaults?x=1', 'UNKNOWN_QUERY');
    expectCode('/nothing', 'UNKNOWN_QUERY');
    expectCode('', 'UNKNOWN_QUERY');
    expectCode('vaults', 'UNKNOWN_QUERY');
    expectCode('/key/a/b', 'UNKNOWN_QUERY');
    expectCode('/key/__proto__', 'UNKNOWN_SIGNER');
    expectCode('/proof/vault/nope', 'NOT_IN_STATE');
  });

  it('/proof/<state key> returns a proof that verifies against the committed root', () => {
    const d = setup();
    const r = d.q('/proof/vault/treasury').value as { height: number; app_hash: string; key: string; value: unknown; proof: EntryProof };
    expect(r.key).toBe('vault/treasury');
    expect(r.app_hash).toBe(toHex(d.engine.appHash()).toUpperCase());
    expect(verifyEntryProof(r.app_hash.toLowerCase(), r.key, r.value, r.proof)).toBe(true);
    expect(verifyEntryProof(r.app_hash.toLowerCase(), r.key, { ...(r.value as object), name: 'x' }, r.proof)).toBe(false);
  });
});

// ─── Determinism, snapshots, verifier injection ──────────────────────────────

/** A fixed script of blocks exercising every tx type, successes and failures. */
function script(): Uint8Array[][] {
  const d = setup(); // used only to build txs with the right nonces
  const blocks: Uint8Array[][] = [];
  const push = (txs: Uint8Array[]) => {
    blocks.push(txs);
    d.block(txs);
  };
  const w1 = d.tx(alice, 'withdrawal.create', withdrawal('100'));
  push([w1, d.tx(mallory, 'vault.fund', { vault_id: 'treasury', asset: 'USD', amount: '1' })]);
  const id = Object.keys(d.state().requests)[0] as string;
  push([d.tx(bob, 'withdrawal.approve', { request_id: id }), d.tx(admin, 'vault.fund', { vault_id: 'treasury', asset: 'EUR', amount: '5' })]);
  push([]);
  push([d.tx(carol, 'withdrawal.approve', { request_id: id }), d.tx(carol, 'withdrawal.approve', { request_id: id }, { nonce: 9 })]);
  push([d.tx(admin, 'key.register', { public_key: testKey(6).publicKeyHex, scheme: 'ed25519', label: 'six' })]);
  return blocks;
}

function replay(engine: CustodyEngine, blocks: Uint8Array[][]): string[] {
  return blocks.map((txs) => toHex(runBlock(engine, txs).appHash));
}

describe('determinism', () => {
  it('the same tx stream gives the same root history on two engines', () => {
    const blocks = script();
    const a = setup();
    const b = setup();
    expect(toHex(a.engine.appHash())).toBe(toHex(b.engine.appHash()));
    const ra = replay(a.engine, blocks);
    const rb = replay(b.engine, blocks);
    expect(ra).toEqual(rb);
    expect(new Set(ra).size).toBeGreaterThan(2);
    expect(a.engine.snapshot()).toEqual(b.engine.snapshot());
  });

  it('snapshot → restore reproduces the root and the subsequent behaviour', () => {
    const blocks = script();
    const a = setup();
    replay(a.engine, blocks.slice(0, 2));
    const snap = a.engine.snapshot();
    const b = CustodyEngine.restore(snap, a.genesis);
    expect(toHex(b.appHash())).toBe(toHex(a.engine.appHash()));
    expect(b.info()).toEqual(a.engine.info());
    expect(b.snapshot()).toEqual(snap);
    for (const path of ['/vaults', '/requests', '/keys', '/root']) expect(b.query({ path })).toEqual(a.engine.query({ path }));
    const rest = blocks.slice(2);
    const ra = rest.map((txs) => runBlock(a.engine, txs));
    const rb = rest.map((txs) => runBlock(b, txs));
    expect(rb).toEqual(ra);
  });

  it('restore refuses tampered, foreign or malformed snapshots', () => {
    const a = setup();
    const snap = JSON.parse(fromUtf8(a.engine.snapshot())) as { state: EngineState; app_hash: string; genesis_hash: string };
    const tampered = JSON.parse(JSON.stringify(snap)) as typeof snap;
    (tampered.state.vaults.treasury as { balances: Record<string, string> }).balances.USD = '1000000';
    expect(() => CustodyEngine.restore(canonicalBytes(tampered), a.genesis)).toThrow(/hashes to/);
    const other = testGenesis({ chain_id: 'other' });
    expect(() => CustodyEngine.restore(canonicalBytes(snap), other)).toThrow(/another genesis/);
    expect(() => CustodyEngine.restore(utf8('{'), a.genesis)).toThrow(CharterError);
    expect(() => CustodyEngine.restore(canonicalBytes({ ...snap, format: 'x' }), a.genesis)).toThrow(/format/);
    const badRef = JSON.parse(JSON.stringify(snap)) as typeof snap;
    (badRef.state.vaults.treasury as { vault_id: string }).vault_id = 'other';
    badRef.app_hash = toHex(stateRoot(badRef.state));
    expect(() => CustodyEngine.restore(canonicalBytes(badRef), a.genesis)).toThrow(/another vault_id/);
  });

  it('state() is a deep copy', () => {
    const d = setup();
    const s = d.engine.state();
    (s.vaults.treasury as { name: string }).name = 'changed';
    expect((d.engine.state().vaults.treasury as { name: string }).name).toBe('Treasury');
  });
});

describe('verifier injection', () => {
  it('uses the injected verifier for every signature', () => {
    let calls = 0;
    const counting: SignatureVerifier = {
      verify: (...args) => {
        calls++;
        return nobleVerifier.verify(...args);
      },
    };
    const g = testGenesis();
    const e = new CustodyEngine(g, { verifier: counting });
    runBlock(e, [buildTx(admin, 'key.register', { public_key: alice.publicKeyHex, scheme: 'ed25519', label: 'A' }, 1).bytes]);
    expect(calls).toBe(1);
    const refusing = new CustodyEngine(g, { verifier: { verify: () => false } });
    const r = runBlock(refusing, [buildTx(admin, 'key.register', { public_key: alice.publicKeyHex, scheme: 'ed25519', label: 'A' }, 1).bytes]);
    expect(r.txResults[0]?.log).toMatch(/^BAD_SIGNATURE/);
  });
});

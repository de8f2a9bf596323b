/**
 * CustodyClient (cosmjs underneath) against the real devnet over its socket:
 * the first custody flow, error mapping, explorer routes and metrics.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { txHashOf } from '../../core/codec/index.js';
import { CharterError } from '../../core/errors.js';
import { decodeTx, requestIdOf, unsignedOf } from '../../core/tx/envelope.js';
import type { VaultRecord, WithdrawalRecord } from '../../core/engine/types.js';
import { CustodyClient } from '../../main/chain/custody-client.js';
import { loadDevnetAdmin, type DevnetAdmin, type DevnetNode } from '../../main/devnet/node.js';
import { Homes, getJson, signTx, signer, steppingClock, until, type Signer } from './devnet-fixtures.js';

const homes = new Homes();
afterEach(() => homes.cleanup());

async function rejection(p: Promise<unknown>): Promise<CharterError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CharterError) return e;
    throw e;
  }
  throw new Error('expected a CharterError');
}

/** Prometheus text → {"name{labels}": value}. */
function parseMetrics(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    const v = Number(line.slice(i + 1));
    expect(Number.isNaN(v), line).toBe(false);
    m.set(line.slice(0, i), v);
  }
  return m;
}

class Wallet {
  private readonly nonces = new Map<string, number>();
  constructor(
    private readonly client: CustodyClient,
    private readonly chainId: string,
  ) {}
  async tx<T extends Parameters<typeof signTx>[2]>(s: Signer | DevnetAdmin, type: T, body: Parameters<typeof signTx<T>>[3]): Promise<Uint8Array> {
    const n = (this.nonces.get(s.keyId) ?? (await this.client.nonceOf(s.keyId))) + 1;
    this.nonces.set(s.keyId, n);
    const height = (await this.client.status()).height;
    return signTx(s, this.chainId, type, body, n, height + 100);
  }
  forget(keyId: string): void {
    this.nonces.delete(keyId);
  }
}

describe('CustodyClient', () => {
  let node: DevnetNode;
  let client: CustodyClient;
  let admin: DevnetAdmin;
  let w: Wallet;
  const [k1, k2, k3, k4] = [signer(1), signer(2), signer(3), signer(4)];

  beforeEach(async () => {
    node = await homes.start({ clock: steppingClock() });
    client = await CustodyClient.connect(node.rpcUrl);
    admin = loadDevnetAdmin(node.home);
    w = new Wallet(client, node.chainId);
  });
  afterEach(() => client.disconnect());

  async function setUpVault(): Promise<void> {
    for (const [i, k] of [k1, k2, k3, k4].entries()) {
      await client.broadcastCommit(await w.tx(admin, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: `key ${i + 1}` }));
    }
    await client.broadcastCommit(
      await w.tx(admin, 'vault.create', { vault_id: 'treasury', name: 'Treasury', policy: { approvers: [k1.keyId, k2.keyId, k3.keyId], threshold: 2 } }),
    );
    await client.broadcastCommit(await w.tx(admin, 'vault.fund', { vault_id: 'treasury', asset: 'BTC', amount: '1000' }));
  }

  test('status, abciInfo, query, nonceOf', async () => {
    const s = await client.status();
    expect(s.chainId).toBe('charter-devnet-1');
    expect(s.height).toBeGreaterThanOrEqual(1);
    expect(s.appHash).toMatch(/^[0-9A-F]{64}$/);
    expect(s.latestBlockHash).toMatch(/^[0-9A-F]{64}$/);
    expect(s.nodeVersion).toMatch(/^0\.38\./);
    expect(Date.parse(s.time)).toBeGreaterThan(0);
    const info = await client.abciInfo();
    expect(info.appHash).toMatch(/^[0-9A-F]{64}$/);
    expect(await client.query('/vault/none')).toBeNull();
    expect(await client.query(`/key/${k1.keyId}`)).toBeNull();
    expect(await client.query<string[]>('/admins')).toEqual([admin.keyId]);
    expect(await client.nonceOf(admin.keyId)).toBe(0);
    const bad = await rejection(client.query('/no/such/path'));
    expect(bad.code).toBe('NODE_ERROR');
    expect(bad.details).toMatchObject({ engine_code: 'UNKNOWN_QUERY' });
  });

  test('funded vault, withdrawal, two approvals: executed in a block, visible through every read path', async () => {
    await setUpVault();
    expect(await client.nonceOf(admin.keyId)).toBe(6);
    const vault = await client.query<VaultRecord>('/vault/treasury');
    expect(vault?.balances).toEqual({ BTC: '1000' });
    expect(vault?.policy.threshold).toBe(2);

    const createBytes = await w.tx(k1, 'withdrawal.create', {
      vault_id: 'treasury',
      asset: 'BTC',
      amount: '250',
      destination: 'bc1qdestination',
      memo: 'payout 7',
    });
    const created = await client.broadcastCommit(createBytes);
    const requestId = requestIdOf(unsignedOf(decodeTx(createBytes)) as never);
    expect(created.txResult.result).toEqual({ request_id: requestId });
    expect(created.hash).toBe(txHashOf(createBytes));
    expect(created.checkTx.code).toBe(0);

    const a1 = await client.broadcastCommit(await w.tx(k2, 'withdrawal.approve', { request_id: requestId }));
    expect((await client.query<WithdrawalRecord>(`/request/${requestId}`))?.status).toBe('pending');
    const a2 = await client.broadcastCommit(await w.tx(k3, 'withdrawal.approve', { request_id: requestId }));
    expect(a2.txResult.events.map((e) => e.type)).toEqual(expect.arrayContaining(['custody.withdrawal_approved', 'custody.withdrawal_executed']));
    expect(a2.height).toBeGreaterThan(a1.height);

    const req = await client.query<WithdrawalRecord>(`/request/${requestId}`);
    expect(req).toMatchObject({ status: 'executed', executed_at: a2.height, executed_tx: a2.hash, initiator: k1.keyId, amount: '250' });
    expect(req?.approvals.map((a) => a.key_id)).toEqual([k2.keyId, k3.keyId]);
    expect((await client.query<VaultRecord>('/vault/treasury'))?.balances).toEqual({ BTC: '750' });

    // tx(): the same result from the index
    const t = await client.tx(a2.hash);
    expect(t).toMatchObject({ hash: a2.hash, height: a2.height });
    expect(t?.result.events.map((e) => e.type)).toContain('custody.withdrawal_executed');
    expect(await client.tx('0x' + 'ab'.repeat(32))).toBeNull();

    // block(): carries the approval, signed by the validator
    const b = await client.block(a2.height);
    expect(b.txs.map((x) => x.hash)).toContain(a2.hash);
    expect(b.chainId).toBe(node.chainId);
    expect(b.signatures).toHaveLength(1);
    expect(ed25519.verify(Buffer.from(b.signatures[0]!.signature, 'base64'), Buffer.from(b.hash, 'hex'), node.validator.publicKey)).toBe(true);

    // latestBlocks(): highest first
    await until(() => node.height() > a2.height, 10_000, 'proof block');
    const latest = await client.latestBlocks(5);
    expect(latest).toHaveLength(5);
    expect(latest[0]!.height).toBe(node.height());
    expect(latest.map((x) => x.height)).toEqual([...latest.map((x) => x.height)].sort((x, y) => y - x));
    expect(latest.find((x) => x.height === a2.height)?.numTxs).toBe(1);

    // Explorer: overview, block, transaction
    const ov = await client.explorerOverview(10);
    expect(ov).toMatchObject({ chainId: node.chainId, height: node.height(), mempoolSize: 0, devnet: true });
    expect(ov.txCount).toBe(9);
    expect(ov.txCounts).toEqual({ total: 9, ok: 9, rejected: 0 });
    expect(ov.blocks[0]!.height).toBe(node.height());
    expect(ov.blocks.length).toBeLessThanOrEqual(10);

    const eb = await client.explorerBlock(a2.height);
    expect(eb.hash).toBe(b.hash);
    expect(eb.appHash).toBe(b.appHash);
    expect(eb.resultAppHash).toMatch(/^[0-9A-F]{64}$/);
    expect(eb.txs).toHaveLength(1);
    expect(eb.txs[0]).toMatchObject({ hash: a2.hash, type: 'withdrawal.approve', signer: k3.keyId, code: 0, error: null });
    expect(eb.header.height).toBe(String(a2.height));
    // The root after this block is the next header's app_hash.
    expect((await client.block(a2.height + 1)).appHash).toBe(eb.resultAppHash);

    const et = await client.explorerTx(created.hash);
    expect(et).toMatchObject({
      hash: created.hash,
      height: created.height,
      type: 'withdrawal.create',
      signer: k1.keyId,
      code: 0,
      result: { request_id: requestId },
    });
    expect(et.envelope).toMatchObject({ type: 'withdrawal.create', body: { amount: '250', destination: 'bc1qdestination' } });
    expect(
      ed25519.verify(
        Buffer.from((et.envelope as { signature: string }).signature, 'hex'),
        Buffer.from(et.signingDigest!, 'hex'),
        Buffer.from(k1.publicKeyHex, 'hex'),
      ),
    ).toBe(true);
    expect(et.events.map((e) => e.type)).toContain('custody.withdrawal_created');
    expect(et.blockTime).toBe((await client.explorerBlock(created.height)).time);
    // lower-case and 0x forms work too
    expect((await client.explorerTx('0x' + created.hash.toLowerCase())).hash).toBe(created.hash);
  });

  test('rejections carry the engine stable code and details; a tx refused at check time never enters a block', async () => {
    await setUpVault();
    const createBytes = await w.tx(k1, 'withdrawal.create', { vault_id: 'treasury', asset: 'BTC', amount: '100', destination: 'dest-1', memo: '' });
    await client.broadcastCommit(createBytes);
    const requestId = requestIdOf(unsignedOf(decodeTx(createBytes)) as never);

    // Above the balance
    const over = await w.tx(k1, 'withdrawal.create', { vault_id: 'treasury', asset: 'BTC', amount: '5000', destination: 'dest-2', memo: '' });
    let e = await rejection(client.broadcastCommit(over));
    expect(e.code).toBe('INSUFFICIENT_BALANCE');
    expect(e.details).toMatchObject({ abci_code: 40, hash: txHashOf(over) });
    expect((e.details as { log: string }).log).toMatch(/^INSUFFICIENT_BALANCE: /);
    w.forget(k1.keyId);

    // A key outside the policy
    e = await rejection(client.broadcastCommit(await w.tx(k4, 'withdrawal.approve', { request_id: requestId })));
    expect(e.code).toBe('NOT_AN_APPROVER');
    w.forget(k4.keyId);

    // Double approval
    await client.broadcastCommit(await w.tx(k2, 'withdrawal.approve', { request_id: requestId }));
    const dup = await w.tx(k2, 'withdrawal.approve', { request_id: requestId });
    e = await rejection(client.broadcastSync(dup));
    expect(e.code).toBe('DUPLICATE_APPROVAL');
    w.forget(k2.keyId);

    // Bad signature: signed by k3, claims k2
    const forged = signTx(
      { ...k3, keyId: k2.keyId },
      node.chainId,
      'withdrawal.approve',
      { request_id: requestId },
      (await client.nonceOf(k2.keyId)) + 1,
      node.height() + 50,
    );
    e = await rejection(client.broadcastSync(forged));
    expect(e.code).toBe('BAD_SIGNATURE');

    // Wrong chain
    e = await rejection(client.broadcastSync(signTx(k3, 'another-chain', 'withdrawal.approve', { request_id: requestId }, 1, node.height() + 50)));
    expect(e.code).toBe('WRONG_CHAIN');

    // None of the refused transactions is in any block, the mempool or the index.
    const refused = [over, dup, forged].map(txHashOf);
    const heightThen = node.height();
    await until(() => node.height() >= heightThen + 1 || !node.wantsBlock(), 10_000, 'quiet chain');
    for (const h of refused) {
      expect(await client.tx(h)).toBeNull();
      expect((await rejection(client.explorerTx(h))).code).toBe('NOT_FOUND');
    }
    for (let h = 1; h <= node.height(); h++) {
      const blk = await client.block(h);
      for (const t of blk.txs) expect(refused).not.toContain(t.hash);
    }
    const m = parseMetrics(await client.metrics());
    expect(m.get('charter_engine_checktx_rejected_total{code="INSUFFICIENT_BALANCE"}')).toBe(1);
    expect(m.get('charter_engine_checktx_rejected_total{code="BAD_SIGNATURE"}')).toBe(1);
    expect((await client.explorerOverview()).txCounts.rejected).toBe(0);
    // The request is still pending with one approval: state unchanged by the refusals.
    expect((await client.query<WithdrawalRecord>(`/request/${requestId}`))?.approvals).toHaveLength(1);
  });

  test("metrics: Prometheus text from the node's own registry, moving with the chain", async () => {
    const res = await fetch(node.rpcUrl + '/metrics/engine');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const before = parseMetrics(await res.text());
    expect(before.get('charter_engine_height')).toBe(node.height());
    expect(before.get('charter_engine_mempool_size')).toBe(0);
    expect(before.get('charter_engine_block_txs_count')).toBe(node.height());
    // Not the global registry: no default process metrics.
    expect([...before.keys()].some((k) => k.startsWith('process_') || k.startsWith('nodejs_'))).toBe(false);

    await setUpVault();
    await until(() => !node.wantsBlock(), 10_000, 'quiet chain');
    const after = parseMetrics(await client.metrics());
    expect(after.get('charter_engine_height')).toBe(node.height());
    expect(after.get('charter_engine_height')!).toBeGreaterThan(before.get('charter_engine_height')!);
    expect(after.get('charter_engine_txs_total{result="ok",code="OK"}')).toBe(6);
    expect(after.get('charter_engine_block_interval_seconds_count')).toBe(node.height() - 1);
    expect(after.get('charter_engine_block_txs_sum')).toBe(6);
    expect(after.get('charter_engine_last_block_time_seconds')).toBeGreaterThan(1.7e9);

    // Mempool size shows waiting transactions (a node without a timer holds them).
    const idle = await homes.start({ blockTimeMs: 0 });
    const c2 = await CustodyClient.connect(idle.rpcUrl);
    const adm = loadDevnetAdmin(idle.home);
    await c2.broadcastSync(signTx(adm, idle.chainId, 'key.register', { public_key: k1.publicKeyHex, scheme: 'ed25519', label: 'k' }, 1, 50));
    expect(parseMetrics(await c2.metrics()).get('charter_engine_mempool_size')).toBe(1);
    expect((await c2.explorerOverview()).mempoolSize).toBe(1);
    idle.produceBlock();
    expect(parseMetrics(await c2.metrics()).get('charter_engine_mempool_size')).toBe(0);
    c2.disconnect();
  });

  test('explorer routes: 404 JSON NOT_FOUND when absent, 400 on bad parameters', async () => {
    const url = node.rpcUrl;
    let r = await getJson(`${url}/explorer/block?height=999`);
    expect(r.status).toBe(404);
    expect(r.json.code).toBe('NOT_FOUND');
    r = await getJson(`${url}/explorer/block?height=abc`);
    expect(r.status).toBe(400);
    r = await getJson(`${url}/explorer/block`);
    expect(r.status).toBe(400);
    r = await getJson(`${url}/explorer/transaction?hash=${'A'.repeat(64)}`);
    expect(r.status).toBe(404);
    expect(r.json.code).toBe('NOT_FOUND');
    r = await getJson(`${url}/explorer/transaction?hash=xyz`);
    expect(r.status).toBe(400);
    r = await getJson(`${url}/explorer/overview?limit=0`);
    expect(r.status).toBe(400);
    r = await getJson(`${url}/explorer/nothing`);
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect((await rejection(client.explorerBlock(999))).code).toBe('NOT_FOUND');
    const one = await client.explorerBlock(1);
    expect(one).toMatchObject({ height: 1, numTxs: 0, txs: [], lastBlockHash: '' });
  });
});

describe('CustodyClient failures', () => {
  test('NODE_UNREACHABLE when nothing listens, including after the node stops', async () => {
    const node = await homes.start();
    const url = node.rpcUrl;
    const client = await CustodyClient.connect(url);
    await node.stop();
    expect((await rejection(client.status())).code).toBe('NODE_UNREACHABLE');
    expect((await rejection(client.explorerOverview())).code).toBe('NODE_UNREACHABLE');
    expect((await rejection(client.metrics())).code).toBe('NODE_UNREACHABLE');
    expect((await rejection(CustodyClient.connect(url))).code).toBe('NODE_UNREACHABLE');
    expect((await rejection(CustodyClient.connect('not a url'))).code).toBe('INVALID_INPUT');
    client.disconnect();
  });

  test('TX_TIMEOUT when the node does not include the transaction in time', async () => {
    const node = await homes.start({ blockTimeMs: 0, commitTimeoutMs: 300 });
    const client = await CustodyClient.connect(node.rpcUrl);
    const admin = loadDevnetAdmin(node.home);
    const tx = signTx(admin, node.chainId, 'key.register', { public_key: signer(1).publicKeyHex, scheme: 'ed25519', label: 'k' }, 1, 50);
    const e = await rejection(client.broadcastCommit(tx));
    expect(e.code).toBe('TX_TIMEOUT');
    // It is still in the mempool and lands in the next block.
    node.produceBlock();
    expect((await client.tx(txHashOf(tx)))?.height).toBe(2);
    client.disconnect();
  });

  test('a tx evicted from the mempool on recheck fails its broadcastCommit with the engine code', async () => {
    const node = await homes.start({ blockTimeMs: 0, commitTimeoutMs: 5000, maxBlockTxs: 1 });
    const client = await CustodyClient.connect(node.rpcUrl);
    const admin = loadDevnetAdmin(node.home);
    const a = signTx(admin, node.chainId, 'key.register', { public_key: signer(1).publicKeyHex, scheme: 'ed25519', label: 'a' }, 1, 50);
    // b is valid for height 2 only; blocks hold one tx, so a takes height 2 and b expires.
    const b = signTx(admin, node.chainId, 'key.register', { public_key: signer(2).publicKeyHex, scheme: 'ed25519', label: 'b' }, 2, 2);
    await client.broadcastSync(a);
    const pending = rejection(client.broadcastCommit(b));
    await until(() => node.mempoolSize === 2, 5000, 'both admitted');
    node.produceBlock();
    const e = await pending;
    expect(e.code).toBe('TX_EXPIRED');
    expect(node.mempoolSize).toBe(0);
    expect(await client.tx(txHashOf(b))).toBeNull();
    expect(parseMetrics(await client.metrics()).get('charter_engine_checktx_rejected_total{code="TX_EXPIRED"}')).toBe(1);
    client.disconnect();
  });
});

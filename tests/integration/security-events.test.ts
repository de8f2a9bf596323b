// The node-side security event index: security.* events from transaction
// results (rejected transactions inside a block included) and from
// FinalizeBlock, persisted with the block in node.db and served at
// /explorer/security-events and CustodyClient.securityEvents().
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AbciEvent, Application, FinalizeBlockRequest, FinalizeBlockResponse, TxResult } from '../../core/engine/types.js';
import { MAX_STORED_REFUSALS, NodeStore, securityEventsOf, type BlockRow } from '../../main/app-host/store.js';
import { CustodyClient } from '../../main/chain/custody-client.js';
import { getJson, Homes, rpcPost, signer, signTx, steppingClock, until } from './devnet-fixtures.js';
import { loadDevnetAdmin } from '../../main/devnet/keys.js';
import { txHashOf } from '../../core/codec/index.js';

const homes = new Homes();
afterEach(() => homes.cleanup());
const clients: CustodyClient[] = [];
afterAll(() => clients.forEach((c) => c.disconnect()));

const CHAIN = 'charter-sec-1';

/** A tiny Application standing in for an engine that emits security events of every shape. */
class FakeApp implements Pick<Application, 'finalizeBlock'> {
  finalizeBlock(req: FinalizeBlockRequest): FinalizeBlockResponse {
    const ev = (type: string, attrs: Record<string, string>): AbciEvent => ({
      type,
      attributes: Object.entries(attrs).map(([key, value]) => ({ key, value })),
    });
    const txResults: TxResult[] = req.txs.map((_, i) =>
      i % 2 === 0
        ? { code: 0, codespace: '', log: '', data: new Uint8Array(), events: [ev('custody.noop', { key_id: 'x' })] }
        : {
            code: 17,
            codespace: 'custody',
            log: 'NOT_AUTHORIZED: no',
            data: new Uint8Array(),
            events: [ev('security.tx_rejected', { code: 'NOT_AUTHORIZED', key_id: 'a'.repeat(40), vault_id: 'treasury' })],
          },
    );
    return { txResults, appHash: new Uint8Array(32), events: [ev('security.control_lapsed', { proposal_id: 'p-1', vault_id: 'treasury', kind: 'freeze' })] };
  }
}

function blockRow(height: number): BlockRow {
  return {
    height,
    hash: String(height).padStart(64, '0'),
    time: '2026-01-01T00:00:00Z',
    time_ms: 0,
    app_hash: '',
    result_app_hash: '',
    last_block_hash: '',
    data_hash: '',
    proposer: '',
    num_txs: 0,
    size: 0,
    header: '{}',
    block_id: '{}',
    last_commit: '{}',
    commit_signature: '',
    commit_time: '',
    finalize_events: '[]',
  };
}

describe('security event index', () => {
  it('stores a fake application’s tx-level and block-level security events with the block and filters them', () => {
    const dir = homes.home();
    const store = NodeStore.open(path.join(dir, 'node.db'));
    try {
      const app = new FakeApp();
      for (let h = 1; h <= 3; h++) {
        const txs = [new Uint8Array([h, 0]), new Uint8Array([h, 1]), new Uint8Array([h, 2])];
        const res = app.finalizeBlock({ height: h, time: '2026-01-01T00:00:00Z', txs });
        const rows = res.txResults.map((r, idx) => ({
          hash: `${h}${idx}`.padStart(64, 'F'),
          height: h,
          idx,
          bytes: txs[idx] as Uint8Array,
          type: null,
          signer: null,
          code: r.code,
          codespace: r.codespace,
          result: '{}',
          events: [],
        }));
        const sec = securityEventsOf(
          h,
          rows.map((r, i) => ({ index: r.idx, hash: r.hash, events: (res.txResults[i] as TxResult).events })),
          res.events,
        );
        expect(sec.map((e) => e.kind)).toEqual(['security.tx_rejected', 'security.control_lapsed']);
        store.commitBlock({ ...blockRow(h), num_txs: 3 }, rows, [], sec);
      }
      const all = store.securityEvents();
      expect(all).toHaveLength(6);
      expect(all.map((e) => e.height)).toEqual([3, 3, 2, 2, 1, 1]); // newest first
      expect(all[0]).toMatchObject({ kind: 'security.control_lapsed', tx_index: null, tx_hash: null, proposal_id: 'p-1', vault_id: 'treasury' });
      expect(all[1]).toMatchObject({
        kind: 'security.tx_rejected',
        tx_index: 1,
        tx_hash: '31'.padStart(64, 'F'),
        key_id: 'a'.repeat(40),
        code: 'NOT_AUTHORIZED',
      });
      expect(JSON.parse(all[0]!.attributes)).toEqual([
        { key: 'proposal_id', value: 'p-1' },
        { key: 'vault_id', value: 'treasury' },
        { key: 'kind', value: 'freeze' },
      ]);
      expect(store.securityEvents({ kind: 'tx_rejected' })).toHaveLength(3);
      expect(store.securityEvents({ kind: 'security.control_lapsed', from: 2, to: 2 })).toHaveLength(1);
      expect(store.securityEvents({ key: 'a'.repeat(40), limit: 2 }).map((e) => e.height)).toEqual([3, 2]);
      expect(store.securityEvents({ vault: 'treasury', before: all[3]!.seq })).toHaveLength(2);
      expect(store.securityEvents({ vault: 'nope' })).toHaveLength(0);
    } finally {
      store.close();
    }
  });

  it('a devnet serves /explorer/security-events (validated filters) and CustodyClient.securityEvents()', async () => {
    const node = await homes.start({ chainId: CHAIN, blockTimeMs: 0 });
    const client = await CustodyClient.connect(node.rpcUrl);
    clients.push(client);
    expect(await client.securityEvents({ kind: 'tx_rejected', from: 1, to: 5, limit: 10 })).toEqual({
      height: node.height(),
      limit: 10,
      events: [],
      nextBefore: null,
    });
    expect((await fetch(`${node.rpcUrl}/explorer/security-events?key=nothex`)).status).toBe(400);
    expect((await fetch(`${node.rpcUrl}/explorer/security-events?limit=0`)).status).toBe(400);
    expect((await fetch(`${node.rpcUrl}/explorer/security-events?bogus=1`)).status).toBe(400);
    await expect(client.securityEvents({ limit: 5000 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('persists checkTx (mempool admission) rejections as security events, seen at the committed height, queryable over the real RPC socket, across a restart', async () => {
    const home = homes.home();
    const node = await homes.start({ home, blockTimeMs: 0, clock: steppingClock() });
    if (node.height() === 0) node.produceBlock();
    const h0 = node.height();
    const admin = loadDevnetAdmin(home);
    const stranger = signer(9);
    // 1. An unregistered signer: CheckTx answers UNKNOWN_SIGNER; the tx never enters the mempool or a block.
    const unknown = signTx(stranger, node.chainId, 'vault.fund', { vault_id: 'treasury', asset: 'USD', amount: '5' }, 1);
    const r1 = await rpcPost(node.rpcUrl, { jsonrpc: '2.0', id: 1, method: 'broadcast_tx_sync', params: { tx: Buffer.from(unknown).toString('base64') } });
    expect(r1.json.result.code).not.toBe(0);
    const hash1 = r1.json.result.hash as string;
    // 2. The admin with a nonce from the future: BAD_NONCE at admission.
    const badNonce = signTx(admin, node.chainId, 'vault.create', { vault_id: 'treasury', name: 'T', policy: { approvers: [admin.keyId], threshold: 1 } }, 99);
    const r2 = await rpcPost(node.rpcUrl, { jsonrpc: '2.0', id: 2, method: 'broadcast_tx_sync', params: { tx: Buffer.from(badNonce).toString('base64') } });
    expect(r2.json.result.code).not.toBe(0);
    expect(node.mempoolList()).toEqual([]);

    const page = await getJson(`${node.rpcUrl}/explorer/security-events?stage=admission`);
    expect(page.status).toBe(200);
    const evs = page.json.events as { kind: string; stage: string; height: number; txHash: string; txIndex: number | null; keyId: string; code: string }[];
    expect(evs.map((e) => [e.kind, e.stage, e.height, e.txHash, e.txIndex, e.keyId, e.code])).toEqual([
      ['security.tx_rejected', 'admission', h0, r2.json.result.hash, null, admin.keyId, 'BAD_NONCE'],
      ['security.tx_rejected', 'admission', h0, hash1, null, stranger.keyId, 'UNKNOWN_SIGNER'],
    ]);
    // Filters: by key, by kind and height, and stage=block does not list them.
    expect((await getJson(`${node.rpcUrl}/explorer/security-events?key=${stranger.keyId}`)).json.events.map((e: { txHash: string }) => e.txHash)).toEqual([
      hash1,
    ]);
    expect((await getJson(`${node.rpcUrl}/explorer/security-events?kind=tx_rejected&from=${h0}&to=${h0}`)).json.events).toHaveLength(2);
    expect((await getJson(`${node.rpcUrl}/explorer/security-events?stage=block`)).json.events.filter((e: { txHash: string }) => e.txHash === hash1)).toEqual(
      [],
    );
    expect((await getJson(`${node.rpcUrl}/explorer/security-events?stage=later`)).status).toBe(400);
    // The same through the console's chain client.
    const client = await CustodyClient.connect(node.rpcUrl);
    clients.push(client);
    const viaClient = await client.securityEvents({ stage: 'admission', key: admin.keyId });
    expect(viaClient.events.map((e) => [e.stage, e.code])).toEqual([['admission', 'BAD_NONCE']]);
    // Not in any block.
    expect((await getJson(`${node.rpcUrl}/tx?hash=0x${hash1}`)).json.error).toBeDefined();

    // 3. Persisted: a restarted node on the same home still serves them, and a later block's height is independent.
    await node.stop();
    const again = await homes.start({ home, blockTimeMs: 0, clock: steppingClock(Date.UTC(2026, 0, 2)) });
    const after = await getJson(`${again.rpcUrl}/explorer/security-events?stage=admission`);
    expect(after.json.events.map((e: { txHash: string }) => e.txHash)).toEqual([r2.json.result.hash, hash1]);
    await until(() => again.height() >= h0, 5000, 'node up');
  });

  it('3,000 refusals over the real RPC socket: the same refusal is stored once, the stored count is bounded, node.db stays small', async () => {
    const home = homes.home();
    const node = await homes.start({ home, blockTimeMs: 0, clock: steppingClock() });
    if (node.height() === 0) node.produceBlock();
    const files = (): number =>
      fs
        .readdirSync(home)
        .filter((f) => f.startsWith('node.db'))
        .reduce((n, f) => n + fs.statSync(path.join(home, f)).size, 0);
    const before = files();
    const stranger = signer(7);
    const refused = (nonce: number): Uint8Array => signTx(stranger, node.chainId, 'vault.fund', { vault_id: 'treasury', asset: 'USD', amount: '5' }, nonce);
    // The same refused transaction, broadcast 50 times.
    const same = Buffer.from(refused(1)).toString('base64');
    for (let i = 0; i < 50; i++) {
      const r = await rpcPost(node.rpcUrl, { jsonrpc: '2.0', id: i, method: 'broadcast_tx_sync', params: { tx: same } });
      expect(r.json.result.code).not.toBe(0);
    }
    const sameHash = (await rpcPost(node.rpcUrl, { jsonrpc: '2.0', id: 'h', method: 'broadcast_tx_sync', params: { tx: same } })).json.result.hash as string;
    let page = await getJson(`${node.rpcUrl}/explorer/security-events?stage=admission&limit=1000`);
    expect(page.json.events.filter((e: { txHash: string }) => e.txHash === sameHash)).toHaveLength(1);

    // 2,949 distinct refused transactions (each nonce gives another hash), in batches of 100: 3,000 refusals in all.
    let sent = 51;
    for (let nonce = 2; sent < 3000;) {
      const batch = [];
      for (let i = 0; i < 100 && sent < 3000; i++, sent++, nonce++) {
        batch.push({ jsonrpc: '2.0', id: nonce, method: 'broadcast_tx_sync', params: { tx: Buffer.from(refused(nonce)).toString('base64') } });
      }
      const r = await rpcPost(node.rpcUrl, batch);
      expect(r.json.every((x: { result: { code: number } }) => x.result.code !== 0)).toBe(true);
    }
    expect(sent).toBe(3000);
    // Every refusal is still counted in the metrics; the store keeps the newest MAX_STORED_REFUSALS distinct ones.
    const stored: { txHash: string }[] = [];
    for (let cursor = ''; ;) {
      page = await getJson(`${node.rpcUrl}/explorer/security-events?stage=admission&limit=1000${cursor}`);
      stored.push(...page.json.events);
      if (page.json.nextBefore === null) break;
      cursor = `&before=${page.json.nextBefore}`;
    }
    expect(MAX_STORED_REFUSALS).toBeLessThan(2949);
    expect(stored).toHaveLength(MAX_STORED_REFUSALS);
    expect(new Set(stored.map((e) => e.txHash)).size).toBe(stored.length);
    // The newest is the last one sent; the one repeated first has been dropped as the oldest.
    expect(stored[0]!.txHash).toBe(txHashOf(refused(2950)));
    expect(stored.some((e) => e.txHash === sameHash)).toBe(false);
    const metrics = await (await fetch(`${node.rpcUrl}/metrics/engine`)).text();
    expect(metrics).toContain('charter_engine_checktx_rejected_total{code="UNKNOWN_SIGNER"} 3000');
    // node.db with its WAL: grows by well under 2 MB (it grew by 5 MB when every refusal was kept).
    await node.stop();
    expect(files() - before).toBeLessThan(2 * 1024 * 1024);
  });
});

/**
 * The devnet's CometBFT JSON-RPC surface, over its real socket, driven by
 * cosmjs' Comet38Client (what connectComet picks for it) and by raw HTTP for
 * the URI form, batches and malformed requests.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { request } from 'node:http';
import { Comet38Client, connectComet } from '@cosmjs/tendermint-rpc';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256Hex, txHashOf } from '../../core/codec/index.js';
import { loadDevnetAdmin, type DevnetNode } from '../../main/devnet/node.js';
import { merkleRootFromProof } from '../../main/cometbft/encoding.js';
import { Homes, getJson, rpcPost, signTx, signer, steppingClock, until } from './devnet-fixtures.js';

const homes = new Homes();
afterEach(() => homes.cleanup());

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

async function registerKey(node: DevnetNode, n: number, nonce: number): Promise<Uint8Array> {
  const admin = loadDevnetAdmin(node.home);
  const s = signer(n);
  return signTx(admin, node.chainId, 'key.register', { public_key: s.publicKeyHex, scheme: 'ed25519', label: `signer ${n}` }, nonce);
}

describe('cosmjs Comet38Client against the devnet', () => {
  test('connectComet picks Comet38Client; status, health, abci_info, genesis, validators, num_unconfirmed_txs', async () => {
    const node = await homes.start({ clock: steppingClock() });
    const client = await connectComet(node.rpcUrl);
    expect(client).toBeInstanceOf(Comet38Client);
    const c = client as Comet38Client;

    const status = await c.status();
    expect(status.nodeInfo.network).toBe('charter-devnet-1');
    expect(status.nodeInfo.version.startsWith('0.38.')).toBe(true);
    expect(status.syncInfo.latestBlockHeight).toBe(1);
    expect(status.syncInfo.catchingUp).toBe(false);
    expect(hex(status.validatorInfo.address)).toBe(node.validator.address);
    expect(status.validatorInfo.pubkey?.algorithm).toBe('ed25519');
    expect(status.validatorInfo.votingPower).toBe(10n);

    await expect(c.health()).resolves.toBeNull();

    const info = await c.abciInfo();
    expect(info.lastBlockHeight).toBe(1);
    expect(info.lastBlockAppHash?.length).toBe(32);

    const g = await c.genesis();
    expect(g.chainId).toBe('charter-devnet-1');
    expect(g.validators).toHaveLength(1);
    const appState = g.appState as { admins: { public_key: string }[]; params: { faucet: boolean; max_expiry_blocks: number } };
    expect(appState.params).toEqual({ faucet: true, max_expiry_blocks: 1000 });
    expect(appState.admins[0]?.public_key).toBe(Buffer.from(loadDevnetAdmin(node.home).publicKey).toString('hex'));

    const vals = await c.validators({});
    expect(vals.total).toBe(1);
    expect(hex(vals.validators[0]!.address)).toBe(node.validator.address);

    const nu = await c.numUnconfirmedTxs();
    expect(nu.total).toBe(0);
    c.disconnect();
  });

  test('broadcast sync/async/commit, block, block_results, blockchain, commit, tx (with proof), tx_search, abci_query', async () => {
    const node = await homes.start({ clock: steppingClock() });
    const c = await Comet38Client.connect(node.rpcUrl);

    // broadcast_tx_commit
    const tx1 = await registerKey(node, 1, 1);
    const r1 = await c.broadcastTxCommit({ tx: tx1 });
    expect(r1.checkTx.code).toBe(0);
    expect(r1.txResult?.code).toBe(0);
    expect(hex(r1.hash)).toBe(txHashOf(tx1));
    expect(r1.height).toBeGreaterThan(1);
    expect(r1.txResult?.events.map((e) => e.type)).toContain('custody.key_registered');

    // broadcast_tx_sync then wait
    const tx2 = await registerKey(node, 2, 2);
    const r2 = await c.broadcastTxSync({ tx: tx2 });
    expect(r2.code).toBe(0);
    expect(hex(r2.hash)).toBe(txHashOf(tx2));
    // broadcast_tx_async
    const tx3 = await registerKey(node, 3, 3);
    const r3 = await c.broadcastTxAsync({ tx: tx3 });
    expect(hex(r3.hash)).toBe(txHashOf(tx3));
    const t3 = await until(() => c.tx({ hash: r3.hash }).catch(() => null), 10_000, 'tx3 in a block');
    expect(t3.result.code).toBe(0);
    const t2 = await c.tx({ hash: r2.hash });
    expect(t2.height).toBeLessThanOrEqual(t3.height);

    // tx with proof: the proof leads to the block's data_hash
    const proved = await c.tx({ hash: r3.hash, prove: true });
    expect(proved.proof).toBeDefined();
    const blk = await c.block(t3.height);
    expect(hex(proved.proof!.rootHash)).toBe(hex(blk.block.header.dataHash));
    const root = merkleRootFromProof({
      total: proved.proof!.proof.total,
      index: proved.proof!.proof.index,
      leafHash: proved.proof!.proof.leafHash,
      aunts: [...proved.proof!.proof.aunts],
    });
    expect(hex(root!)).toBe(hex(blk.block.header.dataHash));

    // block
    const b = await c.block(r1.height);
    expect(b.block.header.height).toBe(r1.height);
    expect(b.block.header.chainId).toBe(node.chainId);
    expect(b.block.txs.map((t) => sha256Hex(t).toUpperCase())).toContain(txHashOf(tx1));
    expect(b.block.lastCommit?.height).toBe(r1.height - 1);
    expect(hex(b.block.header.proposerAddress)).toBe(node.validator.address);
    // block hash = SHA-256 of the header's canonical JSON; the next block's last commit carries the validator's signature over it
    const next = await until(async () => (node.height() > r1.height ? c.block(r1.height + 1) : null), 10_000, 'next block');
    expect(hex(next.block.header.lastBlockId!.hash)).toBe(hex(b.blockId.hash));
    const sig = next.block.lastCommit!.signatures[0]!;
    expect(hex(sig.validatorAddress!)).toBe(node.validator.address);
    expect(ed25519.verify(sig.signature!, b.blockId.hash, node.validator.publicKey)).toBe(true);
    // CometBFT semantics: header app_hash of H+1 is the root after H (block_results(H).app_hash, not decoded by cosmjs)
    const br = await getJson(`${node.rpcUrl}/block_results?height=${r1.height}`);
    expect(Buffer.from(br.json.result.app_hash, 'base64').toString('hex').toUpperCase()).toBe(hex(next.block.header.appHash));

    // latest block (no height): the node may commit the block that carries the last
    // app hash while the request is in flight, so the answer lies between the heights around it
    const before = node.height();
    const latest = await c.block();
    const after = node.height();
    expect(latest.block.header.height).toBeGreaterThanOrEqual(before);
    expect(latest.block.header.height).toBeLessThanOrEqual(after);

    // block_results
    const res = await c.blockResults(r1.height);
    expect(res.height).toBe(r1.height);
    expect(res.results.map((x) => x.code)).toEqual(b.block.txs.map(() => 0));

    // commit
    const cm = await c.commit(r1.height);
    expect(cm.canonical).toBe(true);
    expect(hex(cm.commit.blockId.hash)).toBe(hex(b.blockId.hash));
    expect(ed25519.verify(cm.commit.signatures[0]!.signature!, b.blockId.hash, node.validator.publicKey)).toBe(true);

    // blockchain
    const bc = await c.blockchain(1, node.height());
    expect(bc.lastHeight).toBeGreaterThanOrEqual(node.height() - 1);
    expect(bc.blockMetas[0]!.header.height).toBeGreaterThan(bc.blockMetas[bc.blockMetas.length - 1]!.header.height);
    expect(bc.blockMetas.find((m) => m.header.height === r1.height)?.numTxs).toBe(b.block.txs.length);

    // tx_search by height, by event attribute
    const byHeight = await c.txSearch({ query: `tx.height=${r1.height}` });
    expect(byHeight.txs.map((t) => hex(t.hash))).toContain(txHashOf(tx1));
    const byEvent = await c.txSearch({ query: `custody.key_registered.key_id='${signer(2).keyId}'` });
    expect(byEvent.totalCount).toBe(1);
    expect(hex(byEvent.txs[0]!.hash)).toBe(txHashOf(tx2));
    const all = await c.txSearchAll({ query: 'tx.height>0', per_page: 1 });
    expect(all.totalCount).toBe(3);

    // abci_query
    const q = await c.abciQuery({ path: `/key/${signer(1).keyId}`, data: new Uint8Array(0) });
    expect(q.code).toBe(0);
    expect(JSON.parse(Buffer.from(q.value).toString('utf8')).label).toBe('signer 1');
    const missing = await c.abciQuery({ path: '/vault/nope', data: new Uint8Array(0) });
    expect(missing.code).toBe(23);
    expect(missing.log).toMatch(/^VAULT_NOT_FOUND: /);
    expect(missing.codespace).toBe('custody');
    c.disconnect();
  });

  test('errors come back as JSON-RPC errors: unknown tx, height out of range, duplicate broadcast', async () => {
    const node = await homes.start({ clock: steppingClock() });
    const c = await Comet38Client.connect(node.rpcUrl);
    await expect(c.tx({ hash: new Uint8Array(32) })).rejects.toThrow(/not found/);
    await expect(c.block(999)).rejects.toThrow(/must be less than or equal to the current blockchain height/);
    const tx = await registerKey(node, 1, 1);
    await c.broadcastTxCommit({ tx });
    await expect(c.broadcastTxSync({ tx })).rejects.toThrow(/tx already exists in cache/);
    // The node still answers.
    expect((await c.status()).syncInfo.latestBlockHeight).toBeGreaterThan(1);
    c.disconnect();
  });
});

describe('URI GET form, batches and malformed requests', () => {
  test('URI GET: /status, /block?height=, /tx?hash=0x…, /abci_query?path="…"; broadcasts only by POST', async () => {
    const node = await homes.start({ clock: steppingClock() });
    const tx = await registerKey(node, 1, 1);
    // A broadcast as a GET (what any web page can make a browser send) is refused with a JSON-RPC error and changes nothing.
    for (const m of ['broadcast_tx_sync', 'broadcast_tx_async', 'broadcast_tx_commit']) {
      const viaGet = await getJson(`${node.rpcUrl}/${m}?tx=0x${Buffer.from(tx).toString('hex')}`);
      expect(viaGet.status, m).toBe(405);
      expect(viaGet.headers.get('allow')).toBe('POST');
      expect(viaGet.json).toMatchObject({ jsonrpc: '2.0', id: -1, error: { code: -32600 } });
      expect(viaGet.json.error.data).toContain(`${m} is accepted only as a JSON-RPC POST to / with Content-Type: application/json`);
    }
    expect(node.mempoolSize).toBe(0);
    const sync = await rpcPost(node.rpcUrl, { jsonrpc: '2.0', id: 1, method: 'broadcast_tx_sync', params: { tx: Buffer.from(tx).toString('base64') } });
    expect(sync.status).toBe(200);
    expect(sync.json.result.code).toBe(0);
    expect(sync.json.result.hash).toBe(txHashOf(tx));
    await until(() => node.mempoolSize === 0 && node.height() >= 2, 10_000, 'tx in a block');

    const t = await getJson(`${node.rpcUrl}/tx?hash=0x${txHashOf(tx)}`);
    expect(t.status).toBe(200);
    expect(t.json.id).toBe(-1);
    expect(t.json.result.hash).toBe(txHashOf(tx));
    expect(typeof t.json.result.height).toBe('string');
    expect(t.json.result.tx).toBe(Buffer.from(tx).toString('base64'));

    const blk = await getJson(`${node.rpcUrl}/block?height=${t.json.result.height}`);
    expect(blk.json.result.block.header.height).toBe(t.json.result.height);
    expect(blk.json.result.block.header.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    expect(blk.json.result.block_id.hash).toMatch(/^[0-9A-F]{64}$/);

    const q = await getJson(`${node.rpcUrl}/abci_query?path="/key/${signer(1).keyId}"`);
    expect(q.json.result.response.code).toBe(0);
    expect(JSON.parse(Buffer.from(q.json.result.response.value, 'base64').toString()).key_id).toBe(signer(1).keyId);

    const st = await getJson(`${node.rpcUrl}/status`);
    expect(st.json.result.sync_info.latest_block_height).toBe(String(node.height()));

    // broadcast_tx_commit by POST
    const tx2 = await registerKey(node, 2, 2);
    const commit = await rpcPost(node.rpcUrl, { jsonrpc: '2.0', id: 2, method: 'broadcast_tx_commit', params: { tx: Buffer.from(tx2).toString('base64') } });
    expect(commit.json.result.tx_result.code).toBe(0);
    expect(commit.json.result.check_tx.code).toBe(0);
    expect(Number(commit.json.result.height)).toBeGreaterThan(0);

    // bad params, unknown method
    const bad = await getJson(`${node.rpcUrl}/block?height=abc`);
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe(-32602);
    const unknown = await getJson(`${node.rpcUrl}/no_such_method`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe(-32601);
  });

  test('JSON-RPC batch, positional params, notifications, and every kind of malformed request', async () => {
    const node = await homes.start({ clock: steppingClock() });
    const url = node.rpcUrl;
    const batch = await rpcPost(url, [
      { jsonrpc: '2.0', id: 1, method: 'status' },
      { jsonrpc: '2.0', id: 'b', method: 'block', params: ['1'] },
      { jsonrpc: '2.0', id: 3, method: 'nope' },
      { jsonrpc: '2.0', method: 'health' }, // notification: no answer
    ]);
    expect(batch.status).toBe(200);
    expect(batch.json).toHaveLength(3);
    expect(batch.json[0].id).toBe(1);
    expect(batch.json[1].result.block.header.height).toBe('1');
    expect(batch.json[2].error.code).toBe(-32601);

    const parse = await rpcPost(url, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(parse.json.error.code).toBe(-32700);
    const notObj = await rpcPost(url, '42');
    expect(notObj.json.error.code).toBe(-32600);
    const noVersion = await rpcPost(url, { id: 1, method: 'status' });
    expect(noVersion.json.error.code).toBe(-32600);
    const noMethod = await rpcPost(url, { jsonrpc: '2.0', id: 1 });
    expect(noMethod.json.error.code).toBe(-32600);
    const emptyBatch = await rpcPost(url, []);
    expect(emptyBatch.json.error.code).toBe(-32600);
    const badParams = await rpcPost(url, { jsonrpc: '2.0', id: 1, method: 'block', params: { height: 'x' } });
    expect(badParams.json.error.code).toBe(-32602);
    expect(badParams.json.error.data).toMatch(/height/);
    const badTx = await rpcPost(url, { jsonrpc: '2.0', id: 1, method: 'broadcast_tx_sync', params: { tx: '***' } });
    expect(badTx.json.error.code).toBe(-32602);
    const tooMany = await rpcPost(url, { jsonrpc: '2.0', id: 1, method: 'block', params: [1, 2, 3] });
    expect(tooMany.json.error.code).toBe(-32602);
    const proto = await rpcPost(url, { jsonrpc: '2.0', id: 1, method: '__proto__' });
    expect(proto.json.error.code).toBe(-32601);
    const garbageTx = await rpcPost(url, {
      jsonrpc: '2.0',
      id: 7,
      method: 'broadcast_tx_sync',
      params: { tx: Buffer.from('not an envelope').toString('base64') },
    });
    expect(garbageTx.json.result.code).toBe(1);
    expect(garbageTx.json.result.log).toMatch(/^TX_MALFORMED: /);

    // Oversized body: refused, node alive.
    const huge = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: 'x'.repeat(2 * 1024 * 1024) }).catch(
      (e: Error) => e,
    );
    if (!(huge instanceof Error)) expect(huge.status).toBe(413);
    // Other HTTP methods
    const put = await fetch(url + '/status', { method: 'PUT' });
    expect(put.status).toBe(405);
    // No CORS
    const st = await fetch(url + '/status', { headers: { Origin: 'http://evil.example' } });
    expect(st.headers.get('access-control-allow-origin')).toBeNull();

    const ok = await rpcPost(url, { jsonrpc: '2.0', id: 9, method: 'health' });
    expect(ok.json).toEqual({ jsonrpc: '2.0', id: 9, result: {} });
  });

  test('a POST without a JSON body, or from a foreign web origin, gets a JSON-RPC error and broadcasts nothing', async () => {
    const node = await homes.start({ blockTimeMs: 0, clock: steppingClock() });
    const url = node.rpcUrl;
    const tx = Buffer.from(await registerKey(node, 3, 1)).toString('base64');
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'broadcast_tx_sync', params: { tx } });
    const post = async (headers: Record<string, string>, b: string = body) => {
      const res = await fetch(url, { method: 'POST', headers, body: b });
      return { status: res.status, json: (await res.json()) as any };
    };
    // What a form or a fetch without preflight from any web page sends: text/plain, form-encoded, no type at all.
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await post({ 'Content-Type': type });
      expect(r.status, type).toBe(415);
      expect(r.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
      expect(r.json.error.data).toContain('Content-Type: application/json');
    }
    const untyped = await new Promise<{ status: number; json: any }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: node.rpcAddress.port, path: '/', method: 'POST' }, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(t) }));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(untyped.status).toBe(415);
    expect(untyped.json.error.data).toMatch(/got none/);
    // A JSON body from another web origin.
    const foreign = await post({ 'Content-Type': 'application/json', Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.json.error).toMatchObject({ code: -32600 });
    expect(foreign.json.error.data).toMatch(/web origin "http:\/\/evil\.example" are refused/);
    expect((await post({ 'Content-Type': 'application/json', Origin: 'http://127.0.0.1:1' })).status).toBe(403);
    expect(node.mempoolSize).toBe(0);
    // The node's own origin, and no Origin at all (a program), broadcast.
    const own = await post({ 'Content-Type': 'application/json; charset=utf-8', Origin: `http://127.0.0.1:${node.rpcAddress.port}` });
    expect(own.status).toBe(200);
    expect(own.json.result.code).toBe(0);
    expect(node.mempoolSize).toBe(1);
    // The index at / lists the broadcasts as POST only.
    const index = await getJson(url + '/');
    expect(index.json.post_only).toEqual(['broadcast_tx_async', 'broadcast_tx_commit', 'broadcast_tx_sync']);
    expect(index.json.methods.some((m: string) => m.startsWith('/broadcast'))).toBe(false);
  });

  test('block_by_hash, unconfirmed_txs, and the DNS-rebinding guard on the Host header', async () => {
    const node = await homes.start({ blockTimeMs: 0, clock: steppingClock() });
    const b1 = node.read.blockAt(1)!;
    const byHash = await getJson(`${node.rpcUrl}/block_by_hash?hash=0x${b1.hash}`);
    expect(byHash.json.result.block_id.hash).toBe(b1.hash);
    const byHashPost = await rpcPost(node.rpcUrl, {
      jsonrpc: '2.0',
      id: 1,
      method: 'block_by_hash',
      params: { hash: Buffer.from(b1.hash, 'hex').toString('base64') },
    });
    expect(byHashPost.json.result.block.header.height).toBe('1');
    const none = await getJson(`${node.rpcUrl}/block_by_hash?hash=0x${'00'.repeat(32)}`);
    expect(none.json.result.block).toBeNull();

    const tx = await registerKey(node, 1, 1);
    await rpcPost(node.rpcUrl, { jsonrpc: '2.0', id: 1, method: 'broadcast_tx_sync', params: { tx: Buffer.from(tx).toString('base64') } });
    const un = await getJson(`${node.rpcUrl}/unconfirmed_txs?limit=10`);
    expect(un.json.result).toMatchObject({ n_txs: '1', total: '1', total_bytes: String(tx.length), txs: [Buffer.from(tx).toString('base64')] });
    const c = await Comet38Client.connect(node.rpcUrl);
    expect(await c.numUnconfirmedTxs()).toEqual({ total: 1, totalBytes: tx.length });
    node.produceBlock();
    expect((await c.numUnconfirmedTxs()).total).toBe(0);
    c.disconnect();

    const withHost = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const { port } = node.rpcAddress;
        const req = request({ host: '127.0.0.1', port, path: '/status', headers: { Host: host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await withHost('evil.example:80')).toBe(403);
    expect(await withHost(`localhost:${node.rpcAddress.port}`)).toBe(200);
    expect(await withHost(`127.0.0.1:${node.rpcAddress.port}`)).toBe(200);
  });
});

// The custody application under real CometBFT v0.38.25 (the binary npm test
// finds or builds): `charter abci` from the built CLI and one `cometbft`
// validator on 127.0.0.1. InitChain from the CometBFT genesis' app_state, a
// transaction through CometBFT's mempool and consensus, app hashes in
// CometBFT's headers equal to the application's roots, the read API, and a
// kill -9 of the application followed by CometBFT's handshake.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGenesis } from '../../core/engine/genesis.js';
import { seededKey, signSeeded } from '../../main/crypto/seeded-keys.js';
import { requestIdOf } from '../../core/tx/envelope.js';
import { NodeBlocks } from '../../main/replay/from-node.js';
import { runReplayCommand } from '../../main/replay/cli.js';
import { openHost } from '../../main/app-host/bench-host.js';
import { hexUpper } from '../../main/cometbft/encoding.js';
import { txHashOf } from '../../core/codec/index.js';
import { contractApi } from '../../core/contract/client.js';
import { createCharter } from '../../main/app.js';
import { cometHeight, initCometHome, rpc, startCharterAbci, startCometbft, waitFor, freePort, type CometHome, type Proc } from '../support/cometbft.js';

const CHAIN = 'charter-abci-test';
const admin = seededKey('abci-cometbft-test/admin');
const genesis = makeGenesis({
  chain_id: CHAIN,
  genesis_time: '2026-01-01T00:00:00Z',
  admins: [{ public_key: admin.publicKeyHex, label: 'network operator' }],
  params: { faucet: true, max_expiry_blocks: 100000 },
});

let dir: string;
let home: CometHome;
let apiPort: number;
const procs: Proc[] = [];
let app: Proc;
let comet: Proc;

function start(): void {
  app = startCharterAbci(join(dir, 'app'), home.abciPort, apiPort, ['--snapshot-every', '5']);
  procs.push(app);
  comet = startCometbft(home);
  procs.push(comet);
}

async function stopAll(): Promise<void> {
  for (const p of procs) p.kill();
  await Promise.all(procs.map((p) => p.exited));
  procs.length = 0;
}

async function header(height: number): Promise<{ app_hash: string }> {
  const b = await rpc<{ block: { header: { app_hash: string } } }>(home.rpcPort, 'block', { height: String(height) });
  return b.block.header;
}

async function broadcast(
  bytes: Uint8Array,
): Promise<{ check_tx: { code: number; log: string }; tx_result: { code: number; log: string; data?: string | null }; height: string; hash: string }> {
  return rpc(home.rpcPort, 'broadcast_tx_commit', { tx: '0x' + Buffer.from(bytes).toString('hex') });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'charter-abci-'));
  home = await initCometHome(join(dir, 'cmt'), { chainId: CHAIN, appState: genesis });
  apiPort = await freePort();
  start();
  await waitFor('the first blocks', async () => (await cometHeight(home.rpcPort)) >= 2, 60_000, procs);
}, 90_000);

afterAll(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('charter abci under real CometBFT', () => {
  it('initialises from the CometBFT genesis and commits the application root in the next header', async () => {
    const info = await rpc<{ response: { data: string; last_block_height: string; last_block_app_hash: string } }>(home.rpcPort, 'abci_info');
    expect(info.response.data).toBe('charter-custody');
    const h = Number(info.response.last_block_height);
    expect(h).toBeGreaterThanOrEqual(2);
    // CometBFT semantics: header H+1 carries the root after block H.
    await waitFor('the next header', async () => (await cometHeight(home.rpcPort)) > h);
    const next = await header(h + 1);
    const appBlock = (await (await fetch(`http://127.0.0.1:${apiPort}/explorer/block?height=${h}`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(appBlock)).toContain(next.app_hash);
    expect(next.app_hash).toBe(Buffer.from(info.response.last_block_app_hash, 'base64').toString('hex').toUpperCase());
  });

  it('runs a transaction through the mempool and consensus, and serves it on the read API', async () => {
    const h = await cometHeight(home.rpcPort);
    const tx = signSeeded(admin, CHAIN, 'vault.create', { vault_id: 'treasury', name: 'Treasury', policy: { approvers: [admin.keyId], threshold: 1 } }, h);
    const r = await broadcast(tx.bytes);
    expect(r.check_tx.code, r.check_tx.log).toBe(0);
    expect(r.tx_result.code, r.tx_result.log).toBe(0);
    // A refused transaction: the same nonce again.
    const dup = await broadcast(tx.bytes).catch((e: Error) => e);
    expect(dup instanceof Error ? dup.message : `code ${dup.check_tx.code}`).toMatch(/tx already exists in cache|^code [1-9]\d*$/);
    const q = await rpc<{ response: { code: number; value: string } }>(home.rpcPort, 'abci_query', { path: '"/vault/treasury"' });
    expect(q.response.code).toBe(0);
    expect(JSON.parse(Buffer.from(q.response.value, 'base64').toString('utf8'))).toMatchObject({ vault_id: 'treasury', name: 'Treasury' });
    const t = await fetch(`http://127.0.0.1:${apiPort}/explorer/transaction?hash=${r.hash}`);
    expect(t.status).toBe(200);
    expect(await t.json()).toMatchObject({ hash: r.hash, height: Number(r.height), code: 0, type: 'vault.create' });
  });

  it('after kill -9 of the application, the handshake brings it back to the network app hash with nothing lost', async () => {
    const before = await cometHeight(home.rpcPort);
    await stopAll();
    start();
    await waitFor('blocks after the restart', async () => (await cometHeight(home.rpcPort)) > before + 2, 60_000, procs);
    const info = await rpc<{ response: { last_block_height: string; last_block_app_hash: string } }>(home.rpcPort, 'abci_info');
    const h = Number(info.response.last_block_height);
    await waitFor('the next header', async () => (await cometHeight(home.rpcPort)) > h);
    expect((await header(h + 1)).app_hash).toBe(Buffer.from(info.response.last_block_app_hash, 'base64').toString('hex').toUpperCase());
    const q = await rpc<{ response: { code: number } }>(home.rpcPort, 'abci_query', { path: '"/vault/treasury"' });
    expect(q.response.code).toBe(0);
  });

  it('replays what the network committed to the same state-root history: the replay engine (replay --node --check) and the devnet host alike', async () => {
    // A stream over the transaction kinds a custody chain lives on: keys, a 2-of-3 vault, funding, withdrawals and their approvals, governance, a refusal.
    const approvers = [1, 2, 3].map((i) => seededKey(`abci-cometbft-test/approver-${i}`));
    const h0 = await cometHeight(home.rpcPort);
    const send = async (bytes: Uint8Array, ok = true) => {
      const r = await broadcast(bytes);
      if (!ok) {
        // Refused at admission (CheckTx): it never reaches a block.
        expect(r.check_tx.code).not.toBe(0);
        return r;
      }
      expect(r.check_tx.code, r.check_tx.log).toBe(0);
      expect(r.tx_result.code, r.tx_result.log).toBe(0);
      return r;
    };
    for (const k of approvers)
      await send(signSeeded(admin, CHAIN, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: k.keyId.slice(0, 8) }, h0).bytes);
    await send(
      signSeeded(admin, CHAIN, 'vault.create', { vault_id: 'ops', name: 'Ops', policy: { approvers: approvers.map((k) => k.keyId), threshold: 2 } }, h0).bytes,
    );
    await send(signSeeded(admin, CHAIN, 'vault.fund', { vault_id: 'ops', asset: 'USDC', amount: '1000' }, h0).bytes);
    const w = signSeeded(
      approvers[0]!,
      CHAIN,
      'withdrawal.create',
      { vault_id: 'ops', asset: 'USDC', amount: '250', destination: 'acct:cold-1', memo: 'rebalance' },
      h0,
    );
    await send(w.bytes);
    const rid = requestIdOf(w.unsigned);
    await send(signSeeded(approvers[1]!, CHAIN, 'withdrawal.approve', { request_id: rid }, h0).bytes);
    await send(signSeeded(approvers[2]!, CHAIN, 'withdrawal.approve', { request_id: rid }, h0).bytes);
    // Over the balance: refused.
    const big = signSeeded(
      approvers[0]!,
      CHAIN,
      'withdrawal.create',
      { vault_id: 'ops', asset: 'USDC', amount: '999999', destination: 'acct:cold-1', memo: 'too much' },
      h0,
    );
    await send(big.bytes, false);
    const p = await send(signSeeded(admin, CHAIN, 'gov.propose', { track: 'protocol', action: { type: 'params.set', max_expiry_blocks: 50000 } }, h0).bytes);
    const { proposal_id } = JSON.parse(Buffer.from(p.tx_result.data ?? '', 'base64').toString('utf8')) as { proposal_id: string };
    await send(signSeeded(admin, CHAIN, 'gov.vote', { proposal_id, vote: 'yes' }, h0).bytes);
    await send(signSeeded(admin, CHAIN, 'gov.execute', { proposal_id }, h0).bytes);
    const last = await cometHeight(home.rpcPort);
    await waitFor('one more header', async () => (await cometHeight(home.rpcPort)) > last);

    // (a) The replay engine, block by block against the headers' app hashes and the recorded result codes.
    const lines: string[] = [];
    const code = await runReplayCommand({
      node: `http://127.0.0.1:${home.rpcPort}`,
      check: true,
      json: true,
      workers: 1,
      out: (l) => lines.push(l),
      err: () => {},
    });
    const result = JSON.parse(lines[0] as string) as { status: string; blocks: number; txs: number };
    expect(result.status, lines[0]).toBe('match');
    expect(code).toBe(0);
    expect(result.txs).toBeGreaterThanOrEqual(10);

    // (b) The same blocks through the application host as the devnet drives it: the same roots at every height.
    const node = await NodeBlocks.open(`http://127.0.0.1:${home.rpcPort}`);
    const hostDir = mkdtempSync(join(tmpdir(), 'charter-abci-devnet-'));
    const host = openHost(join(hostDir, 'node.db'), node.genesis, { snapshotOnClose: false });
    try {
      for await (const b of node.blocks(1, node.latestHeight - 1)) {
        const hashes = b.txs.map((t) => txHashOf(t));
        const block = {
          height: b.height,
          hash: b.hash,
          time: b.time,
          time_ms: Date.parse(b.time),
          app_hash: b.app_hash,
          last_block_hash: '',
          data_hash: '',
          proposer: '',
          num_txs: b.txs.length,
          size: 0,
          header: '{}',
          block_id: '{}',
          last_commit: '{}',
          commit_signature: '',
          commit_time: b.time,
        };
        const res = host.finalizeBlock({ height: b.height, time: b.time, txs: b.txs, hashes, block });
        host.commit();
        expect(hexUpper(res.appHash), `height ${b.height}`).toBe(b.result_app_hash);
        expect(res.txResults.map((r) => r.code)).toEqual(b.tx_results.map((r) => r.code));
      }
    } finally {
      host.close();
      rmSync(hostDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('serves the console against the network node: its CometBFT RPC plus its application read API', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'charter-abci-console-'));
    const charter = await createCharter({
      host: 'serve',
      workspace: ws,
      nodeUrl: `http://127.0.0.1:${home.rpcPort}`,
      nodeApiUrl: `http://127.0.0.1:${apiPort}`,
      scrypt: { n: 1 << 12, r: 8, p: 1 },
      watch: false,
    });
    try {
      const api = contractApi(charter.dispatch);
      const vaults = await api.call('custody.listVaults');
      expect(JSON.stringify(vaults)).toContain('treasury');
      const overview = await api.call('explorer.overview', { limit: 5 });
      expect(JSON.stringify(overview)).toContain(CHAIN);
      expect(await api.call('node.status')).toMatchObject({ embedded: false, rpcUrl: `http://127.0.0.1:${home.rpcPort}` });
      // The validator set as real CometBFT reports it: one validator of power 10 (cometbft init), signing.
      expect(await api.call('node.validators')).toMatchObject({
        count: 1,
        totalPower: 10,
        onlinePower: 10,
        quorum: true,
        warning: null,
        validators: [{ power: 10, signedLatest: true }],
      });
    } finally {
      await charter.close();
      rmSync(ws, { recursive: true, force: true });
    }
  }, 60_000);
});

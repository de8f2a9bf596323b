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
): Promise<{ check_tx: { code: number; log: string }; tx_result: { code: number; log: string }; height: string; hash: string }> {
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
    expect(dup instanceof Error ? dup.message : String(dup.check_tx.code)).toMatch(/already exists in cache|[1-9]/);
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
});

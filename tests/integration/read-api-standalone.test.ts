/**
 * The application's read API served by itself: an application host with no
 * consensus driver and no CometBFT routes, mounted on a bare HTTP transport
 * (what an ABCI driver does next to a real CometBFT).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { makeGenesis } from '../../core/engine/genesis.js';
import { READ_API_ROUTES, type ExplorerOverview } from '../../core/node-api/read-api.js';
import { ApplicationHost } from '../../main/app-host/host.js';
import { NodeStore } from '../../main/app-host/store.js';
import { mountReadApi } from '../../main/node-rpc/read-api.js';
import { HttpTransport } from '../../main/node-rpc/transport.js';
import { signer } from './devnet-fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

test('an application host serves the read API on its own transport, without the CometBFT routes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'charter-app-host-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const dbPath = join(dir, 'node.db');
  const genesis = makeGenesis({
    chain_id: 'charter-standalone-1',
    genesis_time: '2026-01-01T00:00:00Z',
    admins: [{ public_key: signer(1).publicKeyHex, label: 'admin' }],
  });
  const store = NodeStore.open(dbPath);
  ApplicationHost.checkGenesis(store, genesis, 'genesis.json');
  const secret = new Uint8Array(32).fill(0x33);
  const host = new ApplicationHost({
    store,
    dbPath,
    genesis,
    checkpointSigner: { publicKey: ed25519.getPublicKey(secret), sign: (m) => ed25519.sign(m, secret) },
  });
  cleanups.push(() => host.close());
  expect(host.initChain({ chainId: genesis.chain_id, time: genesis.genesis_time, initialHeight: 1 }).appHash.length).toBe(32);

  const transport = new HttpTransport({ maxBodyBytes: 1024, log: () => {} });
  transport.mount(mountReadApi({ app: host, consensus: { mempoolSize: 0, isPending: () => false, validators: () => [], devnet: false } }));
  await transport.listen('127.0.0.1', 0);
  cleanups.push(() => transport.close());

  const overview = await fetch(transport.url + READ_API_ROUTES.overview);
  expect(overview.status).toBe(200);
  const o = (await overview.json()) as ExplorerOverview;
  expect(o).toMatchObject({ chainId: 'charter-standalone-1', height: 0, resultAppHash: host.genesisAppHash, devnet: false, blocks: [] });
  expect((await fetch(transport.url + READ_API_ROUTES.trust)).status).toBe(200);
  expect((await fetch(transport.url + READ_API_ROUTES.metrics)).status).toBe(200);
  // No driver that makes blocks on demand: the evidence-on-demand route is absent.
  const issue = await fetch(transport.url + READ_API_ROUTES.checkpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"height":1}',
  });
  expect(issue.status).toBe(404);
  // The CometBFT routes are not served here.
  expect((await fetch(transport.url + '/status')).status).toBe(404);
  expect(
    (await fetch(transport.url + '/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"status"}' }))
      .status,
  ).toBe(404);
});

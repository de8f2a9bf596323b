/**
 * The chain client against the real devnet over its socket: a batch of
 * abci_query paths in one JSON-RPC round trip, and "no such block / tx"
 * decided by the node's state (its height range, tx_search by hash), not by
 * the words of its error.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { CharterError } from '../../core/errors.js';
import type { KeyRecord } from '../../core/engine/types.js';
import { CustodyClient } from '../../main/chain/custody-client.js';
import { loadDevnetAdmin } from '../../main/devnet/node.js';
import { Homes, signTx, signer } from './devnet-fixtures.js';

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

describe('chain client batches and state-decided answers', () => {
  test('queryBatch: many paths in one round trip, each judged as query() judges it', async () => {
    const node = await homes.start({ blockTimeMs: 0, commitTimeoutMs: 5000 });
    const client = await CustodyClient.connect(node.rpcUrl);
    const admin = loadDevnetAdmin(node.home);
    const keys = [signer(1), signer(2), signer(3)];
    const pending = keys.map((k, i) =>
      client.broadcastSync(signTx(admin, node.chainId, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: `k${i}` }, i + 1, 50)),
    );
    await Promise.all(pending);
    node.produceBlock();
    const unknown = signer(9);
    const paths = [...keys.map((k) => `/key/${k.keyId}`), `/key/${unknown.keyId}`, `/key/${admin.keyId}`];
    const before = client.calls.rpc;
    const batch = await client.queryBatch<KeyRecord>(paths);
    expect(client.calls.rpc - before).toBe(1);
    const one = await Promise.all(paths.map((p) => client.query<KeyRecord>(p)));
    expect(batch).toEqual(one);
    expect(batch[3]).toBeNull();
    expect(batch.slice(0, 3).map((r) => r?.key_id)).toEqual(keys.map((k) => k.keyId));
    // A path the engine refuses fails the batch with the same code and details as query().
    const bad = await rejection(client.queryBatch(['/no/such/path']));
    const single = await rejection(client.query('/no/such/path'));
    expect(bad.code).toBe('NODE_ERROR');
    expect(bad.details).toEqual(single.details);
    // More paths than one batch holds: still answered in order.
    const many = Array.from({ length: 130 }, (_, i) => `/key/${(i % 2 ? keys[0]! : unknown).keyId}`);
    const b2 = client.calls.rpc;
    const got = await client.queryBatch<KeyRecord>(many);
    expect(client.calls.rpc - b2).toBe(2);
    expect(got.map((r) => r?.key_id ?? null)).toEqual(many.map((_, i) => (i % 2 ? keys[0]!.keyId : null)));
    client.disconnect();
  });

  test('a height the node holds no block for is NOT_FOUND; an unknown transaction is null', async () => {
    const node = await homes.start({ blockTimeMs: 0 });
    node.produceBlock();
    const client = await CustodyClient.connect(node.rpcUrl);
    const latest = (await client.status()).height;
    expect((await client.block(latest, { signatures: false })).height).toBe(latest);
    const missing = await rejection(client.block(latest + 5));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.details).toMatchObject({ height: latest + 5, latest });
    expect((await rejection(client.blockResults(latest + 5))).code).toBe('NOT_FOUND');
    expect(await client.tx('00'.repeat(32))).toBeNull();
    expect((await rejection(client.tx('zz'))).code).toBe('INVALID_INPUT');
    client.disconnect();
  });
});

// The security event index with the real engine: a transaction rejected
// inside its block emits security.tx_rejected, which the devnet persists
// with the block and serves at /explorer/security-events.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildTx, testKey } from '../support/engine-kit.js';
import { nativeVerifier } from '../../main/crypto/native-verifier.js';
import type { SignatureVerifier } from '../../core/crypto/ed25519.js';
import { NodeStore } from '../../main/app-host/store.js';
import { CustodyClient } from '../../main/chain/custody-client.js';
import { Homes, steppingClock, VALIDATOR_SECRET } from './devnet-fixtures.js';

const homes = new Homes();
afterEach(() => homes.cleanup());
const clients: CustodyClient[] = [];
afterAll(() => clients.forEach((c) => c.disconnect()));

const CHAIN = 'charter-sec-1';
const admin = testKey(1);
const [k2, k3] = [testKey(2), testKey(3)];

describe('security event index with the real engine', () => {
  it('a real devnet indexes a transaction rejected inside its block (security.tx_rejected) and serves it over RPC and CustodyClient', async () => {
    // The verifier refuses chosen signatures only while a block executes: the
    // tx passes checkTx (enters the mempool) and is rejected in finalizeBlock.
    const refuse = new Set<string>();
    let inBlock = false;
    const verifier: SignatureVerifier = {
      verify: (scheme, pk, msg, sig) => (inBlock && refuse.has(Buffer.from(sig).toString('hex')) ? false : nativeVerifier.verify(scheme, pk, msg, sig)),
    };
    const home = homes.home();
    const node = await homes.start({
      home,
      chainId: CHAIN,
      blockTimeMs: 0,
      clock: steppingClock(),
      initKeys: { adminSecret: admin.secretKey, validatorSecret: VALIDATOR_SECRET },
      engineOptions: { verifier },
    });
    const produce = () => {
      inBlock = true;
      try {
        return node.produceBlock();
      } finally {
        inBlock = false;
      }
    };
    const opts = { chain_id: CHAIN, expires_at: 500 };
    for (const [i, k] of [k2, k3].entries())
      expect(node.admit(buildTx(admin, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: `k${i}` }, i + 1, opts).bytes).result.code).toBe(
        0,
      );
    produce();
    const bad = buildTx(admin, 'key.register', { public_key: testKey(9).publicKeyHex, scheme: 'ed25519', label: 'k9' }, 3, opts);
    const good = buildTx(k2, 'key.register', { public_key: testKey(8).publicKeyHex, scheme: 'ed25519', label: 'k8' }, 1, opts); // NOT_AUTHORIZED in checkTx: indexed at admission
    expect(node.admit(bad.bytes).result.code).toBe(0);
    expect(node.admit(good.bytes).result.code).not.toBe(0);
    refuse.add(bad.env.signature);
    const block = produce();
    expect(block.txs).toHaveLength(1);
    expect(block.txs[0]!.code).not.toBe(0);

    const client = await CustodyClient.connect(node.rpcUrl);
    clients.push(client);
    const page = await client.securityEvents({ kind: 'security.tx_rejected', stage: 'block' });
    expect(page.events).toHaveLength(1);
    expect(page.events[0]).toMatchObject({
      stage: 'block',
      height: block.height,
      txIndex: 0,
      txHash: block.txs[0]!.hash,
      kind: 'security.tx_rejected',
      keyId: admin.keyId,
      code: 'BAD_SIGNATURE',
    });
    expect((await client.securityEvents({ key: admin.keyId, from: block.height, to: block.height })).events).toHaveLength(1);
    // The checkTx refusal is there too, at admission, seen at the height before the block.
    const admitted = (await client.securityEvents({ key: k2.keyId })).events;
    expect(admitted).toHaveLength(1);
    expect(admitted[0]).toMatchObject({ stage: 'admission', height: block.height - 1, txIndex: null, code: 'NOT_AUTHORIZED', kind: 'security.tx_rejected' });
    expect((await client.securityEvents({ to: block.height - 1 })).events.map((e) => e.stage)).toEqual(['admission']);
    expect((await client.securityEvents({ kind: 'tx_rejected' })).events.map((e) => e.stage)).toEqual(['block', 'admission']);
    // Raw route: validation and JSON shape.
    const raw = (await (await fetch(`${node.rpcUrl}/explorer/security-events?limit=5`)).json()) as {
      limit: number;
      events: unknown[];
      nextBefore: number | null;
    };
    expect(raw).toMatchObject({ limit: 5, nextBefore: null });
    expect((await fetch(`${node.rpcUrl}/explorer/security-events?key=nothex`)).status).toBe(400);
    expect((await fetch(`${node.rpcUrl}/explorer/security-events?limit=0`)).status).toBe(400);
    expect((await fetch(`${node.rpcUrl}/explorer/security-events?bogus=1`)).status).toBe(400);
    await expect(client.securityEvents({ limit: 5000 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });

    // Persisted: a restarted node serves the same events.
    await node.stop();
    const again = await homes.start({ home, chainId: CHAIN, blockTimeMs: 0 });
    const c2 = await CustodyClient.connect(again.rpcUrl);
    clients.push(c2);
    expect((await c2.securityEvents({ stage: 'block' })).events).toEqual(page.events);
    expect((await c2.securityEvents()).events.map((e) => e.stage)).toEqual(['block', 'admission']);
  });

  it('migrating a schema-1 node.db indexes the security events its blocks already carry', async () => {
    const home = homes.home();
    const refuse = new Set<string>();
    let inBlock = false;
    const verifier: SignatureVerifier = {
      verify: (s, pk, m, sig) => (inBlock && refuse.has(Buffer.from(sig).toString('hex')) ? false : nativeVerifier.verify(s, pk, m, sig)),
    };
    const node = await homes.start({
      home,
      chainId: CHAIN,
      blockTimeMs: 0,
      clock: steppingClock(),
      initKeys: { adminSecret: admin.secretKey, validatorSecret: VALIDATOR_SECRET },
      engineOptions: { verifier },
    });
    const bad = buildTx(admin, 'key.register', { public_key: k2.publicKeyHex, scheme: 'ed25519', label: 'k2' }, 1, { chain_id: CHAIN, expires_at: 500 });
    expect(node.admit(bad.bytes).result.code).toBe(0);
    refuse.add(bad.env.signature);
    inBlock = true;
    node.produceBlock();
    inBlock = false;
    await node.stop();
    // Turn the file back into schema 1 (as an older build left it).
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(home, 'node.db'));
    db.exec(
      "DROP TABLE security_events; DROP TABLE receipts; DROP TABLE mmr_nodes; DROP TABLE checkpoints; DELETE FROM meta WHERE key = 'evidence_height'; DELETE FROM schema_version WHERE version >= 2;",
    );
    db.close();
    expect(fs.existsSync(path.join(home, 'node.db'))).toBe(true);
    const store = NodeStore.open(path.join(home, 'node.db'));
    try {
      expect(store.securityEvents().map((e) => ({ kind: e.kind, key: e.key_id, code: e.code, stage: e.stage }))).toEqual([
        { kind: 'security.tx_rejected', key: admin.keyId, code: 'BAD_SIGNATURE', stage: 'block' },
      ]);
    } finally {
      store.close();
    }
  });
});

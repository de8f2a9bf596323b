/**
 * The devnet's home directory: files and modes, restart at the same height
 * and state root, deterministic app-hash history across homes, refusal of a
 * damaged home, and the lock against a second node.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Comet38Client } from '@cosmjs/tendermint-rpc';
import { ed25519 } from '@noble/curves/ed25519.js';
import { keyIdOf } from '../../core/codec/index.js';
import { CharterError } from '../../core/errors.js';
import { DevnetNode, loadDevnetAdmin } from '../../main/devnet/node.js';
import { CustodyClient } from '../../main/chain/custody-client.js';
import { ADMIN_SECRET, Homes, VALIDATOR_SECRET, rpcPost, signTx, signer, steppingClock, until } from './devnet-fixtures.js';

const homes = new Homes();
afterEach(() => homes.cleanup());

const mode = (p: string) => statSync(p).mode & 0o777;

async function startError(p: Promise<unknown>): Promise<CharterError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CharterError) return e;
    throw e;
  }
  throw new Error('expected the start to fail');
}

describe('home directory', () => {
  test('first start writes genesis.json, node_key.json (0600), admin_key.json (0600, marked devnet-only) and node.db', async () => {
    const home = homes.home();
    const clock = steppingClock(Date.UTC(2026, 4, 1, 12, 0, 0));
    const node = await homes.start({ home, clock });
    const genesis = JSON.parse(readFileSync(join(home, 'genesis.json'), 'utf8'));
    expect(genesis.chain_id).toBe('charter-devnet-1');
    expect(genesis.genesis_time).toBe('2026-05-01T12:00:00Z');
    expect(genesis.params).toEqual({ faucet: true, max_expiry_blocks: 1000 });

    const nodeKey = JSON.parse(readFileSync(join(home, 'node_key.json'), 'utf8'));
    expect(Object.keys(nodeKey).sort()).toEqual(['address', 'priv_key', 'pub_key']);
    expect(nodeKey.pub_key.type).toBe('tendermint/PubKeyEd25519');
    expect(nodeKey.priv_key.type).toBe('tendermint/PrivKeyEd25519');
    expect(Buffer.from(nodeKey.priv_key.value, 'base64')).toHaveLength(64);
    expect(nodeKey.address).toBe(node.validator.address);
    expect(mode(join(home, 'node_key.json'))).toBe(0o600);

    const adminPath = DevnetNode.adminKeyPath(home);
    expect(adminPath).toBe(join(home, 'admin_key.json'));
    const adminFile = JSON.parse(readFileSync(adminPath, 'utf8'));
    expect(adminFile.devnet_only).toBe(true);
    expect(adminFile.warning).toMatch(/DEVNET ONLY/);
    expect(mode(adminPath)).toBe(0o600);
    const admin = loadDevnetAdmin(home);
    expect(genesis.admins).toEqual([{ public_key: Buffer.from(admin.publicKey).toString('hex'), label: 'devnet-admin' }]);
    expect(admin.keyId).toBe(keyIdOf('ed25519', admin.publicKey));
    const digest = new Uint8Array(32).fill(7);
    expect(ed25519.verify(admin.sign(digest), digest, admin.publicKey)).toBe(true);

    await node.stop();
    const db = new Database(join(home, 'node.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect((db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v).toBe(6);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining([
        'blocks',
        'txs',
        'tx_events',
        'state_snapshots',
        'state_nodes',
        'schema_version',
        'meta',
        'security_events',
        'receipts',
        'mmr_nodes',
        'checkpoints',
        'cosignatures',
      ]),
    );
    expect((db.prepare('SELECT COUNT(*) AS n FROM blocks').get() as { n: number }).n).toBe(1);
    db.close();
  });

  test('restart resumes at the same height, block hash and state root, and continues the chain', async () => {
    const home = homes.home();
    const node = await homes.start({ home, clock: steppingClock() });
    const client = await CustodyClient.connect(node.rpcUrl);
    const admin = loadDevnetAdmin(home);
    await client.broadcastCommit(signTx(admin, node.chainId, 'key.register', { public_key: signer(1).publicKeyHex, scheme: 'ed25519', label: 'one' }, 1));
    await client.broadcastCommit(
      signTx(admin, node.chainId, 'vault.create', { vault_id: 'ops', name: 'Ops', policy: { approvers: [signer(1).keyId], threshold: 1 } }, 2),
    );
    // Let the proof block land, so no block is due at stop time.
    await until(() => !node.wantsBlock(), 10_000, 'proof block');
    const before = { status: await client.status(), info: await client.abciInfo(), vault: await client.query('/vault/ops') };
    client.disconnect();
    await node.stop();

    const again = await homes.start({ home, clock: steppingClock(Date.UTC(2026, 0, 2)) });
    expect(again.height()).toBe(before.status.height);
    const c2 = await CustodyClient.connect(again.rpcUrl);
    const after = { status: await c2.status(), info: await c2.abciInfo(), vault: await c2.query('/vault/ops') };
    expect(after.status.height).toBe(before.status.height);
    expect(after.status.appHash).toBe(before.status.appHash);
    expect(after.status.latestBlockHash).toBe(before.status.latestBlockHash);
    expect(after.info).toEqual(before.info);
    expect(after.vault).toEqual(before.vault);

    // The chain goes on: nonces continue, the next block links to the old head.
    expect(await c2.nonceOf(admin.keyId)).toBe(2);
    const r = await c2.broadcastCommit(signTx(admin, again.chainId, 'vault.fund', { vault_id: 'ops', asset: 'ETH', amount: '5' }, 3));
    expect(r.height).toBe(before.status.height + 1);
    const blk = await c2.block(r.height);
    expect(blk.lastBlockHash).toBe(before.status.latestBlockHash);
    expect(blk.appHash).toBe(before.info.appHash);
    c2.disconnect();
  });

  test('a second node on the same home fails with WORKSPACE_LOCKED; the home opens again once the first stops', async () => {
    const home = homes.home();
    const first = await homes.start({ home });
    const e = await startError(DevnetNode.start({ home, blockTimeMs: 50 }));
    expect(e.code).toBe('WORKSPACE_LOCKED');
    expect(first.height()).toBeGreaterThanOrEqual(1);
    await first.stop();
    const second = await homes.start({ home });
    expect(second.height()).toBeGreaterThanOrEqual(1);
  });

  test('the lock holds across processes and dies with its process (no stale lock after a crash)', async () => {
    const home = homes.home();
    await (await homes.start({ home })).stop();
    // Another process takes node.db the way NodeStore does, then waits to be killed.
    const script = `
      const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
      const db = new Database(${JSON.stringify(join(home, 'node.db'))});
      db.pragma('locking_mode = EXCLUSIVE'); db.pragma('journal_mode = WAL'); db.exec('BEGIN EXCLUSIVE; COMMIT;');
      process.stdout.write('locked\\n'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
        child.on('exit', (c) => reject(new Error(`child exited ${c}`)));
      });
      const e = await startError(DevnetNode.start({ home, blockTimeMs: 50 }));
      expect(e.code).toBe('WORKSPACE_LOCKED');
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const node = await homes.start({ home });
    expect(node.height()).toBeGreaterThanOrEqual(1);
  });

  test('a tampered snapshot or genesis makes the node refuse to start, naming the problem', async () => {
    const home = homes.home();
    const node = await homes.start({ home, clock: steppingClock(), snapshotEvery: 1 });
    const admin = loadDevnetAdmin(home);
    const c = await Comet38Client.connect(node.rpcUrl);
    await c.broadcastTxCommit({ tx: signTx(admin, node.chainId, 'key.register', { public_key: signer(1).publicKeyHex, scheme: 'ed25519', label: 'one' }, 1) });
    c.disconnect();
    await node.stop();

    // Snapshot edited: a different (valid) state with the old recorded root.
    const dbPath = join(home, 'node.db');
    let db = new Database(dbPath);
    const row = db.prepare('SELECT height, snapshot FROM state_snapshots ORDER BY height DESC LIMIT 1').get() as { height: number; snapshot: Buffer };
    const original = Buffer.from(row.snapshot);
    db.prepare('UPDATE state_snapshots SET snapshot = ? WHERE height = ?').run(Buffer.from(original.toString('utf8').replace('"one"', '"evil"')), row.height);
    db.close();
    let e = await startError(DevnetNode.start({ home, blockTimeMs: 50 }));
    expect(e.code).toBe('WORKSPACE_INVALID');
    expect(e.message).toMatch(/snapshot/);

    // Snapshot intact but the recorded root no longer matches the block store.
    db = new Database(dbPath);
    db.prepare('UPDATE state_snapshots SET snapshot = ? WHERE height = ?').run(original, row.height);
    const real = (db.prepare('SELECT app_hash FROM state_snapshots WHERE height = ?').get(row.height) as { app_hash: string }).app_hash;
    db.prepare('UPDATE state_snapshots SET app_hash = ? WHERE height = ?').run('00'.repeat(32), row.height);
    db.close();
    e = await startError(DevnetNode.start({ home, blockTimeMs: 50 }));
    expect(e.code).toBe('WORKSPACE_INVALID');
    expect(e.message).toMatch(/does not match/);
    db = new Database(dbPath);
    db.prepare('UPDATE state_snapshots SET app_hash = ? WHERE height = ?').run(real, row.height);
    db.close();

    // genesis.json edited
    const gPath = join(home, 'genesis.json');
    const g = readFileSync(gPath, 'utf8');
    writeFileSync(gPath, g.replace('"max_expiry_blocks": 1000', '"max_expiry_blocks": 999'));
    e = await startError(DevnetNode.start({ home, blockTimeMs: 50 }));
    expect(e.code).toBe('WORKSPACE_INVALID');
    expect(e.message).toMatch(/genesis/);
    writeFileSync(gPath, g);

    // Another chain id asked for explicitly
    e = await startError(DevnetNode.start({ home, blockTimeMs: 50, chainId: 'other-chain' }));
    expect(e.code).toBe('WORKSPACE_INVALID');

    // Repaired: starts again at the same height.
    const ok = await homes.start({ home });
    expect(ok.height()).toBeGreaterThanOrEqual(2);
  });
});

describe('determinism', () => {
  /** Drives a node on demand (no timer) through a fixed tx stream, over its RPC socket. */
  async function history(home: string, stream: (chainId: string, adminKeyId: string) => Uint8Array[][], restartAfter?: number) {
    const opts = {
      home,
      blockTimeMs: 0,
      clock: steppingClock(Date.UTC(2026, 2, 3)),
      initKeys: { adminSecret: ADMIN_SECRET, validatorSecret: VALIDATOR_SECRET },
    };
    let node = await homes.start(opts);
    const blocks = stream(node.chainId, loadDevnetAdmin(home).keyId);
    for (let i = 0; i < blocks.length; i++) {
      for (const tx of blocks[i]!) {
        const r = await rpcPost(node.rpcUrl, { jsonrpc: '2.0', id: 1, method: 'broadcast_tx_sync', params: { tx: Buffer.from(tx).toString('base64') } });
        expect(r.json.result.code, r.json.result.log).toBe(0);
      }
      node.produceBlock();
      if (restartAfter === i) {
        await node.stop();
        node = await homes.start({ ...opts, clock: steppingClock(Date.UTC(2026, 2, 3) + 100_000) });
      }
    }
    const c = await Comet38Client.connect(node.rpcUrl);
    const out: { height: number; hash: string; appHash: string; codes: string }[] = [];
    for (let h = 1; h <= node.height(); h++) {
      const b = await c.block(h);
      const r = await c.blockResults(h);
      out.push({
        height: h,
        hash: Buffer.from(b.blockId.hash).toString('hex'),
        appHash: Buffer.from(b.block.header.appHash).toString('hex'),
        codes: r.results.map((x) => x.code).join(','),
      });
    }
    const final = await c.abciInfo();
    c.disconnect();
    await node.stop();
    return { out, final: Buffer.from(final.lastBlockAppHash!).toString('hex') };
  }

  const stream = (chainId: string) => {
    const admin = { keyId: keyIdOf('ed25519', ed25519.getPublicKey(ADMIN_SECRET)), publicKeyHex: '', sign: (d: Uint8Array) => ed25519.sign(d, ADMIN_SECRET) };
    const [a, b, c] = [signer(1), signer(2), signer(3)];
    const reg = (s: typeof a, n: number) => signTx(admin, chainId, 'key.register', { public_key: s.publicKeyHex, scheme: 'ed25519', label: `k${n}` }, n);
    return [
      [reg(a, 1), reg(b, 2)],
      [
        reg(c, 3),
        signTx(admin, chainId, 'vault.create', { vault_id: 'treasury', name: 'Treasury', policy: { approvers: [a.keyId, b.keyId, c.keyId], threshold: 2 } }, 4),
      ],
      [signTx(admin, chainId, 'vault.fund', { vault_id: 'treasury', asset: 'BTC', amount: '1000' }, 5)],
      [],
      [signTx(a, chainId, 'withdrawal.create', { vault_id: 'treasury', asset: 'BTC', amount: '300', destination: 'bc1qdest', memo: 'm' }, 1)],
    ];
  };

  test('the same tx stream on two fresh homes gives the same app-hash history; a restart in the middle changes nothing', async () => {
    const one = await history(homes.home(), stream);
    const two = await history(homes.home(), stream);
    const three = await history(homes.home(), stream, 2);
    expect(one.out.length).toBeGreaterThan(5);
    expect(two).toEqual(one);
    // Block times differ after the restart (new clock), roots do not.
    expect(three.out.map((x) => x.appHash)).toEqual(one.out.map((x) => x.appHash));
    expect(three.final).toBe(one.final);
    // Roots changed where state changed.
    expect(new Set(one.out.map((x) => x.appHash)).size).toBeGreaterThan(3);
  });
});

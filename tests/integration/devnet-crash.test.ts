/**
 * Crash safety: the real node runs in a child process (bundled from
 * main/devnet/cli.ts with esbuild) under a stream of transactions and is
 * killed with SIGKILL at random instants. After every kill the home must open
 * (the restored state matches the stored root), every transaction a client saw
 * committed must be there at the same height, every block a client saw must
 * be there with the same hash, and the chain must link up.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleChild } from '../support/child-bundle.js';
import { CustodyClient } from '../../main/chain/custody-client.js';
import { DevnetNode, loadDevnetAdmin } from '../../main/devnet/node.js';
import type { VaultRecord } from '../../core/engine/types.js';
import { Homes, signTx } from './devnet-fixtures.js';

const homes = new Homes();
afterEach(() => homes.cleanup());

const repo = resolve(import.meta.dirname, '../..');
let bundleDir = '';
let bundle = '';

beforeAll(async () => {
  bundleDir = mkdtempSync(join(tmpdir(), 'charter-devnet-bundle-'));
  bundle = join(bundleDir, 'devnet-child.cjs');
  await bundleChild(
    `import { runNodeCommand } from './main/devnet/cli.ts';
        runNodeCommand({ home: process.argv[2], rpc: '127.0.0.1:0', blockTime: '5ms', emptyBlocks: true, err: () => {} })
          .catch((e) => { console.error(e); process.exit(1); });`,
    bundle,
  );
});
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

function startChild(home: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bundle, home], {
    env: { ...process.env, NODE_PATH: join(repo, 'node_modules') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolveUrl, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /RPC: (http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
      if (m) resolveUrl({ child, url: m[1] as string });
    });
    child.on('exit', (code) => reject(new Error(`devnet child exited (${code}) before serving: ${buf}`)));
  });
}

describe('crash safety', () => {
  test('SIGKILL at random instants under load never leaves an inconsistent home', async () => {
    const home = homes.home();
    const committed = new Map<string, number>(); // tx hash → height the client was told
    const seen = new Map<number, string>(); // height → block hash the client saw
    let rounds = 0;
    for (let round = 0; round < 4; round++) {
      const { child, url } = await startChild(home);
      const exited = new Promise((r) => child.once('exit', r));
      const client = await CustodyClient.connect(url);
      const admin = loadDevnetAdmin(home);
      const chainId = (await client.status()).chainId;
      let nonce = await client.nonceOf(admin.keyId);
      if (round === 0) {
        await client.broadcastCommit(
          signTx(admin, chainId, 'vault.create', { vault_id: 'crash', name: 'Crash', policy: { approvers: [admin.keyId], threshold: 1 } }, ++nonce, 900),
        );
      }
      // The kill comes at a random instant after the round's first commit (so every round has one, whatever the machine's speed).
      let killer: NodeJS.Timeout | undefined;
      try {
        for (;;) {
          const height = (await client.status()).height;
          // A burst through the mempool, then one we wait for.
          for (let i = 0; i < 3; i++)
            await client.broadcastSync(signTx(admin, chainId, 'vault.fund', { vault_id: 'crash', asset: 'X', amount: '1' }, ++nonce, height + 500));
          const r = await client.broadcastCommit(signTx(admin, chainId, 'vault.fund', { vault_id: 'crash', asset: 'X', amount: '1' }, ++nonce, height + 500));
          committed.set(r.hash, r.height);
          killer ??= setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 600));
          const s = await client.status();
          seen.set(s.height, s.latestBlockHash);
        }
      } catch (e) {
        expect((e as { code?: string }).code).toMatch(/^NODE_(UNREACHABLE|ERROR)$/);
      } finally {
        clearTimeout(killer);
        client.disconnect();
        child.kill('SIGKILL');
        await exited;
      }

      // The home opens: the snapshot restores to the stored root of the last stored block.
      const node = await DevnetNode.start({ home, blockTimeMs: 0 });
      try {
        const maxSeen = Math.max(0, ...seen.keys());
        expect(node.height()).toBeGreaterThanOrEqual(maxSeen);
        for (const [hash, height] of committed) expect(node.read.txByHash(hash)?.height, hash).toBe(height);
        for (const [height, hash] of seen) expect(node.read.blockAt(height)?.hash).toBe(hash);
        let funds = 0;
        for (let h = 1; h <= node.height(); h++) {
          const b = node.read.blockAt(h)!;
          if (h > 1) {
            const prev = node.read.blockAt(h - 1)!;
            expect(b.last_block_hash).toBe(prev.hash);
            expect(b.app_hash).toBe(prev.result_app_hash);
          }
          const txs = node.read.txsOf(h);
          expect(txs).toHaveLength(b.num_txs);
          funds += txs.filter((t) => t.type === 'vault.fund' && t.code === 0).length;
        }
        // The restored engine state agrees with the stored blocks.
        const q = node.app().query({ path: '/vault/crash' });
        const vault = JSON.parse(Buffer.from(q.value).toString()) as VaultRecord;
        expect(vault.balances.X ?? '0').toBe(String(funds));
        rounds++;
      } finally {
        await node.stop();
      }
    }
    expect(rounds).toBe(4);
    expect(committed.size).toBeGreaterThanOrEqual(4);
  }, 120_000);
});

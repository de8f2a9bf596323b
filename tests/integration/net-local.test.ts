// A real 4-validator CometBFT v0.38.25 network of custody applications
// (main/net/local.ts, the code behind `charter net up | status | down`), on
// 127.0.0.11–14. Stopping one validator leaves the network committing;
// stopping a second stalls it and the status says why; restarting them
// recovers it. A kill -9 of one application under load: CometBFT's handshake
// brings it back to the others' app hash, and no committed transaction is lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDevnetAdmin } from '../../main/devnet/keys.js';
import { createNet, netStatus, processStatus, startNode, stopNode, type NetDescription } from '../../main/net/local.js';
import { encodeTx, signingDigest } from '../../core/tx/codec.js';
import { toHex } from '../../core/codec/index.js';
import type { SignedEnvelope, UnsignedEnvelope } from '../../core/engine/types.js';
import { cometbftBinary, freePort, repoRoot, waitFor } from '../support/cometbft.js';

let dir: string;
let net: NetDescription;
const charterBin = join(repoRoot, 'bin', 'charter.js');
const start = (i: number) => startNode(net, i, { cometbft: cometbftBinary(), charterBin });

async function rpcAt<T>(i: number, method: string, params: Record<string, string> = {}): Promise<T> {
  const n = net.nodes[i]!;
  const q = new URLSearchParams(params).toString();
  const r = await fetch(`http://${n.ip}:${n.rpcPort}/${method}${q ? `?${q}` : ''}`, { signal: AbortSignal.timeout(5000) });
  const j = (await r.json()) as { result?: T; error?: { message: string; data?: string } };
  if (j.error) throw new Error(`${method}: ${j.error.message} ${j.error.data ?? ''}`);
  return j.result as T;
}
const heightOf = async (i: number) => Number((await rpcAt<{ sync_info: { latest_block_height: string } }>(i, 'status')).sync_info.latest_block_height);

let nonce = 0;
function operatorTx(vault: string): Uint8Array {
  const admin = loadDevnetAdmin(dir);
  const unsigned = {
    version: 1,
    chain_id: net.chainId,
    type: 'vault.create',
    body: { vault_id: vault, name: vault, policy: { approvers: [admin.keyId], threshold: 1 } },
    signer: admin.keyId,
    nonce: ++nonce,
    expires_at: 100_000,
  } as UnsignedEnvelope<'vault.create'>;
  return encodeTx({ ...unsigned, signature: toHex(admin.sign(signingDigest(unsigned))) } as SignedEnvelope<'vault.create'>);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'charter-net-'));
  // Four consecutive ports on 127.0.0.11–14 (the one asked on 127.0.0.1 was free).
  const base = await freePort();
  net = createNet({ home: dir, validators: 4, basePort: Math.min(base, 65530), cometbft: cometbftBinary(), blockTime: '300ms' });
  for (const n of net.nodes) start(n.index);
  await waitFor('blocks from the 4-validator network', async () => (await heightOf(0)) >= 3, 90_000);
}, 120_000);

afterAll(async () => {
  if (net) for (const n of net.nodes) await stopNode(net, n.index, 2000);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('a local 4-validator network', () => {
  it('reports every validator online with its power, peers and last signed height', async () => {
    const s = await waitFor('all four signing', async () => {
      const st = await netStatus(net);
      return st.validators.every((v) => v.signedLatest) ? st : null;
    });
    expect(s.totalPower).toBe(4);
    expect(s.onlinePower).toBe(4);
    expect(s.quorum).toBe(true);
    expect(s.warning).toBeNull();
    for (const v of s.validators) {
      expect(v.app.state).toBe('running');
      expect(v.peers).toBe(3);
      expect(v.votingPower).toBe(1);
      expect(v.lastSignedHeight).toBeGreaterThan(0);
    }
  });

  it('keeps committing with one validator stopped, stalls with two and says why, and recovers when they return', async () => {
    await stopNode(net, 3, 2000);
    const h1 = await heightOf(0);
    await waitFor('blocks with 3 of 4', async () => (await heightOf(0)) >= h1 + 2, 30_000);
    const three = await netStatus(net);
    expect(three.quorum).toBe(true);
    expect(three.validators[3]!.height).toBeNull();

    await stopNode(net, 2, 2000);
    // Let a block in flight finish, then watch the height stand still.
    await new Promise((r) => setTimeout(r, 1500));
    const h2 = await heightOf(0);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await heightOf(0)).toBe(h2);
    const two = await netStatus(net);
    expect(two.quorum).toBe(false);
    expect(two.warning).toBe('consensus cannot progress: 2 of 4 validators (50 % of power) are offline');

    start(2);
    start(3);
    await waitFor('blocks after the restart', async () => (await heightOf(0)) >= h2 + 3, 60_000);
    expect((await netStatus(net)).quorum).toBe(true);
  }, 150_000);

  it('brings a kill -9 application back to the network app hash with no committed transaction lost', async () => {
    const committed: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await rpcAt<{ check_tx: { code: number }; tx_result: { code: number }; hash: string }>(0, 'broadcast_tx_commit', {
        tx: '0x' + Buffer.from(operatorTx(`vault-${i}`)).toString('hex'),
      });
      expect(r.tx_result.code).toBe(0);
      committed.push(r.hash);
      if (i === 2) {
        // Under load: the application of validator 1 dies without a word.
        const app = processStatus(net.nodes[1]!, 'app');
        process.kill(-(app.pid as number), 'SIGKILL');
      }
    }
    await stopNode(net, 1, 2000);
    start(1);
    const target = await heightOf(0);
    await waitFor('validator 1 catching up', async () => (await heightOf(1)) >= target, 60_000);
    const h = Math.min(await heightOf(0), await heightOf(1));
    type Info = { response: { last_block_height: string; last_block_app_hash: string } };
    const block = async (i: number) => (await rpcAt<{ block: { header: { app_hash: string } } }>(i, 'block', { height: String(h) })).block.header.app_hash;
    expect(await block(1)).toBe(await block(0));
    const info = await rpcAt<Info>(1, 'abci_info');
    expect(Number(info.response.last_block_height)).toBeGreaterThanOrEqual(h);
    const api = `http://${net.nodes[1]!.ip}:${net.nodes[1]!.apiPort}`;
    for (const hash of committed) {
      const t = await fetch(`${api}/explorer/transaction?hash=${hash}`);
      expect(t.status, hash).toBe(200);
      expect(((await t.json()) as { code: number }).code).toBe(0);
    }
  }, 150_000);
});

// The network benchmark's load generator and figures (main/net/bench-net.ts),
// in a very short run: a real 4-validator custody network (cometbft +
// charter abci) and then a real 4-validator kvstore network, each loaded by
// the same generator. Structure only: both networks committed transactions,
// every one of them is one the generator submitted, the counts agree with
// the blocks, and every process is gone at the end. No timing is asserted.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatNetBench, runNetBench, type LoadResult, type NetBenchResult } from '../../main/net/bench-net.js';
import { loadNet, processStatus } from '../../main/net/local.js';
import { cometbftBinary, freePort, repoRoot } from '../support/cometbft.js';

const work = mkdtempSync(join(tmpdir(), 'charter-net-bench-'));

afterAll(() => {
  // Whatever a failed run left: every process group of both networks.
  for (const name of ['custody', 'kvstore']) {
    const net = loadNet(join(work, name));
    for (const node of net?.nodes ?? []) {
      for (const which of ['cometbft', 'app'] as const) {
        const s = processStatus(node, which);
        if (s.state === 'running' && s.pid !== null) process.kill(-s.pid, 'SIGKILL');
      }
    }
  }
  rmSync(work, { recursive: true, force: true });
});

function expectConsistent(r: LoadResult): void {
  expect(r.committedInWindow).toBeGreaterThan(0);
  expect(r.toHeight).toBeGreaterThan(r.fromHeight);
  const window = r.blocks.filter((b) => b.height > r.fromHeight && b.height <= r.toHeight);
  expect(window.length).toBe(r.toHeight - r.fromHeight);
  expect(window.reduce((a, b) => a + b.numTxs, 0)).toBe(r.committedInWindow);
  // Every transaction in the blocks since the load started is one the generator submitted.
  expect(r.blocks.reduce((a, b) => a + b.numTxs, 0)).toBe(r.committed);
  expect(r.blocks.reduce((a, b) => a + b.ours, 0)).toBe(r.committed);
  expect(r.committed).toBeLessThanOrEqual(r.accepted);
  expect(r.committedMeasured + r.uncommitted).toBe(r.acceptedMeasured);
  expect(r.rejected).toBe(0);
  expect(r.failed).toBe(0);
  expect(r.blocks.every((b) => b.failed === 0)).toBe(true);
  expect(r.txPerSecond).toBeGreaterThan(0);
  expect(Number.isFinite(r.latencyMs.p50) && r.latencyMs.p50 <= r.latencyMs.p99 && r.latencyMs.p99 <= r.latencyMs.max).toBe(true);
}

describe('the network benchmark', () => {
  let result: NetBenchResult;

  it('loads a custody network and a kvstore network with the same generator and reports consistent figures', async () => {
    const lines: string[] = [];
    result = await runNetBench({
      cometbft: cometbftBinary(),
      charterBin: join(repoRoot, 'bin', 'charter.js'),
      durationMs: 2500,
      warmupMs: 1500,
      drainMs: 20_000,
      lanes: 4,
      maxPending: 200,
      blockTime: '300ms',
      custodyBasePort: Math.min(await freePort(), 65530),
      kvstoreBasePort: Math.min(await freePort(), 65530),
      workDir: work,
      log: (l) => lines.push(l),
    });
    expectConsistent(result.custody);
    expectConsistent(result.kvstore);
    // The same sizes: kvstore transactions are padded to the custody generator's.
    expect(result.kvstore.meanTxBytes).toBeGreaterThan(result.custody.meanTxBytes * 0.95);
    expect(result.kvstore.meanTxBytes).toBeLessThan(result.custody.meanTxBytes * 1.05);
    expect(result.ratio).toBeCloseTo(result.custody.txPerSecond / result.kvstore.txPerSecond, 10);
    expect(lines.some((l) => /setup: \d+ operator transactions committed/.test(l))).toBe(true);
    const text = formatNetBench(result);
    expect(text).toMatch(/^custody withdrawals +\d+/m);
    expect(text).toMatch(/^kvstore \(built-in\) +\d+/m);
    expect(text).toMatch(/custody ÷ kvstore throughput: \d+\.\d\d×/);
  }, 300_000);

  it('leaves no process of either network running', () => {
    for (const name of ['custody', 'kvstore']) {
      const net = loadNet(join(work, name));
      expect(net, name).not.toBeNull();
      for (const node of net!.nodes) {
        expect(readdirSync(node.cometHome)).toContain('cometbft.log');
        expect(processStatus(node, 'cometbft').state, `${name} ${node.name}`).not.toBe('running');
        expect(processStatus(node, 'app').state, `${name} ${node.name}`).not.toBe('running');
      }
    }
  });
});

// Replay and block export against a real devnet home: blocks made by a real
// DevnetNode (testkit keys), then `charter node export` and `charter replay`
// through the library and through the built binary.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTx, testKey } from '../support/engine-kit.js';
import { nobleVerifier } from '../../core/crypto/ed25519.js';
import { DevnetNode } from '../../main/devnet/node.js';
import { exportBlocks, openHomeReadOnly } from '../../main/blocks-history/export.js';
import { openBlocksFile, BLOCKS_FORMAT } from '../../main/blocks-history/format.js';
import { exitCodeOf, PrecomputedVerifier, replayBlocks, type ReplayResult } from '../../main/replay/replay.js';
import { runReplayCommand } from '../../main/replay/cli.js';
import { main } from '../../main/cli/index.js';
import { RECORD_BYTES, VerifyPool } from '../../main/replay/verify-pool.js';
import { txHashOf } from '../../core/codec/index.js';
import { Homes, steppingClock, VALIDATOR_SECRET } from './devnet-fixtures.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'charter.js');
const CHAIN = 'charter-replay-1';
const admin = testKey(1);
const [k2, k3, k4] = [testKey(2), testKey(3), testKey(4)];

const homes = new Homes();
let home: string;
let tmp: string;
let exported: string;
/** Per height: the tx results the node recorded. */
const recorded = new Map<number, { code: number; hash: string }[]>();

function admitAll(node: DevnetNode, txs: Uint8Array[]): void {
  for (const t of txs) {
    const r = node.admit(t);
    expect(r.result.code, r.result.log).toBe(0);
  }
}

beforeAll(async () => {
  tmp = homes.home();
  home = path.join(tmp, 'home');
  const node = await DevnetNode.start({
    home,
    chainId: CHAIN,
    blockTimeMs: 0,
    clock: steppingClock(),
    initKeys: { adminSecret: admin.secretKey, validatorSecret: VALIDATOR_SECRET },
  });
  node.onBlock((b) =>
    recorded.set(
      b.height,
      b.txs.map((t) => ({ code: t.code, hash: t.hash })),
    ),
  );
  const opts = { chain_id: CHAIN, expires_at: 500 };
  let n = 0;
  admitAll(node, [
    ...[k2, k3, k4].map(
      (k) => buildTx(admin, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: `key ${k.keyId.slice(0, 4)}` }, ++n, opts).bytes,
    ),
    buildTx(admin, 'vault.create', { vault_id: 'treasury', name: 'Treasury', policy: { approvers: [k3.keyId, k4.keyId], threshold: 2 } }, ++n, opts).bytes,
    buildTx(admin, 'vault.fund', { vault_id: 'treasury', asset: 'USDC', amount: '1000' }, ++n, opts).bytes,
  ]);
  node.produceBlock(); // 2
  node.produceBlock(); // 3: proof block (header carries the root after 2)
  const create = buildTx(k2, 'withdrawal.create', { vault_id: 'treasury', asset: 'USDC', amount: '250', destination: 'acct:alice', memo: 'one' }, 1, opts);
  admitAll(node, [
    create.bytes,
    buildTx(k2, 'withdrawal.create', { vault_id: 'treasury', asset: 'USDC', amount: '5', destination: 'acct:bob', memo: 'two' }, 2, opts).bytes,
  ]);
  node.produceBlock(); // 4
  const requestId = (JSON.parse(Buffer.from(node.read.txsOf(4)[0]!.result).toString()) as { data: string }).data;
  const rid = (JSON.parse(Buffer.from(requestId, 'base64').toString()) as { request_id: string }).request_id;
  admitAll(node, [buildTx(k3, 'withdrawal.approve', { request_id: rid }, 1, opts).bytes]);
  node.produceBlock(); // 5
  admitAll(node, [buildTx(k4, 'withdrawal.approve', { request_id: rid }, 1, opts).bytes]);
  node.produceBlock(); // 6: executes
  node.produceBlock(); // 7: empty
  await node.stop();
  exported = path.join(tmp, 'blocks.jsonl');
  await exportBlocks({ home, out: exported });
});
afterAll(() => homes.cleanup());

async function replayHome(check: boolean, workers?: number): Promise<ReplayResult> {
  const r = openHomeReadOnly(home);
  try {
    return (await replayBlocks(r.genesis, r.blocks(1, r.latestHeight), { check, ...(workers !== undefined ? { workers } : {}) })).result;
  } finally {
    r.close();
  }
}
async function replayFile(file: string, check: boolean): Promise<ReplayResult> {
  const f = await openBlocksFile(file);
  try {
    return (await replayBlocks(f.header.genesis, f.blocks, { check })).result;
  } finally {
    f.close();
  }
}
function lines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}
function tamper(name: string, edit: (blocks: Record<string, unknown>[]) => void): string {
  const [head, ...rest] = lines(exported);
  const blocks = rest.map((l) => JSON.parse(l) as Record<string, unknown>);
  edit(blocks);
  const out = path.join(tmp, name);
  fs.writeFileSync(out, [head, ...blocks.map((b) => JSON.stringify(b))].join('\n') + '\n');
  return out;
}

describe('charter node export', () => {
  it('writes the header and one line per block with the recorded roots and codes', () => {
    const [head, ...blocks] = lines(exported);
    const h = JSON.parse(head!) as { format: string; chain_id: string; genesis: { chain_id: string }; from: number; to: number };
    expect(h).toMatchObject({ format: BLOCKS_FORMAT, chain_id: CHAIN, from: 1, to: 7 });
    expect(h.genesis.chain_id).toBe(CHAIN);
    expect(blocks).toHaveLength(7);
    const reader = openHomeReadOnly(home);
    try {
      blocks.forEach((l, i) => {
        const b = JSON.parse(l) as {
          height: number;
          time: string;
          hash: string;
          app_hash: string;
          result_app_hash: string;
          txs: string[];
          tx_results: { code: number }[];
        };
        expect(Object.keys(b)).toEqual(['height', 'time', 'hash', 'app_hash', 'result_app_hash', 'txs', 'tx_results']);
        expect(b.height).toBe(i + 1);
        expect(b.tx_results.map((r) => r.code)).toEqual((recorded.get(b.height) ?? []).map((t) => t.code));
        const [row] = [...reader.blocks(b.height, b.height)];
        expect(b).toMatchObject({ time: row!.time, hash: row!.hash, app_hash: row!.app_hash, result_app_hash: row!.result_app_hash });
        expect(b.txs).toEqual(row!.txs.map((t) => Buffer.from(t).toString('base64')));
      });
    } finally {
      reader.close();
    }
  });

  it('is deterministic and honours --from/--to', async () => {
    const again = path.join(tmp, 'again.jsonl');
    await exportBlocks({ home, out: again });
    expect(fs.readFileSync(again)).toEqual(fs.readFileSync(exported));
    const part = path.join(tmp, 'part.jsonl');
    const s = await exportBlocks({ home, out: part, from: 2, to: 4 });
    expect(s).toMatchObject({ from: 2, to: 4, blocks: 3, txs: 7 });
    expect(
      lines(part)
        .slice(1)
        .map((l) => (JSON.parse(l) as { height: number }).height),
    ).toEqual([2, 3, 4]);
  });

  it('follows the --out rule: checked before the home is read, no overwrite without --force, no symbolic link, 0600', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'out-rule-'));
    const fresh = path.join(dir, 'fresh.jsonl');
    await exportBlocks({ home, out: fresh });
    expect(fs.statSync(fresh).mode & 0o777).toBe(0o600);
    // An existing file: refused before anything is read (a missing home would be another error).
    const existing = path.join(dir, 'existing.jsonl');
    fs.writeFileSync(existing, 'keep me');
    await expect(exportBlocks({ home: path.join(tmp, 'no-such-home'), out: existing })).rejects.toMatchObject({
      code: 'EXPORT_FAILED',
      details: { reason: 'EXISTS' },
    });
    await expect(exportBlocks({ home, out: existing })).rejects.toMatchObject({ code: 'EXPORT_FAILED' });
    expect(fs.readFileSync(existing, 'utf8')).toBe('keep me');
    // --force replaces it, 0600.
    fs.chmodSync(existing, 0o644);
    await exportBlocks({ home, out: existing, force: true });
    expect(fs.readFileSync(existing)).toEqual(fs.readFileSync(exported));
    expect(fs.statSync(existing).mode & 0o777).toBe(0o600);
    // A symbolic link is never written through, with or without --force, dangling or not.
    const target = path.join(dir, 'target');
    fs.writeFileSync(target, 'target');
    const link = path.join(dir, 'link.jsonl');
    fs.symlinkSync(target, link);
    for (const force of [false, true])
      await expect(exportBlocks({ home, out: link, force })).rejects.toMatchObject({ code: 'EXPORT_FAILED', details: { reason: 'SYMLINK' } });
    expect(fs.readFileSync(target, 'utf8')).toBe('target');
    const dangling = path.join(dir, 'dangling.jsonl');
    fs.symlinkSync(path.join(dir, 'nothing-here'), dangling);
    await expect(exportBlocks({ home, out: dangling })).rejects.toMatchObject({ code: 'EXPORT_FAILED' });
    expect(fs.existsSync(path.join(dir, 'nothing-here'))).toBe(false);
    // A failure after the check (a bad --to) leaves no file behind.
    const failed = path.join(dir, 'failed.jsonl');
    await expect(exportBlocks({ home, out: failed, to: 999 })).rejects.toMatchObject({ code: 'USAGE' });
    expect(fs.existsSync(failed)).toBe(false);
    // The CLI: --force is an option of `charter node export`.
    const errWrite = process.stderr.write.bind(process.stderr);
    (process.stderr as unknown as { write: () => boolean }).write = () => true;
    try {
      expect(await main(['node', 'charter', 'node', 'export', '--home', home, '--out', fresh])).not.toBe(0);
      expect(await main(['node', 'charter', 'node', 'export', '--home', home, '--out', fresh, '--force', '--from', '2', '--to', '3'])).toBe(0);
    } finally {
      (process.stderr as unknown as { write: typeof errWrite }).write = errWrite;
    }
    expect(lines(fresh)).toHaveLength(3);
  });

  it('answers WORKSPACE_LOCKED while the node runs on the home', async () => {
    const node = await DevnetNode.start({ home, chainId: CHAIN, blockTimeMs: 0 });
    try {
      await expect(exportBlocks({ home, out: path.join(tmp, 'locked.jsonl') })).rejects.toMatchObject({ code: 'WORKSPACE_LOCKED' });
    } finally {
      await node.stop();
    }
  });
});

describe('charter replay', () => {
  it('re-executes a real devnet home and matches every recorded root and result code', async () => {
    const r = await replayHome(true);
    expect(r.status).toBe('match');
    expect(r.divergence).toBeNull();
    expect(r.blocks).toBe(7);
    expect(r.txs).toBe(9);
    const reader = openHomeReadOnly(home);
    try {
      expect(r.roots).toEqual([...reader.blocks(1, 7)].map((b) => ({ height: b.height, root: b.result_app_hash })));
      expect([...reader.blocks(1, 1)][0]!.app_hash).toBe(r.genesis_app_hash);
    } finally {
      reader.close();
    }
    expect(exitCodeOf(r)).toBe(0);
  });

  it('gives the same answer via --home and via --blocks, with and without workers, on every run', async () => {
    const a = await replayHome(true);
    const b = await replayFile(exported, true);
    const c = await replayHome(true, 0);
    const d = await replayHome(false);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(d.roots).toEqual(a.roots);
    expect(d.status).toBe('replayed');
  });

  it('reports a flipped transaction result code at exactly that height and transaction', async () => {
    const file = tamper('flip-code.jsonl', (bs) => {
      const b = bs[3] as { tx_results: { code: number }[] }; // height 4, tx 1
      b.tx_results[1]!.code = 7;
    });
    const r = await replayFile(file, true);
    expect(r.status).toBe('diverged');
    expect(r.divergence).toEqual({ height: 4, kind: 'tx_code', tx_index: 1, tx_hash: recorded.get(4)![1]!.hash, expected: 7, got: 0 });
    expect(exitCodeOf(r)).toBe(1);
    expect(r.roots.map((x) => x.height)).toEqual([1, 2, 3, 4]);
  });

  it('reports a tampered root at exactly that height', async () => {
    const file = tamper('flip-root.jsonl', (bs) => {
      const b = bs[5] as { result_app_hash: string }; // height 6
      b.result_app_hash = b.result_app_hash.startsWith('0') ? '1' + b.result_app_hash.slice(1) : '0' + b.result_app_hash.slice(1);
    });
    const r = await replayFile(file, true);
    expect(r.status).toBe('diverged');
    expect(r.divergence).toMatchObject({ height: 6, kind: 'result_app_hash', tx_index: null });
    // A header app_hash (root after the block before) is checked too.
    const file2 = tamper('flip-header.jsonl', (bs) => {
      (bs[2] as { app_hash: string }).app_hash = '00'.repeat(32);
    });
    expect((await replayFile(file2, true)).divergence).toMatchObject({ height: 3, kind: 'app_hash', expected: '00'.repeat(32) });
    // A tampered transaction (its bytes no longer verify) changes its result code.
    const file3 = tamper('flip-tx.jsonl', (bs) => {
      const txs = (bs[4] as { txs: string[] }).txs;
      const t = JSON.parse(Buffer.from(txs[0]!, 'base64').toString()) as { signature: string };
      t.signature = (t.signature[0] === 'a' ? 'b' : 'a') + t.signature.slice(1);
      txs[0] = Buffer.from(JSON.stringify(t)).toString('base64');
    });
    const r3 = await replayFile(file3, true);
    expect(r3.divergence).toMatchObject({ height: 5, kind: 'tx_code', tx_index: 0, expected: 0 });
    expect(r3.divergence!.got).not.toBe(0);
  });

  it('cannot tell (exit 2) when blocks or recorded results are missing', async () => {
    const gap = tamper('gap.jsonl', (bs) => bs.splice(2, 1));
    const r = await replayFile(gap, true);
    expect(r.status).toBe('unknown');
    expect(r.reason).toMatch(/block 3 missing/);
    expect(exitCodeOf(r)).toBe(2);
    const noResults = tamper('no-results.jsonl', (bs) => delete (bs[1] as { tx_results?: unknown }).tx_results);
    expect((await replayFile(noResults, true)).status).toBe('unknown');
    // Without --check the same file still replays.
    expect((await replayFile(noResults, false)).status).toBe('replayed');
    const part = path.join(tmp, 'from2.jsonl');
    await exportBlocks({ home, out: part, from: 2 });
    expect((await replayFile(part, true)).reason).toMatch(/block 1 missing/);
  });

  it('prints human and --json output with the exit code', async () => {
    const out: string[] = [];
    const code = await runReplayCommand({ home, check: true, out: (l) => out.push(l), err: () => {} });
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^chain charter-replay-1: genesis root [0-9A-F]{64}$/);
    expect(out.slice(1, 8).map((l) => l.split('\t')[0])).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(out.at(-1)).toMatch(/^OK: 7 blocks, 9 transactions/);
    const json: string[] = [];
    expect(await runReplayCommand({ blocks: exported, check: true, json: true, out: (l) => json.push(l) })).toBe(0);
    expect((JSON.parse(json[0]!) as ReplayResult).status).toBe('match');
    await expect(runReplayCommand({ home, blocks: exported })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('pre-verified verdicts are used only for exactly the verified bytes', async () => {
    const sig0 = (e: { signature: string }) => Buffer.from(e.signature, 'hex');
    const pool = new VerifyPool(2);
    try {
      pool.addKeys([[admin.keyId, admin.publicKeyHex]]);
      const good = buildTx(admin, 'vault.fund', { vault_id: 'v1', asset: 'USDC', amount: '1' }, 1);
      const bad = buildTx(admin, 'vault.fund', { vault_id: 'v1', asset: 'USDC', amount: '2' }, 2);
      const forged = { ...bad.env, signature: good.env.signature };
      const unknown = buildTx(k2, 'vault.fund', { vault_id: 'v1', asset: 'USDC', amount: '3' }, 1);
      const { encodeTx, signingDigest, unsignedOf } = await import('../../core/tx/envelope.js');
      const forgedBytes = encodeTx(forged);
      const recs = await pool.verifyTxs([good.bytes, forgedBytes, unknown.bytes]);
      expect([recs[128], recs[RECORD_BYTES + 128], recs[2 * RECORD_BYTES + 128]]).toEqual([1, 2, 0]);
      const v = new PrecomputedVerifier(nobleVerifier);
      v.install(recs, [good.bytes, forgedBytes, unknown.bytes]);
      // Wire facts: the worker's transaction hash and digest, for exactly these byte objects only.
      expect(v.wireFacts(good.bytes)?.txHash).toBe(txHashOf(good.bytes));
      expect(Buffer.from(v.wireFacts(good.bytes)!.digest)).toEqual(Buffer.from(signingDigest(unsignedOf(good.env))));
      expect(v.wireFacts(forgedBytes)?.txHash).toBe(txHashOf(forgedBytes));
      expect(v.wireFacts(unknown.bytes)).toBeUndefined();
      expect(v.wireFacts(good.bytes.slice())).toBeUndefined();
      // The digest handed to the engine is answered by identity.
      expect(v.verify('ed25519', admin.publicKey, v.wireFacts(good.bytes)!.digest, sig0(good.env))).toBe(true);
      v.preverified = 0;
      const sig = sig0;
      expect(v.verify('ed25519', admin.publicKey, signingDigest(unsignedOf(good.env)), sig(good.env))).toBe(true);
      expect(v.preverified).toBe(1);
      // Invalid verdicts are not trusted: verified inline (and still false).
      expect(v.verify('ed25519', admin.publicKey, signingDigest(unsignedOf(forged)), sig(forged))).toBe(false);
      // Same digest, another key: inline.
      expect(v.verify('ed25519', k2.publicKey, signingDigest(unsignedOf(good.env)), sig(good.env))).toBe(false);
      expect(v.verify('ed25519', k2.publicKey, signingDigest(unsignedOf(unknown.env)), sig(unknown.env))).toBe(true);
      expect(v).toMatchObject({ preverified: 1, inline: 3 });
    } finally {
      await pool.close();
    }
  });
});

describe('the charter binary', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  it('node export, replay --check (0), a tampered file (1), a gap (2), usage (64)', () => {
    if (!fs.existsSync(path.join(root, 'dist', 'main', 'cli', 'index.js'))) throw new Error('dist/ is missing: run `npm run build`');
    const out = path.join(tmp, 'cli.jsonl');
    const e = run(['node', 'export', '--home', home, '--out', out]);
    expect(e.status, e.stderr).toBe(0);
    expect(fs.readFileSync(out)).toEqual(fs.readFileSync(exported));
    const ok = run(['replay', '--blocks', out, '--check', '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as ReplayResult).status).toBe('match');
    const viaHome = run(['replay', '--home', home, '--check', '--json']);
    expect(viaHome.stdout).toBe(ok.stdout);
    const flipped = tamper('cli-flip.jsonl', (bs) => {
      (bs[5] as { tx_results: { code: number }[] }).tx_results[0]!.code = 3;
    });
    const d = run(['replay', '--blocks', flipped, '--check']);
    expect(d.status).toBe(1);
    expect(d.stdout).toMatch(/DIVERGED at height 6, transaction 0 \([0-9A-F]{64}\): recorded code 3, replay got 0/);
    expect(run(['replay', '--blocks', tamper('cli-gap.jsonl', (bs) => bs.splice(0, 1)), '--check']).status).toBe(2);
    expect(run(['replay']).status).toBe(64);
    expect(run(['node', 'export', '--home', home]).status).toBe(64);
    expect(run(['node', 'export', '--home', path.join(tmp, 'nope'), '--out', path.join(tmp, 'x')]).status).toBe(1);
  });
});

/**
 * The application host's storage over real node.db files: the state tree
 * stored per block (historical proofs by walking it, checked against a
 * re-execution of the stored blocks), snapshots every N blocks (interval,
 * the three kept, state-sync chunks), restart from the newest snapshot plus
 * the blocks after it, a home of schema 5 (one state_snapshot row), and a
 * node killed with SIGKILL inside a snapshot's transaction.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { bundleChild } from '../support/child-bundle.js';
import { CustodyEngine } from '../../core/engine/engine.js';
import { verifyEntryProof } from '../../core/engine/state-root.js';
import { CharterError } from '../../core/errors.js';
import { fromUtf8 } from '../../core/codec/index.js';
import { nativeVerifier } from '../../main/crypto/native-verifier.js';
import { nodeSha256 } from '../../main/crypto/node-hash.js';
import { hexUpper } from '../../main/cometbft/encoding.js';
import { HostWorkload, driveBlock, openHost } from '../../main/app-host/bench-host.js';
import type { ApplicationHost } from '../../main/app-host/host.js';
import { SNAPSHOTS_KEPT, TEST_HOOK_STALL_IN_SNAPSHOT } from '../../main/app-host/store.js';

const dirs: string[] = [];
const open: ApplicationHost[] = [];
afterEach(() => {
  for (const h of open.splice(0)) h.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDb(): string {
  const d = mkdtempSync(join(tmpdir(), 'charter-host-store-'));
  dirs.push(d);
  return join(d, 'node.db');
}
/** A host that writes no snapshot at close (node.db as a crash leaves it), unless `snapshotOnClose`. */
function host(dbPath: string, w: HostWorkload, snapshotEvery?: number, snapshotOnClose = false): ApplicationHost {
  const h = openHost(dbPath, w.genesis, { snapshotOnClose, ...(snapshotEvery === undefined ? {} : { snapshotEvery }) });
  open.push(h);
  return h;
}
function closeHost(h: ApplicationHost): void {
  open.splice(open.indexOf(h), 1);
  h.close();
}
/** Drives blocks 1..n (skipping those the host has) of `w`'s workload, `perBlock` transactions each. */
function chain(h: ApplicationHost, w: HostWorkload, n: number, perBlock: number): void {
  for (let b = w.produced + 1; b <= n; b++) {
    const txs = w.block(b, perBlock);
    if (b > h.height()) driveBlock(h, txs);
  }
}
function errorOf(f: () => unknown): CharterError {
  try {
    f();
  } catch (e) {
    if (e instanceof CharterError) return e;
    throw e;
  }
  throw new Error('expected a CharterError');
}
/** A fresh engine re-executing the host's stored blocks 1..height, calling `at` after each. */
function replay(h: ApplicationHost, w: HostWorkload, height: number, at: (e: CustodyEngine, height: number) => void = () => {}): CustodyEngine {
  const e = new CustodyEngine(w.genesis, { verifier: nativeVerifier, sha256: nodeSha256 });
  for (let b = 1; b <= height; b++) {
    const row = h.blockAt(b)!;
    e.finalizeBlock({ height: b, time: row.time, txs: h.txsOf(b).map((t) => new Uint8Array(t.bytes)) });
    e.commit();
    at(e, b);
  }
  return e;
}

describe('state tree and historical proofs', () => {
  test('proofs at random heights equal a re-execution of the stored blocks: values, roots, proofs; absent keys and unknown heights refused', () => {
    const dbPath = tempDb();
    const w = new HostWorkload('charter-store-1');
    const h = host(dbPath, w, 7);
    chain(h, w, 30, 12);
    const keys = ['params', 'admins', `account/${w.admin.keyId}`, ...Array.from({ length: HostWorkload.VAULTS }, (_, v) => `vault/v${v}`)];
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const heights = new Set([1, 2, 7, 14, 29, 30, ...Array.from({ length: 8 }, () => 1 + Math.floor(rnd() * 30))]);
    let checked = 0;
    replay(h, w, 30, (e, b) => {
      if (!heights.has(b)) return;
      const root = hexUpper(e.info().lastBlockAppHash);
      expect(h.blockAt(b)!.result_app_hash).toBe(root);
      const stateKeys = [...keys, ...Object.keys(e.state().keys).map((id) => `key/${id}`)];
      for (const key of stateKeys) {
        const mine = h.stateProofAt(b, key);
        const r = e.query({ path: `/proof/${key}` });
        expect(r.code).toBe(0);
        const theirs = JSON.parse(fromUtf8(r.value)) as { app_hash: string; value: unknown; proof: unknown };
        expect(mine.app_hash).toBe(root);
        expect(mine.block_hash).toBe(h.blockAt(b)!.hash);
        expect(mine.value).toEqual(theirs.value);
        expect(mine.proof).toEqual(theirs.proof);
        expect(verifyEntryProof(root.toLowerCase(), key, mine.value, mine.proof)).toBe(true);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(100);
    // A key registered in block 20 is absent at height 3.
    const later = Object.keys(replay(h, w, 20).state().keys).find((id) => !(id in replay(h, w, 3).state().keys))!;
    expect(h.stateProofAt(20, `key/${later}`).key).toBe(`key/${later}`);
    expect(errorOf(() => h.stateProofAt(3, `key/${later}`)).code).toBe('NOT_IN_STATE');
    expect(errorOf(() => h.stateProofAt(31, 'params')).code).toBe('NOT_FOUND');
    expect(errorOf(() => h.stateProofAt(0, 'params')).code).toBe('INVALID_INPUT');
  });

  test('a damaged stored tree is refused with HISTORY_MISMATCH, not answered', () => {
    const dbPath = tempDb();
    const w = new HostWorkload('charter-store-2');
    const h = host(dbPath, w, 5);
    chain(h, w, 4, 6);
    closeHost(h);
    const db = new Database(dbPath);
    const leaf = db.prepare("SELECT hash FROM state_nodes WHERE key = 'vault/v1'").all() as { hash: Buffer }[];
    for (const l of leaf) db.prepare('UPDATE state_nodes SET value = ? WHERE hash = ?').run(Buffer.from('{"evil":true}'), l.hash);
    db.close();
    const again = host(dbPath, w, 5);
    expect(errorOf(() => again.stateProofAt(4, 'vault/v1')).code).toBe('HISTORY_MISMATCH');
    expect(again.stateProofAt(4, 'vault/v2').key).toBe('vault/v2');
    closeHost(again);
    // A leaf whose key was altered would make its own key look absent: that is damage too, not NOT_IN_STATE.
    const db2 = new Database(dbPath);
    for (const l of db2.prepare("SELECT hash FROM state_nodes WHERE key = 'vault/v2'").all() as { hash: Buffer }[])
      db2.prepare("UPDATE state_nodes SET key = 'vault/elsewhere' WHERE hash = ?").run(l.hash);
    db2.close();
    const third = host(dbPath, w, 5);
    expect(errorOf(() => third.stateProofAt(4, 'vault/v2')).code).toBe('HISTORY_MISMATCH');
    closeHost(third);
  });
});

describe('snapshots and restart', () => {
  test('the interval is honoured, the newest three are kept and served to state sync in chunks that hash to the snapshot', () => {
    const dbPath = tempDb();
    const w = new HostWorkload('charter-store-3');
    const h = host(dbPath, w, 4);
    chain(h, w, 19, 5);
    const snaps = h.listSnapshots();
    expect(snaps.map((s) => s.height)).toEqual([16, 12, 8]);
    expect(SNAPSHOTS_KEPT).toBe(3);
    for (const s of snaps) {
      expect(s.format).toBe(1);
      expect(s.metadata).toBe(h.blockAt(s.height)!.result_app_hash);
      const parts: Buffer[] = [];
      for (let c = 0; c < s.chunks; c++) parts.push(Buffer.from(h.loadSnapshotChunk({ height: s.height, format: 1, chunk: c })!));
      expect(h.loadSnapshotChunk({ height: s.height, format: 1, chunk: s.chunks })).toBeNull();
      const whole = Buffer.concat(parts);
      expect(createHash('sha256').update(whole).digest('hex')).toBe(s.hash);
      // The snapshot is the engine's at that height.
      expect(fromUtf8(whole)).toBe(fromUtf8(replay(h, w, s.height).snapshot()));
    }
    expect(h.loadSnapshotChunk({ height: 15, format: 1, chunk: 0 })).toBeNull();
    expect(h.loadSnapshotChunk({ height: 16, format: 2, chunk: 0 })).toBeNull();
  });

  test('restart restores the newest snapshot, re-executes only the blocks after it and reaches the root of a replay from genesis', () => {
    const dbPath = tempDb();
    const w = new HostWorkload('charter-store-4');
    let h = host(dbPath, w, 6);
    chain(h, w, 21, 8);
    const root = h.info().lastBlockAppHash;
    closeHost(h);
    h = host(dbPath, w, 6);
    expect(h.started).toMatchObject({ snapshotHeight: 18, replayedBlocks: 3 });
    expect(h.height()).toBe(21);
    expect(h.info().lastBlockAppHash).toEqual(root);
    expect(replay(h, w, 21).info().lastBlockAppHash).toEqual(root);
    // A clean stop writes a snapshot of the last block: the next start re-executes nothing.
    closeHost(h);
    h = host(dbPath, w, 6, true);
    closeHost(h);
    h = host(dbPath, w, 6);
    expect(h.started).toMatchObject({ snapshotHeight: 21, replayedBlocks: 0 });
    expect(h.listSnapshots().map((s) => s.height)).toEqual([21, 18, 12]);
    // The chain goes on from there, with the same roots as a host that never stopped.
    chain(h, w, 25, 8);
    const other = host(tempDb(), new HostWorkload('charter-store-4'), 1000);
    chain(other, new HostWorkload('charter-store-4'), 25, 8);
    expect(other.started).toMatchObject({ snapshotHeight: 0, replayedBlocks: 0 });
    expect(h.info().lastBlockAppHash).toEqual(other.info().lastBlockAppHash);
    closeHost(other);
  });

  test('a home of schema 5 (one state_snapshot row, no stored trees) opens, answers heights from its snapshot on and NOT_AVAILABLE below', () => {
    const dbPath = tempDb();
    const w = new HostWorkload('charter-store-5');
    const h = host(dbPath, w, 1000);
    chain(h, w, 9, 6);
    const root = hexUpper(h.info().lastBlockAppHash);
    const snapshot = replay(h, w, 9).snapshot();
    closeHost(h);
    // Make it what schema 5 left: the snapshot of the last block in the single row, no trees, no snapshot table.
    const db = new Database(dbPath);
    db.exec(`DROP TABLE state_nodes; DROP TABLE state_snapshots; DELETE FROM schema_version WHERE version = 6; DELETE FROM meta WHERE key = 'state_tree_from';
      CREATE TABLE state_snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), height INTEGER NOT NULL, app_hash TEXT NOT NULL, snapshot BLOB NOT NULL);`);
    db.prepare('INSERT INTO state_snapshot (id, height, app_hash, snapshot) VALUES (1, 9, ?, ?)').run(root, Buffer.from(snapshot));
    db.close();

    const again = host(dbPath, w, 1000);
    expect(again.started).toMatchObject({ snapshotHeight: 9, replayedBlocks: 0 });
    expect(hexUpper(again.info().lastBlockAppHash)).toBe(root);
    expect(again.listSnapshots().map((s) => s.height)).toEqual([9]);
    expect(again.stateProofAt(9, 'vault/v3').app_hash).toBe(root);
    expect(errorOf(() => again.stateProofAt(8, 'vault/v3')).code).toBe('NOT_AVAILABLE');
    chain(again, w, 12, 6);
    const p = again.stateProofAt(12, `account/${w.admin.keyId}`);
    expect(verifyEntryProof(p.app_hash.toLowerCase(), p.key, p.value, p.proof)).toBe(true);
    closeHost(again);
    const v = new Database(dbPath, { readonly: true });
    expect((v.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v).toBe(6);
    expect(v.prepare("SELECT name FROM sqlite_master WHERE name = 'state_snapshot'").get()).toBeUndefined();
    v.close();
  });
});

describe('kill -9 inside a snapshot write', () => {
  const repo = resolve(import.meta.dirname, '../..');
  let bundleDir = '';
  let bundle = '';
  beforeAll(async () => {
    bundleDir = mkdtempSync(join(tmpdir(), 'charter-host-bundle-'));
    bundle = join(bundleDir, 'host-child.cjs');
    // The child: a host on argv[2] with snapshots every 4 blocks, driven to height argv[3].
    await bundleChild(
      `import { HostWorkload, driveBlock, openHost } from './main/app-host/bench-host.ts';
          const w = new HostWorkload('charter-store-kill');
          const host = openHost(process.argv[2], w.genesis, { snapshotEvery: 4 });
          const to = Number(process.argv[3]);
          for (let b = 1; b <= to; b++) { const txs = w.block(b, 150); if (b > host.height()) driveBlock(host, txs); }
          host.close();`,
      bundle,
    );
  });
  afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

  function runChild(dbPath: string, to: number, env: Record<string, string> = {}) {
    // Its own process group, so the whole tree can be killed.
    const child = spawn(process.execPath, [bundle, dbPath, String(to)], {
      env: { ...process.env, NODE_PATH: join(repo, 'node_modules'), ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    return { child, exited };
  }

  test('a node killed while writing a snapshot reopens at its last committed block from the snapshot before', async () => {
    const dbPath = tempDb();
    const marker = join(dbPath, '..', 'stalled');
    // Blocks 1–8 with snapshots at 4 and 8, stopped cleanly.
    const first = runChild(dbPath, 8);
    expect(await first.exited).toEqual({ code: 0, signal: null });
    // Blocks 10–12: the snapshot of 12 stalls inside its transaction (after block 12 committed); then SIGKILL.
    const second = runChild(dbPath, 12, { [TEST_HOOK_STALL_IN_SNAPSHOT]: marker });
    try {
      const deadline = Date.now() + 60_000;
      while (!existsSync(marker)) {
        const done = await Promise.race([second.exited, new Promise((r) => setTimeout(r, 50, null))]);
        if (done !== null) throw new Error(`the child ended before stalling: ${JSON.stringify(done)}`);
        if (Date.now() > deadline) throw new Error('the child did not reach the snapshot write');
      }
      process.kill(-second.child.pid!, 'SIGKILL');
      expect((await second.exited).signal).toBe('SIGKILL');
    } finally {
      try {
        process.kill(-second.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const w = new HostWorkload('charter-store-kill');
    const h = host(dbPath, w, 4);
    expect(h.height()).toBe(12);
    expect(h.listSnapshots().map((s) => s.height)).toEqual([8, 4]);
    expect(h.started).toMatchObject({ snapshotHeight: 8, replayedBlocks: 4 });
    expect(hexUpper(h.info().lastBlockAppHash)).toBe(h.blockAt(12)!.result_app_hash);
    expect(h.stateProofAt(12, 'vault/v0').app_hash).toBe(h.blockAt(12)!.result_app_hash);
    expect(h.stateProofAt(10, 'vault/v0').app_hash).toBe(h.blockAt(10)!.result_app_hash);
  }, 120_000);
});

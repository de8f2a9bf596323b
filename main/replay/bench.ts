/**
 * The replay benchmark (`npm run bench` runs it through scripts/bench-replay.mjs):
 *
 *   1. generate, deterministically, N signed transactions (default 1,000,000)
 *      in 1,000-transaction blocks: a setup (key registrations, vaults,
 *      funding), then withdrawal.create + two withdrawal.approve triples from
 *      300 Ed25519 keys, signed with node:crypto; cached as a charter.blocks/v1
 *      file under node_modules/.cache/charter-bench/;
 *   2. (a) the bound: pure Ed25519 verification of every signature
 *      (digest, key and signature precomputed) on a worker per core;
 *   3. (b) full replay (verify + decode + apply + state roots) with the
 *      worker pipeline, and the ratio (b)/(a) against the 1.25× target;
 *   4. single-threaded engine apply throughput on a prefix, with signature
 *      verification (@noble/curves, the engine default; and node:crypto) and
 *      without (a verifier that answers true: every signature here is valid).
 *
 * It prints figures and asserts no timing.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CustodyEngine } from '../../core/engine/engine.js';
import { makeGenesis } from '../../core/engine/genesis.js';
import { nobleVerifier, type SignatureVerifier } from '../../core/crypto/ed25519.js';
import { keyIdOf } from '../../core/codec/index.js';
import { requestIdOf } from '../../core/tx/envelope.js';
import type { GenesisDoc, TxBodies, TxType, UnsignedEnvelope } from '../../core/engine/types.js';
import { blockLine, headerLine, openBlocksFile, BLOCKS_FORMAT, type BlockRecord } from '../blocks-history/format.js';
import { VerifyPool } from './verify-pool.js';
import { replayBlocks } from './replay.js';
import { nativeVerifier } from '../crypto/native-verifier.js';
import { nodeSha256 } from '../crypto/node-hash.js';
import { seededKey, signSeeded, type SeededKey } from '../crypto/seeded-keys.js';

const CHAIN_ID = 'charter-bench';
const KEYS = 300;
const VAULTS = 10;
const APPROVERS_PER_VAULT = 20;
const BLOCK_TXS = 1000;
const GENERATOR_VERSION = 1;
/** Replay may take at most this multiple of pure signature verification (wall clock and CPU time). */
const REPLAY_TARGET = 1.25;
/** Apply cost at the longest history may be at most this multiple of the cost at 20,000 transactions. */
const FLAT_TARGET = 1.2;

type BenchKey = SeededKey;

function benchKey(i: number): BenchKey {
  return seededKey(`charter-bench-key/${i}`);
}

function signed<T extends TxType>(k: BenchKey, type: T, body: TxBodies[T], height: number): { bytes: Uint8Array; unsigned: UnsignedEnvelope<T> } {
  return signSeeded(k, CHAIN_ID, type, body, height);
}

function time(h: number): string {
  return new Date(Date.UTC(2026, 0, 1) + h * 1000).toISOString().replace('.000Z', 'Z');
}

export function benchGenesis(): GenesisDoc {
  const admin = benchKey(0);
  return makeGenesis({
    chain_id: CHAIN_ID,
    genesis_time: '2026-01-01T00:00:00Z',
    admins: [{ public_key: admin.publicKeyHex, label: 'bench admin' }],
    params: { faucet: true, max_expiry_blocks: 1000 },
  });
}

/** Writes the deterministic workload of `total` signed transactions (plus the setup blocks) to `file`. */
export async function generate(file: string, total: number, log: (s: string) => void): Promise<void> {
  const keys = Array.from({ length: KEYS }, (_, i) => benchKey(i));
  const admin = keys[0] as BenchKey;
  const genesis = benchGenesis();
  const tmp = file + '.tmp';
  const out = createWriteStream(tmp);
  const write = async (line: string) => {
    if (!out.write(line + '\n')) await once(out, 'drain');
  };
  await write(headerLine({ format: BLOCKS_FORMAT, chain_id: CHAIN_ID, genesis, from: 1, to: 0 }));
  let height = 0;
  const emit = async (txs: Uint8Array[]) => {
    height++;
    await write(
      blockLine({ height, time: time(height), hash: '', app_hash: '', result_app_hash: '', txs, tx_results: [] })
        .replace(/,"hash":"","app_hash":"","result_app_hash":""/, '')
        .replace(/,"tx_results":\[\]/, ''),
    );
  };
  // Setup: register keys 1…299, create vaults with disjoint approver sets, fund them.
  await emit(
    keys
      .slice(1)
      .map((k) => signed(admin, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: `bench ${k.keyId.slice(0, 8)}` }, height + 1).bytes),
  );
  const vaults = Array.from({ length: VAULTS }, (_, v) => ({
    id: `vault-${v}`,
    approvers: keys.slice(1 + v * APPROVERS_PER_VAULT, 1 + (v + 1) * APPROVERS_PER_VAULT),
  }));
  await emit([
    ...vaults.map(
      (v) =>
        signed(admin, 'vault.create', { vault_id: v.id, name: v.id, policy: { approvers: v.approvers.map((a) => a.keyId), threshold: 2 } }, height + 1).bytes,
    ),
    ...vaults.map((v) => signed(admin, 'vault.fund', { vault_id: v.id, asset: 'USDC', amount: '1000000000000000000' }, height + 1).bytes),
  ]);
  const initiators = keys.slice(1 + VAULTS * APPROVERS_PER_VAULT);
  let made = 0;
  let seq = 0;
  const t0 = performance.now();
  while (made < total) {
    const n = Math.min(BLOCK_TXS, total - made);
    const txs: Uint8Array[] = [];
    const h = height + 1;
    while (txs.length < n) {
      const v = vaults[seq % VAULTS] as (typeof vaults)[number];
      const ini = initiators[seq % initiators.length] as BenchKey;
      const c = signed(
        ini,
        'withdrawal.create',
        { vault_id: v.id, asset: 'USDC', amount: String(1 + (seq % 997)), destination: `acct:${seq % 5000}`, memo: `w${seq}` },
        h,
      );
      txs.push(c.bytes);
      const rid = requestIdOf(c.unsigned);
      for (let a = 0; a < 2 && txs.length < n; a++) {
        const appr = v.approvers[(seq + a * 7) % APPROVERS_PER_VAULT] as BenchKey;
        txs.push(signed(appr, 'withdrawal.approve', { request_id: rid }, h).bytes);
      }
      seq++;
    }
    made += txs.length;
    await emit(txs);
    if (height % 100 === 0) log(`  generated ${made.toLocaleString('en')} / ${total.toLocaleString('en')} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  out.end();
  await once(out, 'finish');
  renameSync(tmp, file);
}

/**
 * A block held compactly: all its transactions in one buffer. A million
 * transactions as a million Uint8Arrays would sit in the heap the replay's
 * garbage collector walks; as ~1,000 buffers they cost it nothing. The
 * Uint8Array views a block's transactions need are made when it is replayed.
 */
interface PackedBlock {
  rec: Omit<BlockRecord, 'txs'>;
  buf: Buffer;
  ends: Uint32Array;
}

function pack(b: BlockRecord): PackedBlock {
  const buf = Buffer.allocUnsafeSlow(b.txs.reduce((a, t) => a + t.length, 0));
  const ends = new Uint32Array(b.txs.length);
  let o = 0;
  b.txs.forEach((t, i) => {
    buf.set(t, o);
    o += t.length;
    ends[i] = o;
  });
  const { txs: _txs, ...rec } = b;
  return { rec, buf, ends };
}

function unpack(p: PackedBlock): BlockRecord {
  const txs: Uint8Array[] = new Array(p.ends.length);
  let o = 0;
  for (let i = 0; i < p.ends.length; i++) {
    const e = p.ends[i] as number;
    txs[i] = new Uint8Array(p.buf.buffer, p.buf.byteOffset + o, e - o);
    o = e;
  }
  return { ...p.rec, txs };
}

function* unpacked(blocks: PackedBlock[]): Generator<BlockRecord> {
  for (const p of blocks) yield unpack(p);
}

async function load(file: string): Promise<{ genesis: GenesisDoc; blocks: PackedBlock[] }> {
  const f = await openBlocksFile(file);
  const blocks: PackedBlock[] = [];
  try {
    for await (const b of f.blocks) blocks.push(pack(b));
  } finally {
    f.close();
  }
  return { genesis: f.header.genesis, blocks };
}

function applyThroughput(genesis: GenesisDoc, blocks: BlockRecord[], verifier: SignatureVerifier): { txs: number; s: number; codes: Map<number, number> } {
  const engine = new CustodyEngine(genesis, { verifier, sha256: nodeSha256 });
  const codes = new Map<number, number>();
  let txs = 0;
  const t0 = performance.now();
  for (const b of blocks) {
    const r = engine.finalizeBlock({ height: b.height, time: b.time, txs: b.txs });
    engine.commit();
    txs += b.txs.length;
    for (const x of r.txResults) codes.set(x.code, (codes.get(x.code) ?? 0) + 1);
  }
  return { txs, s: (performance.now() - t0) / 1000, codes };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');

/** Blocks per measuring window of the scale table (fewer where the history is shorter). */
const WINDOW_BLOCKS = 20;

export interface ScalePoint {
  /** Transactions of history at the end of the window. */
  txs: number;
  height: number;
  /** Apply (finalizeBlock + commit, no signature verification) per transaction over the window: process CPU time and wall clock. */
  applyCpuUs: number;
  applyWallUs: number;
  /** The engine's snapshot at the end of the window: bytes and time to take it; time to restore an engine from it. */
  snapshotBytes: number;
  snapshotMs: number;
  restoreMs: number;
}

/**
 * One single-threaded pass of the engine over the stream (signatures not
 * verified: every one here is valid, and verification does not depend on the
 * state), measuring the WINDOW_BLOCKS blocks that end at each point (a number
 * of transactions of history), and the snapshot and restore there.
 */
function applyAtLengths(genesis: GenesisDoc, packed: PackedBlock[], points: number[]): ScalePoint[] {
  const ends: number[] = [];
  let cum = 0;
  const cumAt = packed.map((b) => (cum += b.ends.length));
  for (const p of points) {
    const e = cumAt.findIndex((c) => c >= p);
    if (e >= 0 && !ends.includes(e)) ends.push(e);
  }
  const opts = { verifier: { verify: () => true }, sha256: nodeSha256 };
  // Warm the code up first on a throwaway engine: the first window would otherwise pay for the JIT.
  const warm = new CustodyEngine(genesis, opts);
  for (const p of packed.slice(0, Math.min(packed.length, 2 + WINDOW_BLOCKS))) {
    const b = unpack(p);
    warm.finalizeBlock({ height: b.height, time: b.time, txs: b.txs });
    warm.commit();
  }
  const engine = new CustodyEngine(genesis, opts);
  const out: ScalePoint[] = [];
  let cpu = 0;
  let wall = 0;
  let txs = 0;
  packed.forEach((p, i) => {
    const b = unpack(p);
    const end = ends.find((e) => i > Math.max(1, e - WINDOW_BLOCKS) && i <= e);
    const c0 = end !== undefined ? process.cpuUsage() : null;
    const t0 = performance.now();
    engine.finalizeBlock({ height: b.height, time: b.time, txs: b.txs });
    engine.commit();
    if (c0 === null) return;
    wall += performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1000;
    txs += b.txs.length;
    if (i !== end) return;
    let t = performance.now();
    const snap = engine.snapshot();
    const snapshotMs = performance.now() - t;
    t = performance.now();
    CustodyEngine.restore(snap, genesis, { sha256: nodeSha256 });
    const restoreMs = performance.now() - t;
    out.push({
      txs: cumAt[i] as number,
      height: b.height,
      applyCpuUs: (cpu * 1000) / txs,
      applyWallUs: (wall * 1000) / txs,
      snapshotBytes: snap.length,
      snapshotMs,
      restoreMs,
    });
    cpu = 0;
    wall = 0;
    txs = 0;
  });
  return out;
}

export async function runBench(opts: { total?: number; cacheDir: string; applyBlocks?: number; log?: (s: string) => void }): Promise<void> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const total = opts.total ?? 1_000_000;
  const cores = availableParallelism();
  mkdirSync(opts.cacheDir, { recursive: true });
  const file = join(opts.cacheDir, `replay-${total}-v${GENERATOR_VERSION}.jsonl`);
  log(`replay benchmark: ${fmt(total)} signed transactions, ${cores} cores`);
  if (!existsSync(file)) {
    log(`generating ${file} (once; cached for later runs)`);
    const t = performance.now();
    await generate(file, total, log);
    log(`  generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  } else log(`using cached ${file}`);
  let t = performance.now();
  const { genesis, blocks } = await load(file);
  const nTxs = blocks.reduce((a, b) => a + b.ends.length, 0);
  log(`loaded ${fmt(blocks.length)} blocks, ${fmt(nTxs)} transactions in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // (a) The bound: pure signature verification, every signature, all cores.
  const pool = new VerifyPool(cores);
  const records = new Uint8Array(nTxs * 128);
  try {
    // The (digest, public key, signature) triple of every transaction, taken
    // from the wire bytes on this thread (no verification here): the signing
    // digest is SHA-256("charter/tx/v1" 0x00 || wire without its signature member).
    const keys = new Map<string, Buffer>(genesis.admins.map((a) => [keyIdOf('ed25519', Buffer.from(a.public_key, 'hex')), Buffer.from(a.public_key, 'hex')]));
    const digestPrefix = Buffer.from('charter/tx/v1\0', 'latin1');
    let at = 0;
    t = performance.now();
    for (const p of blocks) {
      for (const tx of unpack(p).txs) {
        const buf = Buffer.from(tx.buffer, tx.byteOffset, tx.byteLength);
        const s = buf.toString('latin1');
        if (s.includes('"type":"key.register"')) {
          const pk = (JSON.parse(s) as { body: { public_key: string } }).body.public_key;
          keys.set(keyIdOf('ed25519', Buffer.from(pk, 'hex')), Buffer.from(pk, 'hex'));
        }
        const g = s.lastIndexOf(',"signer":"') + 11;
        const si = s.lastIndexOf(',"signature":"');
        const o = at * 128;
        records.set(nodeSha256(Buffer.concat([digestPrefix, buf.subarray(0, si), buf.subarray(si + 14 + 129)])), o);
        records.set(keys.get(s.slice(g, g + 40)) ?? new Uint8Array(32), o + 32);
        records.set(Buffer.from(s.slice(si + 14, si + 14 + 128), 'hex'), o + 64);
        at++;
      }
    }
    log(`prepared ${fmt(at)} (digest, key, signature) triples in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const cpuS = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
    // The bound is measured before and after the replay and averaged: the
    // machine is shared, and a load change between the two runs would
    // otherwise bias the ratio. Process CPU time (all threads) is printed too:
    // it does not depend on how busy the machine is.
    const bound = async (): Promise<{ s: number; cpu: number; valid: number }> => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const valid = await pool.verifyRecords(records);
      return { s: (performance.now() - t0) / 1000, cpu: cpuS(process.cpuUsage(c0)), valid };
    };
    const b1 = await bound();
    log('');
    log(
      `(a) pure Ed25519 verification (node:crypto, ${pool.size} worker threads): ${fmt(nTxs)} signatures in ${b1.s.toFixed(2)} s = ${fmt(nTxs / b1.s)} verifications/s (${fmt(b1.valid)} valid; ${b1.cpu.toFixed(1)} s CPU)`,
    );

    // (b) Full replay with the pipeline.
    const c0 = process.cpuUsage();
    const r = await replayBlocks(genesis, unpacked(blocks), { workers: cores });
    const replayCpu = cpuS(process.cpuUsage(c0));
    const replayS = r.stats.ms / 1000;
    log(
      `(b) replay (verify on ${r.stats.workers} workers ∥ decode + apply + state roots on the main thread): ${fmt(r.result.txs)} transactions, ${fmt(r.result.blocks)} blocks in ${replayS.toFixed(2)} s = ${fmt(r.result.txs / replayS)} tx/s (${replayCpu.toFixed(1)} s CPU)`,
    );
    log(
      `    signatures answered from worker verdicts: ${fmt(r.stats.preverified)}, verified inline: ${fmt(r.stats.inline)}; final root ${r.result.roots.at(-1)?.root ?? '-'}`,
    );
    log(
      `    main thread: ${(r.stats.applyMs / 1000).toFixed(2)} s in finalizeBlock + commit (${((r.stats.applyMs * 1000) / r.result.txs).toFixed(1)} µs/tx over the whole stream), ${(r.stats.waitMs / 1000).toFixed(2)} s waiting for verdicts`,
    );
    const b2 = await bound();
    const boundS = (b1.s + b2.s) / 2;
    const boundCpu = (b1.cpu + b2.cpu) / 2;
    await pool.close();
    const ratio = replayS / boundS;
    log(
      `(a') pure verification again after the replay: ${b2.s.toFixed(2)} s (${b2.cpu.toFixed(1)} s CPU); bound = mean ${boundS.toFixed(2)} s = ${fmt(nTxs / boundS)} verifications/s`,
    );
    const cpuRatio = replayCpu / boundCpu;
    log(`    ratio replay / pure verification = ${ratio.toFixed(2)}× wall clock — target ≤ ${REPLAY_TARGET}×: ${ratio <= REPLAY_TARGET ? 'MET' : 'NOT MET'}`);
    log(
      `    CPU-time ratio (whole process, load-independent) = ${cpuRatio.toFixed(2)}× — target ≤ ${REPLAY_TARGET}×: ${cpuRatio <= REPLAY_TARGET ? 'MET' : 'NOT MET'}`,
    );

    // (d, printed after c) Apply cost, snapshot and restore against history length.
    const points = [10_000, 20_000, 100_000, total].filter((p, i, a) => p <= total && a.indexOf(p) === i);
    const scale = applyAtLengths(genesis, blocks, points);

    // (c) Single-threaded engine apply throughput on a prefix.
    const setup = blocks.slice(0, 2);
    const prefixBlocks = opts.applyBlocks ?? 20;
    const prefix = blocks.slice(0, 2 + prefixBlocks).map(unpack);
    const noVerify: SignatureVerifier = { verify: () => true };
    const without = applyThroughput(genesis, prefix, noVerify);
    const withNode = applyThroughput(genesis, prefix, nativeVerifier);
    const nobleBlocks = prefix.slice(0, 2 + Math.min(prefixBlocks, 5));
    const withNoble = applyThroughput(genesis, nobleBlocks, nobleVerifier);
    const codes = [...without.codes]
      .sort((a, b) => a[0] - b[0])
      .map(([c, n]) => `${c}:${fmt(n)}`)
      .join(' ');
    log('');
    log(
      `(c) engine apply, single thread, first ${fmt(without.txs)} transactions (${setup.length} setup + ${prefix.length - 2} workload blocks; result codes ${codes}):`,
    );
    log(`    without signature verification: ${fmt(without.txs / without.s)} tx/s (${((without.s / without.txs) * 1e6).toFixed(1)} µs/tx)`);
    log(`    with nativeVerifier (node:crypto): ${fmt(withNode.txs / withNode.s)} tx/s (${((withNode.s / withNode.txs) * 1e6).toFixed(1)} µs/tx)`);
    log(`    with @noble/curves verification (engine default; first ${fmt(withNoble.txs)} txs): ${fmt(withNoble.txs / withNoble.s)} tx/s`);
    const applyUs = (without.s / without.txs) * 1e6;
    const verifyUsPerCore = (boundCpu * 1e6) / nTxs;
    log(
      `    per transaction: apply ≈ ${applyUs.toFixed(1)} µs (main thread), verification ≈ ${verifyUsPerCore.toFixed(1)} µs of one core. ` +
        `On ${cores} cores replay cannot beat ≈ (verify + apply) / ${cores} per tx, i.e. a ratio ≈ 1 + apply/verify = ${(1 + applyUs / verifyUsPerCore).toFixed(2)}× for this prefix.`,
    );
    log('');
    log(
      `(d) engine cost against history length (single thread, no signature verification, warmed up; the ${WINDOW_BLOCKS} workload blocks ending at each length):`,
    );
    log('    history txs   height   apply µs/tx CPU   apply µs/tx wall   snapshot MB   snapshot ms   restore ms');
    for (const p of scale)
      log(
        `    ${fmt(p.txs).padStart(11)}   ${String(p.height).padStart(6)}   ${p.applyCpuUs.toFixed(1).padStart(15)}   ${p.applyWallUs.toFixed(1).padStart(16)}   ${(p.snapshotBytes / 1e6).toFixed(1).padStart(11)}   ${p.snapshotMs.toFixed(0).padStart(11)}   ${p.restoreMs.toFixed(0).padStart(10)}`,
      );
    const small = scale.find((p) => p.txs >= 20_000);
    const large = scale.at(-1);
    if (small && large && large !== small) {
      const flat = large.applyCpuUs / small.applyCpuUs;
      log(
        `    apply at ${fmt(large.txs)} / at ${fmt(small.txs)} transactions of history = ${flat.toFixed(2)}× (CPU time) — target ≤ ${FLAT_TARGET}×: ${flat <= FLAT_TARGET ? 'MET' : 'NOT MET'}`,
      );
    }
  } finally {
    await pool.close().catch(() => {});
  }
}

#!/usr/bin/env node
/**
 * `npm run bench` (MMR part): append rate of core/evidence/mmr.ts for
 * 1,000,000 leaves, against the bare SHA-256 rate of this machine for the
 * same number of hash calls (the physical limit: an MMR append of n leaves
 * makes n − popcount(n) interior hashes of 72 bytes each); then inclusion
 * proof generation and verification per second. Both sides use native
 * node:crypto SHA-256. Prints figures; asserts no timing.
 *
 * Usage: node scripts/bench-mmr.mjs [--leaves N]   (default 1000000; also CHARTER_BENCH_MMR_LEAVES)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--leaves');
const N = Number(i > 0 ? process.argv[i + 1] : (process.env.CHARTER_BENCH_MMR_LEAVES ?? 1_000_000));
if (!Number.isInteger(N) || N < 1) {
  console.error('--leaves must be a positive integer');
  process.exit(64);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-bench-mmr-'));
const outfile = path.join(dir, 'mmr.mjs');
try {
  await esbuild.build({
    entryPoints: [path.join(root, 'core/evidence/mmr.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
  });
  const mmr = await import(pathToFileURL(outfile).href);

  const oneShot = crypto.hash;
  const sha = oneShot ? (d) => oneShot('sha256', d, 'buffer') : (d) => crypto.createHash('sha256').update(d).digest();

  // Leaves prepared outside the timed sections.
  const leaves = new Array(N);
  const seed = Buffer.alloc(8);
  for (let e = 0; e < N; e++) {
    seed.writeUInt32BE(e, 4);
    leaves[e] = sha(seed);
  }
  const popcount = (x) => {
    let c = 0;
    while (x > 0) {
      c += x % 2;
      x = Math.floor(x / 2);
    }
    return c;
  };
  const interior = N - popcount(N);

  // Bare SHA-256: the same number of calls over 72-byte inputs (8-byte position + two 32-byte children).
  const buf = Buffer.alloc(72);
  const bare = () => {
    const t = process.hrtime.bigint();
    let acc = 0;
    for (let k = 0; k < interior; k++) {
      buf.writeUInt32BE(k, 4);
      acc ^= sha(buf)[0];
    }
    return [Number(process.hrtime.bigint() - t) / 1e9, acc];
  };
  const append = () => {
    const store = new mmr.MemoryMmrStore();
    const t = process.hrtime.bigint();
    for (let e = 0; e < N; e++) mmr.addLeafHash(store, leaves[e], sha);
    return [Number(process.hrtime.bigint() - t) / 1e9, store];
  };
  // Warm up, then best of 3 for each (the machine is shared).
  bare();
  append();
  let tBare = Infinity;
  let tMmr = Infinity;
  let store;
  for (let r = 0; r < 3; r++) {
    tBare = Math.min(tBare, bare()[0]);
    const [t, s] = append();
    if (t < tMmr) {
      tMmr = t;
      store = s;
    }
  }
  const size = store.size();

  // Inclusion proofs over pseudo-random leaves of the full MMR.
  const P = 100_000;
  const picks = Array.from({ length: P }, (_, k) => (k * 2654435761) % N);
  const acc = mmr.peaks(store, size);
  let t0 = process.hrtime.bigint();
  const proofs = picks.map((e) => mmr.inclusionProof(store, mmr.mmrIndex(e), size));
  const tProve = Number(process.hrtime.bigint() - t0) / 1e9;
  t0 = process.hrtime.bigint();
  let ok = 0;
  for (let k = 0; k < P; k++) if (mmr.verifyInclusion(size, leaves[picks[k]], mmr.mmrIndex(picks[k]), proofs[k], acc, sha)) ok++;
  const tVerify = Number(process.hrtime.bigint() - t0) / 1e9;
  if (ok !== P) throw new Error(`${P - ok} proofs did not verify`);

  const f = (x) => Math.round(x).toLocaleString('en-US');
  console.log(`\nMMR (core/evidence/mmr.ts, native SHA-256, best of 3)`);
  console.log(`  append ${f(N)} leaves → size ${f(size)}: ${tMmr.toFixed(3)} s = ${f(N / tMmr)} leaves/s (${f(interior / tMmr)} interior hashes/s)`);
  console.log(`  bare SHA-256, ${f(interior)} calls on 72 bytes: ${tBare.toFixed(3)} s = ${f(interior / tBare)} hashes/s`);
  console.log(`  ratio MMR append / bare SHA-256 for the same hash calls: ${(tMmr / tBare).toFixed(2)}x (aim ≤ 1.5x)`);
  console.log(`  inclusion proofs at size ${f(size)} (path length ≈ ${proofs[0].length}): generate ${f(P / tProve)}/s, verify ${f(P / tVerify)}/s`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

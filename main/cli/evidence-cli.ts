/**
 * `charter jcs` and `charter mmr …`: the evidence primitives from the shell.
 * docs/formats/evidence-log.md §8 documents the flags and outputs.
 *
 *   charter jcs FILE|-                       RFC 8785 bytes of a strict JSON document, no newline added
 *   charter mmr peaks  --leaves FILE         {"size", "peaks"} of the MMR of the leaves
 *   charter mmr prove  --leaves FILE --leaf N {"mmr_index", "size", "path"}
 *   charter mmr verify (--proof FILE|- | --mmr-index I --size S --path HEX,…)
 *                      (--leaf-hash HEX | --leaves FILE --leaf N)
 *                      (--peak HEX | --peaks HEX,… | --leaves FILE)
 *
 * Exit codes: 0 ok / proof valid, 1 bad input or proof invalid (PROOF_INVALID), 64 usage.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { fromHex, toHex } from '../../core/codec/index.js';
import { CharterError } from '../../core/errors.js';
import { jcsBytes, parseStrictJsonBytes } from '../../core/evidence/jcs.js';
import {
  MemoryMmrStore,
  addLeafHash,
  includedRoot,
  inclusionProof,
  inclusionProofPath,
  isValidSize,
  mmrIndex,
  peaks,
  verifyInclusion,
} from '../../core/evidence/mmr.js';
import type { Hash } from '../../core/crypto/hash.js';
import { nodeSha256 } from '../crypto/node-hash.js';

const sha: Hash = nodeSha256;

function readInput(file: string): Buffer {
  try {
    return file === '-' ? fs.readFileSync(0) : fs.readFileSync(file);
  } catch (e) {
    throw new CharterError('INVALID_INPUT', `cannot read ${file === '-' ? 'stdin' : file}: ${(e as Error).message}`);
  }
}

function utf8Text(b: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    throw new CharterError('INVALID_JSON', `${what} is not UTF-8`);
  }
}

/** A strict JSON document from a file or stdin: UTF-8, no byte-order mark (both INVALID_JSON), evidence-log.md §2. */
function readStrictJson(file: string): unknown {
  const what = file === '-' ? 'stdin' : file;
  try {
    return parseStrictJsonBytes(readInput(file));
  } catch (e) {
    if (e instanceof CharterError && e.code !== 'INVALID_INPUT') throw new CharterError(e.code, `${what}: ${e.message}`, e.details);
    throw e;
  }
}

const HEX32 = /^[0-9a-fA-F]{64}$/;

function hex32(s: string, what: string): Uint8Array {
  const t = s.trim().replace(/^0x/i, '');
  if (!HEX32.test(t)) throw new CharterError('USAGE', `${what}: 64 hex digits (a 32-byte hash), got ${JSON.stringify(s.slice(0, 80))}`);
  return fromHex(t.toLowerCase());
}

/** Leaves file: one 32-byte hash per line, hex; blank lines and a trailing newline ignored. */
export function readLeaves(file: string): Uint8Array[] {
  const text = utf8Text(readInput(file), file);
  const out: Uint8Array[] = [];
  text.split(/\r?\n/).forEach((line, k) => {
    const t = line.trim();
    if (t === '') return;
    const h = t.replace(/^0x/i, '');
    if (!HEX32.test(h)) throw new CharterError('INVALID_INPUT', `${file} line ${k + 1}: not a 32-byte hex hash: ${JSON.stringify(t.slice(0, 80))}`);
    out.push(fromHex(h.toLowerCase()));
  });
  return out;
}

function buildMmr(leaves: Uint8Array[]): MemoryMmrStore {
  const store = new MemoryMmrStore();
  for (const l of leaves) addLeafHash(store, l, sha);
  return store;
}

function nonNegInt(s: string | undefined, what: string): number {
  if (s === undefined || !/^\d{1,15}$/.test(s)) throw new CharterError('USAGE', `${what}: a non-negative integer, got ${JSON.stringify(s)}`);
  return Number(s);
}

function print(v: unknown): void {
  process.stdout.write(JSON.stringify(v) + '\n');
}

export function registerEvidenceCommands(program: Command): void {
  program
    .command('jcs')
    .description('write the RFC 8785 canonical bytes of a JSON document (strict: no duplicate keys, no unrepresentable numbers)')
    .argument('<file>', 'JSON file, or "-" for stdin')
    .action((file: string) => {
      const bytes = jcsBytes(readStrictJson(file));
      process.stdout.write(bytes);
    });

  const mmr = program.command('mmr').description('Merkle Mountain Range (MMRIVER) peaks and inclusion proofs over a file of leaf hashes');
  mmr
    .command('peaks')
    .description('print {"size", "peaks"} (highest first) of the MMR of the leaves')
    .requiredOption('--leaves <file>', 'one 32-byte leaf hash per line, hex ("-" for stdin)')
    .action((o: { leaves: string }) => {
      const store = buildMmr(readLeaves(o.leaves));
      print({ size: store.size(), peaks: peaks(store, store.size()).map(toHex) });
    });
  mmr
    .command('prove')
    .description('print the inclusion proof {"mmr_index", "size", "path"} of leaf N (zero-based) in the MMR of all the leaves')
    .requiredOption('--leaves <file>', 'one 32-byte leaf hash per line, hex ("-" for stdin)')
    .requiredOption('--leaf <n>', 'leaf number, zero-based')
    .action((o: { leaves: string; leaf: string }) => {
      const leaves = readLeaves(o.leaves);
      const n = nonNegInt(o.leaf, '--leaf');
      if (n >= leaves.length) throw new CharterError('USAGE', `--leaf ${n}: the file has ${leaves.length} leaves (0–${leaves.length - 1})`);
      const store = buildMmr(leaves);
      const i = mmrIndex(n);
      print({ mmr_index: i, size: store.size(), path: inclusionProof(store, i, store.size()).map(toHex) });
    });
  mmr
    .command('verify')
    .description('check an inclusion proof against a peak, an accumulator or the leaves themselves; exit 0 valid, 1 invalid')
    .option('--proof <file>', 'the JSON printed by `charter mmr prove` ("-" for stdin)')
    .option('--mmr-index <i>', 'mmr index of the proven node (instead of --proof)')
    .option('--size <s>', 'mmr size the proof is for (instead of --proof)')
    .option('--path <hex,…>', 'comma-separated path hashes, bottom up (instead of --proof; "" for an empty path)')
    .option('--leaf-hash <hex>', 'the value of the proven node')
    .option('--leaves <file>', 'leaf hashes file: gives the accumulator to check against, and with --leaf the leaf hash')
    .option('--leaf <n>', 'with --leaves: take the leaf hash of leaf N from the file')
    .option('--peak <hex>', 'the peak the proof must reach')
    .option('--peaks <hex,…>', 'the whole accumulator (peaks highest first) the proof must reach')
    .action(
      (o: {
        proof?: string;
        mmrIndex?: string;
        size?: string;
        path?: string;
        leafHash?: string;
        leaves?: string;
        leaf?: string;
        peak?: string;
        peaks?: string;
      }) => {
        // The proof.
        let i: number;
        let size: number;
        let path: Uint8Array[];
        if (o.proof !== undefined) {
          if (o.mmrIndex !== undefined || o.size !== undefined || o.path !== undefined)
            throw new CharterError('USAGE', 'give --proof, or --mmr-index, --size and --path, not both');
          const v = readStrictJson(o.proof) as { mmr_index?: unknown; size?: unknown; path?: unknown };
          if (
            typeof v !== 'object' ||
            v === null ||
            !Number.isSafeInteger(v.mmr_index) ||
            !Number.isSafeInteger(v.size) ||
            !Array.isArray(v.path) ||
            !v.path.every((p) => typeof p === 'string')
          ) {
            throw new CharterError('INVALID_INPUT', `${o.proof}: expected {"mmr_index": int, "size": int, "path": [hex, …]}`);
          }
          i = v.mmr_index as number;
          size = v.size as number;
          path = (v.path as string[]).map((p, k) => hex32(p, `path[${k}]`));
        } else {
          if (o.mmrIndex === undefined || o.size === undefined || o.path === undefined)
            throw new CharterError('USAGE', 'give --proof FILE, or all of --mmr-index, --size and --path');
          i = nonNegInt(o.mmrIndex, '--mmr-index');
          size = nonNegInt(o.size, '--size');
          path = o.path.trim() === '' ? [] : o.path.split(',').map((p, k) => hex32(p, `--path element ${k}`));
        }
        // The proven value.
        let leaves: Uint8Array[] | null = null;
        if (o.leaves !== undefined) leaves = readLeaves(o.leaves);
        let leaf: Uint8Array;
        if (o.leafHash !== undefined) {
          if (o.leaf !== undefined) throw new CharterError('USAGE', 'give --leaf-hash or --leaf, not both');
          leaf = hex32(o.leafHash, '--leaf-hash');
        } else if (o.leaf !== undefined && leaves !== null) {
          const n = nonNegInt(o.leaf, '--leaf');
          if (n >= leaves.length) throw new CharterError('USAGE', `--leaf ${n}: the file has ${leaves.length} leaves`);
          leaf = leaves[n] as Uint8Array;
          if (mmrIndex(n) !== i) throw new CharterError('USAGE', `--leaf ${n} has mmr index ${mmrIndex(n)}, the proof is for mmr index ${i}`);
        } else throw new CharterError('USAGE', 'give --leaf-hash HEX, or --leaves FILE with --leaf N');
        // What it must reach.
        // --leaves is the target unless --peak or --peaks is given (then it only supplies the leaf hash).
        const targets =
          (o.peak !== undefined ? 1 : 0) + (o.peaks !== undefined ? 1 : 0) + (leaves !== null && o.peak === undefined && o.peaks === undefined ? 1 : 0);
        if (targets !== 1) throw new CharterError('USAGE', 'give exactly one of --peak HEX, --peaks HEX,… or --leaves FILE to check against');
        if (!isValidSize(size)) throw new CharterError('INVALID_INPUT', `${size} is not a valid mmr size`);
        if (i >= size) throw new CharterError('INVALID_INPUT', `mmr index ${i} is not in MMR(${size})`);
        let valid: boolean;
        const root = toHex(includedRoot(i, leaf, path, sha));
        if (o.peak !== undefined) {
          const peak = toHex(hex32(o.peak, '--peak'));
          valid = root === peak && path.length === inclusionProofPath(i, size).length;
        } else {
          let acc: Uint8Array[];
          if (o.peaks !== undefined) acc = o.peaks.split(',').map((p, k) => hex32(p, `--peaks element ${k}`));
          else {
            const store = buildMmr(leaves as Uint8Array[]);
            if (store.size() < size)
              throw new CharterError('INVALID_INPUT', `the leaves make an MMR of size ${store.size()}, smaller than the proof's ${size}`);
            acc = peaks(store, size);
          }
          valid = verifyInclusion(size, leaf, i, path, acc, sha);
        }
        print({ valid, mmr_index: i, size, leaf_hash: toHex(leaf), root });
        if (!valid)
          throw new CharterError(
            'PROOF_INVALID',
            `the proof of mmr index ${i} in MMR(${size}) does not reach ${o.peak !== undefined ? 'the peak' : 'the accumulator'} (it leads to ${root})`,
          );
      },
    );
}

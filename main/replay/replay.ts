/**
 * Deterministic replay (docs/formats/replay.md): re-execute a chain's blocks
 * from genesis with a fresh CustodyEngine and produce the state-root history;
 * with `check`, compare every block's roots and every transaction's result
 * code with the recorded ones and stop at the first divergence.
 *
 * Signature verification, the dominant cost, runs ahead of the engine on a
 * worker-thread pool (verify-pool.ts): while the engine applies block k the
 * workers verify blocks k+1…k+lookahead. The engine's verifier
 * (PrecomputedVerifier) answers from those verdicts when, and only when, the
 * engine asks about exactly the bytes a worker verified and the worker found
 * the signature valid; anything else (unknown signer, other schemes, an
 * invalid signature) is verified inline by the fallback verifier, so the
 * engine reaches the same verdict either way.
 */
import { CustodyEngine } from '../../core/engine/engine.js';
import type { SignatureVerifier } from '../../core/crypto/ed25519.js';
import { nativeVerifier } from '../crypto/native-verifier.js';
import { nodeSha256 } from '../crypto/node-hash.js';
import type { Hash } from '../../core/crypto/hash.js';
import { keyIdOf, txHashOf } from '../../core/codec/index.js';
import { decodeTx } from '../../core/tx/envelope.js';
import type { GenesisDoc, SignatureScheme } from '../../core/engine/types.js';
import { toHexUpper as hexUpper } from '../../core/codec/index.js';
import type { BlockRecord } from '../blocks-history/format.js';
import { RECORD_BYTES, RECORD_TX_HASH, STATUS_NONE, STATUS_VALID, VerifyPool } from './verify-pool.js';

export type ReplayStatus = 'match' | 'diverged' | 'unknown' | 'replayed';

export interface Divergence {
  height: number;
  /** What differs: a transaction's result code, the header app_hash (root after height-1), or the root after this block. */
  kind: 'tx_code' | 'app_hash' | 'result_app_hash';
  /** For tx_code: the transaction's index in the block and its hash. */
  tx_index: number | null;
  tx_hash: string | null;
  expected: string | number;
  got: string | number;
}

export interface ReplayResult {
  chain_id: string;
  /** Root of the genesis state (header app_hash of block 1), upper-case hex. */
  genesis_app_hash: string;
  /** 'match' (check, all equal), 'diverged' (check), 'unknown' (cannot tell: data missing), 'replayed' (no check). */
  status: ReplayStatus;
  checked: boolean;
  blocks: number;
  txs: number;
  /** Root after each replayed block. */
  roots: { height: number; root: string }[];
  divergence: Divergence | null;
  /** Why the answer is 'unknown'. */
  reason: string | null;
}

export interface ReplayStats {
  /** Signature checks the engine answered from worker verdicts / verified inline. */
  preverified: number;
  inline: number;
  workers: number;
  ms: number;
  /** Main-thread time in finalizeBlock + commit, and waiting for worker verdicts. */
  applyMs: number;
  waitMs: number;
}

export interface ReplayOptions {
  check?: boolean;
  /** Worker threads for signature pre-verification; 0 = verify inline on the main thread only. Default: every core. */
  workers?: number;
  /** Blocks verified ahead of the engine; default 4. */
  lookahead?: number;
  /** Verifier for everything not pre-verified (default: nativeVerifier, node:crypto, as the devnet uses). */
  fallback?: SignatureVerifier;
  /** Called after each block (progress). */
  onBlock?: (height: number, root: string) => void;
}

/**
 * SignatureVerifier that answers from worker verdicts when it can, else
 * verifies inline; also the engine's wireFacts: the transaction hash and
 * signing digest a worker computed for exactly these bytes (the block's own
 * Uint8Array objects, matched by identity).
 */
export class PrecomputedVerifier implements SignatureVerifier {
  preverified = 0;
  inline = 0;
  private verdicts = new Map<string, number>();
  private verdictsBuilt = false;
  /** The digest views handed to the engine as wire facts, by identity, to their record. */
  private digests = new Map<Uint8Array, number>();
  private facts = new Map<Uint8Array, { txHash: string; digest: Uint8Array }>();
  private records: Uint8Array = new Uint8Array(0);

  constructor(private readonly fallback: SignatureVerifier) {}

  /** Installs the verdict records of the block about to be applied (replacing the previous block's); `txs` are the block's transactions the records are of, in order. */
  install(records: Uint8Array, txs: Uint8Array[] = []): void {
    this.records = records;
    this.verdicts = new Map();
    this.digests = new Map();
    this.facts = new Map();
    const n = Math.floor(records.length / RECORD_BYTES);
    for (let i = 0; i < n; i++) {
      const o = i * RECORD_BYTES;
      const status = records[o + 128];
      if (status === STATUS_NONE) continue;
      const tx = txs[i];
      if (tx !== undefined) {
        const digest = records.subarray(o, o + 32);
        this.facts.set(tx, { txHash: hexUpper(records.subarray(o + RECORD_TX_HASH, o + RECORD_TX_HASH + 32)), digest });
        if (status === STATUS_VALID) this.digests.set(digest, o);
      }
    }
    this.verdictsBuilt = false;
  }

  /** Valid verdicts by digest bytes (latin1), for a digest the engine computed itself: built on first need. */
  private verdictOf(message: Uint8Array): number | undefined {
    if (!this.verdictsBuilt) {
      this.verdictsBuilt = true;
      const n = Math.floor(this.records.length / RECORD_BYTES);
      for (let i = 0; i < n; i++) {
        const o = i * RECORD_BYTES;
        if (this.records[o + 128] === STATUS_VALID) this.verdicts.set(Buffer.from(this.records.buffer, this.records.byteOffset + o, 32).toString('latin1'), o);
      }
    }
    return this.verdicts.get(Buffer.from(message.buffer, message.byteOffset, 32).toString('latin1'));
  }

  /** The engine's wireFacts (EngineOptions.wireFacts). */
  readonly wireFacts = (bytes: Uint8Array): { txHash: string; digest: Uint8Array } | undefined => this.facts.get(bytes);

  verify(scheme: SignatureScheme, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (scheme === 'ed25519' && message.length === 32 && publicKey.length === 32 && signature.length === 64) {
      const o = this.digests.get(message) ?? this.verdictOf(message);
      if (o !== undefined && sameBytes(this.records, o, message) && sameBytes(this.records, o + 32, publicKey) && sameBytes(this.records, o + 64, signature)) {
        this.preverified++;
        return true;
      }
    }
    this.inline++;
    return this.fallback.verify(scheme, publicKey, message, signature);
  }
}

function sameBytes(buf: Uint8Array, at: number, b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (buf[at + i] !== b[i]) return false;
  return true;
}

const KEY_REGISTER = Buffer.from('"type":"key.register"', 'latin1');

/** Key id → public key of every Ed25519 key.register in these transactions (whether or not it will succeed: a key id names one key). */
function scanKeys(txs: Uint8Array[], known: Set<string>): [string, string][] {
  const found: [string, string][] = [];
  for (const t of txs) {
    const b = Buffer.from(t.buffer, t.byteOffset, t.byteLength);
    if (b.indexOf(KEY_REGISTER) < 0) continue;
    try {
      const env = decodeTx(t);
      if (env.type !== 'key.register') continue;
      const body = env.body as { public_key: string; scheme: string };
      if (body.scheme !== 'ed25519') continue;
      const id = keyIdOf('ed25519', Buffer.from(body.public_key, 'hex'));
      if (known.has(id)) continue;
      known.add(id);
      found.push([id, body.public_key]);
    } catch {
      // Not decodable: the engine rejects it before any key exists.
    }
  }
  return found;
}

/** SHA-256 for replay: node:crypto's one-shot hash (main/crypto/node-hash.ts). */
export const replaySha256: Hash = nodeSha256;

type Source = AsyncIterable<BlockRecord & { missing?: string[] }> | Iterable<BlockRecord & { missing?: string[] }>;

/** Replays `blocks` (ascending, from height 1) on a fresh engine for `genesis`. */
export async function replayBlocks(genesis: GenesisDoc, blocks: Source, opts: ReplayOptions = {}): Promise<{ result: ReplayResult; stats: ReplayStats }> {
  const t0 = performance.now();
  const check = opts.check ?? false;
  const workers = opts.workers ?? undefined;
  const pool = workers === 0 ? null : new VerifyPool(workers);
  const verifier = new PrecomputedVerifier(opts.fallback ?? nativeVerifier);
  const engine = new CustodyEngine(genesis, { verifier, sha256: replaySha256, wireFacts: verifier.wireFacts });
  const genesisRoot = hexUpper(engine.info().lastBlockAppHash);
  const result: ReplayResult = {
    chain_id: genesis.chain_id,
    genesis_app_hash: genesisRoot,
    status: check ? 'match' : 'replayed',
    checked: check,
    blocks: 0,
    txs: 0,
    roots: [],
    divergence: null,
    reason: null,
  };
  const unknown = (reason: string) => {
    result.status = 'unknown';
    result.reason = reason;
  };

  const known = new Set<string>();
  if (pool) {
    const admins: [string, string][] = genesis.admins.map((a) => [keyIdOf('ed25519', Buffer.from(a.public_key, 'hex')), a.public_key]);
    for (const [id] of admins) known.add(id);
    pool.addKeys(admins);
  }

  const lookahead = Math.max(1, opts.lookahead ?? 4);
  const it: AsyncIterator<BlockRecord & { missing?: string[] }> | Iterator<BlockRecord & { missing?: string[] }> =
    Symbol.asyncIterator in blocks ? (blocks as AsyncIterable<BlockRecord>)[Symbol.asyncIterator]() : (blocks as Iterable<BlockRecord>)[Symbol.iterator]();
  const queue: { block: BlockRecord & { missing?: string[] }; verdicts: Promise<Uint8Array> | null }[] = [];
  let exhausted = false;
  const fill = async (): Promise<void> => {
    while (!exhausted && queue.length < lookahead) {
      const r = await it.next();
      if (r.done) {
        exhausted = true;
        break;
      }
      const block = r.value;
      let verdicts: Promise<Uint8Array> | null = null;
      if (pool && block.txs.length > 0) {
        pool.addKeys(scanKeys(block.txs, known));
        verdicts = pool.verifyTxs(block.txs);
        verdicts.catch(() => {});
      }
      queue.push({ block, verdicts });
    }
  };

  let applyMs = 0;
  let waitMs = 0;
  let prevRoot = genesisRoot;
  let expectHeight = 1;
  try {
    for (;;) {
      await fill();
      const head = queue.shift();
      if (!head) break;
      const b = head.block;
      if (b.height !== expectHeight) {
        unknown(
          b.height > expectHeight
            ? `block${b.height - expectHeight > 1 ? 's' : ''} ${expectHeight}${b.height - expectHeight > 1 ? `–${b.height - 1}` : ''} missing: replay starts at genesis and needs every block`
            : `block ${b.height} is out of order (expected ${expectHeight})`,
        );
        break;
      }
      if (check && b.missing && b.missing.length) {
        unknown(`block ${b.height}: recorded ${b.missing.join(', ')} missing; cannot compare`);
        break;
      }
      if (check && b.app_hash !== prevRoot) {
        result.divergence = { height: b.height, kind: 'app_hash', tx_index: null, tx_hash: null, expected: b.app_hash, got: prevRoot };
        result.status = 'diverged';
        break;
      }
      const tw = performance.now();
      verifier.install(head.verdicts ? await head.verdicts : new Uint8Array(0), b.txs);
      const ta = performance.now();
      waitMs += ta - tw;
      let res;
      try {
        res = engine.finalizeBlock({ height: b.height, time: b.time, txs: b.txs });
        engine.commit();
        applyMs += performance.now() - ta;
      } catch (e) {
        unknown(`block ${b.height} cannot be executed: ${(e as Error).message}`);
        break;
      }
      const root = hexUpper(res.appHash);
      result.blocks++;
      result.txs += b.txs.length;
      result.roots.push({ height: b.height, root });
      opts.onBlock?.(b.height, root);
      if (check) {
        const bad = res.txResults.findIndex((r, i) => r.code !== (b.tx_results[i] as { code: number }).code);
        if (bad >= 0) {
          result.divergence = {
            height: b.height,
            kind: 'tx_code',
            tx_index: bad,
            tx_hash: txHashOf(b.txs[bad] as Uint8Array),
            expected: (b.tx_results[bad] as { code: number }).code,
            got: (res.txResults[bad] as { code: number }).code,
          };
          result.status = 'diverged';
          break;
        }
        if (root !== b.result_app_hash) {
          result.divergence = { height: b.height, kind: 'result_app_hash', tx_index: null, tx_hash: null, expected: b.result_app_hash, got: root };
          result.status = 'diverged';
          break;
        }
      }
      prevRoot = root;
      expectHeight++;
    }
  } finally {
    if (pool) await pool.close();
    const ret = (it as { return?: () => unknown }).return;
    if (ret) await Promise.resolve(ret.call(it)).catch(() => {});
  }
  return {
    result,
    stats: { preverified: verifier.preverified, inline: verifier.inline, workers: pool?.size ?? 0, ms: performance.now() - t0, applyMs, waitMs },
  };
}

/** Exit code of `charter replay` for a result: 0 match (or replayed), 1 diverged, 2 cannot tell. */
export function exitCodeOf(r: ReplayResult): number {
  return r.status === 'diverged' ? 1 : r.status === 'unknown' ? 2 : 0;
}

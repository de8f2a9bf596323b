/**
 * The CometBFT JSON-RPC client of a custody node: status, abci_info,
 * abci_query (one path, or a batch of paths in one JSON-RPC batch request),
 * broadcasts, blocks, block results, transactions. cosmjs'
 * @cosmjs/tendermint-rpc underneath, so the same client works against the
 * embedded devnet and a real CometBFT 0.38 / 1.x node; the cosmjs client stays
 * inside this class.
 *
 * Errors are CharterErrors classified by code (main/chain/errors.ts); where
 * CometBFT's wire has no code for a condition, the node's state decides:
 * - a height outside the node's [earliest, latest] range → NOT_FOUND;
 * - a transaction `tx` cannot give and tx_search by hash does not list → null;
 * - a broadcast_tx_commit that failed while the transaction is still in the
 *   mempool → TX_TIMEOUT (it may still be included).
 */
import {
  BlockIdFlag,
  Comet1Client,
  Comet38Client,
  connectComet,
  toRfc3339WithNanoseconds,
  type CometClient,
  type ReadonlyDateWithNanoseconds,
} from '@cosmjs/tendermint-rpc';
import { CharterError } from '../../core/errors.js';
import { consensusHealth, type ConsensusHealth } from '../../core/consensus/health.js';
import { fromUtf8, sha256Hex } from '../../core/codec/index.js';
import type { AbciEvent } from '../../core/engine/types.js';
import { engineCodeOf, httpFailure, JSONRPC, NOT_FOUND_CODES, rejected, rpcErrorOf, rpcFailure, type RpcErrorBody } from './errors.js';

type ReadonlyDate = ReadonlyDateWithNanoseconds extends infer D ? Omit<D, 'nanoseconds'> : never;

export interface ChainStatus {
  chainId: string;
  height: number;
  /** Time of the latest block, RFC 3339 (cosmjs precision: milliseconds plus its nanosecond field). */
  time: string;
  /** Header app_hash of the latest block (CometBFT: the state root after the block before it), upper-case hex. */
  appHash: string;
  latestBlockHash: string;
  nodeVersion: string;
  moniker: string;
  catchingUp: boolean;
}

export interface AbciResult {
  code: number;
  codespace: string;
  log: string;
}

export interface ExecResult extends AbciResult {
  data: Uint8Array;
  /** data decoded as JSON when it is JSON (the engine's result payloads are canonical JSON), else null. */
  result: unknown;
  events: AbciEvent[];
}

export interface CommitOutcome {
  /** Upper-case hex transaction hash. */
  hash: string;
  height: number;
  checkTx: AbciResult;
  txResult: ExecResult;
}

export interface SyncOutcome {
  hash: string;
  checkTx: AbciResult;
}

export interface BlockInfo {
  height: number;
  hash: string;
  time: string;
  chainId: string;
  /** Header app_hash (state root after height-1). */
  appHash: string;
  lastBlockHash: string;
  dataHash: string;
  proposer: string;
  txs: { hash: string; bytes: Uint8Array }[];
  /** Validator signatures over this block, from the commit (empty if the node has none, or they were not asked for). */
  signatures: { validatorAddress: string; signature: string; timestamp: string }[];
}

export interface TxInfo {
  hash: string;
  height: number;
  index: number;
  bytes: Uint8Array;
  result: ExecResult;
}

export interface BlockSummary {
  height: number;
  hash: string;
  time: string;
  numTxs: number;
}

/** The ABCI results of a block's transactions, in block order. */
export interface BlockResults {
  height: number;
  results: ExecResult[];
}

function hexUpper(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex').toUpperCase();
}

function timeString(d: ReadonlyDateWithNanoseconds | ReadonlyDate): string {
  return toRfc3339WithNanoseconds(d as ReadonlyDateWithNanoseconds);
}

function decodeJson(data: Uint8Array | undefined): unknown {
  if (!data || data.length === 0) return null;
  try {
    return JSON.parse(fromUtf8(data));
  } catch {
    return null;
  }
}

export function execResult(
  d:
    | {
        code: number;
        codespace?: string | undefined;
        log?: string | undefined;
        data?: Uint8Array | undefined;
        events: readonly { type: string; attributes: readonly { key: string; value: string }[] }[];
      }
    | undefined,
): ExecResult {
  if (!d) return { code: 0, codespace: '', log: '', data: new Uint8Array(0), result: null, events: [] };
  return {
    code: d.code,
    codespace: d.codespace ?? '',
    log: d.log ?? '',
    data: d.data ?? new Uint8Array(0),
    result: decodeJson(d.data),
    events: d.events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value })) })),
  };
}

type Comet = Comet38Client | Comet1Client;

/** One abci_query answer, before it is judged. */
interface RawQuery {
  code: number;
  codespace: string;
  log: string;
  value: Uint8Array;
}

/** At most this many requests in one JSON-RPC batch (CometBFT and the devnet accept 100). */
export const MAX_BATCH = 100;

export interface CometRpcOptions {
  /** Timeout of the raw JSON-RPC requests (batches, mempool listing), ms; default 15 000. */
  httpTimeoutMs?: number;
}

/** No block for this long: the health looks at the height in progress rather than the last commit. */
export const STALL_SECONDS = 10;

export class CometRpcClient {
  /** How many JSON-RPC round trips this client made (a batch counts once): for measurements and tests. */
  calls = 0;

  private constructor(
    readonly rpcUrl: string,
    private readonly comet: Comet,
    private readonly httpTimeoutMs: number,
  ) {}

  /**
   * Connects (one `status` call to detect the CometBFT version, as cosmjs'
   * connectComet does). Throws NODE_UNREACHABLE if nothing answers and
   * NODE_ERROR if the node is not CometBFT 0.38 / 1.x compatible.
   */
  static async connect(rpcUrl: string, opts: CometRpcOptions = {}): Promise<CometRpcClient> {
    let url: URL;
    try {
      url = new URL(rpcUrl);
    } catch {
      throw new CharterError('INVALID_INPUT', `not a URL: ${rpcUrl}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new CharterError('INVALID_INPUT', `the RPC URL must be http:// or https://, got ${url.protocol}`);
    const base = rpcUrl.replace(/\/+$/, '');
    let client: CometClient;
    try {
      client = await connectComet(base);
    } catch (e) {
      throw rpcFailure(e, `connect to ${base}`);
    }
    if (!(client instanceof Comet38Client) && !(client instanceof Comet1Client)) {
      client.disconnect();
      throw new CharterError('NODE_ERROR', `${base} is not a CometBFT 0.38 or 1.x node`, { rpcUrl: base });
    }
    const c = new CometRpcClient(base, client, opts.httpTimeoutMs ?? 15_000);
    c.calls = 1;
    return c;
  }

  disconnect(): void {
    this.comet.disconnect();
  }

  async status(): Promise<ChainStatus> {
    const s = await this.run('status', () => this.comet.status());
    return {
      chainId: s.nodeInfo.network,
      height: s.syncInfo.latestBlockHeight,
      time: timeString(s.syncInfo.latestBlockTime),
      appHash: hexUpper(s.syncInfo.latestAppHash),
      latestBlockHash: hexUpper(s.syncInfo.latestBlockHash),
      nodeVersion: s.nodeInfo.version,
      moniker: s.nodeInfo.moniker,
      catchingUp: s.syncInfo.catchingUp,
    };
  }

  /**
   * The validator set at the latest height and whether each validator signed
   * the newest canonical commit (of height − 1, as the latest block carries
   * it), with the consensus health that follows (core/consensus/health.ts).
   * When no block has come for STALL_SECONDS, who voted at the height in
   * progress counts as online instead.
   */
  async validatorHealth(
    now = Date.now(),
  ): Promise<ConsensusHealth & { height: number; validators: { address: string; power: number; signedLatest: boolean }[] }> {
    const st = await this.status();
    const height = st.height;
    const set = await this.run('validators', () => this.comet.validatorsAll(height));
    const signed = new Set<string>();
    if (height > 1) {
      const c = await this.run('commit', () => this.comet.commit(height - 1));
      for (const s of c.commit.signatures) if (s.blockIdFlag === BlockIdFlag.Commit && s.validatorAddress) signed.add(hexUpper(s.validatorAddress));
    }
    const validators = set.validators.map((v) => ({ address: hexUpper(v.address), power: Number(v.votingPower), signedLatest: false }));
    for (const v of validators) v.signedLatest = signed.has(v.address);
    // A chain that has stopped committing keeps its last commit, signed by validators that may be gone since. Then the height
    // in progress tells who is there: CometBFT waits at it for votes from more than two thirds, and the ones it has are the ones online.
    const stalledFor = (now - Date.parse(st.time)) / 1000;
    const voting = stalledFor >= STALL_SECONDS ? await this.heightVoters() : null;
    if (voting === null) return { height, ...consensusHealth(validators, signed), validators };
    const health = consensusHealth(validators, voting.online);
    // Votes a validator cast before it went away still count in the height it stopped at: a stall is a stall all the same.
    if (health.quorum) {
      health.quorum = false;
      health.warning = `consensus cannot progress: no block for ${Math.round(stalledFor)} s; ${health.count - health.offline} of ${health.count} validators voted at height ${voting.height}`;
    }
    return { height, ...health, validators };
  }

  /** The validators with a prevote or a precommit at the height in progress, in any round (null when the node does not say). */
  private async heightVoters(): Promise<{ height: number; online: Set<string> } | null> {
    let answer: { result?: unknown } | null = null;
    try {
      this.calls++;
      const res = await fetch(`${this.rpcUrl}/consensus_state`, { signal: AbortSignal.timeout(this.httpTimeoutMs) });
      answer = (await res.json()) as { result?: unknown };
    } catch {
      return null;
    }
    if (!answer?.result) return null; // a node without the route (the devnet)
    const rs = (
      answer.result as { round_state?: { 'height/round/step'?: string; height_vote_set?: { prevotes_bit_array?: string; precommits_bit_array?: string }[] } }
    ).round_state;
    const inProgress = Number(String(rs?.['height/round/step'] ?? '').split('/')[0]);
    if (!Number.isSafeInteger(inProgress) || inProgress < 1) return null;
    // The bit arrays follow the validator set of the height in progress, in its order (power, then address), as /validators lists it.
    // A node may not serve the set of a height it has not committed: then the latest committed set (they differ only right after a change).
    let vals: string[] | null = null;
    for (const h of [inProgress, inProgress - 1]) {
      try {
        vals = (await this.comet.validatorsAll(h)).validators.map((v) => hexUpper(v.address));
        break;
      } catch {
        // try the next
      }
    }
    if (vals === null) return null;
    const online = new Set<string>();
    for (const round of rs?.height_vote_set ?? []) {
      for (const bits of [round.prevotes_bit_array, round.precommits_bit_array]) {
        const m = /^BA\{\d+:([x_]+)\}/.exec(bits ?? '');
        if (!m) continue;
        [...(m[1] as string)].forEach((c, i) => {
          if (c === 'x' && vals?.[i]) online.add(vals[i] as string);
        });
      }
    }
    // No vote at all: a chain waiting for transactions (create_empty_blocks = false), not one that lost its validators.
    return online.size > 0 ? { height: inProgress, online } : null;
  }

  /** abci_info: the application's own last height and state root (after that block). */
  async abciInfo(): Promise<{ height: number; appHash: string }> {
    const i = await this.run('abci_info', () => this.comet.abciInfo());
    return { height: i.lastBlockHeight ?? 0, appHash: i.lastBlockAppHash ? hexUpper(i.lastBlockAppHash) : '' };
  }

  /**
   * abci_query of a path (e.g. "/vault/treasury"): the JSON-decoded value,
   * null when the engine says the thing does not exist, NODE_ERROR otherwise.
   */
  async query<T>(path: string): Promise<T | null> {
    const r = await this.run(`abci_query ${path}`, () => this.comet.abciQuery({ path, data: new Uint8Array(0) }));
    return judgeQuery<T>(path, { code: r.code ?? 0, codespace: r.codespace ?? '', log: r.log ?? '', value: r.value });
  }

  /**
   * abci_query of many paths in one JSON-RPC batch request (chunks of
   * MAX_BATCH): each answer judged as query() judges it, in the order asked.
   * A path the engine refuses fails the whole call, as query() would.
   */
  async queryBatch<T>(paths: readonly string[]): Promise<(T | null)[]> {
    const out: (T | null)[] = [];
    for (let at = 0; at < paths.length; at += MAX_BATCH) {
      const chunk = paths.slice(at, at + MAX_BATCH);
      const answers = await this.batch(
        `abci_query ×${chunk.length}`,
        chunk.map((path) => ({ method: 'abci_query', params: { path, data: '', prove: false } })),
      );
      chunk.forEach((path, i) => {
        const a = answers[i]!;
        if ('error' in a) throw rpcFailure(new Error(JSON.stringify(a.error)), `abci_query ${path}`);
        const r = ((a.result as { response?: Record<string, unknown> } | null)?.response ?? {}) as {
          code?: unknown;
          codespace?: unknown;
          log?: unknown;
          value?: unknown;
        };
        out.push(
          judgeQuery<T>(path, {
            code: typeof r.code === 'number' ? r.code : Number(r.code ?? 0),
            codespace: typeof r.codespace === 'string' ? r.codespace : '',
            log: typeof r.log === 'string' ? r.log : '',
            value: typeof r.value === 'string' && r.value !== '' ? new Uint8Array(Buffer.from(r.value, 'base64')) : new Uint8Array(0),
          }),
        );
      });
    }
    return out;
  }

  /** The last accepted nonce of a key (0 if it has sent nothing); sign the next transaction with nonce + 1. */
  async nonceOf(keyId: string): Promise<number> {
    const a = await this.query<{ nonce: number }>(`/account/${keyId}`);
    return a?.nonce ?? 0;
  }

  /**
   * broadcast_tx_commit: resolves once the transaction is in a block and
   * succeeded; throws the engine's code if it was rejected at check time or
   * failed in its block (or was evicted from the mempool), TX_TIMEOUT if the
   * node stopped waiting while the transaction is still in its mempool.
   */
  async broadcastCommit(txBytes: Uint8Array): Promise<CommitOutcome> {
    const hash = sha256Hex(txBytes).toUpperCase();
    let r;
    try {
      this.calls++;
      r = await this.comet.broadcastTxCommit({ tx: txBytes });
    } catch (e) {
      throw await this.commitFailure(e, txBytes, hash);
    }
    if (r.checkTx.code !== 0) throw rejected(r.checkTx, hash);
    const txResult = execResult(r.txResult);
    if (txResult.code !== 0) throw rejected(txResult, hash, r.height);
    return {
      hash: hexUpper(r.hash),
      height: r.height,
      checkTx: { code: r.checkTx.code, codespace: r.checkTx.codespace ?? '', log: r.checkTx.log ?? '' },
      txResult,
    };
  }

  /** broadcast_tx_sync: resolves once the transaction is in the mempool; throws the engine's code if checkTx refused it. */
  async broadcastSync(txBytes: Uint8Array): Promise<SyncOutcome> {
    const hash = sha256Hex(txBytes).toUpperCase();
    const r = await this.run('broadcast_tx_sync', () => this.comet.broadcastTxSync({ tx: txBytes }), hash);
    if (r.code !== 0) throw rejected(r, hash);
    return { hash: hexUpper(r.hash), checkTx: { code: r.code, codespace: r.codespace ?? '', log: r.log ?? '' } };
  }

  /**
   * A block; latest if height is omitted. With its commit signatures unless
   * `signatures: false` (one call fewer). NOT_FOUND for a height the node has
   * no block for.
   */
  async block(height?: number, opts: { signatures?: boolean } = {}): Promise<BlockInfo> {
    const b = await this.atHeight(`block ${height ?? 'latest'}`, height, () => this.comet.block(height));
    const h = b.block.header;
    let signatures: BlockInfo['signatures'] = [];
    if (opts.signatures !== false) {
      try {
        this.calls++;
        const c = await this.comet.commit(h.height);
        signatures = c.commit.signatures
          .filter((s) => s.signature && s.validatorAddress)
          .map((s) => ({
            validatorAddress: hexUpper(s.validatorAddress as Uint8Array),
            signature: Buffer.from(s.signature as Uint8Array).toString('base64'),
            timestamp: s.timestamp ? timeString(s.timestamp) : '',
          }));
      } catch {
        // A node without the commit of this height: no signatures to show.
      }
    }
    return {
      height: h.height,
      hash: hexUpper(b.blockId.hash),
      time: timeString(h.time),
      chainId: h.chainId,
      appHash: hexUpper(h.appHash),
      lastBlockHash: h.lastBlockId ? hexUpper(h.lastBlockId.hash) : '',
      dataHash: hexUpper(h.dataHash),
      proposer: hexUpper(h.proposerAddress),
      txs: b.block.txs.map((t) => ({ hash: sha256Hex(t).toUpperCase(), bytes: t })),
      signatures,
    };
  }

  /** block_results: the ABCI result of each transaction of block `height`. NOT_FOUND for a height the node has no block for. */
  async blockResults(height: number): Promise<BlockResults> {
    const r = await this.atHeight<{ height: number; results: readonly Parameters<typeof execResult>[0][] }>(`block_results ${height}`, height, () =>
      this.comet.blockResults(height),
    );
    return { height: r.height, results: r.results.map((x) => execResult(x)) };
  }

  /** A committed transaction by hash (hex, with or without 0x), or null if the node does not know it. */
  async tx(hash: string): Promise<TxInfo | null> {
    const clean = hash.replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]{64}$/.test(clean)) throw new CharterError('INVALID_INPUT', 'a transaction hash is 64 hex digits');
    const bytes = new Uint8Array(Buffer.from(clean, 'hex'));
    try {
      this.calls++;
      const t = await this.comet.tx({ hash: bytes });
      return { hash: hexUpper(t.hash), height: t.height, index: t.index, bytes: t.tx, result: execResult(t.result) };
    } catch (e) {
      const failure = rpcFailure(e, 'tx');
      if (rpcErrorOf(e)?.code !== JSONRPC.INTERNAL_ERROR) throw failure;
      // CometBFT answers an unknown hash with an internal error and no code: ask its index instead.
      let found;
      try {
        this.calls++;
        found = await this.comet.txSearch({ query: `tx.hash='${clean.toUpperCase()}'`, per_page: 1 });
      } catch {
        throw failure;
      }
      const t = found.txs[0];
      if (!t) return null;
      return { hash: hexUpper(t.hash), height: t.height, index: t.index, bytes: t.tx, result: execResult(t.result) };
    }
  }

  /** Block metas of heights [min, max] (CometBFT answers at most 20 per call), as the node orders them (highest first). */
  async blockchain(minHeight?: number, maxHeight?: number): Promise<BlockSummary[]> {
    const what = minHeight === undefined && maxHeight === undefined ? 'blockchain' : `blockchain ${minHeight ?? ''}-${maxHeight ?? ''}`;
    const r = await this.run(what, () => this.comet.blockchain(minHeight, maxHeight));
    return r.blockMetas.map((m) => ({ height: m.header.height, hash: hexUpper(m.blockId.hash), time: timeString(m.header.time), numTxs: m.numTxs }));
  }

  /** The latest n blocks (n ≤ 20 per CometBFT's blockchain call), highest first. */
  async latestBlocks(n = 20): Promise<BlockSummary[]> {
    const count = Math.max(1, Math.min(20, Math.floor(n)));
    return (await this.blockchain()).slice(0, count);
  }

  /** The newest `limit` blocks below or at `height`, newest first, in as few blockchain calls as CometBFT allows (20 a call). */
  async blocksDown(height: number, limit: number): Promise<BlockSummary[]> {
    const out: BlockSummary[] = [];
    let max = height;
    while (out.length < limit && max >= 1) {
      const min = Math.max(1, max - Math.min(20, limit - out.length) + 1);
      const metas = await this.blockchain(min, max);
      out.push(...[...metas].sort((a, z) => z.height - a.height));
      max = min - 1;
    }
    return out.slice(0, limit);
  }

  // ─── plumbing ────────────────────────────────────────────────────────────

  private async run<T>(what: string, f: () => Promise<T>, hash?: string): Promise<T> {
    this.calls++;
    try {
      return await f();
    } catch (e) {
      throw rpcFailure(e, what, hash);
    }
  }

  /**
   * A call at a height: when the node answers with an error and the height is
   * outside the range of blocks it holds (by its status), NOT_FOUND.
   */
  private async atHeight<T>(what: string, height: number | undefined, f: () => Promise<T>): Promise<T> {
    this.calls++;
    try {
      return await f();
    } catch (e) {
      const failure = rpcFailure(e, what);
      if (height === undefined || !rpcErrorOf(e)) throw failure;
      let range: { earliest: number; latest: number };
      try {
        this.calls++;
        const s = await this.comet.status();
        range = { earliest: s.syncInfo.earliestBlockHeight ?? 1, latest: s.syncInfo.latestBlockHeight };
      } catch {
        throw failure;
      }
      if (height < Math.max(1, range.earliest) || height > range.latest) {
        const data = rpcErrorOf(e)?.data;
        throw new CharterError('NOT_FOUND', `${what}: the node holds blocks ${range.earliest}–${range.latest}${data ? ` (${data})` : ''}`, {
          height,
          earliest: range.earliest,
          latest: range.latest,
        });
      }
      throw failure;
    }
  }

  /**
   * Why a broadcast_tx_commit failed. A transport failure or an error carrying
   * the engine's code stands as it is; otherwise the node's state decides:
   * the transaction is among the node's unconfirmed ones (it was admitted and
   * the node stopped waiting for its block) → TX_TIMEOUT; else NODE_ERROR with
   * the node's message. A mempool longer than the node lists at once
   * (MAX_BATCH) hides the transaction: then it is NODE_ERROR too.
   */
  private async commitFailure(e: unknown, txBytes: Uint8Array, hash: string): Promise<CharterError> {
    const failure = rpcFailure(e, 'broadcast_tx_commit', hash);
    const rpc = rpcErrorOf(e);
    if (!rpc || rpc.code !== JSONRPC.INTERNAL_ERROR || failure.code !== 'NODE_ERROR') return failure;
    try {
      const [pending] = await this.batch('unconfirmed_txs', [{ method: 'unconfirmed_txs', params: { limit: String(MAX_BATCH) } }]);
      if (pending && 'result' in pending) {
        const r = (pending.result ?? {}) as { txs?: unknown };
        const listed = Array.isArray(r.txs) ? (r.txs as unknown[]).filter((t): t is string => typeof t === 'string') : [];
        const b64 = Buffer.from(txBytes).toString('base64');
        if (listed.includes(b64)) {
          return new CharterError('TX_TIMEOUT', 'broadcast_tx_commit: the node gave up waiting for the transaction to be included', { hash, rpc });
        }
      }
    } catch {
      return failure;
    }
    return failure;
  }

  /** One JSON-RPC batch POST: the answers in the order of the requests. */
  private async batch(what: string, reqs: { method: string; params: Record<string, unknown> }[]): Promise<({ result: unknown } | { error: RpcErrorBody })[]> {
    const body = reqs.map((r, id) => ({ jsonrpc: '2.0', id, method: r.method, params: r.params }));
    this.calls++;
    let res: Response;
    try {
      res = await fetch(this.rpcUrl + '/', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        signal: AbortSignal.timeout(this.httpTimeoutMs),
      });
    } catch (e) {
      throw httpFailure(e, what);
    }
    let answer: unknown;
    try {
      answer = await res.json();
    } catch (e) {
      throw new CharterError('NODE_ERROR', `${what}: the node did not answer JSON (${res.status})`, { status: res.status, error: (e as Error).message });
    }
    if (!Array.isArray(answer)) {
      const single = answer as { error?: RpcErrorBody };
      if (single && typeof single === 'object' && single.error) throw rpcFailure(new Error(JSON.stringify(single.error)), what);
      throw new CharterError('NODE_ERROR', `${what}: the node did not answer the batch with a list (${res.status})`, { status: res.status });
    }
    const byId = new Map<number, { result: unknown } | { error: RpcErrorBody }>();
    for (const a of answer as { id?: unknown; result?: unknown; error?: RpcErrorBody }[]) {
      if (typeof a?.id !== 'number') continue;
      byId.set(a.id, a.error ? { error: a.error } : { result: a.result });
    }
    return reqs.map(
      (_, id) => byId.get(id) ?? { error: { code: JSONRPC.INTERNAL_ERROR, message: 'Internal error', data: `no answer to request ${id} of the batch` } },
    );
  }
}

function judgeQuery<T>(path: string, r: RawQuery): T | null {
  if (r.code !== 0) {
    const engineCode = engineCodeOf({ code: r.code, codespace: r.codespace, log: r.log });
    if (engineCode && NOT_FOUND_CODES.has(engineCode)) return null;
    throw new CharterError('NODE_ERROR', `query ${path} failed: ${r.log || `code ${r.code}`}`, {
      abci_code: r.code,
      codespace: r.codespace,
      log: r.log,
      engine_code: engineCode,
      path,
    });
  }
  if (r.value.length === 0) return null;
  return decodeJson(r.value) as T | null;
}

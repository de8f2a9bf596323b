/**
 * CometBFT v0.38's ABCI requests, answered by the application host.
 *
 * This is the translation between the generated protobuf types
 * (cosmjs-types' tendermint/abci/types) and AbciApplication
 * (main/app-host/abci.ts): it owns nothing of the state, only what CometBFT
 * gives the application and the host does not keep by itself:
 *
 * - the custody genesis: the first InitChain carries it in app_state_bytes;
 *   it is written to genesis.json in the home before the host opens node.db,
 *   and read from there on every later start (CometBFT calls InitChain only
 *   while the application reports height 0);
 * - the block index row of each decided block (height, hash, time, proposer,
 *   the last commit's votes), built from FinalizeBlock, since the header
 *   itself never reaches the application.
 *
 * Validator governance reaches consensus here: the security events
 * `security.validator_added` / `security.validator_removed` that an executed
 * governance action emits become FinalizeBlock's validator updates (power 0
 * removes), which CometBFT applies two heights later.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Timestamp } from 'cosmjs-types/google/protobuf/timestamp';
import {
  CheckTxType,
  ResponseApplySnapshotChunk_Result,
  ResponseOfferSnapshot_Result,
  ResponseProcessProposal_ProposalStatus,
  ResponseVerifyVoteExtension_VerifyStatus,
  type Event as PbEvent,
  type ExecTxResult,
  type Request,
  type RequestFinalizeBlock,
  type RequestInitChain,
  type Response,
  type ValidatorUpdate,
} from 'cosmjs-types/tendermint/abci/types';
import { ensurePrivateDir, writeFileAtomic } from '../../base/node/files.js';
import { canonicalJson, txHashOf } from '../../core/codec/index.js';
import { APP_VERSION } from '../../core/engine/engine.js';
import { validateGenesis } from '../../core/engine/genesis.js';
import { decodeTx } from '../../core/engine/tx.js';
import type { AbciEvent, GenesisDoc, TxResult } from '../../core/engine/types.js';
import { CharterError, ERROR_CODES } from '../../core/errors.js';
import { MAX_TX_BYTES } from '../../core/tx/envelope.js';
import type { DecidedBlock } from '../app-host/abci.js';
import { ApplicationHost, type LogFn } from '../app-host/host.js';
import { NodeStore } from '../app-host/store.js';
import { hexUpper } from '../cometbft/encoding.js';
import { loadOrCreateValidatorKey } from '../devnet/keys.js';

export const ABCI_GENESIS_FILE = 'genesis.json';
export const ABCI_NODE_DB_FILE = 'node.db';
/** The codespace of a query or CheckTx the application could not answer (not an engine refusal). */
export const HOST_CODESPACE = 'charter-abci';
/** Its code when the error has no ABCI code of its own. */
export const HOST_ERROR_ABCI_CODE = 1;
/** Reported in Info.data. */
export const ABCI_APP_NAME = 'charter-custody';

export interface CometAppOptions {
  home: string;
  snapshotEvery?: number;
  checkpointEvery?: number;
  log?: LogFn;
}

/** RFC 3339 UTC from a protobuf Timestamp, with as many fraction digits as it has (Go's RFC3339Nano). */
export function timestampToRfc3339(t: Timestamp | undefined): string {
  const seconds = Number(t?.seconds ?? 0n);
  const nanos = t?.nanos ?? 0;
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  const frac = String(nanos).padStart(9, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}Z` : `${whole}Z`;
}

const pbEvents = (events: AbciEvent[]): PbEvent[] =>
  events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: true })) }));

const execResult = (r: TxResult): ExecTxResult => ({
  code: r.code,
  data: r.data,
  log: r.log,
  info: '',
  gasWanted: 0n,
  gasUsed: 0n,
  events: pbEvents(r.events),
  codespace: r.codespace,
});

function attr(e: AbciEvent, key: string): string | undefined {
  return e.attributes.find((a) => a.key === key)?.value;
}

/**
 * The validator updates an executed block asks of consensus: per key, the
 * last word of its events; then only what differs from `before`, the powers
 * at the start of the block (a key added and removed within the block is no
 * update: CometBFT refuses to remove a validator it does not have).
 */
export function validatorUpdatesOf(blockEvents: AbciEvent[], txResults: TxResult[], before?: ReadonlyMap<string, number>): ValidatorUpdate[] {
  const byKey = new Map<string, bigint>();
  const all = [...blockEvents, ...txResults.filter((r) => r.code === 0).flatMap((r) => r.events)];
  for (const e of all) {
    const pk = attr(e, 'public_key');
    if (pk === undefined || !/^[0-9a-f]{64}$/.test(pk)) continue;
    if (e.type === 'security.validator_added') {
      const power = Number(attr(e, 'power'));
      if (Number.isSafeInteger(power) && power > 0) byKey.set(pk, BigInt(power));
    } else if (e.type === 'security.validator_removed') byKey.set(pk, 0n);
  }
  const changed = before === undefined ? [...byKey] : [...byKey].filter(([pk, power]) => BigInt(before.get(pk) ?? 0) !== power);
  return changed.map(([pk, power]) => ({ pubKey: { ed25519: new Uint8Array(Buffer.from(pk, 'hex')) }, power }));
}

/** Answers decoded ABCI requests; one per server, shared by CometBFT's four connections. */
export class CometApp {
  readonly home: string;
  private host: ApplicationHost | null = null;
  private readonly log: LogFn;
  private readonly opts: CometAppOptions;
  /** State-sync restore in progress: the accepted offer and the chunks received. */
  private restore: { height: number; chunks: number; hash: string; appHash: string; parts: (Uint8Array | null)[] } | null = null;

  constructor(opts: CometAppOptions) {
    this.opts = opts;
    this.home = opts.home;
    this.log = opts.log ?? (() => {});
    try {
      ensurePrivateDir(opts.home);
    } catch (e) {
      throw new CharterError('WORKSPACE_INVALID', `cannot create the application home ${opts.home}: ${(e as Error).message}`, { file: opts.home });
    }
    const genesis = this.storedGenesis();
    if (genesis !== null) this.host = this.openHost(genesis);
  }

  /** The host, once the chain is initialised (by InitChain, or a genesis.json in the home). */
  get app(): ApplicationHost | null {
    return this.host;
  }

  close(): void {
    this.host?.close();
    this.host = null;
  }

  private get genesisPath(): string {
    return join(this.home, ABCI_GENESIS_FILE);
  }

  private storedGenesis(): GenesisDoc | null {
    if (!existsSync(this.genesisPath)) return null;
    try {
      return validateGenesis(JSON.parse(readFileSync(this.genesisPath, 'utf8')));
    } catch (e) {
      throw new CharterError('WORKSPACE_INVALID', `${this.genesisPath}: ${(e as Error).message}`, { file: this.genesisPath });
    }
  }

  private openHost(genesis: GenesisDoc): ApplicationHost {
    const dbPath = join(this.home, ABCI_NODE_DB_FILE);
    const store = NodeStore.open(dbPath);
    try {
      ApplicationHost.checkGenesis(store, genesis, this.genesisPath);
      // Signs the evidence log's checkpoints: this node's own key (evidence from a network is verified by the validators' commits).
      const signer = loadOrCreateValidatorKey(this.home, undefined, (level, msg) => this.log(level, msg));
      return new ApplicationHost({
        store,
        dbPath,
        genesis,
        checkpointSigner: signer,
        ...(this.opts.snapshotEvery !== undefined ? { snapshotEvery: this.opts.snapshotEvery } : {}),
        ...(this.opts.checkpointEvery !== undefined ? { checkpointEvery: this.opts.checkpointEvery } : {}),
        log: this.log,
      });
    } catch (e) {
      if (store.isOpen) store.close();
      throw e;
    }
  }

  private need(what: string): ApplicationHost {
    if (this.host === null) throw new CharterError('WORKSPACE_INVALID', `${what} before InitChain: this application has no genesis yet (${this.genesisPath})`);
    return this.host;
  }

  /**
   * One request → its response. Throws for a request it cannot serve (the
   * server answers ResponseException). CometBFT's socket client stops on an
   * exception, halting the node: so a query, a transaction or a snapshot
   * request that fails gets an answer with an error code instead, and only
   * what leaves the application unable to go on (InitChain, executing or
   * committing a block, restoring a snapshot) throws.
   */
  handle(req: Request): Response {
    try {
      return this.answer(req);
    } catch (e) {
      const code = e instanceof CharterError ? e.code : 'INTERNAL';
      const log = `${code}: ${(e as Error).message}`;
      const info = (ERROR_CODES as Record<string, { abci?: number } | undefined>)[code];
      const abci = info?.abci ?? HOST_ERROR_ABCI_CODE;
      if (req.query)
        return { query: { code: abci, log, info: '', index: 0n, key: new Uint8Array(0), value: new Uint8Array(0), height: 0n, codespace: HOST_CODESPACE } };
      if (req.checkTx)
        return { checkTx: { code: abci, data: new Uint8Array(0), log, info: '', gasWanted: 0n, gasUsed: 0n, events: [], codespace: HOST_CODESPACE } };
      if (req.listSnapshots) return { listSnapshots: { snapshots: [] } };
      if (req.loadSnapshotChunk) return { loadSnapshotChunk: { chunk: new Uint8Array(0) } };
      if (req.offerSnapshot) return { offerSnapshot: { result: ResponseOfferSnapshot_Result.ABORT } };
      if (req.processProposal) return { processProposal: { status: ResponseProcessProposal_ProposalStatus.REJECT } };
      throw e;
    }
  }

  private answer(req: Request): Response {
    if (req.echo) return { echo: { message: req.echo.message } };
    if (req.flush) return { flush: {} };
    if (req.info) {
      const h = this.host;
      const info = h?.info();
      return {
        info: {
          data: ABCI_APP_NAME,
          // The same before and after InitChain: CometBFT's handshake puts it in every header, and state sync compares it.
          version: String(h?.appVersion ?? APP_VERSION),
          appVersion: BigInt(h?.appVersion ?? APP_VERSION),
          lastBlockHeight: BigInt(info?.lastBlockHeight ?? 0),
          lastBlockAppHash: info && info.lastBlockHeight > 0 ? info.lastBlockAppHash : new Uint8Array(0),
        },
      };
    }
    if (req.initChain) return { initChain: this.initChain(req.initChain) };
    if (req.query) {
      const r = this.need('Query').query({ path: req.query.path, data: req.query.data });
      return {
        query: { code: r.code, log: r.log, info: '', index: 0n, key: new Uint8Array(0), value: r.value, height: BigInt(r.height), codespace: r.codespace },
      };
    }
    if (req.checkTx) {
      const tx = req.checkTx.tx;
      const r = this.need('CheckTx').checkTx({ tx, hash: txHashOf(tx), type: req.checkTx.type === CheckTxType.RECHECK ? 'recheck' : 'new' });
      return { checkTx: { ...execResult(r) } };
    }
    if (req.prepareProposal) {
      // The mempool's order, cut at the byte limit CometBFT gives (the engine does not reorder or add).
      const max = Number(req.prepareProposal.maxTxBytes);
      const txs: Uint8Array[] = [];
      let size = 0;
      for (const t of req.prepareProposal.txs) {
        if (size + t.length > max) break;
        size += t.length;
        txs.push(t);
      }
      return { prepareProposal: { txs } };
    }
    if (req.processProposal) {
      const ok = req.processProposal.txs.every((t) => acceptable(t));
      return {
        processProposal: { status: ok ? ResponseProcessProposal_ProposalStatus.ACCEPT : ResponseProcessProposal_ProposalStatus.REJECT },
      };
    }
    if (req.extendVote) return { extendVote: { voteExtension: new Uint8Array(0) } };
    if (req.verifyVoteExtension) {
      const empty = req.verifyVoteExtension.voteExtension.length === 0;
      return {
        verifyVoteExtension: {
          status: empty ? ResponseVerifyVoteExtension_VerifyStatus.ACCEPT : ResponseVerifyVoteExtension_VerifyStatus.REJECT,
        },
      };
    }
    if (req.finalizeBlock) return { finalizeBlock: this.finalizeBlock(req.finalizeBlock) };
    if (req.commit) {
      const r = this.need('Commit').commit();
      return { commit: { retainHeight: BigInt(r.retainHeight) } };
    }
    if (req.listSnapshots) {
      const snaps = this.host?.listSnapshots() ?? [];
      return {
        listSnapshots: {
          snapshots: snaps.map((s) => ({
            height: BigInt(s.height),
            format: s.format,
            chunks: s.chunks,
            hash: new Uint8Array(Buffer.from(s.hash, 'hex')),
            metadata: new Uint8Array(Buffer.from(s.metadata, 'hex')),
          })),
        },
      };
    }
    if (req.loadSnapshotChunk) {
      const c = req.loadSnapshotChunk;
      const chunk = this.host?.loadSnapshotChunk({ height: Number(c.height), format: c.format, chunk: c.chunk }) ?? null;
      return { loadSnapshotChunk: { chunk: chunk ?? new Uint8Array(0) } };
    }
    if (req.offerSnapshot) return { offerSnapshot: { result: this.offerSnapshot(req.offerSnapshot.snapshot, req.offerSnapshot.appHash) } };
    if (req.applySnapshotChunk) {
      return {
        applySnapshotChunk: {
          result: this.applySnapshotChunk(req.applySnapshotChunk.index, req.applySnapshotChunk.chunk),
          refetchChunks: [],
          rejectSenders: [],
        },
      };
    }
    throw new CharterError('INVALID_INPUT', 'an ABCI request this application does not serve');
  }

  private initChain(req: RequestInitChain): NonNullable<Response['initChain']> {
    if (req.initialHeight !== 1n && req.initialHeight !== 0n) {
      throw new CharterError('INVALID_INPUT', `InitChain: initial height ${req.initialHeight} is not supported; the custody chain starts at height 1`);
    }
    let genesis = this.storedGenesis();
    if (req.appStateBytes.length > 0) {
      let given: GenesisDoc;
      try {
        given = validateGenesis(JSON.parse(Buffer.from(req.appStateBytes).toString('utf8')));
      } catch (e) {
        throw new CharterError('INVALID_INPUT', `InitChain: app_state is not a custody genesis: ${(e as Error).message}`);
      }
      if (genesis !== null && canonicalJson(genesis) !== canonicalJson(given)) {
        throw new CharterError('WORKSPACE_INVALID', `InitChain: app_state is not the genesis in ${this.genesisPath}`, { file: this.genesisPath });
      }
      genesis = given;
    }
    if (genesis === null) throw new CharterError('INVALID_INPUT', `InitChain: no app_state in the CometBFT genesis and no ${this.genesisPath}`);
    if (genesis.chain_id !== req.chainId) {
      throw new CharterError('INVALID_INPUT', `InitChain: CometBFT's chain id ${req.chainId} is not the custody genesis chain id ${genesis.chain_id}`);
    }
    if (genesis.validators !== undefined) {
      // The custody genesis records the validators governance may later remove: they must be the ones CometBFT starts with.
      const comet = req.validators.map((v) => `${Buffer.from(v.pubKey?.ed25519 ?? new Uint8Array(0)).toString('hex')}:${v.power}`).sort();
      const ours = genesis.validators.map((v) => `${v.public_key}:${v.power}`).sort();
      if (comet.join(',') !== ours.join(',')) {
        throw new CharterError(
          'INVALID_INPUT',
          `InitChain: CometBFT's genesis validators (${comet.join(', ')}) are not the custody genesis validators (${ours.join(', ')})`,
        );
      }
    }
    if (!existsSync(this.genesisPath)) writeFileAtomic(this.genesisPath, JSON.stringify(genesis, null, 2) + '\n');
    if (this.host === null) this.host = this.openHost(genesis);
    const r = this.host.initChain({ chainId: req.chainId, time: timestampToRfc3339(req.time), initialHeight: 1 });
    // An empty validator list accepts CometBFT's genesis validators.
    return { validators: [], appHash: r.appHash };
  }

  private finalizeBlock(req: RequestFinalizeBlock): NonNullable<Response['finalizeBlock']> {
    const host = this.need('FinalizeBlock');
    const height = Number(req.height);
    const time = timestampToRfc3339(req.time);
    const prev = host.latestBlock();
    const hashes = req.txs.map((t) => txHashOf(t));
    const hash = hexUpper(req.hash);
    const block: DecidedBlock = {
      height,
      hash,
      time,
      time_ms: Number(req.time?.seconds ?? 0n) * 1000 + Math.floor((req.time?.nanos ?? 0) / 1e6),
      app_hash: prev ? prev.result_app_hash : host.genesisAppHash,
      last_block_hash: prev?.hash ?? '',
      data_hash: '',
      proposer: hexUpper(req.proposerAddress),
      num_txs: req.txs.length,
      size: req.txs.reduce((a, t) => a + t.length, 0),
      // The header is CometBFT's; what the application learns of it:
      header: canonicalJson({
        chain_id: host.chainId,
        height: String(height),
        time,
        proposer_address: hexUpper(req.proposerAddress),
        next_validators_hash: hexUpper(req.nextValidatorsHash),
      }),
      block_id: JSON.stringify({ hash, parts: { total: 0, hash: '' } }),
      last_commit: JSON.stringify({
        round: req.decidedLastCommit?.round ?? 0,
        votes: (req.decidedLastCommit?.votes ?? []).map((v) => ({
          address: hexUpper(v.validator.address),
          power: String(v.validator.power),
          block_id_flag: v.blockIdFlag,
        })),
      }),
      commit_signature: '',
      commit_time: time,
    };
    const before = activeValidators(host);
    const res = host.finalizeBlock({ height, time, txs: req.txs, hashes, block });
    return {
      events: pbEvents(res.events),
      txResults: res.txResults.map(execResult),
      validatorUpdates: validatorUpdatesOf(res.events, res.txResults, before),
      appHash: res.appHash,
    };
  }

  private offerSnapshot(
    s: { height: bigint; format: number; chunks: number; hash: Uint8Array; metadata: Uint8Array } | undefined,
    appHash: Uint8Array,
  ): ResponseOfferSnapshot_Result {
    if (s === undefined) return ResponseOfferSnapshot_Result.REJECT;
    if (s.format !== 1) return ResponseOfferSnapshot_Result.REJECT_FORMAT;
    if (this.host !== null && this.host.height() > 0) return ResponseOfferSnapshot_Result.ABORT;
    if (this.storedGenesis() === null) return ResponseOfferSnapshot_Result.ABORT;
    if (s.chunks < 1 || s.chunks > 1 << 16 || s.hash.length !== 32 || appHash.length !== 32) return ResponseOfferSnapshot_Result.REJECT;
    this.restore = {
      height: Number(s.height),
      chunks: s.chunks,
      hash: Buffer.from(s.hash).toString('hex'),
      appHash: hexUpper(appHash),
      parts: new Array(s.chunks).fill(null),
    };
    return ResponseOfferSnapshot_Result.ACCEPT;
  }

  private applySnapshotChunk(index: number, chunk: Uint8Array): ResponseApplySnapshotChunk_Result {
    const r = this.restore;
    if (r === null || index < 0 || index >= r.chunks) return ResponseApplySnapshotChunk_Result.ABORT;
    r.parts[index] = new Uint8Array(chunk);
    if (r.parts.some((p) => p === null)) return ResponseApplySnapshotChunk_Result.ACCEPT;
    this.restore = null;
    const bytes = Buffer.concat(r.parts as Uint8Array[]);
    const genesis = this.storedGenesis() as GenesisDoc;
    this.host?.close();
    this.host = null;
    try {
      ApplicationHost.restoreSnapshotInto(join(this.home, ABCI_NODE_DB_FILE), genesis, { height: r.height, appHash: r.appHash, hash: r.hash, bytes });
    } catch (e) {
      this.log('warn', `state sync: the snapshot at height ${r.height} was refused: ${(e as Error).message}`);
      this.host = this.openHost(genesis);
      return ResponseApplySnapshotChunk_Result.REJECT_SNAPSHOT;
    }
    this.host = this.openHost(genesis);
    this.log('info', `state sync: restored the snapshot at height ${r.height} (root ${r.appHash})`);
    return ResponseApplySnapshotChunk_Result.ACCEPT;
  }
}

/** The validators the committed state records as active, by public key: their power. */
function activeValidators(host: ApplicationHost): Map<string, number> {
  const r = host.query({ path: '/validators' });
  const out = new Map<string, number>();
  if (r.code !== 0) return out;
  for (const v of JSON.parse(Buffer.from(r.value).toString('utf8')) as { public_key: string; power: number }[]) out.set(v.public_key, v.power);
  return out;
}

/** Whether a proposed transaction is one the application could include: within the size limit and a well-formed envelope. */
function acceptable(tx: Uint8Array): boolean {
  if (tx.length === 0 || tx.length > MAX_TX_BYTES) return false;
  try {
    decodeTx(tx);
    return true;
  } catch {
    return false;
  }
}

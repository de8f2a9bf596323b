/**
 * `charter witness`: an independent witness of a transparency log's signed
 * checkpoints (docs/formats/evidence-log.md §5.5, §8; user guide "Running a
 * witness").
 *
 * A witness directory (0700) holds:
 *   witness_key.json   the witness's Ed25519 key (0600; never printed, never logged)
 *   trust.json         the log's trust file, pinned at the first run (given with
 *                      --trust, or fetched from the node: trust on first use)
 *   state.json         the last checkpoint it cosigned (atomic writes)
 *   forks/<sha256>.json fork evidence: both signed checkpoints, the proof offered, the reason
 *
 * One round: fetch the latest signed checkpoint; check the log's signatures
 * against the pinned trust file; check it extends the last cosigned one
 * (main/witness/judge.ts; the node's consistency proof is verified here);
 * cosign it (D("charter/cosignature/v1", JCS(checkpoint))); record it; post the
 * cosignature to the node. An inconsistent checkpoint is refused with
 * FORK_DETECTED and recorded, and the witness refuses the log for as long as a
 * fork record is in forks/.
 */
import { randomBytes } from 'node:crypto';
import { nodeSha256Hex } from '../crypto/node-hash.js';
import fs from 'node:fs';
import path from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromHex, keyIdOf, toHex } from '../../core/codec/index.js';
import { nobleVerifier } from '../../core/crypto/ed25519.js';
import { CharterError } from '../../core/errors.js';
import {
  cosignatureDigest,
  parseTrustFile,
  signedCheckpointSchema,
  verifyCheckpoint,
  type EvidenceSignature,
  type SignedCheckpoint,
  type TrustFile,
  type TrustKey,
} from '../../core/evidence/checkpoint.js';
import { jcsBytes, parseStrictJson } from '../../core/evidence/jcs.js';
import { ensurePrivateDir, tightenMode, writeFileAtomic } from '../../base/node/files.js';
import { judgeOffer, judgeProof } from './judge.js';

export const KEY_FILE = 'witness_key.json';
export const TRUST_FILE = 'trust.json';
export const STATE_FILE = 'state.json';
export const FORKS_DIR = 'forks';
export const FORK_FORMAT = 'charter.witness-fork/v1';
export const STATE_FORMAT = 'charter.witness-state/v1';

interface KeyFile {
  format: 'charter.witness-key/v1';
  scheme: 'ed25519';
  key_id: string;
  public_key: string;
  secret_key: string;
}

export interface WitnessIdentity {
  key_id: string;
  scheme: 'ed25519';
  public_key: string;
  /** The entry for an auditor's trust file `witnesses.keys`. */
  trust_entry: TrustKey;
}

interface WitnessKey extends WitnessIdentity {
  sign(digest: Uint8Array): Uint8Array;
}

export interface WitnessState {
  format: typeof STATE_FORMAT;
  log_id: string;
  trust: { source: 'given' | 'first-use'; node: string | null; pinned_at: string };
  /** The last checkpoint this witness cosigned (as the log signed it, without cosignatures), and its cosignature. */
  last: { signed: SignedCheckpoint; cosignature: EvidenceSignature; cosigned_at: string; node: string } | null;
}

export interface ForkRecord {
  format: typeof FORK_FORMAT;
  log_id: string;
  node: string;
  reason: string;
  /** The checkpoint the witness had cosigned. */
  cosigned: SignedCheckpoint;
  /** The checkpoint the log offered next, which does not extend it. */
  offered: SignedCheckpoint;
  /** The consistency proof the node offered, or null (none asked for, or the node could not give one). */
  proof: unknown;
}

function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CharterError('WORKSPACE_INVALID', `${what} ${file} cannot be read: ${(e as Error).message}`, { file });
  }
  try {
    return parseStrictJson(text);
  } catch (e) {
    throw new CharterError('WORKSPACE_INVALID', `${what} ${file} is not valid JSON: ${(e as Error).message}`, { file });
  }
}

function identityOf(pub: Uint8Array): WitnessIdentity {
  const key_id = keyIdOf('ed25519', pub);
  const public_key = toHex(pub);
  return { key_id, scheme: 'ed25519', public_key, trust_entry: { key_id, scheme: 'ed25519', public_key, valid_from_height: 0 } };
}

/** `charter witness init`: create DIR (0700) and its key (0600). Refuses a directory that already holds a witness key. */
export function initWitness(dir: string): WitnessIdentity {
  const keyFile = path.join(dir, KEY_FILE);
  if (fs.existsSync(keyFile))
    throw new CharterError(
      'INVALID_INPUT',
      `${dir} already holds a witness key (${KEY_FILE}); a witness keeps its key: use another directory for another witness`,
      { file: keyFile },
    );
  ensurePrivateDir(dir);
  const seed = new Uint8Array(randomBytes(32));
  const pub = ed25519.getPublicKey(seed);
  const id = identityOf(pub);
  const file: KeyFile = { format: 'charter.witness-key/v1', scheme: 'ed25519', key_id: id.key_id, public_key: id.public_key, secret_key: toHex(seed) };
  writeFileAtomic(keyFile, JSON.stringify(file, null, 2) + '\n', 0o600);
  seed.fill(0);
  return id;
}

function loadKey(dir: string): WitnessKey {
  const keyFile = path.join(dir, KEY_FILE);
  if (!fs.existsSync(keyFile))
    throw new CharterError('WORKSPACE_INVALID', `${dir} is not a witness directory (no ${KEY_FILE}); run \`charter witness init --dir ${dir}\` first`, {
      file: keyFile,
    });
  if (process.platform !== 'win32' && (fs.statSync(keyFile).mode & 0o077) !== 0) tightenMode(keyFile, 0o600);
  const f = readJsonFile(keyFile, 'the witness key') as Partial<KeyFile>;
  if (f.scheme !== 'ed25519' || typeof f.secret_key !== 'string' || !/^[0-9a-f]{64}$/.test(f.secret_key))
    throw new CharterError('WORKSPACE_INVALID', `${keyFile} is not a witness key file`, { file: keyFile });
  const seed = fromHex(f.secret_key);
  const pub = ed25519.getPublicKey(seed);
  const id = identityOf(pub);
  if (f.public_key !== id.public_key || f.key_id !== id.key_id)
    throw new CharterError('WORKSPACE_INVALID', `${keyFile}: public_key or key_id does not match secret_key`, { file: keyFile });
  return { ...id, sign: (d) => ed25519.sign(d, seed) };
}

/** The witness's public identity (never the secret). */
export function witnessIdentity(dir: string): WitnessIdentity {
  const { sign: _sign, ...id } = loadKey(dir);
  return id;
}

export function readState(dir: string): WitnessState | null {
  const file = path.join(dir, STATE_FILE);
  if (!fs.existsSync(file)) return null;
  const s = readJsonFile(file, 'the witness state') as WitnessState;
  if (s?.format !== STATE_FORMAT) throw new CharterError('WORKSPACE_INVALID', `${file} is not a witness state file (format ${STATE_FORMAT})`, { file });
  return s;
}

function writeState(dir: string, s: WitnessState): void {
  writeFileAtomic(path.join(dir, STATE_FILE), JSON.stringify(s, null, 2) + '\n', 0o600);
}

export interface ForkEntry {
  file: string;
  record: ForkRecord;
}

export function readForks(dir: string): ForkEntry[] {
  const d = path.join(dir, FORKS_DIR);
  if (!fs.existsSync(d)) return [];
  return fs
    .readdirSync(d)
    .filter((n) => /^[0-9a-f]{64}\.json$/.test(n))
    .sort()
    .map((n) => ({ file: path.join(d, n), record: readJsonFile(path.join(d, n), 'the fork record') as ForkRecord }));
}

/** Write fork evidence to DIR/forks/<sha256 of its JCS bytes>.json (the same evidence always gives the same file). */
export function writeFork(dir: string, record: ForkRecord): string {
  const d = path.join(dir, FORKS_DIR);
  ensurePrivateDir(d);
  const bytes = jcsBytes(record);
  const file = path.join(d, `${nodeSha256Hex(bytes)}.json`);
  if (!fs.existsSync(file)) writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n', 0o600);
  return file;
}

/** What a witness needs from a log: the evidence routes of docs/formats/evidence-log.md §7, over HTTP. */
export class LogClient {
  constructor(
    readonly base: string,
    private readonly timeoutMs = 15_000,
  ) {
    let u: URL;
    try {
      u = new URL(base);
    } catch {
      throw new CharterError('USAGE', `--node must be a URL such as http://127.0.0.1:26657, got ${JSON.stringify(base)}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CharterError('USAGE', `--node must be http:// or https://, got ${u.protocol}`);
    this.base = base.replace(/\/+$/, '');
  }

  private async call(route: string, post?: unknown): Promise<{ status: number; body: unknown }> {
    const init: RequestInit = { signal: AbortSignal.timeout(this.timeoutMs), headers: { Accept: 'application/json' } };
    if (post !== undefined)
      Object.assign(init, { method: 'POST', body: JSON.stringify(post), headers: { Accept: 'application/json', 'Content-Type': 'application/json' } });
    let res: Response;
    try {
      res = await fetch(this.base + route, init);
    } catch (e) {
      throw new CharterError(
        'NODE_UNREACHABLE',
        `${post === undefined ? 'GET' : 'POST'} ${this.base}${route}: the node does not answer (${(e as Error).message})`,
      );
    }
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? parseStrictJson(text) : null;
    } catch {
      throw new CharterError('NODE_ERROR', `${route}: the node did not answer JSON (${res.status})`, { status: res.status });
    }
    return { status: res.status, body };
  }

  private static fail(route: string, status: number, body: unknown): CharterError {
    const b = (body ?? {}) as { code?: unknown; message?: unknown };
    const msg = `${route}: ${typeof b.message === 'string' ? b.message : `HTTP ${status}`}`;
    const passthrough = ['NOT_FOUND', 'INVALID_INPUT', 'BAD_SIGNATURE', 'CHECKPOINT_MISMATCH'];
    if (typeof b.code === 'string' && passthrough.includes(b.code) && status < 500) return new CharterError(b.code as 'NOT_FOUND', msg, { status });
    return new CharterError('NODE_ERROR', msg, { status });
  }

  async trust(): Promise<unknown> {
    const r = await this.call('/explorer/trust');
    if (r.status !== 200) throw LogClient.fail('/explorer/trust', r.status, r.body);
    return r.body;
  }

  /** The latest signed checkpoint, or null when the log has none yet. */
  async latestCheckpoint(): Promise<unknown> {
    const r = await this.call('/explorer/checkpoint?height=latest');
    if (r.status === 404) return null;
    if (r.status !== 200) throw LogClient.fail('/explorer/checkpoint', r.status, r.body);
    return r.body;
  }

  /** The consistency proof from→to: {ok: true, proof} or {ok: false, error} when the node answers that it cannot prove it (4xx). */
  async consistencyProof(from: number, to: number): Promise<{ ok: true; proof: unknown } | { ok: false; error: CharterError }> {
    const route = `/explorer/consistency-proof?from=${from}&to=${to}`;
    const r = await this.call(route);
    if (r.status === 200) return { ok: true, proof: r.body };
    const e = LogClient.fail(route, r.status, r.body);
    if (r.status >= 500) throw e;
    return { ok: false, error: e };
  }

  async postCosignature(
    checkpoint: SignedCheckpoint['checkpoint'],
    cosignature: EvidenceSignature,
    publicKey: string,
  ): Promise<{ checkpoint: unknown; stored: boolean }> {
    const r = await this.call('/explorer/cosignature', { checkpoint, cosignature, public_key: publicKey });
    if (r.status !== 200) throw LogClient.fail('/explorer/cosignature', r.status, r.body);
    return r.body as { checkpoint: unknown; stored: boolean };
  }
}

export interface RoundOptions {
  dir: string;
  node: string;
  /** A trust file to pin (JSON file path); default: the one pinned, or the node's at the first run. */
  trust?: string;
  /** Progress lines for the operator (never the key). */
  say?: (line: string) => void;
}

export type RoundResult =
  | { status: 'none'; message: string }
  | { status: 'unchanged'; checkpoint: SignedCheckpoint['checkpoint']; reposted: boolean; message: string }
  | { status: 'cosigned'; checkpoint: SignedCheckpoint['checkpoint']; cosignature: EvidenceSignature; stored: boolean; message: string };

function sameJson(a: unknown, b: unknown): boolean {
  return toHex(jcsBytes(a)) === toHex(jcsBytes(b));
}

function fileTrust(file: string): TrustFile {
  try {
    return parseTrustFile(readJsonFile(file, 'the trust file'));
  } catch (e) {
    if (e instanceof CharterError && e.code === 'WORKSPACE_INVALID') throw new CharterError('INVALID_INPUT', e.message);
    throw e;
  }
}

/** The pinned trust file (pinning it now if this is the first run); and the state. */
async function pinTrust(o: RoundOptions, client: LogClient, say: (l: string) => void): Promise<{ trust: TrustFile; state: WitnessState }> {
  const pinnedFile = path.join(o.dir, TRUST_FILE);
  let state = readState(o.dir);
  const given = o.trust !== undefined ? fileTrust(o.trust) : null;
  if (fs.existsSync(pinnedFile)) {
    const pinned = fileTrust(pinnedFile);
    if (given !== null && !sameJson(given, pinned)) {
      throw new CharterError(
        'INVALID_INPUT',
        `${o.trust} is not the trust file this witness pinned (${pinnedFile}); a witness keeps the trust file it started with — to change it, replace ${pinnedFile} knowingly`,
        { file: pinnedFile },
      );
    }
    if (state === null) {
      state = {
        format: STATE_FORMAT,
        log_id: pinned.log_id,
        trust: { source: given ? 'given' : 'first-use', node: given ? null : client.base, pinned_at: new Date().toISOString() },
        last: null,
      };
      writeState(o.dir, state);
    }
    return { trust: pinned, state };
  }
  let trust: TrustFile;
  let source: 'given' | 'first-use';
  if (given !== null) {
    trust = given;
    source = 'given';
    say(`pinned the trust file ${o.trust} for log ${trust.log_id} (${trust.keys.length} key(s), quorum ${trust.quorum}) in ${pinnedFile}`);
  } else {
    const served = await client.trust();
    try {
      trust = parseTrustFile(served);
    } catch (e) {
      throw new CharterError('CHECKPOINT_UNTRUSTED', `the node's trust file (/explorer/trust) cannot be used: ${(e as Error).message}`);
    }
    source = 'first-use';
    say(
      `trust on first use: pinned the trust file served by ${client.base} for log ${trust.log_id} ` +
        `(keys ${trust.keys.map((k) => k.key_id).join(', ')}, quorum ${trust.quorum}) in ${pinnedFile}. ` +
        'Check these keys with the log operator out of band; from now on this witness accepts only checkpoints they sign.',
    );
  }
  writeFileAtomic(pinnedFile, JSON.stringify(trust, null, 2) + '\n', 0o600);
  state = {
    format: STATE_FORMAT,
    log_id: trust.log_id,
    trust: { source, node: source === 'first-use' ? client.base : null, pinned_at: new Date().toISOString() },
    last: state?.last ?? null,
  };
  writeState(o.dir, state);
  return { trust, state };
}

function stripCosignatures(sc: SignedCheckpoint): SignedCheckpoint {
  return { checkpoint: sc.checkpoint, signatures: sc.signatures };
}

function forkError(dir: string, rec: ForkRecord, file: string): CharterError {
  const a = rec.cosigned.checkpoint;
  const b = rec.offered.checkpoint;
  return new CharterError(
    'FORK_DETECTED',
    `FORK_DETECTED: log ${rec.log_id}: the cosigned checkpoint (height ${a.height}, MMR size ${a.mmr_size}) and the offered one (height ${b.height}, MMR size ${b.mmr_size}) are inconsistent: ${rec.reason}. ` +
      `Evidence: ${file}. Nothing was cosigned; this witness refuses log ${rec.log_id} while ${path.join(dir, FORKS_DIR)} holds the record.`,
    { file, log_id: rec.log_id, cosigned: { height: a.height, mmr_size: a.mmr_size }, offered: { height: b.height, mmr_size: b.mmr_size }, reason: rec.reason },
  );
}

/**
 * One witness round. Resolves with what it did; throws CharterError
 * FORK_DETECTED (evidence written), CHECKPOINT_UNTRUSTED (the log's signatures
 * do not pass its trust file), NODE_UNREACHABLE / NODE_ERROR, or a problem of
 * the directory.
 */
export async function witnessRound(o: RoundOptions): Promise<RoundResult> {
  const say = o.say ?? (() => {});
  const client = new LogClient(o.node);
  const key = loadKey(o.dir);
  const { trust, state } = await pinTrust(o, client, say);

  const forks = readForks(o.dir).filter((f) => f.record.log_id === trust.log_id);
  if (forks.length > 0) {
    const f = forks[0] as ForkEntry;
    throw forkError(o.dir, f.record, f.file);
  }

  const raw = await client.latestCheckpoint();
  if (raw === null) return { status: 'none', message: `log ${trust.log_id} at ${client.base} has no signed checkpoint yet; nothing to cosign` };
  const parsed = signedCheckpointSchema.safeParse(raw);
  if (!parsed.success)
    throw new CharterError(
      'CHECKPOINT_UNTRUSTED',
      `the latest checkpoint ${client.base} serves is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.') || '$'}: ${i.message}`).join('; ')}`,
    );
  const offered = parsed.data as SignedCheckpoint;
  const v = verifyCheckpoint(offered, trust, nobleVerifier);
  if (!v.ok) {
    throw new CharterError(
      'CHECKPOINT_UNTRUSTED',
      `the checkpoint at height ${offered.checkpoint.height} is refused: ${v.reasons.join(', ')} (${v.valid} of quorum ${v.quorum} counting signatures of the pinned trust file's keys); nothing was cosigned`,
      { reasons: v.reasons, signatures: v.signatures },
    );
  }
  const c = offered.checkpoint;
  const last = state.last;
  if (last !== null) {
    const j = judgeOffer(last.signed.checkpoint, c);
    let forkReason: string | null = null;
    let proof: unknown = null;
    if (j.verdict === 'fork') forkReason = j.reason;
    else if (j.verdict === 'extends' && j.needsProof) {
      const p = await client.consistencyProof(last.signed.checkpoint.mmr_size, c.mmr_size);
      if (!p.ok) forkReason = `the node gives no consistency proof ${last.signed.checkpoint.mmr_size}→${c.mmr_size}: ${p.error.code}: ${p.error.message}`;
      else {
        proof = p.proof;
        forkReason = judgeProof(last.signed.checkpoint, c, p.proof);
      }
    }
    if (forkReason !== null) {
      const rec: ForkRecord = {
        format: FORK_FORMAT,
        log_id: trust.log_id,
        node: client.base,
        reason: forkReason,
        cosigned: last.signed,
        offered: stripCosignatures(offered),
        proof,
      };
      const file = writeFork(o.dir, rec);
      throw forkError(o.dir, rec, file);
    }
    if (j.verdict === 'same' || j.verdict === 'older') {
      const mine = (offered.cosignatures ?? []).some((s) => s.key_id === key.key_id);
      // Ours is missing (a post that failed, a node that lost it): hand it over again.
      if (j.verdict === 'same' && !mine) {
        const r = await client.postCosignature(c, last.cosignature, key.public_key);
        return {
          status: 'unchanged',
          checkpoint: c,
          reposted: true,
          message: `checkpoint at height ${c.height} (MMR size ${c.mmr_size}) already cosigned; posted the cosignature again (${r.stored ? 'stored' : 'the node had it'})`,
        };
      }
      return {
        status: 'unchanged',
        checkpoint: c,
        reposted: false,
        message: `nothing new: the latest checkpoint is at height ${c.height} (MMR size ${c.mmr_size}); last cosigned at height ${last.signed.checkpoint.height}`,
      };
    }
  }
  const cosignature: EvidenceSignature = { key_id: key.key_id, scheme: 'ed25519', signature: toHex(key.sign(cosignatureDigest(c))) };
  // Recorded before it is posted: what this witness signed is what the next round must extend.
  writeState(o.dir, { ...state, last: { signed: stripCosignatures(offered), cosignature, cosigned_at: new Date().toISOString(), node: client.base } });
  const r = await client.postCosignature(c, cosignature, key.public_key);
  const from = last ? ` (extends height ${last.signed.checkpoint.height}, MMR size ${last.signed.checkpoint.mmr_size})` : ' (the first this witness cosigns)';
  return {
    status: 'cosigned',
    checkpoint: c,
    cosignature,
    stored: r.stored,
    message: `cosigned the checkpoint of log ${c.log_id} at height ${c.height} (MMR size ${c.mmr_size})${from}; posted to ${client.base}`,
  };
}

/** `charter witness status`: what the directory holds (never the key). */
export function witnessStatus(dir: string): {
  witness: WitnessIdentity;
  state: WitnessState | null;
  trust_file: string | null;
  forks: { file: string; log_id: string; reason: string; cosigned: { height: number; mmr_size: number }; offered: { height: number; mmr_size: number } }[];
} {
  const witness = witnessIdentity(dir);
  const pinned = path.join(dir, TRUST_FILE);
  return {
    witness,
    state: readState(dir),
    trust_file: fs.existsSync(pinned) ? pinned : null,
    forks: readForks(dir).map((f) => ({
      file: f.file,
      log_id: f.record.log_id,
      reason: f.record.reason,
      cosigned: { height: f.record.cosigned?.checkpoint?.height, mmr_size: f.record.cosigned?.checkpoint?.mmr_size },
      offered: { height: f.record.offered?.checkpoint?.height, mmr_size: f.record.offered?.checkpoint?.mmr_size },
    })),
  };
}

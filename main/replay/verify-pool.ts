/**
 * Ed25519 signature pre-verification on worker threads, for replay.
 *
 * Each worker receives transaction bytes (wire form: RFC 8785 JSON of the
 * signed envelope) and, for every transaction whose signer it knows, derives
 * the exact triple the engine will hand its verifier and verifies it with
 * node:crypto (OpenSSL, strict RFC 8032):
 *
 *   digest    = SHA-256("charter/tx/v1" || 0x00 || JCS(unsigned envelope))
 *   publicKey = the registered Ed25519 key of `signer`
 *   signature = the 64 bytes of `signature`
 *
 * Because the wire form is canonical JSON with sorted keys, JCS(unsigned) is
 * the wire bytes with the member `,"signature":"<128 hex>"` cut out, so no
 * JSON parsing is needed. A verdict is used only when the engine asks about
 * exactly the same (public key, digest, signature) bytes; anything else is
 * verified inline. The worker also hashes the wire bytes, and the engine takes
 * that transaction hash and the digest as given for the very byte arrays the
 * worker was sent (EngineOptions.wireFacts): those two SHA-256 values must be
 * right, and `charter replay --check` compares every root with the node's.
 *
 * The worker is plain JavaScript evaluated from a string (no file to find
 * next to a bundle, no TypeScript loader needed under tests).
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';

/**
 * Bytes per verdict record: signing digest 32 | public key 32 | signature 64 |
 * status 1 | SHA-256 of the wire bytes 32 (the transaction hash; set with the
 * digest, i.e. whenever the status is not STATUS_NONE).
 */
export const RECORD_BYTES = 161;
/** Offset of the transaction hash in a record. */
export const RECORD_TX_HASH = 129;
export const STATUS_NONE = 0;
export const STATUS_VALID = 1;
export const STATUS_INVALID = 2;

const WORKER_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : null;
const PREFIX = Buffer.concat([Buffer.from('charter/tx/v1', 'utf8'), Buffer.from([0])]);
const SIG_MARK = Buffer.from(',"signature":"', 'latin1');
const SIGNER_MARK = Buffer.from(',"signer":"', 'latin1');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const HEX40 = /^[0-9a-f]{40}$/;
const HEX128 = /^[0-9a-f]{128}$/;
const keys = new Map();
function addKeys(list) {
  for (const [id, pkHex] of list) {
    if (keys.has(id)) continue;
    try {
      const pk = Buffer.from(pkHex, 'hex');
      if (pk.length !== 32) continue;
      keys.set(id, { pk, obj: crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519, pk]), format: 'der', type: 'spki' }) });
    } catch { /* not a usable key: its signatures are verified inline */ }
  }
}
function verifyTxs(buf, offsets) {
  const n = offsets.length - 1;
  const out = new Uint8Array(n * ${RECORD_BYTES});
  for (let i = 0; i < n; i++) {
    const b = buf.subarray(offsets[i], offsets[i + 1]);
    const s = b.lastIndexOf(SIG_MARK);
    if (s < 0) continue;
    const hs = s + SIG_MARK.length;
    if (b[hs + 128] !== 0x22) continue;
    const sigHex = b.toString('latin1', hs, hs + 128);
    if (!HEX128.test(sigHex)) continue;
    const g = b.lastIndexOf(SIGNER_MARK);
    if (g < 0) continue;
    const gs = g + SIGNER_MARK.length;
    if (b[gs + 40] !== 0x22) continue;
    const signer = b.toString('latin1', gs, gs + 40);
    if (!HEX40.test(signer)) continue;
    const key = keys.get(signer);
    if (!key) continue;
    const sig = Buffer.from(sigHex, 'hex');
    const digest = oneShot ? oneShot('sha256', Buffer.concat([PREFIX, b.subarray(0, s), b.subarray(hs + 129)]), 'buffer') : crypto.createHash('sha256').update(PREFIX).update(b.subarray(0, s)).update(b.subarray(hs + 129)).digest();
    let ok = false;
    try { ok = crypto.verify(null, digest, key.obj, sig); } catch { ok = false; }
    const o = i * ${RECORD_BYTES};
    out.set(digest, o);
    out.set(key.pk, o + 32);
    out.set(sig, o + 64);
    out[o + 128] = ok ? ${STATUS_VALID} : ${STATUS_INVALID};
    out.set(oneShot ? oneShot('sha256', b, 'buffer') : crypto.createHash('sha256').update(b).digest(), o + ${RECORD_TX_HASH});
  }
  return out;
}
function verifyRecords(rec) {
  const n = Math.floor(rec.length / 128);
  const cache = new Map();
  let valid = 0;
  for (let i = 0; i < n; i++) {
    const o = i * 128;
    const pkB = rec.subarray(o + 32, o + 64);
    const pkKey = pkB.toString('latin1');
    let obj = cache.get(pkKey);
    if (!obj) { obj = crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519, pkB]), format: 'der', type: 'spki' }); cache.set(pkKey, obj); }
    if (crypto.verify(null, rec.subarray(o, o + 32), obj, rec.subarray(o + 64, o + 128))) valid++;
  }
  return valid;
}
parentPort.on('message', (m) => {
  try {
    if (m.keys) addKeys(m.keys);
    if (m.kind === 'txs') {
      const buf = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength);
      const out = verifyTxs(buf, m.offsets);
      parentPort.postMessage({ id: m.id, out }, [out.buffer]);
    } else if (m.kind === 'records') {
      const rec = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength);
      parentPort.postMessage({ id: m.id, valid: verifyRecords(rec) });
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.stack || e) });
  }
});
`;

interface Pending {
  resolve(v: { out?: Uint8Array; valid?: number }): void;
  reject(e: Error): void;
}

/** Default worker count: every core (the main thread's engine work interleaves with them). */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export class VerifyPool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private rr = 0;
  private closed = false;
  private failure: Error | null = null;

  constructor(size = defaultWorkers()) {
    this.size = Math.max(1, Math.floor(size));
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.on('message', (m: { id: number; out?: Uint8Array; valid?: number; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(`verify worker: ${m.error}`));
        else p.resolve(m);
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`verify worker exited with code ${code}`));
      });
      this.workers.push(w);
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const [, p] of this.pending) p.reject(e);
    this.pending.clear();
  }

  /** Tells every worker about keys (key id → hex Ed25519 public key). Ordered before any later batch. */
  addKeys(keys: [string, string][]): void {
    if (keys.length === 0) return;
    for (const w of this.workers) w.postMessage({ keys });
  }

  private send(w: Worker, msg: Record<string, unknown>, transfer: ArrayBuffer[]): Promise<{ out?: Uint8Array; valid?: number }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ ...msg, id }, transfer);
    });
  }

  /**
   * Verifies a batch of transactions, split evenly over the workers.
   * Resolves to RECORD_BYTES-sized records, one per transaction, in order.
   */
  async verifyTxs(txs: Uint8Array[]): Promise<Uint8Array> {
    const n = txs.length;
    const out = new Uint8Array(n * RECORD_BYTES);
    if (n === 0) return out;
    const parts = Math.min(this.size, n);
    const per = Math.ceil(n / parts);
    const jobs: Promise<void>[] = [];
    for (let p = 0; p < parts; p++) {
      const lo = p * per;
      const hi = Math.min(n, lo + per);
      if (lo >= hi) break;
      let total = 0;
      for (let i = lo; i < hi; i++) total += (txs[i] as Uint8Array).length;
      const buf = new Uint8Array(total);
      const offsets = new Uint32Array(hi - lo + 1);
      let o = 0;
      for (let i = lo; i < hi; i++) {
        offsets[i - lo] = o;
        buf.set(txs[i] as Uint8Array, o);
        o += (txs[i] as Uint8Array).length;
      }
      offsets[hi - lo] = o;
      const w = this.workers[this.rr++ % this.size] as Worker;
      jobs.push(
        this.send(w, { kind: 'txs', buf, offsets }, [buf.buffer, offsets.buffer]).then((r) => {
          out.set(r.out as Uint8Array, lo * RECORD_BYTES);
        }),
      );
    }
    await Promise.all(jobs);
    return out;
  }

  /**
   * Pure signature verification (the benchmark's bound): `records` holds
   * 128-byte (digest | public key | signature) triples; each worker verifies
   * an equal share. Resolves to the number that verify.
   */
  async verifyRecords(records: Uint8Array, chunkRecords = 4096): Promise<number> {
    const n = Math.floor(records.length / 128);
    const jobs: Promise<number>[] = [];
    for (let lo = 0; lo < n; lo += chunkRecords) {
      const hi = Math.min(n, lo + chunkRecords);
      const buf = records.slice(lo * 128, hi * 128);
      const w = this.workers[this.rr++ % this.size] as Worker;
      jobs.push(this.send(w, { kind: 'records', buf }, [buf.buffer]).then((r) => r.valid as number));
    }
    return (await Promise.all(jobs)).reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.fail(new Error('verify pool closed'));
  }
}

/**
 * A small transparency-log server for tests that stands in for a LYING log
 * operator: it serves the evidence routes a witness uses
 * (docs/formats/evidence-log.md §7: /explorer/trust, /explorer/checkpoint,
 * /explorer/consistency-proof, POST /explorer/cosignature) over two
 * histories that cannot both be true — MMRs of different leaves — each signed
 * by the same log key. `show(k)` switches which history it serves, as an
 * operator showing different auditors different logs would.
 *
 * Binds 127.0.0.1 on a port the OS chooses; `close()` stops it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ed25519 } from '@noble/curves/ed25519.js';
import { keyIdOf, sha256, toHex, utf8 } from '../../core/codec/index.js';
import { signCheckpoint, type Checkpoint, type SignedCheckpoint, type TrustFile } from '../../core/evidence/checkpoint.js';
import { MemoryMmrStore, addLeafHash, consistencyProof, isValidSize, peaks } from '../../core/evidence/mmr.js';

export interface LyingHistory {
  store: MemoryMmrStore;
  signed: SignedCheckpoint;
}

export interface LyingLog {
  url: string;
  trust: TrustFile;
  histories: LyingHistory[];
  /** Cosignature POST bodies received, in order. */
  posted: unknown[];
  show(k: number): void;
  close(): Promise<void>;
}

/** Sign a checkpoint of the MMR of `leaves` (strings hashed to leaf values) at `height`. */
async function history(logId: string, secret: Uint8Array, leaves: string[], height: number): Promise<LyingHistory> {
  const store = new MemoryMmrStore();
  for (const l of leaves) addLeafHash(store, sha256(utf8(l)));
  const pub = ed25519.getPublicKey(secret);
  const c: Checkpoint = {
    log_id: logId,
    mmr_size: store.size(),
    peaks: peaks(store, store.size()).map(toHex),
    height,
    time: `2026-01-01T00:00:${String(height).padStart(2, '0')}Z`,
  };
  const sig = await signCheckpoint(c, { key_id: keyIdOf('ed25519', pub), scheme: 'ed25519' }, (d) => ed25519.sign(d, secret));
  return { store, signed: { checkpoint: c, signatures: [sig] } };
}

/**
 * Start a lying log with the given histories: each is [leaves, height]. The
 * log key's secret is public test material.
 */
export async function startLyingLog(logId: string, secret: Uint8Array, specs: [string[], number][]): Promise<LyingLog> {
  const histories = await Promise.all(specs.map(([leaves, h]) => history(logId, secret, leaves, h)));
  const pub = ed25519.getPublicKey(secret);
  const trust: TrustFile = {
    version: 1,
    log_id: logId,
    quorum: 1,
    keys: [{ key_id: keyIdOf('ed25519', pub), scheme: 'ed25519', public_key: toHex(pub), valid_from_height: 0 }],
  };
  let current = 0;
  const posted: unknown[] = [];
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const h = histories[current] as LyingHistory;
    if (req.method === 'POST' && url.pathname === '/explorer/cosignature') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { cosignature: unknown };
        posted.push(body);
        send(res, 200, { checkpoint: { ...h.signed, cosignatures: [body.cosignature] }, stored: true });
      });
      return;
    }
    if (url.pathname === '/explorer/trust') return send(res, 200, trust);
    if (url.pathname === '/explorer/checkpoint') return send(res, 200, h.signed);
    if (url.pathname === '/explorer/consistency-proof') {
      // Proofs from the history being shown now: they cannot reach another history's peaks.
      const from = Number(url.searchParams.get('from'));
      const to = Number(url.searchParams.get('to') ?? h.store.size());
      if (!isValidSize(from) || !isValidSize(to) || from > to || to > h.store.size())
        return send(res, 400, { code: 'INVALID_INPUT', message: `no proof ${from}→${to}` });
      return send(res, 200, {
        from_size: from,
        to_size: to,
        from_peaks: peaks(h.store, from).map(toHex),
        to_peaks: peaks(h.store, to).map(toHex),
        paths: consistencyProof(h.store, from, to).map((p) => p.map(toHex)),
      });
    }
    send(res, 404, { code: 'NOT_FOUND', message: `${url.pathname}: no such route` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    trust,
    histories,
    posted,
    show: (k) => {
      current = k;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

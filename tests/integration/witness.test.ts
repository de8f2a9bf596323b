/**
 * `charter witness` through the real binary (bin/charter.js → dist/; `npm test`
 * builds it, run `npm run build` before running this file alone), against a
 * real devnet (in this process, RPC on 127.0.0.1 at a port it chooses) and
 * against tests/support/lying-log.ts, which stands in for a lying log
 * operator showing two inconsistent histories under one log key.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../core/codec/index.js';
import { nobleVerifier } from '../../core/crypto/ed25519.js';
import {
  cosignatureDigest,
  parseTrustFile,
  verifyCheckpoint,
  verifyCosignatures,
  type SignedCheckpoint,
  type TrustKey,
} from '../../core/evidence/checkpoint.js';
import { jcsBytes } from '../../core/evidence/jcs.js';
import { verifyConsistency } from '../../core/evidence/mmr.js';
import { CustodyClient } from '../../main/chain/custody-client.js';
import { loadDevnetAdmin } from '../../main/devnet/keys.js';
import type { DevnetNode } from '../../main/devnet/node.js';
import { startLyingLog, type LyingLog } from '../support/lying-log.js';
import { ADMIN_SECRET, Homes, VALIDATOR_SECRET, signTx, signer, steppingClock } from './devnet-fixtures.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'charter.js');
const CHAIN = 'charter-witness-1';
const homes = new Homes();
let tmp: string;
const children = new Set<import('node:child_process').ChildProcess>();

beforeAll(() => {
  if (!fs.existsSync(path.join(root, 'dist', 'main', 'cli', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it for you)');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-witness-'));
});
afterEach(async () => {
  // Anything still running is killed with its whole process group.
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
  children.clear();
  await homes.cleanup();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a child process (asynchronous: the devnet in this process must keep answering). */
function charter(args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`charter ${args.join(' ')} timed out; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (status) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Devnet with a key registration per block, blocks made by hand; a checkpoint every 3 blocks. */
async function devnet(): Promise<{ node: DevnetNode; home: string; grow: (blocks: number) => void }> {
  const home = homes.home();
  const node = await homes.start({
    home,
    chainId: CHAIN,
    blockTimeMs: 0,
    clock: steppingClock(),
    checkpointEvery: 3,
    initKeys: { adminSecret: ADMIN_SECRET, validatorSecret: VALIDATOR_SECRET },
  });
  const admin = loadDevnetAdmin(home);
  let nonce = 1;
  let made = 0;
  const grow = (blocks: number) => {
    for (let b = 0; b < blocks; b++) {
      made += 1;
      const s = signer(made);
      const { result } = node.admit(signTx(admin, CHAIN, 'key.register', { public_key: s.publicKeyHex, scheme: 'ed25519', label: `w${made}` }, nonce++));
      expect(result.code).toBe(0);
      node.produceBlock();
    }
  };
  return { node, home, grow };
}

async function getJson(url: string): Promise<any> {
  const r = await fetch(url);
  expect(r.status, url).toBe(200);
  return r.json();
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const r = await fetch(`${url}/explorer/cosignature`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.status, json: await r.json() };
}

describe('charter witness against a real devnet', () => {
  it("init, run --once: the node serves the checkpoint with a cosignature the trust file's witnesses accept; more blocks, cosigned again", async () => {
    const { node, grow } = await devnet();
    grow(5); // heights 2..6 (height 1 is the genesis block): checkpoints at 3 and 6
    const dir = path.join(tmp, 'w1');

    const init = await charter(['witness', 'init', '--dir', dir, '--json']);
    expect(init.status, init.stderr).toBe(0);
    const id = JSON.parse(init.stdout) as {
      key_id: string;
      scheme: string;
      public_key: string;
      trust_entry: TrustKey;
      witnesses: { quorum: number; keys: TrustKey[] };
    };
    expect(id.scheme).toBe('ed25519');
    expect(id.witnesses).toEqual({ quorum: 1, keys: [id.trust_entry] });
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const keyFile = path.join(dir, 'witness_key.json');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const secret = (JSON.parse(fs.readFileSync(keyFile, 'utf8')) as { secret_key: string }).secret_key;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const outputs: string[] = [init.stdout, init.stderr];
    // the human form prints the same identity and a ready-to-paste entry
    const again = await charter(['witness', 'init', '--dir', dir]);
    expect(again.status).toBe(1); // a witness keeps its key
    const human = await charter(['witness', 'init', '--dir', path.join(tmp, 'w1-other')]);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/key id: {5}[0-9a-f]{40}/);
    expect(human.stdout).toContain('"witnesses": {');
    outputs.push(again.stdout, again.stderr);

    const first = await charter(['witness', 'run', '--dir', dir, '--node', node.rpcUrl, '--once']);
    outputs.push(first.stdout, first.stderr);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('trust on first use');
    expect(first.stdout).toContain('cosigned the checkpoint');
    expect(first.stdout).toContain('height 6');

    // The node serves the checkpoint with the witness's cosignature; an auditor's trust file naming the witness accepts it.
    const served = (await getJson(`${node.rpcUrl}/explorer/checkpoint?height=latest`)) as SignedCheckpoint;
    expect(served.checkpoint.height).toBe(6);
    expect(served.cosignatures?.map((c) => c.key_id)).toEqual([id.key_id]);
    const trust = parseTrustFile({ ...(await getJson(`${node.rpcUrl}/explorer/trust`)), witnesses: id.witnesses });
    expect(verifyCheckpoint(served, trust, nobleVerifier).ok).toBe(true);
    expect(verifyCosignatures(served, trust, nobleVerifier)).toMatchObject({ ok: true, valid: 1, quorum: 1 });
    // the pinned trust file is the node's
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'trust.json'), 'utf8'))).toEqual(await getJson(`${node.rpcUrl}/explorer/trust`));
    // every route serving a signed checkpoint carries it; the older checkpoint has none
    const list = (await getJson(`${node.rpcUrl}/explorer/checkpoints`)) as { checkpoints: SignedCheckpoint[] };
    expect(list.checkpoints.map((c) => [c.checkpoint.height, c.cosignatures?.length ?? 0])).toEqual([
      [6, 1],
      [3, 0],
    ]);
    expect(((await getJson(`${node.rpcUrl}/explorer/checkpoint?height=3`)) as SignedCheckpoint).cosignatures).toBeUndefined();
    const issued = await fetch(`${node.rpcUrl}/explorer/checkpoint`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ height: 5 }),
    });
    expect(((await issued.json()) as { checkpoint: SignedCheckpoint }).checkpoint.cosignatures?.[0]?.key_id).toBe(id.key_id);

    // nothing new: exit 0, no second cosignature
    const idle = await charter(['witness', 'run', '--dir', dir, '--node', node.rpcUrl, '--once', '--json']);
    outputs.push(idle.stdout, idle.stderr);
    expect(idle.status, idle.stderr).toBe(0);
    expect(JSON.parse(idle.stdout)).toMatchObject({ ok: true, status: 'unchanged', reposted: false });

    // more blocks: the next checkpoint extends the cosigned one (the node's consistency proof, verified locally)
    grow(3); // heights 7..9: checkpoint at 9
    const second = await charter(['witness', 'run', '--dir', dir, '--node', node.rpcUrl, '--once', '--json']);
    outputs.push(second.stdout, second.stderr);
    expect(second.status, second.stderr).toBe(0);
    const r2 = JSON.parse(second.stdout) as { status: string; checkpoint: { height: number; mmr_size: number } };
    expect(r2).toMatchObject({ status: 'cosigned', checkpoint: { height: 9 } });
    const served9 = (await getJson(`${node.rpcUrl}/explorer/checkpoint?height=latest`)) as SignedCheckpoint;
    expect(verifyCosignatures(served9, trust, nobleVerifier)).toMatchObject({ ok: true, valid: 1 });
    const proof = await getJson(`${node.rpcUrl}/explorer/consistency-proof?from=${served.checkpoint.mmr_size}&to=${served9.checkpoint.mmr_size}`);
    expect(
      verifyConsistency(
        served.checkpoint.mmr_size,
        served9.checkpoint.mmr_size,
        served.checkpoint.peaks.map(fromHex),
        served9.checkpoint.peaks.map(fromHex),
        (proof.paths as string[][]).map((p) => p.map(fromHex)),
      ),
    ).toBe(true);

    const status = await charter(['witness', 'status', '--dir', dir, '--json']);
    outputs.push(status.stdout, status.stderr);
    expect(status.status, status.stderr).toBe(0);
    const st = JSON.parse(status.stdout) as {
      witness: { key_id: string };
      state: { log_id: string; trust: { source: string }; last: { signed: SignedCheckpoint } };
      forks: unknown[];
    };
    expect(st).toMatchObject({ witness: { key_id: id.key_id }, state: { log_id: CHAIN, trust: { source: 'first-use' } }, forks: [] });
    expect(st.state.last.signed.checkpoint.height).toBe(9);
    const statusText = await charter(['witness', 'status', '--dir', dir]);
    expect(statusText.stdout).toContain('last cosigned: height 9');
    outputs.push(statusText.stdout, statusText.stderr);

    // the secret key never reaches the output
    for (const o of outputs) expect(o).not.toContain(secret);

    // The cosignature route refuses what is not a witness's valid cosignature of one of the node's checkpoints.
    const good = served9.cosignatures![0]!;
    const body = { checkpoint: served9.checkpoint, cosignature: good, public_key: id.public_key };
    // a replay is idempotent
    const client = await CustodyClient.connect(node.rpcUrl);
    try {
      await expect(client.postCosignature(served9.checkpoint, good, id.public_key)).resolves.toMatchObject({ stored: false });
      // a replayed cosignature with a bad signature
      const flipped = good.signature.slice(0, -2) + (good.signature.endsWith('00') ? '01' : '00');
      expect(await post(node.rpcUrl, { ...body, cosignature: { ...good, signature: flipped } })).toMatchObject({
        status: 400,
        json: { code: 'BAD_SIGNATURE' },
      });
      await expect(client.postCosignature(served9.checkpoint, { ...good, signature: flipped }, id.public_key)).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
      // the witness's signature over the older checkpoint, replayed onto the newer one
      expect(await post(node.rpcUrl, { ...body, cosignature: served.cosignatures![0] })).toMatchObject({ status: 400, json: { code: 'BAD_SIGNATURE' } });
      // a checkpoint the node did not sign at that height
      const other = { ...served9.checkpoint, time: '2030-01-01T00:00:00Z' };
      const w = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as { secret_key: string };
      const { ed25519 } = await import('@noble/curves/ed25519.js');
      const sigOther = toHex(ed25519.sign(cosignatureDigest(other), fromHex(w.secret_key)));
      expect(await post(node.rpcUrl, { checkpoint: other, cosignature: { ...good, signature: sigOther }, public_key: id.public_key })).toMatchObject({
        status: 409,
        json: { code: 'CHECKPOINT_MISMATCH' },
      });
      await expect(client.postCosignature(other, { ...good, signature: sigOther }, id.public_key)).rejects.toMatchObject({ code: 'CHECKPOINT_MISMATCH' });
      expect(await post(node.rpcUrl, { ...body, checkpoint: { ...served9.checkpoint, height: 4 } })).toMatchObject({
        status: 404,
        json: { code: 'NOT_FOUND' },
      });
      // key id not of the public key; an invalid key; malformed bodies; a malformed checkpoint
      expect(
        await post(node.rpcUrl, { ...body, public_key: served9.cosignatures && (await getJson(`${node.rpcUrl}/explorer/trust`)).keys[0].public_key }),
      ).toMatchObject({ status: 400, json: { code: 'INVALID_INPUT' } });
      expect(await post(node.rpcUrl, { ...body, public_key: '00'.repeat(32) })).toMatchObject({ status: 400, json: { code: 'INVALID_INPUT' } });
      expect(await post(node.rpcUrl, { ...body, extra: 1 })).toMatchObject({ status: 400, json: { code: 'INVALID_INPUT' } });
      expect(await post(node.rpcUrl, '{"checkpoint": 1, "checkpoint": 2}')).toMatchObject({ status: 400, json: { code: 'INVALID_INPUT' } });
      expect(await post(node.rpcUrl, { ...body, checkpoint: { ...served9.checkpoint, peaks: [] } })).toMatchObject({
        status: 400,
        json: { code: 'INVALID_INPUT' },
      });
      // another web origin; not JSON
      expect(await post(node.rpcUrl, body, { Origin: 'http://evil.example' })).toMatchObject({ status: 403 });
      const text = await fetch(`${node.rpcUrl}/explorer/cosignature`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: JSON.stringify(body),
      });
      expect(text.status).toBe(415);
      // still exactly the one cosignature
      expect(((await getJson(`${node.rpcUrl}/explorer/checkpoint?height=9`)) as SignedCheckpoint).cosignatures).toEqual([good]);
    } finally {
      client.disconnect?.();
    }
  });

  it('without --once it cosigns as checkpoints come and stops on SIGTERM with exit 0', async () => {
    const { node, grow } = await devnet();
    grow(2); // checkpoint at 3
    const dir = path.join(tmp, 'w-loop');
    expect((await charter(['witness', 'init', '--dir', dir])).status).toBe(0);
    const child = spawn(process.execPath, [bin, 'witness', 'run', '--dir', dir, '--node', node.rpcUrl, '--interval-ms', '100'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.add(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    const cosignedAt = async (h: number) => {
      const end = Date.now() + 30_000;
      while (Date.now() < end) {
        const c = (await getJson(`${node.rpcUrl}/explorer/checkpoint?height=latest`)) as SignedCheckpoint;
        if (c.checkpoint.height === h && (c.cosignatures?.length ?? 0) === 1) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    };
    expect(await cosignedAt(3)).toBe(true);
    grow(3);
    expect(await cosignedAt(6)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('witness stopped');
  });

  it('a home from before the cosignatures table opens, and gets the table', async () => {
    const home = homes.home();
    const node = await homes.start({
      home,
      chainId: CHAIN,
      blockTimeMs: 0,
      clock: steppingClock(),
      checkpointEvery: 1,
      initKeys: { adminSecret: ADMIN_SECRET, validatorSecret: VALIDATOR_SECRET },
    });
    node.produceBlock();
    await node.stop();
    const db = new Database(path.join(home, 'node.db'));
    db.exec('DROP TABLE cosignatures; DELETE FROM schema_version WHERE version >= 5;');
    db.close();
    const again = await homes.start({ home, chainId: CHAIN, blockTimeMs: 0, clock: steppingClock(), checkpointEvery: 1 });
    const cp = (await getJson(`${again.rpcUrl}/explorer/checkpoint?height=latest`)) as SignedCheckpoint;
    expect(cp.cosignatures).toBeUndefined();
    await again.stop();
    const check = new Database(path.join(home, 'node.db'), { readonly: true });
    expect((check.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number }).v).toBe(6);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'cosignatures'").get()).toBeDefined();
    check.close();
  });
});

describe('charter witness against a lying log', () => {
  let log: LyingLog | null = null;
  afterEach(async () => {
    await log?.close();
    log = null;
  });

  it('cosigns the first checkpoint, refuses an inconsistent second one with FORK_DETECTED and keeps both as evidence', async () => {
    // Two histories signed by the same log key: 3 leaves at height 10, then 5 other leaves at height 20.
    log = await startLyingLog('lying-log-1', new Uint8Array(32).fill(0x5a), [
      [['a', 'b', 'c'], 10],
      [['a', 'x', 'c', 'd', 'e'], 20],
    ]);
    const [h1, h2] = log.histories;
    const dir = path.join(tmp, 'w-fork');
    const trustFile = path.join(tmp, 'lying-trust.json');
    fs.writeFileSync(trustFile, JSON.stringify(log.trust));
    const init = await charter(['witness', 'init', '--dir', dir, '--json']);
    expect(init.status).toBe(0);
    const id = JSON.parse(init.stdout) as { key_id: string; witnesses: { quorum: number; keys: TrustKey[] } };

    const first = await charter(['witness', 'run', '--dir', dir, '--node', log.url, '--trust', trustFile, '--once']);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).not.toContain('trust on first use');
    expect(log.posted).toHaveLength(1);
    const p1 = log.posted[0] as { checkpoint: unknown; cosignature: SignedCheckpoint['signatures'][number] };
    expect(p1.checkpoint).toEqual(h1!.signed.checkpoint);
    const withWitness = parseTrustFile({ ...log.trust, witnesses: id.witnesses });
    expect(verifyCosignatures({ ...h1!.signed, cosignatures: [p1.cosignature] }, withWitness, nobleVerifier)).toMatchObject({ ok: true });

    // The operator now shows another history: same key, larger, but not an extension.
    log.show(1);
    const second = await charter(['witness', 'run', '--dir', dir, '--node', log.url, '--trust', trustFile, '--once']);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('FORK_DETECTED');
    expect(second.stderr).toContain(`height ${h1!.signed.checkpoint.height}, MMR size ${h1!.signed.checkpoint.mmr_size}`);
    expect(second.stderr).toContain(`height ${h2!.signed.checkpoint.height}, MMR size ${h2!.signed.checkpoint.mmr_size}`);
    expect(log.posted).toHaveLength(1); // nothing cosigned

    const forks = fs.readdirSync(path.join(dir, 'forks'));
    expect(forks).toHaveLength(1);
    const text = fs.readFileSync(path.join(dir, 'forks', forks[0]!), 'utf8');
    const rec = JSON.parse(text) as {
      format: string;
      log_id: string;
      reason: string;
      cosigned: SignedCheckpoint;
      offered: SignedCheckpoint;
      proof: { from_size: number; to_size: number; paths: string[][] };
    };
    expect(forks[0]).toBe(`${createHash('sha256').update(jcsBytes(rec)).digest('hex')}.json`);
    expect(rec).toMatchObject({ format: 'charter.witness-fork/v1', log_id: 'lying-log-1', cosigned: h1!.signed, offered: h2!.signed });
    expect(rec.proof).toMatchObject({ from_size: h1!.signed.checkpoint.mmr_size, to_size: h2!.signed.checkpoint.mmr_size });
    expect(rec.reason).toContain('does not carry the peaks');
    // both are genuinely signed by the log key: the evidence convicts the log, not the witness
    expect(verifyCheckpoint(rec.cosigned, log.trust, nobleVerifier).ok).toBe(true);
    expect(verifyCheckpoint(rec.offered, log.trust, nobleVerifier).ok).toBe(true);

    // It keeps refusing the log, even when the first history is shown again, until an operator intervenes.
    log.show(0);
    const third = await charter(['witness', 'run', '--dir', dir, '--node', log.url, '--once', '--json']);
    expect(third.status).toBe(1);
    expect(JSON.parse(third.stdout)).toMatchObject({ ok: false, error: { code: 'FORK_DETECTED' } });
    expect(fs.readdirSync(path.join(dir, 'forks'))).toHaveLength(1);
    const status = await charter(['witness', 'status', '--dir', dir, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ forks: [{ log_id: 'lying-log-1', cosigned: { height: 10 }, offered: { height: 20 } }] });
    // another trust file than the pinned one is refused
    const otherTrust = path.join(tmp, 'other-trust.json');
    fs.writeFileSync(otherTrust, JSON.stringify({ ...log.trust, log_id: 'something-else' }));
    const mismatch = await charter(['witness', 'run', '--dir', dir, '--node', log.url, '--trust', otherTrust, '--once']);
    expect(mismatch.status).toBe(1);
    expect(mismatch.stderr).toContain('not the trust file this witness pinned');
  });

  it('the same size with other peaks is a fork too; a smaller size is a fork', async () => {
    log = await startLyingLog('lying-log-2', new Uint8Array(32).fill(0x5b), [
      [['a', 'b', 'c', 'd'], 10],
      [['a', 'b', 'c', 'z'], 12],
      [['a', 'b'], 14],
    ]);
    const dir = path.join(tmp, 'w-fork2');
    expect((await charter(['witness', 'init', '--dir', dir])).status).toBe(0);
    expect((await charter(['witness', 'run', '--dir', dir, '--node', log.url, '--once'])).status).toBe(0);
    log.show(1);
    const r = await charter(['witness', 'run', '--dir', dir, '--node', log.url, '--once']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('FORK_DETECTED');
    expect(r.stderr).toContain('the peaks differ');
    const rec = JSON.parse(fs.readFileSync(path.join(dir, 'forks', fs.readdirSync(path.join(dir, 'forks'))[0]!), 'utf8')) as { proof: unknown };
    expect(rec.proof).toBeNull();

    const dir2 = path.join(tmp, 'w-fork3');
    expect((await charter(['witness', 'init', '--dir', dir2])).status).toBe(0);
    log.show(0);
    expect((await charter(['witness', 'run', '--dir', dir2, '--node', log.url, '--once'])).status).toBe(0);
    log.show(2);
    const s = await charter(['witness', 'run', '--dir', dir2, '--node', log.url, '--once']);
    expect(s.status).toBe(1);
    expect(s.stderr).toContain('the log shrank');
  });

  it('charter --help lists witness; every witness verb has --help', async () => {
    const top = await charter(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/^\s+witness\s/m);
    for (const verb of ['init', 'run', 'status']) {
      const r = await charter(['witness', verb, '--help']);
      expect(r.status, verb).toBe(0);
      expect(r.stdout, verb).toContain(`Usage: charter witness ${verb}`);
    }
  });

  it('usage errors exit 64', async () => {
    expect((await charter(['witness', 'run', '--dir', path.join(tmp, 'nowhere')])).status).toBe(64);
    expect((await charter(['witness', 'run', '--dir', path.join(tmp, 'nowhere'), '--node', 'ftp://x', '--once'])).status).toBe(64);
    expect((await charter(['witness', 'run', '--dir', path.join(tmp, 'nowhere'), '--node', 'http://127.0.0.1:1', '--interval-ms', '5'])).status).toBe(64);
  });
});

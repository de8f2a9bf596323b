// The workspace and the devnet home are the operator's alone: every directory
// 0700 and every file 0600, whoever created the folder. A real console (real
// SQLite, the embedded devnet over its socket) is opened on a workspace folder
// made beforehand with mode 0755 (and a devnet home and an older artifact left
// open to others), a real flow runs — keys, a vault, a withdrawal, evidence, a
// bundle, an internal error logged — and the whole tree is walked.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodName, MethodOutput } from '../../core/contract/index.js';
import { contractApi, type InputArgs } from '../../core/contract/client.js';
import { createCharter, type Charter } from '../../main/app.js';
import { toSerializedError } from '../../main/hosts/dispatch.js';
import { Workspace } from '../../main/workspace/workspace.js';

const PASS = 'a long passphrase';
const FAST = { n: 1 << 12, r: 8, p: 1 };

let root = '';
let dir = '';
let charter: Charter | null = null;
let savedUmask: number | null = null;

/** Call an operation with its real types; a refusal rejects with its code. */
function call<M extends MethodName>(method: M, ...input: InputArgs<M>): Promise<MethodOutput<M>> {
  return contractApi(charter!.dispatch).call(method, ...input);
}

/** Every path under `top` with its permission bits. */
function walk(top: string): { rel: string; dir: boolean; mode: number }[] {
  const out: { rel: string; dir: boolean; mode: number }[] = [];
  const visit = (p: string): void => {
    const st = fs.lstatSync(p);
    out.push({ rel: path.relative(top, p) || '.', dir: st.isDirectory(), mode: st.mode & 0o777 });
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) visit(path.join(p, n));
  };
  visit(top);
  return out;
}

function wrongModes(top: string): string[] {
  return walk(top)
    .filter((e) => e.mode !== (e.dir ? 0o700 : 0o600))
    .map((e) => `${e.rel} ${e.mode.toString(8)}`);
}

beforeAll(() => {
  // A umask that leaves group and others able to read: what made the 0644 files in the first place.
  try {
    savedUmask = process.umask(0o022);
  } catch {
    savedUmask = null; // not settable in this worker; the modes below are set explicitly anyway
  }
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-private-'));
  dir = path.join(root, 'ws');
  for (const d of [dir, path.join(dir, 'devnet'), path.join(dir, 'artifacts')]) {
    fs.mkdirSync(d);
    fs.chmodSync(d, 0o755);
  }
  fs.writeFileSync(path.join(dir, 'artifacts', `${'0'.repeat(64)}.json`), '{}');
  fs.chmodSync(path.join(dir, 'artifacts', `${'0'.repeat(64)}.json`), 0o644);
});
afterAll(async () => {
  await charter?.close();
  if (savedUmask !== null) process.umask(savedUmask);
  fs.rmSync(root, { recursive: true, force: true });
});

describe('workspace and devnet home are private', () => {
  it('a workspace folder and devnet home made 0755 beforehand become 0700 when the console opens them', async () => {
    expect(fs.statSync(dir).mode & 0o777).toBe(0o755);
    charter = await createCharter({ host: 'serve', workspace: dir, blockTimeMs: 100, scrypt: FAST, watch: false });
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'devnet')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'artifacts', `${'0'.repeat(64)}.json`)).mode & 0o777).toBe(0o600);
  });

  it('after keys, a vault, a withdrawal, evidence, a bundle and a logged internal error, every directory is 0700 and every file 0600', async () => {
    const a = await call('keys.create', { label: 'a', passphrase: PASS });
    const b = await call('keys.create', { label: 'b', passphrase: PASS });
    await call('custody.createVault', { vaultId: 'private', name: 'Private', approvers: [a.keyId, b.keyId], threshold: 1 });
    await call('custody.fundVault', { vaultId: 'private', asset: 'USDC', amount: '1000' });
    const { request } = await call('custody.createWithdrawal', {
      vaultId: 'private',
      asset: 'USDC',
      amount: '10',
      destination: 'acct:x',
      memo: '',
      keyId: a.keyId,
      passphrase: PASS,
    });
    const done = await call('custody.approve', { requestId: request.requestId, keyId: b.keyId, passphrase: PASS });
    expect(done.request.status).toBe('executed');
    const ev = await call('evidence.exportWithdrawal', { requestId: request.requestId });
    const bundle = await call('evidence.buildCase', { requestId: request.requestId });
    // An internal error, as a host reports one: kept in logs/charter.log.
    const err = toSerializedError(new Error('a failure with a stack'), charter!.out, 'test');
    expect(err.errorId).toBeDefined();

    const entries = walk(dir);
    const names = entries.map((e) => e.rel);
    // The files the flow made are all there (so the check below is about them).
    for (const f of [
      'workspace.db',
      'workspace.db-wal',
      'workspace.db-shm',
      'devnet/node.db',
      'devnet/node.db-wal',
      'devnet/genesis.json',
      'devnet/node_key.json',
      'devnet/admin_key.json',
      `keystore/${a.keyId}.json`,
      'logs/charter.log',
    ]) {
      expect(names, f).toContain(f);
    }
    expect(names).toContain(path.relative(dir, ev.artifact));
    expect(names).toContain(path.relative(dir, bundle.artifact));
    expect(wrongModes(dir)).toEqual([]);

    await charter!.close();
    charter = null;
    expect(wrongModes(dir)).toEqual([]);
  });

  it('a workspace someone opened up again (0755 folder, 0644 files) is narrowed when opened', () => {
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, 'keystore'), 0o755);
    fs.chmodSync(path.join(dir, 'workspace.db'), 0o644);
    const key = fs.readdirSync(path.join(dir, 'keystore'))[0]!;
    fs.chmodSync(path.join(dir, 'keystore', key), 0o644);
    expect(wrongModes(dir).length).toBeGreaterThanOrEqual(4);
    const ws = Workspace.open(dir);
    ws.close();
    expect(wrongModes(path.join(dir)).filter((e) => !e.startsWith('devnet'))).toEqual([]);
  });
});
